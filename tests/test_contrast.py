"""Text a projector shows is at least 4.5:1 against its background (WCAG AA): the theme, the page's
own style and every chart's text colours, read from their configurations."""

import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from nnlab.pictures import run_charts
from nnlab.ui.page_setup import CODE_COLORS, SELECTED_COLOR, STYLE

ROOT = Path(__file__).resolve().parents[1]
AA = 4.5


def luminance(colour: str) -> float:
    red, green, blue = (int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, two: str) -> float:
    light, dark = sorted((luminance(one), luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula_matches_wcag():
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#808495", "#FFFFFF") == pytest.approx(3.72, abs=0.01)  # Streamlit's faded text: too faint


THEME = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]


@pytest.mark.parametrize("background", ["backgroundColor", "secondaryBackgroundColor"])
def test_the_themes_text_reads_on_both_backgrounds(background):
    assert contrast(THEME["textColor"], THEME[background]) >= AA


def test_white_text_reads_on_the_primary_colour():
    assert contrast("#FFFFFF", THEME["primaryColor"]) >= AA


def test_captions_are_drawn_dark_enough_on_the_page():
    colour = re.search(r"stCaptionContainer'\]\{color:(#[0-9A-Fa-f]{6})", STYLE).group(1)
    assert "opacity:1" in STYLE and contrast(colour, THEME["backgroundColor"]) >= AA


def test_the_picked_option_of_a_segmented_control_reads_on_its_tint():
    assert contrast(SELECTED_COLOR, "#D8E5EF") >= AA  # Streamlit's tint of the primary colour, in the sidebar


@pytest.mark.parametrize("kinds", CODE_COLORS)
def test_every_kind_of_code_token_reads_on_the_code_block(kinds):
    assert contrast(CODE_COLORS[kinds], "#F8F9FB") >= AA  # st.code's background in the light theme


CHARTS = {
    "loss": lambda: run_charts.loss_curves(pd.DataFrame({"epoch": [1, 2], "train_loss": [1.0, 0.5], "test_loss": [1.1, 0.6]})),
    "confusion": lambda: run_charts.confusion_matrix(
        pd.DataFrame({"actual": ["a", "b"], "predicted": ["a", "b"], "count": [3, 4]}), "Confusion"),
    "units": lambda: run_charts.unit_maps(pd.DataFrame({"x1": [0.0], "x1_end": [1.0], "x2": [0.0], "x2_end": [1.0],
                                                    "1_1": [0.5]})),
}


@pytest.mark.parametrize("name", CHARTS)
def test_every_charts_titles_labels_and_legends_read_on_white(name):
    config = CHARTS[name]()["config"]
    colours = {f"{part}.{key}": config[part][key] for part in ("axis", "legend", "header", "title")
               for key in ("labelColor", "titleColor", "color") if key in config.get(part, {})}
    assert {"axis.labelColor", "axis.titleColor", "legend.labelColor", "legend.titleColor", "title.color"} <= set(colours)
    for where, colour in colours.items():
        assert contrast(colour, THEME["backgroundColor"]) >= AA, where
