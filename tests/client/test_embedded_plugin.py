"""The embedded default runs the late-2026 plugin gateway; the older dialects stay selectable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from vidwidgets import _embedded
from vidwidgets.client import JobStatus, VideoClient, VideoRequest

from .conftest import SPEED


@pytest.fixture
def embedded(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh embedded simulator, fast, with no dialect asked for; stopped afterwards."""
    monkeypatch.setenv("VIDWIDGETS_SIM_SPEED", str(SPEED))
    monkeypatch.setenv("VIDWIDGETS_SIM_VIDEO_SCALE", "0.25")
    monkeypatch.delenv("VIDWIDGETS_SIM_DIALECT", raising=False)
    _embedded.stop_embedded_simulator()
    yield
    _embedded.stop_embedded_simulator()


def test_a_client_with_no_key_runs_on_the_plugin_gateway(embedded: None, tmp_path: Path) -> None:
    client = VideoClient(output_dir=tmp_path)
    job = client.generate_sync(VideoRequest(model="kling-v1", prompt="a fox", duration=5))
    client.close()
    assert _embedded.get_embedded_simulator().dialect == "plugin"
    assert client.api_format == "88api"
    assert job.status is JobStatus.SUCCEEDED
    assert job.path is not None
    assert job.path.exists()


@pytest.mark.parametrize("dialect", ["newapi", "docs", "openai"])
def test_the_older_dialects_stay_selectable(
    embedded: None, monkeypatch: pytest.MonkeyPatch, dialect: str
) -> None:
    monkeypatch.setenv("VIDWIDGETS_SIM_DIALECT", dialect)
    assert _embedded.embedded_settings()["dialect"] == dialect


def test_an_unknown_dialect_falls_back_to_the_plugin_gateway(
    embedded: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDWIDGETS_SIM_DIALECT", "klingon")
    assert _embedded.embedded_settings()["dialect"] == "plugin"
