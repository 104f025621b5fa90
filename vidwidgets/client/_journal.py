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

    def _read(self) -> list[dict[str, Any]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (FileNotFoundError, OSError):
            return []
        records = []
        for line in text.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a torn last line from a crash
            if isinstance(record, dict) and isinstance(record.get("id"), str):
                records.append(record)
        return records

    def pending(self, base_url: str | None = None) -> list[dict[str, Any]]:
        """``created`` records without a ``finished`` one, oldest first (for ``base_url``)."""
        with self._lock:
            records = self._read()
        open_: dict[tuple[str, str], dict[str, Any]] = {}
        for record in records:
            key = (record.get("base_url", ""), record["id"])
            if record.get("event") == "created":
                open_[key] = record
            elif record.get("event") == "finished":
                open_.pop(key, None)
        if len(records) > _COMPACT_LINES:
            self._compact(list(open_.values()))
        return [r for r in open_.values() if base_url is None or r.get("base_url") == base_url]

    def _compact(self, keep: list[dict[str, Any]]) -> None:
        """Rewrite the file with only the pending records (atomic rename)."""
        with self._lock:
            temp = self.path.with_suffix(".tmp")
            try:
                with temp.open("w", encoding="utf-8") as fh:
                    for record in keep:
                        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
                os.replace(temp, self.path)
            except OSError as exc:
                logger.warning("could not compact the task journal: %s", exc)
