"""Suite-wide pytest hooks.

Each test item gets ``rep_setup`` / ``rep_call`` / ``rep_teardown`` attributes holding its phase
reports, so a fixture's teardown can tell whether the test failed (the browser fixtures use it to
write a screenshot and the console log to ``test-artifacts/``).
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``test-artifacts/`` at the repository root: screenshots and logs of failed tests."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR
