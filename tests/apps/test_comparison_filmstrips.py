"""Filmstrips in the Comparison: when a grid shows strips first, and how their bytes travel.

The grid makes each finished cell's strip in a worker thread, publishes only ``{key: {source,
frames}}`` in widget state, and sends the JPEG over custom messages when the browser asks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ipywidgets.embed import dependency_state, embed_data

from tests.apps.test_comparison import client, grid, sim, until
from tests.widgets._comm import customs, from_browser_custom
from vidwidgets.apps import Comparison
from vidwidgets.apps._strips import AUTO_FILMSTRIPS_OVER, strips_on
from vidwidgets.client import VideoClient
from vidwidgets.experiments import strip_path

__all__ = ["client", "sim"]  # the fixtures, shared with test_comparison


@pytest.mark.parametrize(
    ("choice", "cells", "on"),
    [(None, 16, False), (None, 17, True), ("auto", 36, True), (True, 1, True), (False, 36, False)],
)
def test_auto_shows_strips_over_sixteen_cells_and_true_or_false_decide(
    choice: Any, cells: int, on: bool
) -> None:
    assert AUTO_FILMSTRIPS_OVER == 16
    assert strips_on(choice, cells) is on


def test_any_other_filmstrips_value_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(
        ValueError, match=r"filmstrips must be True, False, None or 'auto', got 'yes'"
    ):
        Comparison(prompts=["a fox"], store=tmp_path / "runs", filmstrips="yes", autorun=False)


async def test_a_small_grid_defaults_to_plain_videos(client: VideoClient, tmp_path: Path) -> None:
    cmp = grid(client, tmp_path, autorun=False)
    assert cmp.filmstrips is False


async def test_a_grid_growing_past_sixteen_cells_turns_strips_on(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path, prompts=["a fox", "a wolf"], seeds=list(range(8)), autorun=False)
    assert cmp.filmstrips is False
    cmp.add_seed(8, run=False)
    assert len(cmp) == 18
    assert cmp.filmstrips is True


async def test_each_finished_cell_gets_a_strip_beside_its_video(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path, seeds=[1], filmstrips=True)
    await cmp
    await until(lambda: len(cmp.strips) == 2)
    for cell in cmp.cells:
        assert cell.path is not None
        assert strip_path(cell.path).is_file()
        assert cmp.strips[cell.key] == {"source": cell.source_id, "frames": 8}


async def test_a_strip_comes_over_custom_messages_on_request(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path, seeds=[1], filmstrips=True)
    await cmp
    await until(lambda: len(cmp.strips) == 2)
    cell = cmp.cells[0]
    ask = {"type": "strip", "key": cell.key, "source": cell.source_id, "rid": "s1"}
    from_browser_custom(cmp, ask)
    sent = [(c, b) for c, b in customs(cmp) if c.get("rid") == "s1"]
    assert [c["type"] for c, _ in sent] == ["chunk"]
    assert sent[0][0]["mime"] == "image/jpeg"
    assert cell.path is not None
    assert sent[0][1][0] == strip_path(cell.path).read_bytes()
    # a view asking for the strip of an older video gets an error, not a stale picture
    from_browser_custom(cmp, {**ask, "source": "old", "rid": "s2"})
    assert [c["type"] for c, _ in customs(cmp) if c.get("rid") == "s2"] == ["error"]


async def test_a_grid_without_strips_makes_none(client: VideoClient, tmp_path: Path) -> None:
    cmp = grid(client, tmp_path, seeds=[1], filmstrips=False)
    await cmp
    assert cmp.strips == {}
    assert all(c.path is not None and not strip_path(c.path).exists() for c in cmp.cells)


async def test_saved_widget_state_holds_no_strip_bytes(client: VideoClient, tmp_path: Path) -> None:
    cmp = grid(client, tmp_path, seeds=[1, 2, 3], filmstrips=True)
    await cmp
    await until(lambda: len(cmp.strips) == 6)
    state = embed_data(views=[cmp], state=dependency_state([cmp]))["manager_state"]
    text = json.dumps(state)
    assert "image/jpeg" not in text
    assert "base64" not in text
    # six cells' strips cost a few dozen bytes each in state: {source, frames}
    assert len(json.dumps(cmp.strips)) < 80 * len(cmp)


async def test_a_reloaded_grid_reuses_the_strips_on_disk(
    client: VideoClient, tmp_path: Path
) -> None:
    first = grid(client, tmp_path, seeds=[1], filmstrips=True)
    await first
    await until(lambda: len(first.strips) == 2)
    made = {c.key: strip_path(c.path).stat().st_mtime_ns for c in first.cells if c.path}
    again = grid(client, tmp_path, seeds=[1], filmstrips=True)
    await again
    await until(lambda: len(again.strips) == 2)
    assert {c.key: strip_path(c.path).stat().st_mtime_ns for c in again.cells if c.path} == made


async def test_a_video_that_makes_no_strip_says_why_and_the_cell_shows_its_video(
    client: VideoClient, tmp_path: Path
) -> None:
    first = grid(client, tmp_path, prompts=["a red fox in snow"], seeds=[1], filmstrips=True)
    await first
    cell = first.cells[0]
    assert cell.path is not None
    cell.path.write_bytes(b"not an mp4 at all")
    again = grid(client, tmp_path, prompts=["a red fox in snow"], seeds=[1], filmstrips=True)
    await again
    await until(lambda: "error" in again.strips.get(cell.key, {}))
    assert "is not a decodable video" in again.strips[cell.key]["error"]
    # the strip of the video it replaced is never offered for it
    ask = {"type": "strip", "key": cell.key, "source": again.cells[0].source_id, "rid": "s3"}
    from_browser_custom(again, ask)
    assert [c["type"] for c, _ in customs(again) if c.get("rid") == "s3"] == ["error"]


async def test_turning_strips_on_in_a_shown_grid_makes_them(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path, seeds=[1], filmstrips=False)
    await cmp
    cmp.filmstrips = True
    await until(lambda: len(cmp.strips) == 2)
    assert all(c.path is not None and strip_path(c.path).is_file() for c in cmp.cells)
