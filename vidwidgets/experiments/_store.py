"""Experiments on disk: a folder per experiment, a manifest, the videos and their thumbnails.

    vidwidgets-runs/                      ExperimentStore (VIDWIDGETS_RUNS_DIR or ./vidwidgets-runs)
    └── fox-prompts/                      Experiment
        ├── manifest.json                 one RunRecord per cell and the Arena's votes, rewritten atomically
        ├── videos/<task id>.mp4          file names are sanitised task ids
        └── thumbs/<task id>.jpg

The manifest is the source of truth and is saved the moment anything worth keeping happens — above
all right after a task is created, before any waiting, so a crash never loses a paid-for video:
the next run resumes polling by the stored id. It never holds the API key or credentials.

Caching and crash recovery are owned by the client layer (``vidwidgets.client._persistence``):
its journal records every task before anything waits on it, and its rules say what a result
cache may reuse. The manifest is the experiment (labels, ratings, notes, files) and records the
id the client returned; its statuses are the client's ``JobStatus`` values and
[`ExperimentStore.find_cached()`][vidwidgets.experiments.ExperimentStore.find_cached] applies the
client's ``ResultCache.reusable`` rule to them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import secrets
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from vidwidgets.client import JobStatus, ResultCache
from vidwidgets.experiments._arena_rank import BradleyTerry, check_outcome
from vidwidgets.experiments._costs import RunCost, Spend, spend_of
from vidwidgets.experiments._paths import atomic_write_json, inside, safe_name
from vidwidgets.metrics import METRIC_NAMES, cache_path

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MANIFEST_NAME",
    "Experiment",
    "ExperimentStore",
    "PruneReport",
    "RunRecord",
    "Usage",
    "cell_key",
    "default_runs_dir",
    "public_server_url",
]

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "vidwidgets.experiment/1"
RUNS_DIR_ENV = "VIDWIDGETS_RUNS_DIR"
DEFAULT_RUNS_DIR = "vidwidgets-runs"
#: the client's vocabulary: a task is pending until its status is terminal
PENDING = frozenset(status.value for status in JobStatus if not status.is_terminal)
TERMINAL = frozenset(status.value for status in JobStatus if status.is_terminal)
#: a temporary or partial file older than this belongs to a dead process and may be swept
STALE_PARTIAL_SECONDS = 15 * 60
PARTIAL_SUFFIXES = (".part", ".tmp")


def default_runs_dir() -> Path:
    """``$VIDWIDGETS_RUNS_DIR`` when set, else ``./vidwidgets-runs``.

    The default sits next to the notebook, since a kernel's working directory is the notebook's
    folder.
    """
    env = os.environ.get(RUNS_DIR_ENV)
    return Path(env).expanduser() if env else Path.cwd() / DEFAULT_RUNS_DIR


def cell_key(fingerprint: str, label: str = "", take: int | None = None) -> str:
    """The manifest key of a cell.

    The request's fingerprint, plus the label when there is one and the take from the second on
    (cells may share a request on purpose: two takes of one prompt are two records, two paid
    creates). Take 1 is the cell itself, so asking for more takes of a cell that ran keeps its
    video.

        >>> cell_key("0123abcd", "fox"), cell_key("0123abcd", take=1), cell_key("0123abcd", take=2)
        ('0123abcd#fox', '0123abcd', '0123abcd#take 2')
    """
    key = f"{fingerprint}#{label}" if label else fingerprint
    return f"{key}#take {take}" if take is not None and take > 1 else key


def public_server_url(base_url: str | None) -> str | None:
    """``base_url`` without user info, query or fragment: safe to write down.

    >>> public_server_url("https://user:secret@api.example.com/v1?key=sk-1")
    'https://api.example.com/v1'
    """
    if not base_url:
        return None
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


@dataclass
class RunRecord:
    """One cell of an experiment as stored in its manifest.

    ``status`` is a [`JobStatus`][vidwidgets.client.JobStatus] value (``queued``, ``in_progress``,
    ``succeeded``, ``failed``, ``cancelled``); a record with a ``job_id`` that is not terminal is
    *pending* and is resumed by id, never created again. ``file`` and ``thumbnail`` are relative
    to the experiment folder. Times are Unix seconds.

        >>> r = RunRecord(key="ab#x", label="x", fingerprint="ab", request={"model": "m", "prompt": "p"})
        >>> r.is_pending, r.is_finished
        (False, False)
    """

    key: str
    fingerprint: str
    request: dict[str, Any]
    label: str = ""
    #: which of ``samples=n`` independent takes of the request this is (None: not a take)
    take: int | None = None
    #: the prompt template's values that made this run (one results column each)
    variables: dict[str, Any] = field(default_factory=dict)
    job_id: str | None = None
    status: str = "queued"
    api_format: str | None = None
    server: str | None = None
    created_at: float | None = None
    started_at: float | None = None
    completed_at: float | None = None
    generation_seconds: float | None = None
    file: str | None = None
    thumbnail: str | None = None
    bytes: int | None = None
    video: dict[str, Any] | None = None
    #: the video's scalar metrics (``vw.measure``), or None before it is measured
    metrics: dict[str, Any] | None = None
    #: why the video could not be measured (``{"code", "message"}``), or None
    metrics_error: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    #: what the run cost: the estimate, and the gateway's charge where it told (None: no cost
    #: recorded, as in manifests written before costs were)
    cost: RunCost | None = None
    rating: int = 0
    note: str = ""
    referenced_by: list[str] = field(default_factory=list)
    cached_from: str | None = None
    previous_job_ids: list[str] = field(default_factory=list)
    updated_at: float = field(default_factory=time.time)

    @property
    def is_pending(self) -> bool:
        """A task exists on the server and has not finished (resume it by id)."""
        return self.job_id is not None and self.status in PENDING

    @property
    def is_finished(self) -> bool:
        """Succeeded and downloaded (check ``Experiment.video_path()`` for the file itself)."""
        return self.status == "succeeded" and self.file is not None

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["referenced_by"] = sorted(set(self.referenced_by))
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunRecord:
        """Tolerant of keys written by newer versions (they are dropped)."""
        names = {f.name for f in dataclasses.fields(cls)}
        known = {k: v for k, v in data.items() if k in names}
        known["cost"] = RunCost.from_dict(known.get("cost"))
        return cls(**known)


@dataclass(frozen=True)
class Usage:
    """Bytes on disk: per experiment (by name) and in total (hard-linked cache hits count once).

    >>> Usage(total_bytes=10, experiments={"a": 10}).total_bytes
    10
    """

    total_bytes: int
    experiments: dict[str, int]


@dataclass
class PruneReport:
    """What ``ExperimentStore.prune()`` removed (or would remove, with ``dry_run``)."""

    removed: list[tuple[str, str]] = field(default_factory=list)  # (experiment, key)
    kept_referenced: list[tuple[str, str]] = field(default_factory=list)
    freed_bytes: int = 0
    partial_files_removed: int = 0
    dry_run: bool = False


class Experiment:
    """A folder holding one experiment's manifest and files.

    Opening a folder that does not exist
    yet creates it on the first save.

        >>> exp = Experiment(tmp_path / "fox")          # doctest: +SKIP
        >>> [r.label for r in exp.records]              # doctest: +SKIP
        ['seed 1', 'seed 2']

    Records are saved with ``save()`` (read, merge, write atomically under a lock), so two
    processes using the same experiment — a notebook and the CLI — do not drop each other's runs.
    """

    def __init__(self, path: str | os.PathLike[str], *, name: str | None = None) -> None:
        self.path = Path(path).expanduser().absolute()
        self._records: dict[str, RunRecord] = {}
        self._dirty: set[str] = set()
        self._deleted: set[str] = set()
        self._votes: list[dict[str, Any]] = []
        self._unsaved_votes: list[dict[str, Any]] = []
        self.name = name or self.path.name
        self.created_at = time.time()
        self.reload()

    def __repr__(self) -> str:
        return f"Experiment(name={self.name!r}, path={os.fspath(self.path)!r}, runs={len(self._records)})"

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST_NAME

    @property
    def store(self) -> ExperimentStore:
        """The store (root folder) this experiment lives in; the cache looks there."""
        return ExperimentStore(self.path.parent)

    # -- reading ---------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the manifest again (changes made by other processes appear)."""
        data = self._read_manifest()
        if data is None:
            return
        self.name = str(data.get("name") or self.name)
        self.created_at = float(data.get("created_at") or self.created_at)
        records = {}
        for item in data.get("runs", []):
            rec = RunRecord.from_dict(item)
            records[rec.key] = rec
        for key in self._dirty:  # unsaved local changes win over the file
            if key in self._records:
                records[key] = self._records[key]
        self._records = records
        self._votes = _merge_votes(data.get("votes"), self._unsaved_votes)

    def _read_manifest(self) -> dict[str, Any] | None:
        try:
            text = self.manifest_path.read_text("utf-8")
        except FileNotFoundError:
            return None
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError(f"{self.manifest_path} is not an experiment manifest")
        return data

    @property
    def records(self) -> list[RunRecord]:
        """Every run, in the order the cells were first added."""
        return list(self._records.values())

    def get(self, key: str) -> RunRecord | None:
        return self._records.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._records

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[RunRecord]:
        return iter(self.records)

    def file_path(self, relative: str | None) -> Path | None:
        """The absolute path of a file named in a record, refusing anything outside the folder."""
        if not relative:
            return None
        return inside(self.path, relative)

    def video_path(self, record: RunRecord | str) -> Path | None:
        """The record's video file when it exists on disk, else None."""
        rec = self._records.get(record) if isinstance(record, str) else record
        if rec is None or not rec.file:
            return None
        try:
            path = self.file_path(rec.file)
        except ValueError:
            return None
        return path if path is not None and path.is_file() else None

    def usage(self) -> int:
        """Bytes this experiment's folder uses on disk."""
        return sum(size for _, size, _ in _walk_files(self.path))

    # -- writing ---------------------------------------------------------------------------

    def put(self, record: RunRecord, *, save: bool = True) -> RunRecord:
        """Add or replace a record (and save the manifest)."""
        record.updated_at = time.time()
        self._records[record.key] = record
        self._dirty.add(record.key)
        self._deleted.discard(record.key)
        if save:
            self.save()
        return record

    def update(self, key: str, *, save: bool = True, **fields: Any) -> RunRecord:
        """Change fields of one record (and save the manifest).

        >>> exp.update(key, note="the best one")    # doctest: +SKIP
        """
        rec = self._records[key]
        for name, value in fields.items():
            if not hasattr(rec, name):
                raise AttributeError(f"RunRecord has no field {name!r}")
            setattr(rec, name, value)
        return self.put(rec, save=save)

    def rate(self, key: str, stars: int) -> RunRecord:
        """Give a cell 0–5 stars."""
        if isinstance(stars, bool) or not isinstance(stars, int) or not 0 <= stars <= 5:
            raise ValueError(f"rating={stars!r} is not allowed: a whole number from 0 to 5")
        return self.update(key, rating=stars)

    def annotate(self, key: str, note: str) -> RunRecord:
        """Attach a free-text note to a cell."""
        if not isinstance(note, str) or len(note) > 10_000:
            raise ValueError("note is not allowed: text of at most 10000 characters")
        return self.update(key, note=note)

    def reference(self, by: str, keys: Iterable[str]) -> None:
        """Declare that ``by`` (a notebook or experiment name) uses exactly ``keys`` now.

        They gain ``by`` in ``referenced_by`` and every other record loses it. Referenced runs
        are never pruned.

            >>> exp.reference("analysis.ipynb", [r.key for r in exp.records])   # doctest: +SKIP
        """
        wanted = set(keys)
        for key, rec in self._records.items():
            has = by in rec.referenced_by
            if key in wanted and not has:
                rec.referenced_by = sorted({*rec.referenced_by, by})
                self.put(rec, save=False)
            elif key not in wanted and has:
                rec.referenced_by = sorted(set(rec.referenced_by) - {by})
                self.put(rec, save=False)
        self.save()

    def unreference(self, by: str) -> None:
        """``by`` no longer uses any run of this experiment."""
        self.reference(by, ())

    def remove(self, key: str, *, save: bool = True) -> RunRecord | None:
        """Forget a record (its files stay until ``sweep()`` or a prune)."""
        rec = self._records.pop(key, None)
        self._dirty.discard(key)
        self._deleted.add(key)
        if save:
            self.save()
        return rec

    def save(self) -> None:
        """Merge with what is on disk and write the manifest atomically, under a lock."""
        self.path.mkdir(parents=True, exist_ok=True)
        with _locked(self.path / ".manifest.lock"):
            disk = self._read_manifest() or {}
            merged: dict[str, RunRecord] = {}
            for item in disk.get("runs", []):
                rec = RunRecord.from_dict(item)
                if rec.key not in self._deleted:
                    merged[rec.key] = rec
            for key in self._dirty:
                if key in self._records:
                    merged[key] = self._records[key]
            # keep our order, then anything another process added
            ordered = {k: merged[k] for k in self._records if k in merged}
            ordered.update({k: v for k, v in merged.items() if k not in ordered})
            manifest = {
                "format": MANIFEST_FORMAT,
                "name": self.name,
                "created_at": disk.get("created_at", self.created_at),
                "updated_at": time.time(),
                "runs": [rec.to_dict() for rec in ordered.values()],
                "votes": _merge_votes(disk.get("votes"), self._unsaved_votes),
            }
            atomic_write_json(self.manifest_path, manifest)
            self._records = ordered
            self._votes, self._unsaved_votes = manifest["votes"], []
            self._dirty.clear()
            self._deleted.clear()

    def sweep(self, *, min_age: float = STALE_PARTIAL_SECONDS) -> int:
        """Delete partial/temporary files older than ``min_age`` seconds; returns how many."""
        removed = 0
        now = time.time()
        for path, _, mtime in _walk_files(self.path):
            if path.name.endswith(PARTIAL_SUFFIXES) and now - mtime >= min_age:
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed += 1
        return removed

    # -- the Arena's votes --------------------------------------------------------------------

    @property
    def votes(self) -> list[dict[str, Any]]:
        """Every blind vote, oldest first: ``{"id", "a", "b", "outcome", "at"}``.

        ``a`` and ``b`` are run keys (``a`` was shown as A), ``outcome`` one of ``"a"``,
        ``"b"``, ``"tie"``, ``"both_bad"``, ``at`` Unix seconds.
        """
        return [dict(v) for v in self._votes]

    def add_vote(self, a: str, b: str, outcome: str, *, save: bool = True) -> dict[str, Any]:
        """Record one vote between the runs ``a`` and ``b`` (and save the manifest).

        Votes are only ever added: two processes voting on one experiment keep both's votes.

        Raises:
            ValueError: ``outcome`` is not one of the four, or ``a``/``b`` is not a run here.

        Example:
            >>> exp.add_vote(first.key, second.key, "tie")   # doctest: +SKIP
        """
        check_outcome(outcome)
        for name, key in (("a", a), ("b", b)):
            if key not in self._records:
                raise ValueError(f"{name}={key!r} is not allowed: the key of a run of {self.name}")
        vote = {"id": secrets.token_hex(8), "a": a, "b": b, "outcome": outcome, "at": time.time()}
        self._unsaved_votes.append(vote)
        self._votes.append(vote)
        if save:
            self.save()
        return dict(vote)

    def vote_scores(self) -> dict[str, dict[str, Any]]:
        """Per voted-on run: ``wins``, ``losses``, ``ties``, ``both_bad``, ``score``, ``low``, ``high``."""
        voted = [k for k in self._records if any(k in (v["a"], v["b"]) for v in self._votes)]
        ranking = BradleyTerry(voted)
        ranking.extend(self._votes)
        return {
            row.key: {
                "wins": row.wins,
                "losses": row.losses,
                "ties": row.ties,
                "both_bad": row.both_bad,
                "score": round(row.score, 4),
                "low": round(row.low, 4),
                "high": round(row.high, 4),
            }
            for row in ranking.ranking()
        }

    # -- results ---------------------------------------------------------------------------

    def results(self, keys: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """One flat dict per run: the request's parameters, status, timings, file, rating, note.

        Then one column per metric (``motion`` … ``clipping``, None until measured) and
        ``metrics_error`` (why the video could not be measured, or None).

        Once the Arena has votes, every row also has ``wins``, ``losses``, ``ties`` and
        ``score`` (None and 0 for a run nobody voted on).

        And what the run cost: ``cost_estimate_usd`` (None: unknown, or not recorded),
        ``cost_charged_usd`` (what the gateway said it applied; 0 for a refunded failure; None
        when it did not say) and ``cost_basis`` (how the estimate was worked out).

        Examples:
            >>> exp.results()[0]["prompt"]              # doctest: +SKIP
            'a red fox in snow'
        """
        chosen = self.records if keys is None else [self._records[k] for k in keys]
        rows = [self._row(rec) for rec in chosen]
        if self._votes:
            scores = self.vote_scores()
            blank = {"wins": 0, "losses": 0, "ties": 0, "score": None}
            for row in rows:
                found = scores.get(row["key"], {})
                row.update({name: found.get(name, empty) for name, empty in blank.items()})
        return rows

    def _row(self, rec: RunRecord) -> dict[str, Any]:
        row: dict[str, Any] = {"label": rec.label, "key": rec.key, "take": rec.take}
        row.update(rec.variables)  # a template's variables never clash with these names
        for name, value in rec.request.items():
            row[name] = json.dumps(value, sort_keys=True) if isinstance(value, dict) else value
        video = self.video_path(rec)
        error = rec.error or {}
        row.update(
            status=rec.status,
            job_id=rec.job_id,
            created_at=rec.created_at,
            started_at=rec.started_at,
            completed_at=rec.completed_at,
            generation_seconds=rec.generation_seconds,
            file=os.fspath(video) if video else None,
            bytes=rec.bytes,
            rating=rec.rating,
            note=rec.note,
            error_code=error.get("code"),
            error_message=error.get("message"),
            cached=rec.cached_from is not None,
            **_cost_columns(rec.cost),
        )
        row.update(metric_columns(rec.metrics, rec.metrics_error))
        return row

    def spent(self, keys: Iterable[str] | None = None) -> Spend:
        """The running total of what this experiment's runs cost (or those in ``keys``).

        Read from the records, so it moves while a grid runs: each estimate is recorded the
        moment its task is created.

        Args:
            keys: the runs to add up (default: all).

        Returns:
            The [`Spend`][vidwidgets.experiments.Spend]: estimated and charged USD, and how many
            runs have an unknown price or no reported charge.

        Example:
            >>> exp.spent().describe()                    # doctest: +SKIP
            '$0.80 estimated, $0.80 charged (4 runs)'
        """
        chosen = self.records if keys is None else [self._records[k] for k in keys]
        return spend_of(chosen)

    def to_dataframe(self, keys: Iterable[str] | None = None) -> pd.DataFrame:
        """``results()`` as a pandas DataFrame (``pip install pandas``)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is a test dependency
            raise ImportError("to_dataframe() needs pandas: pip install pandas") from exc
        frame = pd.DataFrame(self.results(keys))
        for column in ("created_at", "started_at", "completed_at"):
            if column in frame:
                frame[column] = pd.to_datetime(frame[column], unit="s", utc=True)
        return frame


def _cost_columns(cost: RunCost | None) -> dict[str, Any]:
    """``results()``'s cost columns (None where nothing is known)."""
    if cost is None:
        return {"cost_estimate_usd": None, "cost_charged_usd": None, "cost_basis": None}
    return {
        "cost_estimate_usd": cost.estimate_usd,
        "cost_charged_usd": cost.charged_usd,
        "cost_basis": cost.basis or None,
    }


class ExperimentStore:
    """The root folder of all experiments: find, measure and prune them.

    >>> store = ExperimentStore()                   # $VIDWIDGETS_RUNS_DIR or ./vidwidgets-runs
    >>> exp = store.experiment("fox-prompts")       # doctest: +SKIP
    >>> store.usage().total_bytes                   # doctest: +SKIP
    1843211
    """

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = (Path(root).expanduser() if root is not None else default_runs_dir()).absolute()

    def __repr__(self) -> str:
        return f"ExperimentStore({os.fspath(self.root)!r})"

    def experiment(self, name: str) -> Experiment:
        """The experiment called ``name`` (created on first save).

        Any text is a valid name; the folder gets a sanitised version of it.
        """
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"experiment={name!r} is not allowed: a non-empty name")
        return Experiment(self.root / safe_name(name), name=name)

    def experiments(self) -> list[Experiment]:
        """Every experiment in the store, by folder name."""
        if not self.root.is_dir():
            return []
        found = []
        for child in sorted(self.root.iterdir()):
            if child.is_dir() and (child / MANIFEST_NAME).is_file():
                with contextlib.suppress(ValueError, json.JSONDecodeError):
                    found.append(Experiment(child))
        return found

    def find(self, name: str) -> Experiment | None:
        """An existing experiment by its name or folder name, else None."""
        for exp in self.experiments():
            if name in (exp.name, exp.path.name):
                return exp
        return None

    def find_cached(
        self, fingerprint: str, *, exclude: Experiment | None = None
    ) -> tuple[Experiment, RunRecord] | None:
        """A finished run of the same reproducible request (by fingerprint) with its video on disk.

        That is the client's ``ResultCache.reusable`` rule: a seedless request is never found.
        """
        for exp in self.experiments():
            if exclude is not None and exp.path == exclude.path:
                continue
            for rec in exp.records:
                if rec.fingerprint == fingerprint and ResultCache.reusable(
                    rec.status, exp.video_path(rec), rec.request
                ):
                    return exp, rec
        return None

    def usage(self) -> Usage:
        """Bytes per experiment and in total (a hard-linked cache hit counts once in the total)."""
        per: dict[str, int] = {}
        seen: set[tuple[int, int]] = set()
        total = 0
        for exp in self.experiments():
            size_sum = 0
            for path, size, _ in _walk_files(exp.path):
                size_sum += size
                with contextlib.suppress(OSError):
                    st = path.stat()
                    ident = (st.st_dev, st.st_ino)
                    if ident not in seen:
                        seen.add(ident)
                        total += size
            per[exp.name] = size_sum
        return Usage(total_bytes=total, experiments=per)

    def prune(
        self,
        *,
        older_than: float | None = None,
        keep: int | None = None,
        experiment: str | None = None,
        dry_run: bool = False,
    ) -> PruneReport:
        """Delete finished runs (records and files) that no notebook or experiment references.

        A run is removed when it has no unfinished task on the server (pending tasks are paid for
        and are never pruned; a cell that never got a task id may go), its ``referenced_by`` is empty, it finished more than
        ``older_than`` seconds ago (when given), and it is not among the ``keep`` most recent runs
        of its experiment (when given). The manifest is saved before files are deleted, so a crash
        leaves orphaned files at worst, never a record pointing at a missing or partial file.
        Stale partial downloads are removed too.

            >>> report = store.prune(older_than=30 * 86400, keep=10)   # doctest: +SKIP
            >>> report.freed_bytes                                     # doctest: +SKIP
            52428800
        """
        if older_than is not None and older_than < 0:
            raise ValueError(f"older_than={older_than!r} is not allowed: seconds >= 0")
        if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 0):
            raise ValueError(f"keep={keep!r} is not allowed: a whole number >= 0")
        report = PruneReport(dry_run=dry_run)
        now = time.time()
        for exp in self.experiments():
            if experiment is not None and experiment not in (exp.name, exp.path.name):
                continue
            doomed = _prunable(exp, report, now=now, older_than=older_than, keep=keep)
            files = _files_only_of(exp, doomed)
            report.removed.extend((exp.name, rec.key) for rec in doomed)
            report.freed_bytes += _bytes_freed(exp, files)
            if dry_run:
                continue
            if doomed:
                for rec in doomed:
                    exp.remove(rec.key, save=False)
                exp.save()  # the manifest first: a crash leaves orphaned files, never dangling records
                for rel in files:
                    with contextlib.suppress(OSError, ValueError):
                        path = exp.file_path(rel)
                        if path is not None:
                            path.unlink(missing_ok=True)
                            cache_path(path).unlink(missing_ok=True)  # its metrics go with it
            report.partial_files_removed += exp.sweep()
        return report


def _prunable(
    exp: Experiment, report: PruneReport, *, now: float, older_than: float | None, keep: int | None
) -> list[RunRecord]:
    """The runs of ``exp`` that ``prune`` removes; referenced ones are noted in ``report``."""
    newest_first = sorted(exp.records, key=_finished_time, reverse=True)
    protected = {r.key for r in newest_first[: keep or 0]} if keep is not None else set()
    doomed: list[RunRecord] = []
    for rec in newest_first:
        if rec.is_pending or rec.key in protected:
            continue  # a task on the server is paid for: never forget its id
        if older_than is not None and now - _finished_time(rec) < older_than:
            continue
        if rec.referenced_by:
            report.kept_referenced.append((exp.name, rec.key))
            continue
        doomed.append(rec)
    return doomed


def _files_only_of(exp: Experiment, doomed: list[RunRecord]) -> set[str]:
    """The files of ``doomed`` runs that no other run of ``exp`` still uses."""
    still_used = {f for r in exp.records if r not in doomed for f in (r.file, r.thumbnail) if f}
    return {f for r in doomed for f in (r.file, r.thumbnail) if f and f not in still_used}


def _bytes_freed(exp: Experiment, files: set[str]) -> int:
    """What deleting ``files`` frees (a hard link shared with another run frees nothing)."""
    freed = 0
    for rel in files:
        with contextlib.suppress(OSError, ValueError):
            path = exp.file_path(rel)
            if path is not None and path.is_file():
                st = path.stat()
                if st.st_nlink <= 1:
                    freed += st.st_size
    return freed


def metric_columns(
    metrics: Mapping[str, Any] | None, error: Mapping[str, Any] | None
) -> dict[str, Any]:
    """One column per metric (None when not measured) and ``metrics_error``, for a results row.

    >>> metric_columns({"motion": 0.01, "cuts": 0}, None)["cuts"], metric_columns(None, None)["motion"]
    (0, None)
    """
    found = metrics or {}
    columns: dict[str, Any] = {name: found.get(name) for name in METRIC_NAMES}
    columns["metrics_error"] = (error or {}).get("message")
    return columns


def _merge_votes(stored: Any, unsaved: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stored votes (well-formed ones only), then the unsaved ones they do not hold yet."""
    votes = [v for v in stored if _is_vote(v)] if isinstance(stored, list) else []
    seen = {v["id"] for v in votes}
    return votes + [v for v in unsaved if v["id"] not in seen]


def _is_vote(item: Any) -> bool:
    return isinstance(item, dict) and all(
        isinstance(item.get(name), str) for name in ("id", "a", "b", "outcome")
    )


def _finished_time(rec: RunRecord) -> float:
    return rec.completed_at or rec.created_at or rec.updated_at


def _walk_files(root: Path) -> Iterator[tuple[Path, int, float]]:
    """(path, size, mtime) of every regular file under ``root``, not following symlinks."""
    for dirpath, _, filenames in os.walk(root):
        for filename in filenames:
            path = Path(dirpath) / filename
            with contextlib.suppress(OSError):
                st = path.lstat()
                if not os.path.islink(path):
                    yield path, st.st_size, st.st_mtime


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """An advisory inter-process lock (POSIX ``flock``; a no-op where that does not exist)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(lock_path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
