"""Bad input: every invalid value is refused before anything is sent, with an error that names
the field and what is allowed — through every door: the client, the form, Studio, Comparison
and the CLI. The simulator's request log must stay empty.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.hardening.conftest import SimFactory, report
from vidwidgets.client import ValidationError, VideoAPIError, VideoClient, VideoJob
from vidwidgets.client._models import MAX_IMAGE_BYTES
from vidwidgets.simulator import Simulator

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64

#: (fields, the field the error must name, a fragment of the allowed values it must show)
TABLE: list[tuple[dict[str, Any], str, str]] = [
    ({"model": "", "prompt": "a fox"}, "model", "model name"),
    ({"model": "kling v1; rm -rf /", "prompt": "a fox"}, "model", "model name"),
    ({"model": "kling-v1", "prompt": ""}, "prompt", "non-empty"),
    ({"model": "kling-v1", "prompt": " \n\t "}, "prompt", "non-empty"),
    ({"model": "kling-v1", "prompt": "x" * 100_000}, "prompt", "at most"),
    ({"model": "kling-v1", "prompt": 42}, "prompt", "text"),
    ({"model": "kling-v1", "prompt": "a fox", "duration": 7}, "duration", "5 or 10"),
    ({"model": "kling-v1", "prompt": "a fox", "duration": -5}, "duration", "5 or 10"),
    ({"model": "kling-v1", "prompt": "a fox", "duration": 5.5}, "duration", "whole number"),
    ({"model": "kling-v1", "prompt": "a fox", "duration": "5"}, "duration", "whole number"),
    ({"model": "kling-v1", "prompt": "a fox", "duration": True}, "duration", "whole number"),
    ({"model": "kling-v1", "prompt": "a fox", "size": "640x480"}, "size", "1280x720"),
    ({"model": "kling-v1", "prompt": "a fox", "size": "huge"}, "size", "WIDTHxHEIGHT"),
    ({"model": "kling-v1", "prompt": "a fox", "mode": "ultra"}, "mode", "'std' or 'pro'"),
    ({"model": "kling-v1", "prompt": "a fox", "cfg_scale": 2}, "cfg_scale", "0 to 1"),
    ({"model": "kling-v1", "prompt": "a fox", "cfg_scale": float("nan")}, "cfg_scale", "0 to 1"),
    ({"model": "kling-v1", "prompt": "a fox", "seed": -1}, "seed", "0 to"),
    ({"model": "kling-v1", "prompt": "a fox", "seed": 1.5}, "seed", "whole number"),
    ({"model": "kling-v1", "prompt": "a fox", "seed": "abc"}, "seed", "whole number"),
    ({"model": "kling-v1", "prompt": "a fox", "seed": 2**70}, "seed", "0 to"),
    ({"model": "kling-v1", "prompt": "a fox", "bgm": True}, "bgm", "vidu"),
    (
        {"model": "kling-v1", "prompt": "a fox", "camera_control": {"type": "spin"}},
        "camera_control",
        "'simple'",
    ),
    ({"model": "sora-2", "prompt": "a fox", "seconds": 8}, "seconds", "'4', '8' or '12'"),
    ({"model": "sora-2", "prompt": "a fox", "seconds": "5"}, "seconds", "4, 8 or 12"),
    ({"model": "sora-2", "prompt": "a fox", "duration": 7}, "duration", "4"),
    ({"model": "sora-2", "prompt": "a fox", "size": "1792x1024"}, "size", "720x1280"),
    ({"model": "viduq1", "prompt": "a fox", "resolution": "4k"}, "resolution", "720p"),
    ({"model": "viduq1", "prompt": "a fox", "movement_amplitude": "huge"}, "movement", "auto"),
    ({"model": "jimeng_vgfm_t2v_l20", "prompt": "a fox", "aspect_ratio": "2:1"}, "aspect", "16:9"),
    ({"model": "jimeng_vgfm_i2v_l20", "prompt": "a fox"}, "image", "image-to-video"),
    (
        {"model": "kling-v1", "prompt": "a fox", "image": "/no/such/file.png"},
        "image",
        "existing image file",
    ),
    ({"model": "kling-v1", "prompt": "a fox", "image": "javascript:alert(1)"}, "image", "image"),
    ({"model": "kling-v1", "prompt": "a fox", "image": "file:///etc/passwd"}, "image", "image"),
    (
        {"model": "kling-v1", "prompt": "a fox", "image": "data:text/html;base64,AAAA"},
        "image",
        "data:image",
    ),
    (
        {"model": "kling-v1", "prompt": "a fox", "metadata": {"f": object()}},
        "metadata",
        "JSON-serialisable",
    ),
    (
        {"model": "kling-v1", "prompt": "a fox", "metadata": {"x": float("inf")}},
        "metadata",
        "JSON",
    ),
    ({"model": "kling-v1", "prompt": "a fox", "metadata": {1: 2}}, "metadata", "string keys"),
    ({"model": "kling-v1", "prompt": "a fox", "metadata": "{}"}, "metadata", "dict"),
    ({"model": "kling-v1", "prompt": "a fox", "fps": 30}, "fps", "model"),
]
IDS = [f"{i:02d}-{t[1]}" for i, t in enumerate(TABLE)]


def check(error: BaseException, field: str, allowed: str) -> None:
    assert isinstance(error, ValidationError), repr(error)
    assert field in error.field, (error.field, field)
    assert error.field in str(error)
    assert allowed.lower() in str(error).lower(), str(error)


@pytest.fixture
async def sim(make_sim: SimFactory) -> Simulator:
    sim: Simulator = await make_sim("newapi")
    return sim


@pytest.mark.parametrize(("fields", "field", "allowed"), TABLE, ids=IDS)
async def test_the_client_refuses_it_naming_the_field_and_sends_nothing(
    sim: Simulator,
    make_client: Callable[..., VideoClient],
    fields: dict[str, Any],
    field: str,
    allowed: str,
) -> None:
    async with make_client(sim) as client:
        for call in (client.create, client.generate):
            with pytest.raises(VideoAPIError) as info:
                await call(dict(fields))
            check(info.value, field, allowed)
    assert sim.requests == []


async def test_an_image_over_the_size_limit_is_refused_before_sending(
    sim: Simulator, make_client: Callable[..., VideoClient], tmp_path: Path
) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(PNG + b"\0" * MAX_IMAGE_BYTES)
    async with make_client(sim) as client:
        with pytest.raises(ValidationError) as info:
            await client.generate({"model": "kling-v1", "prompt": "a fox", "image": str(big)})
    check(info.value, "image", "MiB")
    assert sim.requests == []


async def test_an_image_removed_after_the_request_was_made_is_refused_before_sending(
    sim: Simulator, make_client: Callable[..., VideoClient], tmp_path: Path
) -> None:
    from vidwidgets.client import VideoRequest

    image = tmp_path / "fox.png"
    image.write_bytes(PNG)
    request = VideoRequest(model="viduq1", prompt="a fox", image=image, seed=1)  # cacheable
    image.unlink()
    async with make_client(sim) as client:
        for call in (client.create, client.generate):
            with pytest.raises(ValidationError) as info:
                await call(request)
            check(info.value, "image", "existing image file")
    assert sim.requests == []


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"max_concurrency": -3}, "max_concurrency"),
        ({"api_format": "grpc"}, "api_format"),
    ],
)
def test_bad_client_options_name_the_option(
    sim: Simulator, options: dict[str, Any], field: str
) -> None:
    options.setdefault("api_format", "88api")
    with pytest.raises(ValidationError) as info:
        VideoClient(sim.base_url, sim.api_key, **options)
    assert info.value.field == field
    assert sim.requests == []


@pytest.mark.parametrize(
    "base_url", ["javascript:alert(1)", "file:///etc/passwd", "ftp://example.com", "88api.ai"]
)
def test_a_base_url_that_is_not_http_is_refused(base_url: str) -> None:
    with pytest.raises(ValidationError) as info:
        VideoClient(base_url, "sk-x")
    assert info.value.field == "base_url"
    assert "http" in str(info.value)


async def test_a_bad_download_variant_or_job_is_refused_before_sending(
    sim: Simulator, make_client: Callable[..., VideoClient]
) -> None:
    async with make_client(sim) as client:
        with pytest.raises(ValidationError) as info:
            await client.download(VideoJob(id="task_x"), variant="../../etc")
        assert info.value.field == "variant"
        with pytest.raises(ValidationError) as info:
            await client.wait(12345)  # type: ignore[arg-type]
        assert info.value.field == "job"
    assert sim.requests == []


# -- the form ----------------------------------------------------------------------------------

#: (widget values to set on a ParameterForm, the field its error must name)
FORM_TABLE: list[tuple[dict[str, Any], str]] = [
    ({"prompt": ""}, "prompt"),
    ({"prompt": "   "}, "prompt"),
    ({"prompt": "x" * 100_000}, "prompt"),
    ({"seed": "-1"}, "seed"),
    ({"seed": "1.5"}, "seed"),
    ({"seed": "abc"}, "seed"),
    ({"seed": "9" * 30}, "seed"),
    ({"image_url": "javascript:alert(1)"}, "image"),
    ({"image_url": "file:///etc/passwd"}, "image"),
    ({"image_url": "/no/such/image.png"}, "image"),
]


@pytest.mark.parametrize(("values", "field"), FORM_TABLE, ids=[f"{v}"[:30] for v, _ in FORM_TABLE])
def test_the_form_shows_the_error_at_the_field_and_disables_the_run_button(
    values: dict[str, Any], field: str
) -> None:
    from vidwidgets import ParameterForm

    model = "kling-v1" if "image_url" in values else "viduq1"
    form = ParameterForm(model=model, prompt="a red fox")
    assert form.valid
    submitted: list[Any] = []
    form.on_submit(submitted.append)
    for name, value in values.items():
        getattr(form, name).value = value
    assert not form.valid
    assert field in form.error_field
    assert form.error  # shown next to the field
    assert form.run_button.disabled
    form.run_button.click()
    assert form.submit() is None
    assert submitted == []


async def test_studio_sends_nothing_for_an_invalid_form(
    sim: Simulator, make_client: Callable[..., VideoClient], tmp_path: Path
) -> None:
    from vidwidgets import Studio

    client = make_client(sim)
    studio = Studio(client, download_dir=tmp_path / "studio", model="kling-v1", prompt="")
    task = studio.models_task  # the picker asks once which models the key may use
    if isinstance(task, concurrent.futures.Future):
        task = asyncio.wrap_future(task)
    if task is not None:
        await task
    listed = list(sim.requests)
    assert all((r.method, r.path) == ("GET", "/v1/models") for r in listed), listed
    studio.form.run_button.click()
    with pytest.raises((ValidationError, ValueError)):
        studio.generate()
    await asyncio.sleep(0.2)
    assert studio.runs == []
    assert sim.requests == listed  # nothing sent for the invalid form


async def test_a_comparison_with_an_invalid_axis_names_the_field_and_sends_nothing(
    sim: Simulator, make_client: Callable[..., VideoClient], tmp_path: Path
) -> None:
    from vidwidgets import Comparison

    client = make_client(sim)
    with pytest.raises(ValidationError) as info:
        Comparison(
            prompts=["a fox", "a wolf"],
            models=["viduq1"],  # Kling refuses any seed: the bad one must be what is named
            seeds=[1, -2],
            client=client,
            store=tmp_path / "runs",
        )
    check(info.value, "seed", "0 to")
    with pytest.raises(ValidationError) as info:
        Comparison(
            prompts=["a fox"],
            models=["sora-2"],
            base={"seconds": "5"},
            client=client,
            store=tmp_path / "runs",
        )
    check(info.value, "seconds", "4, 8 or 12")
    await asyncio.sleep(0.2)
    assert sim.requests == []


# -- the CLI -----------------------------------------------------------------------------------

CLI_TABLE: list[tuple[list[str], str]] = [
    (["--model", "kling-v1", "--prompt", "a fox", "--duration", "7"], "duration"),
    (["--model", "kling-v1", "--prompt", "a fox", "--seed", "-4"], "seed"),
    (["--model", "kling-v1", "--prompt", ""], "prompt"),
    (["--model", "sora-2", "--prompt", "a fox", "--seconds", "5"], "seconds"),
    (["--model", "viduq1", "--prompt", "a fox", "--resolution", "4k"], "resolution"),
    (["--model", "kling-v1", "--prompt", "a fox", "--image", "/no/such.png"], "image"),
]


@pytest.mark.slow
def test_the_cli_refuses_bad_values_with_exit_code_2_and_sends_nothing(tmp_path: Path) -> None:
    sim = Simulator(dialect="newapi", speed=400, video_scale=0.1, fps=8).start()
    try:
        env = {
            **os.environ,
            "VIDWIDGETS_API_KEY": sim.api_key,
            "VIDWIDGETS_BASE_URL": sim.base_url,
            "VIDWIDGETS_RUNS_DIR": str(tmp_path / "runs"),
        }
        for args, field in CLI_TABLE:
            for command in ("generate", "compare"):
                argv = [sys.executable, "-m", "vidwidgets.cli", command, *args]
                done = subprocess.run(
                    argv, env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path
                )
                assert done.returncode == 2, (argv, done.stdout, done.stderr)
                assert field in done.stderr, (argv, done.stderr)
        assert sim.requests == []
    finally:
        sim.stop()
    report(
        "bad_input",
        f"client_cases={len(TABLE)} form_cases={len(FORM_TABLE)} cli_cases={len(CLI_TABLE) * 2} "
        "requests_sent=0",
        client_cases=len(TABLE),
        form_cases=len(FORM_TABLE),
        cli_cases=len(CLI_TABLE) * 2,
        requests_sent=0,
    )
