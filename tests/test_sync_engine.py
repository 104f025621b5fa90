"""One synchronized-playback engine, shipped in both the Comparison widget and the HTML export."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.experiments._helpers import add_finished
from vidwidgets._sync_engine import compact_js, sync_engine_js
from vidwidgets.apps import Comparison
from vidwidgets.client import VideoRequest
from vidwidgets.experiments import ExperimentStore
from vidwidgets.export import export_html

PACKAGE = Path(__file__).resolve().parents[1] / "vidwidgets"
#: a line of the drift correction: it may be written only in the engine
NUDGE = "rate * (1 - nudge)"


def test_the_comparison_widget_front_end_starts_with_the_engine() -> None:
    esm = Comparison._esm
    assert isinstance(esm, str)
    assert esm.startswith(compact_js(sync_engine_js()))  # saved without its comment lines
    assert "createSyncEngine({" in esm


def test_the_export_inlines_the_same_engine_in_its_one_script(tmp_path: Path) -> None:
    exp = ExperimentStore(tmp_path / "runs").experiment("sync")
    add_finished(exp, VideoRequest(model="viduq1", prompt="a fox", seed=1), frames=12)
    page = export_html(exp, tmp_path / "report.html").read_text("utf-8")
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert len(scripts) == 1
    assert scripts[0].startswith(compact_js(sync_engine_js()))


def test_the_drift_correction_is_written_once() -> None:
    sources = [p for p in PACKAGE.rglob("*.js") if NUDGE in p.read_text("utf-8")]
    assert sources == [PACKAGE / "_sync_engine.js"]


def test_the_engine_parses_no_text_as_html() -> None:
    code = "\n".join(
        line for line in sync_engine_js().splitlines() if not line.lstrip().startswith("//")
    )
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|</script", code)


# -- the engine itself, run in Node on stand-in videos (no browser needed) ---------------------

NODE = shutil.which("node")
#: the machine's Node.js runs these; on CI a missing node is a failure, never a quiet skip
needs_node = pytest.mark.skipif(
    NODE is None and os.environ.get("CI", "").lower() not in {"1", "true", "yes"},
    reason="node is not installed",
)
#: a <video> stand-in: seeks land at once, as they do on a paused, fully buffered video
FAKE_VIDEO_JS = """
globalThis.document = { hidden: true };
globalThis.window = {};
class FakeVideo {
  constructor(duration) {
    Object.assign(this, { duration, currentTime: 0, seeking: false, paused: true });
    Object.assign(this, { muted: false, loop: true, playbackRate: 1 });
  }
  pause() { this.paused = true; }
  play() { this.paused = false; return Promise.resolve(); }
  addEventListener() {}
  removeEventListener() {}
}
const settle = () => new Promise((r) => setTimeout(r, 5));
"""


def run_engine(script: str) -> Any:
    """Run ``script`` after the engine and the stand-in; it ends with ``out(value)``."""
    assert NODE is not None
    program = (
        f"{sync_engine_js()}\n{FAKE_VIDEO_JS}\n"
        "const out = (v) => process.stdout.write(JSON.stringify(v));\n"
        f"(async () => {{\n{script}\n}})();\n"
    )
    done = subprocess.run(
        [NODE, "-e", program], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


ENGINE_12FPS = """
const a = new FakeVideo(4), b = new FakeVideo(4);
let offsetB = 0;
const engine = createSyncEngine({
  videos: () => [a, b], frame: () => 1 / 12, offset: (v) => (v === b ? offsetB : 0),
});
"""


def key(name: str, *, shift: bool = False, target: str = "{tagName: 'DIV'}") -> str:
    return f"{{key: {json.dumps(name)}, shiftKey: {json.dumps(shift)}, target: {target}}}"


@needs_node
def test_a_frame_step_lands_on_the_centre_of_the_next_frame() -> None:
    times = run_engine(
        ENGINE_12FPS
        + "await engine.seek(1.0); engine.step(1); await settle(); out(engine.times());"
    )
    assert times == pytest.approx([13.5 / 12, 13.5 / 12], abs=1e-5)


@needs_node
def test_ten_frames_back_then_the_last_frame_is_as_far_as_a_step_goes() -> None:
    result = run_engine(
        ENGINE_12FPS
        + """
        await engine.seek(2.0); engine.step(-10); await settle();
        const back = engine.position().frame;
        engine.step(1000); await settle();
        out([back, engine.position().frame, engine.position().frames]);
        """
    )
    assert result == [14, 47, 48]  # frame 24 - 10; the last of 4 s at 12 fps


@needs_node
def test_the_position_names_the_frame_one_based() -> None:
    label = run_engine(
        ENGINE_12FPS + "await engine.seek(36.5 / 12); out(SyncFrames.label(engine.position()));"
    )
    assert label == "frame 37 / 48"


@needs_node
def test_an_unknown_frame_rate_is_assumed_and_the_label_says_so() -> None:
    label = run_engine(
        "const v = new FakeVideo(5);"
        "const engine = createSyncEngine({ videos: () => [v], frame: () => 0 });"
        "out(SyncFrames.label(engine.position()));"
    )
    assert label == "frame 1 / 120 (24 fps assumed)"


@needs_node
def test_an_offset_video_shows_the_timeline_plus_its_offset() -> None:
    times = run_engine(
        ENGINE_12FPS + "offsetB = 3 / 12; await engine.seek(1.0); out(engine.times());"
    )
    assert times == pytest.approx([1.0, 1.25])


@needs_node
def test_arrows_step_and_shift_arrows_step_ten_and_space_toggles() -> None:
    actions = run_engine(
        "out(["
        + ", ".join(
            f"SyncFrames.keyAction({k})"
            for k in (key("ArrowRight"), key("ArrowLeft"), key("ArrowRight", shift=True), key(" "))
        )
        + "]);"
    )
    assert actions == [{"step": 1}, {"step": -1}, {"step": 10}, {"toggle": True}]


@needs_node
@pytest.mark.parametrize(
    ("target", "name"),
    [
        ("{tagName: 'INPUT', type: 'text'}", "ArrowLeft"),
        ("{tagName: 'INPUT', type: 'range'}", "ArrowRight"),
        ("{tagName: 'INPUT', type: 'number'}", "ArrowRight"),
        ("{tagName: 'TEXTAREA'}", " "),
        ("{tagName: 'SELECT'}", "ArrowRight"),
        ("{tagName: 'DIV', isContentEditable: true}", " "),
        ("{tagName: 'BUTTON'}", " "),
        ("{tagName: 'DIV', getAttribute: () => 'slider'}", "ArrowRight"),
        ("{tagName: 'BUTTON', getAttribute: () => 'radio'}", "ArrowLeft"),
        # a take stack's buttons: ← → flip the takes there, not the frames
        ("{tagName: 'BUTTON', getAttribute: () => null, closest: () => ({})}", "ArrowRight"),
    ],
)
def test_keys_meant_for_a_field_or_a_button_are_left_to_it(target: str, name: str) -> None:
    assert run_engine(f"out(SyncFrames.keyAction({key(name, target=target)}));") is None


@needs_node
def test_a_handled_key_is_kept_from_jupyterlab() -> None:
    result = run_engine(
        ENGINE_12FPS
        + """
        const seen = [];
        const e = { key: "ArrowRight", target: { tagName: "DIV" },
          preventDefault: () => seen.push("default"), stopPropagation: () => seen.push("stop") };
        out([engine.handleKey(e), seen]);
        """
    )
    assert result == [True, ["default", "stop"]]


FRONT_ENDS = [
    PACKAGE / "_sync_engine.js",
    *sorted((PACKAGE / "apps").glob("*.js")),
    PACKAGE / "export" / "sync_player.js",
]


@pytest.mark.parametrize("path", FRONT_ENDS, ids=lambda p: p.name)
def test_no_front_end_has_a_multiline_template_literal(path: Path) -> None:
    # compact_js drops comment-only lines: inside a multi-line `...` they could be text
    code = "\n".join(
        line for line in path.read_text("utf-8").splitlines() if not line.lstrip().startswith("//")
    )
    literals = re.findall(r"`[^`]*`", code)
    assert not [lit for lit in literals if "\n" in lit]


def test_the_saved_front_end_has_no_comment_lines_but_the_same_code() -> None:
    from vidwidgets._sync_engine import with_sync_engine

    full = f"{sync_engine_js()}\nexport default {{}};"
    compact = with_sync_engine("export default {};")
    assert compact == compact_js(full)
    assert len(compact) < 0.9 * len(full)
    assert not [line for line in compact.splitlines() if line.strip().startswith("//")]
    assert "function createSyncEngine(" in compact
