"""Safe file names and atomic writes.

Task ids come from a server we do not control: ``../../x``, ``/etc/passwd``, ``a/b``, a NUL byte
or ten kilobytes of text must never name a file outside the experiment folder. Every name that
reaches the file system passes through [`safe_name()`][vidwidgets.experiments.safe_name], and every
path is checked with ``inside()`` before it is written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["atomic_write_bytes", "atomic_write_json", "inside", "safe_name"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_STEM = 80
#: Windows refuses these stems whatever the extension; harmless to avoid everywhere.
_RESERVED = frozenset(
    {
        "con",
        "prn",
        "aux",
        "nul",
        *(f"com{i}" for i in range(1, 10)),
        *(f"lpt{i}" for i in range(1, 10)),
    }
)


def safe_name(text: str, *, max_len: int = _MAX_STEM) -> str:
    """A file-name stem made from untrusted ``text``.

    Only ``[A-Za-z0-9._-]``, no leading dot, at most ``max_len`` characters, never empty. When
    anything had to change, a short hash of the original is appended so two different ids never
    share a file.

        >>> safe_name("task_0123abcd")
        'task_0123abcd'
        >>> safe_name("../../etc/passwd")  # doctest: +ELLIPSIS
        'etc_passwd-...'
    """
    cleaned = _UNSAFE.sub("_", text).strip("._-")
    if cleaned.lower() in _RESERVED:
        cleaned = "_" + cleaned
    if cleaned == text and 0 < len(cleaned) <= max_len:
        return cleaned
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    head = cleaned[: max_len - len(digest) - 1]
    return f"{head}-{digest}" if head else f"id-{digest}"


def inside(root: Path, relative: str | os.PathLike[str]) -> Path:
    """``root / relative``, refusing any path that would resolve outside ``root``.

    >>> inside(Path("/tmp/exp"), "videos/a.mp4")
    PosixPath('/tmp/exp/videos/a.mp4')
    """
    rel = os.fspath(relative)
    if "\x00" in rel or os.path.isabs(rel):
        raise ValueError(f"unsafe path {rel!r}: must be relative to {root}")
    base = root.resolve()
    target = (base / rel).resolve()
    if target != base and base not in target.parents:
        raise ValueError(f"unsafe path {rel!r}: it leaves {root}")
    return target


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader (or a crash) never sees a half-written file.

    A temporary file in the same folder, fsync, then ``os.replace``: the old file or the new one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes the file 0600; give it the mode a plain open() would have
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    try:  # Linux: read it without the racy set-and-restore dance
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def atomic_write_json(path: Path, data: Any) -> None:
    """``atomic_write_bytes()`` for a JSON document (UTF-8, indented so diffs stay readable)."""
    text = json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False, sort_keys=False)
    atomic_write_bytes(path, (text + "\n").encode("utf-8"))
