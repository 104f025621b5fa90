"""A fast simulator on loopback and a client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from vidwidgets.client import VideoClient
from vidwidgets.experiments import Experiment, ExperimentStore
from vidwidgets.simulator import Simulator

API_KEY = "sk-sim-DISTINCTIVE-key-0451"
FAST = {"speed": 200.0, "video_scale": 0.1, "fps": 8, "refresh_period": 1.0}


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(dialect="newapi", api_key=API_KEY, **FAST) as simulator:  # type: ignore[arg-type]
        yield simulator


def make_client(sim: Simulator) -> VideoClient:
    # journal off: these tests prove the experiment manifest alone resumes; cache off: the
    # client's own result cache would hide the store's cache from the simulator's log
    return VideoClient(
        base_url=sim.base_url, api_key=sim.api_key, journal=False, cache=False, time_scale=0.02
    )


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[VideoClient]:
    async with make_client(sim) as c:
        yield c


@pytest.fixture
def store(tmp_path: Path) -> ExperimentStore:
    return ExperimentStore(tmp_path / "runs")


@pytest.fixture
def exp(store: ExperimentStore) -> Experiment:
    return store.experiment("fox")
