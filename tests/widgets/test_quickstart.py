"""The committed quickstart: three code cells, a kernelspec, no outputs (the notebook suite runs it)."""

from __future__ import annotations

from pathlib import Path

import nbformat

import vidwidgets as vw

QUICKSTART = Path(__file__).resolve().parents[2] / "notebooks" / "quickstart.ipynb"


def test_quickstart_is_three_code_cells_with_a_kernelspec_and_no_outputs() -> None:
    nb = nbformat.read(QUICKSTART, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert len(code) == 3
    assert code[0].source == "import vidwidgets as vw"
    assert all(not cell.outputs and cell.execution_count is None for cell in code)
    # nothing waits for a click: the last cell starts the generation itself
    assert "await studio.generate()" in code[-1].source
    assert "VIDWIDGETS_API_KEY" in "".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_the_widgets_are_exported_from_the_package() -> None:
    from vidwidgets.apps import Studio
    from vidwidgets.widgets import JobProgress, ParameterForm, VideoPlayer

    assert (vw.Studio, vw.ParameterForm, vw.JobProgress, vw.VideoPlayer) == (
        Studio,
        ParameterForm,
        JobProgress,
        VideoPlayer,
    )
