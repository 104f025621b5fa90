"""A self-contained HTML report of an experiment, with a synchronized player that works offline.

Everything that comes from data — prompts, labels, ids, notes, error messages — is escaped with
``html.escape``; a ``src`` is only ever a ``data:video/mp4;base64,`` URI built here or a relative
path built here from sanitised file names. A Content-Security-Policy allows exactly the one
inline script (by its hash), so even a mistake in escaping could not run a foreign script.
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib.resources
import json
import logging
import math
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from vidwidgets._sync_engine import with_sync_engine
from vidwidgets.experiments import (
    Experiment,
    RunRecord,
    atomic_write_bytes,
    differing_fields,
    format_metric,
    format_usd,
    record_captions,
    safe_name,
)
from vidwidgets.metrics import METRIC_NAMES

__all__ = ["export_html"]

VideoMode = Literal["embed", "copy", "link"]
_ORDER = ("model", "prompt", "seed", "duration", "seconds", "size", "aspect_ratio", "resolution")
SPEEDS = ("0.25", "0.5", "1", "1.5", "2")
#: base64 adds a third; beyond this a single HTML file loads slowly
EMBED_WARN_BYTES = 150_000_000
log = logging.getLogger("vidwidgets.export")


def _player_js() -> str:
    # the shared engine, then this page's controls: one inline script, allowed by its hash
    player = importlib.resources.files("vidwidgets.export").joinpath("sync_player.js")
    return with_sync_engine(player.read_text("utf-8"))


def export_html(
    experiment: Experiment,
    path: str | os.PathLike[str],
    *,
    keys: Iterable[str] | None = None,
    videos: VideoMode = "embed",
    title: str | None = None,
    columns: int | None = None,
) -> Path:
    """Write an HTML report of ``experiment`` (or of the runs in ``keys``) to ``path``.

    ``videos`` chooses where the videos live: ``"embed"`` (base64 inside the file: one file to
    mail around), ``"copy"`` (into a ``<name>_files/`` folder beside the report) or ``"link"``
    (relative paths to the experiment folder). Each cell shows what it cost (the estimate, and
    the charge where the gateway said), the page the total. The page has a table of parameters,
    timings and costs, and one control bar that plays, pauses, seeks, steps a frame, loops and changes the speed of every
    video at once, with no network access.

        >>> export_html(store.experiment("fox"), "fox.html")            # doctest: +SKIP
        PosixPath('fox.html')
    """
    if videos not in ("embed", "copy", "link"):
        raise ValueError(f"videos={videos!r} is not allowed: 'embed', 'copy' or 'link'")
    out = Path(path).expanduser().absolute()
    records = experiment.records if keys is None else [_get(experiment, k) for k in keys]
    if videos == "embed":
        total = sum(p.stat().st_size for r in records if (p := experiment.video_path(r)))
        if total > EMBED_WARN_BYTES:
            log.warning(
                "embedding %.0f MB of video in %s: browsers get slow with pages this big; "
                "videos='copy' puts them beside the report instead",
                total / 1e6,
                out.name,
            )
    fields = differing_fields([r.request for r in records])
    names = record_captions(records)
    files_dir = out.with_name(f"{out.stem}_files")
    cells = []
    rates: list[float] = []
    for rec in records:
        video = experiment.video_path(rec)
        src = poster = None
        if video is not None:
            src = _media_src(video, out, files_dir, videos, "video/mp4")
            thumb = _existing(experiment, rec.thumbnail)
            if thumb is not None:
                poster = _media_src(thumb, out, files_dir, videos, "image/jpeg")
            if rec.video and rec.video.get("fps"):
                rates.append(float(rec.video["fps"]))
        cells.append(_cell_html(rec, names[rec.key], src, poster))
    # stepping by the finest frame reaches every frame; with no rate known the page says so
    fps = max(rates, default=0.0)
    n = max(1, len(records))
    cols = columns or min(n, max(1, math.ceil(math.sqrt(n))) if n > 3 else n)
    page_title = title or f"vidwidgets — {experiment.name}"
    script = _player_js()
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (
        "default-src 'none'; "
        f"script-src 'sha256-{digest}'; "
        "style-src 'unsafe-inline'; "
        "media-src 'self' data: file: blob:; "
        "img-src 'self' data: file:"
    )
    body = _TEMPLATE.format(
        csp=csp,  # our constants and a base64 hash only
        title=_e(page_title),
        fps=_e(f"{fps:g}" if fps else ""),
        generated=_e(time.strftime("%Y-%m-%d %H:%M:%S %Z")),
        count=len(records),
        experiment=_e(experiment.name),
        cost=_e(experiment.spent([r.key for r in records]).describe()),
        cols=int(cols),
        speeds="".join(
            f'<option value="{s}"{" selected" if s == "1" else ""}>{s}×</option>' for s in SPEEDS
        ),
        cells="\n".join(cells),
        table=_table(records, fields),
        ranking=_ranking_table(experiment, records),
        script=script,
    )
    atomic_write_bytes(out, body.encode("utf-8"))
    return out


def _get(experiment: Experiment, key: str) -> RunRecord:
    rec = experiment.get(key)
    if rec is None:
        raise KeyError(f"no run {key!r} in experiment {experiment.name!r}")
    return rec


def _existing(experiment: Experiment, relative: str | None) -> Path | None:
    try:
        path = experiment.file_path(relative)
    except ValueError:
        return None
    return path if path is not None and path.is_file() else None


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _media_src(file: Path, out: Path, files_dir: Path, mode: VideoMode, mime: str) -> str:
    """A ``src`` built only from our own bytes or our own sanitised relative path."""
    if mode == "embed":
        return f"data:{mime};base64," + base64.b64encode(file.read_bytes()).decode("ascii")
    if mode == "copy":
        files_dir.mkdir(parents=True, exist_ok=True)
        target = files_dir / safe_name(file.name)
        if not target.exists() or target.stat().st_size != file.stat().st_size:
            tmp = target.with_name(target.name + ".part")
            shutil.copyfile(file, tmp)
            os.replace(tmp, target)
        file = target
    rel = os.path.relpath(file, out.parent)
    # every segment percent-encoded (":" included), so the result can only be a relative path
    return "/".join(quote(part, safe="") for part in Path(rel).parts)


def _cell_html(rec: RunRecord, text: str, src: str | None, poster: str | None) -> str:
    status = rec.status if src or rec.status != "succeeded" else "missing file"
    if src is not None:
        poster_attr = f' poster="{_e(poster)}"' if poster else ""
        media = (
            f'<video class="vw-video" muted playsinline preload="auto" src="{_e(src)}"'
            f"{poster_attr}></video>"
        )
    else:
        error = rec.error or {}
        message = error.get("message") or status
        media = f'<div class="vw-placeholder"><b>{_e(status)}</b><br>{_e(message)}</div>'
    stars = "★" * int(rec.rating or 0) + "☆" * (5 - int(rec.rating or 0))
    note = f'<div class="vw-note">{_e(rec.note)}</div>' if rec.note else ""
    note += _metrics_html(rec)
    return (
        f'<figure class="vw-cell vw-{_e(rec.status)}" data-key="{_e(rec.key)}">{media}'
        f'<figcaption><span class="vw-caption">{_e(text)}</span>'
        f'<span class="vw-rating" title="rating">{stars}</span>{_cost_html(rec)}{note}'
        "</figcaption></figure>"
    )


def _metrics_html(rec: RunRecord) -> str:
    """The cell's metrics as one line of small badges (or why it was not measured)."""
    if rec.metrics_error:
        return f'<div class="vw-metrics">{_e(rec.metrics_error.get("message"))}</div>'
    found = rec.metrics or {}
    badges = [
        f'<span class="vw-metric" data-metric="{_e(n)}">{_e(n)} {_e(format_metric(n, found[n]))}</span>'
        for n in METRIC_NAMES
        if found.get(n) is not None
    ]
    return f'<div class="vw-metrics">{" ".join(badges)}</div>' if badges else ""


def _cost_html(rec: RunRecord) -> str:
    """What the cell cost, its basis on hover; nothing for a cell that was never sent."""
    if rec.cost is None:
        return '<div class="vw-cost">cost not recorded</div>' if rec.job_id else ""
    if rec.cost.estimate_usd is None and rec.cost.charged_usd is None and not rec.job_id:
        return ""  # a retry not sent yet
    return f'<div class="vw-cost" title="{_e(rec.cost.basis)}">{_e(rec.cost.describe())}</div>'


def _table(records: list[RunRecord], fields: list[str]) -> str:
    names: list[str] = []
    for rec in records:
        names.extend(n for n in rec.request if n not in names)
    names.sort(key=lambda n: (_ORDER.index(n) if n in _ORDER else len(_ORDER), n))
    head = [
        "#",
        "label",
        *names,
        "status",
        "job id",
        "created (UTC)",
        "generation s",
        "size",
        "rating",
        "note",
        "error",
        "estimate",
        "charged",
        "cost basis",
        *METRIC_NAMES,
    ]
    rows: list[list[Any]] = []
    for i, rec in enumerate(records, 1):
        error = rec.error or {}
        values: list[Any] = [i, rec.label]
        for n in names:
            v = rec.request.get(n)
            values.append(json.dumps(v, sort_keys=True) if isinstance(v, (dict, list)) else v)
        created = (
            time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(rec.created_at))
            if rec.created_at
            else ""
        )
        values += [
            rec.status + (" (cache)" if rec.cached_from else ""),
            rec.job_id,
            created,
            f"{rec.generation_seconds:.1f}" if rec.generation_seconds is not None else "",
            _human(rec.bytes) if rec.bytes else "",
            rec.rating or "",
            rec.note,
            f"{error.get('code', '')}: {error.get('message', '')}" if error else "",
            *_cost_cells(rec),
        ]
        values += [format_metric(n, (rec.metrics or {}).get(n)) for n in METRIC_NAMES]
        rows.append(values)
    # optional columns nobody filled in (label, rating, note, error) only add noise
    optional = {"label", "rating", "note", "error", "estimate", "charged", "cost basis"}
    optional |= set(METRIC_NAMES)
    keep = [
        i
        for i, col in enumerate(head)
        if col not in optional or any(str(r[i] or "").strip() for r in rows)
    ]
    body = []
    for values in rows:
        cells = "".join(
            f"<td{' class=vw-diff' if head[i] in fields else ''}>{_e(values[i])}</td>" for i in keep
        )
        body.append(f"<tr>{cells}</tr>")
    header = "".join(f"<th>{_e(head[i])}</th>" for i in keep)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _ranking_table(experiment: Experiment, records: list[RunRecord]) -> str:
    """The Arena's ranking of the exported runs, best first ("" when nobody voted on them)."""
    scores = experiment.vote_scores()
    names = record_captions(records)
    ranked = sorted((r for r in records if r.key in scores), key=lambda r: -scores[r.key]["score"])
    if not ranked:
        return ""
    header = "".join(
        f"<th>{h}</th>"
        for h in ("#", "run", "score", "95% interval", "wins", "losses", "ties", "both bad")
    )
    body = []
    for place, rec in enumerate(ranked, start=1):
        s = scores[rec.key]
        name = names[rec.key]
        cells = [place, name, f"{s['score']:+.2f}", f"{s['low']:+.2f} … {s['high']:+.2f}"]
        cells += [s["wins"], s["losses"], s["ties"], s["both_bad"]]
        body.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    votes = len(experiment.votes)
    return (
        f'<h2>Arena ranking</h2>\n<p class="vw-meta">Bradley–Terry scores from {votes} blind '
        f"votes; a tie or “both bad” counts half a win to each.</p>\n"
        f'<table class="vw-ranking"><thead><tr>{header}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>\n"
    )


def _cost_cells(rec: RunRecord) -> list[str]:
    """The table's estimate, charged and basis of one run (blank where nothing is recorded)."""
    cost = rec.cost
    if cost is None or not (rec.job_id or rec.cached_from):
        return ["", "", ""]
    charged = "refunded ($0.00)" if cost.refunded else format_usd(cost.charged_usd, unknown="")
    return [format_usd(cost.estimate_usd), charged, cost.basis]


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"  # pragma: no cover


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="vidwidgets">
<title>{title}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }}
h1 {{ font-size: 1.3em; margin: 0 0 .3em; }}
.vw-meta {{ color: #666; margin-bottom: 1em; }}
#vw-controls {{ position: sticky; top: 0; z-index: 2; background: #f4f4f6; padding: .5em;
  border-radius: 6px; display: flex; gap: .6em; align-items: center; flex-wrap: wrap; }}
#vw-seek {{ flex: 1; min-width: 12em; }}
#vw-time, #vw-frame {{ font-variant-numeric: tabular-nums; }}
.vw-grid {{ display: grid; grid-template-columns: repeat({cols}, minmax(0, 1fr)); gap: .8em; margin: 1em 0; }}
.vw-cell {{ margin: 0; background: #111; border-radius: 6px; overflow: hidden; }}
.vw-metrics {{ font-size: 11px; color: #aaa; margin-top: 2px; }}
.vw-metric {{ display: inline-block; margin-right: 6px; }}
.vw-cell video {{ width: 100%; display: block; background: #000; }}
.vw-placeholder {{ color: #eee; padding: 2em 1em; min-height: 6em; overflow-wrap: anywhere; }}
.vw-failed .vw-placeholder {{ background: #5a1f1f; }}
figcaption {{ color: #eee; padding: .4em .6em; display: flex; flex-wrap: wrap; gap: .5em; }}
.vw-caption {{ flex: 1; overflow-wrap: anywhere; }}
.vw-rating {{ color: #f5c518; }}
.vw-cost {{ width: 100%; color: #9fd3a8; font-variant-numeric: tabular-nums; }}
.vw-total {{ margin-top: .2em; }}
.vw-note {{ width: 100%; color: #bbb; font-style: italic; overflow-wrap: anywhere; }}
table {{ border-collapse: collapse; margin-top: 1em; }}
th, td {{ border: 1px solid #ddd; padding: .3em .5em; text-align: left; vertical-align: top;
  max-width: 28em; overflow-wrap: break-word; }}
th {{ white-space: nowrap; }}
td.vw-diff {{ background: #fff7d6; }}
</style>
</head>
<body data-fps="{fps}">
<h1>{title}</h1>
<div class="vw-meta">Experiment <b>{experiment}</b> · {count} runs · exported {generated}
<div class="vw-total">Cost: {cost}</div></div>
<div id="vw-controls" role="toolbar" aria-label="Playback of all videos">
<button id="vw-play" type="button" aria-pressed="false">Play</button>
<button id="vw-back" type="button" title="one frame back">◀ frame</button>
<button id="vw-fwd" type="button" title="one frame forward">frame ▶</button>
<input id="vw-seek" type="range" min="0" max="1000" value="0" aria-label="Seek all videos">
<span id="vw-time">0.00 / 0.00</span>
<span id="vw-frame">frame – / –</span>
<label><input id="vw-loop" type="checkbox" checked> loop</label>
<label>speed <select id="vw-speed">{speeds}</select></label>
</div>
<div class="vw-grid">
{cells}
</div>
{ranking}<h2>Parameters and timings</h2>
{table}
<script>{script}</script>
</body>
</html>
"""
