"""Ways to run the simulator: the thread-backed start/stop and the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from vidwidgets.simulator import Simulator

REPO = Path(__file__).resolve().parents[2]


def fetch(
    url: str, key: str | None = None, body: dict[str, object] | None = None
) -> tuple[int, object]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data)
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_thread_backed_simulator_serves_sync_code() -> None:
    sim = Simulator(dialect="openai", speed=200, video_scale=0.1, fps=8).start()
    try:
        status, video = fetch(sim.base_url + "/v1/videos", sim.api_key, {"prompt": "sync"})
        assert status == 200
        assert isinstance(video, dict)
        done = sim.wait_finished_sync(1, timeout=20)
        assert done[0].id == video["id"]
    finally:
        sim.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(sim.base_url + "/v1/videos", timeout=2)
    assert sim.requests[0].status == 200  # the log outlives the server


def test_thread_backed_simulator_works_as_a_context_manager() -> None:
    with Simulator(dialect="newapi", speed=200) as sim:
        status, body = fetch(sim.base_url + "/v1/video/generations/task_x", sim.api_key)
    assert status == 400
    assert isinstance(body, dict)
    assert body["code"] == "task_not_exist"


def test_starting_twice_is_an_error() -> None:
    sim = Simulator().start()
    try:
        with pytest.raises(RuntimeError):
            sim.start()
    finally:
        sim.stop()
    sim.stop()  # stopping twice is harmless


def _launch(*args: str) -> tuple[subprocess.Popen[str], str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "vidwidgets.simulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert proc.stdout is not None
    lines: dict[str, str] = {}
    deadline = time.monotonic() + 30
    while "api_key" not in lines and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        name, sep, value = line.strip().partition("=")
        if sep:
            lines[name] = value
    assert "api_key" in lines, proc.stderr.read() if proc.stderr else ""
    return proc, lines["base_url"], lines["api_key"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_cli_prints_url_and_key_serves_and_stops_cleanly(sig: signal.Signals) -> None:
    proc, base_url, key = _launch("--dialect", "newapi", "--speed", "100", "--api-key", "sk-cli")
    try:
        assert base_url.startswith("http://127.0.0.1:")
        assert key == "sk-cli"
        status, body = fetch(
            base_url + "/v1/video/generations", key, {"model": "kling-v1", "prompt": "cli"}
        )
        assert status == 200
        assert isinstance(body, dict)
        assert body["task_id"].startswith("task_")
        proc.send_signal(sig)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.stderr is not None
    assert "Traceback" not in proc.stderr.read()


def test_stopping_does_not_wait_for_a_render_in_progress() -> None:
    # a full-size 10 s Kling pro video takes many seconds to render; stop must not wait for it
    sim = Simulator(dialect="newapi", speed=200).start()
    try:
        body = {"model": "kling-v1", "prompt": "big", "metadata": {"mode": "pro", "duration": "10"}}
        status, _ = fetch(sim.base_url + "/v1/video/generations", sim.api_key, body)
        assert status == 200
        time.sleep(0.3)  # the prerender has started
    finally:
        started = time.monotonic()
        sim.stop()
    deadline = time.monotonic() + 5
    while any(t.name.startswith("vidsim-render") for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the render thread outlived the simulator"
        time.sleep(0.05)
    assert time.monotonic() - started < 5
