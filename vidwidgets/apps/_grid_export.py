"""The Comparison's exports: a self-contained HTML report and one side-by-side grid video.

The work is ``vidwidgets.export``'s; this mixin picks the cells on disk, the default file
names and the header's Export buttons (run off the loop, saying how they went).
"""

from __future__ import annotations

import os
import pathlib
from typing import TYPE_CHECKING, Any

import traitlets

if TYPE_CHECKING:
    from vidwidgets.apps._comparison import _GridControl
    from vidwidgets.experiments import Experiment

__all__ = ["GridExportMixin"]


class GridExportMixin(traitlets.HasTraits):
    """``export_html`` and ``export_grid_video`` of a ``Comparison``."""

    if TYPE_CHECKING:
        _control: _GridControl
        _export_dir: pathlib.Path | None
        experiment: Experiment
        columns: int
        title: str
        message: str

        @property
        def cell_keys(self) -> list[str]: ...

    def _default_export(self, suffix: str) -> pathlib.Path:
        folder = self._export_dir or pathlib.Path.cwd()
        return folder / f"{self.experiment.path.name}{suffix}"  # already a safe name

    def export_html(
        self, path: str | os.PathLike[str] | None = None, **options: Any
    ) -> pathlib.Path:
        """A self-contained HTML report of this grid (see ``vidwidgets.export.export_html()``).

        It holds the videos, a synchronized player that works offline, and a table of
        parameters and timings.

            >>> cmp.export_html("foxes.html")                # doctest: +SKIP
            PosixPath('/home/me/foxes.html')
        """
        from vidwidgets.export import export_html

        options.setdefault("columns", self.columns)
        options.setdefault("title", self.title or None)
        target = pathlib.Path(path) if path is not None else self._default_export(".html")
        return export_html(self.experiment, target, keys=self._exportable_keys(), **options)

    def export_grid_video(
        self, path: str | os.PathLike[str] | None = None, **options: Any
    ) -> pathlib.Path:
        """One side-by-side MP4 of the grid with captions.

        See [`vidwidgets.export.export_grid_video()`][vidwidgets.export.export_grid_video].

            >>> cmp.export_grid_video("foxes.mp4")           # doctest: +SKIP
        """
        from vidwidgets.export import export_grid_video

        options.setdefault("columns", self.columns)
        target = pathlib.Path(path) if path is not None else self._default_export("-grid.mp4")
        return export_grid_video(self.experiment, target, keys=self._exportable_keys(), **options)

    def _exportable_keys(self) -> list[str]:
        self.experiment.reload()
        return [k for k in self.cell_keys if k in self.experiment]

    def _start_export(self, what: str) -> None:
        if what not in ("html", "video"):
            return
        self.message = (
            "exporting the HTML report…" if what == "html" else "rendering the grid video…"
        )
        job = self.export_html if what == "html" else self.export_grid_video
        self._control.export(job, lambda text: setattr(self, "message", text))
