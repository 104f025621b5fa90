"""VideoPlayer: an inline HTML5 player whose playback is synchronised with Python.

``ipywidgets.Video`` keeps the whole file in a synced trait (so it lands in saved notebooks) and
restarts on any trait change; it cannot play, pause or seek from Python. This widget keeps only
small facts in its state. The bytes of a local file are sent when a view asks for them, over
custom messages with binary buffers, so they never enter widget state.
"""

from __future__ import annotations

import mimetypes
import os
import pathlib
import secrets
from typing import Any
from urllib.parse import urlsplit

import anywidget
import traitlets

from vidwidgets.widgets._transfer import send_file

__all__ = ["UnsafeURLError", "VideoPlayer"]

_HERE = pathlib.Path(__file__).parent

_MIME_BY_SUFFIX = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".mov": "video/quicktime",
    ".ogv": "video/ogg",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
}


def _mime(path: pathlib.Path, fallback: str) -> str:
    return (
        _MIME_BY_SUFFIX.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or fallback
    )


class UnsafeURLError(traitlets.TraitError, ValueError):
    """A URL the player refuses.

    A TraitError, so traitlets rolls back a refused ``set_state``
    (it only undoes TraitErrors); a ValueError, because that is what it is.
    """


def check_http_url(url: str) -> str:
    """Return ``url`` if it is an absolute http(s) URL; raise ``UnsafeURLError`` otherwise.

    A ``javascript:`` or ``data:text/html`` source would run code in the notebook's origin, and
    ``file:`` URLs point at the browser's machine, not the kernel's.
    """
    if not isinstance(url, str):
        raise UnsafeURLError(f"expected an http(s) URL string, got {type(url).__name__}")
    stripped = url.strip()
    parts = urlsplit(stripped)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        scheme = parts.scheme or "no scheme"
        raise UnsafeURLError(
            f"only http(s) URLs can be played, not {scheme!r}; "
            "for a local file use VideoPlayer.from_file(path)"
        )
    if any(ch in stripped for ch in "\r\n\t\x00"):
        raise UnsafeURLError("an http(s) URL must not contain control characters")
    return stripped


class VideoPlayer(anywidget.AnyWidget):
    """An HTML5 video player you can drive from Python.

    Playback state is synchronised both ways: ``playing``, ``current_time`` (reported by the
    browser at most twice a second), ``duration`` (read by the browser), ``muted``, ``loop`` and
    ``playback_rate``. A local file's bytes are streamed to the browser on request and never
    stored in the widget state, so saved notebooks stay small.

        >>> player = VideoPlayer.from_file("fox.mp4")             # doctest: +SKIP
        >>> player                                                # doctest: +SKIP
        >>> player.play(); player.seek(1.5); player.pause()       # doctest: +SKIP
        >>> VideoPlayer.from_url("https://example.com/fox.mp4")   # doctest: +SKIP
    """

    _esm = _HERE / "_player.js"
    _css = _HERE / "_player.css"

    playing = traitlets.Bool(False, help="True while the browser plays the video.").tag(sync=True)
    current_time = traitlets.Float(0.0, help="Position in seconds (browser-reported).").tag(
        sync=True
    )
    duration = traitlets.Float(0.0, help="Length in seconds, once the browser read it.").tag(
        sync=True
    )
    muted = traitlets.Bool(False).tag(sync=True)
    loop = traitlets.Bool(False).tag(sync=True)
    playback_rate = traitlets.Float(1.0).tag(sync=True)
    autoplay = traitlets.Bool(False).tag(sync=True)
    controls = traitlets.Bool(True).tag(sync=True)
    width = traitlets.Unicode(
        "", help="CSS width of the video, e.g. '100%' (default: its own width)."
    ).tag(sync=True)
    placeholder = traitlets.Unicode("", help="Text shown while there is nothing to play.").tag(
        sync=True
    )
    #: An http(s) URL the browser loads directly; empty when playing a local file.
    src_url = traitlets.Unicode("").tag(sync=True)
    #: Changes whenever the local file changes, so views ask for the new bytes.
    source_id = traitlets.Unicode("").tag(sync=True)
    has_poster = traitlets.Bool(False).tag(sync=True)
    filename = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        url: str | None = None,
        poster: str | os.PathLike[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # Plain attributes, never synced: where the bytes come from.
        self._path: pathlib.Path | None = None
        self._poster: pathlib.Path | None = None
        self.on_msg(self._on_custom_msg)
        if path is not None and url is not None:
            raise ValueError("give either a file path or a url, not both")
        if path is not None:
            self.set_file(path, poster=poster)
        elif url is not None:
            self.set_url(url)

    # -- constructors -------------------------------------------------------------------------

    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike[str],
        *,
        poster: str | os.PathLike[str] | None = None,
        **kwargs: Any,
    ) -> VideoPlayer:
        """A player for a local video file (its bytes are streamed on demand)."""
        return cls(path, poster=poster, **kwargs)

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> VideoPlayer:
        """A player for an http(s) URL, loaded by the browser itself.

        Other schemes (``javascript:``, ``data:``, ``file:``, ...) raise ``ValueError``.
        """
        return cls(url=url, **kwargs)

    # -- sources ------------------------------------------------------------------------------

    @property
    def path(self) -> pathlib.Path | None:
        """The local file being played, if any."""
        return self._path

    @property
    def poster_path(self) -> pathlib.Path | None:
        return self._poster

    def set_file(
        self,
        path: str | os.PathLike[str],
        *,
        poster: str | os.PathLike[str] | None = None,
    ) -> None:
        """Play a local file; ``poster`` is an optional image shown before playback."""
        file = pathlib.Path(path)
        if not file.is_file():
            raise FileNotFoundError(f"no video file at {file}")
        poster_file = pathlib.Path(poster) if poster is not None else None
        if poster_file is not None and not poster_file.is_file():
            raise FileNotFoundError(f"no poster image at {poster_file}")
        self._path = file
        self._poster = poster_file
        with self.hold_sync():
            self.src_url = ""
            self.playing = False
            self.current_time = 0.0
            self.duration = 0.0
            self.filename = file.name
            self.has_poster = poster_file is not None
            self.source_id = secrets.token_hex(8)

    def set_url(self, url: str) -> None:
        """Play an http(s) URL (checked: other schemes raise ``ValueError``)."""
        safe = check_http_url(url)
        self._path = None
        self._poster = None
        with self.hold_sync():
            self.source_id = ""
            self.has_poster = False
            self.playing = False
            self.current_time = 0.0
            self.duration = 0.0
            self.filename = pathlib.PurePosixPath(urlsplit(safe).path).name
            self.src_url = safe

    def clear(self, placeholder: str | None = None) -> None:
        """Show nothing (optionally a placeholder text)."""
        self._path = None
        self._poster = None
        with self.hold_sync():
            self.src_url = ""
            self.source_id = ""
            self.has_poster = False
            self.playing = False
            self.current_time = 0.0
            self.duration = 0.0
            self.filename = ""
            if placeholder is not None:
                self.placeholder = placeholder

    @traitlets.validate("src_url")
    def _validate_src_url(self, proposal: Any) -> str:
        value = str(proposal["value"])
        return check_http_url(value) if value else ""

    # -- playback -----------------------------------------------------------------------------

    def play(self) -> None:
        """Start playback in every view (browsers may mute to allow it without a click)."""
        self.playing = True

    def pause(self) -> None:
        self.playing = False

    def seek(self, t: float) -> None:
        """Jump to ``t`` seconds."""
        t = max(0.0, float(t))
        self.current_time = t
        # An explicit message too: if current_time already equals t, no change event is sent.
        self.send({"type": "seek", "t": t})

    # -- bytes on demand ----------------------------------------------------------------------

    def _on_custom_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("type") != "get":
            return
        rid = str(content.get("rid", ""))
        what = content.get("what")
        if content.get("source") != self.source_id:
            self.send({"type": "error", "rid": rid, "message": "the source changed"})
            return
        if what == "video":
            file, fallback = self._path, "video/mp4"
        elif what == "poster":
            file, fallback = self._poster, "image/jpeg"
        else:
            return
        if file is None:
            self.send({"type": "error", "rid": rid, "message": f"no {what} to send"})
            return
        try:
            send_file(self, file, rid, _mime(file, fallback))
        except OSError as exc:
            self.send(
                {"type": "error", "rid": rid, "message": f"could not read {file.name}: {exc}"}
            )

    def __repr__(self) -> str:
        if self._path is not None:
            source = f"file={str(self._path)!r}"
        elif self.src_url:
            source = f"url={self.src_url!r}"
        else:
            source = "empty"
        return (
            f"VideoPlayer({source}, playing={self.playing}, current_time={self.current_time:.1f})"
        )
