"""The experiment folder: manifest, safe names, usage, pruning, records."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.experiments._helpers import add_finished
from vidwidgets.client import VideoRequest
from vidwidgets.experiments import (
    Experiment,
    ExperimentStore,
    RunRecord,
    public_server_url,
    safe_name,
)
from vidwidgets.experiments._paths import inside

HOSTILE_IDS = [
    "../../x",
    "/etc/passwd",
    "a/b",
    "nul\x00byte",
    "x" * 10_000,
    "..",
    ".",
    "",
    "CON",
    "é漢字",
]


def req(prompt: str = "a red fox in snow", seed: int | None = 1) -> VideoRequest:
    return VideoRequest(model="viduq1", prompt=prompt, seed=seed)


@pytest.mark.parametrize("task_id", HOSTILE_IDS)
def test_safe_name_never_leaves_the_folder(tmp_path: Path, task_id: str) -> None:
    name = safe_name(task_id)
    assert 0 < len(name) <= 80
    assert "/" not in name
    assert "\x00" not in name
    assert not name.startswith(".")
    target = inside(tmp_path, f"videos/{name}.mp4")
    assert tmp_path.resolve() in target.parents


def test_safe_name_keeps_distinct_ids_distinct() -> None:
    assert safe_name("a/b") != safe_name("a_b")
    assert safe_name("x" * 10_000) != safe_name("x" * 10_001)


@pytest.mark.parametrize("relative", ["../x", "/etc/passwd", "videos/../../x", "a\x00b"])
def test_inside_refuses_escaping_paths(tmp_path: Path, relative: str) -> None:
    with pytest.raises(ValueError, match="unsafe path"):
        inside(tmp_path, relative)


def test_manifest_is_written_atomically_and_reloads(tmp_path: Path) -> None:
    exp = ExperimentStore(tmp_path).experiment("fox")
    rec = add_finished(exp, req(), label="one")
    leftovers = [p.name for p in exp.path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    data = json.loads((exp.path / "manifest.json").read_text())
    assert data["format"] == "vidwidgets.experiment/1"
    assert data["runs"][0]["job_id"] == rec.job_id
    again = Experiment(exp.path)
    assert again.get(rec.key) == rec


def test_a_record_from_a_manifest_with_a_hostile_file_path_is_not_served(tmp_path: Path) -> None:
    exp = ExperimentStore(tmp_path).experiment("x")
    secret = tmp_path / "secret.mp4"
    secret.write_bytes(b"not yours")
    rec = add_finished(exp, req())
    exp.update(rec.key, file="../secret.mp4")
    assert exp.video_path(rec.key) is None


def test_two_processes_saving_the_same_experiment_keep_both_runs(tmp_path: Path) -> None:
    a = Experiment(tmp_path / "shared")
    b = Experiment(tmp_path / "shared")
    add_finished(a, req("first"))
    add_finished(b, req("second"))
    assert {r.request["prompt"] for r in Experiment(tmp_path / "shared").records} == {
        "first",
        "second",
    }


def test_rating_and_note_are_validated_and_saved(tmp_path: Path) -> None:
    exp = ExperimentStore(tmp_path).experiment("fox")
    rec = add_finished(exp, req())
    exp.rate(rec.key, 4)
    exp.annotate(rec.key, "best <b>fur</b>")
    with pytest.raises(ValueError, match="rating=6"):
        exp.rate(rec.key, 6)
    again = Experiment(exp.path).get(rec.key)
    assert again is not None
    assert (again.rating, again.note) == (4, "best <b>fur</b>")


def test_results_are_flat_records_and_a_dataframe(tmp_path: Path) -> None:
    exp = ExperimentStore(tmp_path).experiment("fox")
    add_finished(exp, req("a fox"), rating=5, note="good")
    add_finished(exp, req("a wolf"))
    rows = exp.results()
    assert [r["prompt"] for r in rows] == ["a fox", "a wolf"]
    assert rows[0]["rating"] == 5
    assert rows[0]["note"] == "good"
    assert rows[0]["status"] == "succeeded"
    assert Path(rows[0]["file"]).is_file()
    frame = exp.to_dataframe()
    assert list(frame["prompt"]) == ["a fox", "a wolf"]
    assert {"seed", "generation_seconds", "file", "rating", "note"} <= set(frame.columns)


def test_usage_per_experiment_and_total(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    a, b = store.experiment("a"), store.experiment("b")
    add_finished(a, req("one"))
    add_finished(b, req("two"), frames=24)
    usage = store.usage()
    assert usage.experiments["a"] == a.usage() > 0
    assert usage.experiments["b"] == b.usage() > 0
    assert usage.total_bytes == a.usage() + b.usage()


def test_a_hard_linked_file_counts_once_in_the_total(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    a, b = store.experiment("a"), store.experiment("b")
    rec = add_finished(a, req())
    video = a.video_path(rec)
    assert video is not None
    (b.path / "videos").mkdir(parents=True)
    os.link(video, b.path / "videos" / "same.mp4")
    b.put(
        RunRecord(
            key="k",
            fingerprint="f",
            request=rec.request,
            status="succeeded",
            file="videos/same.mp4",
        )
    )
    usage = store.usage()
    assert usage.total_bytes < usage.experiments["a"] + usage.experiments["b"]
    assert usage.total_bytes >= video.stat().st_size


def test_prune_keeps_referenced_runs_and_reports_freed_bytes(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    exp = store.experiment("fox")
    old = add_finished(exp, req("old"), age=40 * 86400)
    kept = add_finished(exp, req("old but used"), age=40 * 86400)
    new = add_finished(exp, req("new"))
    exp.reference("analysis.ipynb", [kept.key])
    old_file = exp.video_path(old)
    assert old_file is not None
    size = old_file.stat().st_size

    report = store.prune(older_than=30 * 86400)

    assert report.removed == [("fox", old.key)]
    assert report.freed_bytes == size
    assert ("fox", kept.key) in report.kept_referenced
    assert not old_file.exists()
    after = Experiment(exp.path)
    assert {r.key for r in after.records} == {kept.key, new.key}
    assert after.video_path(kept.key) is not None


def test_unreferencing_makes_a_run_prunable(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    exp = store.experiment("fox")
    rec = add_finished(exp, req(), age=10)
    exp.reference("nb.ipynb", [rec.key])
    assert store.prune().removed == []
    exp.reference("nb.ipynb", [])  # the notebook no longer shows this cell
    assert store.prune().removed == [("fox", rec.key)]


def test_prune_keep_protects_the_newest_runs(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    exp = store.experiment("fox")
    recs = [add_finished(exp, req(f"p{i}"), age=1000 - i) for i in range(4)]
    report = store.prune(keep=2)
    assert {k for _, k in report.removed} == {recs[0].key, recs[1].key}
    assert {r.key for r in Experiment(exp.path).records} == {recs[2].key, recs[3].key}


def test_prune_never_touches_pending_tasks(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    exp = store.experiment("fox")
    exp.put(
        RunRecord(
            key="p",
            fingerprint="f",
            request=req().to_dict(),
            job_id="task_1",
            status="queued",
            created_at=0,
        )
    )
    assert store.prune(older_than=0).removed == []
    assert exp.get("p") is not None


def test_prune_dry_run_changes_nothing(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    exp = store.experiment("fox")
    rec = add_finished(exp, req(), age=100)
    report = store.prune(older_than=10, dry_run=True)
    assert report.removed == [("fox", rec.key)]
    assert report.freed_bytes > 0
    assert exp.video_path(rec) is not None
    assert Experiment(exp.path).get(rec.key) is not None


def test_prune_removes_stale_partial_files(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    exp = store.experiment("fox")
    add_finished(exp, req())
    partial = exp.path / "videos" / "task_9.mp4.part"
    partial.write_bytes(b"half a video")
    os.utime(partial, (0, 0))
    fresh = exp.path / "videos" / "task_10.mp4.part"
    fresh.write_bytes(b"being downloaded right now")
    report = store.prune()
    assert report.partial_files_removed == 1
    assert not partial.exists()
    assert fresh.exists()


def test_public_server_url_drops_credentials() -> None:
    assert (
        public_server_url("https://u:sk-secret@h.example:8443/v1/?key=sk-secret#x")
        == "https://h.example:8443/v1"
    )
    assert public_server_url(None) is None


def test_an_experiment_name_with_slashes_stays_in_the_store(tmp_path: Path) -> None:
    exp = ExperimentStore(tmp_path).experiment("../../evil/name")
    assert exp.path.parent == tmp_path.absolute()
    assert exp.name == "../../evil/name"


def test_prune_removes_old_cells_that_never_got_a_task(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    exp = store.experiment("fox")
    exp.put(RunRecord(key="never", fingerprint="f", request=req().to_dict(), status="queued"))
    manifest = exp.path / "manifest.json"
    data = json.loads(manifest.read_text())
    data["runs"][0]["updated_at"] = 0.0  # put() stamps the time; age it on disk
    manifest.write_text(json.dumps(data))
    report = store.prune(older_than=60)
    assert report.removed == [("fox", "never")]
