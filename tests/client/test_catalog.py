"""The catalog: every vendor and model of late 2026, and what each model takes and refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidwidgets.client import MODELS, ModelSpec, ValidationError, VideoRequest, get_model_spec

URL = "https://images.example/frame.png"
END = "https://images.example/last.png"

#: the reference's vendor table, model by model (reference notes, "Vendors (plugin rules)")
VENDORS: dict[str, tuple[str, ...]] = {
    "kling": ("kling-v1", "kling-v1-6", "kling-v2-master"),
    "vidu": ("viduq2", "viduq1", "vidu2.0", "vidu1.5"),
    "hailuo": (
        "MiniMax-Hailuo-2.3",
        "MiniMax-Hailuo-2.3-Fast",
        "MiniMax-Hailuo-02",
        "T2V-01",
        "T2V-01-Director",
        "I2V-01",
        "I2V-01-Director",
        "I2V-01-live",
        "S2V-01",
    ),
    "veo": (
        "veo-3.0-generate-001",
        "veo-3.0-fast-generate-001",
        "veo-3.1-generate-preview",
        "veo-3.1-fast-generate-preview",
    ),
    "seedance": (
        "doubao-seedance-1-0-pro-250528",
        "doubao-seedance-1-0-lite-t2v",
        "doubao-seedance-1-0-lite-i2v",
        "doubao-seedance-1-5-pro-251215",
        "doubao-seedance-2-0-260128",
        "doubao-seedance-2-0-fast-260128",
        "doubao-seedance-2-0-mini-260615",
        "doubao-seedance-2-5-260628",
    ),
    "wan": (
        "wan2.7-t2v",
        "wan2.7-i2v",
        "wan2.5-t2v-preview",
        "wan2.5-i2v-preview",
        "wan2.2-i2v-flash",
        "wan2.2-i2v-plus",
        "wanx2.1-i2v-plus",
        "wanx2.1-i2v-turbo",
    ),
    "sora": ("sora-2", "sora-2-pro"),
    "jimeng": ("jimeng_vgfm_t2v_l20", "jimeng_vgfm_i2v_l20"),
}
ALL = [(family, name) for family, names in VENDORS.items() for name in names]


def _request(spec: ModelSpec, **fields: object) -> VideoRequest:
    image = URL if spec.image == "required" else None
    return VideoRequest(spec.name, "a lighthouse in a storm", image=image, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(("family", "name"), ALL, ids=[n for _, n in ALL])
def test_every_model_of_the_reference_is_in_the_catalog_under_its_vendor(
    family: str, name: str
) -> None:
    spec = MODELS[name]
    assert spec.family == family
    assert spec.known
    assert spec.vendor


def test_the_catalog_holds_nothing_the_reference_does_not_name() -> None:
    assert set(MODELS) == {name for _, name in ALL}


@pytest.mark.parametrize("spec", list(MODELS.values()), ids=lambda s: s.name)
def test_every_model_carries_rough_timing_priors(spec: ModelSpec) -> None:
    assert spec.min_seconds is not None
    assert spec.typical_seconds is not None
    assert 0 < spec.min_seconds < spec.typical_seconds


@pytest.mark.parametrize("spec", list(MODELS.values()), ids=lambda s: s.name)
def test_every_model_makes_a_request_at_its_defaults(spec: ModelSpec) -> None:
    assert _request(spec).spec == spec


@pytest.mark.parametrize(
    "name", [n for n in MODELS if MODELS[n].family in ("kling", "hailuo", "sora")]
)
def test_a_seed_on_a_model_that_ignores_seeds_is_refused_suggesting_samples(name: str) -> None:
    spec = MODELS[name]
    assert not spec.uses_seed
    with pytest.raises(ValidationError) as info:
        _request(spec, seed=3)
    assert info.value.field == "seed"
    assert name in str(info.value)
    assert "samples=n" in (info.value.hint or "")


@pytest.mark.parametrize("family", ["vidu", "veo", "seedance", "wan", "jimeng"])
def test_vendors_that_honour_a_seed_take_one(family: str) -> None:
    spec = MODELS[VENDORS[family][0]]
    assert spec.uses_seed
    assert _request(spec, seed=3).seed == 3


def test_veo_refuses_a_length_it_cannot_make_and_says_which_it_can() -> None:
    with pytest.raises(ValidationError) as info:
        VideoRequest("veo-3.1-generate-preview", "a fox", duration=5, negative_prompt="blur")
    assert info.value.field == "duration"
    assert "4, 6 or 8" in str(info.value)


def test_veo_takes_a_negative_prompt_a_seed_and_audio() -> None:
    request = VideoRequest(
        "veo-3.1-generate-preview",
        "a fox",
        duration=6,
        negative_prompt="blur",
        seed=3,
        audio=True,
    )
    assert (request.negative_prompt, request.seed, request.audio) == ("blur", 3, True)


def test_veo_lengths_default_to_eight_seconds() -> None:
    assert VideoRequest("veo-3.0-generate-001", "a fox").effective_duration == 8


def test_hailuo_own_resolution_spelling_is_accepted_and_kept_in_one_spelling() -> None:
    request = VideoRequest("MiniMax-Hailuo-02", "a fox", resolution="1080P")
    assert request.resolution == "1080p"
    assert request == VideoRequest("MiniMax-Hailuo-02", "a fox", resolution="1080p")
    assert request.fingerprint() == request.replace(resolution="1080p").fingerprint()


def test_wan_own_size_spelling_is_accepted() -> None:
    assert VideoRequest("wan2.7-t2v", "a fox", size="1920*1080").size == "1920x1080"


def test_hailuo_makes_ten_seconds_only_at_768p() -> None:
    assert VideoRequest("MiniMax-Hailuo-2.3", "a fox", duration=10).duration == 10
    with pytest.raises(ValidationError) as info:
        VideoRequest("MiniMax-Hailuo-2.3", "a fox", duration=10, resolution="1080P")
    assert info.value.field == "duration"
    assert "1080p" in str(info.value)
    assert "'768p'" in (info.value.hint or "")


def test_hailuo_01_series_makes_six_seconds_at_720p_only() -> None:
    spec = MODELS["T2V-01"]
    assert (spec.durations, spec.resolutions) == ((6,), ("720p",))


def test_vidu_2_makes_eight_seconds_only_at_720p() -> None:
    with pytest.raises(ValidationError, match="at 1080p"):
        VideoRequest("vidu2.0", "a fox", duration=8, resolution="1080p")
    assert MODELS["vidu2.0"].resolution_for(8) == "720p"


def test_kling_v2_master_is_pro_only() -> None:
    with pytest.raises(ValidationError) as info:
        VideoRequest("kling-v2-master", "a fox", mode="std")
    assert info.value.field == "mode"
    assert "'pro'" in str(info.value)
    assert MODELS["kling-v2-master"].default_mode == "pro"


@pytest.mark.parametrize("name", ["viduq1", "MiniMax-Hailuo-02", "sora-2", "jimeng_vgfm_t2v_l20"])
def test_a_negative_prompt_is_refused_where_the_vendor_has_none(name: str) -> None:
    with pytest.raises(ValidationError) as info:
        _request(MODELS[name], negative_prompt="blur")
    assert info.value.field == "negative_prompt"
    assert "Veo" in str(info.value)  # names the vendors that take one


@pytest.mark.parametrize(
    ("name", "end_frame"),
    [("kling-v1", True), ("viduq2", True), ("MiniMax-Hailuo-02", True), ("veo-3.0-generate-001", False),
     ("sora-2", False), ("doubao-seedance-1-5-pro-251215", False)],
)  # fmt: skip
def test_a_last_frame_goes_only_to_models_that_take_one(name: str, end_frame: bool) -> None:
    spec = MODELS[name]
    assert spec.end_frame is end_frame
    assert spec.max_images == (2 if end_frame else 1)
    if end_frame:
        assert VideoRequest(name, "a fox", image=URL, end_image=END).end_image == END
    else:
        with pytest.raises(ValidationError) as info:
            VideoRequest(name, "a fox", image=URL, end_image=END)
        assert info.value.field == "end_image"


def test_a_last_frame_needs_a_first_frame() -> None:
    with pytest.raises(ValidationError) as info:
        VideoRequest("kling-v1", "a fox", end_image=END)
    assert info.value.field == "end_image"
    assert "image=" in str(info.value)


def test_a_missing_last_frame_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        VideoRequest("kling-v1", "a fox", image=URL, end_image=tmp_path / "gone.png")
    assert info.value.field == "end_image"


@pytest.mark.parametrize(
    ("name", "audio"),
    [("kling-v1", True), ("viduq1", False), ("veo-3.0-generate-001", True),
     ("doubao-seedance-2-0-260128", True), ("wan2.5-t2v-preview", "https://a.example/t.mp3")],
)  # fmt: skip
def test_audio_is_taken_in_each_vendors_own_form(name: str, audio: bool | str) -> None:
    assert _request(MODELS[name], audio=audio).audio == audio


def test_wan_takes_a_soundtrack_url_not_a_switch() -> None:
    with pytest.raises(ValidationError) as info:
        VideoRequest("wan2.5-t2v-preview", "a fox", audio=True)
    assert info.value.field == "audio"
    assert "URL" in str(info.value)


@pytest.mark.parametrize("name", ["MiniMax-Hailuo-2.3", "sora-2", "jimeng_vgfm_t2v_l20"])
def test_audio_is_refused_where_the_vendor_makes_none(name: str) -> None:
    with pytest.raises(ValidationError) as info:
        _request(MODELS[name], audio=True)
    assert info.value.field == "audio"
    assert "nothing" in str(info.value)


def test_vidu_audio_and_bgm_must_agree() -> None:
    with pytest.raises(ValidationError, match="bgm"):
        VideoRequest("viduq1", "a fox", audio=True, bgm=False)


def test_seedance_and_sora_carry_the_length_in_seconds() -> None:
    assert MODELS["doubao-seedance-2-0-260128"].length_field == "seconds"
    assert MODELS["sora-2"].length_field == "seconds"
    assert MODELS["veo-3.0-generate-001"].length_field == "duration"


def test_veo_needs_inline_images_and_others_do_not() -> None:
    assert [n for n, s in MODELS.items() if s.inline_images] == list(VENDORS["veo"])


def test_a_dated_snapshot_gets_the_rules_of_its_model_under_its_own_name() -> None:
    spec = get_model_spec("doubao-seedance-1-0-lite-t2v-250428")
    assert (spec.name, spec.family, spec.image) == (
        "doubao-seedance-1-0-lite-t2v-250428",
        "seedance",
        "none",
    )


def test_jimeng_v30_models_are_known_by_their_prefix() -> None:
    spec = get_model_spec("jimeng_v30_pro")
    assert (spec.family, spec.durations) == ("jimeng", (5, 10))


def test_a_model_outside_the_catalog_passes_every_new_field_through() -> None:
    request = VideoRequest("acme-video-9", "a fox", image=URL, end_image=END, audio=True, seed=1)
    assert request.spec.family == "generic"
    assert request.spec.typical_seconds is None  # no prior: the client learns it


def test_resolution_and_size_must_agree() -> None:
    with pytest.raises(ValidationError) as info:
        VideoRequest("veo-3.0-generate-001", "a fox", size="1280x720", resolution="1080p")
    assert info.value.field == "resolution"


def test_veo_4k_size_names_the_4k_resolution() -> None:
    assert MODELS["veo-3.0-generate-001"].size_to_resolution("3840x2160") == "4k"


def test_the_vendor_table_in_the_docs_lists_every_model_of_the_catalog() -> None:
    table = (Path(__file__).parents[2] / "docs" / "vendors.md").read_text(encoding="utf-8")
    assert [name for name in MODELS if f"| `{name}` |" not in table] == []


def test_the_vendor_table_shows_the_catalogs_timing_priors() -> None:
    table = (Path(__file__).parents[2] / "docs" / "vendors.md").read_text(encoding="utf-8")

    def seconds(x: float | None) -> str:
        return "—" if x is None else f"{x:g}"

    wrong = {}
    for name, spec in MODELS.items():
        row = next(line for line in table.splitlines() if f"| `{name}` |" in line)
        shown = row.rstrip(" |").rsplit("|", 1)[-1].strip()
        wanted = f"{seconds(spec.typical_seconds)} / {seconds(spec.min_seconds)}"
        if shown != wanted:
            wrong[name] = (shown, wanted)
    assert wrong == {}
