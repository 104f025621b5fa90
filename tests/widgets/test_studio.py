"""Studio end to end on a real simulator over loopback sockets: generate, cancel, fail, switch."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from vidwidgets.apps import Studio
from vidwidgets.client import GenerationFailed, VideoClient, VideoRequest
from vidwidgets.simulator import PluginOptions, Simulator
from vidwidgets.widgets import ParameterForm

from ._comm import customs, from_browser_custom, from_browser_update, sent

SPEED = 200.0
FOX = VideoRequest(model="viduq1", prompt="a red fox running through snow", duration=5)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(dialect="newapi", speed=SPEED, video_scale=0.25, fps=12) as simulator:
        yield simulator


@pytest.fixture
async def client(sim: Simulator, tmp_path: Path) -> AsyncIterator[VideoClient]:
    async with VideoClient(
        base_url=sim.base_url,
        api_key=sim.api_key,
        output_dir=tmp_path / "videos",
        time_scale=1 / SPEED,
        journal=False,
    ) as c:
        yield c


async def test_generate_runs_a_job_and_the_player_gets_the_video(client: VideoClient) -> None:
    studio = Studio(client, model="viduq1", prompt="a red fox running through snow")
    task = studio.generate()
    assert studio.progress is not None
    assert studio.progress.pending
    job = await asyncio.wait_for(task, 60)
    assert job.succeeded
    await asyncio.sleep(0)
    run = studio.runs[0]
    assert run.path is not None
    assert run.path.stat().st_size > 1000
    assert studio.progress.state == "succeeded"
    assert studio.player.path == run.path
    # no thumbnail from the 88API format: the poster is the video's first frame
    assert run.poster is not None
    assert run.poster.read_bytes()[:3] == b"\xff\xd8\xff"
    assert studio.player.has_poster
    assert "vw-run-succeeded" in run.button._dom_classes
    # the browser asks for the bytes: they arrive over custom messages, never in state
    from_browser_custom(
        studio.player,
        {"type": "get", "what": "video", "source": studio.player.source_id, "rid": "x"},
    )
    chunks = [b[0] for c, b in customs(studio.player) if c.get("type") == "chunk"]
    assert b"".join(chunks) == run.path.read_bytes()
    assert b"ftyp" in chunks[0][:32]


async def test_a_run_buttons_tooltip_says_its_state_in_words(client: VideoClient) -> None:
    # the icon and colour alone say nothing to a screen reader; the tooltip is read out
    studio = Studio(client, model="viduq1", prompt="a red fox running through snow")
    await asyncio.wait_for(studio.generate(), 60)
    await asyncio.sleep(0)
    assert studio.runs[0].button.tooltip == "Run #1, succeeded: a red fox running through snow"


async def test_clicking_generate_starts_a_run_and_the_kernel_stays_free(
    client: VideoClient,
) -> None:
    studio = Studio(client, **FOX.to_dict())
    studio.form.run_button.click()
    assert len(studio.runs) == 1
    # the run is a background task: this coroutine keeps running while it polls
    ticks = 0
    while not studio.runs[0].task.done():
        ticks += 1
        await asyncio.sleep(0.01)
    assert ticks > 3
    assert (await studio.runs[0].task).succeeded


async def test_several_runs_queue_and_the_strip_switches_between_them(
    client: VideoClient,
) -> None:
    studio = Studio(client, **FOX.to_dict())
    first = studio.generate()
    second = studio.generate(FOX.replace(prompt="a grey wolf at dusk"))
    assert [r.number for r in studio.runs] == [1, 2]
    assert studio.selected is studio.runs[1]
    await asyncio.wait_for(asyncio.gather(first, second), 60)
    await asyncio.sleep(0)
    studio.runs[0].button.click()
    assert studio.selected is studio.runs[0]
    assert studio.player.path == studio.runs[0].path
    assert studio.progress_slot.children == (studio.runs[0].progress,)
    assert "vw-run-selected" in studio.runs[0].button._dom_classes
    assert "vw-run-selected" not in studio.runs[1].button._dom_classes


async def test_cancel_stops_a_run(client: VideoClient) -> None:
    studio = Studio(client, model="kling-v1", prompt="a slow sunrise", duration=10)
    task = studio.generate()
    await asyncio.sleep(0.05)
    assert studio.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert studio.progress.state == "cancelled"
    assert "vw-run-cancelled" in studio.runs[0].button._dom_classes
    assert studio.player.path is None


async def test_the_cancel_button_in_the_browser_cancels_the_run(client: VideoClient) -> None:
    studio = Studio(client, model="kling-v1", prompt="a slow sunrise", duration=10)
    task = studio.generate()
    await asyncio.sleep(0.05)
    from_browser_custom(studio.progress, {"type": "cancel"})
    with pytest.raises(asyncio.CancelledError):
        await task
    assert studio.progress.state == "cancelled"


async def test_failure_shows_the_servers_message_and_a_hint(tmp_path: Path) -> None:
    async with (
        Simulator(dialect="newapi", speed=SPEED, failure_rate=1.0) as failing,
        VideoClient(
            base_url=failing.base_url,
            api_key=failing.api_key,
            output_dir=tmp_path,
            time_scale=1 / SPEED,
            journal=False,
        ) as client,
    ):
        studio = Studio(client, **FOX.to_dict())
        with pytest.raises(GenerationFailed):
            await asyncio.wait_for(studio.generate(), 60)
        progress = studio.progress
        assert progress.state == "failed"
        assert progress.message  # the provider's reason
        assert "rephrase" in progress.hint or "try another model" in progress.hint
        assert "vw-run-failed" in studio.runs[0].button._dom_classes


async def test_invalid_form_cannot_generate(client: VideoClient) -> None:
    studio = Studio(client, model="viduq1", prompt="")
    assert studio.form.run_button.disabled
    studio.form.run_button.click()
    assert studio.runs == []


def test_embedded_simulator_by_default_shows_the_badge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIDWIDGETS_API_KEY", raising=False)
    monkeypatch.delenv("VIDWIDGETS_BASE_URL", raising=False)
    studio = Studio(prompt="a fox")
    assert studio.is_simulator
    assert "vw-sim-badge" in studio.badge._dom_classes
    assert "SIMULATOR" in studio.badge.value


def test_a_real_key_hides_the_badge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIDWIDGETS_API_KEY", "sk-live-0123456789abcdef")
    studio = Studio(prompt="a fox")
    assert not studio.is_simulator
    assert "vw-sim-badge" not in studio.badge._dom_classes
    assert "vw-live-badge" in studio.badge._dom_classes
    assert "88api.ai" in studio.badge.value


def test_a_key_typed_in_the_panel_is_moved_out_of_the_widget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VIDWIDGETS_API_KEY", raising=False)
    monkeypatch.delenv("VIDWIDGETS_BASE_URL", raising=False)
    secret = "sk-typed-in-the-browser-4242"
    studio = Studio(prompt="a fox")
    from_browser_update(studio.connection_toggle, value=True)
    assert studio.connection_panel.layout.display is None
    from_browser_update(studio.key_field, value=secret)
    assert studio.key_field.value == ""
    assert studio._api_key == secret
    # nothing sent back to the browser holds the key (ipywidgets' echo is off for this field)
    assert secret not in repr(sent(studio.key_field))
    assert sent(studio.key_field, "update")[-1][0]["state"] == {"value": ""}
    assert secret not in repr(studio)
    from_browser_update(studio.base_url, value="https://gateway.example.com")
    studio.connect_button.click()
    assert not studio.is_simulator
    assert "gateway.example.com" in studio.badge.value
    assert secret not in repr(studio.client)
    studio.simulator_button.click()
    assert studio.is_simulator
    assert studio._api_key is None


def test_connect_without_a_key_explains_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIDWIDGETS_API_KEY", raising=False)
    studio = Studio(prompt="a fox")
    studio.open_connection()
    studio.connect_button.click()
    assert studio.is_simulator
    assert "key" in studio.connection_error.value


async def test_a_click_on_another_thread_hands_the_run_to_the_loop(client: VideoClient) -> None:
    # ipykernel may deliver widget messages on a subshell thread
    studio = Studio(client, **FOX.to_dict())
    await asyncio.to_thread(studio.form.run_button.click)
    for _ in range(100):
        if studio.runs:
            break
        await asyncio.sleep(0.01)
    (run,) = studio.runs
    assert run.task is not None
    assert (await asyncio.wait_for(run.task, 60)).succeeded
    future = await asyncio.to_thread(studio.generate)
    assert (await asyncio.wait_for(asyncio.wrap_future(future), 60)).succeeded


async def test_runs_beyond_max_concurrency_wait_their_turn(sim: Simulator, tmp_path: Path) -> None:
    async with VideoClient(
        base_url=sim.base_url,
        api_key=sim.api_key,
        output_dir=tmp_path,
        time_scale=1 / SPEED,
        journal=False,
        max_concurrency=1,
    ) as client:
        studio = Studio(client, **FOX.to_dict())
        first = studio.generate()
        second = studio.generate(FOX.replace(prompt="a grey wolf at dusk"))
        for _ in range(500):  # until run 1 has its server-side id
            if studio.runs[0].job is not None:
                break
            await asyncio.sleep(0.01)
        assert sim.create_count == 1
        assert studio.runs[1].progress.state == "submitting"  # queued here, not on the server
        await asyncio.wait_for(asyncio.gather(first, second), 60)
        assert sim.create_count == 2
        assert all(run.path is not None for run in studio.runs)


async def test_download_dir_receives_the_video_and_its_poster(
    client: VideoClient, tmp_path: Path
) -> None:
    studio = Studio(client, download_dir=tmp_path / "mine", **FOX.to_dict())
    job = await asyncio.wait_for(studio.generate(), 60)
    assert job.path is not None
    assert job.path.parent == tmp_path / "mine"
    assert studio.runs[0].poster is not None
    assert studio.runs[0].poster.parent == tmp_path / "mine"


# -- the model picker against a gateway that lists the key's models -------------------------------

FEW = ["veo-3.1-generate-preview", "kling-v1", "viduq1", "sora-2-pro"]


@pytest.fixture
async def plugin_sim() -> AsyncIterator[Simulator]:
    options = PluginOptions(keys={"sk-few-models": FEW}, settle_hold=0.0, live_read_rate=0.0)
    async with Simulator(
        dialect="plugin", speed=SPEED, video_scale=0.25, fps=12, plugin=options
    ) as simulator:
        yield simulator


@pytest.fixture
async def few_client(plugin_sim: Simulator, tmp_path: Path) -> AsyncIterator[VideoClient]:
    async with VideoClient(
        base_url=plugin_sim.base_url,
        api_key="sk-few-models",
        output_dir=tmp_path / "videos",
        time_scale=1 / SPEED,
        journal=False,
    ) as c:
        yield c


def offered(studio: Studio) -> dict[str, list[str]]:
    form = studio.form
    keep = form.family.value
    groups = {}
    for label, key in form.family.options:
        if key != "generic":
            form.family.value = key
            groups[label] = [v for _, v in form.model.options]
    form.family.value = keep
    return groups


async def test_the_picker_lists_exactly_the_keys_models_by_vendor(few_client: VideoClient) -> None:
    studio = Studio(few_client, model="veo-3.1-generate-preview", prompt="waves on rocks")
    assert studio.form.available_models is None  # the catalog until the answer arrives
    assert studio.form.model_note.value == "Reading the models this key can use…"
    assert studio.models_task is not None
    await asyncio.wait_for(studio.models_task, 30)
    assert offered(studio) == {
        "Kling": ["kling-v1"],
        "Vidu": ["viduq1"],
        "Veo": ["veo-3.1-generate-preview"],
        "Sora": ["sora-2-pro"],
    }
    assert studio.form.model_name == "veo-3.1-generate-preview"
    assert "4 models" in studio.form.model_note.value


async def test_a_gateway_without_a_models_list_leaves_the_catalog_with_a_note(
    client: VideoClient,
) -> None:
    studio = Studio(client, model="viduq1", prompt="a fox")
    await asyncio.wait_for(studio.models_task, 30)
    assert studio.form.available_models is None
    assert len(studio.form.family.options) == 9  # eight vendors and "type a name"
    assert "does not list" in studio.form.model_note.value
    assert studio.form.model_name == "viduq1"


async def test_an_unreachable_gateway_leaves_the_catalog_with_a_note(tmp_path: Path) -> None:
    async with VideoClient(
        base_url="http://127.0.0.1:9", api_key="sk-x", output_dir=tmp_path, journal=False
    ) as gone:
        studio = Studio(gone, model="viduq1", prompt="a fox")
        await asyncio.wait_for(studio.models_task, 60)
    assert studio.form.available_models is None
    assert "showing the catalog" in studio.form.model_note.value


async def test_the_picked_models_fields_reach_the_gateway(
    few_client: VideoClient, plugin_sim: Simulator
) -> None:
    studio = Studio(few_client, prompt="waves on rocks at dusk")
    await asyncio.wait_for(studio.models_task, 30)
    assert studio.form.model_name == "kling-v1"  # the catalog's default is on the key's list
    assert studio.form.seed_box.layout.display == "none"  # Kling ignores seeds
    vendors = [key for _, key in studio.form.family.options]
    from_browser_update(studio.form.family, index=vendors.index("veo"))  # a Dropdown sends index
    assert studio.form.model_name == "veo-3.1-generate-preview"
    from_browser_update(studio.form.audio, value=True)
    from_browser_update(studio.form.seed, value="77")
    job = await asyncio.wait_for(studio.generate(), 60)
    assert job.succeeded
    (task,) = plugin_sim.tasks.values()
    assert task.body["metadata"]["generateAudio"] is True
    assert task.body["metadata"]["seed"] == 77


async def test_a_kling_last_frame_reaches_the_gateway(
    few_client: VideoClient, plugin_sim: Simulator
) -> None:
    studio = Studio(few_client, model="kling-v1", prompt="a fox turns around")
    await asyncio.wait_for(studio.models_task, 30)
    from_browser_update(studio.form.image_url, value="https://example.com/first.png")
    from_browser_update(studio.form.end_image_url, value="https://example.com/last.png")
    from_browser_update(studio.form.audio, value=True)
    job = await asyncio.wait_for(studio.generate(), 60)
    assert job.succeeded
    (task,) = plugin_sim.tasks.values()
    assert task.body["metadata"]["image_tail"] == "https://example.com/last.png"
    assert task.body["metadata"]["sound"] == "on"


async def test_connecting_another_key_reads_its_models(
    plugin_sim: Simulator, few_client: VideoClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    studio = Studio(few_client, prompt="a fox")
    await asyncio.wait_for(studio.models_task, 30)
    studio.connect(api_key=plugin_sim.api_key, base_url=plugin_sim.base_url, api_format="88api")
    await asyncio.wait_for(studio.models_task, 30)
    everything = [n for names in offered(studio).values() for n in names]
    await studio.client.aclose()  # the Studio made it: nothing else closes it
    assert set(FEW) < set(everything)


async def test_a_second_read_replaces_one_still_in_flight(
    few_client: VideoClient, client: VideoClient
) -> None:
    studio = Studio(client, prompt="a fox")  # newapi: its answer would be "the catalog"
    first = studio.models_task
    assert isinstance(first, asyncio.Task)
    studio.form.load_models(few_client)
    await asyncio.wait_for(studio.models_task, 30)
    with pytest.raises(asyncio.CancelledError):
        await first
    assert set(studio.form.available_models or ()) == set(FEW)
    assert "4 models" in studio.form.model_note.value


async def test_a_form_given_a_client_offers_its_keys_models(few_client: VideoClient) -> None:
    form = ParameterForm(client=few_client, prompt="a fox")
    assert form.models_task is not None
    await asyncio.wait_for(form.models_task, 30)
    assert set(form.available_models or ()) == set(FEW)
    assert [label for label, _ in form.family.options] == [
        "Kling",
        "Vidu",
        "Veo",
        "Sora",
        "Other (type a name)",
    ]
