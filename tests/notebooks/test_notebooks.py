"""Every notebook in ``notebooks/`` runs headless in a real kernel and saves small and clean.

Each notebook is executed once with nbclient, exactly as ``jupyter nbconvert --execute`` or
papermill would: in a real ipykernel, with no front end (so no cell may wait for a click), with
no ``VIDWIDGETS_API_KEY`` (so the widgets use the embedded simulator) and with nbclient's default
``store_widget_state=True``, which writes every synced trait into the saved file. The saved
notebook must then stay small and hold no video bytes: video travels over custom messages or is
served, never in a trait.

Notebooks are found by glob, so a new one is covered without touching this file.
"""

from __future__ import annotations

import base64
import binascii
import re
import shutil
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.notebook

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
MAX_SAVED_BYTES = 200_000
CELL_TIMEOUT = 180  # seconds; the simulator renders real H.264, two shared cores
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

# base64 runs long enough to hide a file; MP4s carry "ftyp" in their first box
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{64,}={0,2}")


def _decoded_base64_runs(text: str) -> list[bytes]:
    blobs = []
    for match in _BASE64_RUN.finditer(text):
        run = match.group(0)
        run = run[: len(run) - len(run) % 4] if not run.endswith("=") else run
        try:
            blobs.append(base64.b64decode(run, validate=True))
        except (binascii.Error, ValueError):
            continue
    return blobs


def _outputs(nb: Any) -> list[Any]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def executed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Any, str]:
    """(the executed notebook, its saved text), run in a copy of ``notebooks/``."""
    source: Path = request.param
    workdir = tmp_path_factory.mktemp(source.stem)
    shutil.copytree(NOTEBOOK_DIR, workdir, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".*"))
    with pytest.MonkeyPatch.context() as env:
        # the kernel inherits this process's environment: no key means the embedded simulator
        env.delenv("VIDWIDGETS_API_KEY", raising=False)
        nb = nbformat.read(workdir / source.name, as_version=4)
        client = NotebookClient(
            nb,
            timeout=CELL_TIMEOUT,
            kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
            resources={"metadata": {"path": str(workdir)}},
        )
        assert client.store_widget_state, "test what nbconvert --execute would save"
        client.execute()
    saved = workdir / f"{source.stem}.executed.ipynb"
    nbformat.write(nb, saved)
    return nb, saved.read_text()


def test_the_glob_finds_the_quickstart() -> None:
    # An empty glob would skip every test below silently: make that a failure.
    assert "quickstart.ipynb" in [p.name for p in NOTEBOOKS], NOTEBOOK_DIR


def test_notebook_runs_without_errors(executed: tuple[Any, str]) -> None:
    nb, _ = executed
    errors = [out for out in _outputs(nb) if out.output_type == "error"]
    assert not errors, [f"{e.ename}: {e.evalue}" for e in errors]


def test_saved_notebook_stays_small(executed: tuple[Any, str]) -> None:
    _, text = executed
    size = len(text.encode())
    assert size < MAX_SAVED_BYTES, f"saved notebook is {size} bytes"


def test_saved_notebook_holds_no_video_bytes(executed: tuple[Any, str]) -> None:
    nb, text = executed
    assert "data:video" not in text
    assert not any(b"ftyp" in blob for blob in _decoded_base64_runs(text)), "an MP4 is embedded"
    if any(WIDGET_VIEW in getattr(out, "data", {}) for out in _outputs(nb)):
        # the check above is meaningful only if widget state was really saved
        assert WIDGET_STATE in nb.metadata.get("widgets", {})
