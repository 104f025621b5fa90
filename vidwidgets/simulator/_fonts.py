"""Fonts for the prompt band: one that draws Chinese, Japanese and Korean, and fallbacks.

Prompts come in any script, and Pillow's built-in font covers little more than ASCII. The band
therefore draws with a chain of fonts, tried per character (the first one with a glyph draws it):

1. the file named by ``VIDWIDGETS_SIM_FONT``, if set;
2. the first CJK-capable font found: the files in ``CJK_FONTS`` (Debian and Ubuntu's
   ``fonts-wqy-microhei``, which the project installs, Noto Sans CJK, Droid Sans Fallback, and the
   system fonts of macOS and Windows), then whatever fontconfig lists for Chinese;
3. DejaVu Sans (Greek, Cyrillic, Arabic, ... where the CJK font has none);
4. Pillow's built-in font.

With no CJK font the simulator logs one warning and draws CJK characters as boxes: a missing
font never fails a render. A glyph is "missing" when it draws exactly like a code point that no
font has (the ``.notdef`` box, or nothing).
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final, TypeAlias

from PIL import Image, ImageDraw, ImageFont

AnyFont: TypeAlias = ImageFont.FreeTypeFont | ImageFont.ImageFont

FONT_ENV: Final = "VIDWIDGETS_SIM_FONT"

#: CJK-capable font files, tried in order: Debian/Ubuntu, Fedora, Arch, macOS, Windows
CJK_FONTS: Final = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/Hiragino Sans GB.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/YuGothM.ttc",
)

#: fonts with Greek and Cyrillic, for characters the CJK font lacks (or when there is none)
LATIN_FONTS: Final = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/arial.ttf",
)

#: a font is CJK-capable when it draws all of these (Han, kana, Hangul)
CJK_PROBE: Final = "宇航あア한"

#: no font maps this code point (plane 16, private use): it draws as the font's .notdef glyph
_NOTDEF: Final = "\U0010fffd"

_log = logging.getLogger("vidwidgets.simulator")


@dataclass
class FontChain:
    """Fonts tried in order for each character; the first with a glyph draws it.

    Args:
        fonts: the fonts, best first; the last one draws whatever no font has.
        paths: where each font came from (``"<built-in>"`` for Pillow's).
        cjk: whether one of the fonts draws Chinese, Japanese and Korean.
    """

    fonts: Sequence[AnyFont]
    paths: Sequence[str]
    cjk: bool
    _choice: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def primary(self) -> AnyFont:
        """The font that draws most of the text (and sets the line's metrics)."""
        return self.fonts[0]

    def font_for(self, char: str) -> int:
        """The index of the font that draws ``char``."""
        index = self._choice.get(char)
        if index is None:
            last = len(self.fonts) - 1
            if char.isspace():
                index = 0
            else:
                index = next((i for i, f in enumerate(self.fonts) if has_glyph(f, char)), last)
            self._choice[char] = index
        return index

    def runs(self, text: str) -> list[tuple[AnyFont, str]]:
        """``text`` split into pieces, each drawn by one font."""
        pieces: list[tuple[int, str]] = []
        for char in text:
            index = self.font_for(char)
            if pieces and pieces[-1][0] == index:
                pieces[-1] = (index, pieces[-1][1] + char)
            else:
                pieces.append((index, char))
        return [(self.fonts[i], piece) for i, piece in pieces]

    def width(self, text: str) -> float:
        """The advance width of ``text`` in pixels."""
        return sum(font.getlength(piece) for font, piece in self.runs(text))

    def ascent(self) -> int:
        """Pixels from the top of a line to its baseline (the primary font's ascent)."""
        font = self.primary
        if isinstance(font, ImageFont.FreeTypeFont):
            return int(font.getmetrics()[0])
        return 0

    def draw(
        self, draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, fill: str = "white"
    ) -> None:
        """Draw one line of ``text``, its top-left at ``xy``, each character in the font that has it."""
        x, y = float(xy[0]), xy[1]
        baseline = y + self.ascent()
        for font, piece in self.runs(text):
            if isinstance(font, ImageFont.FreeTypeFont):
                # one baseline for every run, whatever each font's own ascent
                draw.text((x, baseline), piece, fill=fill, font=font, anchor="ls")
            else:
                draw.text((x, y), piece, fill=fill, font=font)
            x += font.getlength(piece)


def has_glyph(font: AnyFont, char: str) -> bool:
    """Whether ``font`` draws ``char`` as itself (not as its .notdef box or as nothing)."""
    return glyph_image(font, char) != glyph_image(font, _NOTDEF)


@functools.lru_cache(maxsize=4096)
def glyph_image(font: AnyFont, char: str) -> bytes:
    """The pixels of ``char`` drawn alone with ``font`` (for comparing glyphs)."""
    size = int(getattr(font, "size", 16))
    image = Image.new("L", (2 * size + 8, 2 * size + 8))
    ImageDraw.Draw(image).text((4, 4), char, font=font, fill=255)
    return image.tobytes()


@functools.lru_cache(maxsize=32)
def band_fonts(size: int) -> FontChain:
    """The font chain for the prompt band at ``size`` pixels (found once per process)."""
    return chain_from(find_font_files(), size)


def chain_from(found: tuple[str | None, str | None], size: int) -> FontChain:
    """A chain from ``(cjk_path, latin_path)`` (either may be None), ending in the built-in font."""
    cjk_path, latin_path = found
    fonts: list[AnyFont] = []
    paths: list[str] = []
    for path in (cjk_path, latin_path):
        if path is not None and path not in paths:
            fonts.append(ImageFont.truetype(path, size))
            paths.append(path)
    fonts.append(ImageFont.load_default(size=size))
    paths.append("<built-in>")
    return FontChain(fonts, paths, cjk=cjk_path is not None)


@functools.lru_cache(maxsize=1)
def find_font_files() -> tuple[str | None, str | None]:
    """``(cjk_path, latin_path)`` on this machine; logs one warning when no CJK font is found."""
    return resolve_fonts(
        override=os.environ.get(FONT_ENV) or None,
        cjk_candidates=_cjk_candidates(),
        latin_candidates=LATIN_FONTS,
    )


def resolve_fonts(
    *, override: str | None, cjk_candidates: Iterable[str], latin_candidates: Iterable[str]
) -> tuple[str | None, str | None]:
    """Pick the CJK-capable font and the Latin/Greek/Cyrillic one from candidate paths.

    Args:
        override: a font file the user named (``VIDWIDGETS_SIM_FONT``); it comes first when it
            loads, and a warning names it when it does not.
        cjk_candidates: font files to try in order; the first that loads and draws
            ``CJK_PROBE`` wins.
        latin_candidates: font files for other scripts; the first that loads wins.

    Returns:
        ``(cjk_path, latin_path)``: with an override that is not CJK-capable, the override is the
        Latin font; either is None when nothing fits.
    """
    cjk = latin = None
    if override is not None:
        font = _load(override)
        if font is None:
            _log.warning("%s=%r is not a font file Pillow can read; ignored", FONT_ENV, override)
        elif _draws_cjk(font):
            cjk = override
        else:
            latin = override
    if cjk is None:
        cjk = next((p for p in cjk_candidates if _draws_cjk(_load(p))), None)
    if latin is None:
        latin = next((p for p in latin_candidates if _load(p) is not None), None)
    if cjk is None:
        _log.warning(
            "no CJK font found: Chinese, Japanese and Korean prompts are drawn as boxes in the "
            "simulator's videos. Install one (Debian/Ubuntu: apt-get install fonts-wqy-microhei; "
            "or bash scripts/ensure-fonts.sh) or set %s to a .ttf/.otf/.ttc file.",
            FONT_ENV,
        )
    return cjk, latin


def _cjk_candidates() -> Iterator[str]:
    yield from CJK_FONTS
    yield from fontconfig_cjk_files()  # asked only when no known file is there (a subprocess)


def fontconfig_cjk_files() -> list[str]:
    """Font files fontconfig says cover Chinese (empty without fontconfig)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        out = subprocess.run(
            [fc_list, ":lang=zh", "file"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    # sorted: the same machine picks the same font on every run (same videos)
    return sorted({line.strip().rstrip(":") for line in out.splitlines() if line.strip()})


def _load(path: str) -> ImageFont.FreeTypeFont | None:
    try:
        return ImageFont.truetype(path, 24)
    except OSError:
        return None


def _draws_cjk(font: ImageFont.FreeTypeFont | None) -> bool:
    if font is None:
        return False
    glyphs = {glyph_image(font, char) for char in CJK_PROBE}
    # all present, and all different (a font that draws one box for each is no CJK font)
    return len(glyphs) == len(CJK_PROBE) and all(has_glyph(font, char) for char in CJK_PROBE)
