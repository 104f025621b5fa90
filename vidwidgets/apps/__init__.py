"""Apps composed of the widgets: the Studio (the Comparison grid joins when it lands)."""

from vidwidgets.apps._studio import Studio, StudioRun

__all__ = ["Studio", "StudioRun"]
