"""With no key and no base URL the client runs on the registered default target; the client
layer itself never imports the simulator."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from vidwidgets import _defaults
from vidwidgets.client import DefaultTarget, Endpoint, JobStatus, VideoAPIError, VideoClient
from vidwidgets.simulator import Simulator

from .conftest import request_for


@pytest.fixture
def registered() -> Iterator[Callable[[Callable[[], Any] | None], None]]:
    """``registered(factory)`` replaces the default target for one test."""
    previous = _defaults.default_target_factory()
    yield _defaults.set_default_target
    _defaults.set_default_target(previous)


def test_importing_the_client_loads_neither_the_simulator_nor_pyav() -> None:
    code = (
        "import sys, vidwidgets.client; "
        "print(','.join(m for m in ('av', 'vidwidgets.simulator', 'vidwidgets._embedded') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_package_registers_the_embedded_simulator_as_the_default() -> None:
    target = _defaults.default_target_factory()
    assert target is not None
    made = target()
    assert isinstance(made, DefaultTarget)
    assert made.label == "embedded simulator"


async def test_a_keyless_client_runs_on_the_registered_target(
    make_sim: Any, registered: Any, tmp_path: Path
) -> None:
    sim: Simulator = await make_sim("newapi")
    registered(
        lambda: DefaultTarget(
            "test target", "88api", lambda: Endpoint(sim.base_url, sim.api_key, 1 / sim.speed)
        )
    )
    async with VideoClient(output_dir=tmp_path) as client:
        assert client.is_simulator
        assert repr(client) == "VideoClient(base_url='test target', api_format='88api')"
        job = await client.generate(request_for("newapi"))
    assert job.status is JobStatus.SUCCEEDED
    assert client.base_url == sim.base_url


def test_the_default_target_starts_on_first_use_not_on_construction(registered: Any) -> None:
    started: list[str] = []

    def start() -> Endpoint:
        started.append("started")
        return Endpoint("http://127.0.0.1:9", None)

    registered(lambda: DefaultTarget("lazy", "openai", start))
    client = VideoClient()
    assert client.api_format == "openai"  # known without starting it
    assert started == []
    assert client.base_url == "http://127.0.0.1:9"
    assert started == ["started"]


def test_a_keyless_client_with_nothing_registered_says_what_to_configure(
    registered: Any,
) -> None:
    registered(None)
    with pytest.raises(VideoAPIError, match="no API key") as caught:
        VideoClient()
    assert caught.value.hint is not None
    assert "VIDWIDGETS_API_KEY" in caught.value.hint
