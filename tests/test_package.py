"""The package's public surface: every advertised name resolves, and importing stays cheap."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
import types

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


def _defined_objects() -> list[str]:
    """The exported names that are classes or functions (constants have no module)."""
    return [
        n
        for n in vidwidgets.__all__
        if n != "__version__" and isinstance(getattr(vidwidgets, n), (type, types.FunctionType))
    ]


@pytest.mark.parametrize("name", _defined_objects())
def test_every_exported_class_and_function_belongs_to_the_top_level_module(name: str) -> None:
    assert getattr(vidwidgets, name).__module__ == "vidwidgets"


def test_the_module_is_set_as_soon_as_the_defining_package_is_imported() -> None:
    code = (
        "import vidwidgets.client as c, vidwidgets.simulator as s; "
        "print(c.ValidationError.__module__, s.Simulator.__module__, c.MetricsSnapshot.__module__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # a name the top level does not export keeps its own module
    assert out.stdout.split() == ["vidwidgets", "vidwidgets", "vidwidgets.client._metrics"]


def test_an_error_repr_names_the_public_class() -> None:
    assert repr(vidwidgets.ValidationError) == "<class 'vidwidgets.ValidationError'>"


def test_a_traceback_names_the_error_as_vidwidgets_dot_name() -> None:
    code = "import vidwidgets as vw; vw.VideoRequest(model='kling-v1', prompt='a fox', duration=7)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 1
    last = out.stderr.splitlines()[-1]
    assert last.startswith("vidwidgets.ValidationError: ")
    assert "duration=7" in last


def test_an_error_survives_a_pickle_round_trip() -> None:
    error = vidwidgets.ValidationError("duration", 7, "5 or 10", model="kling-v1", hint="pick 5")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is vidwidgets.ValidationError
    assert (str(again), again.field, again.value, again.hint) == (
        str(error),
        "duration",
        7,
        "pick 5",
    )


def test_an_error_can_be_copied() -> None:
    error = vidwidgets.RateLimitError("slow down", status=429, retry_after=3.0)
    again = copy.deepcopy(error)
    assert (str(again), again.status, again.retry_after) == (str(error), 429, 3.0)


def test_a_request_survives_a_pickle_round_trip() -> None:
    request = vidwidgets.VideoRequest(model="sora-2", prompt="a paper boat", seconds="8")
    assert pickle.loads(pickle.dumps(request)) == request
    assert b"vidwidgets\nVideoRequest" in pickle.dumps(request, protocol=0)
