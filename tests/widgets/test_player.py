"""VideoPlayer: playback state both ways, bytes only over custom messages, safe URLs only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vidwidgets.widgets import VideoPlayer
from vidwidgets.widgets._transfer import CHUNK_BYTES

from ._comm import customs, from_browser_custom, from_browser_update, sent


@pytest.fixture
def video(tmp_path: Path) -> Path:
    """A file larger than two chunks, starting like an MP4 (content is irrelevant here)."""
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(2 * CHUNK_BYTES + 12345))
    return path


@pytest.fixture
def poster(tmp_path: Path) -> Path:
    path = tmp_path / "thumb.jpg"
    path.write_bytes(b"\xff\xd8\xff" + os.urandom(5000))
    return path


def test_from_file_keeps_the_bytes_out_of_the_state(video: Path) -> None:
    player = VideoPlayer.from_file(video)
    state = player.get_state()
    assert state["filename"] == "clip.mp4"
    assert state["source_id"]
    assert state["src_url"] == ""
    assert not any(isinstance(v, (bytes, memoryview)) for v in state.values())
    assert player.path == video


def test_video_bytes_are_sent_in_chunks_when_the_browser_asks(video: Path) -> None:
    player = VideoPlayer.from_file(video)
    from_browser_custom(
        player, {"type": "get", "what": "video", "source": player.source_id, "rid": "r1"}
    )
    chunks = [(c, b) for c, b in customs(player) if c.get("type") == "chunk"]
    assert len(chunks) == 3
    assert [c["index"] for c, _ in chunks] == [0, 1, 2]
    assert all(c["rid"] == "r1" and c["count"] == 3 and c["mime"] == "video/mp4" for c, _ in chunks)
    assert all(len(b) == 1 for _, b in chunks)
    assert b"".join(b[0] for _, b in chunks) == video.read_bytes()
    assert max(len(b[0]) for _, b in chunks) <= CHUNK_BYTES


def test_poster_is_sent_on_request_too(video: Path, poster: Path) -> None:
    player = VideoPlayer.from_file(video, poster=poster)
    assert player.has_poster
    from_browser_custom(
        player, {"type": "get", "what": "poster", "source": player.source_id, "rid": "p"}
    )
    ((content, buffers),) = [(c, b) for c, b in customs(player) if c.get("type") == "chunk"]
    assert content["mime"] == "image/jpeg"
    assert buffers[0] == poster.read_bytes()


def test_a_request_for_an_old_source_gets_an_error_not_bytes(video: Path, tmp_path: Path) -> None:
    player = VideoPlayer.from_file(video)
    old = player.source_id
    other = tmp_path / "other.webm"
    other.write_bytes(b"\x1aE\xdf\xa3" + b"x" * 100)
    player.set_file(other)
    assert player.source_id != old
    from_browser_custom(player, {"type": "get", "what": "video", "source": old, "rid": "r"})
    assert [c["type"] for c, _ in customs(player)] == ["error"]


def test_no_message_ever_puts_bytes_in_a_state_update(video: Path) -> None:
    player = VideoPlayer.from_file(video)
    from_browser_custom(
        player, {"type": "get", "what": "video", "source": player.source_id, "rid": "r"}
    )
    for data, buffers in sent(player):
        if data.get("method") in ("update", "echo_update"):
            assert not buffers
            assert "ftyp" not in repr(data)


def test_play_pause_seek_from_python(video: Path) -> None:
    player = VideoPlayer.from_file(video)
    player.play()
    assert player.playing
    player.seek(2.5)
    assert player.current_time == 2.5
    assert {"type": "seek", "t": 2.5} in [c for c, _ in customs(player)]
    player.pause()
    assert not player.playing
    updates = [d["state"] for d, _ in sent(player, "update")]
    assert {"playing": True} in updates
    assert {"playing": False} in updates


def test_browser_reports_time_duration_and_playing(video: Path) -> None:
    player = VideoPlayer.from_file(video)
    from_browser_update(player, duration=4.0, playing=True, current_time=1.25)
    assert (player.duration, player.playing, player.current_time) == (4.0, True, 1.25)
    from_browser_update(player, muted=True, playback_rate=2.0, loop=True)
    assert player.muted
    assert player.loop
    assert player.playback_rate == 2.0


def test_from_url_plays_http_urls_directly() -> None:
    player = VideoPlayer.from_url("https://cdn.example.com/videos/fox.mp4")
    assert player.src_url == "https://cdn.example.com/videos/fox.mp4"
    assert player.filename == "fox.mp4"
    assert player.source_id == ""


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "data:video/mp4;base64,AAAA",
        "file:///etc/passwd",
        "ftp://example.com/a.mp4",
        "vbscript:msgbox",
        "//example.com/a.mp4",
        "https:///no-host.mp4",
        "https://example.com/a.mp4\njavascript:x",
        "blob:http://127.0.0.1/abc",
    ],
)
def test_unsafe_urls_are_rejected(url: str) -> None:
    with pytest.raises(ValueError, match="URL"):
        VideoPlayer.from_url(url)
    player = VideoPlayer()
    with pytest.raises(ValueError, match="URL"):  # the trait validates too: no back door
        player.src_url = url
    assert player.src_url == ""
    # nor can the browser side set it: refused and rolled back (ipywidgets logs the error)
    with pytest.raises(ValueError, match="URL"):
        player.set_state({"src_url": url})
    from_browser_update(player, src_url=url)
    assert player.src_url == ""


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        VideoPlayer.from_file(tmp_path / "nope.mp4")


def test_repr_is_short(video: Path) -> None:
    text = repr(VideoPlayer.from_file(video))
    assert text.startswith("VideoPlayer(file=")
    assert len(text) < 300


def test_clear_shows_the_placeholder(video: Path) -> None:
    player = VideoPlayer.from_file(video)
    player.clear("nothing yet")
    assert (player.source_id, player.placeholder, player.path) == ("", "nothing yet", None)
