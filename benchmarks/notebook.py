"""Benchmark 6 — notebook size: a 16-video comparison, executed and saved with widget state.

The notebook generates 16 videos (4 prompts × 4 seeds) on the embedded simulator and shows them
in a 4×4 grid, then nbclient executes it in a real kernel with ``store_widget_state=True`` (as
``jupyter nbconvert --execute``, papermill and nbmake do) and it is saved. Figure: the saved
notebook's size against the 16 videos' total size. Goal ≤ 200 KB whatever the videos weigh.

The grid is ``vidwidgets.Comparison`` when the package has it, else 16 ``VideoPlayer`` widgets in
an ``ipywidgets.GridBox`` (the result says which). A second notebook, the same grid built from
16 ``ipywidgets.Video.from_file`` widgets (what a user reaches for first), is the reference for
what saving video bytes in widget state costs.
"""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path
from typing import Any

from benchmarks._report import BenchResult, Figure

NAME = "notebook"
GOAL_KB = 200.0
PROMPTS = [
    "a red fox in snow",
    "a paper boat on a pond",
    "a lighthouse at dusk",
    "city traffic at night, long exposure",
]
SEEDS = [1, 2, 3, 4]

GENERATE = textwrap.dedent(
    """
    import asyncio, pathlib
    import ipywidgets as w
    import vidwidgets as vw
    from vidwidgets.client import VideoClient, VideoRequest
    from vidwidgets.simulator import Simulator

    PROMPTS = {prompts!r}
    SEEDS = {seeds!r}
    out = pathlib.Path({out!r})
    sim = Simulator(dialect="newapi", speed=500, seed=1, video_scale={scale}, refresh_period=15).start()
    async with VideoClient(base_url=sim.base_url, api_key=sim.api_key, api_format="88api",
                           max_concurrency=16, time_scale=1 / 500, journal=False) as client:
        async def make(i, prompt, seed):
            req = VideoRequest(model="viduq1", prompt=prompt, duration=5, seed=seed)
            job = await client.wait(await client.create(req))
            path = out / f"video{{i:02d}}.mp4"
            await client.download(job, path)
            return path
        pairs = [(p, s) for p in PROMPTS for s in SEEDS]
        paths = await asyncio.gather(*(make(i, p, s) for i, (p, s) in enumerate(pairs)))
    sim.stop()
    """
)

GRID_VIDWIDGETS = textwrap.dedent(
    """
    grid = w.GridBox([vw.VideoPlayer.from_file(p) for p in paths],
                     layout=w.Layout(grid_template_columns="repeat(4, 1fr)"))
    grid
    """
)

GRID_IPYWIDGETS = textwrap.dedent(
    """
    grid = w.GridBox([w.Video.from_file(str(p), autoplay=False) for p in paths],
                     layout=w.Layout(grid_template_columns="repeat(4, 1fr)"))
    grid
    """
)


def _notebook(cells: list[str]) -> Any:
    import nbformat

    nb = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(c.strip()) for c in cells]  # type: ignore[no-untyped-call]
    return nb


def _execute(nb: Any, cwd: Path, path: Path) -> int:
    import nbformat
    from nbclient import NotebookClient

    NotebookClient(
        nb,
        timeout=180,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(cwd)}},
    ).execute()
    nbformat.write(nb, str(path))  # type: ignore[no-untyped-call]
    return path.stat().st_size


def _comparison_available() -> bool:
    try:
        import vidwidgets

        return hasattr(vidwidgets, "Comparison") and bool(vidwidgets.Comparison)
    except (ImportError, AttributeError):
        return False


def run(quick: bool = False) -> BenchResult:
    scale = 0.1 if quick else 0.5
    with tempfile.TemporaryDirectory(prefix="vw-bench-nb-") as d:
        root = Path(d)
        videos = root / "videos"
        videos.mkdir()
        gen = GENERATE.format(prompts=PROMPTS, seeds=SEEDS, out=str(videos), scale=scale)
        ours = _execute(_notebook([gen, GRID_VIDWIDGETS]), root, root / "comparison.ipynb")
        video_bytes = sum(p.stat().st_size for p in videos.glob("*.mp4"))
        n_videos = len(list(videos.glob("*.mp4")))
        naive = _execute(_notebook([gen, GRID_IPYWIDGETS]), root, root / "naive.ipynb")
    kb = ours / 1024
    holds = kb <= GOAL_KB and n_videos == 16
    grid = "16 VideoPlayer in a GridBox (vidwidgets.Comparison not used)"
    figs = [
        Figure(
            NAME,
            f"saved notebook, {n_videos} videos",
            kb,
            "KB",
            "the videos' total size",
            video_bytes / 1024,
            f"≤ {GOAL_KB:.0f} KB",
            holds,
            note="" if holds else f"the saved notebook is {kb:.0f} KB",
            details={"grid": grid, "video_scale": scale},
        ),
        Figure(
            NAME,
            f"saved notebook, {n_videos} videos",
            kb,
            "KB",
            "16 ipywidgets.Video",
            naive / 1024,
            "(reference)",
            None,
        ),
    ]
    return BenchResult(NAME, figs, settings={"grid": grid, "video_scale": scale})
