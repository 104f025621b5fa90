"""What each model accepts: one table.

It is used by the client's validation and request mapping and by the ParameterForm (which
offers exactly these fields and values).

The rules follow the gateway's vendor plugins (see the project's reference notes, "Vendors
(plugin rules)"): eight vendors, each with its own length field, sizes or resolutions, image
placement, and whether it honours a seed, a negative prompt and audio. Values are kept in one
spelling here (``"1920x1080"``, ``"1080p"``, ``"16:9"``); a vendor's own spelling (``"1080P"``,
``"1920*1080"``) is accepted by ``normalise_value()`` and written back by the wire mapping.

A model that is not in the table passes through with a permissive generic spec; a dated snapshot
of a listed model (``doubao-seedance-1-0-lite-t2v-250428``) or a family known only by its prefix
(``jimeng_v30*``) gets that model's rules under its own name.

    >>> get_model_spec("veo-3.1-generate-preview").durations
    (4, 6, 8)
    >>> get_model_spec("kling-v1").uses_seed
    False
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

__all__ = [
    "CAMERA_CONTROL_TYPES",
    "FAMILY_LABELS",
    "MAX_IMAGE_BYTES",
    "MODELS",
    "ModelSpec",
    "get_model_spec",
    "normalise_value",
]

Family = Literal["kling", "jimeng", "vidu", "hailuo", "veo", "seedance", "wan", "sora", "generic"]
ImageUse = Literal["none", "optional", "required"]
#: "switch": a yes/no for generated sound; "track": the URL of a soundtrack to use; "any": either
AudioUse = Literal["none", "switch", "track", "any"]
Endpoint = Literal["generations", "videos"]
LengthField = Literal["duration", "seconds"]

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
_VENDOR_SIZE_RE = re.compile(r"^([1-9][0-9]{1,4})\s*[*×X]\s*([1-9][0-9]{1,4})$")
_RESOLUTION_RE = re.compile(r"^(?:[1-9][0-9]{2,3}[pP]|[248][kK])$")


def normalise_value(field: str, value: Any) -> Any:
    """The catalog's spelling of a size or resolution given in a vendor's own spelling.

    Anything else (other fields, values that are not strings, unknown spellings) comes back
    unchanged, for validation to judge.

        >>> normalise_value("size", "1920*1080"), normalise_value("resolution", "1080P")
        ('1920x1080', '1080p')
    """
    if not isinstance(value, str):
        return value
    if field in ("size", "resolution"):
        # a resolution in the size field is the vendor's spelling of the other field: keep it
        match = _VENDOR_SIZE_RE.match(value.strip())
        if field == "size" and match:
            return f"{match[1]}x{match[2]}"
        if _RESOLUTION_RE.match(value.strip()):
            return value.strip().lower()
    return value


@dataclass(frozen=True)
class ModelSpec:
    """The fields one model accepts and their allowed values.

    Empty tuples mean "this model has no such parameter"; for the generic spec (unknown models)
    ``free_size`` and ``free_duration`` allow any WxH and any 1..3600 s.

    ``typical_seconds`` and ``min_seconds`` are rough priors for how long one generation takes
    on the vendor (a typical value and a lower bound, at the default length), so a client that
    has not seen this model finish yet can skip reads that cannot see an end and give a first
    ETA; they are guesses, to be replaced by what the client measures.

        >>> spec = get_model_spec("sora-2")
        >>> spec.durations, spec.vendor, spec.uses_seed
        ((4, 8, 12), 'Sora', False)
    """

    name: str
    family: Family
    label: str
    image: ImageUse = "optional"
    #: takes a last frame (``VideoRequest.end_image``) besides the first
    end_frame: bool = False
    #: images must reach the gateway inline (data URLs): URLs are fetched and inlined first
    inline_images: bool = False
    #: the wire field that carries the length
    length_field: LengthField = "duration"
    durations: tuple[int, ...] = ()
    default_duration: int | None = None
    #: (resolution, the lengths allowed at it) where a resolution narrows ``durations``
    durations_at: tuple[tuple[str, tuple[int, ...]], ...] = ()
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
    audio: AudioUse = "none"
    options: frozenset[str] = frozenset()
    max_prompt_chars: int = 10_000
    endpoint: Endpoint = "generations"
    known: bool = True
    free_size: bool = False
    free_duration: bool = False
    typical_seconds: float | None = None
    min_seconds: float | None = None

    @property
    def vendor(self) -> str:
        """The vendor's name, e.g. ``"Hailuo / MiniMax"``."""
        return FAMILY_LABELS[self.family]

    @property
    def max_images(self) -> int:
        """How many images a request may carry (first frame, and last frame when supported)."""
        if self.image == "none":
            return 0
        return 2 if self.end_frame else 1

    @property
    def uses_audio(self) -> bool:
        return self.audio != "none"

    @property
    def image_to_video_only(self) -> bool:
        return self.image == "required"

    def lengths_at(self, resolution: str | None) -> tuple[int, ...]:
        """The lengths allowed at ``resolution`` (all of ``durations`` when it narrows none)."""
        return dict(self.durations_at).get(resolution or "", self.durations)

    def resolution_for(self, duration: int | None) -> str | None:
        """The resolution to send when none was asked for, else None (the server's default).

        One is sent when the default cannot make ``duration`` (Vidu 2.0 makes 8 s only at 720p).
        """
        if duration is None or not self.durations_at:
            return None
        if duration in self.lengths_at(self.default_resolution):
            return None
        return next((r for r in self.resolutions if duration in self.lengths_at(r)), None)

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
        """The resolution a size names, or None when this model has no such resolution.

        "1920x1080" -> "1080p", "3840x2160" -> "4k": the shorter side names the resolution.
        """
        match = _SIZE_RE.match(size)
        if not match:
            return None
        short = min(int(match[1]), int(match[2]))
        name = "4k" if short == 2160 else f"{short}p"
        return name if name in self.resolutions else None


FAMILY_LABELS: Final[dict[str, str]] = {
    "kling": "Kling",
    "jimeng": "Jimeng",
    "vidu": "Vidu",
    "hailuo": "Hailuo / MiniMax",
    "veo": "Veo",
    "seedance": "Seedance",
    "wan": "Wan",
    "sora": "Sora",
    "generic": "Other",
}

# -- the vendors' rules, one template each -----------------------------------------------------

_RATIOS_3 = ("16:9", "9:16", "1:1")
_RATIOS_6 = ("16:9", "9:16", "1:1", "4:3", "3:4", "21:9")

_KLING: dict[str, Any] = dict(
    family="kling",
    end_frame=True,  # metadata.image_tail
    durations=(5, 10),
    default_duration=5,
    sizes=("1280x720", "1920x1080", "720x1280", "1080x1920", "1024x1024"),
    default_size="1280x720",
    aspect_ratios=_RATIOS_3,
    default_aspect_ratio="16:9",
    modes=("std", "pro"),
    default_mode="std",
    uses_seed=False,  # the plugin drops it; the docs' example sends it anyway
    uses_negative_prompt=True,
    audio="switch",  # metadata.sound
    options=frozenset({"cfg_scale", "camera_control"}),
    max_prompt_chars=2500,
    typical_seconds=180.0,  # a 5 s std clip takes minutes: queue, then a minute or more
    min_seconds=60.0,
)
_JIMENG: dict[str, Any] = dict(
    family="jimeng",
    durations=(5, 10),
    default_duration=5,
    aspect_ratios=_RATIOS_6,
    default_aspect_ratio="16:9",
    max_prompt_chars=800,
    typical_seconds=60.0,
    min_seconds=20.0,
)
_VIDU_RESOLUTIONS = ("360p", "540p", "720p", "1080p")
_VIDU: dict[str, Any] = dict(
    family="vidu",
    end_frame=True,  # images[]: two images make a start-end video
    resolutions=_VIDU_RESOLUTIONS,
    default_resolution="1080p",
    audio="switch",  # metadata.bgm
    options=frozenset({"movement_amplitude", "bgm"}),
    max_prompt_chars=1500,
    typical_seconds=60.0,
    min_seconds=15.0,
)
# Vidu 2.0 and 1.5: 4 s at any resolution, 8 s only at 720p
_VIDU_4_OR_8: dict[str, Any] = dict(
    durations=(4, 8),
    default_duration=4,
    durations_at=tuple((r, (4,)) for r in _VIDU_RESOLUTIONS if r != "720p"),
)
_HAILUO: dict[str, Any] = dict(
    family="hailuo",
    durations=(6, 10),
    default_duration=6,
    resolutions=("512p", "720p", "768p", "1080p"),
    default_resolution="768p",
    durations_at=(("512p", (6,)), ("720p", (6,)), ("1080p", (6,))),  # 10 s only at 768P
    uses_seed=False,
    max_prompt_chars=2000,
    typical_seconds=180.0,
    min_seconds=45.0,
)
_HAILUO_01: dict[str, Any] = dict(
    _HAILUO,
    durations=(6,),
    resolutions=("720p",),
    default_resolution="720p",
    durations_at=(),
)
_VEO: dict[str, Any] = dict(
    family="veo",
    inline_images=True,  # an http image URL is silently ignored by the plugin
    durations=(4, 6, 8),
    default_duration=8,
    sizes=("1280x720", "720x1280", "1920x1080", "1080x1920", "3840x2160", "2160x3840"),
    aspect_ratios=("16:9", "9:16"),
    resolutions=("720p", "1080p", "4k"),
    uses_negative_prompt=True,  # metadata.negativePrompt
    audio="switch",  # metadata.generateAudio
    max_prompt_chars=4000,
    typical_seconds=90.0,
    min_seconds=30.0,
)
_SEEDANCE: dict[str, Any] = dict(
    family="seedance",
    length_field="seconds",  # the plugin does not read duration
    # not in the reference: the vendor's own API takes 2-12 s
    durations=tuple(range(2, 13)),
    default_duration=5,
    aspect_ratios=_RATIOS_6,
    resolutions=("480p", "720p", "1080p", "4k"),
    audio="switch",  # metadata.generate_audio
    max_prompt_chars=2000,
    typical_seconds=60.0,
    min_seconds=20.0,
)
_WAN: dict[str, Any] = dict(
    family="wan",
    durations=(5, 10),  # not in the reference beyond "default 5"
    default_duration=5,
    uses_negative_prompt=True,  # metadata.input.negative_prompt
    audio="track",  # metadata.input.audio_url
    max_prompt_chars=1500,
    typical_seconds=120.0,
    min_seconds=40.0,
)
_WAN_T2V: dict[str, Any] = dict(
    _WAN,
    image="none",
    # sent as W*H; the vendor's 480P, 720P and 1080P sizes
    sizes=(
        "832x480",
        "480x832",
        "624x624",
        "1280x720",
        "720x1280",
        "960x960",
        "1088x832",
        "832x1088",
        "1920x1080",
        "1080x1920",
        "1440x1440",
        "1632x1248",
        "1248x1632",
    ),
)
_WAN_I2V: dict[str, Any] = dict(_WAN, image="required", resolutions=("480p", "720p", "1080p"))
_WAN_I2V_SHORT: dict[str, Any] = dict(_WAN_I2V, durations=(5,), audio="none")  # 2.2 and 2.1
_SORA: dict[str, Any] = dict(
    family="sora",
    length_field="seconds",
    durations=(4, 8, 12),
    default_duration=4,
    default_size="720x1280",
    uses_seed=False,
    max_prompt_chars=4000,
    endpoint="videos",
    typical_seconds=120.0,
    min_seconds=30.0,
)


def _spec(name: str, label: str, template: Mapping[str, Any], **fields: Any) -> ModelSpec:
    return ModelSpec(name=name, label=label, **{**template, **fields})


_FAST = dict(typical_seconds=45.0, min_seconds=15.0)
_SLOW = dict(typical_seconds=300.0, min_seconds=90.0)

MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        _spec("kling-v1", "Kling v1", _KLING),
        _spec("kling-v1-6", "Kling v1.6", _KLING),
        _spec(
            "kling-v2-master",
            "Kling v2 Master",
            _KLING,
            modes=("pro",),
            default_mode="pro",
            **_SLOW,
        ),
        _spec("jimeng_vgfm_t2v_l20", "Jimeng text-to-video", _JIMENG, image="none"),
        _spec("jimeng_vgfm_i2v_l20", "Jimeng image-to-video", _JIMENG, image="required"),
        _spec(
            "viduq2", "Vidu Q2", _VIDU, durations=tuple(range(1, 11)), default_duration=5, **_FAST
        ),
        _spec(
            "viduq1",
            "Vidu Q1",
            _VIDU,
            durations=(5,),
            default_duration=5,
            resolutions=("720p", "1080p"),
        ),
        _spec("vidu2.0", "Vidu 2.0", _VIDU, **_VIDU_4_OR_8),
        _spec("vidu1.5", "Vidu 1.5", _VIDU, **_VIDU_4_OR_8),
        _spec("MiniMax-Hailuo-2.3", "Hailuo 2.3", _HAILUO, end_frame=True),
        _spec("MiniMax-Hailuo-2.3-Fast", "Hailuo 2.3 Fast", _HAILUO, image="required", **_FAST),
        _spec("MiniMax-Hailuo-02", "Hailuo 02", _HAILUO, end_frame=True),
        _spec("T2V-01", "MiniMax T2V-01", _HAILUO_01, image="none"),
        _spec("T2V-01-Director", "MiniMax T2V-01 Director", _HAILUO_01, image="none"),
        _spec("I2V-01", "MiniMax I2V-01", _HAILUO_01, image="required"),
        _spec("I2V-01-Director", "MiniMax I2V-01 Director", _HAILUO_01, image="required"),
        _spec("I2V-01-live", "MiniMax I2V-01 Live", _HAILUO_01, image="required"),
        # the image is the subject to keep (metadata.subject_reference), not a first frame
        _spec("S2V-01", "MiniMax S2V-01 (subject)", _HAILUO_01, image="required"),
        _spec("veo-3.0-generate-001", "Veo 3", _VEO),
        _spec("veo-3.0-fast-generate-001", "Veo 3 Fast", _VEO, **_FAST),
        _spec("veo-3.1-generate-preview", "Veo 3.1 (preview)", _VEO),
        _spec("veo-3.1-fast-generate-preview", "Veo 3.1 Fast (preview)", _VEO, **_FAST),
        _spec("doubao-seedance-1-0-pro-250528", "Seedance 1.0 Pro", _SEEDANCE, audio="none"),
        _spec(
            "doubao-seedance-1-0-lite-t2v",
            "Seedance 1.0 Lite (text)",
            _SEEDANCE,
            image="none",
            audio="none",
            **_FAST,
        ),
        _spec(
            "doubao-seedance-1-0-lite-i2v",
            "Seedance 1.0 Lite (image)",
            _SEEDANCE,
            image="required",
            audio="none",
            **_FAST,
        ),
        _spec("doubao-seedance-1-5-pro-251215", "Seedance 1.5 Pro", _SEEDANCE),
        _spec("doubao-seedance-2-0-260128", "Seedance 2.0", _SEEDANCE, typical_seconds=90.0),
        _spec("doubao-seedance-2-0-fast-260128", "Seedance 2.0 Fast", _SEEDANCE, **_FAST),
        _spec("doubao-seedance-2-0-mini-260615", "Seedance 2.0 Mini", _SEEDANCE, **_FAST),
        _spec("doubao-seedance-2-5-260628", "Seedance 2.5", _SEEDANCE, typical_seconds=120.0),
        _spec("wan2.7-t2v", "Wan 2.7 text-to-video", _WAN_T2V),
        _spec("wan2.7-i2v", "Wan 2.7 image-to-video", _WAN_I2V),
        _spec("wan2.5-t2v-preview", "Wan 2.5 text-to-video (preview)", _WAN_T2V),
        _spec("wan2.5-i2v-preview", "Wan 2.5 image-to-video (preview)", _WAN_I2V),
        _spec("wan2.2-i2v-flash", "Wan 2.2 Flash image-to-video", _WAN_I2V_SHORT, **_FAST),
        _spec("wan2.2-i2v-plus", "Wan 2.2 Plus image-to-video", _WAN_I2V_SHORT),
        _spec("wanx2.1-i2v-plus", "Wanx 2.1 Plus image-to-video", _WAN_I2V_SHORT, **_SLOW),
        _spec("wanx2.1-i2v-turbo", "Wanx 2.1 Turbo image-to-video", _WAN_I2V_SHORT, **_FAST),
        _spec("sora-2", "Sora 2", _SORA, sizes=("720x1280", "1280x720")),
        _spec(
            "sora-2-pro",
            "Sora 2 Pro",
            _SORA,
            sizes=("720x1280", "1280x720", "1024x1792", "1792x1024"),
            **_SLOW,
        ),
    )
}

#: Names known by a prefix: a dated snapshot, or a family the reference names with a wildcard.
#: (prefix, the rules it gets); the model keeps the name it was asked by.
PREFIXES: Final[tuple[tuple[str, ModelSpec], ...]] = (
    ("jimeng_v30", _spec("jimeng_v30", "Jimeng 3.0", _JIMENG)),
    *(
        (name + "-", spec)
        for name, spec in MODELS.items()
        if name.startswith("doubao-seedance-1-0-lite")
    ),
)


def get_model_spec(model: str) -> ModelSpec:
    """The spec for ``model``; an unknown model gets a permissive generic spec.

    >>> get_model_spec("my-new-model").family
    'generic'
    >>> get_model_spec("jimeng_v30_pro").durations
    (5, 10)
    """
    spec = MODELS.get(model)
    if spec is not None:
        return spec
    for prefix, rules in PREFIXES:
        if model.startswith(prefix):
            return dataclasses.replace(rules, name=model, label=f"{rules.label} ({model})")
    return ModelSpec(
        name=model,
        family="generic",
        label=model,
        known=False,
        free_size=True,
        free_duration=True,
        end_frame=True,
        uses_negative_prompt=True,
        audio="any",
        options=frozenset({"cfg_scale", "camera_control", "movement_amplitude", "bgm"}),
    )


def request_field_names() -> tuple[str, ...]:
    from vidwidgets.client._types import VideoRequest

    return tuple(f.name for f in dataclasses.fields(VideoRequest))
