"""The browser harness itself works: widgets round-trip through the kernel, and video plays.

A tiny notebook written into the server's root holds an ``ipywidgets.Button`` that updates a
``Label`` from its Python ``on_click`` handler, and an HTML5 ``<video>`` of an H.264 MP4 that the
test renders with PyAV. If these pass and a Studio test fails, the Studio is at fault, not the
harness.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import nbformat
import numpy as np
import pytest
from playwright.sync_api import Page, expect

from ._jupyter import JupyterServer, open_notebook, run_all_cells

pytestmark = pytest.mark.browser

NOTEBOOK = "harness.ipynb"
CLIP = "clip.mp4"
CLIP_SIZE = (320, 240)

BUTTON_CELL = """\
import ipywidgets as widgets

clicks = 0
label = widgets.Label("not clicked yet")
label.add_class("harness-label")
button = widgets.Button(description="Click me")
button.add_class("harness-button")


def on_click(_):
    global clicks
    clicks += 1
    label.value = f"clicked {clicks} time(s), answered by the kernel"


button.on_click(on_click)
widgets.VBox([button, label])
"""

VIDEO_CELL = f"""\
from IPython.display import Video

Video("{CLIP}", embed=False, width={CLIP_SIZE[0]}, html_attributes="controls muted loop")
"""


def render_clip(path: Path, seconds: float = 3.0, fps: int = 24) -> None:
    """Write a small H.264 MP4 (a moving gradient) that Chromium can decode."""
    width, height = CLIP_SIZE
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, fps)
        x = np.arange(width, dtype=np.uint16)[None, :]
        y = np.arange(height, dtype=np.uint16)[:, None]
        for i in range(int(seconds * fps)):
            rgb = np.empty((height, width, 3), dtype=np.uint8)
            rgb[..., 0] = (x + 4 * i) % 256
            rgb[..., 1] = (y + 2 * i) % 256
            rgb[..., 2] = 128
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def write_notebook(path: Path, *sources: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nb, path)


def write_harness(root: Path) -> str:
    render_clip(root / CLIP)
    write_notebook(root / NOTEBOOK, BUTTON_CELL, VIDEO_CELL)
    return NOTEBOOK


@pytest.fixture
def harness_notebook(lab: JupyterServer) -> str:
    return write_harness(lab.root)


def test_button_click_round_trips_through_the_kernel(
    page: Page, lab: JupyterServer, harness_notebook: str
) -> None:
    open_notebook(page, lab, harness_notebook)
    run_all_cells(page)
    label = page.locator(".harness-label")
    expect(label).to_have_text("not clicked yet")

    page.locator(".harness-button").click()

    expect(label).to_have_text("clicked 1 time(s), answered by the kernel")


def test_video_output_really_plays(page: Page, lab: JupyterServer, harness_notebook: str) -> None:
    open_notebook(page, lab, harness_notebook)
    run_all_cells(page)
    video = page.locator(".jp-OutputArea-output video").first
    expect(video).to_be_visible()

    video.evaluate("(v) => v.play()")

    # HAVE_CURRENT_DATA or better: a frame is decoded and can be shown
    page.wait_for_function("(v) => v.readyState >= 2", arg=video.element_handle())
    start = video.evaluate("(v) => v.currentTime")
    page.wait_for_function(
        "([v, start]) => !v.paused && v.currentTime > start + 0.25",
        arg=[video.element_handle(), start],
    )
    assert video.evaluate("(v) => [v.videoWidth, v.videoHeight]") == list(CLIP_SIZE)


def test_button_click_round_trips_in_notebook7(page: Page, notebook7: JupyterServer) -> None:
    open_notebook(page, notebook7, write_harness(notebook7.root))
    run_all_cells(page)

    page.locator(".harness-button").click()

    expect(page.locator(".harness-label")).to_have_text("clicked 1 time(s), answered by the kernel")
