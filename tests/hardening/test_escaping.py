"""HTML anywhere it can come from — a prompt, a task id, a caption, a note, a server's error
message — is shown as text in every widget and in the HTML export, and never runs.

The widgets' own front-end code is run in Debian's Chromium: each anywidget's ES module is
rendered into a plain page with its real state (the state a notebook would send), and the page
is checked for injected elements and for the payload's side effect. The exported report is
opened from disk the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import ipywidgets as w
import pytest
from aiohttp import web

from tests.hardening._hostile import HostileServer, serve_mp4
from vidwidgets.client import GenerationFailed, JobError, JobStatus, VideoClient, VideoJob

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
#: runs code if it is ever parsed as HTML; each variant defeats a different naive filter
XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
XSS_ID = "<svg onload=window.__pwned=3>"
MARK = "XSS-MARK"  # plain text next to the payload, to see that it was rendered as text


def payload(where: str) -> str:
    return f"{MARK}-{where} {XSS}"


async def html_gateway() -> HostileServer:
    """Task ids and failure reasons full of HTML; prompts containing 'fail' fail."""
    server = await HostileServer().start()
    tasks: dict[str, bool] = {}

    async def create(request: web.Request) -> web.StreamResponse:
        prompt = str((await request.json()).get("prompt", ""))
        task_id = f"{XSS_ID}{len(tasks)}"
        tasks[task_id] = "fail" in prompt
        return web.json_response({"task_id": task_id, "status": "queued"})

    async def status(request: web.Request) -> web.StreamResponse:
        from urllib.parse import unquote

        task_id = unquote(request.raw_path.rsplit("/", 1)[-1])
        if tasks.get(task_id):
            reason = payload("server-error")
            return web.json_response(
                {"task_id": task_id, "status": "failed", "error": {"code": XSS, "message": reason}}
            )
        url = server.base_url + "/files/video.mp4"
        return web.json_response({"task_id": task_id, "status": "succeeded", "url": url})

    server.route("POST /v1/video/generations", create)
    server.route("GET /v1/video/generations/*", status)
    server.route("GET /v1/videos/*", serve_mp4)
    server.route("GET /files/video.mp4", serve_mp4)
    return server


@pytest.fixture
async def gateway() -> AsyncIterator[HostileServer]:
    server = await html_gateway()
    yield server
    await server.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    if not HAVE_CHROMIUM:
        if IN_CI:  # CI must not pass by skipping the browser checks
            pytest.fail("Debian's chromium is missing under CI=true (make chromium)")
        pytest.skip("Debian's chromium is not installed (make chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        await chromium.close()


HARNESS = """<!doctype html><meta charset="utf-8"><body>
<script type="module">
window.__pwned = 0;
const widgets = JSON.parse(document.getElementById("widgets").textContent);
for (const [name, spec] of Object.entries(widgets)) {
  const state = spec.state;
  const listeners = {};
  const model = {
    get: (k) => state[k], set: (k, v) => { state[k] = v; }, save_changes() {}, send() {},
    on(event, cb) { (listeners[event] ||= []).push(cb); }, off() {},
    widget_manager: { get_model: async () => model },
  };
  const style = document.createElement("style");
  style.textContent = spec.css || "";
  document.head.appendChild(style);
  const el = document.createElement("div");
  el.id = name;
  document.body.appendChild(el);
  const url = URL.createObjectURL(new Blob([spec.esm], { type: "text/javascript" }));
  const mod = await import(url);
  const widget = mod.default || mod;
  if (widget.initialize) await widget.initialize({ model });
  await widget.render({ model, el });
}
window.__rendered = true;
</script>
<script type="application/json" id="widgets">__WIDGETS__</script>
"""


def anywidget_spec(widget: Any) -> dict[str, Any]:
    state = widget.get_state()
    esm, css = state.pop("_esm"), state.pop("_css", "")
    return {"esm": str(esm), "css": str(css or ""), "state": state}


async def render(browser: Any, tmp_path: Path, widgets: dict[str, Any]) -> dict[str, Any]:
    specs = {name: anywidget_spec(widget) for name, widget in widgets.items()}
    data = json.dumps(specs, default=str).replace("</", "<\\/")
    page_file = tmp_path / "harness.html"
    page_file.write_text(HARNESS.replace("__WIDGETS__", data), encoding="utf-8")
    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(page_file.as_uri())
    await page.wait_for_function("window.__rendered === true", timeout=15000)
    await asyncio.sleep(0.5)  # let any injected handler fire
    result: dict[str, Any] = await page.evaluate(
        """(names) => {
            const out = {pwned: window.__pwned, widgets: {}};
            for (const name of names) {
              const el = document.getElementById(name);
              out.widgets[name] = {
                injected: el.querySelectorAll('img[src="x"], script, svg[onload], [onerror]').length,
                text: el.textContent,
              };
            }
            return out;
        }""",
        list(widgets),
    )
    await page.close()
    result["errors"] = errors
    return result


def walk(widget: Any) -> list[Any]:
    found = [widget]
    for child in getattr(widget, "children", ()) or ():
        found += walk(child)
    return found


def assert_ipywidgets_escape(root: Any) -> None:
    """Plain ipywidgets: HTML-valued ones must hold the payload only escaped."""
    for widget in walk(root):
        if isinstance(widget, (w.HTML, w.HTMLMath)):
            assert "<img src=x" not in widget.value, (type(widget).__name__, widget.value[:200])
            assert "<svg onload" not in widget.value, widget.value[:200]
        description_html = getattr(widget, "description_allow_html", False)
        if description_html:
            assert "<img" not in widget.description


async def test_html_from_every_source_shows_as_text_in_every_widget(
    gateway: HostileServer, browser: Any, tmp_path: Path
) -> None:
    from vidwidgets import Comparison, JobProgress, Studio, VideoPlayer

    client = VideoClient(
        gateway.base_url, "sk-x", "88api", journal=False, time_scale=0.01, output_dir=tmp_path
    )
    studio = Studio(client, download_dir=tmp_path / "studio", model="kling-v1", prompt="x")
    studio.form.prompt.value = payload("studio-prompt") + " fail"
    with contextlib.suppress(GenerationFailed):
        await asyncio.wait_for(studio.generate(), 20)
    studio.form.prompt.value = payload("studio-ok")
    await asyncio.wait_for(studio.generate(), 20)
    assert_ipywidgets_escape(studio)

    progress = JobProgress(title=payload("progress-title"))
    job = VideoJob(id=XSS_ID, status=JobStatus.FAILED)
    job.error = JobError(code=XSS, message=payload("progress-error"))
    progress.fail(GenerationFailed(payload("progress-error"), code=XSS, job=job))
    progress.set_note(payload("progress-note"))
    progress.flush()

    player = VideoPlayer(placeholder=payload("player-placeholder"))

    cmp = Comparison(
        prompts=[payload("cmp-prompt"), payload("cmp-prompt2") + " fail"],
        models=["viduq1"],  # a model that honours seeds (Kling refuses them)
        seeds=[1, 2],
        client=client,
        store=tmp_path / "runs",
        experiment="escaping",
        title=payload("cmp-title"),
        confirm=True,  # the newapi simulator publishes no prices: consent to whatever it costs
    )
    await asyncio.wait_for(cmp.wait(), 30)
    cmp.annotate(0, payload("cmp-note"))
    cmp._flush()
    statuses = sorted(c.status for c in cmp.cells)
    assert statuses == ["failed", "failed", "succeeded", "succeeded"]

    studio_progress = studio.runs[0].progress
    result = await render(
        browser,
        tmp_path,
        {
            "progress": progress,
            "studio_progress": studio_progress,
            "player": player,
            "studio_player": studio.player,
            "comparison": cmp,
        },
    )
    assert result["pwned"] == 0, "a payload ran"
    for name, seen in result["widgets"].items():
        assert seen["injected"] == 0, f"{name}: HTML from data became elements"
    text = {name: seen["text"] for name, seen in result["widgets"].items()}
    assert f"{MARK}-progress-error" in text["progress"]
    assert "<img src=x" in text["progress"]  # shown literally, as text
    assert f"{MARK}-server-error" in text["studio_progress"]
    assert f"{MARK}-player-placeholder" in text["player"]
    assert f"{MARK}-cmp-prompt" in text["comparison"]
    assert f"{MARK}-server-error" in text["comparison"]
    await client.aclose()


async def test_html_in_every_field_of_the_export_stays_text_in_a_real_browser(
    gateway: HostileServer, browser: Any, tmp_path: Path
) -> None:
    from vidwidgets.experiments import Cell, ExperimentStore, run_cells
    from vidwidgets.export import export_html

    exp = ExperimentStore(tmp_path / "runs").experiment("export")
    client = VideoClient(
        gateway.base_url, "sk-x", "88api", journal=False, time_scale=0.01, output_dir=tmp_path
    )
    from vidwidgets.client import VideoRequest

    cells = [
        Cell(VideoRequest(model="viduq1", prompt=payload("export-prompt"), seed=1), XSS),
        Cell(VideoRequest(model="viduq1", prompt=payload("export-p2") + " fail", seed=2), "b"),
    ]
    records = await asyncio.wait_for(run_cells(client, exp, cells), 30)
    exp.annotate(records[0].key, payload("export-note"))
    out = export_html(exp, tmp_path / "report.html", title=payload("export-title"))
    html_text = await asyncio.to_thread(Path(out).read_text, encoding="utf-8")
    assert "<img src=x" not in html_text
    assert "<svg onload" not in html_text
    page = await browser.new_page()
    await page.goto(Path(out).as_uri())
    await page.wait_for_load_state("load")
    await asyncio.sleep(0.5)
    seen = await page.evaluate(
        """() => ({pwned: window.__pwned || 0,
                   injected: document.querySelectorAll('img[src="x"], svg[onload], [onerror]').length,
                   text: document.body.textContent})"""
    )
    await page.close()
    assert seen["pwned"] == 0
    assert seen["injected"] == 0
    for where in ("export-prompt", "export-note", "export-title", "server-error"):
        assert f"{MARK}-{where}" in seen["text"], where
    await client.aclose()
