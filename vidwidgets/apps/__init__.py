"""Apps composed of the widgets: the Studio, the Comparison grid and the blind Arena."""

from vidwidgets._exports import publish
from vidwidgets.apps._arena import Arena
from vidwidgets.apps._comparison import Comparison, ComparisonCell
from vidwidgets.apps._studio import Studio, StudioRun

__all__ = ["Arena", "Comparison", "ComparisonCell", "Studio", "StudioRun"]

# reprs, tracebacks and pickle name the top-level exports vidwidgets.X
publish(__name__, globals())
