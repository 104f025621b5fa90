"""Reusing an earlier generation for an identical, reproducible request.

A request is cacheable only when it is *reproducible*: it names a ``seed`` and its model honours
seeds (Kling, Hailuo and Sora drop them). Without one the user asks for a *new* take each time,
and an earlier take is not "the same video". The key is the server (base URL and format) plus the request's fingerprint
(a local image counts by its content). Only succeeded jobs whose file still exists are served;
failures are never stored.

Entries live in memory for ``ttl`` seconds; with a ``folder`` they are also written there as
one small JSON file per key and survive the kernel.

    >>> cache = ResultCache(ttl=60)
    >>> cache.key("http://x", "88api", "abc")
    'cf29ed5fd09bfffacb0478125215fc82'
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vidwidgets.client._models import get_model_spec
from vidwidgets.client._types import JobStatus, VideoJob, VideoRequest

__all__ = ["ResultCache"]

logger = logging.getLogger("vidwidgets")


class ResultCache:
    """In-memory TTL cache of finished jobs, optionally mirrored to ``folder``."""

    def __init__(self, *, ttl: float = 3600.0, folder: str | os.PathLike[str] | None = None):
        self.ttl = ttl
        self.folder = Path(folder) if folder is not None else None
        self._memory: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ResultCache(ttl={self.ttl}, folder={self.folder})"

    @staticmethod
    def reproducible(request: VideoRequest | Mapping[str, Any] | None) -> bool:
        """Whether the same request makes the same video again.

        It does when a seed is given and the model honours it. ``request`` may be a
        ``VideoRequest`` or its ``to_dict()`` form (a record's).

        >>> ResultCache.reproducible({"model": "viduq1", "prompt": "a fox", "seed": 3})
        True
        >>> ResultCache.reproducible({"model": "kling-v1", "prompt": "a fox", "seed": 3})
        False
        """
        if request is None:
            return False
        model: Any
        seed: Any
        if isinstance(request, VideoRequest):
            model, seed = request.model, request.seed
        else:
            model, seed = request.get("model"), request.get("seed")
        return seed is not None and isinstance(model, str) and get_model_spec(model).uses_seed

    @staticmethod
    def cacheable(request: VideoRequest) -> bool:
        """Whether a result of ``request`` may be stored and served again (it is reproducible)."""
        return ResultCache.reproducible(request)

    @staticmethod
    def reusable(
        status: JobStatus | str,
        path: Path | None,
        request: VideoRequest | Mapping[str, Any] | None,
    ) -> bool:
        """Whether a finished generation may stand in for a new one.

        It may when its request is reproducible (see ``reproducible()``), it succeeded and its
        file is still on disk: the one rule for every cache of results, the experiment store's
        too.

        >>> ResultCache.reusable("failed", None, None)
        False
        """
        return (
            status == JobStatus.SUCCEEDED
            and path is not None
            and ResultCache.reproducible(request)
            and path.is_file()
        )

    @staticmethod
    def key(base_url: str, api_format: str, fingerprint: str) -> str:
        text = f"{base_url.rstrip('/')}|{api_format}|{fingerprint}"
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def _file(self, key: str) -> Path | None:
        return self.folder / f"{key}.json" if self.folder is not None else None

    def get(self, key: str) -> VideoJob | None:
        """The cached job for ``key`` when it is fresh and its file still exists."""
        now = time.time()
        with self._lock:
            entry = self._memory.get(key)
        record: dict[str, Any] | None = None
        if entry is not None and entry[0] > now:
            record = entry[1]
        else:
            file = self._file(key)
            if file is not None and file.is_file():
                try:
                    record = json.loads(file.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    record = None
        if record is None:
            return None
        try:
            job = VideoJob.from_dict(record)
        except (KeyError, TypeError, ValueError):
            return None
        if not self.reusable(job.status, job.path, job.request):
            return None  # the video was moved or deleted, or was never reproducible
        with self._lock:
            self._memory[key] = (now + self.ttl, record)
        return job

    def put(self, key: str, job: VideoJob) -> None:
        """Remember a succeeded, downloaded job of a reproducible request.

        Anything else is ignored.
        """
        if not self.reusable(job.status, job.path, job.request):
            return
        record = job.to_dict()
        record["path"] = os.fspath(Path(record["path"]).resolve())
        with self._lock:
            self._memory[key] = (time.time() + self.ttl, record)
        file = self._file(key)
        if file is not None:
            try:
                file.parent.mkdir(parents=True, exist_ok=True)
                temp = file.with_suffix(".tmp")
                temp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
                os.replace(temp, file)
            except OSError as exc:
                logger.warning("could not write the cache entry %s: %s", file, exc)

    def clear(self) -> None:
        with self._lock:
            self._memory.clear()
        if self.folder is not None and self.folder.is_dir():
            for file in self.folder.glob("*.json"):
                file.unlink(missing_ok=True)
