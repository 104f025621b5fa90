"""Benchmark 7 — browser: from a job's success in the kernel to its first frame on screen.

JupyterLab (a real server on loopback, in a throw-away root and Jupyter home) opens a notebook
in Debian's Chromium (headless, driven by Playwright). The notebook shows a 4×4 grid of
``VideoPlayer`` widgets, then runs 16 jobs in the background against the simulator (in its own
process, like a gateway; its MP4s are rendered ahead, so a download is a transfer, not a wait
for the encoder). As each job succeeds the kernel stamps ``time.time()``, downloads the video
and hands it to its player (``set_file``: the bytes go to the browser over the widget comm on
request). In the page, an
init script watches every ``<video>`` and stamps its first presented frame with
``requestVideoFrameCallback`` (``performance.timeOrigin + now``, the same wall clock; the
``loadeddata`` event is the fallback, and the result says which was used).

Baseline: the same 16 MP4 files opened directly from a static page (a plain loopback HTTP
server), 16 ``<video>`` elements in a 4×4 grid, timed from setting ``src`` to the first frame.
The figure is p95 over the 16 videos. The issue sets no number for it: it is reported, not
judged.

Then a 6 × 6 ``Comparison`` of 36 stored videos (made ahead by a fast simulator, so the notebook
only loads them from disk), opened twice in the same JupyterLab: with ``filmstrips=True`` (the
default for a grid that big) and with ``filmstrips=False`` (36 plain videos). "Interactive" is
every cell showing its media: its strip image decoded, or its video's first frame
(``readyState >= 2``), timed in the page from "run all cells". The figure is the strips' time
over the plain one (goal ≤ 0.5×); the details add how many videos the browser had decoded then
and the longest gap between animation frames while the grid loaded (a frozen page shows there).
The strips are made cold in the kernel during the timed run: the stored experiment has none.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks._report import BenchResult, Figure, percentile
from benchmarks._simproc import RemoteSimulator

NAME = "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
N = 16

#: watches every <video> and stamps its first presented frame (wall-clock ms)
FRAME_PROBE = """
(() => {
  const recs = [];
  window.__vwFrames = recs;
  const now = () => performance.timeOrigin + performance.now();
  const watch = (v) => {
    if (v.__vwWatched) return;
    v.__vwWatched = true;
    const rec = { el: v, loadstart: null, loadeddata: null, frame: null };
    recs.push(rec);
    const arm = () => {
      if (!v.requestVideoFrameCallback) return;
      v.requestVideoFrameCallback((t) => {
        if (rec.frame === null) rec.frame = performance.timeOrigin + t;
      });
    };
    v.addEventListener("loadstart", () => { if (v.getAttribute("src")) { rec.loadstart = now(); arm(); } });
    v.addEventListener("loadeddata", () => { if (rec.loadeddata === null) rec.loadeddata = now(); });
    if (v.getAttribute("src")) { rec.loadstart = now(); arm(); }
  };
  const scan = () => document.querySelectorAll("video").forEach(watch);
  new MutationObserver(scan).observe(document, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", scan);
  window.__vwCollect = () => {
    const all = Array.from(document.querySelectorAll("video"));
    return recs.filter((r) => r.el.isConnected && r.loadstart !== null)
      .map((r) => { const b = r.el.getBoundingClientRect();
        return { index: all.indexOf(r.el), loadstart: r.loadstart, loadeddata: r.loadeddata,
                 frame: r.frame, inView: b.bottom > 0 && b.top < window.innerHeight }; });
  };
})();
"""

STATIC_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>static grid</title>
<style>body{margin:0} #g{display:grid;grid-template-columns:repeat(4,1fr);gap:4px}
video{width:100%}</style></head>
<body><div id="g"></div>
<script>
window.__vwStart = (names) => {
  const g = document.getElementById("g");
  for (const name of names) {
    const v = document.createElement("video");
    v.preload = "auto"; v.muted = true; v.playsInline = true;
    g.append(v);
    v.src = name;
  }
};
</script></body></html>
"""

CELL_GRID = """
import ipywidgets as w
import vidwidgets as vw
players = [vw.VideoPlayer(placeholder=f"job {i}") for i in range(16)]
w.GridBox(players, layout=w.Layout(grid_template_columns="repeat(4, 1fr)", width="1400px"))
"""

CELL_RUN = """
import asyncio, json, pathlib, time
from vidwidgets.client import VideoClient, VideoRequest

_out = pathlib.Path("videos")
_out.mkdir(exist_ok=True)
_times = {{"success": [None] * 16, "set_file": [None] * 16}}

async def _run():
    async with VideoClient(base_url={base_url!r}, api_key={api_key!r}, api_format="88api",
                           max_concurrency=16, time_scale=1 / {speed}, journal=False) as client:
        async def one(i):
            req = VideoRequest(model="viduq1", prompt=f"grid video {{i}}", duration=5, seed=i)
            job = await client.wait(await client.create(req))
            _times["success"][i] = time.time()
            await client.download(job, _out / f"v{{i:02d}}.mp4")
            players[i].set_file(_out / f"v{{i:02d}}.mp4")
            _times["set_file"][i] = time.time()
        await asyncio.gather(*(one(i) for i in range(16)))
    pathlib.Path("times.json").write_text(json.dumps(_times))

_bench = asyncio.ensure_future(_run())
"""

#: jobs end 3-15 s after their create, one after another, as a grid fills up in real use
TIMING = {"submit": 0.5, "queue": 2.0, "generate": 6.0, "jitter": 0.4, "per_second": False}


def _body(i: int) -> dict[str, Any]:
    """The raw request the notebook's i-th ``VideoRequest`` becomes (same render key)."""
    return {"model": "viduq1", "prompt": f"grid video {i}", "duration": 5, "metadata": {"seed": i}}


async def _prerender(base_url: str, api_key: str) -> None:
    """Create the 16 requests once, so the simulator renders their MP4s ahead of the notebook.

    The simulator renders a video when its task is created, one at a time; without this the
    notebook's downloads would wait for the encoder, which a real gateway's CDN does not.
    """
    import aiohttp

    from benchmarks import baselines

    async with aiohttp.ClientSession(headers=baselines.auth_headers(api_key)) as session:
        for i in range(N):
            await baselines.guide_create(session, base_url, baselines.ROUTE_88API, _body(i))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def jupyter_lab(root: Path, home: Path) -> Iterator[str]:
    """``jupyter lab`` on a free loopback port, every Jupyter directory under ``home``."""
    env = dict(os.environ)
    for var, sub in {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTERLAB_SETTINGS_DIR": "settings",
        "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
        "IPYTHONDIR": "ipython",
    }.items():
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(home / sub)
    env["JUPYTER_PATH"] = str(home / "data")
    spec = home / "data" / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3",
                "language": "python",
            }
        )
    )
    (home / "config" / "jupyter_lab_config.json").write_text(
        json.dumps({"LabApp": {"news_url": None}})
    )
    port = _free_port()
    argv = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        "--IdentityProvider.token=",
        "--PasswordIdentityProvider.hashed_password=",
        "--ServerApp.disable_check_xsrf=True",
        "--ServerApp.allow_root=True",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.extension_manager=readonly",
        "--ServerApp.jpserver_extensions=jupyter_lsp=False",
    ]
    log = (home / "lab.log").open("wb")
    proc = subprocess.Popen(
        argv, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited: {(home / 'lab.log').read_text()[-2000:]}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{url}/api/status", timeout=2) as resp,
            ):
                if resp.status == 200:
                    break
            time.sleep(0.2)  # readiness probe interval
        else:
            raise TimeoutError("jupyter lab did not start in 120 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


@contextlib.contextmanager
def static_server(root: Path) -> Iterator[str]:
    """A plain HTTP file server for ``root`` on a loopback port."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


#: the 6 × 6 grid: six prompts by six seeds of one model
GRID6_PROMPTS = [
    f"a {animal} running through snow"
    for animal in ("red fox", "grey wolf", "hare", "lynx", "stoat", "reindeer")
]
GRID6_SEEDS = [1, 2, 3, 4, 5, 6]
GRID6_CELL = """
import vidwidgets as vw
from vidwidgets.client import VideoClient
client = VideoClient(base_url={base_url!r}, api_key={api_key!r}, api_format="88api", journal=False)
cmp = vw.Comparison(prompts={prompts!r}, seeds={seeds!r}, model="viduq1", duration=5,
                    client=client, store="runs", experiment="grid-6x6", confirm=True,
                    filmstrips={filmstrips!r})
cmp
"""

#: stamps "run all" in the page and watches the longest gap between animation frames
GRID6_START = """(() => {
  window.__vwT0 = performance.timeOrigin + performance.now();
  window.__vwReady = null;
  window.__vwGap = 0;
  let last = performance.now();
  const tick = (t) => {
    window.__vwGap = Math.max(window.__vwGap, t - last);
    last = t;
    if (window.__vwReady === null) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()"""

#: true (and stamps the moment) once every one of the 36 cells shows its strip or first frame
GRID6_READY = """((strips) => {
  const cells = [...document.querySelectorAll(".vw-cmp .vw-cell")];
  if (cells.length !== 36) return false;
  const shown = (c) => {
    if (strips) {
      const img = c.querySelector(".vw-strip-row");
      return c.dataset.media === "strip" && img.complete && img.naturalWidth > 0;
    }
    const v = c.querySelector("video.vw-cell-video");
    return !v.hidden && v.readyState >= 2;
  };
  if (!cells.every(shown)) return false;
  if (window.__vwReady === null) window.__vwReady = performance.timeOrigin + performance.now();
  return true;
})"""

GRID6_RESULT = """(() => {
  const vs = [...document.querySelectorAll(".vw-cmp video.vw-cell-video")];
  return { ms: window.__vwReady - window.__vwT0, gap_ms: window.__vwGap,
           decoded: vs.filter((v) => v.readyState >= 2).length,
           with_source: vs.filter((v) => v.getAttribute("src")).length };
})()"""


async def _pregrid(base_url: str, api_key: str, runs: Path) -> None:
    """Generate the 6 × 6 grid once, so the timed notebooks only load it from disk."""
    from vidwidgets.apps import Comparison
    from vidwidgets.client import VideoClient

    async with VideoClient(
        base_url=base_url, api_key=api_key, api_format="88api", journal=False, max_concurrency=12
    ) as client:
        cmp = Comparison(
            prompts=GRID6_PROMPTS,
            seeds=GRID6_SEEDS,
            model="viduq1",
            duration=5,
            client=client,
            store=runs,
            experiment="grid-6x6",
            confirm=True,
            filmstrips=False,  # no strips on disk: the timed run makes them, cold
        )
        cells = await cmp
        await cmp.aclose()
    failed = [c.caption for c in cells if c.status != "succeeded"]
    if failed:
        raise RuntimeError(f"the 6 × 6 grid did not finish: {failed}")


def _grid6(
    browser: Any, lab: str, root: Path, sim: Any, strips: bool, label: str
) -> dict[str, Any]:
    """Open the 6 × 6 grid's notebook, run it, and time it to interactive (see the docstring)."""
    import nbformat

    name = f"grid6-{label}.ipynb"
    nb = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    code = GRID6_CELL.format(
        base_url=sim.base_url,
        api_key=sim.api_key,
        prompts=GRID6_PROMPTS,
        seeds=GRID6_SEEDS,
        filmstrips=strips,
    )
    nb.cells = [nbformat.v4.new_code_cell(code.strip())]  # type: ignore[no-untyped-call]
    nbformat.write(nb, str(root / name))  # type: ignore[no-untyped-call]
    page = browser.new_page(viewport={"width": 1600, "height": 1400})
    try:
        page.goto(f"{lab}/lab/tree/{name}?reset", timeout=120_000)
        page.wait_for_function(KERNEL_IDLE, timeout=120_000)
        page.evaluate(GRID6_START)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_function(f"({GRID6_READY})({json.dumps(strips)})", timeout=180_000)
        result: dict[str, Any] = page.evaluate(GRID6_RESULT)
        with contextlib.suppress(Exception):  # a picture of what was measured
            shot = Path("bench-results") / f"browser-{name.replace('.ipynb', '.png')}"
            shot.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(shot))
        return result
    finally:
        page.close()
        _shut_kernels(lab)  # the next grid's measurement gets the cores to itself


def _shut_kernels(lab: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        with urllib.request.urlopen(f"{lab}/api/kernels", timeout=10) as resp:
            kernels = json.loads(resp.read())
        for kernel in kernels:
            req = urllib.request.Request(f"{lab}/api/kernels/{kernel['id']}", method="DELETE")
            urllib.request.urlopen(req, timeout=20).close()


def _grid6_figure(
    plain: dict[str, Any], strips: dict[str, Any], settings: dict[str, Any], *, cached: bool
) -> Figure:
    ratio = strips["ms"] / plain["ms"] if plain.get("ms") else None
    made = "cached on disk (the grid opened again)" if cached else "made in the kernel, cold"
    return Figure(
        NAME,
        f"6×6 Comparison: run all → every cell interactive, filmstrips {made}",
        strips["ms"],
        "ms",
        "36 plain videos (filmstrips=False)",
        plain["ms"],
        "≤ 0.5×",
        None if ratio is None else ratio <= 0.5,
        details={
            "decoded_videos_with_strips": strips["decoded"],
            "decoded_videos_plain": plain["decoded"],
            "videos_with_a_source_with_strips": strips["with_source"],
            "longest_frame_gap_ms_with_strips": strips["gap_ms"],
            "longest_frame_gap_ms_plain": plain["gap_ms"],
            **settings,
        },
    )


def _notebook(path: Path, speed: float, base_url: str, api_key: str) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell(CELL_GRID.strip()),  # type: ignore[no-untyped-call]
        nbformat.v4.new_code_cell(
            CELL_RUN.format(speed=speed, base_url=base_url, api_key=api_key).strip()
        ),  # type: ignore[no-untyped-call]
    ]
    nbformat.write(nb, str(path))  # type: ignore[no-untyped-call]


KERNEL_IDLE = textwrap.dedent(
    """(() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const k = w && w.sessionContext && w.sessionContext.session
              && w.sessionContext.session.kernel;
    return !!k && k.status === "idle"; })()"""
)


def _wait(page: Any, expr: str, timeout_s: float) -> Any:
    page.wait_for_function(expr, timeout=timeout_s * 1000)
    return page.evaluate(expr)


def _first_frame(rec: dict[str, Any]) -> tuple[float | None, str]:
    if rec.get("frame") is not None:
        return float(rec["frame"]), "requestVideoFrameCallback"
    if rec.get("loadeddata") is not None:
        return float(rec["loadeddata"]), "loadeddata"
    return None, "none"


def _collect(page: Any, timeout_s: float) -> list[dict[str, Any]]:
    """Wait until 16 videos have a first frame (or loadeddata), then return the records."""
    expr = f"""(() => {{ const r = window.__vwCollect();
        return r.filter(x => x.frame !== null || x.loadeddata !== null).length >= {N}; }})()"""
    with contextlib.suppress(Exception):
        page.wait_for_function(expr, timeout=timeout_s * 1000)
    # give requestVideoFrameCallback a moment after loadeddata (bounded)
    with contextlib.suppress(Exception):
        page.wait_for_function(
            f"window.__vwCollect().filter(x => x.frame !== null).length >= {N}", timeout=3000
        )
    recs: list[dict[str, Any]] = page.evaluate("window.__vwCollect()")
    return recs


def run(quick: bool = False) -> BenchResult:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium")
    import asyncio

    speed, scale = (2.0, 0.15) if quick else (1.0, 0.2)
    grid_scale = 0.25 if quick else 0.5  # the 6 × 6 grid's videos: 320 × 180 or 640 × 360
    with (
        tempfile.TemporaryDirectory(prefix="vw-bench-browser-") as d,
        RemoteSimulator(
            dialect="newapi",
            speed=speed,
            seed=3,
            video_scale=scale,
            fps=6,
            refresh_period=1.0,
            timing=TIMING,
        ) as sim,
        # the 6 × 6 grid's own simulator: fast, bigger videos, generated before any page opens
        RemoteSimulator(
            dialect="newapi", speed=200, seed=5, video_scale=grid_scale, fps=24
        ) as fast,
    ):
        asyncio.run(_prerender(sim.base_url, sim.api_key))
        base = Path(d)
        root, home = base / "root", base / "home"
        root.mkdir()
        asyncio.run(_pregrid(fast.base_url, fast.api_key, root / "runs"))
        _notebook(root / "grid.ipynb", speed, sim.base_url, sim.api_key)
        with jupyter_lab(root, home) as lab, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1600, "height": 1400})
                page.add_init_script(FRAME_PROBE)
                page.goto(f"{lab}/lab/tree/grid.ipynb?reset", timeout=120_000)
                page.wait_for_function(KERNEL_IDLE, timeout=120_000)
                page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
                times_file = root / "times.json"
                deadline = time.monotonic() + 120
                while not times_file.exists() and time.monotonic() < deadline:
                    time.sleep(0.2)  # the kernel writes it when the 16 players have their files
                if not times_file.exists():
                    raise TimeoutError("the notebook's 16 jobs did not finish in 120 s")
                kernel_times = json.loads(times_file.read_text())
                widget_recs = _collect(page, 60)
                with contextlib.suppress(Exception):  # a picture of what was measured
                    shot = Path("bench-results") / "browser-grid.png"
                    shot.parent.mkdir(exist_ok=True)
                    page.screenshot(path=str(shot))

                videos = sorted((root / "videos").glob("*.mp4"))
                static_root = base / "static"
                static_root.mkdir()
                for v in videos:
                    (static_root / v.name).write_bytes(v.read_bytes())
                (static_root / "index.html").write_text(STATIC_PAGE)
                with static_server(static_root) as static_url:
                    page2 = browser.new_page(viewport={"width": 1600, "height": 1400})
                    page2.add_init_script(FRAME_PROBE)
                    page2.goto(f"{static_url}/index.html", timeout=60_000)
                    page2.evaluate(f"window.__vwStart({json.dumps([v.name for v in videos])})")
                    static_recs = _collect(page2, 60)
                    page2.close()
                page.close()
                plain6 = _grid6(browser, lab, root, fast, False, "plain")
                strips6 = _grid6(browser, lab, root, fast, True, "strips")
                # the same grid opened again: its strips are on disk beside the videos
                warm6 = _grid6(browser, lab, root, fast, True, "strips-again")
            finally:
                browser.close()

    # widget path: success in the kernel -> first frame of the player at the same index
    success = kernel_times["success"]
    widget: list[float] = []
    set_file_to_frame: list[float] = []
    sources: list[str] = []
    for rec in widget_recs:
        t, how = _first_frame(rec)
        i = rec["index"]
        if t is not None and 0 <= i < N and success[i] is not None:
            widget.append(t / 1000 - success[i])
            set_file_to_frame.append(t - kernel_times["set_file"][i] * 1000)
            sources.append(how)
    static: list[float] = []
    for rec in static_recs:
        t, how = _first_frame(rec)
        if t is not None:
            static.append((t - rec["loadstart"]) / 1000)
            sources.append(how)
    p95, p95_static = percentile(widget, 95) * 1000, percentile(static, 95) * 1000
    complete = len(widget) == N and len(static) == N
    fig = Figure(
        NAME,
        "4×4 grid in JupyterLab: job success → first frame, p95",
        p95,
        "ms",
        "static page, src → first frame",
        p95_static,
        "(no goal set)",
        None if complete else False,
        note=""
        if complete
        else f"only {len(widget)} of {N} widget videos and {len(static)} of {N} static videos showed a frame",
        details={
            "widget_ms": [x * 1000 for x in widget],
            "static_ms": [x * 1000 for x in static],
            "p50_ms": percentile(widget, 50) * 1000,
            "p50_static_ms": percentile(static, 50) * 1000,
            "frame_sources": sorted(set(sources)),
            "widget_videos_in_viewport": sum(1 for r in widget_recs if r.get("inView")),
            "static_videos_in_viewport": sum(1 for r in static_recs if r.get("inView")),
            # where the time goes: the download in the kernel, then the widget's own path
            "download_in_kernel_ms": [
                (b - a) * 1000
                for a, b in zip(success, kernel_times["set_file"], strict=True)
                if a is not None and b is not None
            ],
            "set_file_to_frame_ms": set_file_to_frame,
        },
    )
    fig2 = Figure(
        NAME,
        "4×4 grid: set_file → first frame (the widget's own path), p95",
        percentile(set_file_to_frame, 95),
        "ms",
        "static page, src → first frame",
        p95_static,
        "(no goal set)",
        None if complete else False,
    )
    grid6 = {"grid_video_scale": grid_scale, "grid_fps": 24}
    fig3 = _grid6_figure(plain6, strips6, grid6, cached=False)
    fig4 = _grid6_figure(plain6, warm6, grid6, cached=True)
    return BenchResult(
        NAME,
        [fig, fig2, fig3, fig4],
        settings={
            "speed": speed,
            "video_scale": scale,
            "videos": N,
            "grid_video_scale": grid_scale,
        },
    )
