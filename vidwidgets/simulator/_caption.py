"""The prompt band at the bottom of every frame: the prompt wrapped by its width in pixels.

Lines break at spaces, and between any two characters of the scripts written without spaces
(every East Asian wide character: Chinese, Japanese, Korean), but never before closing
punctuation such as 。，、！？」. A word wider than the whole line is cut where it must be, and a
prompt longer than the band ends its last line in "…".
"""

from __future__ import annotations

import unicodedata
from typing import Final

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from vidwidgets.simulator._fonts import FontChain, band_fonts, has_glyph

#: characters that never start a line: they stay with the character before them
NO_BREAK_BEFORE: Final = frozenset(
    "、。，．,.!！?？:：;；)）]］}｝」』】〉》〕…‥ー々ゝゞぁぃぅぇぉっゃゅょァィゥェォッャュョ"
)


def caption_band(
    prompt: str, width: int, height: int, font_px: int
) -> tuple[int, NDArray[np.uint8]]:
    """The prompt in white on a dark translucent band: ``(top row in the frame, RGBA array)``.

    Args:
        prompt: the text, in any script.
        width: the frame's width in pixels.
        height: the frame's height; the band takes at most a third of it, plus one line.
        font_px: the font size in pixels.

    Returns:
        The row where the band starts, and the band as an ``(rows, width, 4)`` uint8 array.
    """
    chain = band_fonts(font_px)
    pad = font_px // 3
    lines = wrap(prompt, chain, width - 2 * pad, max(1, height // (3 * font_px)))
    line_h = int(font_px * 1.25)
    band_h = min(height, line_h * len(lines) + font_px // 2)
    band = Image.new("RGBA", (width, band_h), (0, 0, 0, 150))
    draw = ImageDraw.Draw(band)
    for i, line in enumerate(lines):
        chain.draw(draw, (pad, font_px // 4 + i * line_h), line)
    return height - band_h, np.asarray(band, dtype=np.uint8)


def wrap(text: str, chain: FontChain, max_width: float, max_lines: int) -> list[str]:
    """Break ``text`` into at most ``max_lines`` lines no wider than ``max_width`` pixels.

    Example:
        >>> from vidwidgets.simulator._fonts import band_fonts
        >>> wrap("a fox in the snow", band_fonts(12), 60, 3)  # doctest: +SKIP
        ['a fox in', 'the snow']
    """
    lines: list[str] = []
    line = ""
    for unit in break_units(text):
        if unit == " ":
            line += " " if line else ""
            continue
        if chain.width(line + unit) <= max_width:
            line += unit
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = unit
        while len(line) > 1 and chain.width(line) > max_width:  # a word wider than the line
            cut = _fitting(line, chain, max_width)
            lines.append(line[:cut])
            line = line[cut:]
        if len(lines) > max_lines:
            break
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _ellipsized(lines[max_lines - 1], chain, max_width)]
    return lines


def break_units(text: str) -> list[str]:
    """The pieces between which a line may break; every run of whitespace becomes one ``" "``.

    Example:
        >>> break_units("月球上 walking, 行走。")
        ['月', '球', '上', ' ', 'walking,', ' ', '行', '走。']
    """
    units: list[str] = []
    word = ""
    for char in text:
        if char.isspace():
            if word:
                units.append(word)
                word = ""
            if units and units[-1] != " ":
                units.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cf"):
            continue  # controls and zero-width format characters draw nothing useful
        elif char in NO_BREAK_BEFORE and not word and units and units[-1] != " ":
            units[-1] += char
        elif unicodedata.east_asian_width(char) in ("W", "F") and char not in NO_BREAK_BEFORE:
            if word:
                units.append(word)
                word = ""
            units.append(char)
        else:
            word += char
    if word:
        units.append(word)
    return units


def _fitting(text: str, chain: FontChain, max_width: float) -> int:
    """How many leading characters of ``text`` fit in ``max_width`` (at least one)."""
    cut = 1
    while cut < len(text) and chain.width(text[: cut + 1]) <= max_width:
        cut += 1
    return cut


def _ellipsized(line: str, chain: FontChain, max_width: float) -> str:
    """``line`` shortened until it fits with an ellipsis after it."""
    mark = "…" if any(has_glyph(font, "…") for font in chain.fonts) else "..."
    while line and chain.width(line + mark) > max_width:
        line = line[:-1]
    return line.rstrip() + mark
