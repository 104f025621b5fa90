"""Caption each cell with only what sets it apart from the others."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vidwidgets.experiments._store import RunRecord

__all__ = ["caption", "captions", "differing_fields", "record_captions", "word_diff"]

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


def word_diff(prompts: Sequence[str]) -> list[list[tuple[str, bool]]]:
    """Each prompt as runs of text, marked where its words are not shared by every prompt.

    The shared words are the longest run of words, in order, common to all the prompts (found
    by ``difflib``); what is left in each prompt is what sets it apart. Joining a prompt's runs
    gives it back unchanged, spaces included. One prompt, or identical ones: nothing is marked.

    Args:
        prompts: the prompts to compare.

    Returns:
        Per prompt, ``(text, differs)`` runs in order.

    Example:
        >>> word_diff(["a red fox in snow", "a grey fox in snow"])
        [[('a ', False), ('red', True), (' fox in snow', False)], [('a ', False), ('grey', True), (' fox in snow', False)]]
    """
    tokens = [re.findall(r"\S+|\s+", p) for p in prompts]
    words = [[t for t in ts if not t.isspace()] for ts in tokens]
    if len(set(prompts)) < 2:
        return [[(p, False)] if p else [] for p in prompts]
    shared = list(words[0])
    for other in words[1:]:
        shared = [w for _, w in _matched(shared, other)]
    return [
        _runs(ts, {i for i, _ in _matched(ws, shared)})
        for ts, ws in zip(tokens, words, strict=True)
    ]


def _matched(words: Sequence[str], other: Sequence[str]) -> list[tuple[int, str]]:
    """The words of ``words`` (index, word) that line up with words of ``other``."""
    matcher = difflib.SequenceMatcher(None, list(words), list(other), autojunk=False)
    return [
        (block.a + k, words[block.a + k])
        for block in matcher.get_matching_blocks()
        for k in range(block.size)
    ]


def _runs(tokens: Sequence[str], shared: set[int]) -> list[tuple[str, bool]]:
    """Join tokens into runs; a space is marked only between two marked words."""
    marks: list[bool] = []
    index = 0
    for token in tokens:
        if token.isspace():
            marks.append(False)
        else:
            marks.append(index not in shared)
            index += 1
    for i, token in enumerate(tokens):
        if token.isspace() and 0 < i < len(tokens) - 1:
            marks[i] = marks[i - 1] and marks[i + 1]
    runs: list[tuple[str, bool]] = []
    for token, mark in zip(tokens, marks, strict=True):
        if runs and runs[-1][1] == mark:
            runs[-1] = (runs[-1][0] + token, mark)
        else:
            runs.append((token, mark))
    return runs


def captions(
    requests: Sequence[Mapping[str, Any]],
    labels: Sequence[str],
    takes: Sequence[int | None] | None = None,
    variables: Sequence[Mapping[str, Any]] | None = None,
) -> list[str]:
    """Each cell's caption.

    Its label, else only the fields in which the requests differ; then its take, for the takes
    of ``samples=n``. Cells made from a prompt template name the variables that differ
    (``animal=fox · place=snow``) instead of the whole prompt.

    Args:
        requests: the cells' requests in ``to_dict()`` form.
        labels: the cells' labels ("" for none), in the same order.
        takes: the cells' takes (None for none), in the same order; default: no takes.
        variables: the cells' template variables ({} for none), in the same order.

    Returns:
        One caption per request.

    Example:
        >>> captions([{"prompt": "a fox", "seed": 1}, {"prompt": "a fox", "seed": 2}], ["", ""])
        ['seed=1', 'seed=2']
        >>> captions([{"prompt": "a fox"}, {"prompt": "a fox"}], ["", ""], [1, 2])
        ['take 1', 'take 2']
        >>> captions([{"prompt": "a fox"}, {"prompt": "a wolf"}], ["", ""],
        ...          variables=[{"animal": "fox", "place": "snow"}, {"animal": "wolf", "place": "snow"}])
        ['animal=fox', 'animal=wolf']
    """
    numbers = list(takes) if takes is not None else [None] * len(requests)
    named = list(variables) if variables is not None else [{}] * len(requests)
    fields = differing_fields(requests)
    merged: list[Mapping[str, Any]] = list(requests)
    if any(named):
        varying = differing_fields(named)
        order = list(dict.fromkeys(name for v in named for name in v))
        fields = [n for n in order if n in varying] + [f for f in fields if f != "prompt"]
        merged = [{**r, **v} for r, v in zip(requests, named, strict=True)]
    return [
        caption(r, fields, label=label, take=take)
        for r, label, take in zip(merged, labels, numbers, strict=True)
    ]


def record_captions(records: Sequence[RunRecord]) -> dict[str, str]:
    """Each stored run's caption among ``records``, by key, as the grid captions its cells.

    Runs made from a prompt template are named by the variables that differ, like the grid.

    Args:
        records: the runs shown together (an export's cells, a ranking's rows).

    Returns:
        ``{key: caption}``.
    """
    texts = captions(
        [r.request for r in records],
        [r.label for r in records],
        [r.take for r in records],
        [r.variables or {} for r in records],
    )
    return {r.key: text for r, text in zip(records, texts, strict=True)}
