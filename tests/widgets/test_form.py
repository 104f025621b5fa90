"""ParameterForm: the fields and values follow the model; errors show next to their field."""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from pathlib import Path

import pytest

from vidwidgets.client import (
    MODELS,
    AvailableModel,
    ValidationError,
    VideoRequest,
    get_model_spec,
)
from vidwidgets.widgets import ParameterForm

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def values(dropdown) -> list:
    return [v for _, v in dropdown.options if v not in (None, "")]


def error_under(form: ParameterForm, group: str) -> str:
    """The error text shown right under ``group``'s row ('' when the error is elsewhere)."""
    if form.error_group != group:
        return ""
    children = list(form.children)
    rows = dict(form._groups())[group]
    assert children[children.index(form.field_error) - 1] is rows[-1]
    return form.field_error.value


def shown(widget) -> bool:
    return widget.layout.display != "none"


@pytest.mark.parametrize("name", list(MODELS))
def test_each_model_offers_exactly_its_allowed_values(name: str) -> None:
    spec = get_model_spec(name)
    form = ParameterForm(model=name, prompt="a lighthouse in a storm")
    assert form.model_name == name
    assert values(form.duration) == list(spec.durations)
    assert shown(form.size) == bool(spec.sizes)
    assert values(form.size) == list(spec.sizes)
    assert shown(form.aspect_ratio) == bool(spec.aspect_ratios)
    assert values(form.aspect_ratio) == list(spec.aspect_ratios)
    assert shown(form.resolution) == bool(spec.resolutions)
    assert values(form.resolution) == list(spec.resolutions)
    assert values(form.mode) == list(spec.modes)
    assert shown(form.seed_box) == spec.uses_seed
    assert shown(form.negative_prompt) == spec.uses_negative_prompt
    assert shown(form.image_url) == (spec.image != "none")
    assert shown(form.image_box) == (spec.image != "none")
    assert shown(form.cfg_row) == ("cfg_scale" in spec.options)
    assert shown(form.movement) == ("movement_amplitude" in spec.options)
    assert shown(form.advanced) == bool(spec.options)


@pytest.mark.parametrize("name", [n for n, s in MODELS.items() if s.image != "required"])
def test_every_offered_value_makes_a_valid_request(name: str) -> None:
    form = ParameterForm(model=name, prompt="a lighthouse in a storm")
    for dropdown in (form.duration, form.size, form.aspect_ratio, form.resolution, form.mode):
        if not shown(dropdown):
            continue
        for _, value in dropdown.options:
            dropdown.value = value
            assert form.valid, (name, value, form.error)
            form.request  # noqa: B018 - building it must not raise
        dropdown.value = dropdown.options[0][1]


def test_models_are_grouped_by_family() -> None:
    form = ParameterForm()
    form.family.value = "sora"
    assert values(form.model) == ["sora-2", "sora-2-pro"]
    assert form.model_name == "sora-2"
    form.family.value = "jimeng"
    assert values(form.model) == ["jimeng_vgfm_t2v_l20", "jimeng_vgfm_i2v_l20"]


def test_any_model_can_be_typed_in() -> None:
    form = ParameterForm(prompt="a fox")
    form.family.value = "generic"
    assert not form.valid
    assert form.error_field == "model"
    form.custom_model.value = "acme-video-9"
    assert form.valid
    assert form.request.model == "acme-video-9"
    assert shown(form._duration.text)
    assert not shown(form.duration)
    form._duration.text.value = "7"
    form._size.text.value = "640x360"
    assert form.request == VideoRequest(
        model="acme-video-9", prompt="a fox", duration=7, size="640x360"
    )


def test_typing_a_known_model_switches_to_its_family_rules() -> None:
    form = ParameterForm(prompt="a fox")
    form.family.value = "generic"
    form.custom_model.value = "sora-2-pro"
    assert form.family.value == "sora"
    assert form.model.value == "sora-2-pro"
    assert 12 in values(form.duration)


def test_sora_duration_is_sent_as_seconds_string() -> None:
    form = ParameterForm(model="sora-2", prompt="a paper boat")
    form.duration.value = 12
    assert form.request.seconds == "12"
    assert form.request.duration is None
    assert form.duration.description == "Seconds"


def test_character_count_follows_the_models_limit() -> None:
    form = ParameterForm(model="jimeng_vgfm_t2v_l20", prompt="abc")
    assert form.char_count.value == "3 / 800 characters"
    form.prompt.value = "x" * 801
    assert "vw-over" in form.char_count._dom_classes
    assert not form.valid
    assert form.error_field == "prompt"
    assert "at most 800 characters" in error_under(form, "prompt")
    assert form.run_button.disabled


def test_empty_prompt_disables_the_button_with_a_gentle_note() -> None:
    form = ParameterForm()
    assert not form.valid
    assert form.run_button.disabled
    assert error_under(form, "prompt") == "Describe the video to enable Generate."
    form.prompt.value = "a red fox in snow"
    assert form.valid
    assert not form.run_button.disabled
    assert error_under(form, "prompt") == ""


def test_invalid_seed_is_shown_next_to_the_seed() -> None:
    form = ParameterForm(model="viduq1", prompt="a fox")
    form.seed.value = "twelve"
    assert not form.valid
    assert form.error_field == "seed"
    assert "seed" in error_under(form, "seed")
    assert error_under(form, "prompt") == ""
    with pytest.raises(ValidationError) as info:
        form.request  # noqa: B018
    assert info.value.field == "seed"


def test_dice_button_picks_a_seed() -> None:
    form = ParameterForm(model="viduq1", prompt="a fox")
    form.dice.click()
    assert form.seed.value.isdigit()
    assert form.request.seed == int(form.seed.value)


def test_mismatched_size_and_aspect_ratio_error_is_next_to_the_aspect_ratio() -> None:
    form = ParameterForm(model="kling-v1", prompt="a fox")
    form.size.value = "720x1280"
    form.aspect_ratio.value = "16:9"
    assert not form.valid
    assert form.error_field == "aspect_ratio"
    assert error_under(form, "aspect_ratio")
    assert not error_under(form, "size")
    form.aspect_ratio.value = "9:16"
    assert form.valid


def test_image_to_video_model_requires_an_image(tmp_path: Path) -> None:
    form = ParameterForm(model="jimeng_vgfm_i2v_l20", prompt="the cat turns its head")
    assert not form.valid
    assert form.error_field == "image"
    assert "image" in error_under(form, "image")
    form.image_url.value = "https://example.com/cat.png"
    assert form.valid
    assert form.request.image == "https://example.com/cat.png"
    missing = tmp_path / "missing.png"
    form.image_url.value = str(missing)
    assert not form.valid
    assert "Check the path" in error_under(form, "image")


def test_upload_is_written_to_a_file_and_the_synced_bytes_are_cleared() -> None:
    form = ParameterForm(model="jimeng_vgfm_i2v_l20", prompt="the cat turns its head")
    form.image_upload.value = (
        {
            "name": "cat.png",
            "type": "image/png",
            "size": len(PNG),
            "content": memoryview(PNG),
            "last_modified": datetime.now(timezone.utc),
        },
    )
    assert form.image_upload.value == ()
    assert form.valid, form.error
    path = Path(form.request.image)
    assert path.read_bytes() == PNG
    assert "cat.png" in form.image_name.value
    assert "content" not in repr(form.image_upload.get_state())
    form.clear_image()
    assert not form.valid


def test_text_to_video_model_hides_the_image() -> None:
    form = ParameterForm(model="jimeng_vgfm_t2v_l20", prompt="a fox")
    assert not shown(form.image_url)


def test_hiding_the_image_keeps_the_prompt_shown() -> None:
    form = ParameterForm(model="jimeng_vgfm_t2v_l20", prompt="a fox")
    assert not shown(form.image_url)
    assert shown(form.prompt)


def test_kling_advanced_options() -> None:
    form = ParameterForm(model="kling-v1", prompt="a fox")
    form.cfg_enabled.value = True
    form.cfg_scale.value = 0.8
    form.camera_type.value = "simple"
    form.camera_axis.value = "pan"
    form.camera_amount.value = -4
    request = form.request
    assert request.cfg_scale == 0.8
    assert request.camera_control == {"type": "simple", "config": {"pan": -4.0}}
    form.camera_amount.value = 0
    assert not form.valid
    assert form.error_field.startswith("camera_control")
    assert error_under(form, "advanced")


def test_vidu_advanced_options() -> None:
    form = ParameterForm(model="viduq1", prompt="a fox")
    form.movement.value = "large"
    form.bgm.value = True
    assert form.request.movement_amplitude == "large"
    assert form.request.bgm is True


def test_switching_model_drops_options_the_new_model_has_no_field_for() -> None:
    form = ParameterForm(model="kling-v1", prompt="a fox")
    form.cfg_enabled.value = True
    form.family.value = "sora"
    assert form.valid, form.error
    assert form.request.cfg_scale is None


@pytest.mark.parametrize(
    "request_",
    [
        VideoRequest(
            model="kling-v2-master",
            prompt="a fox",
            duration=10,
            aspect_ratio="9:16",
            negative_prompt="blur",
            mode="pro",
            cfg_scale=0.7,
            camera_control={"type": "simple", "config": {"zoom": 3.0}},
        ),
        VideoRequest(
            model="kling-v1", prompt="a fox", size="1080x1920", camera_control={"type": "down_back"}
        ),
        VideoRequest(model="sora-2-pro", prompt="a boat", seconds="12", size="1792x1024"),
        VideoRequest(
            model="viduq1",
            prompt="a fox",
            duration=5,
            resolution="720p",
            seed=42,
            movement_amplitude="small",
            bgm=False,
        ),
        VideoRequest(
            model="jimeng_vgfm_i2v_l20",
            prompt="a cat",
            aspect_ratio="21:9",
            image="https://example.com/cat.png",
        ),
        VideoRequest(
            model="my-own-model",
            prompt="anything",
            duration=30,
            size="640x480",
            metadata={"style": "anime"},
        ),
    ],
    ids=lambda r: r.model,
)
def test_assigning_a_request_fills_the_form(request_: VideoRequest) -> None:
    form = ParameterForm(model="viduq1", prompt="something else", seed=7)
    form.request = request_
    assert form.valid, form.error
    assert form.request == request_
    assert form.prompt.value == request_.prompt


def test_data_uri_image_stays_out_of_synced_traits() -> None:
    uri = "data:image/png;base64," + base64.b64encode(PNG * 200).decode()
    form = ParameterForm(request=VideoRequest(model="viduq1", prompt="a fox", image=uri))
    assert form.request.image == uri
    assert form.image_url.value == ""
    assert "inline image" in form.image_name.value


def test_clicking_run_submits_the_request() -> None:
    form = ParameterForm(model="viduq1", prompt="a fox")
    seen: list[VideoRequest] = []
    form.on_submit(seen.append)
    form.run_button.click()
    assert seen == [form.request]
    form.prompt.value = ""
    form.run_button.click()
    assert len(seen) == 1  # invalid input: nothing submitted


def test_constructor_takes_request_fields() -> None:
    form = ParameterForm(model="sora-2", prompt="a paper boat at dawn", seconds="8")
    assert form.request == VideoRequest(model="sora-2", prompt="a paper boat at dawn", seconds="8")
    assert repr(form) == "ParameterForm(model='sora-2', valid)"


@pytest.mark.parametrize("name", list(MODELS))
def test_every_dropdown_shows_a_selection(name: str) -> None:
    # A Dropdown whose value is None renders as an empty box in the browser.
    form = ParameterForm(model=name, prompt="a fox")
    dropdowns = [
        form.family, form.model, form.duration, form.size, form.aspect_ratio,
        form.resolution, form.mode, form.camera_type, form.movement, form.bgm,
    ]  # fmt: skip
    for dropdown in dropdowns:
        if dropdown.options:
            assert dropdown.index is not None, dropdown.description


# -- the model picker --------------------------------------------------------------------------


def models_by_vendor(form: ParameterForm) -> dict[str, list[str]]:
    """What the picker offers: vendor label -> its models (the typed-name entry left out)."""
    offered: dict[str, list[str]] = {}
    for label, key in form.family.options:
        if key == "generic":
            continue
        form.family.value = key
        offered[label] = values(form.model)
    return offered


def test_without_a_client_the_picker_offers_the_catalog_by_vendor() -> None:
    form = ParameterForm(prompt="a fox")
    assert form.available_models is None
    offered = models_by_vendor(form)
    vendors = ["Kling", "Jimeng", "Vidu", "Hailuo / MiniMax", "Veo", "Seedance", "Wan", "Sora"]
    assert list(offered) == vendors
    assert sorted(n for names in offered.values() for n in names) == sorted(MODELS)
    assert form.family.options[-1] == ("Other (type a name)", "generic")


def test_the_picker_offers_exactly_the_listed_models_grouped_by_vendor() -> None:
    form = ParameterForm(model="veo-3.1-generate-preview", prompt="a fox")
    form.offer_models(
        [
            AvailableModel("sora-2", "openai"),
            AvailableModel("veo-3.1-generate-preview", "google"),
            AvailableModel("kling-v1", "kling"),
            AvailableModel("veo-3.0-generate-001", "google"),
        ]
    )
    assert form.available_models == (
        "sora-2",
        "veo-3.1-generate-preview",
        "kling-v1",
        "veo-3.0-generate-001",
    )
    assert form.model_name == "veo-3.1-generate-preview"  # listed: kept
    assert models_by_vendor(form) == {
        "Kling": ["kling-v1"],
        "Veo": ["veo-3.1-generate-preview", "veo-3.0-generate-001"],
        "Sora": ["sora-2"],
    }
    assert "4 models" in form.model_note.value


def test_a_listed_model_the_catalog_does_not_know_gets_the_generic_form() -> None:
    form = ParameterForm(prompt="a fox")
    form.offer_models([AvailableModel("kling-v1", "kling"), AvailableModel("kling-v9", "Kling"),
                       AvailableModel("acme-video-2", "acme")])  # fmt: skip
    assert models_by_vendor(form) == {"Kling": ["kling-v1", "kling-v9"], "acme": ["acme-video-2"]}
    form.family.value = "vendor:acme"
    assert form.model_name == "acme-video-2"
    assert not form.spec.known
    assert shown(form._duration.text)  # free fields: the gateway judges them
    assert form.request == VideoRequest(model="acme-video-2", prompt="a fox")


def test_a_chosen_model_the_key_cannot_use_gives_way_to_its_vendors_first() -> None:
    form = ParameterForm(model="kling-v1", prompt="a fox")
    form.offer_models(["kling-v2-master", "viduq1"])
    assert form.model_name == "kling-v2-master"
    assert form.request.model == "kling-v2-master"
    assert "kling-v1 is not among this key's 2 models" in form.model_note.value


def test_a_request_for_an_unlisted_model_keeps_it_and_says_so() -> None:
    form = ParameterForm(prompt="a fox")
    form.offer_models(["viduq1"])
    form.request = VideoRequest(model="sora-2", prompt="a boat")
    assert form.model_name == "sora-2"
    assert form.model.options[-1] == ("Sora 2 — sora-2 (not listed for this key)", "sora-2")


def test_offering_the_catalog_again_keeps_the_chosen_model() -> None:
    form = ParameterForm(prompt="a fox")
    form.offer_models(["viduq1", "sora-2"])
    form.family.value = "sora"
    form.offer_catalog("This gateway does not list the key's models: showing the catalog.")
    assert form.available_models is None
    assert form.model_name == "sora-2"
    assert values(form.model) == ["sora-2", "sora-2-pro"]
    assert "does not list" in form.model_note.value
    assert shown(form.model_note)


# -- fields that follow the model ----------------------------------------------------------------


def test_the_seed_is_hidden_with_a_note_for_models_that_ignore_seeds() -> None:
    form = ParameterForm(model="kling-v1", prompt="a fox")
    assert not shown(form.seed_box)
    assert shown(form.seed_note)
    assert "ignores seeds" in form.seed_note.value
    assert "samples" in form.seed_note.value
    form.request = VideoRequest(model="veo-3.1-generate-preview", prompt="a fox", seed=3)
    assert shown(form.seed_box)
    assert not shown(form.seed_note)
    assert form.request.seed == 3


@pytest.mark.parametrize("name", list(MODELS))
def test_each_model_shows_the_frame_sound_and_seed_fields_it_takes(name: str) -> None:
    spec = get_model_spec(name)
    form = ParameterForm(model=name, prompt="a lighthouse in a storm")
    assert shown(form.end_image_url) == (spec.end_frame and spec.image != "none")
    assert shown(form.end_image_box) == shown(form.end_image_url)
    assert shown(form.audio) == (spec.audio == "switch")
    assert shown(form.audio_url) == (spec.audio == "track")
    assert shown(form.seed_note) == (not spec.uses_seed)
    assert shown(form.mode) == bool(spec.modes)
    assert form.image_url.description == ("Image *" if spec.image == "required" else "Image")


def test_the_last_frame_reaches_the_request() -> None:
    form = ParameterForm(model="kling-v1", prompt="a fox turns around")
    form.end_image_url.value = "https://example.com/last.png"
    assert not form.valid  # a last frame needs a first one
    assert error_under(form, "end_image")
    form.image_url.value = "https://example.com/first.png"
    assert form.valid, form.error
    assert form.request.image == "https://example.com/first.png"
    assert form.request.end_image == "https://example.com/last.png"


def test_an_uploaded_last_frame_is_written_to_a_file() -> None:
    form = ParameterForm(model="viduq1", prompt="a fox", image="https://example.com/a.png")
    form.end_image_upload.value = (
        {"name": "end.png", "type": "image/png", "size": len(PNG), "content": memoryview(PNG),
         "last_modified": datetime.now(timezone.utc)},
    )  # fmt: skip
    assert form.end_image_upload.value == ()
    assert Path(form.request.end_image).read_bytes() == PNG
    form.clear_image(end=True)
    assert form.request.end_image is None


def test_the_sound_switch_is_sent_once_set() -> None:
    form = ParameterForm(model="veo-3.1-generate-preview", prompt="waves on rocks")
    assert form.request.audio is None  # untouched: the vendor's default
    form.audio.value = True
    assert form.request.audio is True
    form.audio.value = False
    assert form.request.audio is False  # unticked after ticking: sound off


def test_wan_takes_a_soundtrack_url() -> None:
    form = ParameterForm(model="wan2.7-t2v", prompt="a dancer")
    form.audio_url.value = "https://example.com/beat.mp3"
    assert form.request.audio == "https://example.com/beat.mp3"
    form.audio_url.value = "beat.mp3"
    assert not form.valid
    assert error_under(form, "audio")


@pytest.mark.parametrize(
    "request_",
    [
        VideoRequest(model="veo-3.1-generate-preview", prompt="waves", audio=False, seed=9),
        VideoRequest(model="veo-3.1-generate-preview", prompt="waves", audio=True),
        VideoRequest(model="wan2.7-t2v", prompt="a dancer", audio="https://example.com/b.mp3"),
        VideoRequest(
            model="MiniMax-Hailuo-2.3",
            prompt="a fox",
            image="https://example.com/a.png",
            end_image="https://example.com/b.png",
            resolution="1080p",
        ),
    ],
    ids=lambda r: r.model,
)
def test_assigning_a_request_with_frames_and_sound_reads_back_the_same(
    request_: VideoRequest,
) -> None:
    form = ParameterForm(model="kling-v1", prompt="something else", audio=True)
    form.request = request_
    assert form.valid, form.error
    assert form.request == request_


def test_sizes_and_resolutions_are_labelled_in_the_vendors_spelling() -> None:
    form = ParameterForm(model="MiniMax-Hailuo-2.3", prompt="a fox")
    assert ("1080P", "1080p") in form.resolution.options
    assert form.resolution.options[0] == ("default (768P)", "")
    form.resolution.value = "1080p"
    assert form.request.resolution == "1080p"
    wan = ParameterForm(model="wan2.7-t2v", prompt="a fox")
    assert ("1920*1080", "1920x1080") in wan.size.options
    veo = ParameterForm(model="veo-3.1-generate-preview", prompt="a fox")
    assert ("1080p", "1080p") in veo.resolution.options


def fill_every_field(form: ParameterForm, png: Path) -> None:
    """Choose the first real value of every field the model shows."""
    for dropdown in (form.duration, form.resolution, form.mode):
        if shown(dropdown) and len(dropdown.options) > 1:
            dropdown.value = dropdown.options[1][1]
    if shown(form.aspect_ratio) and len(form.aspect_ratio.options) > 1:
        form.aspect_ratio.value = form.aspect_ratio.options[1][1]
    elif shown(form.size) and len(form.size.options) > 1 and not shown(form.resolution):
        form.size.value = form.size.options[1][1]
    if shown(form.negative_prompt):
        form.negative_prompt.value = "blur, text"
    if shown(form.seed_box):
        form.seed.value = "1234"
    if shown(form.image_url):
        form.image_url.value = str(png)
    if shown(form.end_image_url):
        form.end_image_url.value = str(png)
    if shown(form.audio):
        form.audio.value = True
    if shown(form.audio_url):
        form.audio_url.value = "https://example.com/beat.mp3"


@pytest.mark.parametrize("family", sorted({s.family for s in MODELS.values()}))
def test_each_vendors_fully_filled_form_makes_a_valid_request(family: str, tmp_path: Path) -> None:
    png = tmp_path / "frame.png"
    png.write_bytes(PNG)
    for name in (n for n, s in MODELS.items() if s.family == family):
        form = ParameterForm(model=name, prompt="a lighthouse in a storm")
        fill_every_field(form, png)
        assert form.valid, (name, form.error)
        request = form.request
        spec = get_model_spec(name)
        assert (request.seed is not None) == spec.uses_seed
        assert (request.end_image is not None) == (spec.end_frame and spec.image != "none")
        assert (request.audio is not None) == spec.uses_audio
        assert VideoRequest.from_dict(request.to_dict()) == request


def test_the_vendor_of_an_unlisted_model_can_be_picked_again() -> None:
    form = ParameterForm(prompt="a fox")
    form.offer_models(["viduq1", "veo-3.1-generate-preview"])
    form.request = VideoRequest(model="sora-2", prompt="a boat")
    form.family.value = "veo"
    form.family.value = "sora"
    assert form.model_name == "sora-2"
    assert form.spec.known
    assert form.valid, form.error
