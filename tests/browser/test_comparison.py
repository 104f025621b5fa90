"""The Comparison grid in real JupyterLab and Chromium: it finishes, plays in sync, wipes A/B,
and its exported report plays in sync from ``file://`` too.

One notebook runs a 2 × 3 grid (two prompts × three seeds) against a fast simulator started in
the kernel; the tests then drive the one control bar and read every ``<video>``'s
``currentTime`` in a single JavaScript call, so the readings are a snapshot. axe-core checks the
grid for WCAG 2 A/AA violations while its cells run and again once they are done.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from ._axe import AxeCheck
from ._jupyter import (
    JupyterServer,
    finish_all_cells,
    open_notebook,
    run_all_cells,
    start_all_cells,
    theme,
)
from ._keyboard import assert_tab_reaches_every_control
from .test_harness import write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOK = "comparison.ipynb"
FPS = 12
FRAME = 1 / FPS
EVIL = "<img src=x onerror=window.__pwned=1>"
REPO = Path(__file__).resolve().parents[2]
#: set VIDWIDGETS_SCREENSHOTS=1 to refresh the README's picture of a finished grid
SCREENSHOT = REPO / "docs" / "img" / "comparison.png"

SETUP_CELL = f"""\
import vidwidgets as vw

# a fast simulator of our own: small videos, {FPS} fps, a job takes about a second
sim = vw.Simulator(speed=150, video_scale=0.3, fps={FPS}).start()
# this simulator publishes no prices: a table of ours, so the $1.20 grid starts at once
client = vw.VideoClient(base_url=sim.base_url, api_key=sim.api_key, journal=False,
                        prices={{"viduq1": {{"usd": 0.20, "per": "call"}}}})
cmp = vw.Comparison(
    prompts=["a red fox running through snow", "a grey wolf running through snow"],
    seeds=[1, 2, 3],
    model="viduq1",
    client=client,
    store="runs",
    experiment="browser-grid",
    export_dir=".",
)
cmp
"""
WAIT_CELL = """\
await cmp
print(cmp)
"""
# a second grid that never runs: its prompt carries HTML that must stay text
HOSTILE_CELL = f"""\
hostile = vw.Comparison(
    requests=[{{"model": "viduq1", "prompt": "a fox {EVIL}", "seed": 1}}],
    client=client, store="runs", autorun=False,
)
hostile.cells[0].note = "<script>window.__pwned = 2</script>"
hostile
"""

#: the grid under test is the first .vw-cmp on the page; the second is the hostile one
VIDEOS_JS = "document.querySelector('.vw-cmp').querySelectorAll('.vw-cell video.vw-cell-video')"
TIMES_JS = "(root) => root.vwSync.times()"


def finish_grid(
    page: Page,
    server: JupyterServer,
    *cells: str,
    while_running: Callable[[Locator], None] | None = None,
) -> Page:
    """Open a notebook of ``cells``, run it, and wait for the grid and all six videos.

    ``while_running(grid)`` is called once the grid shows a running cell, before it finishes.
    """
    write_notebook(server.root / NOTEBOOK, *cells)
    open_notebook(page, server, NOTEBOOK)
    start_all_cells(page)
    root = page.locator(".vw-cmp").first
    if while_running is not None:
        # the overall counts say how many cells run; this waits for the first one
        expect(root).to_have_attribute("data-running", re.compile(r"^[1-9]"), timeout=60_000)
        while_running(root)
        print(f"checked the grid while {root.get_attribute('data-running')} cells still ran")
    finish_all_cells(page)
    expect(root).to_have_attribute("data-done", "6", timeout=60_000)
    page.wait_for_function(
        f"""() => {{
          const vs = [...{VIDEOS_JS}];
          return vs.length === 6 && vs.every((v) => !v.hidden && v.readyState >= 2);
        }}""",
        timeout=60_000,
    )
    return page


@pytest.fixture
def grid_page(page: Page, lab: JupyterServer) -> Page:
    """JupyterLab with the 2 × 3 grid finished and every cell's video loaded."""
    finish_grid(page, lab, SETUP_CELL, WAIT_CELL, HOSTILE_CELL)
    expect(page.locator(".vw-cmp")).to_have_count(2)
    return page


@pytest.fixture
def checked_grid_page(page: Page, lab: JupyterServer, axe: AxeCheck) -> Page:
    """`grid_page`, with axe-core run on the grid while its cells run, then once finished,
    and every control of the finished grid reached with Tab.

    One test takes it: the checks ride on a grid that is on screen anyway.
    """
    finish_grid(
        page,
        lab,
        SETUP_CELL,
        WAIT_CELL,
        HOSTILE_CELL,
        while_running=lambda grid: axe(grid, "the running grid"),
    )
    expect(page.locator(".vw-cmp")).to_have_count(2)
    axe(page.locator(".vw-cmp").first, "the finished grid")
    with theme(page, "JupyterLab Dark"):  # our own colours must hold on a dark page too
        axe(page.locator(".vw-cmp").first, "the finished grid in JupyterLab Dark")
    axe(page.locator(".vw-cmp").nth(1), "a grid that has not started")
    assert_tab_reaches_every_control(page, page.locator(".vw-cmp").first, "the finished grid")
    _work_the_grid_from_the_keyboard(page)
    return page


def _work_the_grid_from_the_keyboard(page: Page) -> None:
    """Space plays and pauses the focused grid, an arrow steps a frame, the wipe moves by key."""
    grid = page.locator(".vw-cmp").first
    root = grid.element_handle()
    grid.focus()
    page.keyboard.press("Space")
    expect(grid).to_have_attribute("data-playing", "true")
    page.keyboard.press("Space")
    expect(grid).to_have_attribute("data-playing", "false")
    page.wait_for_function("(root) => root.vwSync.paused().every((p) => p)", arg=root)
    before = min(page.evaluate(TIMES_JS, root))
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "([root, t]) => root.vwSync.times().every((x) => x > t + 0.5 / 12)", arg=[root, before]
    )
    # the key was the grid's: the focus stayed, JupyterLab did not move to another cell
    assert grid.evaluate("(g) => g === document.activeElement")
    ab = grid.locator(".vw-sync-ab")
    ab.focus()
    page.keyboard.press("Space")
    expect(ab).to_be_checked()
    wipe = grid.locator(".vw-ab-wipe")
    wipe.focus()
    page.keyboard.press("ArrowLeft")
    expect(wipe).to_have_attribute("aria-valuenow", "45")
    ab.focus()
    page.keyboard.press("Space")  # A/B off again: the test sees the grid as it was
    expect(ab).not_to_be_checked()


def spread(times: list[float]) -> float:
    return max(times) - min(times)


def grid_root(page: Page) -> Any:
    return page.locator(".vw-cmp").first.element_handle()


def test_a_two_by_three_grid_finishes_accessibly_with_captions_as_text(
    checked_grid_page: Page,
) -> None:
    page = checked_grid_page
    main = page.locator(".vw-cmp").first
    cells = main.locator(".vw-cell")
    expect(cells).to_have_count(6)
    expect(main.locator(".vw-cmp-colhead")).to_have_text(["seed=1", "seed=2", "seed=3"])
    expect(main.locator(".vw-cmp-counts")).to_contain_text("6 done · 0 failed · 0 running")
    positions = cells.evaluate_all(
        "(cs) => cs.map((c) => [c.dataset.row, c.dataset.column, c.dataset.status])"
    )
    assert sorted(positions) == [[str(r), str(c), "succeeded"] for r in range(2) for c in range(3)]
    # HTML in a prompt or a note is shown as text, never parsed or run
    hostile = page.locator(".vw-cmp").nth(1)
    expect(hostile.locator(".vw-cell-caption")).to_have_text(f"a fox {EVIL}")
    expect(hostile.locator(".vw-cell-note")).to_have_value("<script>window.__pwned = 2</script>")
    assert hostile.locator("img, script").count() == 0
    assert page.evaluate("() => window.__pwned") is None


def test_play_all_then_seek_keeps_every_video_within_a_frame(grid_page: Page) -> None:
    page = grid_page
    root = grid_root(page)
    page.locator(".vw-sync-play").first.click()
    page.wait_for_function(
        "(root) => root.vwSync.paused().every((p) => !p) && root.vwSync.times()[0] > 0.3",
        arg=root,
    )
    # seek to 40 % with the slider, as a user drags it
    page.locator(".vw-sync-seek").first.evaluate(
        "(s) => { s.value = '400'; s.dispatchEvent(new Event('input', { bubbles: true })); }"
    )
    page.wait_for_function(
        "(root) => root.vwSync.paused().every((p) => !p) && root.vwSync.times()[0] > 2.1",
        arg=root,
    )
    samples = []
    for _ in range(6):
        samples.append(page.evaluate(TIMES_JS, root))
        time.sleep(0.15)  # sample playback over about a second
    assert all(len(s) == 6 for s in samples)
    assert all(not page.evaluate("(root) => root.vwSync.paused()", root)[i] for i in range(6))
    worst = max(spread(s) for s in samples)
    print(
        f"grid: worst spread while playing {worst * 1000:.1f} ms (a frame is {FRAME * 1000:.1f} ms)"
    )
    assert worst <= FRAME, f"videos drifted {worst:.3f}s apart (a frame is {FRAME:.3f}s): {samples}"


def test_pause_pauses_every_video_on_the_same_frame(grid_page: Page) -> None:
    page = grid_page
    root = grid_root(page)
    play = page.locator(".vw-sync-play").first
    play.click()
    page.wait_for_function("(root) => root.vwSync.times()[0] > 0.5", arg=root)
    play.click()
    expect(page.locator(".vw-cmp").first).to_have_attribute("data-playing", "false")
    page.wait_for_function("(root) => root.vwSync.paused().every((p) => p)", arg=root)
    time.sleep(0.3)  # let the alignment seek land
    first = page.evaluate(TIMES_JS, root)
    time.sleep(0.4)
    later = page.evaluate(TIMES_JS, root)
    assert first == later, "a video kept playing after pause"
    assert spread(later) <= FRAME
    # one frame forward moves every video by one frame
    page.locator(".vw-sync-fwd").first.click()
    page.wait_for_function(
        "([root, t]) => root.vwSync.times().every((x) => x > t + 0.5 * (1 / 12))",
        arg=[root, min(later)],
    )
    stepped = page.evaluate(TIMES_JS, root)
    assert spread(stepped) <= FRAME
    assert abs(min(stepped) - min(later) - FRAME) <= FRAME / 2


def test_the_ab_wipe_shows_both_videos(grid_page: Page) -> None:
    page = grid_page
    page.locator(".vw-sync-ab").first.check()
    ab = page.locator(".vw-cmp .vw-ab").first
    expect(ab).to_be_visible()
    a, b = ab.locator("video.vw-ab-a"), ab.locator("video.vw-ab-b")
    for video in (a, b):
        expect(video).to_be_visible()
        page.wait_for_function(
            "(v) => v.readyState >= 2 && v.videoWidth > 0", arg=video.element_handle()
        )
    assert ab.get_attribute("data-a") != ab.get_attribute("data-b")
    # drag the wipe to 30 %: A shows left of it, B right of it
    stage = ab.locator(".vw-ab-stage")
    box = stage.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    position = int(ab.get_attribute("data-position") or -1)
    assert 27 <= position <= 33
    clip = b.evaluate("(v) => v.style.clipPath")
    assert re.fullmatch(r"inset\(0(px)? 0(px)? 0(px)? 3\d(\.\d+)?%\)", clip), clip
    wipe = ab.locator(".vw-ab-wipe")
    wipe_box = wipe.bounding_box()
    a_box, b_box = a.bounding_box(), b.bounding_box()
    assert wipe_box is not None
    assert a_box is not None
    assert b_box is not None
    assert a_box["x"] < wipe_box["x"] < a_box["x"] + a_box["width"]
    # B lies exactly over A: the wipe reveals one or the other at each point
    assert abs(a_box["x"] - b_box["x"]) < 2
    assert abs(a_box["width"] - b_box["width"]) < 2
    # the two A/B videos play in sync with the grid
    page.locator(".vw-sync-play").first.click()
    page.wait_for_function(
        "(root) => root.vwSync.times().length === 8 && root.vwSync.times()[0] > 0.5",
        arg=grid_root(page),
    )
    assert spread(page.evaluate(TIMES_JS, grid_root(page))) <= FRAME


def test_metric_badges_and_curves_that_seek_every_video(grid_page: Page) -> None:
    page = grid_page
    main = page.locator(".vw-cmp").first
    root = grid_root(page)
    # every measured cell shows its badges, each explained by its title
    badges = main.locator(".vw-cell .vw-metric-badge")
    expect(badges).to_have_count(6 * 8, timeout=30_000)
    assert "flicker" in (
        main.locator(".vw-metric-badge[data-metric=flicker]").first.get_attribute("title") or ""
    )
    # picking a metric draws one curve per cell under the seek bar
    main.locator("select.vw-curves-metric").select_option("motion")
    expect(main.locator("svg.vw-curve")).to_have_count(6, timeout=20_000)
    expect(main.locator("svg.vw-curve").first).to_have_attribute(
        "aria-label", re.compile("motion of")
    )
    # clicking a curve half-way seeks every video to half the duration
    curve = main.locator("svg.vw-curve").first
    box = curve.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2)
    duration = page.evaluate(
        "(root) => Math.max(...[...root.querySelectorAll('video.vw-cell-video')].map((v) => v.duration))",
        root,
    )
    page.wait_for_function(
        "([root, t]) => root.vwSync.times().every((x) => Math.abs(x - t) < 0.2)",
        arg=[root, duration / 2],
    )
    assert spread(page.evaluate(TIMES_JS, root)) <= FRAME
    # "Jump to worst frame" seeks every video to the grid's worst motion
    worst = float(main.get_attribute("data-worst-at") or "nan")
    main.locator(".vw-curves-worst").click()
    page.wait_for_function(
        "([root, t]) => root.vwSync.times().every((x) => Math.abs(x - t) <= 2 / 12)",
        arg=[root, min(worst, duration)],
    )


ACTIVE_CELL_JS = "() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].findIndex((c) => c.classList.contains('jp-mod-active'))"


def frame_label(page: Page) -> str:
    return str(page.locator(".vw-cmp .vw-sync-frame").first.text_content())


def test_review_keys_step_frames_and_the_ab_panel_shows_every_mode(grid_page: Page) -> None:
    page = grid_page
    root = grid_root(page)
    page.evaluate("(root) => root.vwSync.seek(1.0)", root)  # frame 13 (1-based) at 12 fps
    page.wait_for_function("(root) => root.vwSync.times().every((t) => t === 1.0)", arg=root)
    page.locator(".vw-cmp").first.focus()  # JupyterLab makes the grid's cell the active one
    active = page.evaluate(ACTIVE_CELL_JS)
    page.keyboard.press("ArrowRight")
    page.wait_for_function("(root) => root.dataset.frame === '13'", arg=root)
    assert re.fullmatch(r"frame 14 / \d+", frame_label(page)), frame_label(page)
    # every video on the centre of frame 14, where no decoder rounds onto a neighbour
    assert page.evaluate(TIMES_JS, root) == pytest.approx([13.5 * FRAME] * 6, abs=1e-4)
    page.keyboard.press("Shift+ArrowRight")
    page.wait_for_function("(root) => root.dataset.frame === '23'", arg=root)
    assert page.evaluate(TIMES_JS, root) == pytest.approx([23.5 * FRAME] * 6, abs=1e-4)
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("(root) => root.dataset.frame === '22'", arg=root)
    page.keyboard.press(" ")
    page.wait_for_function("(root) => root.vwSync.paused().every((p) => !p)", arg=root)
    page.keyboard.press(" ")
    page.wait_for_function("(root) => root.vwSync.paused().every((p) => p)", arg=root)
    # the keys were the grid's: JupyterLab did not move to another cell
    assert page.evaluate(ACTIVE_CELL_JS) == active
    # the A/B panel's modes, on the same finished grid (loading one costs most of a minute)
    check_ab_modes(page, root)


def check_ab_modes(page: Page, root: Any) -> None:
    """Difference, onion skin, B's offset, the sound and side by side, in that order."""
    page.locator(".vw-sync-ab").first.check()
    ab = page.locator(".vw-cmp .vw-ab").first
    a, b = ab.locator("video.vw-ab-a"), ab.locator("video.vw-ab-b")
    for video in (a, b):
        page.wait_for_function("(v) => v.readyState >= 2", arg=video.element_handle())
    page.evaluate("(root) => root.vwSync.seek(1.0)", root)
    # difference: two seeds differ, so |A - B| x gain is far from black ...
    ab.locator("select.vw-ab-mode").select_option("difference")
    canvas = ab.locator("canvas.vw-ab-diff")
    expect(canvas).to_be_visible()
    page.wait_for_function("(ab) => Number(ab.dataset.diffMean) > 5", arg=ab.element_handle())
    lit = canvas.evaluate(
        "(c) => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 60) n++;"
        " return n / (d.length / 4); }"
    )
    assert lit > 0.05, f"only {lit:.1%} of the difference is lit"
    # ... and the same video twice is black
    page.locator(".vw-cmp .vw-ab-select-b").first.select_option(ab.get_attribute("data-a") or "")
    page.wait_for_function("(ab) => Number(ab.dataset.diffMean) < 1", arg=ab.element_handle())
    # onion skin: B over A at the slider's opacity
    ab.locator("select.vw-ab-mode").select_option("onion")
    ab.locator("input.vw-ab-opacity").fill("30")
    expect(b).to_have_css("opacity", "0.3")
    # B three frames ahead of A
    for _ in range(3):
        ab.locator("button.vw-ab-offset-plus").click()
    expect(ab).to_have_attribute("data-offset", "3")
    page.wait_for_function(
        "([a, b]) => Math.abs(b.currentTime - a.currentTime - 3 / 12) < 1e-3",
        arg=[a.element_handle(), b.element_handle()],
    )
    # sound from B only
    ab.locator("select.vw-ab-audio").select_option("b")
    assert page.evaluate(
        "([a, b]) => [a.muted, b.muted]", [a.element_handle(), b.element_handle()]
    ) == [True, False]
    # side by side: B beside A, not over it
    ab.locator("select.vw-ab-mode").select_option("side")
    a_box, b_box = a.bounding_box(), b.bounding_box()
    assert a_box is not None
    assert b_box is not None
    assert b_box["x"] >= a_box["x"] + a_box["width"] - 1


def test_the_exported_report_plays_in_sync_from_disk(
    grid_page: Page, lab: JupyterServer, chromium: Any
) -> None:
    page = grid_page
    page.locator(".vw-cmp-export-html").first.click()
    message = page.locator(".vw-cmp .vw-cmp-message").first
    expect(message).to_contain_text("saved ", timeout=60_000)
    report = lab.root / "browser-grid.html"
    assert report.is_file()

    context = chromium.new_context(offline=True)  # the report must need no network
    try:
        offline = context.new_page()
        offline.goto(report.as_uri())
        offline.wait_for_function(
            "() => [...document.querySelectorAll('video.vw-video')].length === 6 &&"
            " [...document.querySelectorAll('video.vw-video')].every((v) => v.readyState >= 2)"
        )
        offline.locator("#vw-play").click()
        offline.wait_for_function("() => window.vidwidgetsSync.times()[0] > 0.3")
        offline.evaluate("() => window.vidwidgetsSync.seek(2.0)")
        offline.wait_for_function(
            "() => window.vidwidgetsSync.times()[0] > 2.2 &&"
            " window.vidwidgetsSync.paused().every((p) => !p)"
        )
        samples = []
        for _ in range(5):
            samples.append(offline.evaluate("() => window.vidwidgetsSync.times()"))
            time.sleep(0.15)
        worst = max(spread(s) for s in samples)
        print(f"report: worst spread while playing {worst * 1000:.1f} ms")
        assert worst <= FRAME, f"report videos drifted {worst:.3f}s apart: {samples}"
    finally:
        context.close()


def test_screenshot_of_a_finished_grid(grid_page: Page, artifacts_dir: Path) -> None:
    page = grid_page
    page.evaluate("(root) => root.vwSync.seek(2.5)", grid_root(page))
    page.wait_for_function(
        "(root) => root.vwSync.times().every((t) => t > 2.4)", arg=grid_root(page)
    )
    page.locator(".vw-cmp .vw-cell").nth(0).locator(".vw-star").nth(3).click()
    expect(page.locator(".vw-cmp .vw-cell").nth(0)).to_have_attribute("data-rating", "4")
    target = (
        SCREENSHOT if os.environ.get("VIDWIDGETS_SCREENSHOTS") else artifacts_dir / "comparison.png"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    page.locator(".jp-OutputArea-output .vw-cmp").first.screenshot(path=str(target))
    assert target.stat().st_size > 10_000
    # and the A/B wipe, for whoever looks at the artifacts
    page.locator(".vw-sync-ab").first.check()
    ab = page.locator(".vw-cmp .vw-ab").first
    page.wait_for_function(
        "(ab) => [...ab.querySelectorAll('video')].every((v) => v.readyState >= 2)",
        arg=ab.element_handle(),
    )
    ab.screenshot(path=str(artifacts_dir / "comparison-ab.png"))


# two takes of one request stacked in one spot (stack_takes=True), for the flip and Promote
STACK_CELL = """\
stacked = vw.Comparison(prompts=["a white hare in snow"], model="viduq1", samples=2,
                        stack_takes=True, client=client, store="runs", experiment="browser-stack")
await stacked
stacked
"""


def test_the_grid_plays_in_sync_in_notebook7_too(page: Page, notebook7: JupyterServer) -> None:
    finish_grid(page, notebook7, SETUP_CELL, WAIT_CELL, STACK_CELL)
    root = grid_root(page)
    page.locator(".vw-sync-play").first.click()
    page.wait_for_function(
        "(root) => root.vwSync.paused().every((p) => !p) && root.vwSync.times()[0] > 0.5",
        arg=root,
    )
    assert spread(page.evaluate(TIMES_JS, root)) <= FRAME
    page.locator(".vw-sync-play").first.click()
    page.wait_for_function("(root) => root.vwSync.paused().every((p) => p)", arg=root)
    # frame review from the keyboard works in Notebook 7 too
    page.locator(".vw-cmp").first.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "(root) => root.vwSync.times().every((t) => Math.abs(t * 12 % 1 - 0.5) < 1e-3)", arg=root
    )
    expect(page.locator(".vw-cmp .vw-sync-frame").first).to_have_text(
        re.compile(r"frame \d+ / \d+")
    )
    # the stack: one take on top, flipped by its named buttons and the arrow keys
    stack = page.locator(".vw-cmp").nth(1)
    shown = stack.locator(".vw-cell:not([hidden])")
    expect(shown).to_have_count(1)
    expect(shown.locator(".vw-stack-label")).to_have_text("take 1 of 2")
    stack.get_by_role("button", name="Next take").locator("visible=true").click()
    expect(shown.locator(".vw-stack-label")).to_have_text("take 2 of 2")
    page.keyboard.press("ArrowRight")  # the focus stayed on the stack
    expect(shown.locator(".vw-stack-label")).to_have_text("take 1 of 2")
    # Promote: the cell again as a new row at the bottom, finished like the others
    stack.locator(".vw-cell:not([hidden]) .vw-cell-promote").click()
    promoted = stack.locator(".vw-cell[data-row='1']")
    expect(promoted.locator(".vw-cell-caption")).to_have_text(
        "promoted from take 1", timeout=30_000
    )
    expect(promoted).to_have_attribute("data-status", "succeeded", timeout=60_000)


CONFIRM_CELL = """\
import vidwidgets as vw

# the plugin gateway publishes prices: two kling-v1 calls are $0.70, over the $0.50 threshold
sim = vw.Simulator(dialect="plugin", speed=150, video_scale=0.2, fps=8).start()
client = vw.VideoClient(base_url=sim.base_url, api_key=sim.api_key, journal=False)
gated = vw.Comparison(prompts="a red fox in snow", model="kling-v1", samples=2, client=client,
                      store="runs", experiment="browser-confirm", confirm_over_usd=0.5)
gated
"""


def test_the_run_button_of_a_costly_grid_is_accessible_and_starts_it(
    page: Page, lab: JupyterServer, axe: AxeCheck
) -> None:
    write_notebook(lab.root / "confirm.ipynb", CONFIRM_CELL)
    open_notebook(page, lab, "confirm.ipynb")
    run_all_cells(page)
    root = page.locator(".vw-cmp").first
    run = page.get_by_role("button", name="Run 2 videos for $0.70")
    expect(run).to_be_visible(timeout=30_000)
    expect(root.locator(".vw-cmp-price")).to_have_text("2 videos ≈ $0.70")
    expect(root.locator(".vw-cmp-price-reason")).to_contain_text("confirm_over_usd=$0.50")
    expect(run).to_have_accessible_description(re.compile(r"kling-v1: \$0\.35 per call"))
    assert root.get_attribute("data-running") == "0"
    axe(root, "a grid waiting for its Run button")
    run.focus()
    page.keyboard.press("Enter")  # from the keyboard, as a click
    expect(root).to_have_attribute("data-done", "2", timeout=60_000)
    expect(run).to_be_hidden()
