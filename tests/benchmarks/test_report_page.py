"""The Performance page is written from a run's JSON, between its markers and nowhere else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import BENCHMARKS
from benchmarks.__main__ import main
from benchmarks._page import (
    BEGIN,
    END,
    MissingMarkers,
    latest_full_run,
    replace_region,
    report_markdown,
    write_page,
)


def _figure(name: str, value: float, baseline_value: float | None, **kw: Any) -> dict[str, Any]:
    fig = {
        "bench": "polling",
        "name": name,
        "value": value,
        "unit": kw.pop("unit", ""),
        "baseline": kw.pop("baseline", "88API schedule"),
        "baseline_value": baseline_value,
        "goal": kw.pop("goal", "< 88API schedule"),
        "holds": kw.pop("holds", True),
        "ratio": None,
        "note": kw.pop("note", ""),
        "details": {},
    }
    fig.update(kw)
    return fig


def small_run(*, quick: bool = False, names: tuple[str, ...] = ("polling",)) -> dict[str, Any]:
    """A saved run as ``benchmarks._report.save`` writes it, with two polling figures."""
    results = [
        {
            "name": "polling",
            "figures": [
                _figure("openai: detection lag p50 / job time", 0.022, 0.091, unit="%", ratio=0.24),
                _figure(
                    "openai: status requests per job",
                    7.17,
                    12.9,
                    ratio=0.56,
                    goal="≤ 1/3 of 88API",
                    holds=False,
                    note="7.2 reads per job",
                ),
            ],
            "settings": {"loadavg_1min": [0.54, 0.36]},
            "seconds": 61.6,
            "error": "",
        }
    ]
    results += [
        {"name": n, "figures": [], "settings": {}, "seconds": 1.0, "error": ""}
        for n in names
        if n != "polling"
    ]
    return {
        "when": "20261125T002757Z",
        "quick": quick,
        "git": "98b756c",
        "machine": {"python": "3.11.7", "platform": "Linux", "cpus": 2},
        "results": results,
    }


EXPECTED = """\
Run 20261125T002757Z (git 98b756c): 2 cores, Python 3.11.7, 1 benchmarks in 62 s. \
1-minute load average before → after each benchmark: polling 0.54→0.36.

**Goals held: 1 of 2.**

| figure | vidwidgets | baseline | ratio | goal | holds? |
|---|---|---|---|---|---|
| polling: openai: detection lag p50 / job time | 2.2 % | 9.1 % (88API schedule) | 0.24× | < 88API schedule | yes |
| polling: openai: status requests per job | 7.17 | 12.9 (88API schedule) | 0.56× | ≤ 1/3 of 88API | NO |

Missed goals, with what limits them, and caveats, as the run printed them:

- polling: openai: status requests per job: goal missed because 7.2 reads per job"""


def _page(region: str = "old table") -> str:
    return f"# Performance\n\nProse before.\n\n{BEGIN}\n{region}\n{END}\n\nProse after.\n"


def test_a_small_run_becomes_the_expected_markdown() -> None:
    assert report_markdown(small_run()) == EXPECTED


def test_only_the_marked_region_is_replaced() -> None:
    page = replace_region(_page(), "new table")
    assert page == _page("new table")


def test_replacing_twice_gives_the_same_page() -> None:
    once = replace_region(_page(), EXPECTED)
    assert replace_region(once, EXPECTED) == once


@pytest.mark.parametrize(
    "page",
    [
        "# Performance\n\nno markers\n",
        f"{BEGIN}\nonly the beginning\n",
        f"{END}\nout of order\n{BEGIN}\n",
        f"{BEGIN}\na\n{END}\n{BEGIN}\nb\n{END}\n",
    ],
    ids=["none", "no-end", "reversed", "twice"],
)
def test_a_page_without_one_marked_region_is_refused(page: str) -> None:
    with pytest.raises(MissingMarkers):
        replace_region(page, "new table")


def test_the_page_is_written_in_place(tmp_path: Path) -> None:
    page = tmp_path / "performance.md"
    page.write_text(_page())
    write_page(small_run(), page)
    assert page.read_text() == _page(EXPECTED)


def test_the_latest_full_run_skips_quick_and_partial_runs(tmp_path: Path) -> None:
    every = tuple(BENCHMARKS)
    runs = {
        "bench-20261120T000000Z.json": small_run(names=every),
        "bench-20261121T000000Z.json": small_run(names=("polling",)),
        "bench-20261122T000000Z-quick.json": small_run(quick=True, names=every),
    }
    for name, doc in runs.items():
        (tmp_path / name).write_text(json.dumps(doc))
    assert latest_full_run(tmp_path, every) == tmp_path / "bench-20261120T000000Z.json"


def test_report_only_rewrites_the_page_from_the_latest_full_run(tmp_path: Path) -> None:
    (tmp_path / "bench-20261120T000000Z.json").write_text(
        json.dumps(small_run(names=tuple(BENCHMARKS)))
    )
    page = tmp_path / "performance.md"
    page.write_text(_page())
    assert main(["--report-only", "--out", str(tmp_path), "--page", str(page)]) == 0
    text = page.read_text()
    assert "| polling: openai: status requests per job | 7.17 |" in text
    assert "old table" not in text
    assert text.startswith("# Performance\n\nProse before.\n\n")
    assert text.endswith("\n\nProse after.\n")


def test_report_only_without_a_full_run_leaves_the_page_alone(tmp_path: Path) -> None:
    page = tmp_path / "performance.md"
    page.write_text(_page())
    assert main(["--report-only", "--out", str(tmp_path), "--page", str(page)]) == 1
    assert page.read_text() == _page()


def test_the_docs_page_has_one_marked_region() -> None:
    page = Path(__file__).resolve().parents[2] / "docs" / "performance.md"
    text = page.read_text(encoding="utf-8")
    assert replace_region(text, "x").count(BEGIN) == 1


def test_report_only_takes_any_run_given_with_json(tmp_path: Path) -> None:
    run = tmp_path / "partial.json"
    run.write_text(json.dumps(small_run(names=("polling",))))
    page = tmp_path / "performance.md"
    page.write_text(_page())
    assert main(["--report-only", "--json", str(run), "--page", str(page)]) == 0
    assert page.read_text() == _page(EXPECTED)
