"""Benchmark 6 — notebook size: a 16-video comparison, executed and saved with widget state.

The notebook makes a ``vidwidgets.Comparison`` of 4 prompts × 4 seeds (16 videos) on a simulator
started in the kernel and awaits it; nbclient executes it in a real kernel with ``store_widget_state=True`` (as
``jupyter nbconvert --execute``, papermill and nbmake do) and it is saved. Figure: the saved
notebook's size against the 16 videos' total size. Goal ≤ 200 KB whatever the videos weigh.

Two more notebooks show the same 16 files without generating them: a grid of 16 ``VideoPlayer``
widgets, and a grid of 16 ``ipywidgets.Video.from_file`` (what a user reaches for first), the
reference for what saving video bytes in widget state costs.
"""

from __future__ import annotations

import json
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

SETUP = textwrap.dedent(
    """
    import vidwidgets as vw
    from vidwidgets.client import VideoClient
    from vidwidgets.simulator import Simulator

    sim = Simulator(dialect="newapi", speed=500, seed=1, video_scale={scale}).start()
    client = VideoClient(base_url=sim.base_url, api_key=sim.api_key, api_format="88api",
                         max_concurrency=16, time_scale=1 / 500, journal=False)
    """
)

COMPARISON = textwrap.dedent(
    """
    cmp = vw.Comparison(prompts={prompts!r}, seeds={seeds!r}, model="viduq1", duration=5,
                        client=client, store={store!r}, experiment="bench", confirm=True)
    cmp
    """
)

WAIT = "cells = await cmp\nsim.stop()\n[c.status for c in cells].count('succeeded')"

#: the same 16 files, in a grid of players / of ipywidgets.Video (no generation)
GRID = textwrap.dedent(
    """
    import pathlib
    import ipywidgets as w
    import vidwidgets as vw
    paths = sorted(pathlib.Path({store!r}).rglob("*.mp4"))
    w.GridBox([{widget} for p in paths], layout=w.Layout(grid_template_columns="repeat(4, 1fr)"))
    """
)
PLAYER = "vw.VideoPlayer.from_file(p)"
IPYWIDGETS_VIDEO = "w.Video.from_file(str(p), autoplay=False)"


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


def _module_bytes(path: Path) -> int:
    """Bytes of front-end code (anywidget ``_esm`` and ``_css``) saved in the widget state."""
    nb = json.loads(path.read_text())
    state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    return sum(
        len(json.dumps(model["state"].get(key, "")))
        for model in state.values()
        for key in ("_esm", "_css")
        if key in model["state"]
    )


def run(quick: bool = False) -> BenchResult:
    scale = 0.1 if quick else 0.25
    with tempfile.TemporaryDirectory(prefix="vw-bench-nb-") as d:
        root = Path(d)
        store = root / "runs"
        cells = [
            SETUP.format(scale=scale),
            COMPARISON.format(prompts=PROMPTS, seeds=SEEDS, store=str(store)),
            WAIT,
        ]
        ours = _execute(_notebook(cells), root, root / "comparison.ipynb")
        module_bytes = _module_bytes(root / "comparison.ipynb")
        videos = sorted(store.rglob("*.mp4"))
        video_bytes = sum(p.stat().st_size for p in videos)
        players = _execute(
            _notebook([GRID.format(store=str(store), widget=PLAYER)]), root, root / "players.ipynb"
        )
        player_module_bytes = _module_bytes(root / "players.ipynb")
        naive = _execute(
            _notebook([GRID.format(store=str(store), widget=IPYWIDGETS_VIDEO)]),
            root,
            root / "naive.ipynb",
        )
    kb = ours / 1024
    holds = kb <= GOAL_KB and len(videos) == 16
    note = "" if holds else f"the saved notebook is {kb:.0f} KB with {len(videos)} videos"
    figs = [
        Figure(
            NAME,
            f"saved Comparison notebook, {len(videos)} videos",
            kb,
            "KB",
            "the videos' total size",
            video_bytes / 1024,
            f"≤ {GOAL_KB:.0f} KB",
            holds,
            note=note,
            details={"video_scale": scale, "front_end_module_bytes": module_bytes},
        ),
        Figure(
            NAME,
            f"saved Comparison notebook, {len(videos)} videos",
            kb,
            "KB",
            "16 ipywidgets.Video",
            naive / 1024,
            "(reference)",
            None,
        ),
        Figure(
            NAME,
            f"16 VideoPlayer in a GridBox, {len(videos)} videos",
            players / 1024,
            "KB",
            "16 ipywidgets.Video",
            naive / 1024,
            f"≤ {GOAL_KB:.0f} KB",
            players / 1024 <= GOAL_KB,
            note=f"{player_module_bytes / 1024:.0f} KB of it are 16 copies of VideoPlayer's "
            "front-end module (anywidget saves _esm/_css with every instance): the size grows "
            f"~{player_module_bytes / 1024 / 16:.0f} KB per player, not with the videos",
        ),
    ]
    return BenchResult(NAME, figs, settings={"video_scale": scale, "videos": len(videos)})
