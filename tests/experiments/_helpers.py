"""Shared helpers: tiny real MP4s and finished records, written without any server."""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from vidwidgets.client import VideoRequest
from vidwidgets.experiments import Experiment, RunRecord, cell_key, safe_name


def write_mp4(
    path: Path, *, width: int = 64, height: int = 48, fps: int = 12, frames: int = 12
) -> Path:
    """A real H.264 MP4 whose frames get brighter over time (frame i has grey level ~ 20 * i)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(frames):
            arr = np.full((height, width, 3), min(255, 20 * i), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def add_finished(
    exp: Experiment,
    request: VideoRequest,
    *,
    label: str = "",
    job_id: str | None = None,
    age: float = 0.0,
    frames: int = 12,
    width: int = 64,
    height: int = 48,
    **fields: object,
) -> RunRecord:
    """A succeeded record with a real video file, completed ``age`` seconds ago."""
    fp = request.fingerprint()
    key = cell_key(fp, label)
    job_id = job_id or f"task_{fp[:8]}_{safe_name(label) if label else 'x'}"
    rel = f"videos/{safe_name(job_id)}.mp4"
    video = write_mp4(exp.path / rel, frames=frames, width=width, height=height)
    done = time.time() - age
    rec = RunRecord(
        key=key,
        label=label,
        fingerprint=fp,
        request=request.to_dict(),
        job_id=job_id,
        status="succeeded",
        created_at=done - 3,
        completed_at=done,
        generation_seconds=3.0,
        file=rel,
        bytes=video.stat().st_size,
        video={"width": width, "height": height, "fps": 12.0, "duration": frames / 12},
    )
    for name, value in fields.items():
        setattr(rec, name, value)
    exp.put(rec)
    return rec
