"""What every picture is made with: Vega-Lite specs from DataFrames, sized and coloured for a
projector. The pictures themselves are by area: data_charts, run_charts, many_runs_charts,
study_charts and class_charts.

Each picture is a template, drawn with Altair over named data sets and turned into its Vega-Lite
dict (validated against the schema) once per process and shape: the class names, the axis titles,
the curves present, the language (nnlab.i18n.LANGUAGE: a template's titles and axes are made in
it). Drawing one for a run only fills that dict with the run's frames, its title and
the few numbers a template leaves open (Vega parameters): no Altair and no schema validation per
result, which cost a class's server most of a result's time. A picture function returns the filled
spec, {"datasets": {name: DataFrame}, ...}; `st.vega_lite_chart` sends each frame as Arrow.

Imported by the UI only, so `import nnlab` stays free of altair. Test a picture by its dict.
"""

from __future__ import annotations

import functools
import json
import textwrap

import numpy as np
import pandas as pd

from nnlab import i18n
from nnlab.i18n import N_, msg
from nnlab.lazy import LazyModule
from nnlab.pictures import descriptions

alt = LazyModule("altair")  # imported when the first template is drawn; the *_charts modules draw with it


# Okabe-Ito: distinguishable with the common colour-vision deficiencies; shapes back up colour.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


# lines: no pale yellow or orange; Tol's wine and olive after Okabe-Ito's, so every activation has its own
LINE_PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#56B4E9", "#882255", "#999933"]


TEXT, MUTED_TEXT = "#31333F", "#555867"  # 12.5:1 and 7.1:1 on white
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "wedge", "stroke"]


MIDDLE = "#f7f7f7"  # the neutral middle of every diverging scale


HEIGHT = 320  # the fit and the loss side by side, whole on a 1280x720 projector below the page's controls


FONT = 16


# Vega draws text on a canvas in this font: Streamlit's own first, then a CJK family each platform has
# (Debian's fonts-noto-cjk, macOS and iOS, Windows), so Chinese titles and labels are drawn, not boxes.
FONT_FAMILY = ("'Source Sans', 'Source Sans Pro', 'Source Sans 3', 'Noto Sans CJK SC', 'Noto Sans SC', 'PingFang SC', "
               "'Hiragino Sans GB', 'Microsoft YaHei', sans-serif")


# A phone, or a narrow column. Vega evaluates it in the browser; Python never knows the screen.
NARROW = "containerSize()[0] < 560"


TITLE_CHARS = 30  # what fits across a 390-pixel phone at the title's font


TITLE_CHAR_PIXELS = 11  # about what a Latin character takes at the title's font (a Chinese one: twice that)


CURVE_POINTS = 500  # a longer curve is drawn from evenly spaced epochs: a chart has fewer pixels than that


TEMPLATES = 256  # shapes kept per process: a class's lessons need a few dozen


def thinned(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (rows keyed by an `epoch` column) cut to about CURVE_POINTS evenly spaced epochs,
    the first and the last among them: every redraw sends a chart's whole data to the browser."""
    rows = kept_rows(frame["epoch"].to_numpy())
    return frame if rows is None else frame.iloc[rows]


def kept_rows(epochs: np.ndarray) -> np.ndarray | None:
    """The positions of the rows `thinned` keeps, or None for every row."""
    if len(epochs) <= CURVE_POINTS:
        return None
    if (np.diff(epochs) > 0).all():  # a row an epoch, as a history has: take rows by position
        step = -(-len(epochs) // CURVE_POINTS)
        return np.unique(np.r_[np.arange(0, len(epochs), step), len(epochs) - 1])
    unique = np.unique(epochs)
    step = -(-len(unique) // CURVE_POINTS)
    if step <= 1:
        return None
    return np.flatnonzero(np.isin(epochs, np.r_[unique[::step], unique[-1]]))


def template(build):
    """`build(*shape)` draws a picture with Altair over `alt.NamedData`; this makes its _style
    Vega-Lite dict once per shape and language (cached, shared read-only by every session)."""
    @functools.lru_cache(maxsize=TEMPLATES)
    def made_in(language: str, *shape) -> dict:
        made = translated(_style(build(*shape)).to_dict(), language)
        # Streamlit rewrites a null colour-legend title to " " (a Vega-Lite bug); done here once, it
        # never writes into the shared dict
        colour = made.get("encoding", {}).get("color", {})
        for owner in (colour, colour.get("legend") or {}):
            if "title" in owner and owner["title"] is None:
                owner["title"] = " "
        return made

    def spec(*shape) -> dict:
        return made_in(i18n.LANGUAGE.get(), *shape)
    spec.build, spec.cache_info, spec.cache_clear = build, made_in.cache_info, made_in.cache_clear
    TEMPLATE_BUILDERS.append(spec)
    return spec


TEMPLATE_BUILDERS = []  # every picture's template, in the order the area modules (*_charts) make them


# Data fields whose name Vega-Lite shows as an axis, legend or tooltip title where a template gives none
FIELD_TITLES = (N_("epoch"), N_("unit"), N_("layer"), N_("step"), N_("score"), N_("runs"), N_("diverged"),
                N_("value"), N_("count"), N_("probability"), N_("prediction"), N_("contribution"), N_("bias"),
                N_("weight"), N_("loss"), N_("activation"), N_("label"), N_("votes"), N_("optimizer"))


def translated(spec, language: str, titled: frozenset[str] = frozenset(), field_titles: bool = True):
    """A template's words (titles of the chart, its axes, legends, headers and tooltips; a text
    mark's fixed text; the title Vega-Lite would take from a field's name) in `language`; names
    and numbers are left as they are. `titled`: the channels a sibling layer gives a title of its
    own; Vega-Lite shows that title alone, so a field's name there gets none (an explicit one would
    be joined to it: "target / prediction, prediction")."""
    if language == i18n.ENGLISH:
        return spec
    if isinstance(spec, dict):
        if isinstance(spec.get("layer"), list):
            titled = titled | {channel for layer in spec["layer"] if isinstance(layer, dict)
                               for channel, definition in layer.get("encoding", {}).items()
                               if isinstance(definition, dict) and "title" in definition}
        made = {}
        for key, value in spec.items():
            if key in ("title", "text") and isinstance(value, str):
                made[key] = i18n.translate(value, language)
            elif key == "encoding" and isinstance(value, dict):
                made[key] = {channel: translated(definition, language, titled, channel not in titled)
                             for channel, definition in value.items()}
            else:
                made[key] = translated(value, language, titled)
        if isinstance(spec.get("bind"), dict) and "name" in spec["bind"]:  # a slider's label in the picture
            made["bind"] = {**spec["bind"], "name": i18n.translate(spec["bind"]["name"].strip(), language) + " "}
        if field_titles and isinstance(spec.get("field"), str) and "type" in spec and "title" not in spec:
            titled_as = i18n.translate(spec["field"], language)
            if titled_as != spec["field"]:
                made["title"] = titled_as
        return made
    if isinstance(spec, list):
        return [translated(item, language, titled) for item in spec]
    return spec


def fill_in(spec: dict, title: str | None = None, params: dict[str, float] | None = None, compact: bool = False,
          **frames: pd.DataFrame) -> dict:
    """A template with a run's data sets, its title (wrapped on a chart narrower than it) and the
    values of the parameters it leaves open; the template itself is not changed.
    `compact` sends the frames' numbers in 32 bits: for curves and grids, never for values shown as labels."""
    filled = {**spec, "datasets": {name: _compact(frame) if compact else frame for name, frame in frames.items()}}
    if title is not None:
        title = i18n.translate(title, i18n.LANGUAGE.get())
        filled["title"] = _title(title)
    if params:
        filled["params"] = [*spec.get("params", []), *({"name": name, "value": float(value)}
                                                       for name, value in params.items())]
    return filled


def described(picture):
    """A picture function whose spec carries its description in words (the nnlab.pictures.descriptions function
    of the same name, given the same frames): Vega's ARIA label, and the caption nnlab.ui.pictures
    draws under it."""
    describe = getattr(descriptions, picture.__name__)

    @functools.wraps(picture)
    def with_words(*args, **kwargs) -> dict:
        return {**picture(*args, **kwargs), "description": describe(*args, **kwargs)}
    return with_words


def _compact(frame: pd.DataFrame) -> pd.DataFrame:
    """Half the bytes: 32-bit numbers (a screen shows fewer digits than float32 holds)."""
    wide = {column: {"float64": "float32", "int64": "int32"}[str(kind)]
            for column, kind in frame.dtypes.items() if str(kind) in ("float64", "int64")}
    return frame.astype(wide) if wide else frame


def _style(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Projector sizes, and text dark enough to read from the back of the room (WCAG AA, 4.5:1 on white
    at least: Vega's and Streamlit's default grey is 3.7:1; tests/test_contrast.py checks)."""
    return (chart.configure(font=FONT_FAMILY)  # first: `configure` sets the whole config, the others add to it
            .configure_axis(labelFontSize=FONT, titleFontSize=FONT + 2, grid=True, gridOpacity=0.35,
                            labelColor=MUTED_TEXT, titleColor=TEXT)
            .configure_legend(labelFontSize=FONT, titleFontSize=FONT, symbolSize=160, labelColor=MUTED_TEXT,
                              titleColor=TEXT)
            .configure_header(labelColor=TEXT, titleColor=TEXT)
            .configure_title(fontSize=FONT + 4, anchor="start", color=TEXT)
            .configure_view(strokeOpacity=0))


@functools.lru_cache(maxsize=TEMPLATES)
def _title(title: str) -> str | dict:
    """A long title in lines on a chart narrower than it (Vega would cut it short with "…": half a
    projector's width is such a chart), in one line elsewhere. It breaks after a colon first:
    "Inside the network:" / "first-layer weights". A Chinese character is as wide as two Latin
    ones, and a line of them may break between any two."""
    if text_width(title) <= TITLE_CHARS:
        return title
    for colon in (": ", "："):
        head, found, rest = title.partition(colon)
        if found and text_width(head) < TITLE_CHARS:
            lines = [head + found.strip(), *wrapped_lines(rest)]
            break
    else:
        lines = wrapped_lines(title)
    fits = f"containerSize()[0] >= {text_width(title) * TITLE_CHAR_PIXELS + 20}"
    return {"text": {"expr": f"{fits} ? {json.dumps(title, ensure_ascii=False)} : {json.dumps(lines, ensure_ascii=False)}"}}


def text_width(text: str) -> int:
    return sum(2 if "\u2e80" <= character <= "\uffef" else 1 for character in text)


def wrapped_lines(text: str, chars: int = TITLE_CHARS) -> list[str]:
    if text_width(text) == len(text):  # no wide characters: break between words
        return textwrap.wrap(text, chars)
    lines, line = [], ""
    for character in text:
        if text_width(line + character) > chars:
            lines.append(line)
            line = character.lstrip()
        else:
            line += character
    return [*lines, line] if line else lines


def named(name: str) -> alt.Chart:
    return alt.Chart(alt.NamedData(name))


def top_legend(labels: tuple[str, ...], **options) -> alt.Legend:
    """A legend above the chart, in one row where it fits and in as many columns as fit where it does not."""
    entries = [round(text_width(label) * FONT * 0.55 + 40) for label in labels]  # ~0.55 em a Latin character, plus symbol
    columns = f"width >= {sum(entries)} ? 0 : max(1, floor(width / {max(entries)}))"  # 0: all in one row
    return alt.Legend(orient="top", title=None, columns=alt.ExprRef(columns), labelLimit=alt.ExprRef("width - 30"),
                      **options)


def cell_text(cells: int) -> alt.ExprRef:
    """A heatmap's numbers only where its cells are wide enough to hold them (not on a phone)."""
    return alt.ExprRef(f"width / {cells} >= 44 ? 1 : 0")


def gradient_below(beside: bool = False, **options) -> alt.Legend:
    """A heatmap's colour scale under it, so the cells get the whole width of a phone. It starts at
    the plot's left edge and must end within it: its title beside it where the plot is wide, above
    it where it is narrow (a title such as "test accuracy" and the scale did not fit a phone's plot);
    `beside`: always beside, for a picture without a y axis, whose first label the title keeps
    from the canvas's edge."""
    above = "false" if beside else NARROW
    return alt.Legend(orient="bottom", direction="horizontal", titleOrient=alt.ExprRef(f"{above} ? 'top' : 'left'"),
                      gradientLength=alt.ExprRef(f"clamp(width - ({above} ? 40 : 150), 80, 240)"), **options)


def diverging_scale(reach: str, high: str = PALETTE[1]) -> alt.Scale:
    """A scale from -reach (blue) through 0 (white) to +reach (`high`); `reach` names a parameter."""
    return alt.Scale(domain=[alt.ExprRef(f"-{reach}"), 0, alt.ExprRef(reach)], range=[PALETTE[0], MIDDLE, high])


CLASS_COLOURS = [*PALETTE, "#882255", "#999933"]  # ten classes (the digits) in ten colours: Tol's wine and olive added


def class_scales(classes: tuple[str, ...]) -> tuple[alt.Scale, alt.Scale]:
    colours = alt.Scale(domain=list(classes), range=CLASS_COLOURS[: len(classes)] or CLASS_COLOURS)
    shapes = alt.Scale(domain=list(classes), range=SHAPES[: len(classes)] or SHAPES)
    return colours, shapes


def splits_in(points: pd.DataFrame) -> tuple[str, ...]:
    return tuple(split for split in ("train", "test") if (points["split"] == split).any())


def points_1d(splits: tuple[str, ...], x_title: str, y_title: str) -> alt.Chart:
    return named("points").mark_point(filled=True, size=90, opacity=0.85, color=PALETTE[1]).encode(
        x=alt.X("x:Q", title=x_title), y=alt.Y("target:Q", title=y_title),
        shape=alt.Shape("split:N", scale=alt.Scale(domain=list(splits), range=["circle", "diamond"][: len(splits)]),
                        legend=top_legend(splits, **named_in_language(SPLIT_NAMES))),  # above: the plot keeps the width
        tooltip=["x:Q", "target:Q", "split:N"])


SPLIT_NAMES = {"train": N_("train"), "test": N_("test")}  # a point's part, as the data frames name it


def named_in_language(names: dict[str, str]) -> dict:
    """A legend's `labelExpr` showing data values (`names`' keys) in the language the template is made
    in: the data keeps its own values, so a result's frames are the same in every language."""
    language = i18n.LANGUAGE.get()
    if language == i18n.ENGLISH:
        return {}
    shown = {value: i18n.translate(name, language) for value, name in names.items()}
    return {"labelExpr": f"{json.dumps(shown, ensure_ascii=False)}[datum.label] || datum.label"}


def scatter_layer(classes: tuple[str, ...], titles: tuple[str, str]) -> alt.Chart:
    colours, shapes = class_scales(classes)
    return named("points").mark_point(filled=True, size=70, opacity=0.9, stroke="white", strokeWidth=0.6).encode(
        x=alt.X("x1:Q", title=titles[0], scale=alt.Scale(zero=False)),
        y=alt.Y("x2:Q", title=titles[1], scale=alt.Scale(zero=False)),
        color=alt.Color("class:N", scale=colours, title=N_("class")),
        shape=alt.Shape("class:N", scale=shapes, title=N_("class")),
        tooltip=["x1:Q", "x2:Q", "class:N", "split:N"])


POINT_COLUMNS = ["x1", "x2", "class", "split"]


DECADES_ONLY = "abs(log(datum.value) / LN10 - round(log(datum.value) / LN10)) < 1e-6 ? datum.label : ''"


def gradient_y() -> alt.Y:
    # whole powers of ten, the domain widened to them: labels such as 4e-1, 5e-2, 1e-2 read as uneven steps
    return alt.Y("mean_abs_grad:Q", title=N_("mean |gradient|"), scale=alt.Scale(type="log", nice=True),
                 axis=alt.Axis(format=".0e", labelExpr=DECADES_ONLY))


def layer_names(layers: pd.Series) -> tuple[np.ndarray, tuple[str, ...]]:
    """Linear layers (numbered from 1) as a chart names them, "layer 1" ... "output", and that order."""
    last = int(layers.max()) if len(layers) else 1
    language = i18n.LANGUAGE.get()
    order = (*(i18n.translate(msg("layer {number}", number=layer), language) for layer in range(1, last)),
             i18n.translate(N_("output"), language))
    return np.asarray(order, dtype=object)[layers.to_numpy(dtype=int) - 1], order


def headings_in_language(heading: pd.DataFrame) -> pd.DataFrame:
    """A diagram's layer headings ("output\\nsigmoid") in the run's language, a line at a time."""
    language = i18n.LANGUAGE.get()
    if language == i18n.ENGLISH:
        return heading
    return heading.assign(title=["\n".join(i18n.translate(line, language) for line in title.split("\n"))
                                 for title in heading["title"]])


def score_format(percent: bool, digits: str) -> str:
    return ".0%" if percent else digits
