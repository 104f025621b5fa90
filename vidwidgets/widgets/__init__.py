"""The widgets: a per-model request form, one job's progress, and a synchronised video player.

They compose the client (``vidwidgets.client``); the client never imports them.
"""

from vidwidgets._exports import publish
from vidwidgets.widgets._form import ParameterForm
from vidwidgets.widgets._player import VideoPlayer
from vidwidgets.widgets._progress import JobProgress
from vidwidgets.widgets._transfer import send_file

__all__ = ["JobProgress", "ParameterForm", "VideoPlayer", "send_file"]

# reprs, tracebacks and pickle name the top-level exports vidwidgets.X
publish(__name__, globals())
