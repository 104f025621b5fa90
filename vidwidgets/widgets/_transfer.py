"""Files to the browser over a widget's custom messages, never through a synced trait.

Bytes sent this way are not part of the widget's state, so a saved notebook stays small and a
video never lands in ``embed_data()``. The front end reassembles the chunks into a Blob URL.
"""

from __future__ import annotations

import pathlib
from typing import Any, Protocol

#: Bytes per custom message. Jupyter Server relays websocket frames of up to 10 MiB by default;
#: 1 MiB keeps each message well inside that and lets the browser show progress sooner.
CHUNK_BYTES = 1024 * 1024


class _Sender(Protocol):
    def send(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None: ...


def send_file(widget: _Sender, path: pathlib.Path, rid: str, mime: str, **extra: Any) -> None:
    """Send ``path`` as chunk messages, each with one binary buffer.

    The messages are ``{"type": "chunk", rid, index, count, total, mime, **extra}``. Raises
    ``OSError`` when the file cannot be read.
    """
    total = path.stat().st_size
    count = max(1, -(-total // CHUNK_BYTES))
    with path.open("rb") as fh:
        for index in range(count):
            header = {
                "type": "chunk",
                "rid": rid,
                "index": index,
                "count": count,
                "total": total,
                "mime": mime,
                **extra,
            }
            widget.send(header, [fh.read(CHUNK_BYTES)])
