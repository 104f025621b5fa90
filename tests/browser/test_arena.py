"""The Arena in real JupyterLab and Chromium: blind until the vote, keys and buttons, the reveal,
and both videos playing in sync; axe-core finds no WCAG 2 A/AA violation while voting or in the
reveal.

One notebook runs three prompts against a fast simulator started in the kernel, then shows an
Arena over them (the Comparison itself is not displayed, so nothing on the page names a video).
One test walks through a session on that one page load: it costs a JupyterLab page and three
tiny videos, and covers what no kernel-side test can (focus, keys, the DOM, playback).
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from ._axe import AxeCheck
from ._jupyter import JupyterServer, open_notebook, run_all_cells
from .test_harness import write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOK = "arena.ipynb"
FPS = 12
FRAME = 1 / FPS
PROMPTS = ["a red fox running", "a grey wolf running", "a white owl flying"]
MODEL = "viduq1"

SETUP_CELL = f"""\
import vidwidgets as vw

sim = vw.Simulator(speed=150, video_scale=0.3, fps={FPS}).start()
client = vw.VideoClient(base_url=sim.base_url, api_key=sim.api_key, journal=False)
cmp = vw.Comparison(
    prompts={PROMPTS!r}, model="{MODEL}", client=client, store="runs", experiment="arena",
    confirm=True,
)
await cmp
print(len([c for c in cmp.cells if c.finished]), "finished")
"""
ARENA_CELL = """\
arena = vw.Arena(cmp, reveal_seconds=0)
arena
"""


def arena_text(page: Page) -> str:
    """Everything in the Arena's DOM: its text and its markup (attributes, sources)."""
    return str(page.locator(".vw-arena").evaluate("(r) => r.innerText + '\\n' + r.outerHTML"))


def wait_both_playing(page: Page) -> None:
    root = page.locator(".vw-arena").element_handle()
    page.wait_for_function(
        """(root) => {
          const vs = [...root.querySelectorAll('video')];
          return vs.length === 2 && vs.every((v) => v.readyState >= 2 && !v.paused)
            && root.vwSync.times()[0] > 0.2;
        }""",
        arg=root,
        timeout=60_000,
    )


def test_a_blind_vote_by_key_and_by_button_reveals_and_moves_on(
    page: Page, lab: JupyterServer, axe: AxeCheck
) -> None:
    write_notebook(lab.root / NOTEBOOK, SETUP_CELL, ARENA_CELL)
    open_notebook(page, lab, NOTEBOOK)
    run_all_cells(page)
    root = page.locator(".vw-arena")
    expect(root).to_have_attribute("data-phase", "vote", timeout=30_000)
    wait_both_playing(page)

    # blind: the captions are A and B, and nothing names a model, a prompt or a file
    expect(root.locator(".vw-arena-letter")).to_have_text(["A", "B"])
    before = arena_text(page)
    for secret in [MODEL, *PROMPTS, ".mp4", "videos/"]:
        assert secret not in before
    axe(root, "the Arena while voting")

    # the two videos play in sync: within a frame of each other while playing
    handle = root.element_handle()
    spreads = []
    for _ in range(5):
        times = page.evaluate("(r) => r.vwSync.times()", handle)
        spreads.append(max(times) - min(times))
        time.sleep(0.12)
    assert max(spreads) <= FRAME, f"the two videos drifted apart: {spreads}"

    # the key A votes for the left video; the reveal names both
    root.click(position={"x": 5, "y": 5})
    page.keyboard.press("a")
    expect(root).to_have_attribute("data-phase", "reveal")
    expect(root.locator(".vw-arena-message")).to_have_text("You preferred A")
    expect(root.locator(".vw-arena-side-a")).to_have_class(
        "vw-arena-side vw-arena-side-a vw-arena-winner"
    )
    expect(root.locator(".vw-arena-reveal-model")).to_have_text([MODEL, MODEL])
    revealed = root.locator(".vw-arena-reveal-prompt").all_inner_texts()
    assert len(revealed) == 2
    assert set(revealed) < set(PROMPTS)
    expect(root.get_by_role("button", name="A is better (key A)")).to_be_disabled()
    axe(root, "the Arena's reveal")

    # N moves on: blind again, another pair, both playing
    page.keyboard.press("n")
    expect(root).to_have_attribute("data-phase", "vote")
    expect(root.locator(".vw-arena-reveal-prompt")).to_have_count(0)
    wait_both_playing(page)

    # the Tie button, by its accessible name
    root.get_by_role("button", name="Tie (key T)").click()
    expect(root).to_have_attribute("data-phase", "reveal")
    expect(root.locator(".vw-arena-message")).to_have_text("You called it a tie")
    expect(root.locator(".vw-arena-counts")).to_have_text("3 videos · 2 votes")
    second = set(root.locator(".vw-arena-reveal-prompt").all_inner_texts())
    assert second != set(revealed), "the same pair came twice in a row"
