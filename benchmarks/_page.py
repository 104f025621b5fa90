"""The Performance page's figures, written from a run's JSON between two marker comments.

``docs/performance.md`` is hand-written prose around one generated region: the run it comes
from, the table, how many goals hold and the verdict of every missed goal. ``python -m
benchmarks`` rewrites that region after a full run; ``python -m benchmarks --report-only``
rewrites it from the latest full run in ``bench-results/`` without measuring anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks._report import BenchResult, Figure, markdown_table, notes

BEGIN = "<!-- bench-report:begin (written by python -m benchmarks; edit outside the markers) -->"
END = "<!-- bench-report:end -->"
PAGE = Path(__file__).resolve().parents[1] / "docs" / "performance.md"  # wherever the run starts


class MissingMarkers(ValueError):
    """The page has no (or an unbalanced) generated region, so nothing is overwritten."""


def results_from_json(doc: Mapping[str, Any]) -> list[BenchResult]:
    """The ``BenchResult``s of a saved run (the inverse of ``asdict`` in ``save``)."""
    out = []
    for res in doc.get("results", []):
        figures = [Figure(**fig) for fig in res.get("figures", [])]
        fields = {k: v for k, v in res.items() if k != "figures"}
        out.append(BenchResult(figures=figures, **fields))
    return out


def run_summary(doc: Mapping[str, Any], results: Sequence[BenchResult]) -> str:
    """One paragraph: which run, on what machine, and how loaded the machine was."""
    machine = doc.get("machine", {})
    total = sum(r.seconds for r in results)
    head = (
        f"Run {doc.get('when', '?')} (git {doc.get('git') or '?'}): "
        f"{machine.get('cpus', '?')} cores, Python {machine.get('python', '?')}, "
        f"{len(results)} benchmarks in {total:.0f} s."
    )
    loads = [
        f"{r.name} {la[0]}→{la[1]}"
        for r in results
        if len(la := r.settings.get("loadavg_1min") or []) == 2
    ]
    if not loads:
        return head
    return f"{head} 1-minute load average before → after each benchmark: {', '.join(loads)}."


def goals_line(results: Sequence[BenchResult]) -> str:
    """How many of the figures that have a goal meet it."""
    judged = [f.holds for r in results for f in r.figures if f.holds is not None]
    failed = sum(1 for r in results if r.error)
    text = f"**Goals held: {sum(judged)} of {len(judged)}.**"
    return text + (f" {failed} benchmark(s) failed to run." if failed else "")


def report_markdown(doc: Mapping[str, Any]) -> str:
    """The generated region's content (without the markers) for one saved run."""
    results = results_from_json(doc)
    parts = [run_summary(doc, results), goals_line(results), markdown_table(results)]
    verdicts = notes(results)
    if verdicts:
        lines = "\n".join(f"- {line}" for line in verdicts)
        parts.append(
            f"Missed goals, with what limits them, and caveats, as the run printed them:\n\n{lines}"
        )
    return "\n\n".join(parts)


def replace_region(page: str, content: str) -> str:
    """``page`` with only the text between ``BEGIN`` and ``END`` replaced by ``content``.

    Raises:
        MissingMarkers: the page lacks either marker, or has them out of order or twice.
    """
    if page.count(BEGIN) != 1 or page.count(END) != 1 or page.index(BEGIN) > page.index(END):
        raise MissingMarkers(f"the page needs exactly one {BEGIN!r} … {END!r} region")
    before, rest = page.split(BEGIN)
    _, after = rest.split(END)
    return f"{before}{BEGIN}\n{content.strip()}\n{END}{after}"


def write_page(doc: Mapping[str, Any], page: Path = PAGE) -> None:
    """Rewrite the generated region of ``page`` from one saved run."""
    page.write_text(
        replace_region(page.read_text(encoding="utf-8"), report_markdown(doc)), encoding="utf-8"
    )


def is_full_run(doc: Mapping[str, Any], names: Sequence[str]) -> bool:
    """A run the page may show: every benchmark in ``names``, at full scale."""
    ran = {r.get("name") for r in doc.get("results", [])}
    return not doc.get("quick", False) and ran >= set(names)


def latest_full_run(out_dir: Path, names: Sequence[str]) -> Path | None:
    """The newest ``bench-*.json`` in ``out_dir`` that is a full run (time stamps sort)."""
    for path in sorted(out_dir.glob("bench-*.json"), reverse=True):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if is_full_run(doc, names):
            return path
    return None
