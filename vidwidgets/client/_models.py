"""What each model accepts: one table, used by the client's validation and request mapping and by
the ParameterForm (which offers exactly these fields and values).

The rules follow the new-api gateway's provider adaptors (see the project's reference notes):
Kling takes ``size`` only to pick an aspect ratio and silently ignores ``seed``; Jimeng wants an
aspect ratio and 5 s or 10 s; Vidu wants ``resolution`` ("720p"/"1080p"), not WxH; Sora takes
``seconds`` as the string "4", "8" or "12" and a per-model list of sizes. A model that is not in
the table passes through with generic fields.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from vidwidgets.client._exceptions import ValidationError

__all__ = [
    "CAMERA_CONTROL_TYPES",
    "MAX_IMAGE_BYTES",
    "MODELS",
    "ModelSpec",
    "get_model_spec",
    "validate_request_fields",
]

Family = Literal["kling", "jimeng", "vidu", "sora", "generic"]
ImageUse = Literal["none", "optional", "required"]
Endpoint = Literal["generations", "videos"]

#: Gateways cap request bodies near 4 MB; base64 grows data by 4/3, so 3 MiB of image fits.
MAX_IMAGE_BYTES = 3 * 1024 * 1024
MAX_METADATA_BYTES = 64 * 1024
MAX_SEED = 2**31 - 1
GENERIC_MAX_SECONDS = 3600  # the gateway's own bound on duration/seconds

CAMERA_CONTROL_TYPES = (
    "simple",
    "down_back",
    "forward_up",
    "right_turn_forward",
    "left_turn_forward",
)
CAMERA_AXES = ("horizontal", "vertical", "pan", "tilt", "roll", "zoom")
MOVEMENT_AMPLITUDES = ("auto", "small", "medium", "large")

_SIZE_RE = re.compile(r"^([1-9][0-9]{1,4})x([1-9][0-9]{1,4})$")
_IMAGE_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"RIFF",
)  # png, jpeg, gif, webp (RIFF....WEBP)


@dataclass(frozen=True)
class ModelSpec:
    """The fields one model accepts and their allowed values.

    Empty tuples mean "this model has no such parameter"; for the generic spec (unknown models)
    ``free_size`` and ``free_duration`` allow any WxH and any 1..3600 s.

        >>> get_model_spec("sora-2").durations
        (4, 8, 12)
    """

    name: str
    family: Family
    label: str
    image: ImageUse = "optional"
    durations: tuple[int, ...] = ()
    default_duration: int | None = None
    sizes: tuple[str, ...] = ()
    default_size: str | None = None
    aspect_ratios: tuple[str, ...] = ()
    default_aspect_ratio: str | None = None
    resolutions: tuple[str, ...] = ()
    default_resolution: str | None = None
    modes: tuple[str, ...] = ()
    default_mode: str | None = None
    uses_seed: bool = True
    uses_negative_prompt: bool = False
    options: frozenset[str] = frozenset()
    max_prompt_chars: int = 10_000
    endpoint: Endpoint = "generations"
    known: bool = True
    free_size: bool = False
    free_duration: bool = False

    @property
    def image_to_video_only(self) -> bool:
        return self.image == "required"

    def size_to_aspect_ratio(self, size: str) -> str | None:
        """The aspect ratio a WxH size selects, or None when it matches none of ours."""
        match = _SIZE_RE.match(size)
        if not match:
            return None
        w, h = int(match[1]), int(match[2])
        for ratio in self.aspect_ratios:
            rw, rh = (int(x) for x in ratio.split(":"))
            if w * rh == h * rw:
                return ratio
        return None

    def size_to_resolution(self, size: str) -> str | None:
        """Vidu: "1920x1080" -> "1080p" (the shorter side names the resolution)."""
        match = _SIZE_RE.match(size)
        if not match:
            return None
        short = min(int(match[1]), int(match[2]))
        name = f"{short}p"
        return name if name in self.resolutions else None


_KLING = dict(
    family="kling",
    image="optional",
    durations=(5, 10),
    default_duration=5,
    sizes=("1280x720", "1920x1080", "720x1280", "1080x1920", "1024x1024"),
    default_size="1280x720",
    aspect_ratios=("16:9", "9:16", "1:1"),
    default_aspect_ratio="16:9",
    modes=("std", "pro"),
    default_mode="std",
    uses_seed=False,  # Kling's adaptor drops it; the docs' example sends it anyway
    uses_negative_prompt=True,
    options=frozenset({"cfg_scale", "camera_control"}),
    max_prompt_chars=2500,
)
_JIMENG = dict(
    family="jimeng",
    durations=(5, 10),
    default_duration=5,
    aspect_ratios=("16:9", "9:16", "1:1", "4:3", "3:4", "21:9"),
    default_aspect_ratio="16:9",
    max_prompt_chars=800,
)
_VIDU = dict(
    family="vidu",
    image="optional",
    resolutions=("720p", "1080p"),
    default_resolution="1080p",
    options=frozenset({"movement_amplitude", "bgm"}),
    max_prompt_chars=1500,
)
_SORA = dict(
    family="sora",
    image="optional",
    durations=(4, 8, 12),
    default_duration=4,
    default_size="720x1280",
    uses_seed=False,
    max_prompt_chars=4000,
    endpoint="videos",
)


def _spec(name: str, label: str, **fields: Any) -> ModelSpec:
    return ModelSpec(name=name, label=label, **fields)


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        _spec("kling-v1", "Kling v1", **_KLING),
        _spec("kling-v1-6", "Kling v1.6", **_KLING),
        _spec("kling-v2-master", "Kling v2 Master", **_KLING),
        _spec("jimeng_vgfm_t2v_l20", "Jimeng text-to-video", image="none", **_JIMENG),
        _spec("jimeng_vgfm_i2v_l20", "Jimeng image-to-video", image="required", **_JIMENG),
        _spec("viduq1", "Vidu Q1", durations=(5,), default_duration=5, **_VIDU),
        _spec("viduq2", "Vidu Q2", durations=(5,), default_duration=5, **_VIDU),
        _spec("vidu2.0", "Vidu 2.0", durations=(4, 8), default_duration=4, **_VIDU),
        _spec("vidu1.5", "Vidu 1.5", durations=(4, 8), default_duration=4, **_VIDU),
        _spec("sora-2", "Sora 2", sizes=("720x1280", "1280x720"), **_SORA),
        _spec(
            "sora-2-pro",
            "Sora 2 Pro",
            sizes=("720x1280", "1280x720", "1024x1792", "1792x1024"),
            **_SORA,
        ),
    )
}

FAMILY_LABELS: dict[str, str] = {
    "kling": "Kling",
    "jimeng": "Jimeng",
    "vidu": "Vidu",
    "sora": "Sora",
    "generic": "Other",
}


def get_model_spec(model: str) -> ModelSpec:
    """The spec for ``model``; an unknown model gets a permissive generic spec.

    >>> get_model_spec("my-new-model").family
    'generic'
    """
    spec = MODELS.get(model)
    if spec is not None:
        return spec
    return ModelSpec(
        name=model,
        family="generic",
        label=model,
        known=False,
        free_size=True,
        free_duration=True,
        uses_negative_prompt=True,
        options=frozenset({"cfg_scale", "camera_control", "movement_amplitude", "bgm"}),
    )


def _choices(values: tuple[Any, ...]) -> str:
    shown = [repr(v) if isinstance(v, str) else str(v) for v in values]
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " or " + shown[-1]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_request_fields(fields: Mapping[str, Any]) -> None:
    """Raise ``ValidationError`` for the first field the model would reject.

    ``fields`` are a VideoRequest's fields by name. Nothing here does network I/O; a local image
    file is checked for existence, type and size.
    """
    model = fields["model"]
    if not isinstance(model, str) or not model.strip() or len(model) > 100 or " " in model:
        raise ValidationError(
            "model", model, f"a model name such as {_choices(tuple(MODELS)[:4])}, or any other"
        )
    spec = get_model_spec(model)
    name = spec.name

    prompt = fields["prompt"]
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValidationError("prompt", prompt, "a non-empty text describing the video", model=name)
    if len(prompt) > spec.max_prompt_chars:
        raise ValidationError(
            "prompt",
            prompt,
            f"at most {spec.max_prompt_chars} characters (this one has {len(prompt)})",
            model=name,
            hint="Shorten the prompt.",
        )

    _validate_duration(spec, fields.get("duration"), fields.get("seconds"))
    _validate_geometry(
        spec, fields.get("size"), fields.get("aspect_ratio"), fields.get("resolution")
    )

    seed = fields.get("seed")
    if seed is not None and (not _is_int(seed) or not 0 <= seed <= MAX_SEED):
        raise ValidationError(
            "seed", seed, f"a whole number from 0 to {MAX_SEED}, or None", model=name
        )

    negative = fields.get("negative_prompt")
    if negative is not None and (not isinstance(negative, str) or len(negative) > 2500):
        raise ValidationError(
            "negative_prompt", negative, "text of at most 2500 characters", model=name
        )

    mode = fields.get("mode")
    if mode is not None and mode not in spec.modes and spec.known:
        allowed = _choices(spec.modes) if spec.modes else f"nothing: {name} has no mode"
        raise ValidationError("mode", mode, allowed, model=name)

    _validate_options(spec, fields)
    _validate_image(spec, fields.get("image"))
    _validate_metadata(fields.get("metadata"), name)


def _validate_duration(spec: ModelSpec, duration: Any, seconds: Any) -> None:
    name = spec.name
    if seconds is not None:
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
            raise ValidationError(
                "seconds", seconds, "a string of whole seconds, e.g. '4'", model=name
            )
        if duration is not None and int(seconds) != duration:
            raise ValidationError(
                "seconds",
                seconds,
                f"the same length as duration={duration}, or leave one unset",
                model=name,
            )
        duration = int(seconds)
        field = "seconds"
    else:
        field = "duration"
    if duration is None:
        return
    if not _is_int(duration):
        raise ValidationError(field, duration, "a whole number of seconds", model=name)
    if spec.durations and not spec.free_duration:
        if duration not in spec.durations:
            raise ValidationError(field, duration, f"choose {_choices(spec.durations)}", model=name)
    elif not 1 <= duration <= GENERIC_MAX_SECONDS:
        raise ValidationError(field, duration, f"1 to {GENERIC_MAX_SECONDS} seconds", model=name)


def _validate_geometry(spec: ModelSpec, size: Any, aspect_ratio: Any, resolution: Any) -> None:
    name = spec.name
    if size is not None:
        if not isinstance(size, str) or not _SIZE_RE.match(size):
            raise ValidationError("size", size, "WIDTHxHEIGHT, e.g. '1280x720'", model=name)
        if spec.sizes and size not in spec.sizes:
            raise ValidationError("size", size, _choices(spec.sizes), model=name)
        if not spec.sizes and not spec.free_size:
            # The model has no size parameter: accept a size only where it maps exactly.
            if spec.resolutions and spec.size_to_resolution(size) is None:
                raise ValidationError(
                    "size",
                    size,
                    f"{name} takes resolution={_choices(spec.resolutions)} instead of a size",
                    model=name,
                )
            if (
                spec.aspect_ratios
                and not spec.resolutions
                and spec.size_to_aspect_ratio(size) is None
            ):
                raise ValidationError(
                    "size",
                    size,
                    f"{name} takes aspect_ratio={_choices(spec.aspect_ratios)} instead of a size",
                    model=name,
                )
            if not spec.resolutions and not spec.aspect_ratios:
                raise ValidationError("size", size, f"nothing: {name} has no size", model=name)
    if aspect_ratio is not None:
        if spec.free_size:
            if not isinstance(aspect_ratio, str) or not re.match(
                r"^\d{1,2}:\d{1,2}$", aspect_ratio
            ):
                raise ValidationError("aspect_ratio", aspect_ratio, "W:H, e.g. '16:9'", model=name)
        elif aspect_ratio not in spec.aspect_ratios:
            allowed = (
                _choices(spec.aspect_ratios)
                if spec.aspect_ratios
                else f"nothing: {name} sets its shape with size"
            )
            raise ValidationError("aspect_ratio", aspect_ratio, allowed, model=name)
        if (
            size is not None
            and spec.aspect_ratios
            and spec.size_to_aspect_ratio(size) != aspect_ratio
        ):
            raise ValidationError(
                "aspect_ratio",
                aspect_ratio,
                f"the ratio of size={size!r}, or leave one unset",
                model=name,
            )
    if resolution is not None:
        if spec.free_size:
            if not isinstance(resolution, str) or not re.match(r"^\d{3,4}p$", resolution):
                raise ValidationError(
                    "resolution", resolution, "e.g. '720p' or '1080p'", model=name
                )
        elif resolution not in spec.resolutions:
            allowed = (
                _choices(spec.resolutions)
                if spec.resolutions
                else f"nothing: {name} sets its shape with size or aspect_ratio"
            )
            raise ValidationError("resolution", resolution, allowed, model=name)


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


def _validate_image(spec: ModelSpec, image: Any) -> None:
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
    if isinstance(image, str) and image.startswith(("http://", "https://")):
        if len(image) > 4096 or any(c.isspace() for c in image):
            raise ValidationError("image", image, "a well-formed http(s) URL", model=name)
        return
    if isinstance(image, str) and image.startswith("data:"):
        if not image.startswith("data:image/") or ";base64," not in image:
            raise ValidationError("image", image, "a data:image/...;base64,... URI", model=name)
        raw_size = (len(image) - image.index(",") - 1) * 3 // 4
        if raw_size > MAX_IMAGE_BYTES:
            raise ValidationError(
                "image",
                f"<data URI of {raw_size} bytes>",
                f"an image of at most {MAX_IMAGE_BYTES // 2**20} MiB",
                model=name,
                hint=_BIG_IMAGE_HINT,
            )
        return
    if not isinstance(image, (str, os.PathLike)):
        raise ValidationError(
            "image", image, "an http(s) URL, a data URI or a local file path", model=name
        )
    path = Path(image)
    if not path.is_file():
        raise ValidationError(
            "image",
            str(image),
            "an existing image file, an http(s) URL or a data URI",
            model=name,
            hint="Check the path (it is relative to the kernel's working directory).",
        )
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        raise ValidationError(
            "image",
            str(image),
            f"a file of at most {MAX_IMAGE_BYTES // 2**20} MiB (this one is {size / 2**20:.1f} MiB)",
            model=name,
            hint=_BIG_IMAGE_HINT,
        )
    with path.open("rb") as fh:
        head = fh.read(12)
    if not head.startswith(_IMAGE_MAGIC) or (head.startswith(b"RIFF") and head[8:12] != b"WEBP"):
        raise ValidationError("image", str(image), "a PNG, JPEG, WebP or GIF image", model=name)


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


def request_field_names() -> tuple[str, ...]:
    from vidwidgets.client._types import VideoRequest

    return tuple(f.name for f in dataclasses.fields(VideoRequest))
