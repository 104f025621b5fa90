"""The package's public surface: every advertised name resolves, and importing stays cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest

import vidwidgets


@pytest.mark.parametrize("name", [n for n in vidwidgets.__all__ if n != "__version__"])
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(vidwidgets, name) is not None


def test_an_unknown_name_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        vidwidgets.Nope  # noqa: B018


def test_importing_the_package_loads_no_heavy_dependency() -> None:
    # The heavy parts load on first use, so `import vidwidgets` costs about what ipywidgets does.
    code = (
        "import sys, vidwidgets; "
        "print(','.join(m for m in ('aiohttp', 'av', 'numpy', 'PIL', 'ipywidgets', 'anywidget') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
