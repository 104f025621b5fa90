"""Secrets: with a distinctive key, the key appears nowhere a user's work ends up.

Nowhere means: ``embed_data()`` of every widget, a notebook executed and saved by nbclient with
``store_widget_state=True``, ``repr``/``str`` (and tracebacks) of the client, jobs and errors,
log records at DEBUG, the experiment manifest, the task journal, the HTML export and the CLI's
output. The worst case is a gateway that echoes the key back — in bodies, error messages,
failure reasons and request-id headers — so most checks run against one that does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import subprocess
import sys
import traceback
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from aiohttp import web
from ipywidgets.embed import embed_data
from nbclient import NotebookClient

from tests.hardening._hostile import HostileServer, serve_mp4
from tests.hardening.conftest import CANARY_KEY, CANARY_PARTS, SimFactory, contains_secret, report
from vidwidgets.client import VideoAPIError, VideoClient, VideoJob, VideoRequest
from vidwidgets.simulator import Simulator

OK = VideoRequest(model="kling-v1", prompt="a red fox in snow")  # Kling refuses seeds
FAILS = VideoRequest(model="kling-v1", prompt="a fox that fails")
REJECTED = VideoRequest(model="kling-v1", prompt="a fox to reject")
PLACES: dict[str, int] = {}


def assert_clean(where: str, text: str) -> None:
    PLACES[where] = PLACES.get(where, 0) + 1
    found = contains_secret(text)
    if found is not None:
        at = text.index(found)
        context = text[max(0, at - 300) : at + len(found) + 100].replace(found, "<KEY>")
        raise AssertionError(f"the key leaked into {where}: ...{context}...")


def assert_tree_clean(where: str, root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for part in CANARY_PARTS:
                assert part.encode() not in data, f"the key leaked into {where}: {path}"
    PLACES[where] = PLACES.get(where, 0) + 1


async def echo_gateway() -> HostileServer:
    """An 88API-format gateway that echoes the caller's Authorization header everywhere."""
    server = await HostileServer().start()
    tasks: dict[str, str] = {}

    async def create(request: web.Request) -> web.StreamResponse:
        auth = request.headers.get("Authorization", "")
        body = await request.json()
        prompt = str(body.get("prompt", ""))
        if "reject" in prompt:
            return web.json_response(
                {"error": {"message": f"key {auth} is not allowed", "code": f"bad {auth}"}},
                status=400,
                headers={"X-Request-Id": auth},
            )
        task_id = f"task_{len(tasks)}"
        tasks[task_id] = "fail" if "fails" in prompt else "ok"
        return web.json_response(
            {"task_id": task_id, "status": "queued", "echo": auth, "message": f"hello {auth}"},
            headers={"X-Request-Id": auth},
        )

    async def status(request: web.Request) -> web.StreamResponse:
        auth = request.headers.get("Authorization", "")
        task_id = request.path.rsplit("/", 1)[-1]
        if tasks.get(task_id) == "fail":
            body = {
                "task_id": task_id,
                "status": "failed",
                "error": {"code": f"denied {auth}", "message": f"upstream refused {auth}"},
                "fail_reason": f"upstream refused {auth}",
            }
        else:
            body = {
                "task_id": task_id,
                "status": "succeeded",
                "progress": 100,
                "url": server.base_url + "/files/video.mp4",
                "note": auth,
            }
        return web.json_response(body, headers={"X-Request-Id": auth})

    server.route("POST /v1/video/generations", create)
    server.route("GET /v1/video/generations/*", status)
    server.route("GET /v1/videos/*", serve_mp4)
    server.route("GET /files/video.mp4", serve_mp4)
    return server


@pytest.fixture
async def echo() -> AsyncIterator[HostileServer]:
    server = await echo_gateway()
    yield server
    await server.stop()


def echo_client(server: HostileServer, tmp_path: Path, **kwargs: Any) -> VideoClient:
    kwargs.setdefault("output_dir", tmp_path / "out")
    kwargs.setdefault("journal", tmp_path / "journal.jsonl")
    kwargs.setdefault("time_scale", 0.01)
    return VideoClient(server.base_url, CANARY_KEY, "88api", **kwargs)


async def run_three(client: VideoClient) -> tuple[list[VideoJob], list[VideoAPIError]]:
    jobs, errors = [], []
    for request in (OK, FAILS, REJECTED):
        try:
            jobs.append(await asyncio.wait_for(client.generate(request, use_cache=False), 20))
        except VideoAPIError as exc:
            errors.append(exc)
            if exc.job is not None:
                jobs.append(exc.job)
    return jobs, errors


# -- the client's own surface ------------------------------------------------------------------


async def test_repr_str_and_tracebacks_of_client_jobs_and_errors_never_show_the_key(
    echo: HostileServer, tmp_path: Path
) -> None:
    async with echo_client(echo, tmp_path) as client:
        jobs, errors = await run_three(client)
        assert_clean("repr(client)", repr(client) + str(client))
        assert len(errors) == 2  # the failed generation and the rejected create
        assert {j.status.value for j in jobs} == {"succeeded", "failed"}
        for job in jobs:
            assert_clean("repr(job)", repr(job) + str(job))
            assert_clean("job.to_dict()", json.dumps(job.to_dict(), default=str))
            assert_clean("job.raw", json.dumps(job.raw, default=str))
        for error in errors:
            assert_clean("repr(error)", repr(error) + str(error))
            assert_clean("error fields", json.dumps(vars(error), default=repr))
            assert_clean("traceback", "".join(traceback.format_exception(error)))
        assert_clean("metrics", json.dumps(client.metrics.as_dict(), default=str))
    assert any(s.authorization == f"Bearer {CANARY_KEY}" for s in echo.seen)  # it was used


async def test_debug_logs_never_show_the_key(
    echo: HostileServer,
    make_sim: SimFactory,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("vidwidgets", "aiohttp", "aiohttp.client", "asyncio"):
        caplog.set_level(logging.DEBUG, logger=name)
    async with echo_client(echo, tmp_path) as client:
        await run_three(client)
    sim = await make_sim("newapi", api_key=CANARY_KEY)
    async with VideoClient(sim.base_url, CANARY_KEY, journal=False, time_scale=0.01) as client:
        await client.generate(OK, tmp_path / "sim.mp4")
    async with VideoClient(sim.base_url, CANARY_KEY[:-1], journal=False) as client:
        with pytest.raises(VideoAPIError):  # wrong key: the server's 401 names it
            await client.create(OK)
    assert len(caplog.records) > 10
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in caplog.records:
        assert_clean("log record", formatter.format(record) + repr(record.args))


# -- widgets -----------------------------------------------------------------------------------


def embedded(*widgets: Any) -> str:
    return json.dumps(embed_data(views=list(widgets)), default=str)


async def _settle(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "did not settle"
        await asyncio.sleep(0.05)


async def test_no_widget_holds_the_key_in_its_state(echo: HostileServer, tmp_path: Path) -> None:
    from vidwidgets import Comparison, JobProgress, ParameterForm, Studio, VideoPlayer

    client = echo_client(echo, tmp_path, journal=False)
    # Studio on a key-echoing server: a success, a failure and a rejection on screen
    studio = Studio(client, download_dir=tmp_path / "studio", model="kling-v1", prompt="x")
    for request in (OK, FAILS, REJECTED):
        studio.form.request = request
        with contextlib.suppress(VideoAPIError):  # the failure and rejection show in the Studio
            await asyncio.wait_for(studio.generate(), 20)
    assert len(studio.runs) == 3
    assert_clean("Studio embed_data", embedded(studio))
    # a key typed into the Studio's connection panel, as the browser would send it
    studio.connection_toggle.value = True
    studio.key_field.set_state({"value": CANARY_KEY})
    studio.connect(base_url=echo.base_url, api_format="88api")
    assert_clean("Studio embed_data after a typed key", embedded(studio))
    assert_clean("repr(Studio)", repr(studio))

    form = ParameterForm(OK)
    assert_clean("ParameterForm embed_data", embedded(form))

    progress = JobProgress()
    failed = studio.runs[1].progress.error
    assert failed is not None
    progress.fail(failed)  # no secret= given: the error text must already be clean
    progress.flush()
    assert_clean("JobProgress embed_data", embedded(progress))

    player = VideoPlayer.from_file(studio.runs[0].job.path)  # type: ignore[union-attr]
    assert_clean("VideoPlayer embed_data", embedded(player))

    comparison = Comparison(
        requests=[OK, FAILS],
        client=echo_client(echo, tmp_path, journal=False),
        store=tmp_path / "runs",
        experiment="echo",
        confirm=True,  # the echo server publishes no prices: consent to whatever it costs
    )
    await asyncio.wait_for(comparison.wait(), 30)
    assert_clean("Comparison embed_data", embedded(comparison))
    assert_clean("Comparison results", json.dumps(comparison.results, default=str))
    assert_tree_clean("experiment folder", tmp_path / "runs")
    await client.aclose()
    await comparison.client.aclose()


async def test_manifest_journal_and_html_export_never_hold_the_key(
    echo: HostileServer, tmp_path: Path
) -> None:
    from vidwidgets.experiments import ExperimentStore, run_cells
    from vidwidgets.export import export_html

    store = ExperimentStore(tmp_path / "runs")
    exp = store.experiment("echo")
    async with echo_client(echo, tmp_path) as client:
        records = await asyncio.wait_for(run_cells(client, exp, [OK, FAILS, REJECTED]), 30)
    assert [r.status for r in records] == ["succeeded", "failed", "failed"]
    out = export_html(exp, tmp_path / "export" / "report.html")
    assert "report.html" in str(out)
    assert_tree_clean("experiment manifest and videos", tmp_path / "runs")
    assert_clean("task journal", (tmp_path / "journal.jsonl").read_text())
    assert_tree_clean("HTML export", tmp_path / "export")


# -- real processes ----------------------------------------------------------------------------


@pytest.mark.slow
def test_the_cli_output_and_report_never_hold_the_key(tmp_path: Path) -> None:
    sim = Simulator(
        dialect="newapi", api_key=CANARY_KEY, speed=400, video_scale=0.1, fps=8, failure_rate=0.5
    ).start()
    try:
        env = {
            **os.environ,
            "VIDWIDGETS_API_KEY": CANARY_KEY,
            "VIDWIDGETS_BASE_URL": sim.base_url,
            "VIDWIDGETS_RUNS_DIR": str(tmp_path / "runs"),
            "VIDWIDGETS_JOURNAL_DIR": str(tmp_path / "journal"),
        }
        argv = [
            sys.executable, "-m", "vidwidgets.cli", "-v", "compare",
            "--model", "viduq1", "--prompt", "a fox", "--prompt", "a wolf",
            "--seed", "1", "--seed", "2", "--out", str(tmp_path / "report.html"),
        ]  # fmt: skip
        done = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path
        )
        assert done.returncode in (0, 1), done.stderr
        assert_clean("CLI stdout", done.stdout)
        assert_clean("CLI stderr (verbose)", done.stderr)
        assert_tree_clean("CLI runs, journal and report", tmp_path)
    finally:
        sim.stop()


NOTEBOOK_CELLS = [
    "import os, logging, sys\n"
    "logging.basicConfig(stream=sys.stdout, level=logging.DEBUG, force=True)\n"
    "from vidwidgets.simulator import Simulator\n"
    "sim = Simulator(api_key=os.environ['VIDWIDGETS_API_KEY'], speed=400, video_scale=0.1,"
    " fps=8, failure_rate=0.0).start()\n"
    "os.environ['VIDWIDGETS_BASE_URL'] = sim.base_url\n"
    "import vidwidgets as vw",
    "studio = vw.Studio(model='viduq1', prompt='a red fox in snow', seed=1,"
    " download_dir='videos')\nstudio",
    "job = await studio.generate()\nprint(repr(job), repr(studio.client))",
    "studio.connection_toggle.value = True\n"
    "studio.key_field.value = os.environ['VIDWIDGETS_API_KEY']  # as if typed in the UI\n"
    "studio.connect()",
    "form = vw.ParameterForm(model='viduq1', prompt='a fox')\nform",
    "cmp = vw.Comparison(prompts=['a fox', 'a wolf'], models=['viduq1'], seeds=[1],"
    " store='runs', experiment='nb', confirm=True)\ncmp",
    "await cmp.wait()\nprint(cmp.results)",
    "bad = vw.VideoClient(os.environ['VIDWIDGETS_BASE_URL'], 'sk-wrong-key')\n"
    "await bad.create(vw.VideoRequest(model='kling-v1', prompt='a fox'))",
]


@pytest.mark.slow
@pytest.mark.notebook
def test_a_notebook_executed_and_saved_by_nbclient_never_holds_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the kernel inherits this environment: the key reaches it the way a user's would
    monkeypatch.setenv("VIDWIDGETS_API_KEY", CANARY_KEY)
    monkeypatch.delenv("VIDWIDGETS_BASE_URL", raising=False)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS]
    nb.cells[-1].metadata["tags"] = ["raises-exception"]
    client = NotebookClient(
        nb,
        timeout=180,
        startup_timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    assert client.store_widget_state
    client.execute()
    saved = tmp_path / "secrets.ipynb"
    nbformat.write(nb, saved)
    text = saved.read_text()
    assert "application/vnd.jupyter.widget-state+json" in text  # widget state was saved
    assert "AuthenticationError" in text  # the last cell's traceback is in the file
    assert "DEBUG" in text  # and the DEBUG log went to the outputs
    assert_clean("saved notebook (widget state, outputs, tracebacks, DEBUG logs)", text)
    assert_tree_clean("notebook folder (runs, videos)", tmp_path)
    report(
        "secrets",
        f"places_checked={len(PLACES)} checks={sum(PLACES.values())} leaks=0",
        places_checked=sorted(PLACES),
        leaks=0,
    )
