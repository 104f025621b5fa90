"""The prompt band draws any script legibly, and wraps text written without spaces by width.

A CJK-capable font is installed by the project (scripts/ensure-fonts.sh, binder/apt.txt); without
one the CJK tests are skipped, except under ``CI=true``, where that is an error.
"""

from __future__ import annotations

import io
import logging
import os

import numpy as np
import pytest
from PIL import Image, ImageDraw

from vidwidgets.simulator._caption import break_units, caption_band, wrap
from vidwidgets.simulator._fonts import (
    CJK_FONTS,
    CJK_PROBE,
    LATIN_FONTS,
    band_fonts,
    chain_from,
    find_font_files,
    glyph_image,
    has_glyph,
    resolve_fonts,
)
from vidwidgets.simulator._render import VideoKey, render_still

GUIDE_PROMPT = "一个穿着宇航服的宇航员在月球上行走"
SCRIPTS = {
    "Latin": "Café au lait, naïve façade",
    "Cyrillic": "Привет, мир",
    "Greek": "Καλημέρα κόσμε",
    "Chinese": GUIDE_PROMPT,
    "Japanese": "月面を歩く宇宙飛行士、こんにちは",
    "Korean": "달 위를 걷는 우주비행사",
}

_in_ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
if find_font_files()[0] is None and _in_ci:
    pytest.fail("CI=true and no CJK font: run bash scripts/ensure-fonts.sh", pytrace=False)
needs_cjk = pytest.mark.skipif(
    find_font_files()[0] is None, reason="no CJK font here: bash scripts/ensure-fonts.sh"
)


@needs_cjk
def test_the_band_font_is_cjk_capable() -> None:
    chain = band_fonts(24)
    assert chain.cjk
    assert chain.paths[0] == find_font_files()[0]
    assert all(has_glyph(chain.primary, char) for char in CJK_PROBE)


@needs_cjk
def test_two_different_cjk_characters_draw_differently_not_as_the_same_box() -> None:
    primary = band_fonts(24).primary
    assert glyph_image(primary, "宇") != glyph_image(primary, "航")
    assert glyph_image(primary, "宇") != glyph_image(primary, "\U0010fffd")  # not the .notdef box


@needs_cjk
@pytest.mark.parametrize("script", SCRIPTS)
def test_every_character_of_each_script_has_a_font_that_draws_it(script: str) -> None:
    chain = band_fonts(16)
    missing = [
        c
        for c in SCRIPTS[script]
        if not c.isspace() and not has_glyph(chain.fonts[chain.font_for(c)], c)
    ]
    assert missing == []


@needs_cjk
def test_the_guides_chinese_prompt_is_drawn_into_the_video_as_distinct_glyphs() -> None:
    def band(prompt: str) -> np.ndarray:
        key = VideoKey("kling-v1", prompt, seed=1, width=320, height=180, seconds=1, fps=4)
        still = Image.open(io.BytesIO(render_still(key, "png"))).convert("L")
        return np.asarray(still, dtype=int)[-22:]  # the caption band

    guide, other = band(GUIDE_PROMPT), band("月" * len(GUIDE_PROMPT))
    assert (guide > 200).sum() > 100  # white glyph pixels
    assert np.abs(guide - other).mean() > 5  # boxes would make both bands the same


@needs_cjk
def test_cjk_text_wraps_by_width_without_losing_a_character() -> None:
    chain = band_fonts(16)
    lines = wrap(GUIDE_PROMPT * 2, chain, 150, max_lines=10)
    assert len(lines) >= 3
    assert all(chain.width(line) <= 150 for line in lines)
    assert "".join(lines) == GUIDE_PROMPT * 2


@needs_cjk
def test_closing_punctuation_never_starts_a_line() -> None:
    chain = band_fonts(16)
    text = "宇航员在月球上行走，然后回到地球。" * 4
    for width in range(60, 200, 7):
        assert not any(line[0] in "，。" for line in wrap(text, chain, width, max_lines=20))


def test_latin_text_wraps_at_spaces() -> None:
    chain = band_fonts(16)
    lines = wrap("a red fox walks through the deep snow at dawn", chain, 120, max_lines=10)
    assert len(lines) > 1
    assert " ".join(lines) == "a red fox walks through the deep snow at dawn"
    assert all(chain.width(line) <= 120 for line in lines)


def test_a_word_wider_than_the_line_is_cut_to_fit() -> None:
    chain = band_fonts(16)
    lines = wrap("Pneumonoultramicroscopicsilicovolcanoconiosis", chain, 80, max_lines=10)
    assert len(lines) > 1
    assert all(chain.width(line) <= 80 for line in lines)


def test_a_prompt_longer_than_the_band_ends_in_an_ellipsis() -> None:
    chain = band_fonts(16)
    lines = wrap("a fox in the snow " * 20, chain, 120, max_lines=2)
    assert len(lines) == 2
    assert lines[-1].endswith(("…", "..."))
    assert chain.width(lines[-1]) <= 120


def test_break_units_split_cjk_per_character_and_keep_words_whole() -> None:
    assert break_units("月球上 walking,\n\t行走。") == [
        "月",
        "球",
        "上",
        " ",
        "walking,",
        " ",
        "行",
        "走。",
    ]


def test_without_a_cjk_font_one_warning_names_the_fix(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="vidwidgets.simulator"):
        found = resolve_fonts(override=None, cjk_candidates=[], latin_candidates=LATIN_FONTS)
    assert found[0] is None
    assert len(caplog.records) == 1
    assert "fonts-wqy-microhei" in caplog.text
    assert "VIDWIDGETS_SIM_FONT" in caplog.text


def test_without_any_font_file_the_band_still_draws() -> None:
    chain = chain_from((None, None), 16)
    band = Image.new("RGBA", (200, 40))
    chain.draw(ImageDraw.Draw(band), (2, 2), GUIDE_PROMPT + " Привет hello")
    assert not chain.cjk
    assert np.asarray(band)[:, :, 3].max() > 0  # something drawn: boxes and Latin


def test_the_band_of_an_empty_prompt_is_a_thin_strip() -> None:
    top, band = caption_band(" ", 96, 64, 8)
    assert band.shape == (4, 96, 4)
    assert top == 60


@needs_cjk
def test_a_cjk_font_named_by_the_environment_comes_first(caplog: pytest.LogCaptureFixture) -> None:
    cjk = find_font_files()[0]
    with caplog.at_level(logging.WARNING, logger="vidwidgets.simulator"):
        found = resolve_fonts(override=cjk, cjk_candidates=[], latin_candidates=[])
    assert found == (cjk, None)
    assert caplog.records == []


def test_an_unreadable_font_named_by_the_environment_is_ignored_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="vidwidgets.simulator"):
        found = resolve_fonts(
            override="/nonexistent/font.ttf", cjk_candidates=CJK_FONTS, latin_candidates=[]
        )
    assert found[0] != "/nonexistent/font.ttf"
    assert "/nonexistent/font.ttf" in caplog.text
