"""One side-by-side grid video of an experiment: cells tiled, captions drawn, rendered by PyAV.

Inputs are decoded as streams (never loaded whole), scaled by FFmpeg into their tile, and the
output is H.264 / yuv420p with the index at the front (``faststart``) so it plays while loading.
A video shorter than the longest holds its last frame; a cell without a video shows its status.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vidwidgets.experiments import (
    Experiment,
    RunRecord,
    probe_video,
    record_captions,
)

__all__ = ["export_grid_video"]

Frame = NDArray[np.uint8]
CAPTION_HEIGHT = 28
MAX_SECONDS = 120.0


@dataclass
class _Tile:
    record: RunRecord
    text: str
    video: Path | None
    info: dict[str, Any] | None


@dataclass(frozen=True)
class _Grid:
    """Where the tiles go and how long and fast the output runs."""

    n_tiles: int
    cols: int
    cw: int  # tile width
    ch: int  # tile height, caption strip excluded
    cap: int  # caption strip height (0 without captions)
    rate: float
    n_frames: int

    @property
    def size(self) -> tuple[int, int]:
        rows = math.ceil(self.n_tiles / self.cols)
        return self.cols * self.cw, rows * (self.ch + self.cap)

    def origin(self, i: int) -> tuple[int, int]:
        """Top-left corner of tile ``i``."""
        return (i % self.cols) * self.cw, (i // self.cols) * (self.ch + self.cap)


def export_grid_video(
    experiment: Experiment,
    path: str | os.PathLike[str],
    *,
    keys: Iterable[str] | None = None,
    columns: int | None = None,
    cell_width: int | None = None,
    captions: bool = True,
    fps: float | None = None,
    max_seconds: float = MAX_SECONDS,
) -> Path:
    """Write one MP4 with every run of ``experiment`` (or those in ``keys``) tiled in a grid.

    Each tile is ``cell_width`` pixels wide (default: the widest input, at most 480) and as tall as
    the tallest input scaled to that width; videos are letterboxed into it. With ``captions``, a
    strip under each tile names what differs between the cells. The frame rate is the highest of
    the inputs unless ``fps`` is given; the length is the longest input (at most ``max_seconds``).

        >>> export_grid_video(store.experiment("fox"), "fox-grid.mp4")     # doctest: +SKIP
        PosixPath('fox-grid.mp4')
    """
    tiles = _tiles(experiment, keys)
    playable = [t.info for t in tiles if t.info]
    if not playable:
        raise ValueError("no run of this experiment has a video file to export")
    cols = columns or (len(tiles) if len(tiles) <= 3 else math.ceil(math.sqrt(len(tiles))))
    cw = _even(cell_width or min(max(int(i["width"]) for i in playable), 480))
    rate = fps or max(float(i["fps"] or 24) for i in playable)
    length = min(max_seconds, max(float(i["duration"] or 0) for i in playable))
    grid = _Grid(
        n_tiles=len(tiles),
        cols=cols,
        cw=cw,
        ch=_even(max(int(i["height"]) * cw / int(i["width"]) for i in playable)),
        cap=CAPTION_HEIGHT if captions else 0,
        rate=rate,
        n_frames=max(1, round(length * rate)),
    )
    out = Path(path).expanduser().absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.part")
    try:
        _encode(tmp, tiles, grid)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def _tiles(experiment: Experiment, keys: Iterable[str] | None) -> list[_Tile]:
    """One tile per run, captioned by what differs; a video PyAV cannot read counts as none."""
    records = experiment.records if keys is None else [experiment.get(k) for k in keys]
    if any(r is None for r in records):
        raise KeyError("some keys are not runs of this experiment")
    recs: list[RunRecord] = [r for r in records if r is not None]
    if not recs:
        raise ValueError("the experiment has no runs to export")
    names = record_captions(recs)
    tiles = []
    for rec in recs:
        video = experiment.video_path(rec)
        info = None
        if video is not None:
            try:
                info = probe_video(video)
            except ValueError:
                video = None
        tiles.append(_Tile(rec, names[rec.key], video, info))
    return tiles


def _encode(tmp: Path, tiles: list[_Tile], grid: _Grid) -> None:
    """Encode the grid into ``tmp``: H.264 / yuv420p, index at the front."""
    import av

    width, height = grid.size
    base = _background(tiles, grid)
    fraction = Fraction(grid.rate).limit_denominator(1001)
    with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=fraction)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "23", "preset": "veryfast"}
        with contextlib.ExitStack() as stack:
            sources = []
            for i, tile in enumerate(tiles):
                if tile.video is None or not tile.info:
                    continue
                box = _letterbox(tile.info, grid.cw, grid.ch)
                x, y = grid.origin(i)
                frames = stack.enter_context(_frames(tile.video, box[2], box[3]))
                sources.append(_Source(frames, x + box[0], y + box[1]))
            for n in range(grid.n_frames):
                canvas = _compose(base, sources, n / grid.rate)
                frame = av.VideoFrame.from_ndarray(canvas, format="rgb24")
                for packet in stream.encode(frame):
                    container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _compose(base: Frame, sources: list[_Source], t: float) -> Frame:
    """The output frame at time ``t``: each source's current frame pasted onto the background."""
    canvas = base.copy()
    for src in sources:
        image = src.at(t)
        if image is not None:
            h, w = image.shape[:2]
            canvas[src.y : src.y + h, src.x : src.x + w] = image
    return canvas


def _even(value: float) -> int:
    return max(16, round(value / 2) * 2)


def _letterbox(info: dict[str, Any], cw: int, ch: int) -> tuple[int, int, int, int]:
    """(x offset, y offset, width, height) of a video fitted into a cw×ch tile."""
    w, h = int(info["width"]), int(info["height"])
    scale = min(cw / w, ch / h)
    sw, sh = _even(w * scale), _even(h * scale)
    sw, sh = min(sw, cw), min(sh, ch)
    return (cw - sw) // 2, (ch - sh) // 2, sw, sh


class _Source:
    """One input's decoded frames, read forward as the output clock advances."""

    def __init__(self, frames: Iterator[tuple[float, Frame]], x: int, y: int) -> None:
        self._frames = frames
        self.x, self.y = x, y
        self._current: Frame | None = None
        self._next: tuple[float, Frame] | None = next(frames, None)

    def at(self, t: float) -> Frame | None:
        # advance to the last frame whose time is <= t; at the end, hold the last frame
        while self._next is not None and self._next[0] <= t + 1e-6:
            self._current = self._next[1]
            self._next = next(self._frames, None)
        if self._current is None and self._next is not None:
            self._current = self._next[1]
        return self._current


@contextlib.contextmanager
def _frames(path: Path, width: int, height: int) -> Iterator[Iterator[tuple[float, Frame]]]:
    import av

    container = av.open(str(path))
    try:
        stream = container.streams.video[0]

        def generate() -> Iterator[tuple[float, Frame]]:
            for i, frame in enumerate(container.decode(stream)):
                t = (
                    float(frame.time)
                    if frame.time is not None
                    else i / float(stream.average_rate or 24)
                )
                rgb = frame.reformat(width=width, height=height, format="rgb24")
                yield t, np.asarray(rgb.to_ndarray(), dtype=np.uint8)

        yield generate()
    finally:
        container.close()


def _background(tiles: list[_Tile], grid: _Grid) -> Frame:
    """The static parts: black tiles, status text where there is no video, and the captions."""
    from PIL import Image, ImageDraw, ImageFont

    cw, ch, cap = grid.cw, grid.ch, grid.cap
    image = Image.new("RGB", grid.size, (0, 0, 0))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=14)
    for i, tile in enumerate(tiles):
        x, y = grid.origin(i)
        if tile.video is None:
            draw.rectangle((x, y, x + cw - 1, y + ch - 1), fill=(60, 24, 24))
            error = tile.record.error or {}
            status = tile.record.status if tile.record.status != "succeeded" else "missing file"
            draw.text(
                (x + 8, y + 8), _fit(draw, status, font, cw - 16), fill=(240, 240, 240), font=font
            )
            if error.get("message"):
                draw.text(
                    (x + 8, y + 28),
                    _fit(draw, str(error["message"]), font, cw - 16),
                    fill=(220, 200, 200),
                    font=font,
                )
        if cap:
            draw.rectangle((x, y + ch, x + cw - 1, y + ch + cap - 1), fill=(24, 24, 28))
            draw.text(
                (x + 6, y + ch + (cap - 16) // 2),
                _fit(draw, tile.text, font, cw - 12),
                fill=(235, 235, 235),
                font=font,
            )
    return np.asarray(image, dtype=np.uint8).copy()


def _fit(draw: Any, text: str, font: Any, width: int) -> str:
    """``text`` on one line, cut with an ellipsis to fit ``width`` pixels."""
    text = " ".join(text.split())
    if draw.textlength(text, font=font) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if draw.textlength(text[:mid] + "…", font=font) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + "…"
