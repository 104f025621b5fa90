"""Chromium really plays the simulator's videos (Debian's chromium, driven by Playwright)."""

from __future__ import annotations

import os
import shutil

import aiohttp
import pytest

from vidwidgets.simulator import Simulator

from .conftest import auth

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None and os.environ.get("CI") != "true", reason="no chromium installed"
    ),
]

PLAY = """async (url) => {
    const v = document.createElement('video');
    v.muted = true;
    v.src = url;
    document.body.appendChild(v);
    await new Promise((ok, bad) => {
        v.onloadeddata = ok;
        v.onerror = () => bad(new Error('media error ' + (v.error && v.error.code)));
    });
    await v.play();
    await new Promise((r) => setTimeout(r, 500));
    return {width: v.videoWidth, height: v.videoHeight, duration: v.duration, time: v.currentTime};
}"""


async def test_chromium_plays_the_video_from_the_cdn(http: aiohttp.ClientSession) -> None:
    from playwright.async_api import async_playwright

    assert CHROMIUM is not None, "CI=true needs chromium"
    async with Simulator(dialect="docs", speed=200, video_scale=0.25, fps=12) as sim:
        body = {"model": "kling-v1", "prompt": "played in a browser"}
        async with http.post(
            sim.base_url + "/v1/video/generations", json=body, headers=auth(sim)
        ) as resp:
            task_id = (await resp.json())["task_id"]
        await sim.wait_finished(1)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            )
            try:
                page = await browser.new_page()
                await page.goto(sim.base_url + "/cdn/")  # any page on the same origin
                result = await page.evaluate(PLAY, sim.video_url(task_id))
            finally:
                await browser.close()
    assert (result["width"], result["height"]) == (320, 180)
    assert result["duration"] == pytest.approx(5.0)
    assert result["time"] > 0  # it played
