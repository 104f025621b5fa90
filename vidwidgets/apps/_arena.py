"""Arena: blind pairwise votes on two videos at a time, ranked by Bradley–Terry with an interval.

One anywidget (``_arena.js``) shows two videos side by side, played in sync by the engine the
Comparison and the HTML export share (``vidwidgets/_sync_engine.js``). Until the vote, the front
end knows nothing but "A" and "B" and an opaque token for the pair: no key, model, prompt or
file name is in the widget's state or the page. The bytes reach the browser over custom messages
(as in the Comparison), asked for by side and token, never through widget state. After the vote
the state carries the reveal (model, prompt and caption of both) and the front end moves on.

The ranking is the experiments layer's (``BradleyTerry``, pure numpy); the votes are kept in the
experiment's manifest (``Experiment.add_vote``), so a new Arena over the same experiment — after
a kernel restart too — continues where the last stopped.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import secrets
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from vidwidgets._sync_engine import with_sync_engine
from vidwidgets.apps._comparison import Comparison
from vidwidgets.apps._grid import captions
from vidwidgets.client import ValidationError
from vidwidgets.experiments import OUTCOMES, BradleyTerry, Experiment
from vidwidgets.widgets import send_file

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Arena"]

_HERE = pathlib.Path(__file__).parent
_ALLOWED_OUTCOMES = "one of " + ", ".join(repr(o) for o in OUTCOMES)
#: the columns of ``ranking()``, in order
RANKING_COLUMNS = (
    "key",
    "caption",
    "score",
    "low",
    "high",
    "wins",
    "losses",
    "ties",
    "votes",
    "both_bad",
)


@dataclasses.dataclass(frozen=True)
class _Entry:
    """One video in the Arena: what the ranking calls it and what the reveal shows."""

    key: str
    caption: str
    path: pathlib.Path
    model: str = ""
    prompt: str = ""

    def reveal(self) -> dict[str, str]:
        return {"caption": self.caption, "model": self.model, "prompt": self.prompt}


class Arena(anywidget.AnyWidget):
    """Blind pairwise votes on finished videos, and a ranking with an honest interval.

    Two videos play side by side in sync, captioned only "A" and "B"; press **A**, **B**,
    **T** (tie) or **X** (both bad), or click the buttons. Then both are revealed (model, prompt,
    caption) and the next pair is the one where the ranking is least certain.

        >>> import vidwidgets as vw
        >>> arena = vw.Arena(cmp)                 # a Comparison, an Experiment or records  # doctest: +SKIP
        >>> arena                                 # vote in the notebook                    # doctest: +SKIP
        >>> arena.vote(*arena.next_pair(), "a")   # or from code                            # doctest: +SKIP
        >>> arena.ranking()                       # best first, with a 95 % interval        # doctest: +SKIP
        >>> arena.p_beats(first, second)          # doctest: +SKIP
        0.81

    Args:
        source: a [`Comparison`][vidwidgets.Comparison] or an
            [`Experiment`][vidwidgets.experiments.Experiment] (its finished videos), or records:
            mappings with ``key``, a video ``path`` (or ``file``), and optionally ``caption``,
            ``model`` and ``prompt``; ``exp.results()`` rows fit.
        experiment: where votes on records are kept (a Comparison or an Experiment brings its
            own). Without one, votes live only as long as the Arena.
        seed: seeds the left/right order and the choice between equally uncertain pairs.
        reveal_seconds: how long the reveal shows before the next pair (0: wait for **N**).

    Raises:
        TypeError: ``source`` is none of the above.
    """

    _esm = with_sync_engine((_HERE / "_arena.js").read_text("utf-8"))
    _css = _HERE / "_arena.css"

    #: "vote" (a pair is shown, blind), "reveal" (after the vote) or "empty" (nothing to compare)
    phase = traitlets.Unicode("empty").tag(sync=True)
    #: an opaque id of the pair on screen: the browser asks for its videos by side and token
    token = traitlets.Unicode("").tag(sync=True)
    #: after the vote only: {"outcome", "a": {caption, model, prompt}, "b": {...}}
    revealed = traitlets.Dict().tag(sync=True)
    #: how many videos and votes, for the header
    counts = traitlets.Dict().tag(sync=True)
    reveal_seconds = traitlets.Float(2.5).tag(sync=True)
    loop = traitlets.Bool(True).tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        source: Comparison | Experiment | Iterable[Mapping[str, Any]],
        *,
        experiment: Experiment | None = None,
        seed: int | None = 0,
        reveal_seconds: float = 2.5,
    ) -> None:
        super().__init__()
        entries, own = _entries_of(source)
        self._source = source
        self._seed = seed
        self.experiment: Experiment | None = own if own is not None else experiment
        self._entries = {e.key: e for e in entries}
        #: every vote this Arena knows: the experiment's (where the last Arena stopped) and its own
        self._votes = self.experiment.votes if self.experiment is not None else []
        self._bt = self._ranked()
        self._pair: tuple[str, str] | None = None
        self._upcoming: tuple[str, str] | None = None  # next_pair(), kept until a vote
        self.reveal_seconds = max(0.0, float(reveal_seconds))
        self.on_msg(self._on_custom_msg)
        self.advance()

    # -- what is on screen --------------------------------------------------------------------

    @property
    def video_keys(self) -> list[str]:
        """The keys of the videos being ranked (``keys`` is ipywidgets' own)."""
        return list(self._entries)

    @property
    def current(self) -> tuple[str, str] | None:
        """The keys of the pair on screen, left (A) first; None when there is nothing to show."""
        return self._pair

    def advance(self) -> tuple[str, str] | None:
        """Show the next pair (``next_pair()``), blind again."""
        self._pair, self._upcoming = self._peek(), None
        with self.hold_sync():
            self.revealed = {}
            self.token = secrets.token_hex(8) if self._pair else ""
            self.phase = "vote" if self._pair else "empty"
            self.message = "" if self._pair else self._too_few()
            self._count()
        return self._pair

    def refresh(self) -> None:
        """Take in videos that finished since, and votes other processes stored meanwhile.

        The pair on screen stays while both its videos are still there.
        """
        if isinstance(self._source, Experiment):
            self._source.reload()
        entries, _ = _entries_of(self._source)
        if self.experiment is not None:
            self.experiment.reload()
            self._votes = self.experiment.votes
        self._entries = {e.key: e for e in entries}
        self._bt = self._ranked()
        self._upcoming = None
        if self._pair is None or not set(self._pair) <= set(self._entries):
            self.advance()
        else:
            self._count()

    def _ranked(self) -> BradleyTerry:
        ranking = BradleyTerry(list(self._entries), seed=self._seed)
        ranking.extend(self._votes)
        return ranking

    # -- votes and the ranking ----------------------------------------------------------------

    def vote(self, a: str, b: str, outcome: str) -> None:
        """Record that ``a`` beat ``b`` (``"a"``), lost (``"b"``), tied, or both were bad.

        The vote is saved in the experiment's manifest at once. When ``a`` and ``b`` are the
        pair on screen, the Arena reveals them.

        Raises:
            ValidationError: ``outcome`` is not one of ``"a"``, ``"b"``, ``"tie"``,
                ``"both_bad"``, or ``a`` / ``b`` is not a video in this Arena.
        """
        if not isinstance(outcome, str) or outcome not in OUTCOMES:
            raise ValidationError("outcome", outcome, _ALLOWED_OUTCOMES)
        for name, key in (("a", a), ("b", b)):
            if key not in self._entries:
                raise ValidationError(name, key, self._allowed_keys())
        if a == b:
            raise ValidationError("b", b, "a different video than a")
        self._bt.add(a, b, outcome)
        self._upcoming = None  # the ranking moved: so does the next pair
        if self.experiment is not None and a in self.experiment and b in self.experiment:
            self._votes.append(self.experiment.add_vote(a, b, outcome))
        else:
            self._votes.append({"a": a, "b": b, "outcome": outcome})
        if self._pair is not None and {a, b} == set(self._pair):
            left, right = self._pair
            shown = outcome if (a, b) == self._pair else {"a": "b", "b": "a"}.get(outcome, outcome)
            with self.hold_sync():
                self.revealed = {
                    "outcome": shown,
                    "a": self._entries[left].reveal(),
                    "b": self._entries[right].reveal(),
                }
                self.phase = "reveal"
                self._count()
        else:
            self._count()

    def ranking(self) -> pd.DataFrame:
        """Every video, best first: ``key, caption, score, low, high, wins, losses, ties, votes``.

        ``score`` is the Bradley–Terry strength in log-odds around the mean (0), ``low`` and
        ``high`` its 95 % interval; ``both_bad`` counts the "both bad" votes (also in ``votes``).
        Needs pandas (``pip install pandas``).
        """
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is a test dependency
            raise ImportError("Arena.ranking() needs pandas: pip install pandas") from exc
        rows = [
            {**dataclasses.asdict(row), "caption": self._entries[row.key].caption}
            for row in self._bt.ranking()
        ]
        return pd.DataFrame(rows, columns=list(RANKING_COLUMNS))

    def p_beats(self, a: str, b: str) -> float:
        """The fitted probability that a voter prefers ``a`` over ``b``."""
        for name, key in (("a", a), ("b", b)):
            if key not in self._entries:
                raise ValidationError(name, key, self._allowed_keys())
        return self._bt.p_beats(a, b)

    def next_pair(self) -> tuple[str, str] | None:
        """The pair to vote on next: where the ranking is least certain (left first).

        Never the pair voted on last (while there is another); None with fewer than two videos.
        After a vote on the pair on screen, this is what the Arena shows next.
        """
        if self.phase == "vote" and self._pair is not None:
            return self._pair
        return self._peek()

    def _peek(self) -> tuple[str, str] | None:
        # asked once per state of the votes: the seeded RNG advances only when the votes change
        if self._upcoming is None:
            self._upcoming = self._bt.next_pair()
        return self._upcoming

    # -- the front end ------------------------------------------------------------------------

    def _on_custom_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("token") != self.token:
            return  # another pair's (a stale view's) message
        kind = content.get("type")
        if kind == "get":
            self._send_side(str(content.get("side", "")), str(content.get("rid", "")))
        elif kind == "vote" and self.phase == "vote" and self._pair is not None:
            try:
                self.vote(*self._pair, str(content.get("outcome", "")))
            except ValueError as exc:
                self.message = f"not recorded: {exc}"
        elif kind == "next" and self.phase == "reveal":
            self.advance()

    def _send_side(self, side: str, rid: str) -> None:
        """Send the video on ``side`` ("a" or "b"), named by side only: nothing gives it away."""
        if self._pair is None or side not in ("a", "b"):
            self.send({"type": "error", "rid": rid, "message": "no such video"})
            return
        entry = self._entries[self._pair[0 if side == "a" else 1]]
        try:
            send_file(self, entry.path, rid, "video/mp4", side=side)
        except OSError:
            self.send({"type": "error", "rid": rid, "message": "could not read the video"})

    def _count(self) -> None:
        self.counts = {"videos": len(self._entries), "votes": int(self._bt.vote_count)}

    def _too_few(self) -> str:
        have = len(self._entries)
        return (
            f"The Arena needs at least two finished videos to compare; it has {have}. "
            "Wait for the comparison (await cmp), then call arena.refresh()."
        )

    def _allowed_keys(self) -> str:
        keys = ", ".join(repr(k) for k in self._entries)
        return f"the key of a video in this Arena: {keys}" if keys else "no videos in this Arena"

    def __repr__(self) -> str:
        where = f", experiment={self.experiment.name!r}" if self.experiment is not None else ""
        return f"Arena(videos={len(self._entries)}, votes={self._bt.vote_count}{where})"


# -- where the videos come from ------------------------------------------------------------


def _entries_of(source: Any) -> tuple[list[_Entry], Experiment | None]:
    """The finished videos of ``source`` and the experiment it brings (if any)."""
    if isinstance(source, Comparison):
        entries = [
            _Entry(c.key, c.caption, p, *_model_prompt(c.request.to_dict()))
            for c in source.cells
            if c.finished and (p := c.path) is not None
        ]
        return entries, source.experiment
    if isinstance(source, Experiment):
        return _experiment_entries(source), source
    if isinstance(source, (str, bytes, os.PathLike)) or not isinstance(source, Iterable):
        raise TypeError(
            f"source={type(source).__name__} is not allowed: a Comparison, an Experiment "
            "or a list of records with a key and a video path"
        )
    return [_record_entry(i, item) for i, item in enumerate(source)], None


def _experiment_entries(exp: Experiment) -> list[_Entry]:
    finished = [(r, p) for r in exp.records if (p := exp.video_path(r)) is not None]
    # a template's cells are captioned by their variables, as in the grid
    texts = captions(
        [r.request for r, _ in finished],
        [r.label for r, _ in finished],
        [r.take for r, _ in finished],
        [r.variables for r, _ in finished],
    )
    return [
        _Entry(r.key, text, p, *_model_prompt(r.request))
        for (r, p), text in zip(finished, texts, strict=True)
    ]


def _record_entry(index: int, item: Any) -> _Entry:
    if not isinstance(item, Mapping):
        raise TypeError(f"records[{index}]={item!r} is not allowed: a mapping with key and path")
    path = item.get("path") or item.get("file") or item.get("video")
    key = item.get("key")
    if not key or not path:
        raise ValueError(
            f"records[{index}] is not allowed: it needs a 'key' and a video 'path' (or 'file')"
        )
    if not pathlib.Path(path).is_file():
        raise ValueError(f"records[{index}]: no video at {os.fspath(path)!r}")
    text = item.get("caption") or item.get("label") or str(key)
    return _Entry(str(key), str(text), pathlib.Path(path), *_model_prompt(item))


def _model_prompt(request: Mapping[str, Any]) -> tuple[str, str]:
    return str(request.get("model") or ""), str(request.get("prompt") or "")
