"""The Comparison's refine loop: promote a cell to a new row, and the effect of each value.

``promote()`` runs a cell's request again with changes (the header's Promote button runs it
unchanged), ``effects()`` tabulates per variable and value the mean score, stars and metrics,
and ``stacks`` groups the takes of a request. The plain-data parts are in ``_templates``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import traitlets

from vidwidgets.apps._templates import EFFECT_COLUMNS, cell_factors, effect_rows, promoted_cell

if TYPE_CHECKING:
    import pandas as pd

    from vidwidgets.apps._comparison import ComparisonCell, _GridControl, _GridSpec
    from vidwidgets.experiments import Experiment

__all__ = ["TuningMixin"]


class TuningMixin(traitlets.HasTraits):
    """``promote``, ``effects`` and ``stacks`` of a ``Comparison`` (the Tuning guide)."""

    if TYPE_CHECKING:
        _cells: list[ComparisonCell]
        _spec: _GridSpec
        _control: _GridControl
        experiment: Experiment

        def __getitem__(self, index: int | tuple[int, int]) -> ComparisonCell: ...
        def _grow(self, change: Callable[[], None], *, run: bool) -> list[ComparisonCell]: ...
        def _user_edit(self, apply: Callable[[], None]) -> None: ...

    def promote(
        self, cell: int | tuple[int, int] | ComparisonCell, *, run: bool = True, **changes: Any
    ) -> list[ComparisonCell]:
        """Run a cell's request again with ``changes``, as a new row at the bottom.

        The refine loop: promote the winner to a longer, pro-mode or other-model run. The new
        request is checked by its model's rules before anything is sent (a change it cannot take
        raises ``ValidationError`` naming the field and what is allowed), and it runs through
        the same path as ``add()``. Promoting a cell again with the same changes returns the
        row it already made. A take is not reproduced (only a seed would): the request runs
        again.

        Args:
            cell: the cell, by grid index, ``(row, column)`` or itself.
            run: start the new cell now (default).
            **changes: request fields to change (``duration=10``, ``mode="pro"``,
                ``model="veo-3.1-generate-preview"``).

        Returns:
            The new cell (in a list, like ``add()``).

        Example:
            >>> cmp.promote((0, 1), duration=10)             # doctest: +SKIP
            [ComparisonCell('promoted from animal=fox · place=snow + duration=10', ...)]
        """
        from vidwidgets.apps._comparison import ComparisonCell  # it imports this module

        source = cell if isinstance(cell, ComparisonCell) else self[cell]
        promoted = promoted_cell(source.cell, source.caption, changes)
        self._grow(lambda: self._spec.promote(promoted), run=run)
        return [c for c in self._cells if c.key == promoted.key]

    def effects(self) -> pd.DataFrame:
        """The effect of each value: per variable and value, the mean score, stars and metrics.

        The variables are the template's (or, without one, the request fields that differ);
        promoted rows are left out. Columns: ``variable``, ``value``, ``cells``, ``score`` (the
        mean Arena score of the runs voted on) and ``voted``, ``rating`` (the mean stars of the
        rated runs) and ``rated``, then the mean of each video metric the records hold.

            >>> cmp.effects()                                # doctest: +SKIP
        """
        import pandas as pd

        promoted = {c.key for c in self._spec.promoted}
        grid = [c for c in self._cells if c.key not in promoted]
        self.experiment.reload()
        scores = self.experiment.vote_scores()
        factors = cell_factors(
            [c.request.to_dict() for c in grid], [c.cell.variables for c in grid]
        )
        facts = [
            {
                "factors": found,
                "rating": c.rating,
                "score": scores.get(c.key, {}).get("score"),
                "metrics": getattr(c.record, "metrics", None),  # when the records carry them
            }
            for c, found in zip(grid, factors, strict=True)
        ]
        rows = effect_rows(facts)
        return pd.DataFrame(rows) if rows else pd.DataFrame(columns=list(EFFECT_COLUMNS))

    @property
    def stacks(self) -> list[list[ComparisonCell]]:
        """The cells grouped by spot in the grid: with ``stack_takes=True``, a request's takes."""
        spots: dict[tuple[int, int], list[ComparisonCell]] = {}
        for c in self._cells:
            spots.setdefault((c.row, c.column), []).append(c)
        return list(spots.values())

    def _on_promote_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        # the Promote button: the cell again, unchanged, as a new row (changes: cmp.promote)
        if isinstance(content, dict) and content.get("type") == "promote":
            cell = next((c for c in self._cells if c.key == content.get("key")), None)
            if cell is not None:
                self._control.on_loop(self._user_edit, lambda: self.promote(cell))
