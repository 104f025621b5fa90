"""axe-core in the page: check one widget's output against WCAG 2 A/AA, fail with a readable list.

``axe.min.js`` comes from ``scripts/fetch_axe.py`` (a pinned, integrity-checked npm tarball
cached in ``.cache/axe-core/``; ``make axe`` fetches it). `assert_accessible` injects it into the
page once, runs it on the widget's root node only — JupyterLab's own chrome is not ours to fix —
and raises `AssertionError` listing every violation: its rule, impact, the offending nodes'
selectors and axe's help text with its link.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

REPO = Path(__file__).resolve().parents[2]
FETCH_SCRIPT = REPO / "scripts" / "fetch_axe.py"
#: the WCAG 2.0 and 2.1 levels A and AA; best practices and AAA are advice, not a gate
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_RUN_JS = """async ([node, tags]) => {
  const result = await window.axe.run(node, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target.join(' '), summary: n.failureSummary || ''})),
  }));
}"""


def fetch_axe() -> Path:
    """Path of the cached ``axe.min.js``, fetching it first if needed.

    Raises:
        RuntimeError: The script could not fetch or verify it (its reason is in the message).
    """
    done = subprocess.run(
        [sys.executable, str(FETCH_SCRIPT)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"axe-core is not available (`make axe`): {done.stderr.strip()}")
    return Path(done.stdout.strip())


def format_violations(violations: list[dict[str, Any]]) -> str:
    """One block per violated rule: id, impact, help and link, then each node's selector."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


def axe_violations(page: Page, target: Locator, script: Path) -> list[dict[str, Any]]:
    """Run axe (injected from `script` unless already there) on `target`'s first node."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(script))
    handle = target.first.element_handle()
    violations: list[dict[str, Any]] = page.evaluate(_RUN_JS, [handle, WCAG_TAGS])
    return violations


def assert_accessible(page: Page, target: Locator, script: Path, what: str = "the widget") -> None:
    """Fail when axe finds any WCAG 2 A/AA violation inside `target`.

    Args:
        page: The page holding the widget.
        target: The widget's root node (its first match is checked).
        script: The path of ``axe.min.js`` (the ``axe`` fixture).
        what: What is checked, for the failure message.

    Raises:
        AssertionError: With one readable block per violated rule.
    """
    violations = axe_violations(page, target, script)
    assert not violations, (
        f"axe-core found {len(violations)} WCAG 2 A/AA violation(s) in {what}:\n"
        + format_violations(violations)
    )


class AxeCheck:
    """``axe(target, what)``: assert that `target` (a widget's root) has no WCAG 2 A/AA violation.

    What the ``axe`` fixture gives a test: `assert_accessible` bound to its page and script.
    """

    def __init__(self, page: Page, script: Path) -> None:
        self.page = page
        self.script = script

    def __call__(self, target: Locator, what: str = "the widget") -> None:
        assert_accessible(self.page, target, self.script, what)
