"""VideoRequest refuses every bad value at construction, naming the field and what is allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vidwidgets.client import MODELS, ModelSpec, ValidationError, VideoRequest
from vidwidgets.client._models import MAX_IMAGE_BYTES

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64

# (fields, the field the error names, a fragment of the allowed values in the message)
BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"model": "", "prompt": "x"}, "model", "model name"),
    ({"model": "kling v1", "prompt": "x"}, "model", "model name"),
    ({"model": "kling-v1", "prompt": ""}, "prompt", "non-empty"),
    ({"model": "kling-v1", "prompt": "   "}, "prompt", "non-empty"),
    ({"model": "kling-v1", "prompt": "x" * 2501}, "prompt", "at most 2500"),
    ({"model": "kling-v1", "prompt": "x", "duration": 7}, "duration", "5 or 10"),
    ({"model": "kling-v1", "prompt": "x", "duration": 5.5}, "duration", "whole number"),
    ({"model": "kling-v1", "prompt": "x", "size": "640x480"}, "size", "'1280x720'"),
    ({"model": "kling-v1", "prompt": "x", "size": "big"}, "size", "WIDTHxHEIGHT"),
    ({"model": "kling-v1", "prompt": "x", "mode": "ultra"}, "mode", "'std' or 'pro'"),
    ({"model": "kling-v1", "prompt": "x", "cfg_scale": 2}, "cfg_scale", "0 to 1"),
    ({"model": "kling-v1", "prompt": "x", "bgm": True}, "bgm", "only vidu"),
    ({"model": "kling-v1", "prompt": "x", "seed": -1}, "seed", "0 to"),
    ({"model": "kling-v1", "prompt": "x", "seed": 1.5}, "seed", "whole number"),
    ({"model": "kling-v1", "prompt": "x", "seed": 2**40}, "seed", "0 to"),
    ({"model": "sora-2", "prompt": "x", "seconds": 8}, "seconds", "'4', '8' or '12'"),
    ({"model": "sora-2", "prompt": "x", "seconds": "5"}, "seconds", "4, 8 or 12"),
    ({"model": "sora-2", "prompt": "x", "size": "1792x1024"}, "size", "'720x1280' or '1280x720'"),
    ({"model": "viduq1", "prompt": "x", "resolution": "4k"}, "resolution", "'720p' or '1080p'"),
    (
        {"model": "viduq1", "prompt": "x", "movement_amplitude": "huge"},
        "movement_amplitude",
        "'auto'",
    ),
    (
        {"model": "jimeng_vgfm_t2v_l20", "prompt": "x", "aspect_ratio": "2:1"},
        "aspect_ratio",
        "'16:9'",
    ),
    ({"model": "jimeng_vgfm_i2v_l20", "prompt": "x"}, "image", "image-to-video"),
    (
        {"model": "jimeng_vgfm_t2v_l20", "prompt": "x", "image": "https://a/b.png"},
        "image",
        "text-to-video",
    ),
    (
        {"model": "kling-v1", "prompt": "x", "image": "/no/such/file.png"},
        "image",
        "existing image file",
    ),
    (
        {"model": "kling-v1", "prompt": "x", "image": "javascript:alert(1)"},
        "image",
        "existing image file",
    ),
    (
        {"model": "kling-v1", "prompt": "x", "image": "data:text/html;base64,AAAA"},
        "image",
        "data:image",
    ),
    (
        {"model": "kling-v1", "prompt": "x", "metadata": {"f": object()}},
        "metadata",
        "JSON-serialisable",
    ),
    (
        {"model": "kling-v1", "prompt": "x", "metadata": {"model": "other"}},
        "metadata.model",
        "model=",
    ),
    ({"model": "kling-v1", "prompt": "x", "metadata": {1: 2}}, "metadata", "string keys"),
    (
        {"model": "kling-v1", "prompt": "x", "camera_control": {"type": "spin"}},
        "camera_control",
        "'simple'",
    ),
]


@pytest.mark.parametrize(
    ("fields", "field", "allowed"), BAD, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD)]
)
def test_bad_value_names_the_field_and_what_is_allowed(
    fields: dict[str, Any], field: str, allowed: str
) -> None:
    with pytest.raises(ValidationError) as info:
        VideoRequest(**fields)
    assert info.value.field == field
    assert field in str(info.value)
    assert allowed in str(info.value)


def test_image_over_the_size_limit_is_refused_with_a_hint(tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(PNG + b"\0" * MAX_IMAGE_BYTES)
    with pytest.raises(ValidationError) as info:
        VideoRequest(model="kling-v1", prompt="x", image=big)
    assert info.value.field == "image"
    assert "MiB" in str(info.value)
    assert "URL" in info.value.hint


def test_file_that_is_not_an_image_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.png"
    text.write_text("hello")
    with pytest.raises(ValidationError, match="PNG, JPEG"):
        VideoRequest(model="kling-v1", prompt="x", image=text)


def test_unknown_model_passes_through_with_generic_fields() -> None:
    request = VideoRequest(model="brand-new-model", prompt="x", duration=30, size="640x480", seed=3)
    assert request.spec.family == "generic"


def test_from_dict_refuses_unknown_keys() -> None:
    with pytest.raises(ValidationError) as info:
        VideoRequest.from_dict({"model": "kling-v1", "prompt": "x", "fps": 30})
    assert info.value.field == "fps"


@pytest.mark.parametrize("spec", list(MODELS.values()), ids=lambda s: s.name)
def test_every_model_default_is_one_of_its_allowed_values(spec: ModelSpec) -> None:
    # The form offers "default (x)": x must be a value the model accepts.
    pairs = [
        (spec.default_duration, spec.durations),
        (spec.default_size, spec.sizes),
        (spec.default_aspect_ratio, spec.aspect_ratios),
        (spec.default_resolution, spec.resolutions),
        (spec.default_mode, spec.modes),
    ]
    for default, allowed in pairs:
        assert default is None or not allowed or default in allowed
    if spec.default_duration is not None:
        image = "https://example.com/frame.png" if spec.image == "required" else None
        VideoRequest(spec.name, "a fox", duration=spec.default_duration, image=image)
