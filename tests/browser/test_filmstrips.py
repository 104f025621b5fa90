"""Filmstrips in real JupyterLab and Chromium: a grid of strips decodes no video until played.

One small notebook: a 2 × 2 grid with ``filmstrips=True`` (a big grid would turn them on by
itself; four cells keep the test cheap) against a fast simulator started in the kernel.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ._jupyter import JupyterServer, open_notebook, run_all_cells
from .test_harness import write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOK = "filmstrips.ipynb"
SETUP_CELL = """\
import vidwidgets as vw

sim = vw.Simulator(speed=150, video_scale=0.3, fps=12).start()
client = vw.VideoClient(base_url=sim.base_url, api_key=sim.api_key, journal=False,
                        prices={"viduq1": {"usd": 0.20, "per": "call"}})
cmp = vw.Comparison(prompts=["a red fox in snow", "a grey wolf in snow"], seeds=[1, 2],
                    model="viduq1", client=client, store="runs", experiment="browser-strips",
                    filmstrips=True)
cmp
"""
WAIT_CELL = "await cmp\n"
VIDEOS_JS = "[...document.querySelectorAll('.vw-cmp .vw-cell video.vw-cell-video')]"


def test_a_grid_of_strips_decodes_a_video_only_when_it_is_played(
    page: Page, lab: JupyterServer
) -> None:
    write_notebook(lab.root / NOTEBOOK, SETUP_CELL, WAIT_CELL)
    open_notebook(page, lab, NOTEBOOK)
    run_all_cells(page)
    root = page.locator(".vw-cmp").first
    expect(root).to_have_attribute("data-done", "4", timeout=60_000)
    cells = root.locator(".vw-cell")
    expect(root.locator(".vw-cell[data-media='strip']")).to_have_count(4, timeout=30_000)
    page.wait_for_function(
        """() => [...document.querySelectorAll('.vw-cmp .vw-strip-row')]
                  .every((img) => img.complete && img.naturalWidth > 0)"""
    )
    # every strip is a button named for what it plays; no video has a source or data yet
    fox = page.get_by_role("button", name=re.compile(r"^Play a red fox in snow · seed=1$"))
    expect(fox).to_be_visible()
    assert (
        page.evaluate(f"{VIDEOS_JS}.map((v) => [v.getAttribute('src'), v.readyState])")
        == [[None, 0]] * 4
    )
    fox.click()
    first = cells.filter(has=page.locator("[aria-label='Play a red fox in snow · seed=1']"))
    expect(first).to_have_attribute("data-media", "video", timeout=30_000)
    page.wait_for_function(
        f"""() => {VIDEOS_JS}.filter((v) => v.readyState >= 2 && !v.paused).length === 1"""
    )
    # the others still show their strips; Enter on one plays it too, in sync with the first
    assert page.evaluate(f"{VIDEOS_JS}.filter((v) => v.getAttribute('src')).length") == 1
    wolf = page.get_by_role("button", name=re.compile(r"^Play a grey wolf in snow · seed=2$"))
    wolf.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"""() => {VIDEOS_JS}.filter((v) => v.readyState >= 2 && !v.paused).length === 2"""
    )
    assert root.get_attribute("data-playing") == "true"
