"""Turn a create request into a job spec, or reject it the way the gateway would.

The gateway parses a fixed set of top-level fields (``TaskSubmitReq``) and ignores the rest;
provider-specific options come in ``metadata``. Each provider then applies its own rules.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from vidwidgets.simulator._tables import (
    ACTION_IMAGE,
    ACTION_TEXT,
    JIMENG_ASPECTS,
    KLING_ASPECTS,
    KLING_MODES,
    KLING_SIZE_TO_ASPECT,
    MODELS,
    VIDU_ASPECTS,
    VIDU_MOVEMENT,
    VIDU_RESOLUTIONS,
    ModelRule,
    Platform,
    frame_size,
)

#: the top-level fields new-api's TaskSubmitReq parses; everything else is dropped
PARSED_FIELDS: Final = frozenset(
    {
        "prompt",
        "model",
        "mode",
        "image",
        "images",
        "size",
        "duration",
        "seconds",
        "input_reference",
        "metadata",
    }
)

MAX_SECONDS: Final = 3600


class Rejection(Exception):
    """A request the server refuses: HTTP status, error code, message and offending field."""

    def __init__(self, status: int, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param


@dataclass(frozen=True)
class JobSpec:
    """What the provider will render: the normalised, validated request."""

    model: str
    platform: Platform
    prompt: str
    seconds: int
    width: int
    height: int
    #: the seed the provider honours, or None when it picks its own
    seed: int | None
    has_image: bool
    action: str
    #: the OpenAI-format ``size`` label ("1280x720") and provider options, for the responses
    size: str
    options: dict[str, Any] = field(default_factory=dict)
    #: plugin dialect: request fields the gateway dropped on the way to the vendor
    dropped: tuple[str, ...] = ()
    #: plugin dialect: the request the vendor's plugin would send upstream
    upstream: dict[str, Any] = field(default_factory=dict)


def _bad(message: str, param: str | None = None, code: str = "invalid_request") -> Rejection:
    return Rejection(400, code, message, param)


def _parse_metadata(raw: Any) -> dict[str, Any]:
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):  # new-api also accepts metadata as a JSON-encoded string
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise _bad(f"metadata is not valid JSON: {exc}", "metadata") from exc
    if not isinstance(raw, dict):
        raise _bad("metadata must be an object", "metadata")
    meta = dict(raw)
    meta.pop("model", None)  # new-api deletes metadata.model
    return meta


def _number(value: Any, param: str) -> float:
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise _bad(f"{param} must be a number or a numeric string", param)
    return number


def _requested_seconds(body: Mapping[str, Any]) -> float | None:
    """``seconds`` (string) wins over ``duration`` (number or numeric string)."""
    value: float | None = None
    for name in ("duration", "seconds"):
        raw = body.get(name)
        if raw is None or raw == "":
            continue
        value = _number(raw, name)
        if not 0 <= value <= MAX_SECONDS:
            raise _bad(f"{name} must be between 0 and {MAX_SECONDS}", name, "invalid_seconds")
    return value


def _has_image(body: Mapping[str, Any], meta: Mapping[str, Any]) -> bool:
    if body.get("image") or body.get("images") or body.get("input_reference"):
        return True
    return any(meta.get(k) for k in ("image", "image_tail", "image_urls", "binary_data_base64"))


def _image_count(body: Mapping[str, Any]) -> int:
    images = body.get("images")
    count = len(images) if isinstance(images, list) else 0
    return count + (1 if body.get("image") else 0)


def _seed(meta: Mapping[str, Any]) -> int | None:
    raw = meta.get("seed")
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise _bad("metadata.seed must be an integer", "metadata.seed")
    try:
        return int(float(raw))
    except (ValueError, OverflowError) as exc:
        raise _bad("metadata.seed must be an integer", "metadata.seed") from exc


def _choose(value: Any, allowed: tuple[str, ...], param: str, platform: str) -> str:
    if value not in allowed:
        raise _bad(f"{platform}: {param} must be one of {', '.join(allowed)}, got {value!r}", param)
    return str(value)


# --- providers --------------------------------------------------------------------------------


def _kling(rule: ModelRule, body: Mapping[str, Any], meta: dict[str, Any]) -> JobSpec:
    duration = meta.get("duration")
    if duration is not None and not isinstance(duration, str):
        # The provider request declares duration as a Go string: a JSON number makes the
        # gateway's unmarshal fail, and it answers 500 (a known trap; the docs show a number).
        raise Rejection(
            500,
            "convert_request_failed",
            "json: cannot unmarshal number into Go struct field "
            "requestPayload.duration of type string",
            "metadata.duration",
        )
    requested = _requested_seconds(body)
    if duration is not None:
        seconds = int(_number(duration, "metadata.duration"))
    elif requested is not None:
        seconds = int(requested)
    else:
        seconds = rule.default_seconds
    if seconds not in rule.seconds:
        raise _bad(f"kling: duration must be one of {rule.seconds}, got {seconds}", "duration")
    mode = _choose(meta.get("mode", body.get("mode") or "std"), KLING_MODES, "mode", "kling")
    cfg = meta.get("cfg_scale", 0.5)
    if isinstance(cfg, bool) or not isinstance(cfg, int | float) or not 0 <= cfg <= 1:
        raise _bad(f"kling: cfg_scale must be a number in [0, 1], got {cfg!r}", "cfg_scale")
    size = str(body.get("size") or "")
    aspect = KLING_SIZE_TO_ASPECT.get(size, "1:1") if size else "16:9"
    aspect = _choose(meta.get("aspect_ratio", aspect), KLING_ASPECTS, "aspect_ratio", "kling")
    width, height = frame_size(aspect, 1080 if mode == "pro" else 720)
    has_image = _has_image(body, meta)
    return JobSpec(
        model=rule.name,
        platform="kling",
        prompt=str(body["prompt"]),
        seconds=seconds,
        width=width,
        height=height,
        seed=None,  # Kling silently ignores seed
        has_image=has_image,
        action=ACTION_IMAGE if has_image else ACTION_TEXT,
        size=f"{width}x{height}",
        options={"mode": mode, "cfg_scale": cfg, "aspect_ratio": aspect},
    )


def _jimeng(rule: ModelRule, body: Mapping[str, Any], meta: dict[str, Any]) -> JobSpec:
    req_key = meta.get("req_key", rule.name)
    jimeng = [m for m, r in MODELS.items() if r.platform == "jimeng"]
    if req_key not in jimeng:
        raise _bad(f"jimeng: unknown req_key {req_key!r}; use one of {', '.join(jimeng)}")
    effective = MODELS[str(req_key)]
    has_image = _has_image(body, meta)
    if effective.input == "i2v" and not has_image:
        raise _bad(f"{effective.name} is an image-to-video model: send an image", "image")
    requested = _requested_seconds(body)
    seconds = 10 if requested == 10 else 5  # frames: 241 when duration is 10, else 121
    aspect = _choose(meta.get("aspect_ratio", "16:9"), JIMENG_ASPECTS, "aspect_ratio", "jimeng")
    width, height = frame_size(aspect, 720)
    seed = _seed(meta)
    return JobSpec(
        model=rule.name,
        platform="jimeng",
        prompt=str(body["prompt"]),
        seconds=seconds,
        width=width,
        height=height,
        seed=0 if seed is None else seed,  # the gateway sends seed 0 when none is given
        has_image=has_image,
        action=ACTION_IMAGE if has_image else ACTION_TEXT,
        size=f"{width}x{height}",
        options={"req_key": req_key, "aspect_ratio": aspect, "frames": seconds * 24 + 1},
    )


def _vidu(rule: ModelRule, body: Mapping[str, Any], meta: dict[str, Any]) -> JobSpec:
    resolution = meta.get("resolution", body.get("size") or "1080p")
    resolution = _choose(resolution, VIDU_RESOLUTIONS, "resolution", "vidu")
    requested = _requested_seconds(body)
    seconds = int(requested) if requested is not None else rule.default_seconds
    images = _image_count(body)
    model = "viduq2" if images > 2 else rule.name  # reference-to-video forces viduq2
    allowed = MODELS[model].seconds
    if seconds not in allowed:
        raise _bad(
            f"vidu: duration for {model} must be one of {allowed}, got {seconds}", "duration"
        )
    movement = meta.get("movement_amplitude", "auto")
    movement = _choose(movement, VIDU_MOVEMENT, "movement_amplitude", "vidu")
    if "bgm" in meta and not isinstance(meta["bgm"], bool):
        raise _bad("vidu: bgm must be a boolean", "bgm")
    aspect = _choose(meta.get("aspect_ratio", "16:9"), VIDU_ASPECTS, "aspect_ratio", "vidu")
    width, height = frame_size(aspect, int(resolution.rstrip("p")))
    action = ("text2video", "img2video", "start-end2video")[images] if images < 3 else "reference"
    return JobSpec(
        model=model,
        platform="vidu",
        prompt=str(body["prompt"]),
        seconds=seconds,
        width=width,
        height=height,
        seed=_seed(meta),
        has_image=images > 0,
        action=action,
        size=f"{width}x{height}",
        options={"resolution": resolution, "movement_amplitude": movement, "aspect_ratio": aspect},
    )


def _sora(rule: ModelRule, body: Mapping[str, Any], meta: dict[str, Any]) -> JobSpec:
    raw_seconds = body.get("seconds")
    if raw_seconds is not None and not isinstance(raw_seconds, str):
        raise _bad(
            f"Invalid type for 'seconds': expected a string ('4', '8' or '12'), got {raw_seconds!r}",
            "seconds",
            "invalid_seconds",
        )
    requested = _requested_seconds(body)
    seconds = rule.default_seconds if requested is None else int(requested)
    if seconds not in rule.seconds or (requested is not None and requested != seconds):
        allowed = ", ".join(f"'{s}'" for s in rule.seconds)
        raise _bad(
            f"Invalid value: '{raw_seconds or requested}'. Supported values are: {allowed}.",
            "seconds",
            "invalid_seconds",
        )
    size = str(body.get("size") or rule.default_size)
    if size not in rule.sizes:
        raise _bad(
            f"Invalid size {size!r} for {rule.name}; supported sizes: {', '.join(rule.sizes)}",
            "size",
            "invalid_size",
        )
    width, height = (int(x) for x in size.split("x"))
    has_image = _has_image(body, meta)
    return JobSpec(
        model=rule.name,
        platform="sora",
        prompt=str(body["prompt"]),
        seconds=seconds,
        width=width,
        height=height,
        seed=None,
        has_image=has_image,
        action=ACTION_IMAGE if has_image else ACTION_TEXT,
        size=size,
    )


_PROVIDERS: Final[
    dict[Platform, Callable[[ModelRule, Mapping[str, Any], dict[str, Any]], JobSpec]]
] = {"kling": _kling, "jimeng": _jimeng, "vidu": _vidu, "sora": _sora}


def validate(body: Mapping[str, Any], *, default_model: str | None = None) -> JobSpec:
    """Validate a create request as the gateway (then the provider) would.

    ``default_model`` is used when the body names none (the official OpenAI API defaults to
    sora-2); without it a missing model is a 400 ``missing_model``.
    Raises ``Rejection``.
    """
    parsed = {k: v for k, v in body.items() if k in PARSED_FIELDS}
    prompt = parsed.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise _bad("prompt is required", "prompt")
    model = parsed.get("model") or default_model
    if not model:
        raise _bad("model is required", "model", "missing_model")
    rule = MODELS.get(str(model))
    if rule is None:
        raise Rejection(
            503,
            "model_not_found",
            f"当前分组 default 下对于模型 {model} 无可用渠道",
            "model",
        )
    meta = _parse_metadata(parsed.get("metadata"))
    return _PROVIDERS[rule.platform](rule, parsed, meta)
