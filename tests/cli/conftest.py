"""The CLI runs as a real subprocess against a simulator served from a thread of the test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from vidwidgets.simulator import PluginOptions, Simulator, Timing

API_KEY = "sk-sim-CLI-distinctive-9731"
FAST = {"speed": 100.0, "video_scale": 0.1, "fps": 8, "refresh_period": 1.0}
#: about 5 s per job: long enough to interrupt a run half-way
SLOW = {**FAST, "speed": 14.0, "timing": Timing(queue=10, generate=60, jitter=0)}


@dataclass
class Cli:
    """Runs ``python -m vidwidgets.cli`` with the environment pointing at one simulator."""

    sim: Simulator | None
    home: Path

    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIDWIDGETS_")}
        env.update(
            VIDWIDGETS_RUNS_DIR=str(self.runs_dir),
            VIDWIDGETS_JOURNAL_DIR=str(self.home / "journal"),
            PYTHONUNBUFFERED="1",
        )
        if self.sim is not None:
            env.update(VIDWIDGETS_BASE_URL=self.sim.base_url, VIDWIDGETS_API_KEY=self.sim.api_key)
        env.update(extra)
        return env

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "vidwidgets.cli", *args]

    def run(self, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(*args),
            cwd=self.home,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.argv(*args),
            cwd=self.home,
            env=self.env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def _serve(dialect: str = "newapi", **options: object) -> Iterator[Simulator]:
    sim = Simulator(dialect=dialect, api_key=API_KEY, **options).start()  # type: ignore[arg-type]
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def sim() -> Iterator[Simulator]:
    yield from _serve(**FAST)


@pytest.fixture
def slow_sim() -> Iterator[Simulator]:
    yield from _serve(**SLOW)


@pytest.fixture
def cli(sim: Simulator, tmp_path: Path) -> Cli:
    return Cli(sim, tmp_path)


@pytest.fixture
def slow_cli(slow_sim: Simulator, tmp_path: Path) -> Cli:
    return Cli(slow_sim, tmp_path)


@pytest.fixture
def priced_cli(tmp_path: Path) -> Iterator[Cli]:
    """The CLI on the plugin gateway, which publishes its prices."""
    for sim in _serve("plugin", **FAST):
        yield Cli(sim, tmp_path)


@pytest.fixture
def hidden_prices_cli(tmp_path: Path) -> Iterator[Cli]:
    """The CLI on a plugin gateway whose operator hid the prices (``/api/pricing``: 403)."""
    for sim in _serve("plugin", plugin=PluginOptions(pricing=False), **FAST):
        yield Cli(sim, tmp_path)
