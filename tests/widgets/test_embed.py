"""What a saved notebook would hold: ``embed_data()`` of every widget has no key, no video bytes.

nbclient (``nbconvert --execute``, papermill) saves every synced trait by default, so this is
the state that would land in the .ipynb.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from ipywidgets.embed import dependency_state, embed_data

from vidwidgets.apps import Studio
from vidwidgets.client import VideoClient
from vidwidgets.simulator import Simulator
from vidwidgets.widgets import JobProgress, ParameterForm, VideoPlayer

from ._comm import from_browser_custom, from_browser_update

SECRET = "sk-embed-test-secret-0123456789"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
async def studio(tmp_path: Path) -> AsyncIterator[Studio]:
    """A Studio that generated a video, had a key typed in and an image uploaded."""
    async with (
        Simulator(speed=200, video_scale=0.25, fps=12) as sim,
        VideoClient(
            base_url=sim.base_url,
            api_key=sim.api_key,
            output_dir=tmp_path,
            time_scale=1 / 200,
            journal=False,
        ) as client,
    ):
        studio = Studio(client, model="viduq1", prompt="a red fox running through snow")
        await asyncio.wait_for(studio.generate(), 60)
        await asyncio.sleep(0)
        player = studio.player
        from_browser_custom(
            player, {"type": "get", "what": "video", "source": player.source_id, "rid": "r"}
        )
        studio.open_connection()
        from_browser_update(studio.key_field, value=SECRET)
        studio.form.image_upload.value = (
            {
                "name": "frame.png",
                "type": "image/png",
                "size": len(PNG),
                "content": memoryview(PNG),
                "last_modified": datetime.now(timezone.utc),
            },
        )
        yield studio


def saved_text(*views: object) -> str:
    data = embed_data(views=list(views), state=dependency_state(list(views)))
    return json.dumps(data["manager_state"])


def assert_clean(text: str, video: Path | None = None) -> None:
    assert SECRET not in text
    assert "ftyp" not in text
    assert "data:video" not in text
    if video is not None:
        head = base64.b64encode(video.read_bytes()[:48]).decode()[:40]
        assert head not in text


async def test_studio_state_holds_no_key_and_no_video(studio: Studio) -> None:
    text = saved_text(studio)
    assert_clean(text, studio.runs[0].path)
    assert base64.b64encode(PNG).decode()[:40] not in text  # the upload was cleared too
    assert studio.player.source_id in text  # the state was really collected


async def test_studio_state_stays_small(studio: Studio) -> None:
    # nbclient saves this into the notebook; the notebook suite allows 200 kB in all
    assert len(saved_text(studio)) < 150_000


def test_each_widget_alone_is_clean(tmp_path: Path) -> None:
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 4096)
    player = VideoPlayer.from_file(video)
    progress = JobProgress(title="a fox")
    form = ParameterForm(model="kling-v1", prompt="a fox")
    for widget in (player, progress, form):
        assert_clean(saved_text(widget), video)
