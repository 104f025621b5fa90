"""A recording comm and helpers that play the browser's part in widget tests."""

from __future__ import annotations

from typing import Any

import ipywidgets


class RecordingComm:
    """Stands in for a kernel comm: records every message the widget sends."""

    kernel = "recording"

    def __init__(self, **kwargs: Any) -> None:
        self.comm_id = kwargs.get("comm_id") or f"rec-{id(self):x}"
        self.messages: list[tuple[dict[str, Any], list[bytes]]] = []

    def open(self, *args: Any, **kwargs: Any) -> None:
        pass

    def on_msg(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send(self, data: Any = None, metadata: Any = None, buffers: Any = None) -> None:
        self.messages.append((data or {}, [bytes(b) for b in (buffers or [])]))

    def close(self, *args: Any, **kwargs: Any) -> None:
        pass


def sent(
    widget: ipywidgets.Widget, method: str | None = None
) -> list[tuple[dict[str, Any], list[bytes]]]:
    """The messages ``widget`` sent to the front end (optionally only one ``method``)."""
    messages = widget.comm.messages
    return [m for m in messages if method is None or m[0].get("method") == method]


def customs(widget: ipywidgets.Widget) -> list[tuple[dict[str, Any], list[bytes]]]:
    """The custom messages (``widget.send``) as (content, buffers)."""
    return [(m["content"], b) for m, b in sent(widget, "custom")]


def from_browser_custom(widget: ipywidgets.Widget, content: dict[str, Any]) -> None:
    """Deliver a custom message as if the front end had called ``model.send(content)``."""
    widget._handle_msg(
        {"content": {"data": {"method": "custom", "content": content}}, "buffers": []}
    )


def from_browser_update(widget: ipywidgets.Widget, **state: Any) -> None:
    """Deliver a state update as if the user had changed it in the browser."""
    widget._handle_msg({"content": {"data": {"method": "update", "state": state}}, "buffers": []})
