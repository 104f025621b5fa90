"""Checking a request against the catalog, before anything is sent.

Every value a model would refuse is refused here, with a ``ValidationError`` that names the
field, the value and what this model allows.

    >>> validate_request_fields({"model": "veo-3.1-generate-preview", "prompt": "a fox",
    ...                          "duration": 5})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    vidwidgets.ValidationError: [invalid_field] duration=5 is not allowed ...
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vidwidgets.client._exceptions import ValidationError
from vidwidgets.client._models import (
    _SIZE_RE,
    CAMERA_AXES,
    CAMERA_CONTROL_TYPES,
    GENERIC_MAX_SECONDS,
    MAX_IMAGE_BYTES,
    MAX_METADATA_BYTES,
    MAX_SEED,
    MODELS,
    MOVEMENT_AMPLITUDES,
    ModelSpec,
    get_model_spec,
)

__all__ = ["validate_request_fields"]

_IMAGE_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"RIFF",
)  # png, jpeg, gif, webp (RIFF....WEBP)

#: the hint of every refused seed: a seedless model makes independent takes instead
SAMPLES_HINT = "For independent takes of one request, ask for samples=n instead of seeds."


def _choices(values: tuple[Any, ...]) -> str:
    shown = [repr(v) if isinstance(v, str) else str(v) for v in values]
    if len(shown) == 1:
        return shown[0]
    if (
        len(shown) > 4
        and all(_is_int(v) for v in values)
        and list(values) == list(range(values[0], values[-1] + 1))
    ):
        return f"a whole number from {values[0]} to {values[-1]}"
    return ", ".join(shown[:-1]) + " or " + shown[-1]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _nothing(spec: ModelSpec, what: str) -> str:
    others = sorted(
        {s.vendor for s in MODELS.values() if s.family != spec.family and _takes(s, what)}
    )
    where = f" (these vendors take it: {', '.join(others)})" if others else ""
    return f"nothing: {spec.name} takes no {what}{where}"


def _takes(spec: ModelSpec, what: str) -> bool:
    return {
        "seed": spec.uses_seed,
        "negative prompt": spec.uses_negative_prompt,
        "audio": spec.uses_audio,
        "end frame": spec.end_frame,
    }[what]


def validate_request_fields(fields: Mapping[str, Any]) -> None:
    """Raise ``ValidationError`` for the first field the model would reject.

    ``fields`` are a VideoRequest's fields by name, already normalised (see
    ``normalise_value``). Nothing here does network I/O; a local image file is checked for
    existence, type and size.

    Raises:
        ValidationError: naming the field, the value and what ``fields["model"]`` allows.
    """
    model = fields["model"]
    if not isinstance(model, str) or not model.strip() or len(model) > 100 or " " in model:
        raise ValidationError(
            "model", model, f"a model name such as {_choices(tuple(MODELS)[:4])}, or any other"
        )
    spec = get_model_spec(model)
    _validate_prompt(spec, fields["prompt"])
    _validate_duration(spec, fields.get("duration"), fields.get("seconds"))
    _validate_geometry(
        spec, fields.get("size"), fields.get("aspect_ratio"), fields.get("resolution")
    )
    _validate_length_at(spec, fields)
    _validate_seed(spec, fields.get("seed"))
    _validate_negative(spec, fields.get("negative_prompt"))
    mode = fields.get("mode")
    if mode is not None and mode not in spec.modes and spec.known:
        allowed = _choices(spec.modes) if spec.modes else f"nothing: {spec.name} has no mode"
        raise ValidationError("mode", mode, allowed, model=spec.name)
    _validate_options(spec, fields)
    _validate_audio(spec, fields.get("audio"), fields.get("bgm"))
    _validate_images(spec, fields.get("image"), fields.get("end_image"))
    _validate_metadata(fields.get("metadata"), spec.name)


def _validate_prompt(spec: ModelSpec, prompt: Any) -> None:
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValidationError(
            "prompt", prompt, "a non-empty text describing the video", model=spec.name
        )
    if len(prompt) > spec.max_prompt_chars:
        raise ValidationError(
            "prompt",
            prompt,
            f"at most {spec.max_prompt_chars} characters (this one has {len(prompt)})",
            model=spec.name,
            hint="Shorten the prompt.",
        )


def _validate_seed(spec: ModelSpec, seed: Any) -> None:
    if seed is None:
        return
    if not _is_int(seed) or not 0 <= seed <= MAX_SEED:
        raise ValidationError(
            "seed", seed, f"a whole number from 0 to {MAX_SEED}, or None", model=spec.name
        )
    if not spec.uses_seed:
        # the vendor drops it: the same seed would not give the same video
        raise ValidationError(
            "seed",
            seed,
            f"nothing: {spec.name} ignores seeds ({spec.vendor} makes a new take every time)",
            model=spec.name,
            hint=SAMPLES_HINT,
        )


def _validate_negative(spec: ModelSpec, negative: Any) -> None:
    if negative is None:
        return
    if not isinstance(negative, str) or len(negative) > 2500:
        raise ValidationError(
            "negative_prompt", negative, "text of at most 2500 characters", model=spec.name
        )
    if not spec.uses_negative_prompt:
        raise ValidationError(
            "negative_prompt",
            negative,
            _nothing(spec, "negative prompt"),
            model=spec.name,
            hint="Say what to avoid in the prompt itself.",
        )


def _validate_duration(spec: ModelSpec, duration: Any, seconds: Any) -> None:
    name = spec.name
    field = "duration"
    if seconds is not None:
        duration = _seconds_as_duration(spec, duration, seconds)
        field = "seconds"
    if duration is None:
        return
    if not _is_int(duration):
        raise ValidationError(field, duration, "a whole number of seconds", model=name)
    if spec.durations and not spec.free_duration:
        if duration not in spec.durations:
            raise ValidationError(field, duration, f"choose {_choices(spec.durations)}", model=name)
    elif not 1 <= duration <= GENERIC_MAX_SECONDS:
        raise ValidationError(field, duration, f"1 to {GENERIC_MAX_SECONDS} seconds", model=name)


def _seconds_as_duration(spec: ModelSpec, duration: Any, seconds: Any) -> int:
    name = spec.name
    if not isinstance(seconds, str):
        allowed = (
            f"a string: {_choices(tuple(str(d) for d in spec.durations))}"
            if spec.durations
            else "a string of whole seconds, e.g. '5'"
        )
        raise ValidationError(
            "seconds",
            seconds,
            allowed,
            model=name,
            hint=f"Write seconds={str(seconds)!r}, or use duration={seconds!r}.",
        )
    if not seconds.isdigit():
        raise ValidationError("seconds", seconds, "a string of whole seconds, e.g. '4'", model=name)
    if duration is not None and int(seconds) != duration:
        raise ValidationError(
            "seconds",
            seconds,
            f"the same length as duration={duration}, or leave one unset",
            model=name,
        )
    return int(seconds)


def _validate_length_at(spec: ModelSpec, fields: Mapping[str, Any]) -> None:
    """Some lengths exist only at some resolutions (Hailuo: 10 s only at 768P)."""
    if not spec.durations_at:
        return
    seconds = fields.get("seconds")
    duration = int(seconds) if seconds is not None else fields.get("duration")
    resolution = fields.get("resolution")
    size = fields.get("size")
    if resolution is None and size is not None:
        resolution = spec.size_to_resolution(size)
    if duration is None or resolution is None:
        return  # an unset resolution is chosen to fit the length (ModelSpec.resolution_for)
    allowed = spec.lengths_at(resolution)
    if duration not in allowed:
        fits = [r for r in spec.resolutions if duration in spec.lengths_at(r)]
        raise ValidationError(
            "seconds" if seconds is not None else "duration",
            duration,
            f"choose {_choices(allowed)} at {resolution}",
            model=spec.name,
            hint=f"{duration} s needs resolution={_choices(tuple(fits))}." if fits else None,
        )


def _validate_geometry(spec: ModelSpec, size: Any, aspect_ratio: Any, resolution: Any) -> None:
    if size is not None:
        _validate_size(spec, size)
    if aspect_ratio is not None:
        _validate_aspect(spec, size, aspect_ratio)
    if resolution is not None:
        _validate_resolution(spec, size, resolution)


def _validate_size(spec: ModelSpec, size: Any) -> None:
    name = spec.name
    if not isinstance(size, str) or not _SIZE_RE.match(size):
        raise ValidationError("size", size, "WIDTHxHEIGHT, e.g. '1280x720'", model=name)
    if spec.sizes and size not in spec.sizes:
        raise ValidationError("size", size, _choices(spec.sizes), model=name)
    if spec.sizes or spec.free_size:
        return
    # The model has no size parameter: accept a size only where it maps exactly.
    if spec.resolutions and spec.size_to_resolution(size) is None:
        raise ValidationError(
            "size",
            size,
            f"{name} takes resolution={_choices(spec.resolutions)} instead of a size",
            model=name,
        )
    if spec.aspect_ratios and not spec.resolutions and spec.size_to_aspect_ratio(size) is None:
        raise ValidationError(
            "size",
            size,
            f"{name} takes aspect_ratio={_choices(spec.aspect_ratios)} instead of a size",
            model=name,
        )
    if not spec.resolutions and not spec.aspect_ratios:
        raise ValidationError("size", size, f"nothing: {name} has no size", model=name)


def _validate_aspect(spec: ModelSpec, size: Any, aspect_ratio: Any) -> None:
    name = spec.name
    if spec.free_size:
        if not isinstance(aspect_ratio, str) or not re.match(r"^\d{1,2}:\d{1,2}$", aspect_ratio):
            raise ValidationError("aspect_ratio", aspect_ratio, "W:H, e.g. '16:9'", model=name)
    elif aspect_ratio not in spec.aspect_ratios:
        allowed = (
            _choices(spec.aspect_ratios)
            if spec.aspect_ratios
            else f"nothing: {name} sets its shape with size"
        )
        raise ValidationError("aspect_ratio", aspect_ratio, allowed, model=name)
    if size is not None and spec.aspect_ratios and spec.size_to_aspect_ratio(size) != aspect_ratio:
        raise ValidationError(
            "aspect_ratio",
            aspect_ratio,
            f"the ratio of size={size!r}, or leave one unset",
            model=name,
        )


def _validate_resolution(spec: ModelSpec, size: Any, resolution: Any) -> None:
    name = spec.name
    if spec.free_size:
        if not isinstance(resolution, str) or not re.match(r"^(\d{3,4}p|[248]k)$", resolution):
            raise ValidationError("resolution", resolution, "e.g. '720p' or '1080p'", model=name)
        return
    if resolution not in spec.resolutions:
        allowed = (
            _choices(spec.resolutions)
            if spec.resolutions
            else f"nothing: {name} sets its shape with size or aspect_ratio"
        )
        raise ValidationError("resolution", resolution, allowed, model=name)
    if size is not None and spec.size_to_resolution(size) != resolution:
        raise ValidationError(
            "resolution",
            resolution,
            f"the resolution of size={size!r}, or leave one unset",
            model=name,
        )


def _validate_audio(spec: ModelSpec, audio: Any, bgm: Any) -> None:
    if audio is None:
        return
    name = spec.name
    is_url = isinstance(audio, str) and audio.startswith(("http://", "https://"))
    if spec.audio == "none":
        raise ValidationError("audio", audio, _nothing(spec, "audio"), model=name)
    if spec.audio == "switch" and not isinstance(audio, bool):
        raise ValidationError(
            "audio", audio, f"True or False ({spec.vendor} makes its own sound)", model=name
        )
    if spec.audio == "track" and not is_url:
        raise ValidationError(
            "audio",
            audio,
            f"the http(s) URL of a soundtrack ({spec.vendor} takes no on/off switch)",
            model=name,
        )
    if spec.audio == "any" and not (isinstance(audio, bool) or is_url):
        raise ValidationError("audio", audio, "True, False or an http(s) URL", model=name)
    if is_url and (len(audio) > 4096 or any(c.isspace() for c in audio)):
        raise ValidationError("audio", audio, "a well-formed http(s) URL", model=name)
    if bgm is not None and spec.family == "vidu" and bgm != audio:
        # both are Vidu's background music switch
        raise ValidationError(
            "audio", audio, f"the same as bgm={bgm}, or leave one unset", model=name
        )


def _validate_images(spec: ModelSpec, image: Any, end_image: Any) -> None:
    name = spec.name
    if image is None:
        if spec.image == "required":
            raise ValidationError(
                "image",
                None,
                "an image URL or file: this is an image-to-video model",
                model=name,
                hint="Pass image='https://…/frame.png' or a local file path.",
            )
        if end_image is not None:
            raise ValidationError(
                "end_image", end_image, "a last frame only together with image=", model=name
            )
        return
    if spec.image == "none":
        i2v = [s.name for s in MODELS.values() if s.family == spec.family and s.image != "none"]
        raise ValidationError(
            "image",
            image,
            "nothing: this is a text-to-video model",
            model=name,
            hint=f"Use {i2v[0]} for image-to-video." if i2v else None,
        )
    _validate_image_ref("image", image, name)
    if end_image is not None:
        if not spec.end_frame:
            raise ValidationError("end_image", end_image, _nothing(spec, "end frame"), model=name)
        _validate_image_ref("end_image", end_image, name)


def _validate_options(spec: ModelSpec, fields: Mapping[str, Any]) -> None:
    name = spec.name
    for option in ("cfg_scale", "camera_control", "movement_amplitude", "bgm"):
        value = fields.get(option)
        if value is None:
            continue
        if option not in spec.options:
            owners = sorted({s.family for s in MODELS.values() if option in s.options})
            raise ValidationError(
                option, value, f"nothing: only {', '.join(owners)} models take {option}", model=name
            )
    cfg = fields.get("cfg_scale")
    if cfg is not None and (
        isinstance(cfg, bool)
        or not isinstance(cfg, (int, float))
        or not 0 <= cfg <= 1
        or math.isnan(cfg)
    ):
        raise ValidationError("cfg_scale", cfg, "a number from 0 to 1 (default 0.5)", model=name)
    camera = fields.get("camera_control")
    if camera is not None:
        _validate_camera(camera, name)
    amplitude = fields.get("movement_amplitude")
    if amplitude is not None and amplitude not in MOVEMENT_AMPLITUDES:
        raise ValidationError(
            "movement_amplitude", amplitude, _choices(MOVEMENT_AMPLITUDES), model=name
        )
    bgm = fields.get("bgm")
    if bgm is not None and not isinstance(bgm, bool):
        raise ValidationError("bgm", bgm, "True or False", model=name)


def _validate_camera(camera: Any, model: str) -> None:
    if not isinstance(camera, Mapping) or camera.get("type") not in CAMERA_CONTROL_TYPES:
        raise ValidationError(
            "camera_control",
            camera,
            f"a dict with type {_choices(CAMERA_CONTROL_TYPES)}",
            model=model,
        )
    extra = set(camera) - {"type", "config"}
    if extra:
        raise ValidationError(
            "camera_control", camera, "only the keys 'type' and 'config'", model=model
        )
    config = camera.get("config")
    if camera["type"] != "simple":
        if config:
            raise ValidationError(
                "camera_control.config", config, f"nothing for type {camera['type']!r}", model=model
            )
        return
    if not isinstance(config, Mapping) or set(config) - set(CAMERA_AXES):
        raise ValidationError(
            "camera_control.config", config, f"a dict of {_choices(CAMERA_AXES)}", model=model
        )
    moved = 0
    for axis, value in config.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not -10 <= value <= 10:
            raise ValidationError(f"camera_control.config.{axis}", value, "-10 to 10", model=model)
        moved += value != 0
    if moved != 1:
        raise ValidationError(
            "camera_control.config",
            config,
            "exactly one non-zero axis for type 'simple'",
            model=model,
        )


def _validate_image_ref(field: str, image: Any, name: str) -> None:
    """An http(s) URL, a data:image URI or a readable local image file of a sendable size."""
    if isinstance(image, str) and image.startswith(("http://", "https://")):
        if len(image) > 4096 or any(c.isspace() for c in image):
            raise ValidationError(field, image, "a well-formed http(s) URL", model=name)
        return
    if isinstance(image, str) and image.startswith("data:"):
        if not image.startswith("data:image/") or ";base64," not in image:
            raise ValidationError(field, image, "a data:image/...;base64,... URI", model=name)
        raw_size = (len(image) - image.index(",") - 1) * 3 // 4
        if raw_size > MAX_IMAGE_BYTES:
            raise ValidationError(
                field,
                f"<data URI of {raw_size} bytes>",
                f"an image of at most {MAX_IMAGE_BYTES // 2**20} MiB",
                model=name,
                hint=_BIG_IMAGE_HINT,
            )
        return
    if not isinstance(image, (str, os.PathLike)):
        raise ValidationError(
            field, image, "an http(s) URL, a data URI or a local file path", model=name
        )
    _validate_image_file(field, Path(image), name)


def _validate_image_file(field: str, path: Path, name: str) -> None:
    if not path.is_file():
        raise ValidationError(
            field,
            str(path),
            "an existing image file, an http(s) URL or a data URI",
            model=name,
            hint="Check the path (it is relative to the kernel's working directory).",
        )
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        raise ValidationError(
            field,
            str(path),
            f"a file of at most {MAX_IMAGE_BYTES // 2**20} MiB (this one is {size / 2**20:.1f} MiB)",
            model=name,
            hint=_BIG_IMAGE_HINT,
        )
    with path.open("rb") as fh:
        head = fh.read(12)
    if not head.startswith(_IMAGE_MAGIC) or (head.startswith(b"RIFF") and head[8:12] != b"WEBP"):
        raise ValidationError(field, str(path), "a PNG, JPEG, WebP or GIF image", model=name)


_BIG_IMAGE_HINT = (
    "Gateways cap request bodies near 4 MB: shrink the image, or upload it and pass its https URL."
)


def _validate_metadata(metadata: Any, model: str) -> None:
    if metadata is None:
        return
    if not isinstance(metadata, Mapping) or not all(isinstance(k, str) for k in metadata):
        raise ValidationError("metadata", metadata, "a dict with string keys", model=model)
    if "model" in metadata:
        raise ValidationError(
            "metadata.model",
            metadata["model"],
            "nothing: the gateway drops it; set model= instead",
            model=model,
        )
    try:
        encoded = json.dumps(metadata, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            "metadata", metadata, f"JSON-serialisable values only ({exc})", model=model
        ) from None
    if len(encoded) > MAX_METADATA_BYTES:
        raise ValidationError(
            "metadata", metadata, f"at most {MAX_METADATA_BYTES // 1024} KiB as JSON", model=model
        )
