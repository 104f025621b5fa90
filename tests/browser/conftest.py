"""Fixtures for tests that drive real JupyterLab and Notebook 7 in Debian's Chromium.

- ``chromium``: one headless Chromium for this package's tests, launched by Python Playwright from
  ``/usr/bin/chromium`` (Playwright cannot download its own browser here). Without Chromium
  the browser tests are skipped, except under ``CI=true``, where that is an error.
- ``lab`` / ``notebook7``: a JupyterLab / Notebook 7 server started once for the package on a free
  127.0.0.1 port with a temporary root directory (``server.root``). After each test its sessions
  and kernels are shut down, so the next test starts from a quiet machine.
- ``page``: a fresh browser context and page per test. When the test fails, a full-page
  screenshot, the browser console and the server log are written to ``test-artifacts/``.
- ``axe``: a checker that runs axe-core (WCAG 2 A/AA) on one widget's output in the page and
  fails with the list of violations (see ``_axe.py``). Without ``axe.min.js`` cached and no
  registry to fetch it from, a test that asks for it is skipped, except under ``CI=true``.

The fixtures are package-scoped, not session-scoped, on purpose: while Playwright's sync API is
alive it marks its event loop as running in the main thread, and every asyncio test collected
after the browser tests would fail with "Cannot run the event loop while another loop is
running". Package scope ends Playwright when the last test in ``tests/browser/`` is done.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ._axe import AxeCheck, fetch_axe
from ._jupyter import JupyterServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # No network but loopback here: without these Chromium keeps dialling Google's hosts.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--no-proxy-server",  # every server these tests open is on 127.0.0.1
    # Let a test start a <video> from script without a user gesture.
    "--autoplay-policy=no-user-gesture-required",
]
VIEWPORT = {"width": 1280, "height": 900}


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _chromium_executable() -> str | None:
    """``$CHROMIUM`` if set (another build, or a missing path to see the skip), else Debian's."""
    wanted = os.environ.get("CHROMIUM")
    if wanted:
        return wanted if Path(wanted).exists() else None
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    """Headless Debian Chromium driven by Playwright, shared by the whole session."""
    executable = _chromium_executable()
    if executable is None:
        message = "Debian's chromium is not installed (`make chromium` installs it)"
        if _in_ci():
            pytest.fail(f"CI=true and {message}: the browser tests must run in CI")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def _server(flavor: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    server = JupyterServer(
        flavor="lab" if flavor == "lab" else "notebook",
        root=tmp_path_factory.mktemp(f"{flavor}-root"),
        home=tmp_path_factory.mktemp(f"{flavor}-home"),
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package")
def _lab_server(
    chromium: Browser, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[JupyterServer]:
    # Depends on `chromium` so that a missing browser skips before a server is started.
    yield from _server("lab", tmp_path_factory)


@pytest.fixture(scope="package")
def _notebook7_server(
    chromium: Browser, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[JupyterServer]:
    yield from _server("notebook", tmp_path_factory)


@pytest.fixture
def lab(_lab_server: JupyterServer, request: pytest.FixtureRequest) -> Iterator[JupyterServer]:
    """The package's JupyterLab server; its sessions and kernels are shut down after the test."""
    request.node.jupyter_server = _lab_server
    yield _lab_server
    _lab_server.shutdown_sessions()


@pytest.fixture
def notebook7(
    _notebook7_server: JupyterServer, request: pytest.FixtureRequest
) -> Iterator[JupyterServer]:
    """The package's Notebook 7 server; its sessions and kernels are shut down after the test."""
    request.node.jupyter_server = _notebook7_server
    yield _notebook7_server
    _notebook7_server.shutdown_sessions()


@pytest.fixture
def page(chromium: Browser, request: pytest.FixtureRequest, artifacts_dir: Path) -> Iterator[Page]:
    """A page in a fresh browser context; on failure its screenshot and console are saved."""
    context = chromium.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(60_000)
    console: list[str] = []

    def record(message: ConsoleMessage) -> None:
        console.append(f"[{message.type}] {message.text}")

    page.on("console", record)
    page.on("pageerror", lambda error: console.append(f"[pageerror] {error}"))
    try:
        yield page
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is None or report.failed:
            _save_artifacts(request.node, page, console, artifacts_dir)
        context.close()


@pytest.fixture(scope="package")
def _axe_script() -> Path:
    try:
        return fetch_axe()
    except RuntimeError as exc:
        if _in_ci():
            pytest.fail(f"CI=true and {exc}: the accessibility checks must run in CI")
        pytest.skip(str(exc))


@pytest.fixture
def axe(page: Page, _axe_script: Path) -> AxeCheck:
    """Check a widget in this test's page with axe-core (injected once per page)."""
    return AxeCheck(page, _axe_script)


def _save_artifacts(node: pytest.Item, page: Page, console: list[str], directory: Path) -> None:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", node.nodeid).strip("_")
    try:
        page.screenshot(path=str(directory / f"{stem}.png"), full_page=True)
    except Exception as exc:  # the page may have crashed; the log below still helps
        console.append(f"[harness] screenshot failed: {exc}")
    (directory / f"{stem}.console.log").write_text("\n".join(console) + "\n")
    server: JupyterServer | None = getattr(node, "jupyter_server", None)
    if server is not None:
        (directory / f"{stem}.server.log").write_text(server.log())
