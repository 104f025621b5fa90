"""Turning a ``VideoRequest`` into the HTTP request each format and model family expects.

The gateway parses a fixed set of top-level fields (``prompt``, ``model``, ``mode``, ``image``,
``images``, ``size``, ``duration``, ``seconds``, ``input_reference``, ``metadata``) and silently
drops the rest; ``metadata`` keys override the provider's defaults. So every field the
provider needs but the gateway does not parse goes into ``metadata``, per family:

Where each value goes is data: ``WIRE`` holds one table per vendor family (the plugins' rules
in the reference notes), ``SOURCES`` the values those tables place, ``MODEL_WIRE`` the few
models that differ from their family. In short:

========  ==========================================================================
family    placement
========  ==========================================================================
kling     ``duration`` also as a *string* in metadata (a number makes the gateway fail),
          ``size`` picks the aspect ratio, ``metadata.negative_prompt``/``cfg_scale``/
          ``camera_control``/``image_tail`` (last frame)/``sound``; kling-v2-master ``pro``
jimeng    metadata ``req_key`` = model, ``aspect_ratio``, ``seed``
vidu      ``size`` carries the *resolution*, metadata resolution, seed, movement_amplitude,
          bgm; ``images[]`` (two: start and end frame)
hailuo    images only as ``metadata.first_frame_image``/``last_frame_image``
          (S2V-01: ``subject_reference``), resolution spelled ``768P``
veo       ``metadata.negativePrompt``/``seed``/``generateAudio``/``resolution``/
          ``aspectRatio``; the image inline (a data URL, see ``inline_images``)
seedance  ``seconds`` as an integer string (``duration`` is not read), ``metadata.resolution``
          /``ratio``/``seed``/``generate_audio``, ``images[]``
wan       t2v ``size`` as ``W*H``; i2v resolution ``720P``; ``metadata.input.img_url``/
          ``negative_prompt``/``audio_url``, ``metadata.parameters.seed``
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


def _load_image(image: str | os.PathLike[str], name: str = "image") -> _Image:
    text = os.fspath(image)
    if text.startswith(("http://", "https://", "data:")):
        return _Image(text=text)
    path = Path(text)
    try:  # never more than the limit in memory, whatever the file has become
        with path.open("rb") as fh:
            data = fh.read(MAX_IMAGE_BYTES + 1)
    except OSError as exc:  # removed or unreadable since the request was validated
        raise ValidationError(
            name,
            text,
            "an existing image file, an http(s) URL or a data URI",
            hint=f"The file could not be read ({exc.strerror or type(exc).__name__}).",
        ) from exc
    if len(data) > MAX_IMAGE_BYTES:  # the file may have grown since the request was validated
        raise ValidationError(
            name, text, f"a file of at most {MAX_IMAGE_BYTES // 2**20} MiB", hint=_BIG_HINT
        )
    return _Image(data=data, filename=path.name, content_type=_image_type(data, name, text))


def _image_type(data: bytes, name: str, where: str) -> str:
    content_type = next((t for magic, t in _MAGIC_TYPES if data.startswith(magic)), None)
    if content_type is None or (content_type == "image/webp" and data[8:12] != b"WEBP"):
        raise ValidationError(name, where, "a PNG, JPEG, WebP or GIF image")
    return content_type


def image_data_url(data: bytes, name: str = "image", where: str = "<image>") -> str:
    """``data`` as a ``data:image/...;base64,`` URL.

    Raises ``ValidationError`` naming ``name`` when it is not a PNG, JPEG, WebP or GIF image
    (``where`` says where it came from).
    """
    content_type = _image_type(data, name, where)
    return _Image(data=data, content_type=content_type).as_text()


_BIG_HINT = (
    "Gateways cap request bodies near 4 MB: shrink the image, or upload it and pass its https URL."
)


Body = dict[str, Any]
Meta = dict[str, Any]


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
    return spec.resolution_for(_duration(request))


def _mode(request: VideoRequest, spec: ModelSpec) -> str | None:
    if request.mode is not None:
        return request.mode
    # a model with one mode that is not the gateway's default (kling-v2-master: pro only)
    return spec.modes[0] if len(spec.modes) == 1 else None


def _image_text(request: VideoRequest, spec: ModelSpec, name: str) -> str | None:
    image = getattr(request, name)
    if image is None:
        return None
    text = _load_image(image, name).as_text()
    if spec.inline_images and not text.startswith("data:"):
        raise ValidationError(
            name,
            text,
            f"an inline image (a data URL) for {spec.name}: the gateway ignores image URLs",
            model=request.model,
            hint="Let the client inline it first (await inline_images(request)).",
        )
    return text


def _images(request: VideoRequest, spec: ModelSpec) -> list[str] | None:
    shown = [_image_text(request, spec, name) for name in ("image", "end_image")]
    images = [text for text in shown if text is not None]
    return images or None


def _subject(request: VideoRequest, spec: ModelSpec) -> list[dict[str, Any]] | None:
    image = _image_text(request, spec, "image")
    return None if image is None else [{"type": "character", "image": [image]}]


Source = Callable[[VideoRequest, ModelSpec], Any]

#: Values the tables below place, by name: a request field as it is, or one worked out.
SOURCES: Final[dict[str, Source]] = {
    "length": lambda r, s: _duration(r),
    "aspect": _aspect_ratio,
    "resolution": _resolution,
    "mode": _mode,
    "req_key": lambda r, s: r.model,
    "image": lambda r, s: _image_text(r, s, "image"),
    "end_image": lambda r, s: _image_text(r, s, "end_image"),
    "images": _images,
    "subject": _subject,
    "camera_control": lambda r, s: None if r.camera_control is None else dict(r.camera_control),
}


def _source(name: str) -> Source:
    return SOURCES.get(name) or (lambda r, s: getattr(r, name))


def _on_off(value: Any) -> str:
    return "on" if value else "off"


def _star(size: str) -> str:
    return size.replace("x", "*")  # Wan writes 1920*1080


#: (what, where it goes, how it is written): "metadata.input.img_url" is a nested key.
Place = tuple[str, str, Callable[[Any], Any] | None]

#: family -> where each value goes on the wire (the vendor plugins' rules, reference notes)
WIRE: Final[dict[str, tuple[Place, ...]]] = {
    "kling": (
        ("length", "duration", None),
        ("length", "metadata.duration", str),  # the gateway fails with 500 on a number here
        ("mode", "mode", None),
        ("size", "size", None),
        ("aspect", "metadata.aspect_ratio", None),
        ("negative_prompt", "metadata.negative_prompt", None),
        ("cfg_scale", "metadata.cfg_scale", None),
        ("camera_control", "metadata.camera_control", None),
        ("image", "image", None),
        ("end_image", "metadata.image_tail", None),
        ("audio", "metadata.sound", _on_off),
    ),
    "jimeng": (
        ("length", "duration", None),
        ("req_key", "metadata.req_key", None),
        ("aspect", "metadata.aspect_ratio", None),
        ("seed", "metadata.seed", None),
        ("image", "image", None),  # the gateway sends URLs as image_urls, the rest as base64
    ),
    "vidu": (
        ("length", "duration", None),
        ("resolution", "size", None),  # the Vidu plugin reads size as the resolution
        ("resolution", "metadata.resolution", None),
        ("seed", "metadata.seed", None),
        ("movement_amplitude", "metadata.movement_amplitude", None),
        ("bgm", "metadata.bgm", None),
        ("audio", "metadata.bgm", None),
        ("images", "images", None),  # one: image-to-video, two: start-end
    ),
    "hailuo": (
        ("length", "duration", None),
        ("resolution", "resolution", str.upper),
        ("resolution", "metadata.resolution", str.upper),
        ("image", "metadata.first_frame_image", None),  # a top-level image is not sent on
        ("end_image", "metadata.last_frame_image", None),
    ),
    "veo": (
        ("length", "duration", None),
        ("resolution", "metadata.resolution", None),
        ("aspect", "metadata.aspectRatio", None),
        ("seed", "metadata.seed", None),
        ("negative_prompt", "metadata.negativePrompt", None),
        ("audio", "metadata.generateAudio", None),
        ("image", "image", None),  # inline only (a data URL)
    ),
    "seedance": (
        ("length", "seconds", str),  # duration is not read
        ("resolution", "metadata.resolution", None),
        ("aspect", "metadata.ratio", None),
        ("seed", "metadata.seed", None),
        ("audio", "metadata.generate_audio", None),
        ("images", "images", None),
    ),
    "wan": (
        ("length", "duration", None),
        ("size", "size", _star),  # text-to-video
        ("resolution", "metadata.parameters.resolution", str.upper),  # image-to-video
        ("seed", "metadata.parameters.seed", None),
        ("image", "metadata.input.img_url", None),
        ("negative_prompt", "metadata.input.negative_prompt", None),
        ("audio", "metadata.input.audio_url", None),
    ),
    "sora": (
        ("length", "seconds", str),  # the official API rejects an integer
        ("size", "size", None),
        # the image goes as input_reference (JSON or multipart), see prepare_create
    ),
    "generic": (
        ("length", "duration", None),
        ("size", "size", None),
        ("mode", "mode", None),
        *(
            (name, f"metadata.{name}", None)
            for name in (
                "seed",
                "negative_prompt",
                "aspect_ratio",
                "resolution",
                "cfg_scale",
                "camera_control",
                "movement_amplitude",
                "bgm",
                "audio",
            )
        ),
        ("image", "image", None),
        ("end_image", "metadata.end_image", None),
    ),
}

#: model -> places that differ from its family's
MODEL_WIRE: Final[dict[str, dict[str, Place]]] = {
    "S2V-01": {"image": ("subject", "metadata.subject_reference", None)},
}


def _put(body: Body, path: str, value: Any) -> None:
    *parents, key = path.split(".")
    target = body
    for parent in parents:
        target = target.setdefault(parent, {})
    target[key] = value


def _complete_wan(request: VideoRequest, body: Body) -> None:
    """Repeat the prompt, length and size in Wan's ``metadata.input`` and ``metadata.parameters``.

    Those may replace the plugin's own objects whole: repeated in them, nothing is lost either
    way.
    """
    meta = body.get("metadata", {})
    if "input" in meta:
        meta["input"].setdefault("prompt", request.prompt)
    if "parameters" in meta:
        for key in ("duration", "size"):
            if key in body:
                meta["parameters"].setdefault(key, body[key])


#: family -> a last step after the table, for what a table cannot say
FINISH: Final[dict[str, Callable[[VideoRequest, Body], None]]] = {"wan": _complete_wan}


def map_fields(request: VideoRequest, spec: ModelSpec) -> Body:
    """The create body for ``request`` by its family's table (without the Sora image).

    >>> from vidwidgets.client._types import VideoRequest
    >>> map_fields(VideoRequest(model="wan2.7-t2v", prompt="fox", size="1920x1080"),
    ...            VideoRequest(model="wan2.7-t2v", prompt="x").spec)["size"]
    '1920*1080'
    """
    body: Body = {"model": request.model, "prompt": request.prompt}
    overrides = MODEL_WIRE.get(spec.name, {})
    for place in WIRE[spec.family]:
        what, path, write = overrides.get(place[0], place)
        value = _source(what)(request, spec)
        if value is not None:
            _put(body, path, write(value) if write is not None else value)
    finish = FINISH.get(spec.family)
    if finish is not None:
        finish(request, body)
    return body


def prepare_create(
    request: VideoRequest, api_format: ApiFormat, *, max_body_bytes: int = MAX_BODY_BYTES
) -> PreparedRequest:
    """The create request for ``request`` in ``api_format``.

    Raises:
        ValidationError: (and nothing is sent) when the body would exceed ``max_body_bytes``,
            or a model that takes only inline images still has an image URL.
    """
    spec = request.spec
    method, path = route(api_format, "create")
    body = map_fields(request, spec)
    meta: Meta = body.pop("metadata", {})
    meta.update(request.metadata)  # the user's metadata has the last word
    image = _load_image(request.image) if request.image is not None else None
    if spec.family == "sora" and image is not None:
        if api_format == "openai" and image.data is not None:
            prepared = _multipart(method, path, body, meta, image)
            _check_size(prepared, request, max_body_bytes)
            return prepared
        if api_format == "openai":
            body["input_reference"] = {"image_url": image.as_text()}
        else:
            body["image"] = image.as_text()
    if meta:
        body["metadata"] = meta
    size = len(json.dumps(body, ensure_ascii=False).encode())
    prepared = PreparedRequest(method, path, json=body, size=size)
    _check_size(prepared, request, max_body_bytes)
    return prepared


def _multipart(method: str, path: str, body: Body, meta: Meta, image: _Image) -> PreparedRequest:
    """multipart/form-data, as the openai SDK sends a file."""
    assert image.data is not None
    form = [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in body.items()]
    if meta:
        form.append(("metadata", json.dumps(meta)))
    files = [("input_reference", image.filename, image.data, image.content_type)]
    size = sum(len(k) + len(v) + 100 for k, v in form) + len(image.data) + 200
    return PreparedRequest(method, path, json=None, form=form, files=files, size=size)


def _check_size(prepared: PreparedRequest, request: VideoRequest, max_body_bytes: int) -> None:
    if prepared.size > max_body_bytes:
        raise ValidationError(
            "image",
            f"<{prepared.size} bytes of request>",
            f"a request body of at most {max_body_bytes // 1024} KiB",
            model=request.model,
            hint=_BIG_HINT,
        )
