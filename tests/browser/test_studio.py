"""The quickstart's Studio in a real browser: Generate, watch it progress, see the video play.

Each test copies ``notebooks/quickstart.ipynb`` into the server's root, opens it, runs every
cell (the last one generates run #1 from code and plays it) and then works the Studio as a
person would. No API key is set, so the Studio runs on the embedded simulator; a prompt holding
the simulator's failure marker makes a run fail the way a provider's refusal does.

axe-core checks the Studio for WCAG 2 A/AA violations where a test already has it on screen:
with a run in progress and then its video, with a failure shown, with the connection panel open,
and once in Notebook 7; the Generate test also walks every control with Tab.

The passing Generate test also writes a screenshot of the Studio with its video playing to
``test-artifacts/studio.png``, and to ``docs/img/studio.png`` (the README's picture) when that
is missing or ``UPDATE_DOCS_SCREENSHOT=1`` is set (``make screenshot``).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from vidwidgets.simulator._tables import FAIL_MARKER, FAIL_REASONS

from ._axe import AxeCheck
from ._jupyter import JupyterServer, open_notebook, run_all_cells
from ._keyboard import assert_tab_reaches_every_control

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = REPO_ROOT / "notebooks" / "quickstart.ipynb"
DOCS_SCREENSHOT = REPO_ROOT / "docs" / "img" / "studio.png"
# The quickstart's model is kling-v1: a failed run must show one of the provider's reasons.
KLING_FAILURE = re.compile("|".join(re.escape(message) for _, message in FAIL_REASONS["kling"]))
JOB_TIMEOUT_MS = 120_000  # a simulator job takes 5-15 s; two shared cores, be generous

# Record what the progress area shows at every DOM change, so a fast job's intermediate states
# are seen even if they last only a frame.
_TRACE_PROGRESS_JS = """(studio) => {
  const slot = studio.querySelector('.vw-progress-slot');
  window.__vwTrace = [];
  const record = () => {
    const job = slot.querySelector('.vw-job');
    if (!job) return;
    const bar = job.querySelector('.vw-progress');
    const value = bar && bar.getAttribute('aria-valuenow');
    window.__vwTrace.push({
      title: job.querySelector('.vw-job-title')?.textContent || '',
      state: job.dataset.state || '',
      value: value === null ? null : Number(value),
    });
  };
  new MutationObserver(record).observe(
    slot, {subtree: true, childList: true, attributes: true, characterData: true});
  record();
}"""


@pytest.fixture
def quickstart_in_lab(page: Page, lab: JupyterServer) -> Locator:
    """The quickstart open in JupyterLab with every cell run; returns the Studio."""
    return _open_quickstart(page, lab)


def _open_quickstart(page: Page, server: JupyterServer) -> Locator:
    shutil.copy(QUICKSTART, server.root / QUICKSTART.name)
    open_notebook(page, server, QUICKSTART.name)
    run_all_cells(page)
    studio = page.locator(".vw-studio")
    expect(studio).to_have_count(1)
    expect(studio.locator(".vw-sim-badge")).to_be_visible()
    return studio


def _start_run(studio: Locator, prompt: str | None = None) -> tuple[int, Locator]:
    """Click Generate (after typing `prompt`); return the new run's number and its progress."""
    number = studio.locator(".vw-runs .vw-run").count() + 1
    if prompt is not None:
        box = studio.locator(".vw-prompt textarea")
        box.fill(prompt)
        box.press("Tab")  # the prompt syncs on blur
    generate = studio.locator("button.vw-generate")
    expect(generate).to_be_enabled()
    studio.evaluate(_TRACE_PROGRESS_JS)
    generate.click()
    selected = studio.locator(".vw-runs .vw-run-selected")
    expect(selected).to_have_text(re.compile(rf"^#{number}\b"), timeout=30_000)
    progress = studio.locator(".vw-progress-slot .vw-job")
    expect(progress.locator(".vw-job-title")).to_contain_text(f"#{number} ")
    return number, progress


def _trace(page: Page, number: int) -> list[dict[str, Any]]:
    trace: list[dict[str, Any]] = page.evaluate("() => window.__vwTrace")
    return [t for t in trace if t["title"].startswith(f"#{number} ")]


def _assert_video_plays(page: Page, video: Locator) -> None:
    """readyState >= 2, currentTime advancing, shown at its own width (not scaled)."""
    handle = video.element_handle(timeout=JOB_TIMEOUT_MS)
    page.wait_for_function(
        "(v) => v.readyState >= 2 && v.videoWidth > 0", arg=handle, timeout=JOB_TIMEOUT_MS
    )
    handle.evaluate("(v) => v.paused ? v.play() : undefined")
    start = handle.evaluate("(v) => v.currentTime")
    page.wait_for_function(
        "([v, start]) => !v.paused && v.currentTime > start + 0.25", arg=[handle, start]
    )
    natural, rendered = handle.evaluate("(v) => [v.videoWidth, v.getBoundingClientRect().width]")
    assert rendered == pytest.approx(natural, abs=1), "the video is scaled, not shown 1:1"


def test_generate_shows_progress_moving_then_the_video_plays(
    page: Page, quickstart_in_lab: Locator, artifacts_dir: Path, axe: AxeCheck
) -> None:
    studio = quickstart_in_lab

    number, progress = _start_run(studio)
    # here, not in the Cancel test: on loaded cores the run may end while axe works
    axe(studio, "the Studio with a run in progress")

    expect(progress).to_have_attribute("data-state", "succeeded", timeout=JOB_TIMEOUT_MS)
    running = [t for t in _trace(page, number) if t["state"] in ("queued", "in_progress")]
    assert running, "the run never showed a running state"
    values = [t["value"] for t in running if t["value"] is not None]
    assert len(set(values)) >= 2, f"the progress bar did not move: {values}"
    assert values == sorted(values), f"the progress went backwards: {values}"
    _assert_video_plays(page, studio.locator(".vw-studio-player video"))
    _save_screenshot(page, studio, artifacts_dir)
    # after the screenshot, which wants the video still playing (the clip is 5 s, unlooped)
    axe(studio, "the Studio with its video")
    assert_tab_reaches_every_control(page, studio, "the Studio")


def test_cancel_stops_a_running_generation(page: Page, quickstart_in_lab: Locator) -> None:
    studio = quickstart_in_lab
    number, progress = _start_run(studio)
    expect(progress).to_have_attribute("data-state", "in_progress", timeout=JOB_TIMEOUT_MS)

    progress.locator(".vw-cancel").click()

    expect(progress).to_have_attribute("data-state", "cancelled", timeout=30_000)
    expect(progress.locator(".vw-status")).to_have_text("Cancelled")
    expect(progress.locator(".vw-cancel")).to_be_hidden()
    expect(studio.locator(f".vw-runs .vw-run-cancelled:has-text('#{number}')")).to_have_count(1)


def test_a_failed_generation_shows_the_server_message(
    page: Page, quickstart_in_lab: Locator, axe: AxeCheck
) -> None:
    studio = quickstart_in_lab

    _, progress = _start_run(studio, prompt=f"a fox that the provider refuses {FAIL_MARKER}")

    expect(progress).to_have_attribute("data-state", "failed", timeout=JOB_TIMEOUT_MS)
    expect(progress.locator(".vw-status")).to_have_text("Failed")
    message = progress.locator(".vw-error-message")
    expect(message).to_be_visible()
    expect(message).to_contain_text(KLING_FAILURE)
    expect(progress.locator(".vw-hint")).not_to_be_empty()  # what to do about it
    axe(studio, "the Studio showing a failed run")


def test_the_vendor_is_picked_with_the_keyboard_and_the_fields_follow_the_model(
    page: Page, quickstart_in_lab: Locator, axe: AxeCheck
) -> None:
    studio = quickstart_in_lab
    # kling-v1 ignores seeds: a note stands where the seed would be
    expect(studio.locator(".vw-seed-note")).to_be_visible()
    expect(studio.locator(".vw-seed")).to_be_hidden()
    # the embedded simulator is the late-2026 gateway: the picker lists what its key may use
    # (the catalog fallback on a gateway without /v1/models is tested in tests/widgets)
    expect(studio.locator(".vw-model-note")).to_contain_text("models this key can use")
    vendor = studio.locator(".vw-family select")
    vendor.focus()
    # Alt+Down opens the list: in command mode JupyterLab takes a plain arrow key to move
    # between cells (ipywidgets' Dropdown, unlike its text boxes, lets the key through)
    vendor.press("Alt+ArrowDown")
    for _ in range(4):  # Kling, Jimeng, Vidu, Hailuo / MiniMax, then Veo
        vendor.press("ArrowDown")
    vendor.press("Enter")
    expect(vendor).to_have_value(re.compile(r".+"))
    expect(studio.locator(".vw-family select option:checked")).to_have_text("Veo")
    expect(studio.locator(".vw-model select option:checked")).to_contain_text("veo-3")
    expect(studio.locator(".vw-seed")).to_be_visible()
    expect(studio.locator(".vw-seed-note")).to_be_hidden()
    expect(studio.locator(".vw-audio")).to_be_visible()
    expect(studio.locator(".vw-end-image-url")).to_be_hidden()  # Veo takes no last frame
    # the connection panel opens from the keyboard too, and passes axe open
    toggle = studio.locator(".vw-connection-toggle")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(studio.locator(".vw-connection .vw-api-key input")).to_be_visible()
    axe(studio, "the Studio with its connection panel open")


def test_the_quickstart_plays_its_video_in_notebook7(
    page: Page, notebook7: JupyterServer, axe: AxeCheck
) -> None:
    studio = _open_quickstart(page, notebook7)

    expect(studio.locator(".vw-progress-slot .vw-job")).to_have_attribute("data-state", "succeeded")
    _assert_video_plays(page, studio.locator(".vw-studio-player video"))
    axe(studio, "the Studio in Notebook 7")


def _save_screenshot(page: Page, studio: Locator, artifacts_dir: Path) -> None:
    # Tall enough for the whole Studio: an element taller than the notebook's scroll area is
    # clipped and overlaid by the toolbars in an element screenshot.
    page.set_viewport_size({"width": 1280, "height": 2400})
    studio.scroll_into_view_if_needed()
    video = studio.locator(".vw-studio-player video")
    page.wait_for_function("(v) => !v.paused && v.readyState >= 2", arg=video.element_handle())
    shot = artifacts_dir / "studio.png"
    studio.screenshot(path=str(shot), animations="disabled")
    if not DOCS_SCREENSHOT.exists() or os.environ.get("UPDATE_DOCS_SCREENSHOT") == "1":
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, DOCS_SCREENSHOT)
