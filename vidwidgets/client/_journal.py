"""A small append-only record of every task id, written *before* the client waits on it.

If the kernel dies while a paid generation runs, its id survives here and
``client.resume()`` picks it up again — nothing is paid for twice or lost. One JSON object per
line (JSONL), appended and flushed with ``fsync`` so a crash leaves at most a torn last line,
which is skipped on reading.

Events: ``created`` (id, base URL, format, request, fingerprint, session), ``finished``
(id, status, path). A task is *pending* when it was created and not finished.

    >>> import tempfile
    >>> j = Journal(Path(tempfile.mkdtemp()) / "journal.jsonl")
    >>> j.created("t1", base_url="http://x", api_format="88api", request=None)
    >>> [e["id"] for e in j.pending("http://x")]
    ['t1']
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

__all__ = ["Journal", "default_journal_path"]

logger = logging.getLogger("vidwidgets")

#: Distinguishes this process's entries from a crashed one's.
SESSION = uuid.uuid4().hex[:12]
_COMPACT_LINES = 5000


def default_journal_path() -> Path:
    """Where the journal lives: per user, outside any project, surviving a kernel restart.

    ``$VIDWIDGETS_JOURNAL_DIR/journal.jsonl``, else under ``$XDG_STATE_HOME`` or
    ``~/.local/state``.
    """
    folder = os.environ.get("VIDWIDGETS_JOURNAL_DIR")
    if folder:
        return Path(folder).expanduser() / "journal.jsonl"
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "vidwidgets" / "journal.jsonl"


class Journal:
    """The journal file; safe to use from several threads of one process."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        #: what the file said up to ``_offset``: the open ``created`` records by (base URL, id)
        self._open: dict[tuple[str, str], dict[str, Any]] = {}
        self._offset = 0
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file read
        self._records = 0  # records read since the file was last read from its start

    def __repr__(self) -> str:
        return f"Journal({os.fspath(self.path)!r})"

    def _append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as fh:
                    fh.write(line)
                    fh.flush()
                    os.fsync(fh.fileno())
            except OSError as exc:
                # a read-only home must not stop generation; say so loudly once per event
                logger.warning("could not write the task journal %s: %s", self.path, exc)

    def created(
        self,
        task_id: str,
        *,
        base_url: str,
        api_format: str,
        request: dict[str, Any] | None,
        fingerprint: str | None = None,
    ) -> None:
        self._append(
            {
                "event": "created",
                "id": task_id,
                "base_url": base_url,
                "api_format": api_format,
                "request": request,
                "fingerprint": fingerprint,
                "session": SESSION,
                "at": time.time(),
            }
        )

    def finished(self, task_id: str, *, base_url: str, status: str, path: str | None) -> None:
        self._append(
            {
                "event": "finished",
                "id": task_id,
                "base_url": base_url,
                "status": status,
                "path": path,
                "at": time.time(),
            }
        )

    def _catch_up(self) -> None:
        """Read what was appended since the last call into ``_open`` (the lock is held).

        The file is read from where the last call stopped, whole lines only (a line still being
        written, or torn by a crash, waits for the next call), so asking for the pending tasks
        costs what was appended since, not the whole journal: ``generate()`` asks once per
        job. A file that was replaced (compacted here or by another process) or shrank is read
        again from the start.
        """
        try:
            stat = os.stat(self.path)
        except OSError:
            self._open.clear()
            self._offset, self._identity, self._records = 0, None, 0
            return
        identity = (stat.st_dev, stat.st_ino)
        if identity != self._identity or stat.st_size < self._offset:
            self._open.clear()
            self._offset, self._identity, self._records = 0, identity, 0
        if stat.st_size == self._offset:
            return
        try:
            with self.path.open("rb") as fh:
                fh.seek(self._offset)
                chunk = fh.read(stat.st_size - self._offset)
        except OSError:
            return
        complete = chunk.rfind(b"\n") + 1
        self._offset += complete
        for line in chunk[:complete].decode("utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a torn line from a crash
            if not isinstance(record, dict) or not isinstance(record.get("id"), str):
                continue
            self._records += 1
            key = (record.get("base_url", ""), record["id"])
            if record.get("event") == "created":
                self._open[key] = record
            elif record.get("event") == "finished":
                self._open.pop(key, None)

    def pending(self, base_url: str | None = None) -> list[dict[str, Any]]:
        """``created`` records without a ``finished`` one, oldest first (for ``base_url``)."""
        with self._lock:
            self._catch_up()
            open_ = list(self._open.values())
            compact = self._records > _COMPACT_LINES
        if compact:
            self._compact()
        return [r for r in open_ if base_url is None or r.get("base_url") == base_url]

    def _compact(self) -> None:
        """Rewrite the file with only the pending records (atomic rename)."""
        with self._lock:
            self._catch_up()  # what another thread appended meanwhile stays
            temp = self.path.with_suffix(".tmp")
            try:
                with temp.open("w", encoding="utf-8") as fh:
                    for record in self._open.values():
                        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
                os.replace(temp, self.path)
            except OSError as exc:
                logger.warning("could not compact the task journal: %s", exc)
            self._identity = None  # the next call reads the new file from its start
