"""The Arena's Python side, with no browser: blind pairs, votes by message and by code, the ranking.

The recording comm of ``tests/widgets`` stands in for the browser's websocket; the tests play the
browser's part with custom messages (asking for a side's bytes, voting, moving on).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.experiments._helpers import add_finished
from tests.widgets._comm import customs, from_browser_custom
from vidwidgets.apps import Arena, Comparison
from vidwidgets.client import ValidationError, VideoClient, VideoRequest
from vidwidgets.experiments import Experiment, ExperimentStore
from vidwidgets.simulator import Simulator

MODELS = ["kling-v1", "viduq1", "hailuo-02"]
PROMPTS = ["a red fox in snow", "a grey wolf at dusk", "a white owl in fog"]


@pytest.fixture
def store(tmp_path: Path) -> ExperimentStore:
    return ExperimentStore(tmp_path / "runs")


@pytest.fixture
def exp(store: ExperimentStore) -> Experiment:
    """Three finished runs, each its own model and prompt (what the blind vote must hide)."""
    experiment = store.experiment("tune")
    for model, prompt in zip(MODELS, PROMPTS, strict=True):
        add_finished(experiment, VideoRequest(model=model, prompt=prompt), frames=6)
    return experiment


def state_text(arena: Arena) -> str:
    """Everything the front end can see: the synced state and every message sent so far."""
    state = {k: v for k, v in arena.get_state().items() if not k.startswith("_")}
    messages = [content for content, _ in customs(arena)]
    return json.dumps([state, messages])


def vote_from_browser(arena: Arena, outcome: str) -> None:
    from_browser_custom(arena, {"type": "vote", "outcome": outcome, "token": arena.token})


def test_a_new_arena_shows_a_pair_blind(exp: Experiment) -> None:
    arena = Arena(exp)
    assert arena.phase == "vote"
    assert arena.revealed == {}
    seen = state_text(arena)
    for secret in [*MODELS, *PROMPTS, *arena.video_keys, "videos/", ".mp4"]:
        assert secret not in seen


def test_the_browser_gets_each_sides_video_by_side_and_token_only(exp: Experiment) -> None:
    arena = Arena(exp)
    from_browser_custom(arena, {"type": "get", "side": "a", "token": arena.token, "rid": "r1"})
    (header, buffers), *_ = customs(arena)
    assert header["type"] == "chunk"
    assert header["side"] == "a"
    assert "key" not in header
    left = arena.current[0] if arena.current else ""
    assert b"".join(buffers) == (exp.video_path(left) or Path()).read_bytes()
    for secret in [*MODELS, *PROMPTS, *arena.video_keys]:
        assert secret not in json.dumps(header)


def test_a_message_for_another_pair_is_ignored(exp: Experiment) -> None:
    arena = Arena(exp)
    from_browser_custom(arena, {"type": "vote", "outcome": "a", "token": "stale"})
    assert arena.phase == "vote"
    assert exp.votes == []


def test_a_vote_from_the_browser_reveals_both_and_is_stored(exp: Experiment) -> None:
    arena = Arena(exp)
    left, right = arena.current or ("", "")
    vote_from_browser(arena, "b")
    assert arena.phase == "reveal"
    assert arena.revealed["outcome"] == "b"
    assert arena.revealed["a"]["model"] == exp.get(left).request["model"]  # type: ignore[union-attr]
    assert arena.revealed["b"]["prompt"] == exp.get(right).request["prompt"]  # type: ignore[union-attr]
    assert arena.revealed["a"]["caption"]
    assert [(v["a"], v["b"], v["outcome"]) for v in exp.votes] == [(left, right, "b")]


def test_next_moves_on_to_another_pair_blind_again(exp: Experiment) -> None:
    arena = Arena(exp)
    first, token = arena.current, arena.token
    vote_from_browser(arena, "tie")
    expected = arena.next_pair()
    from_browser_custom(arena, {"type": "next", "token": token})
    assert arena.phase == "vote"
    assert arena.revealed == {}
    assert arena.token != token
    assert arena.current == expected
    assert set(arena.current or ()) != set(first or ())


def test_a_second_vote_on_a_revealed_pair_is_not_counted(exp: Experiment) -> None:
    arena = Arena(exp)
    vote_from_browser(arena, "a")
    vote_from_browser(arena, "b")
    assert len(exp.votes) == 1


def test_a_vote_from_code_on_the_pair_on_screen_reveals_it(exp: Experiment) -> None:
    arena = Arena(exp)
    a, b = arena.next_pair() or ("", "")
    arena.vote(b, a, "a")  # named the other way round: B won
    assert arena.revealed["outcome"] == "b"


def test_voting_from_code_never_asks_the_same_pair_twice_in_a_row(exp: Experiment) -> None:
    arena = Arena(exp)
    previous: set[str] = set()
    for i in range(12):
        pair = arena.next_pair()
        assert pair is not None
        assert set(pair) != previous
        arena.vote(*pair, ["a", "b", "tie", "both_bad"][i % 4])
        previous = set(pair)
    assert len(exp.votes) == 12


@pytest.mark.parametrize("outcome", ["A", "left", "draw", ""])
def test_an_unknown_outcome_is_refused_naming_the_allowed_ones(
    exp: Experiment, outcome: str
) -> None:
    arena = Arena(exp)
    a, b = arena.video_keys[:2]
    with pytest.raises(ValidationError, match="'a', 'b', 'tie', 'both_bad'") as info:
        arena.vote(a, b, outcome)
    assert info.value.field == "outcome"
    assert exp.votes == []


def test_an_unknown_key_is_refused_naming_it_and_the_known_ones(exp: Experiment) -> None:
    arena = Arena(exp)
    known = arena.video_keys[0]
    with pytest.raises(ValidationError, match=r"b='no-such-run' is not allowed") as info:
        arena.vote(known, "no-such-run", "a")
    assert known in str(info.value)


def test_the_ranking_is_best_first_with_its_interval_and_record(exp: Experiment) -> None:
    arena = Arena(exp)
    best, middle, worst = arena.video_keys
    for _ in range(3):
        arena.vote(best, middle, "a")
        arena.vote(middle, worst, "a")
        arena.vote(worst, best, "b")
    frame = arena.ranking()
    assert list(frame.columns[:9]) == [
        "key",
        "caption",
        "score",
        "low",
        "high",
        "wins",
        "losses",
        "ties",
        "votes",
    ]
    assert list(frame["key"]) == [best, middle, worst]
    top = frame.iloc[0]
    assert top["low"] < top["score"] < top["high"]
    assert (top["wins"], top["losses"], top["votes"]) == (6, 0, 6)
    assert arena.p_beats(best, worst) > 0.8


def test_a_new_arena_over_the_same_experiment_continues(
    store: ExperimentStore, exp: Experiment
) -> None:
    first = Arena(exp)
    pair = first.next_pair() or ("", "")
    first.vote(*pair, "a")
    again = Arena(ExperimentStore(store.root).experiment("tune"))  # as after a kernel restart
    assert again.counts["votes"] == 1
    assert again.ranking().iloc[0]["key"] == pair[0]
    assert set(again.current or ()) != set(pair)


def test_the_same_seed_shows_the_same_pairs_in_the_same_order(
    store: ExperimentStore, tmp_path: Path
) -> None:
    def shown(root: Path) -> list[tuple[str, str] | None]:
        experiment = ExperimentStore(root).experiment("tune")
        for model, prompt in zip(MODELS, PROMPTS, strict=True):
            add_finished(experiment, VideoRequest(model=model, prompt=prompt), frames=4)
        arena = Arena(experiment, seed=11)
        pairs = []
        for _ in range(5):
            pairs.append(arena.current)
            vote_from_browser(arena, "tie")
            from_browser_custom(arena, {"type": "next", "token": arena.token})
        return pairs

    assert shown(tmp_path / "one") == shown(tmp_path / "two")


def test_fewer_than_two_finished_videos_give_a_clear_message(store: ExperimentStore) -> None:
    lonely = store.experiment("lonely")
    add_finished(lonely, VideoRequest(model="viduq1", prompt="only one"), frames=4)
    arena = Arena(lonely)
    assert arena.phase == "empty"
    assert "at least two finished videos" in arena.message
    assert "it has 1" in arena.message
    assert arena.next_pair() is None
    assert arena.ranking()["key"].tolist() == [lonely.records[0].key]


def test_records_work_too_and_keep_votes_in_memory(exp: Experiment) -> None:
    rows = [r for r in exp.results() if r["file"]]
    arena = Arena(rows)
    assert arena.experiment is None
    arena.vote(rows[0]["key"], rows[1]["key"], "a")
    assert arena.ranking().iloc[0]["key"] == rows[0]["key"]
    assert exp.votes == []


def test_a_record_without_a_video_is_refused_naming_it(exp: Experiment) -> None:
    with pytest.raises(ValueError, match=r"records\[1\] is not allowed: it needs a 'key'"):
        Arena([{"key": "x", "path": __file__}, {"key": "y"}])


def test_anything_else_is_refused(exp: Experiment) -> None:
    with pytest.raises(TypeError, match="source=int is not allowed"):
        Arena(3)  # type: ignore[arg-type]


def test_the_saved_state_holds_no_video(exp: Experiment) -> None:
    arena = Arena(exp)
    from_browser_custom(arena, {"type": "get", "side": "b", "token": arena.token, "rid": "r"})
    # the widget's code (_esm, _css: the shared sync engine included) is the same in every
    # notebook; what the Arena adds to a saved notebook must stay small
    state = {k: v for k, v in arena.get_state().items() if k not in {"_esm", "_css"}}
    assert len(json.dumps(state, default=str)) < 5_000


# -- over a Comparison on the simulator ------------------------------------------------------


@pytest.fixture
async def client() -> AsyncIterator[VideoClient]:
    fast: dict[str, Any] = {"speed": 200.0, "video_scale": 0.1, "fps": 8}
    async with (
        Simulator(dialect="newapi", api_key="sk-sim-ARENA-0042", **fast) as sim,
        VideoClient(
            base_url=sim.base_url, api_key=sim.api_key, journal=False, cache=False, time_scale=0.02
        ) as c,
    ):
        yield c


async def test_an_arena_over_a_comparison_ranks_its_cells_and_keeps_votes_there(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = Comparison(
        prompts=["a red fox", "a grey wolf"],
        seeds=[1, 2],
        model="viduq1",
        duration=5,
        client=client,
        store=tmp_path / "runs",
        confirm=True,  # this simulator publishes no prices: consent to the unknown cost
    )
    await cmp
    arena = Arena(cmp)
    assert sorted(arena.video_keys) == sorted(cmp.cell_keys)
    vote_from_browser(arena, "a")
    assert len(cmp.experiment.votes) == 1
    scored = {row["key"] for row in cmp.results if row["score"] is not None}
    assert scored == set(arena.current or ())
    captions = {arena.revealed["a"]["caption"], arena.revealed["b"]["caption"]}
    assert captions <= {c.caption for c in cmp.cells}
    await cmp.aclose()


def test_refresh_takes_in_videos_that_finished_since(store: ExperimentStore) -> None:
    growing = store.experiment("growing")
    add_finished(growing, VideoRequest(model="viduq1", prompt="first"), frames=4)
    arena = Arena(growing)
    assert arena.phase == "empty"
    add_finished(
        ExperimentStore(store.root).experiment("growing"),
        VideoRequest(model="viduq1", prompt="second"),
        frames=4,
    )
    arena.refresh()
    assert arena.phase == "vote"
    assert len(arena.video_keys) == 2


def test_refresh_keeps_the_pair_on_screen_and_counts_votes_stored_elsewhere(
    store: ExperimentStore, exp: Experiment
) -> None:
    arena = Arena(exp)
    shown = arena.current
    elsewhere = Arena(ExperimentStore(store.root).experiment("tune"))
    elsewhere.vote(*(elsewhere.current or ("", "")), "a")
    arena.refresh()
    assert arena.current == shown
    assert arena.counts["votes"] == 1
