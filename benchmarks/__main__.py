"""``python -m benchmarks [NAME ...] [--quick] [--out DIR]``: run the benchmarks, print the table.

    python -m benchmarks                 # all eight (what `make bench` runs), ~5 minutes
    python -m benchmarks polling batch   # just these
    python -m benchmarks --quick         # tiny scales: checks every figure is produced
    python -m benchmarks --report-only   # rewrite docs/performance.md from the latest full run

The table shows each figure with its baseline (measured in the same run), the ratio, the goal
and whether it holds; a missed goal is printed below the table with what limits it. The whole
run is saved as JSON in ``bench-results/`` (``latest.json`` and a time-stamped copy). A full run
(all eight, not ``--quick``) also rewrites the generated region of ``docs/performance.md``, so
the page always shows one complete run; partial and quick runs leave it alone.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

from benchmarks import BENCHMARKS, load
from benchmarks._page import PAGE, is_full_run, latest_full_run, write_page
from benchmarks._report import (
    BenchResult,
    git_revision,
    markdown_table,
    notes,
    save,
    text_table,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="tiny scales (the smoke test)")
    parser.add_argument("--out", type=Path, default=Path("bench-results"), help="JSON directory")
    parser.add_argument("--markdown", action="store_true", help="also print the Markdown table")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="run nothing: rewrite the page from --json, or the latest full run in --out",
    )
    parser.add_argument("--json", type=Path, help="the run --report-only writes the page from")
    parser.add_argument("--page", type=Path, default=PAGE, help="the page (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.report_only:
        return report_only(args.json, args.out, args.page)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    names = args.names or list(BENCHMARKS)

    results: list[BenchResult] = []
    revision = git_revision()  # the code measured is the code at the start
    started = time.perf_counter()
    for name in names:
        print(f"[{time.perf_counter() - started:6.1f}s] {name} ...", flush=True)
        t0 = time.perf_counter()
        load_before = os.getloadavg()[0]
        try:
            res = load(name).run(quick=args.quick)
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            res = BenchResult(name, [], error=f"{type(exc).__name__}: {exc}")
        res.seconds = time.perf_counter() - t0
        # the machine is shared: the 1-minute load average says how quiet it was
        res.settings["loadavg_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        results.append(res)
        la = res.settings["loadavg_1min"]
        print(
            f"         {name} took {res.seconds:.1f}s (load average {la[0]} -> {la[1]})", flush=True
        )

    total = time.perf_counter() - started
    print()
    print(text_table(results))
    lines = notes(results)
    if lines:
        print()
        for line in lines:
            print(f"- {line}")
    if args.markdown:
        print()
        print(markdown_table(results))
    path = save(results, args.out, args.quick, git=revision)
    print(f"\n{len(names)} benchmark(s) in {total:.0f}s; JSON written to {path}")
    doc = json.loads(path.read_text(encoding="utf-8"))
    if is_full_run(doc, list(BENCHMARKS)):
        try:
            write_page(doc, args.page)
            print(f"{args.page} rewritten from this run")
        except (OSError, ValueError) as exc:  # the figures are saved; the page can follow later
            print(f"{args.page} not rewritten ({exc}); python -m benchmarks --report-only retries")
    return 1 if any(r.error for r in results) else 0


def report_only(json_path: Path | None, out_dir: Path, page: Path) -> int:
    """Rewrite the page's generated region from a saved run, measuring nothing."""
    path = json_path or latest_full_run(out_dir, list(BENCHMARKS))
    if path is None:
        print(f"no full run (all of {', '.join(BENCHMARKS)}, not --quick) in {out_dir}/")
        return 1
    try:
        write_page(json.loads(path.read_text(encoding="utf-8")), page)
    except (OSError, ValueError) as exc:  # MissingMarkers is a ValueError
        print(f"cannot write {page} from {path}: {exc}")
        return 1
    print(f"{page} rewritten from {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
