"""What one Comparison cell sends its front end: the one definition ``_comparison.js`` reads.

Each cell of ``Comparison.cells_state`` is one ``CellFrontState``; the front end reads
these keys and nothing else, and which statuses count as running or final comes with the widget's
``vocabulary`` trait (from [`JobStatus`][vidwidgets.client.JobStatus]), not from a list in the JS.
"""

from __future__ import annotations

from typing import TypedDict

__all__ = ["CellFrontState"]


class CellFrontState(TypedDict):
    """One grid cell as the browser sees it: small JSON, never the video's bytes."""

    key: str
    #: where the cell sits in the grid (0-based)
    row: int
    column: int
    #: what differs from the other cells, and the full prompt (the caption's tooltip)
    caption: str
    prompt: str
    model: str
    #: a ``JobStatus`` value
    status: str
    #: where the video came from (``disk``, ``cache``, ``resumed``, ``created``) or ""
    origin: str
    #: done 0..1 as the server reported it, or None when it does not say
    fraction: float | None
    #: seconds since the cell started, as of this update (the browser counts on), or None
    elapsed: float | None
    #: estimated seconds left as of this update, or None
    eta: float | None
    #: plain text under a failed or pending cell (the browser escapes nothing: textContent)
    message: str
    hint: str
    job_id: str
    #: changes whenever the video file changes, so the browser asks for the new bytes ("" none)
    source: str
    fps: float
    duration: float
    rating: int
    note: str
    #: the video's scalar metrics, rounded (none until measured), and why it was not measured
    metrics: dict[str, float]
    metrics_note: str
    #: the caption as ``[text, differs]`` runs: marked words set this prompt apart (<mark>)
    caption_parts: list[list[str | bool]]
    #: this cell's place in its stack (the takes at one spot, ``stack_takes=True``): 0-based
    stack_index: int
    stack_size: int
    #: per metric, ``min``/``max``/``mean``/``range`` across the stack's takes ({} for none)
    spread: dict[str, dict[str, float]]
