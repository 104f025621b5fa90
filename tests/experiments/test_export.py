"""The HTML report and the grid video."""

from __future__ import annotations

import html.parser
import re
from pathlib import Path

import av
import pytest

from tests.experiments._helpers import add_finished
from vidwidgets.client import VideoRequest
from vidwidgets.experiments import Experiment, ExperimentStore, RunCost, RunRecord
from vidwidgets.export import export_grid_video, export_html

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
VOID = {"meta", "input", "br", "img", "source", "link", "hr"}


class _Checker(html.parser.HTMLParser):
    """Collects tags, checks nesting, and records every src/poster/href value."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.urls: list[str] = []
        self.scripts = 0
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        for name, value in attrs:
            if name in ("src", "poster", "href"):
                self.urls.append(value or "")
            if name.startswith("on"):
                self.errors.append(f"event handler attribute {name} on <{tag}>")
        if tag == "script":
            self.scripts += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


def check(text: str) -> _Checker:
    checker = _Checker()
    checker.feed(text)
    checker.close()
    return checker


@pytest.fixture
def experiment(tmp_path: Path) -> Experiment:
    exp = ExperimentStore(tmp_path / "runs").experiment("fox")
    add_finished(exp, VideoRequest(model="viduq1", prompt="a red fox", seed=1), frames=12)
    add_finished(exp, VideoRequest(model="viduq1", prompt="a grey wolf", seed=1), frames=24)
    return exp


def test_report_is_well_formed_and_embeds_the_videos(
    experiment: Experiment, tmp_path: Path
) -> None:
    out = export_html(experiment, tmp_path / "report.html")
    text = out.read_text()
    checker = check(text)
    assert checker.errors == []
    assert checker.stack == []
    assert checker.scripts == 1
    videos = [a for t, a in checker.tags if t == "video"]
    assert len(videos) == 2
    assert all((a["src"] or "").startswith("data:video/mp4;base64,") for a in videos)
    assert "a red fox" in text
    assert "a grey wolf" in text
    assert "Parameters and timings" in text


def test_report_links_videos_by_relative_path(experiment: Experiment, tmp_path: Path) -> None:
    out = export_html(experiment, experiment.path / "report.html", videos="link")
    srcs = [a["src"] for t, a in check(out.read_text()).tags if t == "video"]
    assert srcs == [r.file for r in experiment.records]
    for src in srcs:
        assert src is not None
        assert (out.parent / src).is_file()


def test_report_copies_videos_beside_itself(experiment: Experiment, tmp_path: Path) -> None:
    out = export_html(experiment, tmp_path / "share" / "report.html", videos="copy")
    srcs = [a["src"] for t, a in check(out.read_text()).tags if t == "video"]
    assert all(s is not None and s.startswith("report_files/") for s in srcs)
    assert all((out.parent / str(s)).is_file() for s in srcs)


def test_hostile_strings_are_escaped_everywhere(tmp_path: Path) -> None:
    exp = ExperimentStore(tmp_path).experiment(HOSTILE)
    add_finished(
        exp,
        VideoRequest(model="viduq1", prompt=HOSTILE, seed=1),
        label=HOSTILE,
        job_id=HOSTILE,
        note=HOSTILE,
    )
    exp.put(
        RunRecord(
            key=HOSTILE,
            fingerprint="f",
            label="failed " + HOSTILE,
            request={"model": "viduq1", "prompt": HOSTILE},
            job_id="../../" + HOSTILE,
            status="failed",
            error={"code": HOSTILE, "message": HOSTILE},
            file="javascript:alert(1)",
        )
    )
    text = export_html(exp, tmp_path / "r.html", videos="link").read_text()
    checker = check(text)
    assert checker.errors == []
    assert checker.scripts == 1  # only our player
    assert "<img" not in text
    assert "<script>alert" not in text
    assert text.count("&lt;script&gt;") >= 5
    for url in checker.urls:
        assert url.startswith("data:video/mp4;base64,") or re.fullmatch(
            r"[A-Za-z0-9._%/-]+", url
        ), url
        assert ":" not in url or url.startswith("data:video/mp4;base64,")


def test_the_only_script_is_allowed_by_hash_in_the_csp(
    experiment: Experiment, tmp_path: Path
) -> None:
    text = export_html(experiment, tmp_path / "r.html").read_text()
    metas = [a for t, a in check(text).tags if t == "meta" and a.get("http-equiv")]
    policy = str(metas[0]["content"])
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert re.fullmatch(r"'sha256-[A-Za-z0-9+/=]{44}'", directives["script-src"])


def test_report_contains_no_key_or_credentials(tmp_path: Path) -> None:
    key = "sk-distinctive-KEY-4242"
    exp = ExperimentStore(tmp_path).experiment("fox")
    add_finished(
        exp,
        VideoRequest(model="viduq1", prompt="a fox", seed=1),
        server="https://api.example.com/v1",
    )
    text = export_html(exp, tmp_path / "r.html").read_text()
    assert key not in text
    assert key not in (exp.path / "manifest.json").read_text()


def test_grid_video_decodes_to_the_tiled_size(experiment: Experiment, tmp_path: Path) -> None:
    add_finished(experiment, VideoRequest(model="viduq1", prompt="a hare", seed=1), frames=6)
    out = export_grid_video(experiment, tmp_path / "grid.mp4", columns=2, cell_width=64)
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    # 2 columns x 2 rows of 64x48 tiles, each with a 28 px caption strip
    assert frames[0].shape == (2 * (48 + 28), 128, 3)
    assert len(frames) == 24  # the longest input (24 frames at 12 fps)
    # the 12-frame video holds its last (brightest) frame; the 6-frame one too, in row 2
    last = frames[-1]
    assert last[20, 20].mean() > 150  # cell 0: held frame 11 (grey ~220)
    assert last[76 + 20, 20].mean() > 80  # cell 2: held frame 5 (grey ~100)


def test_grid_video_is_faststart(experiment: Experiment, tmp_path: Path) -> None:
    data = export_grid_video(experiment, tmp_path / "grid.mp4").read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")


def test_grid_video_shows_a_failed_cell_as_a_placeholder(
    experiment: Experiment, tmp_path: Path
) -> None:
    experiment.put(
        RunRecord(
            key="bad",
            fingerprint="b",
            request={"model": "viduq1", "prompt": "x"},
            status="failed",
            error={"code": "task_failed", "message": "content filter"},
        )
    )
    out = export_grid_video(experiment, tmp_path / "grid.mp4", columns=3, cell_width=64)
    with av.open(str(out)) as container:
        first = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert first.shape == (48 + 28, 192, 3)
    assert first[40, 128 + 60][0] > first[40, 128 + 60][2]  # the reddish placeholder tile
    assert not list(tmp_path.glob("*.part"))


def cost_cells(text: str) -> list[str]:
    return re.findall(r'<div class="vw-cost"[^>]*>([^<]*)</div>', text)


def test_each_cell_shows_its_cost_and_the_page_the_total(tmp_path: Path) -> None:
    exp = ExperimentStore(tmp_path / "runs").experiment("costs")
    sora = "sora-2: $0.10 per second × 4 s × group default 1 = $0.40"
    add_finished(
        exp,
        VideoRequest(model="sora-2", prompt="a red fox"),
        cost=RunCost(0.4, sora, 0.4, {"seconds": 4.0}),
    )
    add_finished(
        exp,
        VideoRequest(model="viduq1", prompt="a grey wolf", seed=1),
        cost=RunCost(0.2, "viduq1: $0.20 per call × group default 1 = $0.20"),
    )
    text = export_html(exp, tmp_path / "report.html", videos="link").read_text()
    assert cost_cells(text) == ["$0.40 estimated, $0.40 charged", "$0.20 estimated"]
    assert f'title="{sora}"' in text  # the basis, on hover
    assert "Cost: $0.60 estimated, $0.40 charged + 1 not reported (2 runs)" in text
    assert "<th>cost basis</th>" in text


def test_a_refunded_cell_shows_zero_charged(tmp_path: Path) -> None:
    exp = ExperimentStore(tmp_path / "runs").experiment("refund")
    exp.put(
        RunRecord(
            key="k",
            fingerprint="k",
            request={"model": "sora-2", "prompt": "a fox"},
            job_id="task_1",
            status="failed",
            cost=RunCost(0.4, "sora-2: …").refund(),
        )
    )
    text = export_html(exp, tmp_path / "r.html").read_text()
    assert cost_cells(text) == ["$0.40 estimated, refunded ($0.00 charged)"]
    assert "refunded ($0.00)" in text
    assert "Cost: $0.00 estimated, $0.00 charged (1 run)" in text


def test_a_report_of_runs_without_costs_has_no_cost_columns(
    experiment: Experiment, tmp_path: Path
) -> None:
    text = export_html(experiment, tmp_path / "r.html").read_text()
    assert "<th>estimate</th>" not in text
    assert cost_cells(text) == ["cost not recorded"] * 2


def test_a_hostile_cost_basis_is_escaped(tmp_path: Path) -> None:
    exp = ExperimentStore(tmp_path / "runs").experiment("hostile")
    add_finished(
        exp,
        VideoRequest(model="viduq1", prompt="a fox", seed=1),
        cost=RunCost(None, HOSTILE + '" onmouseover="alert(1)'),
    )
    text = export_html(exp, tmp_path / "r.html").read_text()
    checker = check(text)
    assert checker.errors == []
    assert "<script>alert" not in text
    assert "&lt;script&gt;" in text
