"""Typed requests and jobs: what a user asks for, and what became of it."""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import os
import time
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from vidwidgets.client._costs import JobCost
from vidwidgets.client._exceptions import ValidationError
from vidwidgets.client._models import ModelSpec, get_model_spec, normalise_value
from vidwidgets.client._validation import validate_request_fields

__all__ = ["JobError", "JobStatus", "VideoJob", "VideoRequest"]


class JobStatus(str, enum.Enum):
    """The one status vocabulary: of a job on the server, of a progress widget, of a grid cell.

    A server's answer is always one of the five ``REPORTED`` states (every gateway's words
    are normalised to them); the others are the steps this side of the wire goes through before
    and after the server's part::

        idle / new ─► waiting ─► submitting / creating ─► queued ─► in_progress ─► downloading
          (not started)   └──────────── RUNNING ────────────────────────────────────┘
        ─► succeeded · failed · cancelled · pending          (FINAL)

    ``submitting`` is a single job's create request in flight (``JobProgress``),
    ``creating`` a grid cell's; ``pending`` means the local work stopped while the task goes on
    on the server (run again to resume it). ``is_terminal`` keeps its job meaning — the
    server will not change it again — so ``pending`` is final without being terminal.

        >>> JobStatus("queued"), str(JobStatus.IN_PROGRESS), JobStatus.SUCCEEDED.is_terminal
        (<JobStatus.QUEUED: 'queued'>, 'in_progress', True)
        >>> JobStatus.DOWNLOADING in JobStatus.RUNNING, JobStatus.PENDING.is_final
        (True, True)
    """

    # what servers report, normalised
    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    # this side of the wire
    IDLE = "idle"  # a progress widget with nothing to show yet
    NEW = "new"  # a grid cell that never ran
    WAITING = "waiting"  # for a concurrency slot
    SUBMITTING = "submitting"  # a job's create request is in flight (no job id yet)
    CREATING = "creating"  # a grid cell's create request is in flight
    DOWNLOADING = "downloading"
    PENDING = "pending"  # stopped here; the task is still on the server

    #: The five states a server's answer is normalised to (what a ``VideoJob`` holds).
    REPORTED: ClassVar[frozenset[JobStatus]]
    #: Work is under way: show a clock, offer Cancel.
    RUNNING: ClassVar[frozenset[JobStatus]]
    #: The work stopped here: succeeded, failed, cancelled or pending (resumable).
    FINAL: ClassVar[frozenset[JobStatus]]

    @property
    def is_terminal(self) -> bool:
        """The server will not change this status again (succeeded, failed or cancelled)."""
        return self in _TERMINAL

    @property
    def is_running(self) -> bool:
        return self in JobStatus.RUNNING

    @property
    def is_final(self) -> bool:
        return self in JobStatus.FINAL

    @classmethod
    def parse(cls, value: object, default: JobStatus | None = None) -> JobStatus:
        """The member spelled ``value``; ``default`` for any other value (ValueError without one).

        >>> JobStatus.parse("pending"), JobStatus.parse("weird", JobStatus.FAILED)
        (<JobStatus.PENDING: 'pending'>, <JobStatus.FAILED: 'failed'>)
        """
        try:
            return cls(value)
        except ValueError:
            if default is None:
                raise
            return default

    @classmethod
    def vocabulary(cls) -> dict[str, list[str]]:
        """The running and final sets as JSON lists.

        That is what a widget's front end receives, so the browser never spells them out itself.

            >>> JobStatus.vocabulary()["final"]
            ['cancelled', 'failed', 'pending', 'succeeded']
        """
        return {
            "running": sorted(s.value for s in cls.RUNNING),
            "final": sorted(s.value for s in cls.FINAL),
        }

    def __str__(self) -> str:
        return str(self.value)


_TERMINAL = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})
JobStatus.REPORTED = frozenset({JobStatus.QUEUED, JobStatus.IN_PROGRESS, *_TERMINAL})
JobStatus.RUNNING = frozenset(
    {
        JobStatus.WAITING,
        JobStatus.SUBMITTING,
        JobStatus.CREATING,
        JobStatus.QUEUED,
        JobStatus.IN_PROGRESS,
        JobStatus.DOWNLOADING,
    }
)
JobStatus.FINAL = frozenset({*_TERMINAL, JobStatus.PENDING})


@dataclass(frozen=True)
class VideoRequest:
    """One video to generate.

    Invalid values raise ``ValidationError`` at construction, naming the
    field and what is allowed for the model, so a bad request is never sent.

        >>> VideoRequest(model="kling-v1", prompt="a red fox in snow", duration=5).duration
        5
        >>> VideoRequest(model="sora-2", prompt="a fox", duration=7)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        vidwidgets.client._exceptions.ValidationError: [invalid_field] duration=7 is not allowed for sora-2: ...

    ``image`` is an http(s) URL, a ``data:image/...`` URI or a local file path (image-to-video);
    ``end_image`` the same for the last frame, on models that take one. ``audio`` asks for sound:
    ``True``/``False`` where the vendor generates it, the http(s) URL of a soundtrack for Wan.
    A size or resolution in the vendor's own spelling (``"1920*1080"``, ``"1080P"``) is kept in
    the catalog's (``"1920x1080"``, ``"1080p"``), so both spellings make the same request.
    Model-specific options (``cfg_scale``, ``camera_control`` for Kling; ``movement_amplitude``,
    ``bgm`` for Vidu) are rejected on models that do not take them. ``metadata`` is passed to
    the gateway as-is and overrides provider defaults.
    """

    model: str
    prompt: str
    _: KW_ONLY
    duration: int | None = None
    seconds: str | None = None
    size: str | None = None
    aspect_ratio: str | None = None
    resolution: str | None = None
    seed: int | None = None
    negative_prompt: str | None = None
    image: str | os.PathLike[str] | None = None
    end_image: str | os.PathLike[str] | None = None
    audio: bool | str | None = None
    mode: str | None = None
    cfg_scale: float | None = None
    camera_control: Mapping[str, Any] | None = None
    movement_amplitude: str | None = None
    bgm: bool | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("size", "resolution"):
            value = getattr(self, name)
            normal = normalise_value(name, value)
            if normal != value:
                object.__setattr__(self, name, normal)  # frozen: the one spelling, once
        validate_request_fields({f.name: getattr(self, f.name) for f in dataclasses.fields(self)})

    def __hash__(self) -> int:
        return hash(self.fingerprint())

    @property
    def spec(self) -> ModelSpec:
        return get_model_spec(self.model)

    @property
    def effective_duration(self) -> int | None:
        """The length in seconds the server will make (the model's default when unset)."""
        if self.seconds is not None:
            return int(self.seconds)
        if self.duration is not None:
            return self.duration
        return self.spec.default_duration

    def replace(self, **changes: Any) -> VideoRequest:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The fields that are set, as JSON-safe values (paths as strings)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None or (f.name == "metadata" and not value):
                continue
            if isinstance(value, os.PathLike):
                value = os.fspath(value)
            elif isinstance(value, Mapping):
                value = json.loads(json.dumps(value))
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VideoRequest:
        """Build a request from a dict such as ``to_dict()`` returns; unknown keys are errors."""
        names = {f.name for f in dataclasses.fields(cls)} - {"_"}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValidationError(
                unknown[0],
                data[unknown[0]],
                f"one of the VideoRequest fields: {', '.join(sorted(names))}",
            )
        for required in ("model", "prompt"):
            if required not in data:
                raise ValidationError(required, None, "a value: it is required")
        return cls(**dict(data))

    def fingerprint(self) -> str:
        """A stable hash of everything that determines the video (for caching and resuming).

        A local image counts by its content, so editing the file changes the fingerprint.
        """
        payload = self.to_dict()
        for name in ("image", "end_image"):
            image = getattr(self, name)
            if image is None or str(image).startswith(("http://", "https://", "data:")):
                continue
            try:
                payload[name] = "sha256:" + hashlib.sha256(Path(image).read_bytes()).hexdigest()
            except OSError:
                # gone or unreadable since validation: identify it by path; sending it is
                # refused later with a ValidationError naming the image, before any request
                payload[name] = "missing:" + os.fspath(image)
        encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(encoded.encode()).hexdigest()[:32]

    def __repr__(self) -> str:
        fields = []
        for key, value in self.to_dict().items():
            if (
                key in ("image", "end_image")
                and isinstance(value, str)
                and value.startswith("data:")
            ):
                value = f"<data URI, {len(value)} chars>"
            elif isinstance(value, str) and len(value) > 60:
                value = value[:57] + "..."
            fields.append(f"{key}={value!r}")
        return f"VideoRequest({', '.join(fields)})"


@dataclass(frozen=True)
class JobError:
    """Why a job failed: the server's code and message."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.code else self.message


@dataclass
class VideoJob:
    """A generation task on the server, as last seen.

    ``id`` is the server's task id; keep it (the client persists it before waiting) and a lost
    kernel can resume with ``client.wait(VideoJob(id=..., ...))``. ``raw`` is the last response
    body, ``path`` the downloaded file, ``cost`` the estimate and the gateway's applied ratios
    (``JobCost``; None for a job this client did not create). ``expected_seconds`` is how long
    ``wait`` expects the job to take from its create (what this client measured for the model,
    else the catalog's prior; the job's own progress rate once it reports one), or None.
    """

    id: str
    request: VideoRequest | None = None
    status: JobStatus = JobStatus.QUEUED
    progress: int | None = None
    url: str | None = None
    error: JobError | None = None
    api_format: str = "88api"
    created_at: float = field(default_factory=time.time)
    updated_at: float | None = None
    completed_at: float | None = None
    path: Path | None = None
    raw: Any = field(default=None, repr=False, compare=False)
    expected_seconds: float | None = field(default=None, repr=False, compare=False)
    cost: JobCost | None = field(default=None, repr=False, compare=False)

    @property
    def model(self) -> str | None:
        return self.request.model if self.request else None

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal

    @property
    def succeeded(self) -> bool:
        return self.status is JobStatus.SUCCEEDED

    @property
    def elapsed(self) -> float:
        """Seconds from creation to completion (or to now, while running)."""
        end = self.completed_at if self.completed_at is not None else time.time()
        return max(0.0, end - self.created_at)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe record for manifests (without the raw body)."""
        return {
            "id": self.id,
            "request": self.request.to_dict() if self.request else None,
            "status": self.status.value,
            "progress": self.progress,
            "url": self.url,
            "error": dataclasses.asdict(self.error) if self.error else None,
            "api_format": self.api_format,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "completed_at": self.completed_at,
            "path": os.fspath(self.path) if self.path else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VideoJob:
        request = data.get("request")
        error = data.get("error")
        return cls(
            id=str(data["id"]),
            request=VideoRequest.from_dict(request) if request else None,
            status=JobStatus(data.get("status", "queued")),
            progress=data.get("progress"),
            url=data.get("url"),
            error=JobError(**error) if error else None,
            api_format=data.get("api_format", "88api"),
            created_at=data.get("created_at") or time.time(),
            updated_at=data.get("updated_at"),
            completed_at=data.get("completed_at"),
            path=Path(data["path"]) if data.get("path") else None,
        )
