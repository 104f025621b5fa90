"""Turning a ``VideoRequest`` into the HTTP request each format and model family expects.

The gateway parses a fixed set of top-level fields (``prompt``, ``model``, ``mode``, ``image``,
``images``, ``size``, ``duration``, ``seconds``, ``input_reference``, ``metadata``) and silently
drops the rest; ``metadata`` keys override the provider's defaults. So every field the
provider needs but the gateway does not parse goes into ``metadata``, per family:

========  ==========================================================================
family    placement
========  ==========================================================================
kling     ``duration`` also as a *string* in metadata (a number makes the gateway fail),
          ``size`` picks the aspect ratio, negative_prompt/cfg_scale/camera_control in
          metadata, ``seed`` dropped (Kling ignores it)
jimeng    metadata ``req_key`` = model, ``aspect_ratio``, ``seed``
vidu      ``size`` carries the *resolution* ("720p"/"1080p"), metadata resolution, seed,
          movement_amplitude, bgm
sora      ``seconds`` as a string, ``size`` from the model's list; ``/v1/videos`` takes JSON,
          or multipart when the reference image is a local file (as the openai SDK sends it)
generic   the usual top-level fields; everything else in metadata
========  ==========================================================================

    >>> from vidwidgets.client._types import VideoRequest
    >>> prepared = prepare_create(VideoRequest(model="kling-v1", prompt="fox", duration=10), "88api")
    >>> prepared.path, prepared.json["metadata"]["duration"]
    ('/v1/video/generations', '10')
"""

from __future__ import annotations

import base64
import json
import logging
import os
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from vidwidgets.client._exceptions import ProtocolError, ValidationError
from vidwidgets.client._models import MAX_IMAGE_BYTES, ModelSpec
from vidwidgets.client._types import VideoRequest

__all__ = [
    "MAX_BODY_BYTES",
    "ROUTES",
    "ApiFormat",
    "PreparedRequest",
    "prepare_create",
    "route",
]

logger = logging.getLogger("vidwidgets")

ApiFormat = Literal["88api", "openai"]
API_FORMATS: Final[tuple[ApiFormat, ...]] = ("88api", "openai")

#: Gateways cap bodies near 4 MB; a base64 image of MAX_IMAGE_BYTES plus the other fields fits.
MAX_BODY_BYTES: Final[int] = MAX_IMAGE_BYTES * 4 // 3 + 96 * 1024

#: Routes per format. ``content`` is served for every task by the gateway's OpenAI routes.
ROUTES: Final[dict[ApiFormat, dict[str, tuple[str, str]]]] = {
    "88api": {
        "create": ("POST", "/v1/video/generations"),
        "retrieve": ("GET", "/v1/video/generations/{id}"),
        "content": ("GET", "/v1/videos/{id}/content"),
    },
    "openai": {
        "create": ("POST", "/v1/videos"),
        "retrieve": ("GET", "/v1/videos/{id}"),
        "content": ("GET", "/v1/videos/{id}/content"),
        "list": ("GET", "/v1/videos"),
        "delete": ("DELETE", "/v1/videos/{id}"),
        "remix": ("POST", "/v1/videos/{id}/remix"),
    },
}

_MAX_ID_CHARS = 512


def quote_id(task_id: str) -> str:
    """A task id made safe for a URL path segment; ids that could walk the path are refused.

    >>> quote_id("a/b")
    'a%2Fb'
    """
    if (
        not task_id
        or task_id in (".", "..")
        or len(task_id) > _MAX_ID_CHARS
        or any(ord(c) < 32 or c == "\x7f" for c in task_id)
    ):
        raise ProtocolError(
            f"unusable task id {task_id[:60]!r}",
            code="bad_task_id",
            hint="The server sent a task id that cannot be used in a URL; report it.",
        )
    return urllib.parse.quote(task_id, safe="")


def route(api_format: ApiFormat, name: str, task_id: str | None = None) -> tuple[str, str]:
    """(method, path) of an operation, or None-raising KeyError when the format lacks it."""
    method, path = ROUTES[api_format][name]
    if task_id is not None:
        path = path.replace("{id}", quote_id(task_id))
    return method, path


@dataclass
class PreparedRequest:
    """A create request ready to send: JSON, or multipart fields and files."""

    method: str
    path: str
    json: dict[str, Any] | None = None
    form: list[tuple[str, str]] = field(default_factory=list)
    files: list[tuple[str, str, bytes, str]] = field(default_factory=list)  # name, file, data, type
    size: int = 0

    @property
    def is_multipart(self) -> bool:
        return self.json is None

    def describe(self) -> dict[str, Any]:
        """The request without image data, for logs and debugging."""
        if self.json is not None:
            shown = {k: _shorten(v) for k, v in self.json.items()}
        else:
            shown = {k: _shorten(v) for k, v in self.form}
            for name, filename, data, _ in self.files:
                shown[name] = f"<file {filename}, {len(data)} bytes>"
        return {"method": self.method, "path": self.path, "body": shown, "bytes": self.size}


def _shorten(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 200:
        return value[:60] + f"...<{len(value)} chars>"
    if isinstance(value, dict):
        return {k: _shorten(v) for k, v in value.items()}
    return value


_MAGIC_TYPES: Final[tuple[tuple[bytes, str], ...]] = (
    (b"\x89PNG", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"RIFF", "image/webp"),
)


@dataclass(frozen=True)
class _Image:
    """An image reference: a URL/data URI as text, or a local file's bytes."""

    text: str | None = None
    data: bytes | None = None
    filename: str = "image"
    content_type: str = "application/octet-stream"

    def as_text(self) -> str:
        if self.text is not None:
            return self.text
        assert self.data is not None
        return f"data:{self.content_type};base64,{base64.b64encode(self.data).decode('ascii')}"


def _load_image(image: str | os.PathLike[str]) -> _Image:
    text = os.fspath(image)
    if text.startswith(("http://", "https://", "data:")):
        return _Image(text=text)
    path = Path(text)
    try:  # never more than the limit in memory, whatever the file has become
        with path.open("rb") as fh:
            data = fh.read(MAX_IMAGE_BYTES + 1)
    except OSError as exc:  # removed or unreadable since the request was validated
        raise ValidationError(
            "image",
            text,
            "an existing image file, an http(s) URL or a data URI",
            hint=f"The file could not be read ({exc.strerror or type(exc).__name__}).",
        ) from exc
    if len(data) > MAX_IMAGE_BYTES:  # the file may have grown since the request was validated
        raise ValidationError(
            "image", text, f"a file of at most {MAX_IMAGE_BYTES // 2**20} MiB", hint=_BIG_HINT
        )
    content_type = next((t for magic, t in _MAGIC_TYPES if data.startswith(magic)), None)
    if content_type is None:
        raise ValidationError("image", text, "a PNG, JPEG, WebP or GIF image")
    return _Image(data=data, filename=path.name, content_type=content_type)


_BIG_HINT = (
    "Gateways cap request bodies near 4 MB: shrink the image, or upload it and pass its https URL."
)


def _duration(request: VideoRequest) -> int | None:
    if request.seconds is not None:
        return int(request.seconds)
    return request.duration


def _aspect_ratio(request: VideoRequest, spec: ModelSpec) -> str | None:
    if request.aspect_ratio is not None:
        return request.aspect_ratio
    if request.size is not None:
        return spec.size_to_aspect_ratio(request.size)
    return None


def _resolution(request: VideoRequest, spec: ModelSpec) -> str | None:
    if request.resolution is not None:
        return request.resolution
    if request.size is not None:
        return spec.size_to_resolution(request.size)
    return None


def _drop(request: VideoRequest, name: str, why: str) -> None:
    if getattr(request, name) is not None:
        logger.debug("%s: %s not sent (%s)", request.model, name, why)


Body = dict[str, Any]
Meta = dict[str, Any]


def _kling(request: VideoRequest, spec: ModelSpec, body: Body, meta: Meta) -> None:
    duration = _duration(request)
    if duration is not None:
        body["duration"] = duration
        meta["duration"] = str(duration)  # the gateway fails with 500 on a number here
    if request.mode is not None:
        body["mode"] = request.mode
    if request.size is not None:
        body["size"] = request.size
    ratio = _aspect_ratio(request, spec)
    if ratio is not None:
        meta["aspect_ratio"] = ratio
    if request.negative_prompt is not None:
        meta["negative_prompt"] = request.negative_prompt
    if request.cfg_scale is not None:
        meta["cfg_scale"] = request.cfg_scale
    if request.camera_control is not None:
        meta["camera_control"] = dict(request.camera_control)
    _drop(request, "seed", "Kling ignores seeds")


def _jimeng(request: VideoRequest, spec: ModelSpec, body: Body, meta: Meta) -> None:
    duration = _duration(request)
    if duration is not None:
        body["duration"] = duration
    meta["req_key"] = request.model
    ratio = _aspect_ratio(request, spec)
    if ratio is not None:
        meta["aspect_ratio"] = ratio
    if request.seed is not None:
        meta["seed"] = request.seed
    if request.negative_prompt is not None:
        meta["negative_prompt"] = request.negative_prompt


def _vidu(request: VideoRequest, spec: ModelSpec, body: Body, meta: Meta) -> None:
    duration = _duration(request)
    if duration is not None:
        body["duration"] = duration
    resolution = _resolution(request, spec)
    if resolution is not None:
        body["size"] = resolution  # the Vidu adaptor reads size as the resolution
        meta["resolution"] = resolution
    for name in ("seed", "movement_amplitude", "bgm", "negative_prompt"):
        value = getattr(request, name)
        if value is not None:
            meta[name] = value


def _sora(request: VideoRequest, spec: ModelSpec, body: Body, meta: Meta) -> None:
    duration = _duration(request)
    if duration is not None:
        body["seconds"] = str(duration)  # the official API rejects an integer
    if request.size is not None:
        body["size"] = request.size
    _drop(request, "seed", "Sora takes no seed")
    _drop(request, "negative_prompt", "Sora takes no negative prompt")


def _generic(request: VideoRequest, spec: ModelSpec, body: Body, meta: Meta) -> None:
    duration = _duration(request)
    if duration is not None:
        body["duration"] = duration
    for name in ("size", "mode"):
        value = getattr(request, name)
        if value is not None:
            body[name] = value
    for name in (
        "seed",
        "negative_prompt",
        "aspect_ratio",
        "resolution",
        "cfg_scale",
        "movement_amplitude",
        "bgm",
    ):
        value = getattr(request, name)
        if value is not None:
            meta[name] = value
    if request.camera_control is not None:
        meta["camera_control"] = dict(request.camera_control)


#: family -> how its fields are placed
FAMILY_MAPPERS: Final[dict[str, Callable[[VideoRequest, ModelSpec, Body, Meta], None]]] = {
    "kling": _kling,
    "jimeng": _jimeng,
    "vidu": _vidu,
    "sora": _sora,
    "generic": _generic,
}


def prepare_create(
    request: VideoRequest, api_format: ApiFormat, *, max_body_bytes: int = MAX_BODY_BYTES
) -> PreparedRequest:
    """The create request for ``request`` in ``api_format``; raises ``ValidationError`` (and
    sends nothing) when the body would exceed ``max_body_bytes``."""
    spec = request.spec
    method, path = route(api_format, "create")
    body: Body = {"model": request.model, "prompt": request.prompt}
    meta: Meta = {}
    FAMILY_MAPPERS[spec.family](request, spec, body, meta)
    meta.update(request.metadata)  # the user's metadata has the last word
    image = _load_image(request.image) if request.image is not None else None
    sora_route = spec.family == "sora" and api_format == "openai"

    if sora_route and image is not None and image.data is not None:
        # multipart/form-data, as the openai SDK sends a file
        form = [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in body.items()]
        if meta:
            form.append(("metadata", json.dumps(meta)))
        files = [("input_reference", image.filename, image.data, image.content_type)]
        size = sum(len(k) + len(v) + 100 for k, v in form) + len(image.data) + 200
        prepared = PreparedRequest(method, path, json=None, form=form, files=files, size=size)
    else:
        if image is not None:
            if sora_route:
                body["input_reference"] = {"image_url": image.as_text()}
            else:
                body["image"] = image.as_text()
        if meta:
            body["metadata"] = meta
        size = len(json.dumps(body, ensure_ascii=False).encode())
        prepared = PreparedRequest(method, path, json=body, size=size)
    if prepared.size > max_body_bytes:
        raise ValidationError(
            "image",
            f"<{prepared.size} bytes of request>",
            f"a request body of at most {max_body_bytes // 1024} KiB",
            model=request.model,
            hint=_BIG_HINT,
        )
    return prepared
