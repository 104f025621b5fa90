"""``vidwidgets`` as a user runs it: a subprocess, exit codes, files, resume after a crash."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import av
import pytest

from tests.cli.conftest import API_KEY, Cli
from tests.experiments._helpers import add_finished
from vidwidgets.client import VideoRequest
from vidwidgets.experiments import ExperimentStore
from vidwidgets.simulator import Simulator

COMPARE = [
    "compare",
    "--model",
    "viduq1",
    "--prompt",
    "a red fox",
    "--prompt",
    "a grey wolf",
    "--seed",
    "1",
    "--seed",
    "2",
]
N_CELLS = 4


def manifest(cli: Cli) -> dict:
    [path] = cli.runs_dir.glob("*/manifest.json")
    return json.loads(path.read_text())


def posts(sim: Simulator) -> list[str | None]:
    return [r.task_id for r in sim.requests if r.method == "POST"]


def test_a_validation_error_exits_2_naming_the_field_and_sends_nothing(
    cli: Cli, sim: Simulator
) -> None:
    result = cli.run("generate", "--model", "sora-2", "--prompt", "a fox", "--duration", "7")
    assert result.returncode == 2
    assert "duration=7 is not allowed for sora-2" in result.stderr
    assert "4, 8 or 12" in result.stderr
    assert sim.requests == []


def test_a_missing_argument_exits_2(cli: Cli) -> None:
    result = cli.run("compare", "--model", "viduq1")
    assert result.returncode == 2
    assert "--prompt" in result.stderr


def test_there_is_no_api_key_flag(cli: Cli) -> None:
    result = cli.run("generate", "--model", "viduq1", "--prompt", "x", "--api-key", "sk-1")
    assert result.returncode == 2
    assert "unrecognized arguments: --api-key" in result.stderr


def test_generate_saves_the_video_and_exits_0(cli: Cli) -> None:
    result = cli.run(
        "generate", "--model", "viduq1", "--prompt", "a red fox", "--seed", "3", "--out", "fox.mp4"
    )
    assert result.returncode == 0, result.stderr
    with av.open(str(cli.home / "fox.mp4")) as container:
        assert container.streams.video[0].codec_context.name == "h264"
    assert "video: fox.mp4" in result.stdout


def test_compare_writes_the_report_and_the_grid_video(cli: Cli) -> None:
    result = cli.run(
        *COMPARE, "--experiment", "fox", "--out", "report.html", "--grid-video", "grid.mp4"
    )
    assert result.returncode == 0, result.stderr
    report = (cli.home / "report.html").read_text()
    assert report.count('<video class="vw-video"') == N_CELLS
    assert API_KEY not in report
    assert API_KEY not in (cli.runs_dir / "fox" / "manifest.json").read_text()
    with av.open(str(cli.home / "grid.mp4")) as container:
        frame = next(container.decode(video=0))
    # 2x2 tiles of the simulator's 0.1-scaled Vidu video (192x108) with 28 px captions
    assert (frame.width, frame.height) == (2 * 192, 2 * (108 + 28))


def test_running_compare_again_loads_everything_from_disk(cli: Cli, sim: Simulator) -> None:
    assert cli.run(*COMPARE, "--out", "r.html").returncode == 0
    before = len(sim.requests)
    again = cli.run(*COMPARE, "--out", "r.html")
    assert again.returncode == 0
    assert len(sim.requests) == before
    assert again.stdout.count("from disk") == N_CELLS


def test_piped_output_is_one_plain_line_per_event(cli: Cli) -> None:
    result = cli.run(*COMPARE)
    assert "\x1b[" not in result.stdout
    assert result.stdout.count("succeeded") >= N_CELLS
    assert f"[{N_CELLS}/{N_CELLS}]" in result.stdout


def test_a_terminal_gets_one_line_per_cell_redrawn(cli: Cli) -> None:
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        cli.argv(*COMPARE), cwd=cli.home, env=cli.env(), stdout=follower, stderr=subprocess.PIPE
    )
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            break
        try:
            data = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(30)
    os.close(leader)
    out = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0
    assert f"\x1b[{N_CELLS}F" in out  # cursor back up over the cell lines
    assert "\x1b[2K" in out


def test_failed_cells_exit_1(tmp_path: Path) -> None:
    sim = Simulator(
        dialect="newapi", failure_rate=1.0, speed=100, video_scale=0.1, fps=8, refresh_period=1
    ).start()
    try:
        result = Cli(sim, tmp_path).run("generate", "--model", "viduq1", "--prompt", "a fox")
    finally:
        sim.stop()
    assert result.returncode == 1
    assert "failed" in result.stderr


def test_runs_usage_list_and_prune(cli: Cli) -> None:
    assert cli.run(*COMPARE, "--experiment", "kept", "--reference", "nb.ipynb").returncode == 0
    old = ExperimentStore(cli.runs_dir).experiment("old")  # a finished run nobody uses
    add_finished(old, VideoRequest(model="viduq1", prompt="a hare", seed=1), age=60)
    usage = cli.run("runs", "usage")
    assert usage.returncode == 0
    assert "kept" in usage.stdout
    assert "old" in usage.stdout
    assert "total" in usage.stdout
    listing = cli.run("runs", "list", "kept")
    assert listing.stdout.count("succeeded") == N_CELLS
    pruned = cli.run("runs", "prune", "--older-than", "0s")
    assert pruned.returncode == 0, pruned.stderr
    assert "removed 1 runs" in pruned.stdout
    assert f"kept {N_CELLS} referenced runs" in pruned.stdout
    assert " kB freed" in pruned.stdout
    assert not list((cli.runs_dir / "old" / "videos").glob("*.mp4"))
    assert len(list((cli.runs_dir / "kept" / "videos").glob("*.mp4"))) == N_CELLS


def test_prune_without_a_limit_is_a_usage_error(cli: Cli) -> None:
    result = cli.run("runs", "prune")
    assert result.returncode == 2
    assert "--older-than" in result.stderr


def _wait_for_ids(cli: Cli, proc: subprocess.Popen[str], n: int, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            data = manifest(cli)
        except (ValueError, json.JSONDecodeError):  # no manifest yet
            data = {"runs": []}
        if sum(1 for r in data["runs"] if r.get("job_id")) >= n:
            return data
        time.sleep(0.05)
    raise AssertionError("the manifest never showed every task id")


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_says_how_to_resume(slow_cli: Cli, slow_sim: Simulator) -> None:
    proc = slow_cli.start(*COMPARE, "--experiment", "fox")
    _wait_for_ids(slow_cli, proc, N_CELLS)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Run the same command again to resume" in err
    data = manifest(slow_cli)
    assert [r["status"] for r in data["runs"]] == ["queued"] * N_CELLS
    assert all(r["job_id"] for r in data["runs"])


@pytest.mark.slow
def test_crash_resume_after_sigkill_creates_exactly_one_task_per_cell(
    slow_cli: Cli, slow_sim: Simulator
) -> None:
    proc = slow_cli.start(*COMPARE, "--experiment", "fox", "--out", "report.html")
    first = _wait_for_ids(slow_cli, proc, N_CELLS)
    proc.kill()  # SIGKILL: no cleanup, no handler runs
    proc.wait(10)
    ids = {r["job_id"] for r in first["runs"]}

    result = slow_cli.run(*COMPARE, "--experiment", "fox", "--out", "report.html", timeout=90)

    assert result.returncode == 0, result.stderr
    assert result.stdout.count("resumed") >= N_CELLS
    created = posts(slow_sim)
    assert len(created) == N_CELLS
    assert slow_sim.create_count == N_CELLS
    per_cell = Counter((t.body.get("prompt"), t.seed) for t in slow_sim.tasks.values())
    assert len(per_cell) == N_CELLS
    assert set(per_cell.values()) == {1}  # exactly one create per cell
    data = manifest(slow_cli)
    assert {r["job_id"] for r in data["runs"]} == ids
    assert [r["status"] for r in data["runs"]] == ["succeeded"] * N_CELLS
    assert not list(slow_cli.runs_dir.rglob("*.part"))


def test_no_key_uses_the_embedded_simulator(tmp_path: Path) -> None:
    cli = Cli(None, tmp_path)
    result = cli.run(
        "generate",
        "--model",
        "viduq1",
        "--prompt",
        "a red fox",
        "--seed",
        "1",
        VIDWIDGETS_SIM_SPEED="200",
        VIDWIDGETS_SIM_VIDEO_SCALE="0.1",
    )
    assert result.returncode == 0, result.stderr
    assert "embedded simulator" in result.stderr
    assert list(cli.runs_dir.glob("generate/videos/*.mp4"))


def test_runs_export_writes_a_report_and_a_grid_of_a_stored_experiment(
    cli: Cli, sim: Simulator
) -> None:
    exp = ExperimentStore(cli.runs_dir).experiment("stored")
    for prompt in ("a fox", "a wolf"):
        add_finished(exp, VideoRequest(model="viduq1", prompt=prompt, seed=1))
    result = cli.run("runs", "export", "stored", "--out", "s.html", "--grid-video", "s.mp4")
    assert result.returncode == 0, result.stderr
    assert (cli.home / "s.html").read_text().count('<video class="vw-video"') == 2
    with av.open(str(cli.home / "s.mp4")) as container:
        assert container.streams.video[0].codec_context.width == 2 * 64
    assert sim.requests == []


def test_an_unknown_experiment_is_a_usage_error(cli: Cli) -> None:
    result = cli.run("runs", "list", "nope")
    assert result.returncode == 2
    assert "experiment='nope'" in result.stderr


def test_fit_counts_wide_characters_twice() -> None:
    from vidwidgets.cli import _fit, _printable

    assert _fit("狐狸在雪中", 5) == "狐狸"
    assert _printable("a\x1b[2Jb") == "a\N{REPLACEMENT CHARACTER}[2Jb"


def test_long_captions_keep_their_differing_tail() -> None:
    from vidwidgets.cli import _elide

    caption = "model=kling-v1 · a red fox running through fresh snow at dusk · seed=7"
    short = _elide(caption, 48)
    assert len(short) == 48
    assert short.startswith("model=kling-v1 · a red")
    assert short.endswith("seed=7")
    assert _elide("short", 48) == "short"


def test_compare_with_seeds_on_a_model_that_ignores_them_exits_2_and_sends_nothing(
    cli: Cli, sim: Simulator
) -> None:
    result = cli.run(
        "compare", "--model", "kling-v1", "--prompt", "a fox", "--seed", "1", "--seed", "2"
    )
    assert result.returncode == 2
    assert "kling-v1" in result.stderr
    assert "samples=n" in result.stderr
    assert sim.requests == []


def test_compare_samples_runs_each_take_as_its_own_create(cli: Cli, sim: Simulator) -> None:
    result = cli.run("compare", "--model", "kling-v1", "--prompt", "a fox", "--samples", "2")
    assert result.returncode == 0, result.stderr
    assert len(posts(sim)) == 2
    runs = manifest(cli)["runs"]
    assert [r["take"] for r in runs] == [1, 2]
    assert all("seed" not in r["request"] for r in runs)


def test_compare_sends_one_seed_only_to_the_models_that_honour_it(cli: Cli, sim: Simulator) -> None:
    result = cli.run(
        "compare", "--model", "kling-v1", "--model", "viduq1", "--prompt", "a fox", "--seed", "7"
    )
    assert result.returncode == 0, result.stderr
    seeds = {r["request"]["model"]: r["request"].get("seed") for r in manifest(cli)["runs"]}
    assert seeds == {"kling-v1": None, "viduq1": 7}
