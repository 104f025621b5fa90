r"""The ``vidwidgets`` command: generate one video, compare a grid, manage the stored runs.

    vidwidgets generate --model viduq1 --prompt "a red fox in snow" --seed 7 --out fox.mp4
    vidwidgets compare --model viduq1 --prompt "a red fox" --prompt "a grey wolf" \
        --seed 1 --seed 2 --out report.html --grid-video grid.mp4
    vidwidgets compare --model kling-v1 --prompt "a red fox" --samples 3   # Kling ignores seeds
    vidwidgets compare --model veo-3.1-generate-preview --prompt "a fox" --dry-run  # prices only
    vidwidgets compare ... --budget 5        # sends nothing unless the estimate is within $5
    vidwidgets runs list | usage | prune --older-than 30d [--keep N] [--dry-run] | export NAME

Runs are stored like the notebook's (``$VIDWIDGETS_RUNS_DIR`` or ``./vidwidgets-runs``), so the
same cache and resume apply: run a command again and finished cells load from disk, pending ones
resume by task id. The key comes from ``$VIDWIDGETS_API_KEY`` (or ``--ask-key`` prompts for it;
there is deliberately no flag that would put it in the shell history). With no key and no base
URL the embedded simulator answers.

Exit codes: 0 all succeeded, 1 some failed, 2 usage or validation error, 3 over ``--budget``
(or a price unknown: nothing was sent), 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import hashlib
import itertools
import json
import logging
import math
import os
import re
import shutil
import signal
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from vidwidgets.client import (
    CostEstimate,
    ResultCache,
    ValidationError,
    VideoAPIError,
    VideoRequest,
)
from vidwidgets.experiments import (
    Cell,
    CellRun,
    Experiment,
    ExperimentRunner,
    ExperimentStore,
    RunRecord,
    caption,
    check_seed_axis,
    default_runs_dir,
    differing_fields,
    format_metric,
    format_usd,
    record_captions,
    seed_for,
    take_numbers,
)
from vidwidgets.metrics import METRIC_NAMES

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_BUDGET = 3
EXIT_TERMINATED = 143

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class UsageError(Exception):
    """Bad arguments: printed as ``vidwidgets: error: ...`` with exit code 2."""


class OverBudget(Exception):
    """The estimate passes ``--budget`` or a price is unknown: nothing sent, exit code 3."""


# -- argument parsing ------------------------------------------------------------------------


def _seconds(text: str) -> float:
    match = _DURATION.match(text)
    if not match:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration: use e.g. 3600, 90m, 12h, 30d or 2w"
        )
    return float(match[1]) * _UNITS[match[2]]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _budget(text: str) -> float:
    """``--budget``: a finite number of USD >= 0 (``5``, ``12.50`` or ``$5``)."""
    try:
        value = float(text.strip().removeprefix("$"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of USD: use e.g. 5 or 12.50"
        ) from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed: a finite number of USD >= 0")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vidwidgets",
        description="Generate and compare AI videos (Kling, Jimeng, Vidu, Sora via 88API).",
        epilog="Exit codes: 0 all succeeded, 1 some failed, 2 usage error, 3 over --budget "
        "(nothing sent), 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    store, connection = _store_options(), _connection_options()
    _add_generate(sub, [store, connection])
    _add_compare(sub, [store, connection])
    _add_runs(sub, store)
    _add_measure(sub)
    return parser


def _add_measure(sub: _Subparsers) -> None:
    m = sub.add_parser(
        "measure",
        help="print one video's quality metrics (motion, flicker, sharpness, ...)",
        description="Measure a video file locally (vw.measure) and print its metrics; the "
        "result is cached beside it as <video>.metrics.json.",
    )
    m.add_argument("path", type=Path, help="the video file")
    m.add_argument("--json", action="store_true", help="print the metrics as JSON")


def _store_options() -> argparse.ArgumentParser:
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument(
        "--runs-dir",
        type=Path,
        default=None,
        help="where experiments are stored (default: $VIDWIDGETS_RUNS_DIR or ./vidwidgets-runs)",
    )
    return store


def _connection_options() -> argparse.ArgumentParser:
    connection = argparse.ArgumentParser(add_help=False)
    group = connection.add_argument_group("connection")
    group.add_argument("--base-url", help="API address (default: $VIDWIDGETS_BASE_URL)")
    group.add_argument("--api-format", choices=("88api", "openai"), help="request format")
    group.add_argument(
        "--ask-key",
        action="store_true",
        help="prompt for the API key (otherwise $VIDWIDGETS_API_KEY; no key: embedded simulator)",
    )
    group.add_argument(
        "--max-concurrency", type=_positive_int, default=4, help="generations at once (4)"
    )
    group.add_argument(
        "--timeout", type=_seconds, default=None, help="give up waiting on a task after this long"
    )
    group.add_argument(
        "--no-cache", action="store_true", help="never reuse a finished video of the same request"
    )
    return connection


def _request_options(p: argparse.ArgumentParser, *, many: bool) -> None:
    g = p.add_argument_group("request")
    append: dict[str, Any] = {"action": "append"} if many else {}
    repeatable = " (repeatable)" if many else ""
    g.add_argument("--model", required=True, help="model name" + repeatable, **append)
    g.add_argument("--prompt", required=True, help="what to show" + repeatable, **append)
    g.add_argument(
        "--seed",
        type=_int,
        help="fixed seed: reproducible and cacheable" + repeatable,
        **append,
    )
    g.add_argument("--duration", type=_int, help="seconds of video")
    g.add_argument("--seconds", help='Sora: seconds as a string, "4", "8" or "12"')
    g.add_argument("--size", help="WxH, e.g. 1280x720")
    g.add_argument("--aspect-ratio", help="e.g. 16:9")
    g.add_argument("--resolution", help="Vidu: 720p or 1080p")
    g.add_argument("--negative-prompt", help="what not to show")
    g.add_argument("--image", help="image-to-video: a file, an http(s) URL or a data URI")
    g.add_argument("--mode", help="Kling: std or pro")


# argparse's subparsers action has no public type name
_Subparsers = Any


def _cost_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("cost")
    g.add_argument(
        "--dry-run",
        action="store_true",
        help="print each cell's price and the total; send nothing",
    )
    g.add_argument(
        "--budget",
        type=_budget,
        metavar="USD",
        help="send nothing unless the estimated total is within USD and every price is known "
        "(exit code 3 otherwise); also a hard cap on what this command creates",
    )


def _add_generate(sub: _Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    gen = sub.add_parser(
        "generate", parents=parents, help="generate one video", description="Generate one video."
    )
    _request_options(gen, many=False)
    _cost_options(gen)
    gen.add_argument("--out", type=Path, help="copy the video here (.mp4)")
    gen.add_argument("--experiment", default="generate", help="experiment to store it in")


def _add_compare(sub: _Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    cmp_ = sub.add_parser(
        "compare",
        parents=parents,
        help="run a grid of prompts × models × seeds (or takes) and export a report",
        description="Run every combination of --prompt, --model and --seed (and --samples "
        "takes) side by side. A --seed goes only to models that honour seeds; more than one "
        "--seed with a model that ignores them is refused.",
    )
    _request_options(cmp_, many=True)
    _cost_options(cmp_)
    cmp_.add_argument("--experiment", help="experiment name (default: derived from the grid)")
    cmp_.add_argument(
        "--out", type=Path, help="HTML report (default: report.html in the experiment folder)"
    )
    cmp_.add_argument(
        "--videos",
        choices=("embed", "copy", "link"),
        default="embed",
        help="videos inside the report (embed), in a folder beside it (copy) or linked (link)",
    )
    cmp_.add_argument("--grid-video", type=Path, help="also write one side-by-side MP4")
    cmp_.add_argument(
        "--samples",
        type=_positive_int,
        default=1,
        metavar="N",
        help="N independent takes of every cell, each its own create (for models that ignore "
        "seeds: Kling, Hailuo, Sora)",
    )
    cmp_.add_argument("--columns", type=_positive_int, help="grid columns")
    cmp_.add_argument(
        "--no-measure", action="store_true", help="do not measure the videos after download"
    )
    cmp_.add_argument(
        "--reference", metavar="NAME", help="mark these runs as used by NAME (prune keeps them)"
    )


def _add_runs(sub: _Subparsers, store: argparse.ArgumentParser) -> None:
    runs = sub.add_parser("runs", help="list, measure, prune or export stored runs")
    runs_sub = runs.add_subparsers(dest="runs_command", required=True, metavar="ACTION")
    lst = runs_sub.add_parser("list", parents=[store], help="experiments, or one experiment's runs")
    lst.add_argument("name", nargs="?", help="an experiment to show run by run")
    runs_sub.add_parser("usage", parents=[store], help="disk use per experiment and in total")
    prune = runs_sub.add_parser(
        "prune", parents=[store], help="delete old runs that nothing references"
    )
    prune.add_argument("--older-than", type=_seconds, help="only runs finished longer ago (30d)")
    prune.add_argument("--keep", type=_int, help="keep the newest N runs of each experiment")
    prune.add_argument("--experiment", help="only this experiment")
    prune.add_argument("--dry-run", action="store_true", help="say what would go; delete nothing")
    exp = runs_sub.add_parser("export", parents=[store], help="export a stored experiment")
    exp.add_argument("name")
    exp.add_argument("--out", type=Path, required=True, help="HTML report")
    exp.add_argument("--videos", choices=("embed", "copy", "link"), default="embed")
    exp.add_argument("--grid-video", type=Path, help="also write one side-by-side MP4")
    exp.add_argument("--columns", type=_positive_int)


def _version() -> str:
    from vidwidgets import __version__

    return __version__


# -- entry point ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``vidwidgets`` command; returns the exit code.

    >>> main(["runs", "usage"])      # doctest: +SKIP
    0
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed usage and the error
        return int(exc.code or 0)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        if args.command == "generate":
            return asyncio.run(_generate(args))
        if args.command == "compare":
            return asyncio.run(_compare(args))
        if args.command == "measure":
            return _measure(args)
        return _runs(args)
    except (UsageError, ValidationError) as exc:
        print(f"vidwidgets: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OverBudget as exc:
        print(f"vidwidgets: error: {exc}", file=sys.stderr)
        return EXIT_BUDGET
    except KeyboardInterrupt:
        print("\nvidwidgets: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except VideoAPIError as exc:  # e.g. the server refused the key before any cell ran
        print(f"vidwidgets: error: {exc}", file=sys.stderr)
        return EXIT_FAILED


# -- generate and compare ---------------------------------------------------------------------


def _request_fields(args: argparse.Namespace) -> dict[str, Any]:
    fields = {
        "duration": args.duration,
        "seconds": args.seconds,
        "size": args.size,
        "aspect_ratio": args.aspect_ratio,
        "resolution": args.resolution,
        "negative_prompt": args.negative_prompt,
        "image": args.image,
        "mode": args.mode,
    }
    return {k: v for k, v in fields.items() if v is not None}


def _store(args: argparse.Namespace) -> ExperimentStore:
    return ExperimentStore(args.runs_dir if args.runs_dir is not None else default_runs_dir())


def _client(args: argparse.Namespace) -> Any:
    from vidwidgets.client import VideoClient

    key = os.environ.get("VIDWIDGETS_API_KEY") or None
    if args.ask_key:
        key = getpass.getpass("API key (input hidden): ").strip() or None
    base_url = args.base_url or os.environ.get("VIDWIDGETS_BASE_URL") or None
    client = VideoClient(
        base_url=base_url,
        api_key=key,
        api_format=args.api_format,
        max_concurrency=args.max_concurrency,
        cache=False,  # the experiment store is the cache here
        max_spend_usd=args.budget,  # a backstop behind the check of the whole grid
    )
    if client.is_simulator:
        print(
            "vidwidgets: no API key (VIDWIDGETS_API_KEY) and no base URL: "
            "using the embedded simulator",
            file=sys.stderr,
        )
    return client


async def _generate(args: argparse.Namespace) -> int:
    request = VideoRequest(
        model=args.model, prompt=args.prompt, seed=args.seed, **_request_fields(args)
    )
    if args.out is not None and args.out.suffix.lower() != ".mp4":
        raise UsageError(
            f"--out={os.fspath(args.out)!r} is not allowed: a file name ending in .mp4"
        )
    exp = _store(args).experiment(args.experiment)
    async with _client(args) as client:
        if not await _priced_within_budget(args, client, exp, [Cell(request)]):
            return EXIT_OK
        records, code = await _run(args, client, exp, [Cell(request)])
    rec = records[0] if records else None
    video = exp.video_path(rec) if rec else None
    if video is not None and args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_name(f".{args.out.name}.part")
        shutil.copyfile(video, tmp)
        os.replace(tmp, args.out)
        video = args.out
    if video is not None:
        print(f"video: {video}")
    return code


def _grid_cells(args: argparse.Namespace) -> list[Cell]:
    extra = _request_fields(args)
    seeds: list[int | None] = list(dict.fromkeys(args.seed)) if args.seed else [None]
    models = list(dict.fromkeys(args.model))
    check_seed_axis(models, seeds)  # before anything is sent: exit 2
    cells: list[Cell] = []
    seen: set[str] = set()
    for model, prompt, seed, take in itertools.product(
        models, dict.fromkeys(args.prompt), seeds, take_numbers(args.samples)
    ):
        request = VideoRequest(model=model, prompt=prompt, seed=seed_for(model, seed), **extra)
        cell = Cell(request, take=take)
        if cell.key not in seen:
            seen.add(cell.key)
            cells.append(cell)
    return cells


async def _compare(args: argparse.Namespace) -> int:
    cells = _grid_cells(args)
    if args.out is not None and args.out.suffix.lower() not in (".html", ".htm"):
        raise UsageError(
            f"--out={os.fspath(args.out)!r} is not allowed: a file name ending in .html"
        )
    if args.grid_video is not None and args.grid_video.suffix.lower() != ".mp4":
        raise UsageError(
            f"--grid-video={os.fspath(args.grid_video)!r} is not allowed: a file name ending in .mp4"
        )
    name = (
        args.experiment
        or "compare-"
        + hashlib.sha256("\n".join(sorted(c.key for c in cells)).encode()).hexdigest()[:10]
    )
    exp = _store(args).experiment(name)
    async with _client(args) as client:
        if not await _priced_within_budget(args, client, exp, cells):
            return EXIT_OK
        records, code = await _run(args, client, exp, cells, referenced_by=args.reference)
    if code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        return code
    from vidwidgets.export import export_grid_video, export_html

    keys = [c.key for c in cells]
    _print_metrics(exp, keys)
    out = args.out if args.out is not None else exp.path / "report.html"
    videos: Literal["embed", "copy", "link"] = args.videos if args.out is not None else "link"
    export_html(exp, out, keys=keys, videos=videos, columns=args.columns)
    print(f"report: {out}")
    if args.grid_video is not None:
        if any(exp.video_path(r) for r in records):
            export_grid_video(exp, args.grid_video, keys=keys, columns=args.columns)
            print(f"grid video: {args.grid_video}")
        else:
            print("grid video: not written, no cell has a video", file=sys.stderr)
    return code


# -- prices before anything is sent, and what the run cost ---------------------------------------


@dataclass(frozen=True)
class _Price:
    """One cell's price before the run: its estimate, or why nothing will be sent for it."""

    cell: Cell
    estimate: CostEstimate | None  # None: nothing to send (already on disk, or pending)
    reason: str = ""


async def _price_cells(
    client: Any, exp: Experiment, cells: list[Cell], *, use_cache: bool
) -> list[_Price]:
    """The estimate of every cell that would be sent; finished, pending and cached cost nothing."""
    prices = []
    for cell in cells:
        rec = exp.get(cell.key)
        cacheable = use_cache and (cell.take or 1) == 1 and ResultCache.reproducible(cell.request)
        if rec is not None and rec.is_finished and exp.video_path(rec):
            prices.append(_Price(cell, None, "on disk: nothing to send"))
        elif rec is not None and rec.is_pending:
            prices.append(_Price(cell, None, "already created: resumed by id, not paid again"))
        elif cacheable and exp.store.find_cached(cell.request.fingerprint(), exclude=exp):
            prices.append(_Price(cell, None, "in the cache: nothing to send"))
        else:
            prices.append(_Price(cell, await client.estimate_cost(cell.request)))
    return prices


def _print_price_table(prices: list[_Price]) -> None:
    captions = _captions([p.cell for p in prices])
    rows = [["cell", "model", "seconds", "estimate", "basis"]]
    for price in prices:
        est = price.estimate
        seconds = "" if est is None else str(est.seconds) if est.seconds else "per call"
        rows.append(
            [
                _printable(_elide(captions[price.cell.key], 40)),
                _printable(price.cell.request.model),
                seconds,
                "$0" if est is None else format_usd(est.usd),
                _printable(price.reason if est is None else est.basis),
            ]
        )
    _table(rows)


def _price_total(prices: list[_Price]) -> tuple[float, list[str], str]:
    """The known total of the cells to send, the models without a price, and a line saying so."""
    to_send = [p.estimate for p in prices if p.estimate is not None]
    total = sum(e.usd for e in to_send if e.usd is not None)
    unknown = list(dict.fromkeys(e.model for e in to_send if e.usd is None))
    line = f"total: {format_usd(total)} for {len(to_send)} of {len(prices)} cells to send"
    if unknown:
        n = sum(e.usd is None for e in to_send)
        line += f" + {n} cell{'s' * (n > 1)} of unknown price ({', '.join(unknown)})"
    return total, unknown, _printable(line)


def _budget_refusal(budget: float, total: float, unknown: list[str]) -> str | None:
    """Why the run is refused (None: within the budget)."""
    if unknown:
        names = ", ".join(unknown)
        return (
            f"--budget {format_usd(budget)} is set and the price of {names} is unknown, so the "
            f"total (at least {format_usd(total)}) cannot be checked: nothing was sent. Give "
            f"{'it a price' if len(unknown) == 1 else 'them prices'} in a JSON file named by "
            f'$VIDWIDGETS_PRICES, e.g. {{"{unknown[0]}": {{"usd": 0.35, "per": "call"}}}} '
            "(per: call or second)"
        )
    if total > budget + 1e-9:
        return (
            f"the estimated total {format_usd(total)} is over --budget {format_usd(budget)}: "
            "nothing was sent (--dry-run shows the price of each cell; raise --budget or make "
            "the grid smaller)"
        )
    return None


async def _priced_within_budget(
    args: argparse.Namespace, client: Any, exp: Experiment, cells: list[Cell]
) -> bool:
    """Price the cells for ``--dry-run`` and ``--budget``; True when the run may go on.

    Raises:
        OverBudget: over ``--budget``, or a price is unknown while one is set (nothing sent).
    """
    if not args.dry_run and args.budget is None:
        return True
    prices = await _price_cells(client, exp, cells, use_cache=not args.no_cache)
    total, unknown, line = _price_total(prices)
    refusal = None if args.budget is None else _budget_refusal(args.budget, total, unknown)
    if args.dry_run or refusal:
        _print_price_table(prices)
        print(line)
    if refusal:
        raise OverBudget(_printable(refusal))
    if args.dry_run:
        within = "" if args.budget is None else f", within --budget {format_usd(args.budget)}"
        print(f"dry run: nothing was sent{within}")
        return False
    print(f"{line}, within --budget {format_usd(args.budget)}")
    return True


def _print_cost(exp: Experiment, runs: list[CellRun]) -> None:
    """What this command's runs cost; cells from disk or the cache cost nothing new."""
    sent = [r.key for r in runs if r.source in ("created", "resumed") and r.key in exp]
    reused = sum(r.source in ("disk", "cache") for r in runs)
    line = f"cost: {exp.spent(sent).describe()}" if sent else "cost: $0.00, nothing was sent"
    if reused:
        line += f"; {reused} already made (on disk or cached) cost nothing new"
    print(_printable(line))
    rec = exp.get(sent[0]) if len(runs) == 1 and sent else None
    if rec is not None and rec.cost is not None and rec.cost.basis:
        print(_printable(f"  basis: {rec.cost.basis}"))


def _captions(cells: list[Cell]) -> dict[str, str]:
    """Each cell's caption: what sets it apart from the others."""
    fields = differing_fields([c.request.to_dict() for c in cells])
    return {c.key: caption(c.request.to_dict(), fields, label=c.label, take=c.take) for c in cells}


async def _run(
    args: argparse.Namespace,
    client: Any,
    exp: Experiment,
    cells: list[Cell],
    *,
    referenced_by: str | None = None,
) -> tuple[list[RunRecord], int]:
    """Run the cells with a live display; handles Ctrl-C. Returns the records and exit code."""
    captions = _captions(cells)
    display = Progress(sys.stdout, [(c.key, captions[c.key]) for c in cells])
    print(f"experiment: {exp.name} ({exp.path})")
    runner = ExperimentRunner(
        client,
        exp,
        on_update=display.update,
        referenced_by=referenced_by,
        use_cache=not args.no_cache,
        timeout=args.timeout,
        measure=not getattr(args, "no_measure", False),
    )
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    received: list[int] = []

    def on_signal(sig: int) -> None:
        received.append(sig)
        stop.set()

    handled = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
            loop.add_signal_handler(sig, on_signal, sig)
            handled.append(sig)
    display.start()
    try:
        runs = runner.submit(cells)
        waiting = asyncio.ensure_future(runner.wait(runs))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        interrupted = stop.is_set() and not waiting.done()
        if interrupted:
            for sig in handled:  # a second Ctrl-C ends the process at once
                loop.remove_signal_handler(sig)
            handled = []
            display.message("stopping: tasks already created keep their ids...")
            await runner.stop()
        stopping.cancel()
        records = await waiting
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
        display.close()
    embedded = bool(getattr(client, "is_simulator", False))
    code = _summarise(exp, runs, interrupted, embedded, received)
    _print_cost(exp, runs)
    return records, code


def _summarise(
    exp: Experiment, runs: list[CellRun], interrupted: bool, embedded: bool, received: list[int]
) -> int:
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.status] = counts.get(run.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(f"done: {summary}")
    for run in runs:
        if run.status in ("failed", "pending") and run.error is not None:
            name = _printable(run.label or run.request.prompt[:40])
            print(f"  {run.status}: {name}: {_printable(str(run.error))}", file=sys.stderr)
    if interrupted:
        pending = sum(1 for run in runs if run.status == "pending")
        print("interrupted.", file=sys.stderr)
        if pending and embedded:
            print(
                f"{pending} unfinished cells were on the embedded simulator, which stopped with "
                "this process: run the same command again to generate them.",
                file=sys.stderr,
            )
        elif pending:
            print(
                f"{pending} cells are still generating on the server; their task ids are saved "
                f"in {exp.manifest_path}. Run the same command again to resume them "
                "(nothing is created twice).",
                file=sys.stderr,
            )
        return EXIT_TERMINATED if received and received[0] == signal.SIGTERM else EXIT_INTERRUPTED
    if all(run.status == "succeeded" for run in runs):
        return EXIT_OK
    if any(run.status == "pending" for run in runs):
        print(
            "some tasks are not finished; run the same command again to resume them.",
            file=sys.stderr,
        )
    return EXIT_FAILED


# -- live progress ----------------------------------------------------------------------------

_ICONS = {
    "waiting": "·",
    "creating": "+",
    "queued": "…",
    "in_progress": "▶",
    "downloading": "↓",
    "succeeded": "✓",
    "failed": "✗",
    "cancelled": "⊘",
    "pending": "‖",
}
_SOURCES = {"disk": "from disk", "cache": "cache hit", "resumed": "resumed", "created": ""}


class Progress:
    """One line per cell, redrawn in place on a terminal; one line per change otherwise.

    Plain ANSI escapes (cursor up, clear line) need no dependency and work in every terminal
    emulator in use today; when the output is a pipe or a file (CI logs) no escapes are written.

        >>> p = Progress(sys.stdout, [("k1", "seed=1"), ("k2", "seed=2")])   # doctest: +SKIP
    """

    def __init__(
        self, stream: IO[str], cells: list[tuple[str, str]], *, tty: bool | None = None
    ) -> None:
        self.stream = stream
        self.order = [key for key, _ in cells]
        self.captions = dict(cells)
        self.tty = stream.isatty() if tty is None else tty
        self.state: dict[str, CellRun] = {}
        self._last_status: dict[str, str] = {}
        self._drawn = 0
        self._ticker: asyncio.Task[None] | None = None
        self._started = time.monotonic()

    def start(self) -> None:
        if self.tty:
            self._draw()
            self._ticker = asyncio.ensure_future(self._tick())

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.25)  # the elapsed times move even when nothing else does
            self._draw()

    def update(self, run: CellRun) -> None:
        self.state[run.key] = run
        if self.tty:
            self._draw()
            return
        if self._last_status.get(run.key) == run.status:
            return  # one line per change of status, not per progress tick
        self._last_status[run.key] = run.status
        done = sum(1 for r in self.state.values() if r.done)
        self.stream.write(f"[{done}/{len(self.order)}] {self._line(run.key, plain=True)}\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        if self.tty:
            self._clear()
        self.stream.write(text + "\n")
        self._drawn = 0
        self.stream.flush()
        if self.tty:
            self._draw()

    def close(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        if self.tty:
            self._draw()

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write(f"\x1b[{self._drawn}F\x1b[J")

    def _draw(self) -> None:
        width = shutil.get_terminal_size((100, 20)).columns - 1
        lines = [_fit(self._line(key), width) for key in self.order]
        out = f"\x1b[{self._drawn}F" if self._drawn else ""
        out += "".join(f"\x1b[2K{line}\n" for line in lines)
        self.stream.write(out)
        self.stream.flush()
        self._drawn = len(lines)

    def _line(self, key: str, *, plain: bool = False) -> str:
        return _printable(self._raw_line(key, plain=plain))

    def _raw_line(self, key: str, *, plain: bool = False) -> str:
        run = self.state.get(key)
        text = self.captions.get(key) or key[:12]
        status = run.status if run else "waiting"
        icon = _ICONS.get(status, "?")
        parts = [f"{icon} {_elide(text, 48):<48}", f"{status:<11}"]
        if run is not None:
            if status in ("queued", "in_progress") and run.progress is not None:
                filled = max(0, min(10, int(run.progress) // 10))
                parts.append(f"[{'#' * filled}{'.' * (10 - filled)}] {int(run.progress):>3}%")
            parts.append(f"{run.elapsed:6.1f}s")
            if run.source and _SOURCES.get(run.source):
                parts.append(_SOURCES[run.source])
            if run.job is not None and status not in ("succeeded",):
                parts.append(run.job.id[:24])
            if run.error is not None and status in ("failed", "pending", "cancelled"):
                message = getattr(run.error, "message", None) or str(run.error)
                parts.append(" ".join(str(message).split())[:80])
        elif not plain:
            parts.append(f"{time.monotonic() - self._started:6.1f}s")
        return "  ".join(parts)


def _elide(text: str, width: int) -> str:
    """Shorten ``text`` to ``width`` characters by cutting its middle.

    Captions end with what differs between cells (``... · seed=7``), so the tail must survive.
    """
    if len(text) <= width:
        return text
    tail = (width - 1) // 2
    return text[: width - 1 - tail] + "…" + text[len(text) - tail :]


def _fit(text: str, columns: int) -> str:
    """Cut ``text`` to ``columns`` terminal cells (wide CJK characters take two).

    A line that wrapped would break the cursor arithmetic of the redraw.
    """
    used = 0
    for i, char in enumerate(text):
        used += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
        if used > columns:
            return text[:i]
    return text


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    """Prompts and server messages may hold escape sequences: never send them to a terminal."""
    return _CONTROL.sub("\N{REPLACEMENT CHARACTER}", text)


# -- runs -------------------------------------------------------------------------------------


def _human(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"  # pragma: no cover


def _table(rows: list[list[str]], out: Callable[[str], Any] = print) -> None:
    if not rows:
        return
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        out("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _runs(args: argparse.Namespace) -> int:
    action = _RUNS_ACTIONS.get(args.runs_command)
    if action is None:  # pragma: no cover - argparse checks
        raise UsageError(f"unknown runs action {args.runs_command!r}")
    return action(_store(args), args)


def _find(store: ExperimentStore, name: str) -> Experiment:
    exp = store.find(name)
    if exp is None:
        raise UsageError(f"experiment={name!r} is not allowed: no such experiment in {store.root}")
    return exp


def _runs_list(store: ExperimentStore, args: argparse.Namespace) -> int:
    if args.name:
        _table(_run_rows(_find(store, args.name)))
        return EXIT_OK
    experiments = store.experiments()
    if not experiments:
        print(f"no experiments in {store.root}")
        return EXIT_OK
    head = ["experiment", "runs", "succeeded", "pending", "failed", "estimated", "charged"]
    rows = [[*head, "size", "updated"]]
    for exp in experiments:
        recs = exp.records
        updated = max((r.updated_at for r in recs), default=exp.created_at)
        rows.append(
            [
                exp.name,
                str(len(recs)),
                str(sum(r.status == "succeeded" for r in recs)),
                str(sum(r.is_pending for r in recs)),
                str(sum(r.status in ("failed", "cancelled") for r in recs)),
                *_spend_cells(exp),
                _human(exp.usage()),
                time.strftime("%Y-%m-%d %H:%M", time.localtime(updated)),
            ]
        )
    _table(rows)
    return EXIT_OK


def _spend_cells(exp: Experiment) -> list[str]:
    """An experiment's estimated and charged totals; ``+ N?`` for runs whose amount is unknown."""
    spend = exp.spent()
    estimated = format_usd(spend.estimated_usd) + (f" + {spend.unknown}?" if spend.unknown else "")
    if spend.runs and spend.uncharged == spend.runs:
        return [estimated, "not reported"]
    charged = format_usd(spend.charged_usd) + (f" + {spend.uncharged}?" if spend.uncharged else "")
    return [estimated, charged]


def _run_rows(exp: Experiment) -> list[list[str]]:
    """One experiment, run by run, each captioned by what differs from the others."""
    names = record_captions(exp.records)
    rows = [["#", "cell", "model", "seed", "status", "job id", "seconds", "cost", "rating", "file"]]
    measured = any(rec.metrics or rec.metrics_error for rec in exp.records)
    if measured:
        rows[0] += METRIC_NAMES
    for i, rec in enumerate(exp.records, 1):
        seconds = rec.generation_seconds
        rows.append(
            [
                str(i),
                names[rec.key][:40],
                str(rec.request.get("model", "")),
                str(rec.request.get("seed", "")),
                rec.status + (" (cache)" if rec.cached_from else ""),
                (rec.job_id or "")[:36],
                f"{seconds:.1f}" if seconds is not None else "",
                rec.cost.describe() if rec.cost else "unknown" if rec.job_id else "",
                "★" * rec.rating,
                rec.file or "",
                *(_metric_cells(rec) if measured else []),
            ]
        )
    return rows


def _metric_cells(rec: RunRecord) -> list[str]:
    found = rec.metrics or {}
    if not found and rec.metrics_error:
        return [_printable(str(rec.metrics_error.get("message", "")))[:60]]
    return [format_metric(name, found.get(name)) for name in METRIC_NAMES]


def _print_metrics(exp: Experiment, keys: Sequence[str]) -> None:
    """The measured cells' metrics, one row each (nothing when none was measured)."""
    records = [rec for rec in (exp.get(k) for k in keys) if rec is not None]
    if not any(rec.metrics or rec.metrics_error for rec in records):
        return
    fields = differing_fields([r.request for r in records]) or ["prompt"]
    rows = [["cell", *METRIC_NAMES]]
    for rec in records:
        name = caption(rec.request, fields, label=rec.label, take=rec.take)[:40]
        rows.append([_printable(name), *_metric_cells(rec)])
    print("metrics:")
    _table(rows)


def _measure(args: argparse.Namespace) -> int:
    from vidwidgets.metrics import MetricsError, measure

    try:
        metrics = measure(args.path, cache=True)
    except (MetricsError, OSError) as exc:
        print(f"vidwidgets: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(metrics.as_dict(), indent=2))
        return EXIT_OK
    rows = [[name, format_metric(name, getattr(metrics, name))] for name in METRIC_NAMES]
    size = f"{metrics.width}x{metrics.height}, {metrics.frames} frames at {metrics.fps:g} fps"
    rows.append(["video", size])
    _table(rows)
    return EXIT_OK


def _runs_usage(store: ExperimentStore, _args: argparse.Namespace) -> int:
    usage = store.usage()
    rows = [["experiment", "size"]]
    rows += [[name, _human(size)] for name, size in sorted(usage.experiments.items())]
    rows.append(["total", _human(usage.total_bytes)])
    _table(rows)
    return EXIT_OK


def _runs_prune(store: ExperimentStore, args: argparse.Namespace) -> int:
    if args.older_than is None and args.keep is None:
        raise UsageError(
            "prune needs --older-than DURATION and/or --keep N (e.g. --older-than 30d)"
        )
    if args.keep is not None and args.keep < 0:
        raise UsageError(f"--keep={args.keep} is not allowed: a whole number >= 0")
    report = store.prune(
        older_than=args.older_than,
        keep=args.keep,
        experiment=args.experiment,
        dry_run=args.dry_run,
    )
    verb = "would remove" if args.dry_run else "removed"
    print(
        f"{verb} {len(report.removed)} runs, {_human(report.freed_bytes)} freed"
        f"{' (dry run)' if args.dry_run else ''}; kept {len(report.kept_referenced)} "
        "referenced runs"
    )
    for name, key in report.removed:
        print(f"  {verb}: {name}/{key}")
    return EXIT_OK


def _runs_export(store: ExperimentStore, args: argparse.Namespace) -> int:
    exp = _find(store, args.name)
    from vidwidgets.export import export_grid_video, export_html

    export_html(exp, args.out, videos=args.videos, columns=args.columns)
    print(f"report: {args.out}")
    if args.grid_video is not None:
        try:
            export_grid_video(exp, args.grid_video, columns=args.columns)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        print(f"grid video: {args.grid_video}")
    return EXIT_OK


# ``vidwidgets runs ACTION``: what each action does
_RUNS_ACTIONS: dict[str, Callable[[ExperimentStore, argparse.Namespace], int]] = {
    "list": _runs_list,
    "usage": _runs_usage,
    "prune": _runs_prune,
    "export": _runs_export,
}


if __name__ == "__main__":
    sys.exit(main())
