"""The exported report's synchronized player, opened from disk in Debian's Chromium (offline)."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.experiments._helpers import add_finished
from vidwidgets.client import VideoRequest
from vidwidgets.experiments import ExperimentStore
from vidwidgets.export import export_html

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
FPS = 12
FRAME = 1 / FPS


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    """One Chromium for the module: starting it costs seconds on a loaded machine."""
    if not HAVE_CHROMIUM:
        message = "Debian's chromium is not installed (`make chromium` installs it)"
        if IN_CI:
            pytest.fail(f"CI=true and {message}")
        pytest.skip(message)
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        await chromium.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Any) -> AsyncIterator[Any]:
    context = await browser.new_context(offline=True)  # no network: the report must not need it
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    await context.close()


async def until(page: Any, js: str, timeout: float = 10.0) -> None:
    """Poll ``js`` with ``evaluate``: the report's CSP forbids the eval a string predicate needs."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await page.evaluate(js):
        assert asyncio.get_running_loop().time() < deadline, f"never true: {js}"
        await asyncio.sleep(0.02)


async def open_report(page: Any, tmp_path: Path, videos: str) -> None:
    exp = ExperimentStore(tmp_path / "runs").experiment("sync")
    for i, frames in enumerate((48, 36, 24)):  # 4 s, 3 s and 2 s at 12 fps
        add_finished(exp, VideoRequest(model="viduq1", prompt=f"cell {i}", seed=1), frames=frames)
    out = export_html(exp, tmp_path / "report.html", videos=videos)  # type: ignore[arg-type]
    await page.goto(out.as_uri())
    await until(
        page, "Array.from(document.querySelectorAll('video')).every(v => v.readyState >= 2)"
    )


async def times(page: Any) -> list[float]:
    return list(await page.evaluate("window.vidwidgetsSync.times()"))


async def in_sync(page: Any) -> bool:
    """Every video within one frame of the leader (a shorter one: of its own last frame)."""
    state = await page.evaluate(
        "Array.from(document.querySelectorAll('video')).map(v => [v.currentTime, v.duration])"
    )
    lead = max(state, key=lambda s: s[1])[0]
    return all(abs(t - min(lead, d)) <= FRAME for t, d in state)


@pytest.mark.parametrize("videos", ["embed", "link"])
async def test_play_all_then_seek_keeps_every_video_within_a_frame(
    page: Any, tmp_path: Path, videos: str
) -> None:
    await open_report(page, tmp_path, videos)
    await page.click("#vw-play")
    await asyncio.sleep(0.6)
    playing = await times(page)
    assert min(playing) > 0.1  # they really play
    await page.evaluate("window.vidwidgetsSync.seek(0.3)")
    await asyncio.sleep(0.3)
    assert await in_sync(page), await times(page)  # while playing
    await page.click("#vw-play")  # pause
    paused = await page.evaluate("window.vidwidgetsSync.paused()")
    assert all(paused)
    assert await in_sync(page), await times(page)
    assert page.errors == []


async def test_pause_pauses_all_and_frame_step_moves_all(page: Any, tmp_path: Path) -> None:
    await open_report(page, tmp_path, "embed")
    await page.evaluate("window.vidwidgetsSync.seek(1.0)")
    await page.click("#vw-fwd")
    await page.wait_for_timeout(200)
    stepped = await times(page)
    assert all(abs(t - (1.0 + FRAME)) <= FRAME / 2 for t in stepped), stepped
    assert all(await page.evaluate("window.vidwidgetsSync.paused()"))


async def test_shorter_videos_hold_their_last_frame(page: Any, tmp_path: Path) -> None:
    await open_report(page, tmp_path, "embed")
    await page.evaluate("window.vidwidgetsSync.seek(3.5)")
    await page.wait_for_timeout(200)
    leader, middle, short = await times(page)
    assert abs(leader - 3.5) <= FRAME
    assert middle >= 3.0 - FRAME  # clamped at its end
    assert short >= 2.0 - FRAME


async def frame_label(page: Any) -> str:
    return str(await page.locator("#vw-frame").text_content())


async def test_arrow_keys_step_a_frame_shift_ten_and_space_plays(page: Any, tmp_path: Path) -> None:
    await open_report(page, tmp_path, "embed")
    await page.evaluate("window.vidwidgetsSync.seek(1.0)")  # frame 13 of 48 (1-based)
    await page.keyboard.press("ArrowRight")
    await until(page, "document.getElementById('vw-frame').textContent.includes('14 /')")
    assert await frame_label(page) == "frame 14 / 48"
    # every video on the centre of frame 14 (0-based 13), where no decoder rounds elsewhere
    assert await times(page) == pytest.approx([13.5 * FRAME] * 3, abs=1e-4)
    await page.keyboard.press("Shift+ArrowRight")
    await until(page, "document.getElementById('vw-frame').textContent.includes('24 /')")
    assert await times(page) == pytest.approx([23.5 * FRAME] * 3, abs=1e-4)
    await page.keyboard.press("Shift+ArrowLeft")
    await page.keyboard.press("ArrowLeft")
    await until(page, "document.getElementById('vw-frame').textContent.includes('13 /')")
    assert await times(page) == pytest.approx([12.5 * FRAME] * 3, abs=1e-4)
    await page.keyboard.press(" ")
    await until(page, "window.vidwidgetsSync.paused().every((p) => !p)")
    await page.keyboard.press(" ")
    await until(page, "window.vidwidgetsSync.paused().every((p) => p)")
    assert page.errors == []
