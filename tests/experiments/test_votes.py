"""The Arena's votes in the experiment's manifest: kept, merged, scored and exported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.experiments._helpers import add_finished
from vidwidgets.client import VideoRequest
from vidwidgets.experiments import Experiment, ExperimentStore
from vidwidgets.export import export_html


@pytest.fixture
def three(exp: Experiment) -> list[str]:
    """Three finished runs that differ in the prompt."""
    prompts = ["a red fox", "a grey wolf", "a white owl"]
    return [add_finished(exp, VideoRequest(model="viduq1", prompt=p)).key for p in prompts]


def test_a_vote_is_in_the_manifest_with_its_runs_outcome_and_time(
    exp: Experiment, three: list[str]
) -> None:
    exp.add_vote(three[0], three[1], "a")
    stored = json.loads(exp.manifest_path.read_text("utf-8"))["votes"]
    assert [(v["a"], v["b"], v["outcome"]) for v in stored] == [(three[0], three[1], "a")]
    assert isinstance(stored[0]["at"], float)


def test_votes_survive_a_new_store_over_the_same_folder(
    store: ExperimentStore, exp: Experiment, three: list[str]
) -> None:
    exp.add_vote(three[0], three[1], "a")
    exp.add_vote(three[1], three[2], "tie")
    again = ExperimentStore(store.root).experiment("fox")
    assert [v["outcome"] for v in again.votes] == ["a", "tie"]


def test_votes_survive_a_new_process(
    store: ExperimentStore, exp: Experiment, three: list[str]
) -> None:
    exp.add_vote(three[0], three[1], "b")
    code = (
        "import sys, json; from vidwidgets.experiments import ExperimentStore;"
        "exp = ExperimentStore(sys.argv[1]).experiment('fox');"
        "exp.add_vote(sys.argv[2], sys.argv[3], 'both_bad');"
        "print(json.dumps([v['outcome'] for v in exp.votes]))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    out = subprocess.run(
        [sys.executable, "-c", code, str(store.root), three[1], three[2]],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    assert json.loads(out) == ["b", "both_bad"]
    exp.reload()
    assert [v["outcome"] for v in exp.votes] == ["b", "both_bad"]


def test_two_writers_keep_each_others_votes(
    store: ExperimentStore, exp: Experiment, three: list[str]
) -> None:
    other = ExperimentStore(store.root).experiment("fox")
    exp.add_vote(three[0], three[1], "a")
    other.add_vote(three[1], three[2], "b")
    exp.add_vote(three[0], three[2], "tie")
    assert len(ExperimentStore(store.root).experiment("fox").votes) == 3


def test_saving_a_record_keeps_the_votes(exp: Experiment, three: list[str]) -> None:
    exp.add_vote(three[0], three[1], "a")
    exp.rate(three[0], 4)
    assert len(json.loads(exp.manifest_path.read_text("utf-8"))["votes"]) == 1


def test_a_vote_with_an_unknown_outcome_is_refused(exp: Experiment, three: list[str]) -> None:
    with pytest.raises(ValueError, match="outcome='left' is not allowed: one of 'a', 'b'"):
        exp.add_vote(three[0], three[1], "left")
    assert exp.votes == []


def test_a_vote_on_a_run_that_is_not_there_is_refused(exp: Experiment, three: list[str]) -> None:
    with pytest.raises(ValueError, match="b='nope' is not allowed: the key of a run of fox"):
        exp.add_vote(three[0], "nope", "a")


def test_results_carry_each_runs_wins_losses_ties_and_score(
    exp: Experiment, three: list[str]
) -> None:
    exp.add_vote(three[0], three[1], "a")
    exp.add_vote(three[0], three[2], "tie")
    rows = {row["key"]: row for row in exp.results()}
    best = rows[three[0]]
    assert (best["wins"], best["losses"], best["ties"]) == (1, 0, 1)
    assert best["score"] > rows[three[1]]["score"]


def test_results_without_votes_have_no_arena_columns(exp: Experiment, three: list[str]) -> None:
    assert "score" not in exp.results()[0]


def test_a_run_nobody_voted_on_has_no_score(exp: Experiment, three: list[str]) -> None:
    exp.add_vote(three[0], three[1], "a")
    row = next(r for r in exp.results() if r["key"] == three[2])
    assert (row["wins"], row["losses"], row["score"]) == (0, 0, None)


def test_the_html_report_has_the_ranking_table_best_first(
    exp: Experiment, three: list[str], tmp_path: Path
) -> None:
    exp.add_vote(three[1], three[0], "a")
    exp.add_vote(three[1], three[2], "a")
    page = export_html(exp, tmp_path / "r.html").read_text("utf-8")
    table = page[page.index("Arena ranking") : page.index("Parameters and timings")]
    assert table.index("a grey wolf") < table.index("a red fox")
    assert "from 2 blind votes" in table


def test_the_html_report_has_no_ranking_without_votes(
    exp: Experiment, three: list[str], tmp_path: Path
) -> None:
    assert "Arena ranking" not in export_html(exp, tmp_path / "r.html").read_text("utf-8")
