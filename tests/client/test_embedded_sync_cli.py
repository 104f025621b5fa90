"""The embedded default, the synchronous API inside a running loop, and a simulator in
another process started with the CLI."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import vidwidgets
from vidwidgets import _embedded
from vidwidgets.client import JobStatus, VideoClient, VideoRequest

from .conftest import SPEED


@pytest.fixture
def embedded(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh embedded simulator, fast, stopped afterwards."""
    monkeypatch.setenv("VIDWIDGETS_SIM_SPEED", str(SPEED))
    monkeypatch.setenv("VIDWIDGETS_SIM_VIDEO_SCALE", "0.25")
    _embedded.stop_embedded_simulator()
    yield
    _embedded.stop_embedded_simulator()


def test_no_key_means_the_embedded_simulator(embedded: None, tmp_path: Path) -> None:
    client = VideoClient(output_dir=tmp_path)
    assert client.is_simulator
    assert client.base_url == _embedded.get_embedded_simulator().base_url
    assert client.time_scale == pytest.approx(1 / SPEED)
    assert "sk-sim" not in repr(client)


def test_a_key_means_the_real_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIDWIDGETS_API_KEY", "sk-real")
    client = VideoClient()
    assert not client.is_simulator
    assert client.base_url == "https://88api.ai"
    monkeypatch.setenv("VIDWIDGETS_BASE_URL", "https://gateway.example/v1")
    assert VideoClient().base_url == "https://gateway.example"


def test_embedded_simulator_knobs_come_from_the_environment(
    embedded: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDWIDGETS_SIM_DIALECT", "docs")
    monkeypatch.setenv("VIDWIDGETS_SIM_FAILURE_RATE", "1")
    sim = _embedded.get_embedded_simulator()
    assert sim.dialect == "docs"
    assert sim.speed == SPEED
    assert _embedded.get_embedded_simulator() is sim  # one per process


def test_generate_sync_in_a_script(embedded: None, tmp_path: Path) -> None:
    client = VideoClient(output_dir=tmp_path)
    job = client.generate_sync(VideoRequest(model="kling-v1", prompt="a fox"))
    assert job.status is JobStatus.SUCCEEDED
    assert job.path is not None
    assert job.path.exists()


async def test_generate_sync_inside_a_running_event_loop(embedded: None, tmp_path: Path) -> None:
    asyncio.get_running_loop()  # as in a notebook cell
    client = VideoClient(output_dir=tmp_path)
    job = client.generate_sync(VideoRequest(model="viduq1", prompt="a fox"))
    assert job.status is JobStatus.SUCCEEDED
    # and the async API still works on this loop with the same client
    again = await client.generate(VideoRequest(model="viduq1", prompt="another fox"))
    assert again.status is JobStatus.SUCCEEDED
    await client.aclose()


def test_vidwidgets_run_works_inside_a_running_loop() -> None:
    async def inner() -> int:
        await asyncio.sleep(0.01)
        return 42

    async def cell() -> int:
        return vidwidgets.run(inner())

    assert asyncio.run(cell()) == 42


@pytest.fixture
def cli_simulator() -> Iterator[tuple[str, str]]:
    """``python -m vidwidgets.simulator --port 0`` in another process; yields (base_url, key)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vidwidgets.simulator",
            "--port",
            "0",
            "--speed",
            str(SPEED),
            "--video-scale",
            "0.25",
            "--fps",
            "6",
            "--dialect",
            "newapi",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        found: dict[str, str] = {}
        deadline = time.monotonic() + 30
        assert process.stdout is not None
        while len(found) < 2 and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            for name in ("base_url", "api_key"):
                if line.startswith(name + "="):
                    found[name] = line.strip().split("=", 1)[1]
        assert len(found) == 2, process.stderr.read() if process.stderr else ""
        yield found["base_url"], found["api_key"]
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_client_against_a_simulator_in_another_process(
    cli_simulator: tuple[str, str], tmp_path: Path
) -> None:
    base_url, key = cli_simulator
    async with VideoClient(
        base_url, key, journal=False, output_dir=tmp_path, time_scale=1 / SPEED
    ) as client:
        assert not client.is_simulator
        job = await client.generate(VideoRequest(model="kling-v1", prompt="a fox"))
    assert job.status is JobStatus.SUCCEEDED
    assert job.path is not None
    assert job.path.read_bytes()[4:8] == b"ftyp"


async def test_close_from_a_running_loop_does_not_block(embedded: None, tmp_path: Path) -> None:
    client = VideoClient(output_dir=tmp_path)
    client.generate_sync(VideoRequest(model="kling-v1", prompt="a fox"))
    await client.generate(VideoRequest(model="kling-v1", prompt="a second fox"))
    started = time.monotonic()
    client.close()
    assert time.monotonic() - started < 0.5
    await asyncio.sleep(0.05)  # let the scheduled close run
