"""The late-2026 gateway's vendors (task plugins), as data.

One ``VendorModel`` per model the plugin gateway routes, with the rules its plugin applies:
which field carries the length, which lengths and resolutions the vendor accepts, in the
vendor's own spelling. The checks themselves are in ``_plugin_validation``; this module only
holds facts. Written from the gateway reference (plugins/tasks/*/plugin.js), independently of
the client's own catalog: a bug shared by both would otherwise pass every test.

Output frame sizes (what the simulator renders, before ``video_scale``):

- Kling: the aspect ratio from ``size``; 720 px short side in ``std``, 1080 px in ``pro``.
- Vidu, Seedance: the resolution's short side (``720p`` → 720) at the requested aspect ratio.
- Hailuo: ``512P`` 912x512, ``720P`` 1280x720, ``768P`` 1366x768 (MiniMax's own 768P frame),
  ``1080P`` 1920x1080, all 16:9.
- Veo: ``720p`` 1280x720, ``1080p`` 1920x1080, ``4k`` 3840x2160, transposed for 9:16.
- Wan: text-to-video the ``W*H`` asked for; image-to-video 16:9 at the resolution
  (``480P`` 832x480, ``720P`` 1280x720, ``1080P`` 1920x1080).
- Sora: the ``size``; Jimeng: the aspect ratio at 720 px (l20) or 1080 px (v30) short side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from vidwidgets.simulator._tables import Platform, Timing

#: where a vendor reads the requested length from
LengthField = Literal["duration", "seconds"]


@dataclass(frozen=True)
class VendorModel:
    """One model of the plugin gateway and the rules its vendor's plugin applies."""

    name: str
    vendor: Platform
    #: "t2v": text only (images are dropped), "i2v": an image is required, "any": optional
    input: Literal["t2v", "i2v", "any"]
    default_seconds: int
    #: allowed lengths in seconds
    seconds: tuple[int, ...]
    #: allowed resolutions in the vendor's spelling (empty: the vendor has no such choice)
    resolutions: tuple[str, ...] = ()
    default_resolution: str = ""


_KLING_T = Timing(submit=2.0, queue=20.0, generate=24.0, per_second=True)
_VIDU_T = Timing(submit=1.0, queue=8.0, generate=9.0, per_second=True)
_HAILUO_T = Timing(submit=1.0, queue=15.0, generate=20.0, per_second=True)
_VEO_T = Timing(submit=1.0, queue=10.0, generate=12.0, per_second=True)
_SEEDANCE_T = Timing(submit=1.0, queue=8.0, generate=10.0, per_second=True)
_WAN_T = Timing(submit=1.0, queue=12.0, generate=15.0, per_second=True)
_SORA_T = Timing(submit=0.5, queue=10.0, generate=15.0, per_second=True)
_JIMENG_T = Timing(submit=1.0, queue=15.0, generate=12.0, per_second=True)

#: default timing per vendor (models of a vendor share it)
VENDOR_TIMING: Final[dict[Platform, Timing]] = {
    "kling": _KLING_T,
    "vidu": _VIDU_T,
    "hailuo": _HAILUO_T,
    "veo": _VEO_T,
    "seedance": _SEEDANCE_T,
    "wan": _WAN_T,
    "sora": _SORA_T,
    "jimeng": _JIMENG_T,
}

#: the length field each vendor's plugin reads (the other one is dropped)
LENGTH_FIELD: Final[dict[Platform, LengthField]] = {
    "kling": "duration",
    "vidu": "duration",
    "hailuo": "duration",
    "veo": "duration",
    "seedance": "seconds",
    "wan": "duration",
    "sora": "seconds",
    "jimeng": "duration",
}

_HAILUO_NEW = ("768P", "1080P")
_HAILUO_02 = ("512P", "768P", "1080P")
_VIDU_RES = ("360p", "540p", "720p", "1080p")
_VEO_RES = ("720p", "1080p")
_VEO_31_RES = ("720p", "1080p", "4k")
_SEEDANCE_RES = ("480p", "720p", "1080p")
_SEEDANCE_2_RES = ("480p", "720p", "1080p", "4k")
_WAN_I2V_RES = ("480P", "720P", "1080P")
_SEEDANCE_SECONDS = tuple(range(2, 13))
_SEEDANCE_2_SECONDS = tuple(range(4, 16))


def _models(*rules: VendorModel) -> dict[str, VendorModel]:
    return {rule.name: rule for rule in rules}


_V = VendorModel

VENDOR_MODELS: Final[dict[str, VendorModel]] = _models(
    # Kling: duration 5 or 10, sent on as a string; kling-v2-master is pro only
    _V("kling-v1", "kling", "any", 5, (5, 10)),
    _V("kling-v1-6", "kling", "any", 5, (5, 10)),
    _V("kling-v2-master", "kling", "any", 5, (5, 10)),
    # Vidu: q1 5 s at 1080p; 2.0 and 1.5: 4 s, or 8 s at 720p; q2 1-10 s
    _V("viduq2", "vidu", "any", 5, tuple(range(1, 11)), _VIDU_RES, "720p"),
    _V("viduq1", "vidu", "any", 5, (5,), ("1080p",), "1080p"),
    _V("vidu2.0", "vidu", "any", 4, (4, 8), _VIDU_RES, "720p"),
    _V("vidu1.5", "vidu", "any", 4, (4, 8), _VIDU_RES, "720p"),
    # Hailuo / MiniMax: 6 or 10 s (10 only at 768P); the 01 series 6 s at 720P
    _V("MiniMax-Hailuo-2.3", "hailuo", "any", 6, (6, 10), _HAILUO_NEW, "768P"),
    _V("MiniMax-Hailuo-2.3-Fast", "hailuo", "i2v", 6, (6, 10), _HAILUO_NEW, "768P"),
    _V("MiniMax-Hailuo-02", "hailuo", "any", 6, (6, 10), _HAILUO_02, "768P"),
    _V("T2V-01", "hailuo", "t2v", 6, (6,), ("720P",), "720P"),
    _V("T2V-01-Director", "hailuo", "t2v", 6, (6,), ("720P",), "720P"),
    _V("I2V-01", "hailuo", "i2v", 6, (6,), ("720P",), "720P"),
    _V("I2V-01-Director", "hailuo", "i2v", 6, (6,), ("720P",), "720P"),
    _V("I2V-01-live", "hailuo", "i2v", 6, (6,), ("720P",), "720P"),
    _V("S2V-01", "hailuo", "any", 6, (6,), ("720P",), "720P"),
    # Veo: 4, 6 or 8 s (default 8); 4k only on 3.1
    _V("veo-3.0-generate-001", "veo", "any", 8, (4, 6, 8), _VEO_RES, "720p"),
    _V("veo-3.0-fast-generate-001", "veo", "any", 8, (4, 6, 8), _VEO_RES, "720p"),
    _V("veo-3.1-generate-preview", "veo", "any", 8, (4, 6, 8), _VEO_31_RES, "720p"),
    _V("veo-3.1-fast-generate-preview", "veo", "any", 8, (4, 6, 8), _VEO_31_RES, "720p"),
    # Seedance (Doubao): `seconds`; 1.x 2-12 s, 2.x 4-15 s (assumed ranges, not confirmed)
    _V(
        "doubao-seedance-1-0-pro-250528",
        "seedance",
        "any",
        5,
        _SEEDANCE_SECONDS,
        _SEEDANCE_RES,
        "1080p",
    ),
    _V(
        "doubao-seedance-1-0-lite-t2v",
        "seedance",
        "t2v",
        5,
        _SEEDANCE_SECONDS,
        _SEEDANCE_RES,
        "720p",
    ),
    _V(
        "doubao-seedance-1-0-lite-i2v",
        "seedance",
        "i2v",
        5,
        _SEEDANCE_SECONDS,
        _SEEDANCE_RES,
        "720p",
    ),
    _V(
        "doubao-seedance-1-5-pro-251215",
        "seedance",
        "any",
        5,
        _SEEDANCE_SECONDS,
        _SEEDANCE_RES,
        "1080p",
    ),
    _V(
        "doubao-seedance-2-0-260128",
        "seedance",
        "any",
        5,
        _SEEDANCE_2_SECONDS,
        _SEEDANCE_2_RES,
        "1080p",
    ),
    _V(
        "doubao-seedance-2-0-fast-260128",
        "seedance",
        "any",
        5,
        _SEEDANCE_2_SECONDS,
        _SEEDANCE_2_RES,
        "720p",
    ),
    _V(
        "doubao-seedance-2-0-mini-260615",
        "seedance",
        "any",
        5,
        _SEEDANCE_2_SECONDS,
        _SEEDANCE_2_RES,
        "720p",
    ),
    _V(
        "doubao-seedance-2-5-260628",
        "seedance",
        "any",
        5,
        _SEEDANCE_2_SECONDS,
        _SEEDANCE_2_RES,
        "1080p",
    ),
    # Wan: t2v `size` as W*H; i2v a resolution; 2.5/2.7 5 or 10 s, the older i2v models 5 s
    _V("wan2.7-t2v", "wan", "t2v", 5, (5, 10)),
    _V("wan2.7-i2v", "wan", "i2v", 5, (5, 10), _WAN_I2V_RES, "1080P"),
    _V("wan2.5-t2v-preview", "wan", "t2v", 5, (5, 10)),
    _V("wan2.5-i2v-preview", "wan", "i2v", 5, (5, 10), _WAN_I2V_RES, "1080P"),
    _V("wan2.2-i2v-flash", "wan", "i2v", 5, (5,), _WAN_I2V_RES, "720P"),
    _V("wan2.2-i2v-plus", "wan", "i2v", 5, (5,), _WAN_I2V_RES, "1080P"),
    _V("wanx2.1-i2v-plus", "wan", "i2v", 5, (5,), ("720P",), "720P"),
    _V("wanx2.1-i2v-turbo", "wan", "i2v", 5, (5,), ("480P", "720P"), "720P"),
    # Sora: `seconds` as a string; sizes as WxH
    _V("sora-2", "sora", "any", 4, (4, 8, 12), ("720x1280", "1280x720"), "720x1280"),
    _V(
        "sora-2-pro",
        "sora",
        "any",
        4,
        (4, 8, 12),
        ("720x1280", "1280x720", "1792x1024", "1024x1792"),
        "720x1280",
    ),
    # Jimeng: l20 5 s (i2v with images); v30 5 or 10 s
    _V("jimeng_vgfm_t2v_l20", "jimeng", "any", 5, (5,)),
    _V("jimeng_vgfm_i2v_l20", "jimeng", "i2v", 5, (5,)),
    _V("jimeng_v30", "jimeng", "any", 5, (5, 10)),
    _V("jimeng_v30_pro", "jimeng", "any", 5, (5, 10)),
)

#: model-name prefixes a plugin serves beyond its listed models ("others pass through by name")
PASS_THROUGH: Final[dict[str, VendorModel]] = {
    "kling-": VendorModel("kling-*", "kling", "any", 5, (5, 10)),
    "jimeng_v30": VendorModel("jimeng_v30*", "jimeng", "any", 5, (5, 10)),
}

#: metadata keys each plugin reads; any other key is dropped (and recorded as dropped)
VENDOR_METADATA: Final[dict[Platform, frozenset[str]]] = {
    "kling": frozenset(
        {
            "negative_prompt",
            "image_tail",
            "camera_control",
            "aspect_ratio",
            "cfg_scale",
            "mode",
            "sound",
            "static_mask",
            "dynamic_masks",
            "callback_url",
            "external_task_id",
        }
    ),
    "vidu": frozenset(
        {"seed", "resolution", "movement_amplitude", "bgm", "aspect_ratio", "callback_url"}
    ),
    "hailuo": frozenset(
        {
            "resolution",
            "first_frame_image",
            "last_frame_image",
            "subject_reference",
            "prompt_optimizer",
            "callback_url",
        }
    ),
    "veo": frozenset(
        {"seed", "negativePrompt", "generateAudio", "resolution", "aspectRatio", "personGeneration"}
    ),
    "seedance": frozenset(
        {"resolution", "ratio", "seed", "generate_audio", "content", "camera_fixed", "watermark"}
    ),
    "wan": frozenset({"input", "parameters"}),
    "sora": frozenset(),
    "jimeng": frozenset({"seed", "aspect_ratio", "image_urls", "binary_data_base64"}),
}

KLING_ASPECT_FROM_SIZE: Final[dict[str, str]] = {
    "1024x1024": "1:1",
    "1280x720": "16:9",
    "1920x1080": "16:9",
    "720x1280": "9:16",
    "1080x1920": "9:16",
}
KLING_ASPECTS: Final = ("16:9", "9:16", "1:1")
KLING_MODES: Final = ("std", "pro")
#: Kling models that only run in pro mode
KLING_PRO_ONLY: Final = frozenset({"kling-v2-master"})
KLING_SOUND: Final = ("on", "off")

VIDU_ASPECTS: Final = ("16:9", "9:16", "1:1")
VIDU_MOVEMENT: Final = ("auto", "small", "medium", "large")

HAILUO_FRAMES: Final[dict[str, tuple[int, int]]] = {
    "512P": (912, 512),
    "720P": (1280, 720),
    "768P": (1366, 768),
    "1080P": (1920, 1080),
}
#: Hailuo: 10 s only at this resolution
HAILUO_LONG_RESOLUTION: Final = "768P"

VEO_FRAMES: Final[dict[str, tuple[int, int]]] = {
    "720p": (1280, 720),
    "1080p": (1920, 1080),
    "4k": (3840, 2160),
}
VEO_ASPECTS: Final = ("16:9", "9:16")
#: Veo reads ``size`` as resolution plus aspect ratio
VEO_SIZES: Final[dict[str, tuple[str, str]]] = {
    "1280x720": ("720p", "16:9"),
    "720x1280": ("720p", "9:16"),
    "1920x1080": ("1080p", "16:9"),
    "1080x1920": ("1080p", "9:16"),
    "3840x2160": ("4k", "16:9"),
    "2160x3840": ("4k", "9:16"),
}

SEEDANCE_RATIOS: Final = ("16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive")
SEEDANCE_SHORT_SIDE: Final[dict[str, int]] = {"480p": 480, "720p": 720, "1080p": 1080, "4k": 2160}

#: Wan text-to-video sizes, ``W*H``
WAN_T2V_SIZES: Final = (
    "832*480",
    "480*832",
    "624*624",
    "1280*720",
    "720*1280",
    "960*960",
    "1920*1080",
    "1080*1920",
    "1440*1440",
)
WAN_T2V_DEFAULT_SIZE: Final = "1920*1080"
WAN_I2V_FRAMES: Final[dict[str, tuple[int, int]]] = {
    "480P": (832, 480),
    "720P": (1280, 720),
    "1080P": (1920, 1080),
}

JIMENG_ASPECTS: Final = ("16:9", "9:16", "1:1", "4:3", "3:4", "21:9")


def vendor_model(name: str) -> VendorModel | None:
    """The rules for a model name, including the names a plugin passes through; or None."""
    rule = VENDOR_MODELS.get(name)
    if rule is not None:
        return rule
    for prefix, passing in PASS_THROUGH.items():
        if name.startswith(prefix):
            return passing
    return None
