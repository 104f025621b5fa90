"""The Arena's ranking core: Bradley–Terry from pairwise votes, checked against a known order."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from vidwidgets.experiments import OUTCOMES, BradleyTerry

PLAYERS = [f"p{i}" for i in range(6)]
#: the true strengths: p0 is best, p5 worst, evenly spaced in log-odds
TRUTH = {key: 1.5 - 0.6 * i for i, key in enumerate(PLAYERS)}


def noisy_vote(rng: random.Random, a: str, b: str, *, tie_rate: float = 0.15) -> str:
    """A voter who follows the truth through the BT model, and sometimes calls it a tie."""
    if rng.random() < tie_rate:
        return "tie"
    p = 1 / (1 + math.exp(-(TRUTH[a] - TRUTH[b])))
    return "a" if rng.random() < p else "b"


def vote_randomly(bt: BradleyTerry, rng: random.Random, count: int) -> None:
    for _ in range(count):
        a, b = rng.sample(PLAYERS, 2)
        bt.add(a, b, noisy_vote(rng, a, b))


def kendall_tau(order: list[str], truth: list[str]) -> float:
    rank = {key: i for i, key in enumerate(order)}
    pairs = list(itertools.combinations(truth, 2))
    concordant = sum(1 if rank[x] < rank[y] else -1 for x, y in pairs)
    return concordant / len(pairs)


def test_votes_from_a_known_order_with_noise_and_ties_recover_that_order() -> None:
    taus = []
    for seed in range(5):
        bt = BradleyTerry(PLAYERS, seed=seed)
        vote_randomly(bt, random.Random(seed), 300)
        taus.append(kendall_tau([row.key for row in bt.ranking()], PLAYERS))
    assert min(taus) >= 0.7
    assert sum(taus) / len(taus) >= 0.85


def test_the_next_pair_policy_recovers_the_order_too() -> None:
    bt = BradleyTerry(PLAYERS, seed=3)
    rng = random.Random(3)
    for _ in range(200):
        pair = bt.next_pair()
        assert pair is not None
        bt.add(*pair, noisy_vote(rng, *pair))
    assert kendall_tau([row.key for row in bt.ranking()], PLAYERS) >= 0.7


def test_intervals_shrink_with_more_votes() -> None:
    rng = random.Random(1)
    bt = BradleyTerry(PLAYERS)
    vote_randomly(bt, rng, 30)
    few = {row.key: row.high - row.low for row in bt.ranking()}
    vote_randomly(bt, rng, 300)
    many = {row.key: row.high - row.low for row in bt.ranking()}
    assert all(many[key] < few[key] * 0.6 for key in PLAYERS)


def test_intervals_contain_the_centred_truth_at_a_sensible_rate() -> None:
    mean = sum(TRUTH.values()) / len(TRUTH)
    covered = total = 0
    for seed in range(20):
        bt = BradleyTerry(PLAYERS, seed=seed)
        vote_randomly(bt, random.Random(100 + seed), 150)
        for row in bt.ranking():
            covered += row.low <= TRUTH[row.key] - mean <= row.high
            total += 1
    # a 95 % interval, shrunk a little by the prior: most of the time, not always
    assert 0.8 <= covered / total <= 1.0


def test_a_player_with_only_wins_gets_a_finite_score() -> None:
    bt = BradleyTerry(["champ", "b", "c"])
    for other in ("b", "c", "b", "c", "b"):
        bt.add("champ", other, "a")
    best = bt.ranking()[0]
    assert best.key == "champ"
    assert math.isfinite(best.score)
    assert math.isfinite(best.high)
    assert (best.wins, best.losses) == (5, 0)


def test_ties_only_give_equal_scores() -> None:
    bt = BradleyTerry(["x", "y", "z"])
    for a, b in [("x", "y"), ("y", "z"), ("x", "z")] * 3:
        bt.add(a, b, "tie")
    scores = [row.score for row in bt.ranking()]
    assert max(scores) - min(scores) == pytest.approx(0.0, abs=1e-9)
    assert all(row.ties == 6 and row.wins == 0 and row.losses == 0 for row in bt.ranking())


def test_both_bad_counts_as_a_tie_for_the_fit_and_on_its_own() -> None:
    tied, rejected = BradleyTerry(["x", "y"]), BradleyTerry(["x", "y"])
    tied.add("x", "y", "a")
    rejected.add("x", "y", "a")
    tied.add("x", "y", "tie")
    rejected.add("x", "y", "both_bad")
    assert tied.score("x") == pytest.approx(rejected.score("x"))
    row = next(r for r in rejected.ranking() if r.key == "y")
    assert (row.both_bad, row.ties, row.votes, row.losses) == (1, 0, 2, 1)


def test_no_votes_give_equal_scores_and_the_prior_interval() -> None:
    rows = BradleyTerry(["x", "y"]).ranking()
    assert [row.score for row in rows] == [0.0, 0.0]
    assert all(row.low < 0 < row.high for row in rows)


def test_p_beats_follows_the_votes_and_is_symmetric() -> None:
    bt = BradleyTerry(["x", "y"])
    for _ in range(4):
        bt.add("x", "y", "a")
    assert bt.p_beats("x", "y") > 0.7
    assert bt.p_beats("x", "y") + bt.p_beats("y", "x") == pytest.approx(1.0)


def test_next_pair_never_repeats_the_last_pair() -> None:
    bt = BradleyTerry(PLAYERS[:4], seed=7)
    rng = random.Random(7)
    previous: frozenset[str] | None = None
    for _ in range(60):
        pair = bt.next_pair()
        assert pair is not None
        assert frozenset(pair) != previous
        bt.add(*pair, noisy_vote(rng, *pair))
        previous = frozenset(pair)


def test_next_pair_prefers_a_pair_the_votes_barely_measure() -> None:
    bt = BradleyTerry(["a", "b", "c", "d"], seed=0)
    for _ in range(20):
        bt.add("c", "d", "tie")  # two well-measured clusters, {a, b} and {c, d}...
        bt.add("a", "b", "tie")
    bt.add("a", "c", "tie")  # ...joined by one vote
    bt.add("a", "b", "tie")
    for _ in range(5):
        pair = bt.next_pair()
        assert pair is not None
        assert len(set(pair) & {"a", "b"}) == 1  # across the clusters, where nothing is known
        bt.add(*pair, "tie")
        bt.add("a", "b", "tie")


def test_next_pair_skips_a_pair_that_is_settled() -> None:
    bt = BradleyTerry(["a", "b", "c"], seed=0)
    for _ in range(30):
        bt.add("a", "b", "a")  # settled: a is far ahead of b
    bt.add("a", "c", "tie")
    bt.add("b", "c", "tie")
    bt.add("a", "c", "a")  # the last pair cannot come next
    assert frozenset(bt.next_pair() or ()) == {"b", "c"}


def test_next_pair_is_deterministic_given_the_seed() -> None:
    def sequence(seed: int) -> list[tuple[str, str]]:
        bt = BradleyTerry(PLAYERS, seed=seed)
        pairs = []
        for _ in range(10):
            pair = bt.next_pair()
            assert pair is not None
            bt.add(*pair, "tie")
            pairs.append(pair)
        return pairs

    assert sequence(5) == sequence(5)
    assert sequence(5) != sequence(6)


def test_next_pair_puts_either_player_on_the_left() -> None:
    bt = BradleyTerry(["x", "y"], seed=0)
    lefts = {(bt.next_pair() or ("", ""))[0] for _ in range(20)}
    assert lefts == {"x", "y"}


def test_fewer_than_two_players_have_no_next_pair() -> None:
    assert BradleyTerry(["solo"]).next_pair() is None
    assert BradleyTerry([]).ranking() == []


@pytest.mark.parametrize("outcome", ["A", "left", "", None, 1])
def test_an_unknown_outcome_is_refused_naming_the_allowed_ones(outcome: object) -> None:
    bt = BradleyTerry(["x", "y"])
    with pytest.raises(ValueError, match="'a', 'b', 'tie', 'both_bad'"):
        bt.add("x", "y", outcome)  # type: ignore[arg-type]
    assert OUTCOMES == ("a", "b", "tie", "both_bad")


def test_an_unknown_key_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(KeyError, match="'nope' is not being ranked; the keys are 'x', 'y'"):
        BradleyTerry(["x", "y"]).add("x", "nope", "a")


def test_stored_votes_naming_runs_that_are_gone_are_skipped() -> None:
    bt = BradleyTerry(["x", "y"])
    added = bt.extend(
        [
            {"a": "x", "b": "y", "outcome": "a"},
            {"a": "x", "b": "removed", "outcome": "a"},
            {"a": "x", "b": "y", "outcome": "garbled"},
        ]
    )
    assert added == 1
