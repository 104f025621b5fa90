"""A video that cannot be measured says why, in the package's own errors — never av's or cv2's."""

from __future__ import annotations

import pickle
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from tests.metrics.conftest import HEIGHT, WIDTH, texture, write_video
from vidwidgets.metrics import (
    TooFewFrames,
    UnreadableVideo,
    VideoNotFound,
    measure,
)


def test_a_missing_file_is_video_not_found(tmp_path: Path) -> None:
    with pytest.raises(VideoNotFound, match="does not exist") as info:
        measure(tmp_path / "nope.mp4")
    assert isinstance(info.value, FileNotFoundError)
    assert info.value.path == tmp_path / "nope.mp4"


def test_a_directory_is_not_a_video(tmp_path: Path) -> None:
    with pytest.raises(UnreadableVideo, match="directory"):
        measure(tmp_path)


def test_a_text_file_is_unreadable_and_named(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("not a video at all\n" * 20)
    with pytest.raises(UnreadableVideo, match=r"notes\.mp4 is not a video") as info:
        measure(path)
    assert isinstance(info.value, ValueError)
    assert not isinstance(info.value, av.error.FFmpegError)


def test_a_truncated_download_is_unreadable(tmp_path: Path) -> None:
    whole = write_video(tmp_path / "whole.mp4", [texture(WIDTH, HEIGHT)] * 12)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(UnreadableVideo, match=r"cut\.mp4"):
        measure(cut)


def test_an_audio_only_file_has_no_video_stream(tmp_path: Path) -> None:
    path = tmp_path / "tone.wav"
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("pcm_s16le", rate=8000, layout="mono")
        samples = (np.sin(np.arange(800) / 4) * 8000).astype(np.int16)[None, :]
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate, frame.time_base = 8000, Fraction(1, 8000)
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with pytest.raises(UnreadableVideo, match="no video stream"):
        measure(path)


def test_a_single_frame_says_which_metrics_need_two(tmp_path: Path) -> None:
    path = write_video(tmp_path / "one.mp4", [texture(WIDTH, HEIGHT)])
    with pytest.raises(TooFewFrames, match="only 1 frame") as info:
        measure(path)
    assert info.value.frames == 1
    for name in ("motion", "flicker", "frozen", "cuts", "loop_seam"):
        assert name in str(info.value)


def test_a_video_with_no_frames_has_nothing_to_measure(tmp_path: Path) -> None:
    path = tmp_path / "empty.avi"  # AVI keeps a video stream that never got a frame
    with av.open(str(path), mode="w", format="avi") as container:
        stream = container.add_stream("mpeg4", rate=24)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        container.start_encoding()
    with pytest.raises(TooFewFrames, match=r"empty\.avi has no decodable frames") as info:
        measure(path)
    assert info.value.frames == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": 8}, "size=8 is too small: use at least 32"),
        ({"max_frames": 1}, "max_frames=1 is too small: use at least 2"),
    ],
)
def test_an_out_of_range_option_names_the_field_and_the_limit(
    still: Path, kwargs: dict[str, int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        measure(still, **kwargs)


def test_an_option_of_the_wrong_type_is_a_type_error(still: Path) -> None:
    with pytest.raises(TypeError, match="size must be an int or None, not float"):
        measure(still, size=180.0)  # type: ignore[arg-type]


def test_an_error_survives_a_pickle_round_trip(tmp_path: Path) -> None:
    error = TooFewFrames("one.mp4 has only 1 frame", tmp_path / "one.mp4", 1)
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), str(again), again.path, again.frames) == (
        TooFewFrames,
        str(error),
        error.path,
        1,
    )
