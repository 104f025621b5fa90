"""Benchmark 3 — download: a 256 MB video over loopback, against curl and against read-all.

The simulator runs in its own process and its CDN route serves the task's rendered MP4 followed
by an MP4 ``free`` box padding it to 256 MB (see ``benchmarks._simproc``: the simulator has no
large-asset knob and encoding 256 MB of H.264 would take minutes; the padded file is still a
valid MP4, and every byte goes through the simulator's own CDN handler).

- **throughput**: vidwidgets' ``VideoClient.download`` (timed around the call, in a fresh
  interpreter) against ``curl -o`` on the same URL (curl's own ``time_total``), both writing to
  the same disk; medians of interleaved runs. Goal ≥ 0.8 of curl.
- **peak RSS growth** during the download (``ru_maxrss`` after minus before), against the
  guide's way, ``requests.get(url).content`` then writing the bytes. Goal ≤ 32 MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks import baselines
from benchmarks._report import BenchResult, Figure, median
from benchmarks._simproc import RemoteSimulator

NAME = "download"
MB = 1024 * 1024
GOAL_THROUGHPUT = 0.8
GOAL_RSS_MB = 32.0
BODY: dict[str, Any] = {
    "model": "viduq1",
    "prompt": "a long paper boat",
    "duration": 5,
    "metadata": {"seed": 3},
}

#: vidwidgets' download, in a fresh interpreter; prints JSON {seconds, bytes, rss_growth}
VW_SCRIPT = """
import asyncio, json, resource, sys, time
from vidwidgets.client import VideoClient, VideoRequest

base_url, api_key, path = sys.argv[1:4]

def maxrss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

async def main():
    req = VideoRequest(model="viduq1", prompt="a long paper boat", duration=5, seed=3)
    async with VideoClient(base_url=base_url, api_key=api_key, api_format="88api",
                           cache=False, journal=False, time_scale=0.001) as client:
        job = await client.wait(await client.create(req))
        before = maxrss()
        t0 = time.perf_counter()
        await client.download(job, path)
        seconds = time.perf_counter() - t0
        growth = maxrss() - before
    import os
    print(json.dumps({"seconds": seconds, "bytes": os.path.getsize(path), "rss_growth": growth}))

asyncio.run(main())
"""


async def _video_url(base_url: str, api_key: str) -> str:
    """Create one task the plain way and return its CDN URL once it succeeded."""
    async with aiohttp.ClientSession(headers=baselines.auth_headers(api_key)) as session:
        task_id = await baselines.guide_create(session, base_url, baselines.ROUTE_88API, BODY)
        url = base_url + baselines.ROUTE_88API.status.format(id=task_id)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            async with session.get(url) as resp:
                body = await resp.json(content_type=None)
            if baselines.normalise_status(body) == "succeeded":
                return str(body["data"]["result_url"])
            await __import__("asyncio").sleep(0.05)
    raise TimeoutError("the download benchmark's task did not finish")


def _vw_download(base_url: str, api_key: str, path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", VW_SCRIPT, base_url, api_key, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"vidwidgets download failed: {out.stderr.strip()[-800:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _read_all(url: str, path: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", baselines.READ_ALL_SCRIPT, url, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    growth, size = (int(x) for x in out.stdout.split())
    return {"rss_growth": growth, "bytes": size, "seconds_with_startup": time.perf_counter() - t0}


def run(quick: bool = False) -> BenchResult:
    import asyncio

    size = 8 * MB if quick else 256 * MB
    rounds = 1 if quick else 5
    if baselines.curl_path() is None:
        raise RuntimeError("curl is missing: apt-get install -y curl")
    ours: list[dict[str, Any]] = []
    curl: list[tuple[float, int]] = []
    with (
        tempfile.TemporaryDirectory(prefix="vw-bench-dl-") as d,
        RemoteSimulator(
            pad_bytes=size,
            dialect="newapi",
            speed=1000.0,
            refresh_period=1.0,
            timing={
                "submit": 0.0,
                "queue": 0.0,
                "generate": 5.0,
                "jitter": 0.0,
                "per_second": False,
            },
            video_scale=0.05,
            fps=1,
        ) as sim,
    ):
        tmp = Path(d)
        url = asyncio.run(_video_url(sim.base_url, sim.api_key))
        baselines.curl_download(url, str(tmp / "warm.mp4"))  # the render and padding, not counted
        for i in range(rounds):
            curl.append(baselines.curl_download(url, str(tmp / f"curl{i}.mp4")))
            ours.append(_vw_download(sim.base_url, sim.api_key, tmp / f"vw{i}.mp4"))
            for f in tmp.glob("*.mp4"):
                f.unlink()
        read_all = _read_all(url, tmp / "readall.mp4")

    total = curl[0][1]
    ours_mbps = [r["bytes"] / r["seconds"] / MB for r in ours]
    curl_mbps = [b / s / MB for s, b in curl]
    tp, tp_curl = median(ours_mbps), median(curl_mbps)
    # rounds run back to back (curl, then vidwidgets): the median of the per-round ratios is
    # steadier than the ratio of medians when other work on the machine comes and goes
    ratio = median(a / b for a, b in zip(ours_mbps, curl_mbps, strict=True))
    tp_ok = ratio >= GOAL_THROUGHPUT and all(r["bytes"] == total for r in ours)
    rss_mb = max(r["rss_growth"] for r in ours) / MB
    rss_ok = rss_mb <= GOAL_RSS_MB
    figs = [
        Figure(
            NAME,
            f"{total / MB:.0f} MB over loopback: throughput",
            tp,
            "MB/s",
            "curl",
            tp_curl,
            f"≥ {GOAL_THROUGHPUT}× curl",
            tp_ok,
            ratio=ratio,
            note=""
            if tp_ok
            else f"{tp:.0f} MB/s against curl's {tp_curl:.0f} MB/s (median per-round ratio {ratio:.2f})",
            details={"vidwidgets_mbps": ours_mbps, "curl_mbps": curl_mbps, "bytes": total},
        ),
        Figure(
            NAME,
            f"{total / MB:.0f} MB: peak RSS growth",
            rss_mb,
            "MB",
            "requests .content",
            read_all["rss_growth"] / MB,
            f"≤ {GOAL_RSS_MB:.0f} MB",
            rss_ok,
            note="" if rss_ok else f"peak RSS grew {rss_mb:.0f} MB during the download",
            details={"read_all": read_all},
        ),
    ]
    return BenchResult(
        NAME, figs, settings={"bytes": total, "rounds": rounds, "padding": "MP4 free box"}
    )
