"""The baselines every figure is measured against, implemented as their authors describe them.

- :func:`guide_intervals` / :func:`guide_wait`: the 88API guide's polling loop — a status request
  every 5 s for 6 tries, then every 10 s for 6, then every 30 s (all divided by the benchmark's
  time scale, as the simulator's job times are).
- :func:`manager_batch`: the guide's manager pattern — at most 3 jobs at once, each holding its
  slot from create until its polling loop sees the end.
- :func:`openai_create_and_poll`: the official ``openai`` SDK's ``videos.create_and_poll``
  against the simulator's openai dialect; it polls at the server's ``openai-poll-after-ms`` hint,
  else every 1 s (the benchmark passes ``1000 / scale`` ms when there is no hint).
- :data:`READ_ALL_SCRIPT`: downloading as the guide does, ``requests.get(url).content`` (the
  whole body in memory) and then writing it to the file.
- :func:`curl_download`: Debian's ``curl`` on the same URL, for throughput.
- :data:`IMPORT_BASELINE`: ``import ipywidgets``.
- The idle kernel (benchmark 4) and the static page (benchmark 7) live with their benchmarks.

The baselines parse status with the same lenient normalisation the gateway facts call for
(:func:`normalise_status`), so a baseline is never slower because it misread a status: only its
schedule and its concurrency differ from vidwidgets'.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp

IMPORT_BASELINE = "import ipywidgets"

#: The guide's schedule: (interval in seconds, number of tries); the last repeats forever.
GUIDE_SCHEDULE: tuple[tuple[float, int], ...] = ((5.0, 6), (10.0, 6), (30.0, 0))
#: The guide's manager pattern runs this many jobs at once.
MANAGER_CONCURRENCY = 3

_SUCCEEDED = {"succeeded", "success", "completed", "done", "succeed"}
_FAILED = {"failed", "failure", "error", "expired", "cancelled", "canceled"}


def normalise_status(body: dict[str, Any]) -> str:
    """'succeeded', 'failed' or 'pending' from any of the three status shapes."""
    inner = body.get("data")
    raw = body.get("status")
    if raw is None and isinstance(inner, dict):
        raw = inner.get("status")
    status = str(raw or "").lower()
    if status in _SUCCEEDED:
        return "succeeded"
    if status in _FAILED:
        return "failed"
    return "pending"


def task_id_of(body: dict[str, Any]) -> str:
    """The task id in a create response: ``task_id``, else ``id``, else ``data.task_id``."""
    for key in ("task_id", "id"):
        if isinstance(body.get(key), str):
            return str(body[key])
    inner = body.get("data")
    if isinstance(inner, dict) and isinstance(inner.get("task_id"), str):
        return str(inner["task_id"])
    raise ValueError(f"no task id in {body!r}")


def guide_intervals(scale: float = 1.0) -> Iterator[float]:
    """The guide's intervals, divided by ``scale``: 5 s ×6, 10 s ×6, then 30 s forever."""
    for interval, tries in GUIDE_SCHEDULE:
        if tries == 0:
            while True:
                yield interval / scale
        for _ in range(tries):
            yield interval / scale


@dataclass
class Route:
    """Where a dialect creates and polls (the 88API format or the OpenAI format)."""

    create: str
    status: str  # with {id}


ROUTE_88API = Route("/v1/video/generations", "/v1/video/generations/{id}")
ROUTE_OPENAI = Route("/v1/videos", "/v1/videos/{id}")


async def guide_create(
    session: aiohttp.ClientSession, base_url: str, route: Route, body: dict[str, Any]
) -> str:
    """One create request; retried on 429 after 1 s as the guide's error handling suggests."""
    for _ in range(1000):
        async with session.post(base_url + route.create, json=body) as resp:
            if resp.status == 429:
                await asyncio.sleep(1.0)
                continue
            resp.raise_for_status()
            return task_id_of(await resp.json(content_type=None))
    raise RuntimeError("create still rate limited after 1000 tries")


async def guide_wait(
    session: aiohttp.ClientSession,
    base_url: str,
    route: Route,
    task_id: str,
    scale: float,
    deadline: float,
) -> tuple[str, float]:
    """Poll on the guide's schedule until the task ends: (status, ``time.time()`` it was seen).

    The guide sleeps first, then asks (its loop is ``sleep(interval); check()``).
    """
    url = base_url + route.status.format(id=task_id)
    for interval in guide_intervals(scale):
        if time.monotonic() + interval > deadline:
            break
        await asyncio.sleep(interval)
        async with session.get(url) as resp:
            if resp.status == 429:
                continue
            resp.raise_for_status()
            body = await resp.json(content_type=None)
        status = normalise_status(body)
        if status != "pending":
            return status, time.time()
    raise TimeoutError(f"{task_id} not finished before the benchmark's deadline")


def auth_headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


async def guide_run_one(
    session: aiohttp.ClientSession,
    base_url: str,
    route: Route,
    body: dict[str, Any],
    scale: float,
    deadline: float,
) -> tuple[str, str, float]:
    """Create and wait with the guide's loop: (task id, final status, time the end was seen)."""
    task_id = await guide_create(session, base_url, route, body)
    status, seen = await guide_wait(session, base_url, route, task_id, scale, deadline)
    return task_id, status, seen


async def manager_batch(
    base_url: str,
    api_key: str,
    route: Route,
    bodies: list[dict[str, Any]],
    scale: float,
    timeout: float,
) -> list[tuple[str, str, float]]:
    """The guide's manager pattern: 3 jobs at once, each polling inside its slot."""
    deadline = time.monotonic() + timeout
    slots = asyncio.Semaphore(MANAGER_CONCURRENCY)
    conn = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(headers=auth_headers(api_key), connector=conn) as session:

        async def one(body: dict[str, Any]) -> tuple[str, str, float]:
            async with slots:
                return await guide_run_one(session, base_url, route, body, scale, deadline)

        return await asyncio.gather(*(one(b) for b in bodies))


async def openai_create_and_poll(
    base_url: str,
    api_key: str,
    requests: list[dict[str, Any]],
    poll_interval_ms: int | None,
) -> list[tuple[str, str, float]]:
    """The official SDK's ``create_and_poll`` for each request, all at once.

    ``poll_interval_ms=None`` lets the SDK follow the server's ``openai-poll-after-ms`` hint
    (else its 1 s default); the benchmark passes a value only when the server sends no hint.
    """
    import warnings

    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url + "/v1", api_key=api_key, max_retries=2)

    async def one(req: dict[str, Any]) -> tuple[str, str, float]:
        kwargs: dict[str, Any] = dict(req)
        if poll_interval_ms is not None:
            kwargs["poll_interval_ms"] = poll_interval_ms
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # Sora API shutdown notice
            video = await client.videos.create_and_poll(**kwargs)
        return video.id, str(video.status), time.time()

    try:
        return await asyncio.gather(*(one(r) for r in requests))
    finally:
        await client.close()


# --- downloads --------------------------------------------------------------------------------

#: The guide's download: the whole body in memory, then written out. Run in a fresh interpreter
#: so its peak RSS is its own; prints the growth of peak RSS in bytes.
READ_ALL_SCRIPT = """
import resource, sys, requests
url, path = sys.argv[1], sys.argv[2]
requests.get(url.rsplit("/", 1)[0] + "/", timeout=5)  # warm up the imports, not counted
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
content = requests.get(url, timeout=300).content
with open(path, "wb") as f:
    f.write(content)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(after - before, len(content))
"""


def curl_path() -> str | None:
    return shutil.which("curl")


def curl_download(url: str, path: str, timeout: float = 300.0) -> tuple[float, int]:
    """Download with curl: (curl's own transfer time in seconds, bytes)."""
    curl = curl_path()
    if curl is None:
        raise RuntimeError("curl is not installed (apt-get install -y curl)")
    out = subprocess.run(
        [curl, "-sS", "--fail", "-o", path, "-w", "%{time_total} %{size_download}", url],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    ).stdout.split()
    return float(out[0]), int(float(out[1]))
