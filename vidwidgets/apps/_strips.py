"""The Comparison's filmstrips: when a grid shows strips first, and making them off the loop.

A big grid that fetched and decoded every video at once would make the browser decode dozens of
videos before the page answers. In strip mode each finished cell shows its filmstrip (a few KB,
made in the kernel by [`filmstrip`][vidwidgets.experiments.filmstrip]) and fetches its video only
when it is played. The strip's bytes go over the widget's custom messages, like the videos:
widget state holds only ``{key: {"source", "frames"}}``, so a saved notebook stays small.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import traitlets

from vidwidgets.client import call_soon_on
from vidwidgets.experiments import Filmstrip, filmstrip
from vidwidgets.widgets import send_file

if TYPE_CHECKING:
    from vidwidgets.apps._comparison import ComparisonCell

__all__ = ["AUTO_FILMSTRIPS_OVER", "FilmstripsMixin", "StripMaker", "strips_on"]

#: ``filmstrips="auto"`` (the default) shows strips first in grids of more cells than this
AUTO_FILMSTRIPS_OVER = 16

_POOL: concurrent.futures.ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def strips_on(filmstrips: bool | str | None, cells: int) -> bool:
    """Whether a grid of ``cells`` cells shows strips first.

    Args:
        filmstrips: True (always), False (never), or None / ``"auto"``: over
            ``AUTO_FILMSTRIPS_OVER`` cells.
        cells: how many cells the grid has.

    Returns:
        True when the cells show their filmstrips until played.

    Raises:
        ValueError: ``filmstrips`` is none of those.
    """
    if filmstrips is None or filmstrips == "auto":
        return cells > AUTO_FILMSTRIPS_OVER
    if isinstance(filmstrips, bool):
        return filmstrips
    raise ValueError(f"filmstrips must be True, False, None or 'auto', got {filmstrips!r}")


def _pool() -> concurrent.futures.ThreadPoolExecutor:
    """Two decoding threads for every grid of the process (the kernel's loop never decodes)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="vw-filmstrip")
        return _POOL


class StripMaker:
    """Makes each finished cell's strip in a worker thread and says when it is ready.

    ``update`` is called on the grid's loop with each cell's ``(key, source_id, video)``; a new
    ``source_id`` (a first success, a retry) makes a new strip. ``publish`` is called on the loop
    whenever a strip is ready or failed; ``front()`` is then what the browser should see.

    Args:
        loop: the grid's loop (results come back to it).
        publish: asks for the strips' state to be shown (the Comparison coalesces it with the
            cells' state, so 36 strips ready at once are one message).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, publish: Callable[[], None]) -> None:
        self.loop = loop
        self.publish = publish
        self._wanted: dict[str, str] = {}  # key -> the source_id its strip is made for
        self._ready: dict[str, tuple[str, Filmstrip]] = {}
        self._failed: dict[str, tuple[str, str]] = {}

    def update(self, cells: Iterable[tuple[str, str, Path | None]]) -> None:
        """Start a strip for every cell whose video is new; forget those of gone videos."""
        seen: set[str] = set()
        for key, source, video in cells:
            if not source or video is None:
                continue
            seen.add(key)
            if self._wanted.get(key) == source:
                continue
            self._wanted[key] = source
            job = _pool().submit(filmstrip, video)
            job.add_done_callback(functools.partial(self._arrived, key, source))
        for key in set(self._wanted) - seen:
            del self._wanted[key]
            self._ready.pop(key, None)
            self._failed.pop(key, None)

    def _arrived(self, key: str, source: str, job: concurrent.futures.Future[Filmstrip]) -> None:
        call_soon_on(self.loop, self._settle, key, source, job)

    def _settle(self, key: str, source: str, job: concurrent.futures.Future[Filmstrip]) -> None:
        if self._wanted.get(key) != source:
            return  # the video changed meanwhile: its own strip is on the way
        try:
            self._ready[key] = (source, job.result())
        except (ValueError, OSError) as exc:
            # the cell then shows its video as a grid without strips would: nothing is lost
            self._failed[key] = (source, str(exc))
        self.publish()

    def front(self) -> dict[str, Any]:
        """``{key: {"source", "frames"}}`` for the ready strips, ``{"source", "error"}`` failed."""
        state: dict[str, Any] = {
            key: {"source": source, "frames": strip.frames}
            for key, (source, strip) in self._ready.items()
        }
        for key, (source, error) in self._failed.items():
            state[key] = {"source": source, "error": error}
        return state

    def strip(self, key: str) -> tuple[str, Filmstrip] | None:
        """The ready strip of a cell and the ``source_id`` it shows, or None."""
        return self._ready.get(key)

    def send(self, widget: Any, content: Mapping[str, Any]) -> None:
        """Answer a browser's ``{"type": "strip", key, source, rid}`` with the JPEG's bytes."""
        rid = str(content.get("rid", ""))
        ready = self.strip(str(content.get("key", "")))
        if ready is None or ready[0] != content.get("source"):
            widget.send({"type": "error", "rid": rid, "message": "no filmstrip for this video"})
            return
        try:
            send_file(widget, ready[1].path, rid, "image/jpeg", key=content.get("key"))
        except OSError as exc:
            widget.send(
                {"type": "error", "rid": rid, "message": f"could not read the strip: {exc}"}
            )


class FilmstripsMixin(traitlets.HasTraits):
    """The Comparison's strip mode: its traits, its ``StripMaker`` and when "auto" turns it on."""

    #: strip mode: finished cells show their filmstrip until played (see ``filmstrips=``)
    filmstrips = traitlets.Bool(False).tag(sync=True)
    #: {key: {"source", "frames"}} of the ready strips (their bytes go over custom messages)
    strips = traitlets.Dict().tag(sync=True)

    def _open_strips(
        self,
        filmstrips: bool | str | None,
        cells: int,
        loop: asyncio.AbstractEventLoop,
        changed: Callable[[], None],
    ) -> None:
        """Start the grid's strip maker; ``changed`` shows ready strips and a new mode."""
        self._strips_auto = filmstrips is None or filmstrips == "auto"
        # a ready strip is shown with the next coalesced state message (36 at once are one)
        self._strip_maker = StripMaker(loop, changed)
        self.filmstrips = strips_on(filmstrips, cells)
        self.observe(lambda _change: changed(), names="filmstrips")

    def _count_strips(self, cells: int) -> None:
        if self._strips_auto:  # "auto" decides again as the grid grows
            self.filmstrips = strips_on(None, cells)

    def _paint_strips(self, cells: Sequence[ComparisonCell]) -> None:
        if self.filmstrips:  # strips are made in worker threads; ``strips`` says when ready
            self._strip_maker.update((c.key, c.source_id, c.served_file) for c in cells)
        self.strips = self._strip_maker.front()
