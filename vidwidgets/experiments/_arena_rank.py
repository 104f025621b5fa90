"""Bradley–Terry scores from blind pairwise votes, with an interval and the next pair to ask.

Pure logic (numpy only): the Arena widget, ``Experiment.results()`` and the HTML export share it.

The model: each player ``i`` has a strength ``θᵢ`` and ``P(i beats j) = σ(θᵢ − θⱼ)``.

- **Ties count as half a win each.** Davidson's extension adds a tie parameter that needs many
  votes to pin down; the few dozen votes a notebook session gives are better spent on the
  strengths. Half a win each is what Elo-style arenas do, it keeps ``p_beats`` a plain
  probability, and a tie between two players pulls their scores together — as it should.
- **"Both bad" is a tie for the fit**: it says nothing about which of the two is better, only
  that neither is good. It is kept as its own count (``both_bad``) so a caller can set rejects
  aside, but it moves no score apart.
- **A weak prior** ``θᵢ ~ N(0, PRIOR_SD²)`` (a ridge penalty) makes the fit a maximum *a
  posteriori* estimate: finite for a player who never lost, defined with few or no votes, and
  shrunk towards the middle until the votes say otherwise. The log posterior is strictly concave,
  so damped Newton steps find its single maximum.
- **The interval** is the Laplace approximation: ``θᵢ ± 1.96·√Cᵢᵢ`` with ``C`` the inverse of
  the Hessian of the negative log posterior (the Fisher information plus the prior's), taken
  around the mean score (scores sum to 0: only differences mean anything). It shrinks as votes
  accumulate and is wide where they are few.
- **The next pair** is the one whose outcome is least predictable and most informative:
  ``p(1−p) · Var(θᵢ − θⱼ)`` is largest for close players whose difference is uncertain. Never
  the pair just asked (unless there is no other); ties between candidates fall to a seeded RNG,
  so the order is deterministic given the seed.

Why not a library: ``choix`` (0.4.1, August 2025) fits Bradley–Terry well, but it has no ties, no
interval and pulls in scipy; the damped Newton fit below is forty lines of numpy (already a
dependency), and its Hessian is the interval. ``pandas`` stays optional: only
``Arena.ranking()`` builds a DataFrame, and it imports pandas when called.

    >>> r = BradleyTerry(["a", "b", "c"], seed=0)
    >>> for _ in range(5):
    ...     r.add("a", "b", "a"); r.add("b", "c", "a")
    >>> [row.key for row in r.ranking()]
    ['a', 'b', 'c']
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["OUTCOMES", "PRIOR_SD", "BradleyTerry", "RankRow", "check_outcome"]

#: what a vote may say: the left one, the right one, a tie, or neither is any good
OUTCOMES = ("a", "b", "tie", "both_bad")
#: the prior's standard deviation on a strength (log-odds units): weak, but enough to be finite
PRIOR_SD = 2.0
_Z95 = 1.959963984540054
_MAX_STEPS = 100
_TOLERANCE = 1e-9


def check_outcome(outcome: object) -> str:
    """``outcome`` when it is one of ``OUTCOMES``, else ``ValueError`` naming the allowed values.

    >>> check_outcome("tie")
    'tie'
    """
    if not isinstance(outcome, str) or outcome not in OUTCOMES:
        allowed = ", ".join(repr(o) for o in OUTCOMES)
        raise ValueError(f"outcome={outcome!r} is not allowed: one of {allowed}")
    return outcome


@dataclass(frozen=True)
class RankRow:
    """One player's line of the ranking: its score, a 95 % interval and its record."""

    key: str
    score: float
    low: float
    high: float
    wins: int
    losses: int
    ties: int
    both_bad: int
    votes: int


class BradleyTerry:
    """Strengths of ``players`` fitted from pairwise votes (see the module docstring).

    Args:
        players: the keys being ranked, in a stable order.
        seed: seeds the choice between equally good next pairs.
        prior_sd: the prior's standard deviation on each strength.
    """

    def __init__(
        self, players: Sequence[str], *, seed: int | None = 0, prior_sd: float = PRIOR_SD
    ) -> None:
        self.players = list(dict.fromkeys(players))
        self._index = {key: i for i, key in enumerate(self.players)}
        n = len(self.players)
        #: wins[i, j]: how often i beat j, ties and both-bad counting half to each
        self._wins = np.zeros((n, n))
        self._ties = np.zeros(n, dtype=int)
        self._both_bad = np.zeros(n, dtype=int)
        self._prior = 1.0 / (prior_sd * prior_sd)
        self._rng = random.Random(seed)
        self._fit: tuple[np.ndarray, np.ndarray] | None = None
        self.last_pair: tuple[str, str] | None = None
        #: how many votes were added
        self.vote_count = 0

    def index(self, key: str) -> int:
        """The position of ``key``; ``KeyError`` naming the known keys when it is not a player."""
        try:
            return self._index[key]
        except KeyError:
            known = ", ".join(repr(k) for k in self.players) or "none"
            raise KeyError(f"{key!r} is not being ranked; the keys are {known}") from None

    def add(self, a: str, b: str, outcome: str) -> None:
        """Record one vote between ``a`` (shown as A) and ``b`` (shown as B)."""
        check_outcome(outcome)
        i, j = self.index(a), self.index(b)
        if i == j:
            raise ValueError(f"a vote needs two different players, got {a!r} twice")
        if outcome == "a":
            self._wins[i, j] += 1
        elif outcome == "b":
            self._wins[j, i] += 1
        else:
            self._wins[i, j] += 0.5
            self._wins[j, i] += 0.5
            counts = self._ties if outcome == "tie" else self._both_bad
            counts[i] += 1
            counts[j] += 1
        self.last_pair = (a, b)
        self.vote_count += 1
        self._fit = None

    def extend(self, votes: Iterable[Mapping[str, object]]) -> int:
        """Add stored votes (``{"a", "b", "outcome"}``); those naming unknown players are skipped.

        Returns:
            How many votes were added.
        """
        added = 0
        for vote in votes:
            a, b, outcome = str(vote.get("a")), str(vote.get("b")), vote.get("outcome")
            if a in self._index and b in self._index and a != b and outcome in OUTCOMES:
                self.add(a, b, str(outcome))
                added += 1
        return added

    # -- the fit ------------------------------------------------------------------------------

    def _fitted(self) -> tuple[np.ndarray, np.ndarray]:
        """(strengths, covariance), refitted only after new votes."""
        if self._fit is None:
            theta = _map_strengths(self._wins, self._prior)
            cov = np.linalg.inv(_hessian(theta, self._wins + self._wins.T, self._prior))
            # only differences are identified: the scores sum to 0, so take their covariance
            # around the mean, not the prior's uncertainty about a shift that nothing measures
            n = len(self.players)
            centre = np.eye(n) - np.full((n, n), 1.0 / n) if n else np.zeros((0, 0))
            self._fit = (theta, centre @ cov @ centre)
        return self._fit

    def score(self, key: str) -> float:
        """The fitted strength of ``key`` (log-odds; 0 is the middle of the prior)."""
        return float(self._fitted()[0][self.index(key)])

    def p_beats(self, a: str, b: str) -> float:
        """The fitted probability that ``a`` is preferred over ``b`` (ties aside)."""
        theta = self._fitted()[0]
        return _sigmoid(float(theta[self.index(a)] - theta[self.index(b)]))

    def ranking(self) -> list[RankRow]:
        """Every player, best first (by score, then by key)."""
        theta, cov = self._fitted()
        games = self._wins + self._wins.T
        rows = []
        for i, key in enumerate(self.players):
            half = _Z95 * math.sqrt(max(float(cov[i, i]), 0.0))
            decided = self._wins[i].sum() - 0.5 * (self._ties[i] + self._both_bad[i])
            wins = round(decided)
            votes = round(games[i].sum())
            draws = int(self._ties[i] + self._both_bad[i])
            rows.append(
                RankRow(
                    key=key,
                    score=float(theta[i]),
                    low=float(theta[i]) - half,
                    high=float(theta[i]) + half,
                    wins=wins,
                    losses=votes - wins - draws,
                    ties=int(self._ties[i]),
                    both_bad=int(self._both_bad[i]),
                    votes=votes,
                )
            )
        return sorted(rows, key=lambda r: (-r.score, r.key))

    # -- what to ask next ---------------------------------------------------------------------

    def next_pair(self) -> tuple[str, str] | None:
        """The pair whose vote would teach the most, in a seeded random left/right order.

        ``None`` with fewer than two players. Never ``last_pair`` (either way round) while any
        other pair exists. The RNG advances only here, so the sequence is fixed by the seed.
        """
        n = len(self.players)
        if n < 2:
            return None
        theta, cov = self._fitted()
        last = frozenset(self.last_pair) if self.last_pair else None
        best: list[tuple[int, int]] = []
        best_value = -1.0
        for i in range(n):
            for j in range(i + 1, n):
                if n > 2 and frozenset((self.players[i], self.players[j])) == last:
                    continue
                p = _sigmoid(float(theta[i] - theta[j]))
                spread = float(cov[i, i] + cov[j, j] - 2 * cov[i, j])
                value = round(p * (1 - p) * spread, 9)  # rounding: equal pairs tie exactly
                if value > best_value:
                    best, best_value = [(i, j)], value
                elif value == best_value:
                    best.append((i, j))
        i, j = self._rng.choice(best)
        if self._rng.random() < 0.5:
            i, j = j, i  # left or right at random: no position bias
        return self.players[i], self.players[j]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def _hessian(theta: np.ndarray, games: np.ndarray, prior: float) -> np.ndarray:
    """The Hessian of the negative log posterior at ``theta`` (positive definite)."""
    p = 1.0 / (1.0 + np.exp(-(theta[:, None] - theta[None, :])))
    weight = games * p * (1.0 - p)
    h: np.ndarray = -weight
    np.fill_diagonal(h, weight.sum(axis=1) + prior)
    return h


def _log_posterior(theta: np.ndarray, wins: np.ndarray, prior: float) -> float:
    diff = theta[:, None] - theta[None, :]
    # log σ(d) = -log(1 + e^-d), computed stably
    return float(-(wins * np.logaddexp(0.0, -diff)).sum() - 0.5 * prior * (theta @ theta))


def _map_strengths(wins: np.ndarray, prior: float) -> np.ndarray:
    """The maximum a posteriori strengths: damped Newton on a strictly concave objective."""
    n = wins.shape[0]
    theta = np.zeros(n)
    if n == 0:
        return theta
    games = wins + wins.T
    current = _log_posterior(theta, wins, prior)
    for _ in range(_MAX_STEPS):
        p = 1.0 / (1.0 + np.exp(-(theta[:, None] - theta[None, :])))
        gradient = wins.sum(axis=1) - (games * p).sum(axis=1) - prior * theta
        step = np.linalg.solve(_hessian(theta, games, prior), gradient)
        scale = 1.0
        while scale > 1e-6:  # halve until the posterior goes up: Newton may overshoot
            trial = theta + scale * step
            value = _log_posterior(trial, wins, prior)
            if value >= current - 1e-12:
                break
            scale /= 2
        theta, current = trial, value
        if float(np.abs(scale * step).max()) < _TOLERANCE:
            break
    return theta
