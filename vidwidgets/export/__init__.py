"""Export an experiment.

A self-contained HTML report with a synchronized player, and one side-by-side grid video.

    >>> from vidwidgets.export import export_html, export_grid_video
    >>> export_html(experiment, "report.html")             # doctest: +SKIP
    >>> export_grid_video(experiment, "grid.mp4")          # doctest: +SKIP
"""

from vidwidgets._exports import publish
from vidwidgets.export._grid import export_grid_video
from vidwidgets.export._html import export_html

__all__ = ["export_grid_video", "export_html"]

# reprs, tracebacks and pickle name the top-level exports vidwidgets.X
publish(__name__, globals())
