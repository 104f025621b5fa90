"""Render the simulator's videos: real H.264 MP4s drawn from the request.

A video is a pure function of ``VideoKey`` (model, prompt, seed, size, duration, fps): colours
and motion come from a hash of the model, prompt and seed, and the prompt is written into every
frame. The encoder runs single-threaded with no timestamps in the container, so the same key
gives the same bytes on every run. Rendering is CPU work: callers run it in a worker thread.

The prompt's words steer what a video metric would measure (the full table is in ``_cues``):

| the prompt says | the video |
|---|---|
| still, calm, static, lake, ... | barely moves (speeds × 0.03) |
| fast, running, race, chase, ... | moves a lot (speeds × 3, a stronger shimmer) |
| strobe, flicker, flashing, lightning, ... | goes dark every other frame or two |
| "two scenes", "then", cut, montage, ... | hard cuts (new palette, new shapes) at seeded frames |
| none of these | moderate seeded motion (speeds × 0.3–0.7) |

The prompt band draws any script (``_fonts`` finds a CJK-capable font, ``_caption`` wraps by
pixel width); the stamp in the corner (model, seed, time) is ASCII in Pillow's own font.
"""

from __future__ import annotations

import bisect
import colorsys
import hashlib
import io
import itertools
import math
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

import av
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from vidwidgets.simulator._caption import caption_band
from vidwidgets.simulator._cues import MODERATE_MOTION, read_cues

Frame = NDArray[np.uint8]

MIN_SIDE: Final = 16
#: brightness of a strobe's dark frames (the bright ones are 1)
STROBE_DARK: Final = 0.3
#: how much the background's wave brightens and darkens it (a share of its brightness)
WAVE_AMP: Final = 0.12


@dataclass(frozen=True)
class VideoKey:
    """Everything a rendered video depends on."""

    model: str
    prompt: str
    seed: int
    width: int
    height: int
    seconds: int
    fps: int


def even_size(width: float, height: float) -> tuple[int, int]:
    """Round a scaled frame size to even numbers (H.264 with yuv420p needs them), at least 16."""
    w = max(MIN_SIDE, round(width / 2) * 2)
    h = max(MIN_SIDE, round(height / 2) * 2)
    return w, h


@dataclass(frozen=True)
class _Shot:
    """One shot between two cuts: a background gradient, its wave and the moving discs."""

    gradient: NDArray[np.float32]  # (rows, 1, 3) on the coarse grid, 0..1
    wave: tuple[float, float, float]  # spatial frequencies across, down, and temporal (Hz)
    discs: list[_Disc]


@dataclass(frozen=True)
class _Disc:
    # plain floats, not small arrays: numpy's per-call overhead would dominate these few sines
    colour: tuple[float, float, float]  # RGB, 0..255
    radius: float
    centre: tuple[float, float]  # centre of the path (fraction of the frame)
    amp: tuple[float, float]  # amplitude (fraction of the frame)
    speed: tuple[float, float]  # Hz, signed
    phase: tuple[float, float]

    def position(self, mt: float, width: int, height: int) -> tuple[float, float]:
        """Where the centre is at motion time ``mt``, in pixels."""
        (cx, cy), (ax, ay), (fx, fy), (px, py) = self.centre, self.amp, self.speed, self.phase
        x = cx + ax * math.sin(2 * math.pi * fx * mt + px)
        y = cy + ay * math.sin(2 * math.pi * fy * mt + py)
        return x * width, y * height


class _Scene:
    """The drawing recipe for one key: shots, motion, flicker and the text overlay.

    The prompt's cue words (``_cues``) set how fast things move, whether the brightness strobes
    and how many hard cuts there are; the hash of model, prompt and seed sets the rest.
    """

    def __init__(self, key: VideoKey) -> None:
        self.key = key
        digest = hashlib.sha256(f"{key.model}\x00{key.prompt}\x00{key.seed}".encode()).digest()
        rng = np.random.default_rng(int.from_bytes(digest[:8], "big"))
        w, h = key.width, key.height
        # The background is smooth: draw it on a coarse grid and enlarge it (much cheaper).
        self.cell = max(1, min(w, h) // 90)
        hc, wc = -(-h // self.cell), -(-w // self.cell)
        self.xs = np.linspace(0.0, 1.0, wc, dtype=np.float32)[None, :]
        self.ys = np.linspace(0.0, 1.0, hc, dtype=np.float32)[:, None]
        hue = rng.random()
        self.shots = [self._shot(rng, hue, flip=False)]
        # Always drawn, whatever the cues, so a cue word changes only what it is about.
        moderate = rng.uniform(*MODERATE_MOTION)
        strobe_frames = int(rng.integers(1, 3))  # frames per bright or dark phase
        strobe_phase = int(rng.integers(0, 2 * strobe_frames))
        cues = read_cues(key.prompt)
        self.motion = moderate if cues.motion is None else cues.motion
        # fast scenes shimmer more too: the discs alone stop adding difference once they jump
        self.wave_amp = WAVE_AMP * max(1.0, self.motion / 1.5)
        total = key.seconds * key.fps
        self.cut_frames = _cut_frames(rng, total, cues.cuts)
        for k in range(1, len(self.cut_frames) + 1):
            hue = (hue + rng.uniform(0.35, 0.65)) % 1.0  # a new palette: a cut you can see
            self.shots.append(self._shot(rng, hue, flip=k % 2 == 1))
        phases = (np.arange(total) + strobe_phase) // strobe_frames % 2
        self.gain = np.where(phases == 1, STROBE_DARK, 1.0) if cues.flicker else np.ones(total)
        self.font_px = max(8, h // 16)
        self.stamp_px = max(8, self.font_px * 2 // 3)
        self.stamp_font = ImageFont.load_default(size=self.stamp_px)
        top_row, band = caption_band(key.prompt, w, h, self.font_px)
        alpha = band[:, :, 3:4].astype(np.float32) / 255.0
        self.band_top = top_row
        self.band_keep = 1.0 - alpha  # share of the frame kept under the caption band
        self.band_add = band[:, :, :3].astype(np.float32) * alpha

    def _shot(self, rng: np.random.Generator, hue: float, *, flip: bool) -> _Shot:
        w, h = self.key.width, self.key.height
        top = np.asarray(_rgb(hue, 0.55, 0.35), np.float32)
        bottom = np.asarray(_rgb((hue + 0.35 + 0.3 * rng.random()) % 1.0, 0.65, 0.55), np.float32)
        if flip:  # light above, dark below, and lighter: every pixel changes at the cut
            top, bottom = np.minimum(bottom * 1.35, 1.0), top * 0.8
        wave = (rng.uniform(0.5, 2.5), rng.uniform(0.5, 2.5), rng.uniform(0.2, 0.8))
        discs = [
            _Disc(
                colour=_scaled(_rgb(rng.random(), 0.8, 0.95), 255.0),
                radius=float(rng.uniform(0.05, 0.14)) * min(w, h),
                centre=_pair(rng.uniform(0.1, 0.9, size=2)),
                amp=_pair(rng.uniform(0.15, 0.4, size=2)),
                speed=_pair(rng.uniform(0.2, 1.2, size=2) * rng.choice([-1.0, 1.0], size=2)),
                phase=_pair(rng.uniform(0, 2 * math.pi, size=2)),
            )
            for _ in range(int(rng.integers(2, 5)))
        ]
        gradient = (top * (1 - self.ys[:, :, None]) + bottom * self.ys[:, :, None]).astype(
            np.float32
        )
        return _Shot(gradient, wave, discs)

    def frame(self, index: int) -> Frame:
        """The RGB frame ``index`` (0-based), as an ``(height, width, 3)`` uint8 array."""
        key = self.key
        t = index / key.fps
        shot = self.shots[bisect.bisect_right(self.cut_frames, index)]
        gain = float(self.gain[min(index, len(self.gain) - 1)]) if len(self.gain) else 1.0
        # Motion scales the clock of the shapes, not their paths: a still scene keeps its layout.
        mt = t * self.motion
        fx, fy, ft = shot.wave
        wave = self.wave_amp * np.sin(2 * math.pi * (fx * self.xs + fy * self.ys - ft * mt))
        lit = shot.gradient * (1.0 + wave[:, :, None]) * (255.0 * gain)
        coarse = np.clip(lit, 0, 255).astype(np.uint8)
        if self.cell > 1:
            coarse = coarse.repeat(self.cell, axis=0).repeat(self.cell, axis=1)
        out = np.ascontiguousarray(coarse[: key.height, : key.width])
        for disc in shot.discs:
            self._disc(out, disc, mt, gain)
        top = self.band_top
        out[top:] = (out[top:] * self.band_keep + self.band_add).astype(np.uint8)
        self._stamp(out, f"{key.model}  seed {key.seed}  t={t:4.1f}s")
        return out

    def _disc(self, out: Frame, disc: _Disc, mt: float, gain: float) -> None:
        key = self.key
        (cx, cy), radius = disc.position(mt, key.width, key.height), disc.radius
        x0, x1 = max(0, int(cx - radius)), min(key.width, int(cx + radius) + 1)
        y0, y1 = max(0, int(cy - radius)), min(key.height, int(cy + radius) + 1)
        if x0 >= x1 or y0 >= y1:
            return
        yy, xx = np.arange(y0, y1)[:, None], np.arange(x0, x1)[None, :]
        inside = (xx - cx) ** 2 + (yy - cy) ** 2 <= radius**2
        out[y0:y1, x0:x1][inside] = _scaled(disc.colour, gain, rounded=True)

    def _stamp(self, out: Frame, text: str) -> None:
        """Small caption in the top-left corner (changes every frame: motion you can read)."""
        size = self.stamp_px
        width = min(self.key.width, int(size * 0.6 * len(text)) + size)
        height = min(self.key.height, size + size // 2)
        corner = Image.fromarray(out[:height, :width])
        ImageDraw.Draw(corner).text((size // 3, size // 6), text, font=self.stamp_font)
        out[:height, :width] = np.asarray(corner)


def _cut_frames(rng: np.random.Generator, total: int, cuts: int) -> list[int]:
    """``cuts`` seeded frame indices, one in each equal slice of the middle 70 % of the video."""
    cuts = min(cuts, total // 4)
    if cuts <= 0:
        return []
    lo, hi = max(1, int(total * 0.15)), max(2, int(total * 0.85))
    edges = [lo + (hi - lo) * i // cuts for i in range(cuts + 1)]
    # b - 1: a cut never lands right before the next slice's, so every shot lasts two frames
    return [int(rng.integers(a, max(a + 1, b - 1))) for a, b in itertools.pairwise(edges)]


def _rgb(hue: float, sat: float, val: float) -> tuple[float, float, float]:
    return colorsys.hsv_to_rgb(hue, sat, val)


def _scaled(
    rgb: tuple[float, float, float], by: float, *, rounded: bool = False
) -> tuple[float, float, float]:
    r, g, b = (c * by for c in rgb)
    return (round(r), round(g), round(b)) if rounded else (r, g, b)


def _pair(values: NDArray[np.float64]) -> tuple[float, float]:
    return float(values[0]), float(values[1])


class RenderCancelled(Exception):
    """The simulator stopped while a video was being rendered."""


def render_mp4(key: VideoKey, cancel: threading.Event | None = None) -> bytes:
    """Encode the video for ``key``: H.264 (yuv420p) in MP4 with the moov atom first.

    Setting ``cancel`` stops the render between frames (raises ``RenderCancelled``), so a
    stopping simulator does not wait for a long render to finish.
    """
    scene = _Scene(key)
    # +faststart rewrites the file with moov before mdat (so browsers can start playing early);
    # FFmpeg does that by reopening the output by name, so it needs a real file, not BytesIO.
    with tempfile.TemporaryDirectory(prefix="vidsim-") as tmp:
        path = os.path.join(tmp, "video.mp4")
        _encode(scene, path, cancel)
        with open(path, "rb") as f:
            return f.read()


def _encode(scene: _Scene, path: str, cancel: threading.Event | None) -> None:
    key = scene.key
    with av.open(path, mode="w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=key.fps)
        stream.width = key.width
        stream.height = key.height
        stream.pix_fmt = "yuv420p"
        # One thread and fixed settings: x264 output is then byte-for-byte reproducible.
        stream.codec_context.thread_count = 1
        stream.options = {"preset": "ultrafast", "crf": "30", "threads": "1"}
        stream.codec_context.time_base = Fraction(1, key.fps)
        for index in range(key.seconds * key.fps):
            if cancel is not None and cancel.is_set():
                raise RenderCancelled(key)
            frame = av.VideoFrame.from_ndarray(scene.frame(index), format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def render_still(key: VideoKey, fmt: str = "webp") -> bytes:
    """One frame from the middle of the video as an image (``webp`` or ``jpeg``)."""
    scene = _Scene(key)
    index = (key.seconds * key.fps) // 2
    buf = io.BytesIO()
    Image.fromarray(scene.frame(index)).save(buf, format=fmt.upper(), quality=80)
    return buf.getvalue()


def render_spritesheet(key: VideoKey, columns: int = 4) -> bytes:
    """A JPEG grid of evenly spaced frames (the official API's ``spritesheet`` variant)."""
    scene = _Scene(key)
    total = max(1, key.seconds * key.fps)
    cells = [scene.frame(total * i // columns) for i in range(columns)]
    sheet = np.concatenate(cells, axis=1)
    buf = io.BytesIO()
    Image.fromarray(sheet).save(buf, format="JPEG", quality=75)
    return buf.getvalue()


class RenderCache:
    """A process-wide LRU of rendered bytes (rendering is pure, so sharing is safe)."""

    def __init__(self, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, VideoKey], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, variant: str, key: VideoKey) -> bytes | None:
        with self._lock:
            data = self._items.get((variant, key))
            if data is not None:
                self._items.move_to_end((variant, key))
            return data

    def put(self, variant: str, key: VideoKey, data: bytes) -> None:
        with self._lock:
            if (variant, key) in self._items:
                return
            self._items[(variant, key)] = data
            self._size += len(data)
            while self._size > self.max_bytes and len(self._items) > 1:
                _, old = self._items.popitem(last=False)
                self._size -= len(old)


CACHE: Final = RenderCache()

#: variant name -> (renderer, content type)
VARIANTS: Final = {
    "video": "video/mp4",
    "thumbnail": "image/webp",
    "spritesheet": "image/jpeg",
}


def render_variant(variant: str, key: VideoKey, cancel: threading.Event | None = None) -> bytes:
    """Render (or fetch from the cache) one variant of the video for ``key``."""
    cached = CACHE.get(variant, key)
    if cached is not None:
        return cached
    if variant == "video":
        data = render_mp4(key, cancel)
    elif variant == "thumbnail":
        data = render_still(key, "webp")
    elif variant == "spritesheet":
        data = render_spritesheet(key)
    else:
        raise ValueError(f"unknown variant {variant!r}")
    CACHE.put(variant, key, data)
    return data
