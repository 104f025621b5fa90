"""The synchronized-playback engine's JavaScript, shared by the Comparison widget and the export.

anywidget has no build step and an exported report must run from ``file://`` offline, so there is
no module loader to share code with: the engine (``_sync_engine.js``) is one plain script whose
text goes in front of each front end — the Comparison's ES module and the report's one inline
script. This module imports nothing, so both layers can use it without pulling the other in.

    >>> "function createSyncEngine(" in sync_engine_js() and "const SyncFrames" in sync_engine_js()
    True
"""

from __future__ import annotations

import functools
import importlib.resources

__all__ = ["sync_engine_js", "with_sync_engine"]


@functools.cache
def sync_engine_js() -> str:
    """The engine's source: it declares ``SyncFrames`` and ``createSyncEngine(options)`` only.

    ``SyncFrames`` is the pure part (frame numbers, frame centres, what a review key means);
    ``createSyncEngine`` drives the videos with it.
    """
    return importlib.resources.files("vidwidgets").joinpath("_sync_engine.js").read_text("utf-8")


def with_sync_engine(front_end: str) -> str:
    """``front_end``'s source with the engine in front of it, as one script or ES module.

    Args:
        front_end: JavaScript that calls ``createSyncEngine``.

    Returns:
        The engine, then ``front_end``: one text for an anywidget ``_esm`` or a ``<script>``.
    """
    return f"{sync_engine_js()}\n{front_end}"
