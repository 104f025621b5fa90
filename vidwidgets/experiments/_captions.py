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


def caption(request: Mapping[str, Any], fields: Sequence[str], *, label: str = "") -> str:
    """Plain text naming the cell: its label, else ``field=value`` for the differing fields.

    >>> caption({"model": "viduq1", "prompt": "a fox", "seed": 3}, ["seed"])
    'seed=3'
    """
    if label:
        return label
    if not fields:
        return str(request.get("prompt", ""))
    parts = []
    for name in fields:
        value = request.get(name)
        shown = value if isinstance(value, str) else json.dumps(value)
        parts.append(shown if name == "prompt" else f"{name}={shown}")
    return " · ".join(parts)
