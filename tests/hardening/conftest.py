"""Shared pieces of the hardening suite: a canary key, fast simulators, clients, figures.

Every test talks to real servers on loopback: the simulator, or a small hostile aiohttp app
written in the test (the simulator is deliberately well behaved). Figures that the README's
"Reliability" section quotes are collected with :func:`report` and written, merged per group,
to ``test-artifacts/reliability.json``; their one-line summaries are printed at the end of the
run by the terminal reporter, so they show with or without ``-s``.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.client.conftest import make_client  # noqa: F401  (a fixture: one definition for both suites)
from vidwidgets.simulator import Simulator

#: A key no real account has, easy to find anywhere it leaks to.
CANARY_KEY = "sk-canary-7f3e9b1c4d2a8e6f0b5c3d7a9e1f2b4c"
#: Pieces of it that must not leak either (a masked or cut key still gives part away).
CANARY_PARTS = (CANARY_KEY, CANARY_KEY[10:30], "7f3e9b1c4d2a")

#: fast lifecycles, tiny videos: a job takes a fraction of a second
FAST: dict[str, Any] = {"speed": 400.0, "video_scale": 0.1, "fps": 8, "refresh_period": 2.0}
MODEL = {"newapi": "kling-v1", "docs": "viduq1", "openai": "sora-2"}

REPO_ROOT = Path(__file__).resolve().parents[2]
FIGURES_FILE = REPO_ROOT / "test-artifacts" / "reliability.json"


def report(group: str, line: str, **figures: Any) -> None:
    """Record a group's one-line summary (printed at the end) and its figures (JSON file)."""
    # the file, not a module global: pytest may load this conftest twice (as a plugin and as
    # the module the tests import), and the terminal summary is printed by the plugin's copy
    _merge(group, {**figures, "summary": line, "recorded_at": time.time()})


_OUTCOMES: dict[str, dict[str, int]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count each hardening module's outcomes: the figures say how many checks really ran."""
    if "tests/hardening/test_" not in report.nodeid:
        return
    module = report.nodeid.split("::")[0].rsplit("/", 1)[-1].removeprefix("test_")[:-3]
    counts = _OUTCOMES.setdefault(module, {"passed": 0, "failed": 0, "xfailed": 0})
    if report.when == "call" and report.passed and not hasattr(report, "wasxfail"):
        counts["passed"] += 1
    elif report.failed:
        counts["failed"] += 1
    elif hasattr(report, "wasxfail"):
        counts["xfailed"] += 1


def pytest_sessionfinish(session: pytest.Session) -> None:
    for module, counts in _OUTCOMES.items():
        _merge(module, {"checks_" + name: n for name, n in counts.items()})


def _merge(group: str, figures: dict[str, Any]) -> None:
    FIGURES_FILE.parent.mkdir(exist_ok=True)
    try:
        data = json.loads(FIGURES_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    entry = data.get(group) if isinstance(data.get(group), dict) else {}
    entry.update(figures)
    data[group] = entry
    temp = FIGURES_FILE.with_suffix(".tmp")
    temp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temp, FIGURES_FILE)


_SESSION_START = time.time()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the one-line summaries recorded during this run (with or without ``-s``)."""
    try:
        data = json.loads(FIGURES_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    lines = [
        f"[{group}] {entry['summary']}"
        for group, entry in sorted(data.items())
        if isinstance(entry, dict) and entry.get("recorded_at", 0) >= _SESSION_START
    ]
    if lines:
        terminalreporter.section("hardening figures")
        for line in lines:
            terminalreporter.write_line(line)


def contains_secret(text: str) -> str | None:
    """The piece of the canary key found in ``text``, if any."""
    for part in CANARY_PARTS:
        if part in text:
            return part
    return None


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer key, folder or journal leaks in; the journal lives in the test's folder."""
    for name in (
        "VIDWIDGETS_API_KEY",
        "VIDWIDGETS_BASE_URL",
        "VIDWIDGETS_API_FORMAT",
        "VIDWIDGETS_OUTPUT_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VIDWIDGETS_JOURNAL_DIR", str(tmp_path / "journal"))


SimFactory = Callable[..., Any]


@pytest.fixture
async def make_sim() -> AsyncIterator[SimFactory]:
    """``await make_sim("newapi", **knobs)`` -> a running Simulator on loopback (stopped after)."""
    sims: list[Simulator] = []

    async def factory(dialect: str = "newapi", **kwargs: Any) -> Simulator:
        for name, value in FAST.items():
            kwargs.setdefault(name, value)
        sim = Simulator(dialect=dialect, **kwargs)  # type: ignore[arg-type]
        await sim.astart()
        sims.append(sim)
        return sim

    yield factory
    for sim in sims:
        await sim.astop()


async def other_tasks(settle: float = 2.0) -> set[asyncio.Task[Any]]:
    """Client-side tasks still running on this loop besides the current one.

    The simulator shares the test's loop; its request handlers (``aiohttp.web``) are the server
    side and are left out. Tasks get ``settle`` seconds to finish their last step.
    """
    current = asyncio.current_task()

    def alive() -> set[asyncio.Task[Any]]:
        found = set()
        for task in asyncio.all_tasks():
            if task is current or task.done():
                continue
            code = getattr(task.get_coro(), "cr_code", None)
            where = code.co_filename if code is not None else ""
            if f"aiohttp{os.sep}web" in where:
                continue
            found.add(task)
        return found

    deadline = asyncio.get_running_loop().time() + settle
    while (tasks := alive()) and asyncio.get_running_loop().time() < deadline:  # noqa: ASYNC110 - nothing to wait on but time
        await asyncio.sleep(0.05)
    return tasks


@pytest.fixture
def leftover_files() -> Callable[[Path], list[Path]]:
    """``leftover_files(folder)`` -> temporary, partial or empty files under it."""

    def scan(folder: Path) -> list[Path]:
        if not folder.exists():
            return []
        found = []
        for path in folder.rglob("*"):
            if not path.is_file():
                continue
            name = path.name
            if name.endswith((".part", ".tmp")) or name.startswith(".") or path.stat().st_size == 0:
                found.append(path)
        return found

    return scan


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> str:
    """The canary key in the environment, as a user with a real key would have it."""
    monkeypatch.setenv("VIDWIDGETS_API_KEY", CANARY_KEY)
    return CANARY_KEY
