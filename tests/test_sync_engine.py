"""One synchronized-playback engine, shipped in both the Comparison widget and the HTML export."""

from __future__ import annotations

import re
from pathlib import Path

from tests.experiments._helpers import add_finished
from vidwidgets._sync_engine import sync_engine_js
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
    assert esm.startswith(sync_engine_js())
    assert "createSyncEngine({" in esm


def test_the_export_inlines_the_same_engine_in_its_one_script(tmp_path: Path) -> None:
    exp = ExperimentStore(tmp_path / "runs").experiment("sync")
    add_finished(exp, VideoRequest(model="viduq1", prompt="a fox", seed=1), frames=12)
    page = export_html(exp, tmp_path / "report.html").read_text("utf-8")
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert len(scripts) == 1
    assert scripts[0].startswith(sync_engine_js())


def test_the_drift_correction_is_written_once() -> None:
    sources = [p for p in PACKAGE.rglob("*.js") if NUDGE in p.read_text("utf-8")]
    assert sources == [PACKAGE / "_sync_engine.js"]


def test_the_engine_parses_no_text_as_html() -> None:
    code = "\n".join(
        line for line in sync_engine_js().splitlines() if not line.lstrip().startswith("//")
    )
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|</script", code)
