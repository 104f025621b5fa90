"""Create requests as the late-2026 gateway's task plugins read them (``dialect="plugin"``).

Each vendor's plugin reads its own fields and drops the rest. Where the real gateway drops a
field silently, the simulator drops it too but records it: ``task.spec.dropped`` lists the
dropped fields (``"seed"``, ``"metadata.seed"``, ``"image"``, ...) and ``task.spec.upstream``
holds the request the plugin would send to the vendor, so a client test can prove its mapping
reaches the vendor. Invalid values are 400 ``invalid_request`` naming the field and the values
the vendor allows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from vidwidgets.simulator._tables import ACTION_IMAGE, ACTION_TEXT, Platform, frame_size
from vidwidgets.simulator._validation import (
    MAX_SECONDS,
    PARSED_FIELDS,
    JobSpec,
    Rejection,
    _bad,
    _number,
    _parse_metadata,
)
from vidwidgets.simulator._vendors import (
    HAILUO_FRAMES,
    HAILUO_LONG_RESOLUTION,
    JIMENG_ASPECTS,
    KLING_ASPECT_FROM_SIZE,
    KLING_ASPECTS,
    KLING_MODES,
    KLING_PRO_ONLY,
    KLING_SOUND,
    LENGTH_FIELD,
    SEEDANCE_RATIOS,
    SEEDANCE_SHORT_SIDE,
    VENDOR_METADATA,
    VEO_ASPECTS,
    VEO_FRAMES,
    VEO_SIZES,
    VIDU_ASPECTS,
    VIDU_MOVEMENT,
    WAN_I2V_FRAMES,
    WAN_T2V_DEFAULT_SIZE,
    WAN_T2V_SIZES,
    VendorModel,
    vendor_model,
)


def model_not_found(model: str) -> Rejection:
    """The distributor's 503 for a model no channel of the key's group serves."""
    return Rejection(
        503, "model_not_found", f"当前分组 default 下对于模型 {model} 无可用渠道", "model"
    )


@dataclass
class _Request:
    """One create request being read by a plugin: fields in, what was sent and dropped out."""

    rule: VendorModel
    body: dict[str, Any]
    meta: dict[str, Any]
    upstream: dict[str, Any] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)

    @property
    def vendor(self) -> Platform:
        return self.rule.vendor

    def drop(self, name: str) -> None:
        if name not in self.dropped:
            self.dropped.append(name)

    def choose(self, value: Any, allowed: tuple[str, ...], param: str) -> str:
        if value not in allowed:
            raise _bad(
                f"{self.vendor}: {param} must be one of {', '.join(allowed)} "
                f"for {self.rule.name}, got {value!r}",
                param,
            )
        return str(value)

    def seconds(self) -> int:
        """The length from the vendor's own length field (the other one is dropped)."""
        name = LENGTH_FIELD[self.vendor]
        other = "seconds" if name == "duration" else "duration"
        if self.body.get(other) not in (None, ""):
            self.drop(other)
        raw = self.body.get(name)
        if raw is None or raw == "":
            return self.rule.default_seconds
        value = _number(raw, name)
        if not 0 <= value <= MAX_SECONDS:
            raise _bad(f"{name} must be between 0 and {MAX_SECONDS}", name, "invalid_seconds")
        if value != int(value) or int(value) not in self.rule.seconds:
            allowed = ", ".join(str(s) for s in self.rule.seconds)
            raise _bad(
                f"{self.vendor}: {name} must be one of {allowed} for {self.rule.name}, got {raw!r}",
                name,
                "invalid_seconds",
            )
        return int(value)

    def images(self) -> list[str]:
        """Top-level ``image`` then ``images[]``, as strings."""
        found = [self.body["image"]] if self.body.get("image") else []
        images = self.body.get("images")
        if isinstance(images, list):
            found.extend(images)
        return [str(i) for i in found if i]

    def spec(self, seconds: int, width: int, height: int, seed: int | None, image: bool) -> JobSpec:
        if self.rule.input == "i2v" and not image:
            raise _bad(f"{self.vendor}: {self.rule.name} needs an image", "image")
        return JobSpec(
            model=str(self.body["model"]),
            platform=self.vendor,
            prompt=str(self.body["prompt"]),
            seconds=seconds,
            width=width,
            height=height,
            seed=seed,
            has_image=image,
            action=ACTION_IMAGE if image else ACTION_TEXT,
            size=f"{width}x{height}",
            options=dict(self.upstream),
            dropped=tuple(self.dropped),
            upstream=dict(self.upstream),
        )


def _seed(value: Any, param: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _bad(f"{param} must be an integer", param)
    try:
        return int(float(value))
    except (ValueError, OverflowError) as exc:
        raise _bad(f"{param} must be an integer", param) from exc


def _is_inline(image: str) -> bool:
    """A data URL or bare base64 (Veo's only accepted forms)."""
    return image.startswith("data:") or not image.startswith(("http://", "https://"))


# --- vendors ----------------------------------------------------------------------------------


def _kling(req: _Request) -> JobSpec:
    meta, rule = req.meta, req.rule
    seconds = req.seconds()
    default_mode = "pro" if rule.name in KLING_PRO_ONLY else "std"
    mode = req.choose(meta.get("mode", req.body.get("mode") or default_mode), KLING_MODES, "mode")
    if rule.name in KLING_PRO_ONLY and mode != "pro":
        raise _bad(f"kling: {rule.name} runs in pro mode only, got mode {mode!r}", "mode")
    size = str(req.body.get("size") or "")
    aspect = KLING_ASPECT_FROM_SIZE.get(size, "1:1") if size else "16:9"
    aspect = req.choose(meta.get("aspect_ratio", aspect), KLING_ASPECTS, "metadata.aspect_ratio")
    if "sound" in meta:
        sound = meta["sound"]
        meta_sound = ("on" if sound else "off") if isinstance(sound, bool) else sound
        req.upstream["sound"] = req.choose(meta_sound, KLING_SOUND, "metadata.sound")
    if req.body.get("images"):
        req.drop("images")
    image = req.body.get("image")
    req.upstream.update(
        model_name=str(req.body["model"]),
        mode=mode,
        duration=str(seconds),  # the plugin sends the length as a string
        aspect_ratio=aspect,
        **{k: meta[k] for k in ("negative_prompt", "image_tail", "camera_control") if k in meta},
    )
    if image:
        req.upstream["image"] = image
    width, height = frame_size(aspect, 1080 if mode == "pro" else 720)
    return req.spec(seconds, width, height, None, bool(image or meta.get("image_tail")))


def _vidu(req: _Request) -> JobSpec:
    meta, rule = req.meta, req.rule
    seconds = req.seconds()
    size = req.body.get("size")
    resolution = meta.get("resolution", size or rule.default_resolution)
    resolution = req.choose(resolution, rule.resolutions, "resolution")
    if rule.name in ("vidu2.0", "vidu1.5") and seconds == 8 and resolution != "720p":
        raise _bad(f"vidu: {rule.name} makes 8 s videos at 720p only", "resolution")
    images = req.images()
    movement = req.choose(
        meta.get("movement_amplitude", "auto"), VIDU_MOVEMENT, "metadata.movement_amplitude"
    )
    aspect = req.choose(meta.get("aspect_ratio", "16:9"), VIDU_ASPECTS, "metadata.aspect_ratio")
    if "bgm" in meta and not isinstance(meta["bgm"], bool):
        raise _bad("vidu: metadata.bgm must be a boolean", "metadata.bgm")
    kinds = ("text2video", "img2video", "start-end2video")
    req.upstream.update(
        action=kinds[len(images)] if len(images) < 3 else "reference2video",
        model="viduq2" if len(images) > 2 else rule.name,  # reference-to-video forces viduq2
        duration=seconds,
        resolution=resolution,
        movement_amplitude=movement,
        aspect_ratio=aspect,
        images=images,
        **{k: meta[k] for k in ("seed", "bgm") if k in meta},
    )
    width, height = frame_size(aspect, int(resolution.rstrip("p")))
    seed = _seed(meta.get("seed"), "metadata.seed")
    return req.spec(seconds, width, height, seed, bool(images))


def _hailuo(req: _Request) -> JobSpec:
    meta, rule = req.meta, req.rule
    for name in ("image", "images"):
        if req.body.get(name):
            req.drop(name)  # the plugin sends images only from metadata
    seconds = req.seconds()
    resolution = meta.get("resolution", req.body.get("size") or rule.default_resolution)
    resolution = req.choose(resolution, rule.resolutions, "resolution")
    if seconds == 10 and resolution != HAILUO_LONG_RESOLUTION:
        raise _bad(
            f"hailuo: 10 s videos are made at {HAILUO_LONG_RESOLUTION} only, got {resolution}",
            "duration",
        )
    frames = {k: meta[k] for k in ("first_frame_image", "last_frame_image") if meta.get(k)}
    if rule.name == "S2V-01" and not meta.get("subject_reference"):
        raise _bad("hailuo: S2V-01 needs metadata.subject_reference", "metadata.subject_reference")
    if meta.get("subject_reference"):
        frames["subject_reference"] = meta["subject_reference"]
    req.upstream.update(model=rule.name, duration=seconds, resolution=resolution, **frames)
    if rule.input == "i2v" and "first_frame_image" not in frames:
        raise _bad(
            f"hailuo: {rule.name} needs metadata.first_frame_image", "metadata.first_frame_image"
        )
    width, height = HAILUO_FRAMES[resolution]
    return req.spec(seconds, width, height, None, bool(frames))


def _veo(req: _Request) -> JobSpec:
    meta, rule = req.meta, req.rule
    seconds = req.seconds()
    size = req.body.get("size")
    resolution, aspect = rule.default_resolution, "16:9"
    if size:
        if size not in VEO_SIZES:
            raise _bad(f"veo: size must be one of {', '.join(VEO_SIZES)}, got {size!r}", "size")
        resolution, aspect = VEO_SIZES[str(size)]
    resolution = req.choose(meta.get("resolution", resolution), rule.resolutions, "resolution")
    aspect = req.choose(meta.get("aspectRatio", aspect), VEO_ASPECTS, "metadata.aspectRatio")
    image = next(iter(req.images()), None)
    if image is not None and not _is_inline(image):
        req.drop("image")  # an http URL is silently ignored: Veo takes inline bytes only
        image = None
    if "generateAudio" in meta and not isinstance(meta["generateAudio"], bool):
        raise _bad("veo: metadata.generateAudio must be a boolean", "metadata.generateAudio")
    req.upstream.update(
        durationSeconds=seconds,
        resolution=resolution,
        aspectRatio=aspect,
        **{k: meta[k] for k in ("seed", "negativePrompt", "generateAudio") if k in meta},
    )
    if image is not None:
        req.upstream["image"] = {"bytesBase64Encoded": image.partition("base64,")[2] or image}
    width, height = VEO_FRAMES[resolution]
    if aspect == "9:16":
        width, height = height, width
    return req.spec(seconds, width, height, _seed(meta.get("seed"), "metadata.seed"), bool(image))


def _seedance(req: _Request) -> JobSpec:
    meta, rule = req.meta, req.rule
    raw = req.body.get("seconds")
    if raw is not None and not isinstance(raw, str):
        raise _bad(f"seedance: seconds must be an integer string, got {raw!r}", "seconds")
    seconds = req.seconds()
    if req.body.get("size"):
        req.drop("size")  # seedance reads metadata.resolution and metadata.ratio only
    resolution = req.choose(
        meta.get("resolution", rule.default_resolution), rule.resolutions, "metadata.resolution"
    )
    ratio = req.choose(meta.get("ratio", "16:9"), SEEDANCE_RATIOS, "metadata.ratio")
    images = req.images()
    if rule.input == "t2v" and images:
        req.drop("images")
        images = []
    content: list[dict[str, Any]] = [{"type": "text", "text": str(req.body["prompt"])}]
    content += [{"type": "image_url", "image_url": {"url": i}} for i in images]
    req.upstream.update(
        model=rule.name,
        content=content,
        duration=seconds,
        resolution=resolution,
        ratio=ratio,
        **{k: meta[k] for k in ("seed", "generate_audio") if k in meta},
    )
    aspect = "16:9" if ratio == "adaptive" else ratio
    width, height = frame_size(aspect, SEEDANCE_SHORT_SIDE[resolution])
    seed = _seed(meta.get("seed"), "metadata.seed")
    return req.spec(seconds, width, height, seed, bool(images))


def _wan_geometry(req: _Request) -> tuple[int, int, str]:
    rule, size = req.rule, req.body.get("size")
    raw = req.meta.get("parameters")
    params: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if rule.input == "t2v":
        size = req.choose(size or WAN_T2V_DEFAULT_SIZE, WAN_T2V_SIZES, "size")
        width, height = (int(x) for x in size.split("*"))
        return width, height, size
    resolution = params.get("resolution", size or rule.default_resolution)
    resolution = req.choose(resolution, rule.resolutions, "resolution")
    width, height = WAN_I2V_FRAMES[resolution]
    return width, height, resolution


def _wan(req: _Request) -> JobSpec:
    meta, rule = req.meta, req.rule
    seconds = req.seconds()
    width, height, geometry = _wan_geometry(req)
    given = meta.get("input")
    given_input: dict[str, Any] = dict(given) if isinstance(given, dict) else {}
    params = meta.get("parameters")
    parameters: dict[str, Any] = dict(params) if isinstance(params, dict) else {}
    images = req.images()
    if rule.input == "t2v" and images:
        req.drop("image")
        images = []
    wan_input = {"prompt": str(req.body["prompt"]), **given_input}
    if images and "img_url" not in wan_input:
        wan_input["img_url"] = images[0]  # the first image goes to input.img_url
    parameters["duration"] = seconds
    parameters["size" if rule.input == "t2v" else "resolution"] = geometry
    req.upstream.update(model=rule.name, input=wan_input, parameters=parameters)
    seed = _seed(parameters.get("seed"), "metadata.parameters.seed")
    return req.spec(seconds, width, height, seed, "img_url" in wan_input)


def _sora(req: _Request) -> JobSpec:
    rule = req.rule
    raw = req.body.get("seconds")
    if raw is not None and not isinstance(raw, str):
        raise _bad(f"sora: seconds must be a string such as '4', got {raw!r}", "seconds")
    seconds = req.seconds()
    size = req.choose(req.body.get("size") or rule.default_resolution, rule.resolutions, "size")
    width, height = (int(x) for x in size.split("x"))
    reference = req.body.get("input_reference")
    for name in ("image", "images"):
        if req.body.get(name):
            req.drop(name)  # sora takes input_reference only
    req.upstream.update(model=rule.name, seconds=str(seconds), size=size)
    if reference:
        req.upstream["input_reference"] = reference
    return req.spec(seconds, width, height, None, bool(reference))


def _jimeng(req: _Request) -> JobSpec:
    meta, rule = req.meta, req.rule
    seconds = req.seconds()
    aspect = req.choose(meta.get("aspect_ratio", "16:9"), JIMENG_ASPECTS, "metadata.aspect_ratio")
    images = req.images()
    urls = [i for i in images if i.startswith(("http://", "https://"))]
    inline = [i for i in images if i not in urls]
    seed = _seed(meta.get("seed"), "metadata.seed")
    req.upstream.update(
        req_key=rule.name
        if rule.name in ("jimeng_vgfm_t2v_l20", "jimeng_vgfm_i2v_l20")
        else str(req.body["model"]),
        frames=seconds * 24 + 1,
        aspect_ratio=aspect,
        seed=0 if seed is None else seed,
    )
    if urls:
        req.upstream["image_urls"] = urls
    if inline:
        req.upstream["binary_data_base64"] = inline
    width, height = frame_size(aspect, 1080 if rule.name.startswith("jimeng_v30") else 720)
    return req.spec(seconds, width, height, 0 if seed is None else seed, bool(images))


_VENDORS: Final[dict[Platform, Callable[[_Request], JobSpec]]] = {
    "kling": _kling,
    "vidu": _vidu,
    "hailuo": _hailuo,
    "veo": _veo,
    "seedance": _seedance,
    "wan": _wan,
    "sora": _sora,
    "jimeng": _jimeng,
}


def _drop_metadata(req: _Request) -> None:
    """Metadata keys the vendor's plugin does not read are dropped (and recorded)."""
    known = VENDOR_METADATA[req.vendor]
    for key in list(req.meta):
        if key not in known and key != "duration":
            req.drop(f"metadata.{key}")
            del req.meta[key]
    if "duration" in req.meta:  # a metadata length overrides the top-level one
        req.body.setdefault(LENGTH_FIELD[req.vendor], req.meta.pop("duration"))


def validate_plugin(
    body: Mapping[str, Any], *, allowed: frozenset[str] | None = None, default_model: str = ""
) -> JobSpec:
    """Read a create request as the plugin gateway would.

    Args:
        body: the parsed JSON (or form) body.
        allowed: the models the caller's key may use (None: all the simulator knows).
        default_model: used when the body names no model (the OpenAI route's default).

    Returns:
        The job spec, with ``dropped`` and ``upstream`` filled in.

    Raises:
        Rejection: 400 ``invalid_request``/``invalid_seconds`` naming the field and the allowed
            values, or 503 ``model_not_found`` for a model the key's group has no channel for.
    """
    parsed = {k: v for k, v in body.items() if k in PARSED_FIELDS}
    dropped = [k for k in body if k not in PARSED_FIELDS]
    prompt = parsed.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise _bad("prompt is required", "prompt")
    model = str(parsed.get("model") or default_model)
    if not model:
        raise _bad("model is required", "model", "missing_model")
    rule = vendor_model(model)
    if rule is None or (allowed is not None and model not in allowed):
        raise model_not_found(model)
    parsed["model"] = model
    req = _Request(rule, parsed, _parse_metadata(parsed.get("metadata")), dropped=dropped)
    _drop_metadata(req)
    return _VENDORS[rule.vendor](req)
