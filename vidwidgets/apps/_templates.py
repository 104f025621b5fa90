"""Prompt templates: ``"a {animal} running through {place}"`` and the values of each variable.

Each variable is an axis of the grid (A1111's X/Y/Z plot, for video): the first variable makes
the rows, every other variable — then the models, seeds and takes — the columns. Every cell's
record keeps its variables (``RunRecord.variables``), so ``results()`` has one column per
variable and ``Comparison.effects()`` can average per value.

    >>> t = PromptTemplate.parse("a {animal} in {place}", {"animal": ["fox", "wolf"], "place": "snow"})
    >>> t.variables, t.render({"animal": "fox", "place": "snow"})
    (['animal', 'place'], 'a fox in snow')
    >>> PromptTemplate.parse("a {{literal}} {animal}", {"animal": ["fox"]}).render({"animal": "fox"})
    'a {literal} fox'
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vidwidgets.client import VideoRequest
from vidwidgets.experiments import Cell, differing_fields, seed_for

__all__ = [
    "EFFECT_COLUMNS",
    "GRID_AXES",
    "RESERVED_NAMES",
    "PromptTemplate",
    "cell_factors",
    "effect_rows",
    "promoted_cell",
    "template_axes",
    "template_from_arguments",
]

#: the columns of ``Comparison.effects()`` before the metrics
EFFECT_COLUMNS = ("variable", "value", "cells", "score", "voted", "rating", "rated")

#: the grid's other axes, after the template's variables (in the order they become columns)
GRID_AXES = ("model", "seed", "take")

#: names a variable cannot have: they are request fields or columns of ``results()``
RESERVED_NAMES = frozenset(
    {f for f in VideoRequest.__dataclass_fields__ if not f.startswith("_")}
    | {"key", "label", "take", "status", "job_id", "file", "bytes", "rating", "note", "caption"}
    | {"row", "column", "cached", "error_code", "error_message", "created_at", "started_at"}
    | {"completed_at", "generation_seconds", "wins", "losses", "ties", "score"}
)


@dataclass(frozen=True)
class PromptTemplate:
    """A prompt with ``{variables}`` and the values each one takes (build it with ``parse``).

    ``{{`` and ``}}`` are literal braces, as in ``str.format``.
    """

    text: str
    values: dict[str, list[Any]]

    @classmethod
    def parse(cls, template: str, values: Mapping[str, Any] | None) -> PromptTemplate:
        """Check ``template`` and ``values`` against each other.

        Args:
            template: the prompt, with a ``{name}`` for each variable.
            values: the values of each variable (a list, or one value).

        Returns:
            The template with its values, in the template's order of variables.

        Raises:
            ValueError: a ``{name}`` has no values, a value list is empty or repeats a value,
                values name a variable the template does not have, or a name is not allowed.

        Example:
            >>> PromptTemplate.parse("a {animal}", {"animal": []})
            Traceback (most recent call last):
            ValueError: values['animal']=[] is empty: give at least one value for {animal}
        """
        if not isinstance(template, str) or not template.strip():
            raise ValueError(f"template={template!r} is not allowed: a text with {{variables}}")
        names = _variables(template)
        given = dict(values or {})
        if not names:
            raise ValueError(
                f"template={template!r} has no {{variable}}: for fixed prompts give prompts=[...]"
            )
        for name in given:
            if name not in names:
                raise ValueError(
                    f"values[{name!r}] names no variable of the template (it has "
                    f"{', '.join('{' + n + '}' for n in names)}): add {{{name}}} to the "
                    "template or drop the value"
                )
        for name in names:
            if name not in given:
                raise ValueError(
                    f"template variable {{{name}}} has no values: give values={{{name!r}: [...]}}"
                )
        return cls(template, {name: _value_list(name, given[name]) for name in names})

    @property
    def variables(self) -> list[str]:
        """The variables, in the order they first appear in the template."""
        return list(self.values)

    def render(self, chosen: Mapping[str, Any]) -> str:
        """The prompt with each variable replaced by its value in ``chosen``."""
        return self.text.format(**{name: str(chosen[name]) for name in self.values})


def _variables(template: str) -> list[str]:
    """The template's variable names, in order, each once; malformed templates are refused."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(
            f"template={template!r} is not allowed ({exc}): write a literal brace as {{{{ or }}}}"
        ) from exc
    names: list[str] = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            shown = (
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
            raise ValueError(
                f"template variable {shown} is not allowed: a plain name such as {{animal}} "
                "(no index, attribute, conversion or format); write a literal brace as {{ or }}"
            )
        if name in RESERVED_NAMES:
            raise ValueError(
                f"template variable {{{name}}} is not allowed: {name!r} is a request field or a "
                "results column; rename the variable"
            )
        if name not in names:
            names.append(name)
    return names


def _value_list(name: str, given: Any) -> list[Any]:
    items = [given] if isinstance(given, (str, int, float)) else list(given)
    if not items:
        raise ValueError(f"values[{name!r}]=[] is empty: give at least one value for {{{name}}}")
    unique: list[Any] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise ValueError(
                f"values[{name!r}] has {item!r}, which is not allowed: a text or a number"
            )
        if item in unique:
            raise ValueError(f"values[{name!r}] gives {item!r} twice: each value once")
        unique.append(item)
    return unique


def template_axes(
    template: PromptTemplate, others: Mapping[str, Sequence[Any]]
) -> tuple[dict[str, list[Any]], tuple[str, ...]]:
    """The grid's axes and their order: the variables first, then ``GRID_AXES``.

    Example:
        >>> t = PromptTemplate.parse("a {animal}", {"animal": ["fox", "wolf"]})
        >>> template_axes(t, {"model": ["m"], "seed": [None], "take": [None]})[1]
        ('animal', 'model', 'seed', 'take')
    """
    axes: dict[str, list[Any]] = {name: list(v) for name, v in template.values.items()}
    axes.update({axis: list(others[axis]) for axis in GRID_AXES if axis in others})
    return axes, (*template.variables, *GRID_AXES)


def template_from_arguments(
    template: str | None,
    values: Mapping[str, Any] | None,
    *,
    prompts: Any = None,
    requests: Any = None,
) -> PromptTemplate | None:
    """The template of ``Comparison(template=..., values=...)``, refusing what cannot go with it.

    Raises:
        ValueError: ``values`` without a template, or a template with ``prompts`` or
            ``requests``, or what ``PromptTemplate.parse`` refuses.
    """
    if template is None:
        if values is not None:
            raise ValueError(
                "values={...} fill a prompt template: give template='a {animal} ...' too"
            )
        return None
    if prompts is not None or requests is not None:
        given = "prompts" if prompts is not None else "requests"
        raise ValueError(
            f"give either template=... with values={{...}} or {given}=[...], not both "
            "(the template makes the prompts)"
        )
    return PromptTemplate.parse(template, values)


def cell_factors(
    requests: Sequence[Mapping[str, Any]], variables: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """What each cell's effect is measured over: its template variables, else what differs.

    With a template the prompt is left out (the variables say what changed in it); the other
    request fields that differ (``model``, ``seed``...) count as factors too. Takes do not.

    Example:
        >>> cell_factors([{"prompt": "a fox", "model": "m"}, {"prompt": "a wolf", "model": "m"}],
        ...              [{"animal": "fox"}, {"animal": "wolf"}])
        [{'animal': 'fox'}, {'animal': 'wolf'}]
    """
    fields = [f for f in differing_fields(requests) if not (f == "prompt" and any(variables))]
    return [
        {**v, **{f: r.get(f) for f in fields if r.get(f) is not None}}
        for r, v in zip(requests, variables, strict=True)
    ]


def effect_rows(cells: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per factor and value: how many cells, the mean score, stars and metrics.

    Args:
        cells: per cell, ``factors`` (its values), ``rating`` (0 = unrated), ``score`` (its
            Arena score, None when nobody voted on it) and ``metrics`` (a dict, or None).

    Returns:
        One dict per (factor, value), in the order they first appear: the ``EFFECT_COLUMNS``,
        then the mean of each metric the cells have (None where none of them has it).

    Example:
        >>> rows = effect_rows([
        ...     {"factors": {"animal": "fox"}, "rating": 4, "score": 1.0, "metrics": {"motion": 0.5}},
        ...     {"factors": {"animal": "fox"}, "rating": 0, "score": None, "metrics": None},
        ...     {"factors": {"animal": "wolf"}, "rating": 2, "score": -1.0, "metrics": {"motion": 0.1}},
        ... ])
        >>> [(r["value"], r["cells"], r["rating"], r["score"], r["motion"]) for r in rows]
        [('fox', 2, 4.0, 1.0, 0.5), ('wolf', 1, 2.0, -1.0, 0.1)]
    """
    groups: dict[tuple[str, Any], list[Mapping[str, Any]]] = {}
    metrics: list[str] = []
    for cell in cells:
        for name, value in cell["factors"].items():
            groups.setdefault((name, value), []).append(cell)
        for name, value in (cell.get("metrics") or {}).items():
            if _is_number(value) and name not in metrics:
                metrics.append(name)
    rows = []
    for (name, value), members in groups.items():
        ratings = [c["rating"] for c in members if c.get("rating")]
        scores = [c["score"] for c in members if c.get("score") is not None]
        row: dict[str, Any] = {
            "variable": name,
            "value": value,
            "cells": len(members),
            "score": _mean(scores),
            "voted": len(scores),
            "rating": _mean(ratings),
            "rated": len(ratings),
        }
        for metric in metrics:
            found: list[Any] = [(c.get("metrics") or {}).get(metric) for c in members]
            row[metric] = _mean([float(v) for v in found if _is_number(v)])
        rows.append(row)
    return rows


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 6) if values else None


def promoted_cell(source: Cell, caption: str, changes: Mapping[str, Any]) -> Cell:
    """``source``'s request again with ``changes``, labelled where it came from.

    The new request is validated by its model's rules here, before anything is sent; a seed
    the new model would ignore is dropped (unless ``changes`` sets one).

    Raises:
        ValidationError: a field the model cannot take, naming it and what is allowed.

    Example:
        >>> from vidwidgets.client import VideoRequest
        >>> cell = Cell(VideoRequest(model="kling-v1", prompt="a fox", duration=5))
        >>> promoted_cell(cell, "a fox", {"duration": 10}).label
        'promoted from a fox + duration=10'
    """
    data = {**source.request.to_dict(), **changes}
    if "seed" not in changes and data.get("seed") is not None:
        data["seed"] = seed_for(str(data["model"]), data["seed"])
    data = {k: v for k, v in data.items() if v is not None}
    request = VideoRequest.from_dict(data)
    told = " ".join(f"+ {k}={v}" for k, v in changes.items())
    label = f"promoted from {caption or source.request.prompt}" + (f" {told}" if told else "")
    return Cell(request, label=label, variables=dict(source.variables))
