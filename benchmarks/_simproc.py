"""The simulator in a process of its own, for benchmarks that measure the client's process.

When the client and the simulator share an interpreter they share the GIL and one event loop's
time, and the server's work is charged to the client. A real gateway runs elsewhere; so does
this one. ``RemoteSimulator(**kwargs)`` starts ``python -m benchmarks._simproc`` with the
``Simulator`` keyword arguments as JSON, and ``snapshot()`` asks the child for its ground truth
(task records and request log), returned as plain objects with the same attribute names.

The child takes commands on stdin, one per line: ``dump <path>`` (write the snapshot as JSON,
answer ``ok``) and ``quit``. It also quits when its stdin closes, so it never outlives us.

``pad_bytes`` (benchmark 3 only) makes the CDN serve each video followed by an MP4 ``free`` box
of that many bytes: still a valid MP4 that players read past, but as large as a long 1080p
video, without spending minutes in the H.264 encoder. The simulator has no such knob, so the
child wraps ``Server.render`` — the bytes still go through the simulator's own CDN route.
"""

from __future__ import annotations

import asyncio
import json
import os
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace, TracebackType
from typing import Any

_START_TIMEOUT = 60.0


class RemoteSimulator:
    """A ``Simulator`` in a child process. Use as a (sync) context manager."""

    def __init__(self, pad_bytes: int = 0, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.pad_bytes = pad_bytes
        self.proc: subprocess.Popen[str] | None = None
        self.base_url = ""
        self.api_key = ""
        self.pid = 0

    def __enter__(self) -> RemoteSimulator:
        spec = json.dumps({"kwargs": self.kwargs, "pad_bytes": self.pad_bytes})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._simproc", spec],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
            cwd=Path(__file__).resolve().parent.parent,
        )
        self.pid = self.proc.pid
        line = self._readline(_START_TIMEOUT)
        info = json.loads(line)
        self.base_url, self.api_key = info["base_url"], info["api_key"]
        return self

    def _readline(self, timeout: float) -> str:
        assert self.proc is not None
        assert self.proc.stdout is not None
        out: list[str] = []
        reader = threading.Thread(target=lambda: out.append(self.proc.stdout.readline()))  # type: ignore[union-attr]
        reader.daemon = True
        reader.start()
        reader.join(timeout)
        if not out or not out[0]:
            raise RuntimeError("the simulator process did not answer")
        return out[0].strip()

    def snapshot(self, path: Path) -> SimpleNamespace:
        """The child's tasks and requests, as ``SimpleNamespace(tasks={id: rec}, requests=[...])``."""
        assert self.proc is not None
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"dump {path}\n")
        self.proc.stdin.flush()
        if self._readline(120.0) != "ok":
            raise RuntimeError("the simulator process failed to dump its state")
        doc = json.loads(path.read_text())
        tasks = {t["id"]: SimpleNamespace(**t) for t in doc["tasks"]}
        requests = [SimpleNamespace(**r) for r in doc["requests"]]
        return SimpleNamespace(tasks=tasks, requests=requests, create_count=doc["create_count"])

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        proc = self.proc
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.write("quit\n")
                proc.stdin.close()
            proc.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait(timeout=15)


# --- the child ----------------------------------------------------------------------------------

_TASK_FIELDS = (
    "id",
    "model",
    "created_at",
    "submitted_at",
    "started_at",
    "provider_done_at",
    "finished_at",
    "outcome",
    "refresh_origin",
    "refresh_period",
    "settle_from",
)
_REQUEST_FIELDS = ("method", "path", "wall", "status", "task_id", "fault", "elapsed")


def mp4_free_box(size: int) -> bytes:
    """An ISO-BMFF ``free`` box of ``size`` bytes in all (players skip it)."""
    if size < 16:
        return b""
    return struct.pack(">I4sQ", 1, b"free", size) + bytes(size - 16)


def _dump(sim: Any, path: str) -> None:
    tasks = [{f: getattr(t, f) for f in _TASK_FIELDS} for t in list(sim.tasks.values())]
    requests = [{f: getattr(r, f) for f in _REQUEST_FIELDS} for r in list(sim.requests)]
    Path(path).write_text(
        json.dumps({"tasks": tasks, "requests": requests, "create_count": sim.create_count})
    )


def _pad_renders(pad: int) -> None:
    from vidwidgets.simulator import _server

    original = _server.Server.render
    padded: dict[Any, bytes] = {}

    async def render(self: Any, variant: str, key: Any) -> bytes:
        data = await original(self, variant, key)
        if variant != "video":
            return data
        if key not in padded:
            padded[key] = data + mp4_free_box(pad)
        return padded[key]

    _server.Server.render = render  # type: ignore[method-assign]


async def _child(spec: dict[str, Any]) -> None:
    from vidwidgets.simulator import Simulator, Timing

    kwargs = dict(spec["kwargs"])
    if isinstance(kwargs.get("timing"), dict):
        kwargs["timing"] = Timing(**kwargs["timing"])
    if spec.get("pad_bytes"):
        _pad_renders(int(spec["pad_bytes"]))
    loop = asyncio.get_running_loop()
    async with Simulator(**kwargs) as sim:
        print(
            json.dumps({"base_url": sim.base_url, "api_key": sim.api_key, "pid": os.getpid()}),
            flush=True,
        )
        deadline = time.monotonic() + 3600  # never outlive a forgotten benchmark by much
        while time.monotonic() < deadline:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line or line.strip() == "quit":
                break
            cmd, _, arg = line.strip().partition(" ")
            if cmd == "dump":
                _dump(sim, arg)
                print("ok", flush=True)


if __name__ == "__main__":
    asyncio.run(_child(json.loads(sys.argv[1])))
