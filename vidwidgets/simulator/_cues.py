"""What a prompt says about its video: cue words that set the motion, the flicker and the cuts.

The simulator's videos are meant to be measured (motion, flicker, cuts), so a prompt's words
steer them. Words match whole and case-insensitively; the CJK ones match anywhere.

| cue | words | effect |
|---|---|---|
| still | still, calm, static, motionless, tranquil, serene, frozen, lake, pond; 静, 湖 | almost no motion (speeds × 0.03) |
| fast | fast, running, run(s), race, racing, chase, chasing, sprint, speeding, rushing, zooming; 跑, 奔, 追, 速 | much motion (speeds × 3, a stronger shimmer) |
| flicker | strobe, flicker, flickering, flashing, flash(es), lightning, blinking; 闪, 閃 | the whole picture goes dark every other frame or two |
| cuts | "two scenes" (… "six scenes", or "2 scenes"): one cut fewer than scenes; each "then", "cut", "cuts to"; "montage": three; 然后, 接着 | that many hard cuts (a new palette and new shapes), at seeded frames |

With no motion cue the motion is moderate (speeds × 0.3–0.7, seeded). "fast" wins over "still"
("still running" runs). The cuts are the largest of the counts (at most five, and at most one
per four frames), so "two scenes: a lake, then a city" has one cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

#: speed multipliers for the motion cues
STILL_MOTION: Final = 0.03
FAST_MOTION: Final = 3.0
#: the moderate range when no motion cue is present
MODERATE_MOTION: Final = (0.3, 0.7)
MAX_CUTS: Final = 5
MONTAGE_CUTS: Final = 3

_I = re.IGNORECASE
STILL: Final = re.compile(
    r"\b(?:still|calm|static|motionless|tranquil|serene|frozen|lakes?|ponds?)\b|静|湖", _I
)
FAST: Final = re.compile(
    r"\b(?:fast|running|runs?|races?|racing|chases?|chasing|sprint\w*|speeding|rushing|zooming)\b"
    r"|跑|奔|追|速",
    _I,
)
FLICKER: Final = re.compile(
    r"\b(?:strobe\w*|flicker\w*|flashing|flash(?:es)?|lightning|blinking)\b|闪|閃", _I
)
CUT_WORDS: Final = re.compile(r"\b(?:then|cuts?(?: to)?)\b|然后|接着", _I)
MONTAGE: Final = re.compile(r"\bmontage\b", _I)
SCENES: Final = re.compile(r"\b(two|three|four|five|six|[2-9])\s+(?:scenes|shots)\b", _I)
_NUMBERS: Final = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


@dataclass(frozen=True)
class SceneCues:
    """What the prompt asked for; the seeded parts (which frames, how moderate) come later.

    Args:
        motion: the speed multiplier, or None for a moderate seeded one.
        flicker: whether the brightness strobes.
        cuts: how many hard cuts.
    """

    motion: float | None = None
    flicker: bool = False
    cuts: int = 0


def read_cues(prompt: str) -> SceneCues:
    """The cues in ``prompt`` (see the module's table).

    Example:
        >>> read_cues("two scenes: a still lake, then lightning")
        SceneCues(motion=0.03, flicker=True, cuts=1)
    """
    motion = None
    if FAST.search(prompt):
        motion = FAST_MOTION
    elif STILL.search(prompt):
        motion = STILL_MOTION
    scenes = [_NUMBERS.get(m.lower(), 0) or int(m) for m in SCENES.findall(prompt)]
    cuts = max(
        [len(CUT_WORDS.findall(prompt)), MONTAGE_CUTS if MONTAGE.search(prompt) else 0]
        + [n - 1 for n in scenes]
    )
    return SceneCues(motion=motion, flicker=bool(FLICKER.search(prompt)), cuts=min(MAX_CUTS, cuts))
