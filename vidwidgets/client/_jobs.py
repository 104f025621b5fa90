"""The jobs one client knows by task id, and how a server's body updates them.

Every body the server sends about a task — a create's answer, a status read, an item of a
list — goes through ``JobBook.apply``: it parses the dialect (``_dialects.parse_task``),
updates the ``VideoJob`` the user holds, and tells the client when the job ended (its server
slot is free again). ``register_created`` turns a create's answer into a journaled job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from vidwidgets.client._dialects import find_task_id, parse_task
from vidwidgets.client._exceptions import ProtocolError, ValidationError
from vidwidgets.client._http import Response
from vidwidgets.client._mapping import ApiFormat
from vidwidgets.client._types import JobStatus, VideoJob, VideoRequest
from vidwidgets.client._watcher import apply_view

__all__ = ["JobBook", "JobLike"]

logger = logging.getLogger("vidwidgets")

JobLike = VideoJob | str


class JobBook:
    """The client's jobs by task id.

    Args:
        api_format: the format of a job known only by its id (the client's, read each time).
        on_created: called with each new job before anyone waits on it (the journal).
        on_ended: called with the task id of each job seen to end (frees its slot).
    """

    def __init__(
        self,
        api_format: Callable[[], ApiFormat],
        *,
        on_created: Callable[[VideoJob], None],
        on_ended: Callable[[str], None],
    ) -> None:
        self.api_format = api_format
        self.jobs: dict[str, VideoJob] = {}
        self._on_created = on_created
        self._on_ended = on_ended

    def coerce(self, job: JobLike) -> VideoJob:
        """The job itself, the known job with that id, or a new one for the id."""
        given: Any = job  # callers outside the type checker pass anything
        if isinstance(given, VideoJob):
            return given
        if not isinstance(given, str):
            raise ValidationError("job", given, "a VideoJob or a task id string")
        known = self.jobs.get(given)
        return known if known is not None else VideoJob(id=given, api_format=self.api_format())

    def apply(self, job: VideoJob, body: Any) -> bool:
        """Update ``job`` from a task body; True when anything a user sees changed."""
        changed = apply_view(job, parse_task(body), body)
        if job.status.is_terminal:
            self._on_ended(job.id)
        return changed

    def register_created(
        self, response: Response, request: VideoRequest | None, api_format: ApiFormat
    ) -> VideoJob:
        """The job a create (or remix) answer describes, journaled and known from now on."""
        task_id = find_task_id(response.body)
        if task_id is None:
            raise ProtocolError(
                "the server accepted the request but sent no task id",
                status=response.status,
                code="missing_task_id",
                hint="The task may exist on the server; check your provider dashboard before "
                "retrying, so it is not paid for twice.",
            )
        job = VideoJob(id=task_id, request=request, api_format=api_format)
        self.apply(job, response.body)
        if job.status.is_terminal and job.status is not JobStatus.SUCCEEDED:
            job.status = JobStatus.QUEUED  # a create body's status word is not a verdict yet
        self._on_created(job)
        self.jobs[task_id] = job
        logger.info("created %s (%s)", task_id, request.model if request else "?")
        return job

    def from_list(self, body: Any) -> list[VideoJob]:
        """The jobs of a ``GET /v1/videos`` answer (known ones updated in place)."""
        items = body.get("data") if isinstance(body, dict) else None
        jobs = []
        for item in items if isinstance(items, list) else []:
            task_id = find_task_id(item)
            if task_id is None:
                continue
            job = self.jobs.get(task_id) or VideoJob(id=task_id, api_format="openai")
            self.apply(job, item)
            jobs.append(job)
        return jobs
