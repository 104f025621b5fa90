"""What survives the kernel: the task journal (crash recovery) and the result cache.

**Who owns caching and crash recovery: this client layer.** It is the lowest layer, and every
paid task passes through ``VideoClient.create``, which journals the task id before anything
waits on it; so the rules live here once:

- *crash recovery*: a task is pending from its ``created`` record until its ``finished`` one
  (``Journal``); ``resume()`` turns the pending records of this server back into jobs, and a
  ``generate`` of the very request a dead session started adopts that task instead of paying
  for it again.
- *caching*: only a reproducible request (a ``seed`` on a model that honours seeds) is reusable
  (``ResultCache.cacheable``), and only a succeeded job of such a request whose file is still on
  disk is served (``ResultCache.reusable``). A request without one, or on Kling, Hailuo or Sora,
  is a new take every time: a new create, never a cache hit.

The experiment store (``vidwidgets.experiments``) keeps its manifest because that is the
experiment itself (labels, ratings, notes, files), not a second recovery log: it records the
task id the client returned, resumes through ``client.wait``/``download`` (which close the
journal record), and its cross-experiment cache lookup applies this module's rules
(``ResultCache.reusable``, ``JobStatus``) to its records instead of restating them.

``Persistence`` is the client's use of both: the journal chosen by the ``journal`` option, the
cache of ``generate``, and the jobs rebuilt from the journal.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from vidwidgets.client._cache import ResultCache
from vidwidgets.client._exceptions import VideoAPIError
from vidwidgets.client._journal import SESSION, Journal, default_journal_path
from vidwidgets.client._mapping import API_FORMATS, ApiFormat
from vidwidgets.client._metrics import Metrics
from vidwidgets.client._types import VideoJob, VideoRequest

__all__ = ["JournalSetting", "Persistence", "copy_cached", "fingerprint_of"]

logger = logging.getLogger("vidwidgets")

JournalSetting = bool | str | os.PathLike[str] | None


def fingerprint_of(request: VideoRequest | None) -> str | None:
    """The request's fingerprint, or None when there is none (or its image is unreadable)."""
    if request is None:
        return None
    try:
        return request.fingerprint()
    except OSError:
        return None


def copy_cached(job: VideoJob, path: Path) -> None:
    """Put a cached video at the path the caller asked for (small local file work)."""
    if job.path is None or path.resolve() == job.path.resolve():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(job.path, path)
    job.path = path


class Persistence:
    """One client's journal and cache, and the jobs it knows by id.

    Args:
        jobs: the client's jobs by task id (shared: resumed and adopted jobs join it).
        base_url: the server's address (called on first use: it may start the target).
        journal: the ``journal`` option; None means ``journal_default``.
        journal_default: whether the journal is on when the option is None (off on the
            embedded simulator: nothing there survives the process anyway).
        cache: the ``ResultCache`` of ``generate``, or None when caching is off.
        metrics: where cache hits and misses are counted.
    """

    def __init__(
        self,
        jobs: dict[str, VideoJob],
        base_url: Callable[[], str],
        *,
        journal: JournalSetting,
        journal_default: bool,
        cache: ResultCache | None,
        metrics: Metrics,
    ) -> None:
        self.jobs = jobs
        self.base_url = base_url
        self.cache = cache
        self.metrics = metrics
        self._setting = journal_default if journal is None else journal
        self._journal: Journal | None = None
        self._ready = False
        self._adopted: set[str] = set()

    @property
    def journal(self) -> Journal | None:
        """The journal the setting names (made on first use), or None when it is off."""
        if not self._ready:
            setting = self._setting
            if setting is True:
                self._journal = Journal(default_journal_path())
            elif setting is not False:
                self._journal = Journal(Path(os.fspath(setting)))
            self._ready = True
        return self._journal

    # -- the journal ------------------------------------------------------------------------

    def created(self, job: VideoJob) -> None:
        """Record a new task before anything waits on it."""
        journal = self.journal
        if journal is not None:
            request = job.request
            journal.created(
                job.id,
                base_url=self.base_url(),
                api_format=job.api_format,
                request=request.to_dict() if request else None,
                fingerprint=fingerprint_of(request),
            )

    def finished(self, job: VideoJob, status: str | None = None) -> None:
        """Record that a task ended for good (succeeded and saved, failed, cancelled, gone)."""
        journal = self.journal
        if journal is not None:
            journal.finished(
                job.id,
                base_url=self.base_url(),
                status=status or job.status.value,
                path=os.fspath(job.path) if job.path else None,
            )

    def resume(self, api_format: ApiFormat) -> list[VideoJob]:
        """Jobs the journal shows as started on this server and never finished."""
        journal = self.journal
        if journal is None:
            return []
        jobs = []
        for record in journal.pending(self.base_url()):
            task_id = record["id"]
            if task_id in self.jobs:
                jobs.append(self.jobs[task_id])
                continue
            try:
                request = (
                    VideoRequest.from_dict(record["request"]) if record.get("request") else None
                )
            except (VideoAPIError, TypeError, ValueError):
                request = None  # e.g. the local image file is gone: resume by id alone
            fmt = record.get("api_format")
            job = VideoJob(
                id=task_id,
                request=request,
                api_format=fmt if fmt in API_FORMATS else api_format,
                created_at=float(record.get("at") or time.time()),
            )
            self.jobs[task_id] = job
            jobs.append(job)
        return jobs

    def adopt(self, request: VideoRequest, api_format: ApiFormat) -> VideoJob | None:
        """A job another (dead) session started for this very request, if the journal has one."""
        journal = self.journal
        if journal is None:
            return None
        fingerprint = fingerprint_of(request)
        if fingerprint is None:
            return None
        for record in journal.pending(self.base_url()):
            task_id = record["id"]
            if (
                record.get("fingerprint") == fingerprint
                and record.get("session") != SESSION
                and record.get("api_format") == api_format
                and task_id not in self._adopted
                and task_id not in self.jobs
            ):
                self._adopted.add(task_id)
                job = VideoJob(
                    id=task_id,
                    request=request,
                    api_format=api_format,
                    created_at=float(record.get("at") or time.time()),
                )
                self.jobs[task_id] = job
                logger.info("resuming %s from the journal instead of creating again", task_id)
                return job
        return None

    # -- the cache --------------------------------------------------------------------------

    def cache_key(self, request: VideoRequest, api_format: str) -> str | None:
        """The cache key of a reusable request, or None when it must be generated anew."""
        if self.cache is None or not ResultCache.cacheable(request):
            return None
        return ResultCache.key(self.base_url(), api_format, request.fingerprint())

    def cached(self, key: str, request: VideoRequest, path: Path | None) -> VideoJob | None:
        """The earlier job for ``key`` (its file copied to ``path`` when given), or None."""
        assert self.cache is not None
        hit = self.cache.get(key)
        self.metrics.record_cache(hit is not None)
        if hit is None:
            return None
        logger.info("cache hit for %s: job %s", request.model, hit.id)
        hit.request = request
        if path is not None:
            copy_cached(hit, path)
        return hit

    def remember(self, key: str | None, job: VideoJob) -> None:
        if key is not None and self.cache is not None:
            self.cache.put(key, job)
