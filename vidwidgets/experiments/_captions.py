"""Caption each cell with only what sets it apart from the others."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["caption", "differing_fields"]

#: the order fields appear in captions: what users vary most first
_ORDER = ("model", "prompt", "seed", "duration", "seconds", "size", "aspect_ratio", "resolution")


def differing_fields(requests: Sequence[Mapping[str, Any]]) -> list[str]:
    """The request fields whose values are not the same in every request (``to_dict()`` form).

    >>> differing_fields([{"model": "m", "prompt": "a", "seed": 1}, {"model": "m", "prompt": "b", "seed": 1}])
    ['prompt']
    """
    if len(requests) < 2:
        return []
    names: set[str] = set()
    for req in requests:
        names.update(req)
    differing = [
        n for n in names if len({json.dumps(r.get(n), sort_keys=True) for r in requests}) > 1
    ]
    return sorted(differing, key=lambda n: (_ORDER.index(n) if n in _ORDER else len(_ORDER), n))


def caption(
    request: Mapping[str, Any],
    fields: Sequence[str],
    *,
    label: str = "",
    take: int | None = None,
) -> str:
    """Plain text naming the cell.

    Its label, else ``field=value`` for the differing fields that this request sets; then
    ``take n`` for a take of ``samples=n``.

    A field the request does not set is left out: a seedless model's cell in a grid with a
    seed never reads ``seed=null``, nor claims a seed it was not sent.

    >>> caption({"model": "viduq1", "prompt": "a fox", "seed": 3}, ["seed"])
    'seed=3'
    >>> caption({"model": "kling-v1", "prompt": "a fox"}, ["model", "seed"], take=2)
    'model=kling-v1 · take 2'
    """
    suffix = [f"take {take}"] if take is not None else []
    if label:
        return " · ".join([label, *suffix])
    parts = []
    for name in fields:
        value = request.get(name)
        if value is None:
            continue
        shown = value if isinstance(value, str) else json.dumps(value)
        parts.append(shown if name == "prompt" else f"{name}={shown}")
    if not parts and not suffix:
        return str(request.get("prompt", ""))
    return " · ".join(parts + suffix)
