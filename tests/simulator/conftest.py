"""Shared helpers for the simulator tests: a real aiohttp client session, polling, probing.

Every test talks to a real simulator over loopback sockets. Lifecycles run 100-200x faster than
real life and videos are rendered at a tenth of their size and 8 fps, so a job takes about a
second and the whole suite stays well under two minutes.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import av
import pytest

from vidwidgets.simulator import Simulator

#: keyword arguments that keep a simulator fast enough for tests
FAST: dict[str, Any] = {"speed": 200.0, "video_scale": 0.1, "fps": 8}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def auth(sim: Simulator) -> dict[str, str]:
    return {"Authorization": f"Bearer {sim.api_key}"}


async def get_json(
    http: aiohttp.ClientSession, sim: Simulator, path: str
) -> tuple[int, dict[str, Any]]:
    async with http.get(sim.base_url + path, headers=auth(sim)) as resp:
        return resp.status, await resp.json()


async def post_json(
    http: aiohttp.ClientSession, sim: Simulator, path: str, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    async with http.post(sim.base_url + path, json=body, headers=auth(sim)) as resp:
        return resp.status, await resp.json()


async def poll(
    http: aiohttp.ClientSession,
    sim: Simulator,
    path: str,
    done: Callable[[dict[str, Any]], bool],
    *,
    timeout: float = 20.0,
    interval: float = 0.05,
) -> list[dict[str, Any]]:
    """GET ``path`` until ``done(body)``; returns every body seen."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        status, body = await get_json(http, sim, path)
        assert status == 200, body
        seen.append(body)
        if done(body):
            return seen
        assert time.monotonic() < deadline, f"not done after {timeout} s: {body}"
        await asyncio.sleep(interval)


@dataclass
class Probe:
    codec: str
    pix_fmt: str
    width: int
    height: int
    frames: int
    duration: float


def probe(data: bytes) -> Probe:
    """Decode a whole MP4 with PyAV."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frames = 0
        pix_fmt = ""
        for frame in container.decode(stream):
            frames += 1
            pix_fmt = frame.format.name
        rate = float(stream.average_rate or 0)
        return Probe(
            codec=stream.codec_context.name,
            pix_fmt=pix_fmt,
            width=stream.codec_context.width,
            height=stream.codec_context.height,
            frames=frames,
            duration=frames / rate if rate else 0.0,
        )
