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

__all__ = ["compact_js", "sync_engine_js", "with_sync_engine"]


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
    return compact_js(f"{sync_engine_js()}\n{front_end}")


def compact_js(source: str) -> str:
    r"""``source`` without its comment-only lines and blank lines (the code is left as it is).

    anywidget saves a widget's ``_esm`` with every instance in a notebook, so the comments would
    be saved once per grid; they stay in the ``.js`` files. Only whole lines go: a ``//`` line,
    a ``/* ... */`` block that starts a line. The front ends have no multi-line template
    literals, where such a line could be text (``tests/test_sync_engine.py`` checks).

    >>> compact_js("// why\nconst a = 1; // kept\n/**\n * doc\n */\n\nlet b = 2;")
    'const a = 1; // kept\nlet b = 2;'
    """
    kept: list[str] = []
    in_block = False
    for line in source.splitlines():
        bare = line.strip()
        if in_block:
            in_block = "*/" not in bare
            continue
        if not bare or bare.startswith("//"):
            continue
        if bare.startswith("/*"):
            in_block = "*/" not in bare
            if in_block or bare.endswith("*/"):
                continue
        kept.append(line)
    return "\n".join(kept)
