"""Faults on demand: a plan of rules that break chosen responses, by schedule or by rate.

    Faults(
        Fault.http(503, "POST /v1/videos", nth=(1, 3)),    # 1st and 3rd create get a 503
        Fault.rate_limited("GET /v1/videos/*", rate=0.2, retry_after=2),
        Fault.reset("GET /cdn/*", nth=(1,)),
        Fault.truncated("GET /cdn/*", keep=0.5),
        seed=1,
    )

Kinds (``Fault.kind``):

- ``http``         an error status (500/502/503/...) in the dialect's error shape
- ``rate_limited`` 429 with ``Retry-After`` (seconds)
- ``saturated``    429 "upstream saturated", as the gateway answers when no channel has capacity
- ``reset``        the connection is reset (RST) before any response byte
- ``slow``         the response is delayed by ``delay`` wall seconds, then served normally
- ``hang``         no response at all until the simulator stops (clients must time out)
- ``malformed_json`` status 200 with a JSON body cut in half
- ``truncated``    a download whose ``Content-Length`` promises more bytes than are sent
- ``wrong_content_type`` the normal body served with another ``Content-Type``
- ``artifact``     the plugin gateway's download errors, by ``code``: ``artifact_gone`` (410),
  ``artifact_upstream_busy`` (503, with ``Retry-After``), ``artifact_upstream_auth_failed``
  (502), ``artifact_upstream_timeout`` (504)

A rule matches ``"METHOD /path"`` or ``"/path"`` patterns (shell-style ``*`` globs). Among the
requests it matches it fires on the ``nth`` ones (1-based), or at random with probability
``rate`` (seeded), at most ``times`` times. The first rule that fires wins.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal[
    "http",
    "rate_limited",
    "saturated",
    "reset",
    "slow",
    "hang",
    "malformed_json",
    "truncated",
    "wrong_content_type",
    "artifact",
]

#: kinds applied before the handler runs; the others rewrite the handler's response
BEFORE_KINDS: frozenset[str] = frozenset(
    {"http", "rate_limited", "saturated", "reset", "slow", "hang", "artifact"}
)


@dataclass(frozen=True)
class Fault:
    """One fault rule. Build it with the classmethods (``Fault.http(503, ...)``)."""

    kind: FaultKind
    match: str = "*"
    nth: tuple[int, ...] = ()
    rate: float = 0.0
    times: int | None = None
    status: int = 503
    retry_after: float | None = None
    delay: float = 0.0
    keep: float = 0.5
    content_type: str = "text/html; charset=utf-8"
    code: str = ""

    # -- constructors ------------------------------------------------------------------------

    @classmethod
    def http(
        cls,
        status: int,
        match: str = "*",
        *,
        nth: tuple[int, ...] = (),
        rate: float = 0.0,
        times: int | None = None,
        retry_after: float | None = None,
    ) -> Fault:
        """An error response with ``status`` (e.g. 500, 502, 503)."""
        return cls("http", match, nth, rate, times, status=status, retry_after=retry_after)

    @classmethod
    def rate_limited(
        cls,
        match: str = "*",
        *,
        nth: tuple[int, ...] = (),
        rate: float = 0.0,
        times: int | None = None,
        retry_after: float = 1.0,
    ) -> Fault:
        """429 with a ``Retry-After`` header (seconds)."""
        return cls("rate_limited", match, nth, rate, times, status=429, retry_after=retry_after)

    @classmethod
    def saturated(
        cls,
        match: str = "*",
        *,
        nth: tuple[int, ...] = (),
        rate: float = 0.0,
        times: int | None = None,
        retry_after: float | None = None,
    ) -> Fault:
        """429 "当前分组上游负载已饱和，请稍后再试" (upstream saturated)."""
        return cls("saturated", match, nth, rate, times, status=429, retry_after=retry_after)

    @classmethod
    def reset(
        cls,
        match: str = "*",
        *,
        nth: tuple[int, ...] = (),
        rate: float = 0.0,
        times: int | None = None,
    ) -> Fault:
        """Reset the connection without answering."""
        return cls("reset", match, nth, rate, times)

    @classmethod
    def slow(
        cls,
        delay: float,
        match: str = "*",
        *,
        nth: tuple[int, ...] = (),
        rate: float = 0.0,
        times: int | None = None,
    ) -> Fault:
        """Answer normally after ``delay`` wall-clock seconds."""
        return cls("slow", match, nth, rate, times, delay=delay)

    @classmethod
    def hang(
        cls,
        match: str = "*",
        *,
        nth: tuple[int, ...] = (),
        rate: float = 0.0,
        times: int | None = None,
    ) -> Fault:
        """Never answer (until the simulator stops)."""
        return cls("hang", match, nth, rate, times)

    @classmethod
    def malformed_json(
        cls,
        match: str = "*",
        *,
        nth: tuple[int, ...] = (),
        rate: float = 0.0,
        times: int | None = None,
    ) -> Fault:
        """Status 200 with a JSON body cut in half."""
        return cls("malformed_json", match, nth, rate, times)

    @classmethod
    def truncated(
        cls,
        match: str = "*",
        *,
        keep: float = 0.5,
        nth: tuple[int, ...] = (),
        rate: float = 0.0,
        times: int | None = None,
    ) -> Fault:
        """Send ``Content-Length`` for the whole body but only part of it, then close.

        ``keep`` below 1 is the fraction of the body sent; 1 or more is a byte count.
        """
        return cls("truncated", match, nth, rate, times, keep=keep)

    @classmethod
    def wrong_content_type(
        cls,
        match: str = "*",
        *,
        content_type: str = "text/html; charset=utf-8",
        nth: tuple[int, ...] = (),
        rate: float = 0.0,
        times: int | None = None,
    ) -> Fault:
        """Serve the normal body labelled with another ``Content-Type``."""
        return cls("wrong_content_type", match, nth, rate, times, content_type=content_type)

    @classmethod
    def artifact(
        cls,
        code: str,
        match: str = "GET /v1/videos/*/content",
        *,
        nth: tuple[int, ...] = (),
        rate: float = 0.0,
        times: int | None = None,
        retry_after: float | None = None,
    ) -> Fault:
        """A plugin-gateway download error, e.g. ``Fault.artifact("artifact_upstream_busy")``.

        Args:
            code: ``artifact_gone``, ``artifact_upstream_busy``, ``artifact_upstream_auth_failed``
                or ``artifact_upstream_timeout``.
            match: the requests it may fire on (default: every ``/content`` download); give
                ``nth`` or ``rate`` too, as for every rule, or it never fires.
            nth: fire on these matching requests (1-based).
            rate: or fire at random with this probability (seeded).
            times: fire at most this often.
            retry_after: the ``Retry-After`` seconds (default 5 for ``artifact_upstream_busy``).

        Returns:
            The rule.

        Example:
            >>> Fault.artifact("artifact_gone", nth=(1,)).label
            'artifact_gone'
        """
        statuses = {
            "artifact_gone": 410,
            "artifact_upstream_busy": 503,
            "artifact_upstream_auth_failed": 502,
            "artifact_upstream_timeout": 504,
        }
        if code not in statuses:
            raise ValueError(f"code must be one of {', '.join(statuses)}")
        if retry_after is None and code == "artifact_upstream_busy":
            retry_after = 5.0
        return cls("artifact", match, nth, rate, times, statuses[code], retry_after, code=code)

    # -- matching ----------------------------------------------------------------------------

    def matches(self, method: str, path: str) -> bool:
        pattern = self.match.strip()
        if " " in pattern:
            want_method, _, pattern = pattern.partition(" ")
            if want_method.upper() != method.upper():
                return False
        return fnmatch.fnmatchcase(path, pattern.strip())

    @property
    def label(self) -> str:
        """How the request log names this fault (``http_503``, ``reset``, ...)."""
        if self.kind == "artifact":
            return self.code
        return f"http_{self.status}" if self.kind == "http" else self.kind


@dataclass
class _RuleState:
    seen: int = 0
    fired: int = 0


class Faults:
    """A fault plan: rules tried in order for every request. Thread-safe; add rules any time."""

    def __init__(self, *rules: Fault, seed: int = 0) -> None:
        self.rules = list(rules)
        self.seed = seed
        self._rng = random.Random(seed)
        self._state: dict[int, _RuleState] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Faults({', '.join(map(repr, self.rules))}, seed={self.seed})"

    def add(self, *rules: Fault) -> Faults:
        """Append rules (takes effect for the next request). Returns self."""
        with self._lock:
            self.rules.extend(rules)
        return self

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self.rules.clear()
            self._state.clear()

    def pick(self, method: str, path: str) -> Fault | None:
        """The fault to inject into this request, if any (advances the rules' counters)."""
        with self._lock:
            chosen: Fault | None = None
            for index, rule in enumerate(self.rules):
                if not rule.matches(method, path):
                    continue
                state = self._state.setdefault(index, _RuleState())
                state.seen += 1
                if chosen is not None:
                    continue  # count the request for every matching rule, fire only one
                if rule.times is not None and state.fired >= rule.times:
                    continue
                by_schedule = state.seen in rule.nth
                by_rate = rule.rate > 0 and self._rng.random() < rule.rate
                if by_schedule or by_rate:
                    state.fired += 1
                    chosen = rule
            return chosen
