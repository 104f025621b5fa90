"""The Comparison's playback from Python and its A/B review (docs/comparison.md).

The browser does the frame-by-frame work: these methods send it one message each, and the A/B
traits say which two cells are overlaid and how B is shown against A.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import traitlets

if TYPE_CHECKING:
    from vidwidgets.apps._comparison import ComparisonCell

__all__ = ["ReviewMixin"]


class ReviewMixin(traitlets.HasTraits):
    """``play``, ``pause``, ``seek``, ``step`` and ``ab`` of a ``Comparison``, and its A/B traits."""

    if TYPE_CHECKING:
        _cells: list[ComparisonCell]

        def __getitem__(self, index: int | tuple[int, int]) -> ComparisonCell: ...
        def send(self, content: dict[str, Any], buffers: Any = None) -> None: ...

    #: A/B mode: overlay two cells (by key) with a draggable wipe
    ab_enabled = traitlets.Bool(False).tag(sync=True)
    ab_keys = traitlets.List(traitlets.Unicode(), default_value=["", ""]).tag(sync=True)
    #: A/B review (docs/comparison.md): how B is shown against A, the difference's gain, the
    #: onion skin's opacity of B, B's offset in frames (+: B runs ahead) and whose sound plays
    ab_mode = traitlets.Enum(("wipe", "side", "difference", "onion"), "wipe").tag(sync=True)
    ab_gain = traitlets.Float(4.0, min=1.0, max=32.0).tag(sync=True)
    ab_opacity = traitlets.Float(0.5, min=0.0, max=1.0).tag(sync=True)
    ab_offset_frames = traitlets.Int(0).tag(sync=True)
    ab_audio = traitlets.Enum(("none", "a", "b"), "none").tag(sync=True)

    def play(self) -> None:
        """Play every video at once (in every view of this grid)."""
        self.send({"type": "play"})

    def pause(self) -> None:
        self.send({"type": "pause"})

    def seek(self, t: float) -> None:
        """Move every video to ``t`` seconds."""
        self.send({"type": "seek", "t": max(0.0, float(t))})

    def step(self, frames: int = 1) -> None:
        """Pause and step every video by ``frames`` frames (negative: back)."""
        self.send({"type": "step", "n": int(frames)})

    def ab(
        self, a: int | tuple[int, int] | None = None, b: int | tuple[int, int] | None = None
    ) -> None:
        """Show A/B mode: cells ``a`` and ``b`` overlaid with a draggable wipe.

        The default is the first two cells; ``ab_enabled = False`` hides it again.
        """
        first = self[a if a is not None else 0]
        second = self[b if b is not None else (1 if len(self._cells) > 1 else 0)]
        self.ab_keys = [first.key, second.key]
        self.ab_enabled = True
