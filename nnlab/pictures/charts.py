"""The pictures: Vega-Lite specs from DataFrames, sized and coloured for a projector.

Each picture is a template, drawn with Altair over named data sets and turned into its Vega-Lite
dict (validated against the schema) once per process and shape: the class names, the axis titles,
the curves present, the language (nnlab.i18n.LANGUAGE: a template's titles and axes are made in
it). Drawing one for a run only fills that dict with the run's frames, its title and
the few numbers a template leaves open (Vega parameters): no Altair and no schema validation per
result, which cost a class's server most of a result's time. A function here returns the filled
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
from nnlab.i18n import N_, capitalized, msg
from nnlab.lazy import LazyModule
from nnlab.pictures import descriptions

alt = LazyModule("altair")  # imported when the first template is drawn

# Okabe-Ito: distinguishable with the common colour-vision deficiencies; shapes back up colour.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
LINE_PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#56B4E9"]  # lines: no pale yellow or orange
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "wedge", "stroke"]
TEXT, MUTED_TEXT = "#31333F", "#555867"  # 12.5:1 and 7.1:1 on white
MIDDLE = "#f7f7f7"  # the neutral middle of every diverging scale
HEIGHT = 320  # the fit and the loss side by side, whole on a 1280x720 projector below the page's controls
# A chart's height holds its title and axes too (Streamlit sizes a chart to fit: autosize "fit"). A plane's
# picture gives up its legends' width beside the plot, so it takes more height to stay near square.
PLANE_HEIGHT = HEIGHT + 100
FONT = 16
# Vega draws text on a canvas in this font: Streamlit's own first, then a CJK family each platform has
# (Debian's fonts-noto-cjk, macOS and iOS, Windows), so Chinese titles and labels are drawn, not boxes.
FONT_FAMILY = ("'Source Sans', 'Source Sans Pro', 'Source Sans 3', 'Noto Sans CJK SC', 'Noto Sans SC', 'PingFang SC', "
               "'Hiragino Sans GB', 'Microsoft YaHei', sans-serif")
# A phone, or a narrow column. Vega evaluates it in the browser; Python never knows the screen.
NARROW = "containerSize()[0] < 560"
TITLE_CHARS = 30  # what fits across a 390-pixel phone at the title's font
TITLE_CHAR_PIXELS = 11  # about what a Latin character takes at the title's font (a Chinese one: twice that)
PIXEL = 5  # screen pixels per image pixel: an 8x8 digit is 40 px, legible from the back of a room
CURVE_POINTS = 500  # a longer curve is drawn from evenly spaced epochs: a chart has fewer pixels than that
TEMPLATES = 256  # shapes kept per process: a class's lessons need a few dozen


def thinned(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (rows keyed by an `epoch` column) cut to about CURVE_POINTS evenly spaced epochs,
    the first and the last among them: every redraw sends a chart's whole data to the browser."""
    rows = _kept_rows(frame["epoch"].to_numpy())
    return frame if rows is None else frame.iloc[rows]


def _kept_rows(epochs: np.ndarray) -> np.ndarray | None:
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
    """`build(*shape)` draws a picture with Altair over `alt.NamedData`; this makes its styled
    Vega-Lite dict once per shape and language (cached, shared read-only by every session)."""
    @functools.lru_cache(maxsize=TEMPLATES)
    def made_in(language: str, *shape) -> dict:
        made = _translated(_style(build(*shape)).to_dict(), language)
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
    return spec


# Data fields whose name Vega-Lite shows as an axis, legend or tooltip title where a template gives none
FIELD_TITLES = (N_("epoch"), N_("unit"), N_("layer"), N_("step"), N_("score"), N_("runs"), N_("diverged"),
                N_("value"), N_("count"), N_("probability"), N_("prediction"), N_("contribution"), N_("bias"),
                N_("weight"), N_("loss"), N_("activation"), N_("label"), N_("votes"), N_("optimizer"))


def _translated(spec, language: str, titled: frozenset[str] = frozenset(), field_titles: bool = True):
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
                made[key] = {channel: _translated(definition, language, titled, channel not in titled)
                             for channel, definition in value.items()}
            else:
                made[key] = _translated(value, language, titled)
        if isinstance(spec.get("bind"), dict) and "name" in spec["bind"]:  # a slider's label in the picture
            made["bind"] = {**spec["bind"], "name": i18n.translate(spec["bind"]["name"].strip(), language) + " "}
        if field_titles and isinstance(spec.get("field"), str) and "type" in spec and "title" not in spec:
            titled_as = i18n.translate(spec["field"], language)
            if titled_as != spec["field"]:
                made["title"] = titled_as
        return made
    if isinstance(spec, list):
        return [_translated(item, language, titled) for item in spec]
    return spec


def _fill(spec: dict, title: str | None = None, params: dict[str, float] | None = None, compact: bool = False,
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
    if _width(title) <= TITLE_CHARS:
        return title
    for colon in (": ", "："):
        head, found, rest = title.partition(colon)
        if found and _width(head) < TITLE_CHARS:
            lines = [head + found.strip(), *_wrap(rest)]
            break
    else:
        lines = _wrap(title)
    fits = f"containerSize()[0] >= {_width(title) * TITLE_CHAR_PIXELS + 20}"
    return {"text": {"expr": f"{fits} ? {json.dumps(title, ensure_ascii=False)} : {json.dumps(lines, ensure_ascii=False)}"}}


def _width(text: str) -> int:
    return sum(2 if "\u2e80" <= character <= "\uffef" else 1 for character in text)


def _wrap(text: str, chars: int = TITLE_CHARS) -> list[str]:
    if _width(text) == len(text):  # no wide characters: break between words
        return textwrap.wrap(text, chars)
    lines, line = [], ""
    for character in text:
        if _width(line + character) > chars:
            lines.append(line)
            line = character.lstrip()
        else:
            line += character
    return [*lines, line] if line else lines


def _data(name: str) -> alt.Chart:
    return alt.Chart(alt.NamedData(name))


def _top_legend(labels: tuple[str, ...], **options) -> alt.Legend:
    """A legend above the chart, in one row where it fits and in as many columns as fit where it does not."""
    entries = [round(_width(label) * FONT * 0.55 + 40) for label in labels]  # ~0.55 em a Latin character, plus symbol
    columns = f"width >= {sum(entries)} ? 0 : max(1, floor(width / {max(entries)}))"  # 0: all in one row
    return alt.Legend(orient="top", title=None, columns=alt.ExprRef(columns), labelLimit=alt.ExprRef("width - 30"),
                      **options)


def _cell_text(cells: int) -> alt.ExprRef:
    """A heatmap's numbers only where its cells are wide enough to hold them (not on a phone)."""
    return alt.ExprRef(f"width / {cells} >= 44 ? 1 : 0")


def _gradient_below(beside: bool = False, **options) -> alt.Legend:
    """A heatmap's colour scale under it, so the cells get the whole width of a phone. It starts at
    the plot's left edge and must end within it: its title beside it where the plot is wide, above
    it where it is narrow (a title such as "test accuracy" and the scale did not fit a phone's plot);
    `beside`: always beside, for a picture without a y axis, whose first label the title keeps
    from the canvas's edge."""
    above = "false" if beside else NARROW
    return alt.Legend(orient="bottom", direction="horizontal", titleOrient=alt.ExprRef(f"{above} ? 'top' : 'left'"),
                      gradientLength=alt.ExprRef(f"clamp(width - ({above} ? 40 : 150), 80, 240)"), **options)


def _diverging(reach: str, high: str = PALETTE[1]) -> alt.Scale:
    """A scale from -reach (blue) through 0 (white) to +reach (`high`); `reach` names a parameter."""
    return alt.Scale(domain=[alt.ExprRef(f"-{reach}"), 0, alt.ExprRef(reach)], range=[PALETTE[0], MIDDLE, high])


def _field(name: str) -> str:
    """A column name as a Vega-Lite field: dots and brackets would otherwise mean nested access."""
    return name.replace("\\", "\\\\").replace(".", "\\.").replace("[", "\\[").replace("]", "\\]")


CLASS_COLOURS = [*PALETTE, "#882255", "#999933"]  # ten classes (the digits) in ten colours: Tol's wine and olive added


def _class_scales(classes: tuple[str, ...]) -> tuple[alt.Scale, alt.Scale]:
    colours = alt.Scale(domain=list(classes), range=CLASS_COLOURS[: len(classes)] or CLASS_COLOURS)
    shapes = alt.Scale(domain=list(classes), range=SHAPES[: len(classes)] or SHAPES)
    return colours, shapes


def _splits(points: pd.DataFrame) -> tuple[str, ...]:
    return tuple(split for split in ("train", "test") if (points["split"] == split).any())


def _points_1d(splits: tuple[str, ...], x_title: str, y_title: str) -> alt.Chart:
    return _data("points").mark_point(filled=True, size=90, opacity=0.85, color=PALETTE[1]).encode(
        x=alt.X("x:Q", title=x_title), y=alt.Y("target:Q", title=y_title),
        shape=alt.Shape("split:N", scale=alt.Scale(domain=list(splits), range=["circle", "diamond"][: len(splits)]),
                        legend=_top_legend(splits, **_named_in_language(SPLIT_NAMES))),  # above: the plot keeps the width
        tooltip=["x:Q", "target:Q", "split:N"])


SPLIT_NAMES = {"train": N_("train"), "test": N_("test")}  # a point's part, as the data frames name it


def _named_in_language(names: dict[str, str]) -> dict:
    """A legend's `labelExpr` showing data values (`names`' keys) in the language the template is made
    in: the data keeps its own values, so a result's frames are the same in every language."""
    language = i18n.LANGUAGE.get()
    if language == i18n.ENGLISH:
        return {}
    shown = {value: i18n.translate(name, language) for value, name in names.items()}
    return {"labelExpr": f"{json.dumps(shown, ensure_ascii=False)}[datum.label] || datum.label"}


@template
def _scatter_1d(x_title: str, splits: tuple[str, ...]) -> alt.Chart:
    return _points_1d(splits, x_title, N_("target")).properties(height=HEIGHT)


@described
def scatter_1d(points: pd.DataFrame, x_title: str = "x") -> dict:
    """Points of a 1-D dataset (columns x, target, split)."""
    return _fill(_scatter_1d(x_title, _splits(points)), N_("The data"), points=points[["x", "target", "split"]])


@template
def _fit_1d(x_title: str, splits: tuple[str, ...]) -> alt.LayerChart:
    line = _data("curve").mark_line(strokeWidth=4, color=PALETTE[0]).encode(
        x="x:Q", y="prediction:Q", tooltip=[alt.Tooltip("x:Q", format=".2f"), alt.Tooltip("prediction:Q", format=".3f")])
    return (_points_1d(splits, x_title, N_("target / prediction")) + line).properties(height=HEIGHT)


@described
def fit_1d(points: pd.DataFrame, curve: pd.DataFrame, title: str | None = None, x_title: str = "x") -> dict:
    """Data points and the network's output over x, as in the tutorials' plots."""
    epoch = int(curve["epoch"].iloc[0]) if len(curve) else 0
    title = msg("Fit after epoch {epoch}", epoch=epoch) if title is None else title
    return _fill(_fit_1d(x_title, _splits(points)), title, compact=True, points=points[["x", "target", "split"]],
                 curve=curve[["x", "prediction"]])


def _scatter_layer(classes: tuple[str, ...], titles: tuple[str, str]) -> alt.Chart:
    colours, shapes = _class_scales(classes)
    return _data("points").mark_point(filled=True, size=70, opacity=0.9, stroke="white", strokeWidth=0.6).encode(
        x=alt.X("x1:Q", title=titles[0], scale=alt.Scale(zero=False)),
        y=alt.Y("x2:Q", title=titles[1], scale=alt.Scale(zero=False)),
        color=alt.Color("class:N", scale=colours, title=N_("class")),
        shape=alt.Shape("class:N", scale=shapes, title=N_("class")),
        tooltip=["x1:Q", "x2:Q", "class:N", "split:N"])


POINT_COLUMNS = ["x1", "x2", "class", "split"]


@template
def _scatter_2d(classes: tuple[str, ...], titles: tuple[str, str]) -> alt.Chart:
    return _scatter_layer(classes, titles).properties(height=HEIGHT + 80)


@described
def scatter_2d(points: pd.DataFrame, classes: list[str], titles: tuple[str, str] = ("x1", "x2")) -> dict:
    """Points of a 2-D dataset (columns x1, x2, class, split), colour and shape by class."""
    return _fill(_scatter_2d(tuple(classes), tuple(titles)), N_("The data"), points=points[POINT_COLUMNS])


@template
def _decision_boundary(classes: tuple[str, ...], titles: tuple[str, str]) -> alt.LayerChart:
    heat = _data("grid").mark_rect(opacity=0.55).encode(
        x=alt.X("x1:Q", scale=alt.Scale(zero=False, nice=False)), x2="x1_end:Q",
        y=alt.Y("x2:Q", scale=alt.Scale(zero=False, nice=False)), y2="x2_end:Q",
        fill=alt.Fill("probability:Q", scale=alt.Scale(domain=[0, 1], range=[PALETTE[0], MIDDLE, PALETTE[1]]),
                      title=f"P({classes[-1]})", legend=alt.Legend(gradientLength=HEIGHT // 3)))
    # fill, not color, for the heatmap: the points' colour and shape then share one class legend
    return (heat + _scatter_layer(classes, titles)).properties(height=PLANE_HEIGHT)


@described
def decision_boundary(grid: pd.DataFrame, points: pd.DataFrame, classes: list[str], title: str,
                      titles: tuple[str, str] = ("x1", "x2"), discretize: bool = False) -> dict:
    """Probability of the second class as a diverging heatmap under the points; `discretize` shows
    only which side of 0.5 each cell is on, as Playground's "Discretize output" does."""
    if discretize:
        grid = grid.assign(probability=(grid["probability"] > 0.5).astype(float))
    return _fill(_decision_boundary(tuple(classes), tuple(titles)), title, compact=True, grid=grid,
                 points=points[POINT_COLUMNS])


@template
def _value_plane(titles: tuple[str, str], with_grid: bool) -> alt.Chart | alt.LayerChart:
    scale = _diverging("reach")
    dots = _data("points").mark_circle(size=70, opacity=0.95, stroke=TEXT, strokeWidth=0.8).encode(
        x=alt.X("x1:Q", title=titles[0], scale=alt.Scale(zero=False, nice=False)),
        y=alt.Y("x2:Q", title=titles[1], scale=alt.Scale(zero=False, nice=False)),
        color=alt.Color("target:Q", scale=scale, title=N_("target"), legend=alt.Legend(gradientLength=HEIGHT // 3)),
        tooltip=["x1:Q", "x2:Q", alt.Tooltip("target:Q", format=".3f"), "split:N"])
    if not with_grid:
        return dots.properties(height=PLANE_HEIGHT)
    heat = _data("grid").mark_rect(opacity=0.6).encode(
        x="x1:Q", x2="x1_end:Q", y="x2:Q", y2="x2_end:Q",
        fill=alt.Fill("prediction:Q", scale=scale, title=N_("prediction"), legend=None))
    return (heat + dots).properties(height=PLANE_HEIGHT)


@described
def value_plane(points: pd.DataFrame, grid: pd.DataFrame | None = None, title: str = "The data",
                titles: tuple[str, str] = ("x1", "x2")) -> dict:
    """2-D regression: the points coloured by their target on a diverging scale, over a heatmap of
    the network's prediction (`grid`: x1, x2, their ends and `prediction`) when there is one."""
    low, high = float(points["target"].min()), float(points["target"].max())
    frames = {"points": points[["x1", "x2", "target", "split"]]}
    if grid is not None:
        low, high = min(low, float(grid["prediction"].min())), max(high, float(grid["prediction"].max()))
        frames["grid"] = grid
    reach = max(abs(low), abs(high), 1e-6)
    return _fill(_value_plane(tuple(titles), grid is not None), title, {"reach": reach}, compact=True, **frames)


@template
def _image_grid(columns: int, rows: int, predicted: bool) -> alt.LayerChart:
    x = alt.X("column:Q", axis=None, scale=alt.Scale(domain=[0, columns], nice=False, zero=True))
    y = alt.Y("row:Q", axis=None, scale=alt.Scale(domain=[0, rows], nice=False, zero=True, reverse=True))
    images = _data("pixels").transform_calculate(column_end="datum.column + 1", row_end="datum.row + 1").mark_rect().encode(
        x=x, x2="column_end:Q", y=y, y2="row_end:Q",
        color=alt.Color("ink:Q", scale=alt.Scale(scheme="greys"), legend=None),
        tooltip=["image:Q", "actual:N"] + (["predicted:N"] if predicted else []))
    text = _data("labels").mark_text(align="left", baseline="bottom", dy=-2, fontSize=FONT - 1, fontWeight="bold").encode(
        x=x, y=y, text="text:N",  # just above the image's first row, nearer it than the image above
        color=alt.condition(alt.datum.wrong, alt.value(PALETTE[3]), alt.value(TEXT)))
    return (images + text).properties(width=columns * PIXEL, height=rows * PIXEL)


@described
def image_grid(pixels: pd.DataFrame, title: str) -> dict:
    """Small images in a grid (views.image_grid), each labelled by its class or, with predictions,
    by the network's answer: a wrong one's label is red, with a cross (the image shows what it
    is; its tooltip and the confusion matrix say it too). Square pixels of PIXEL screen pixels, so
    the grid keeps its shape at any page width."""
    predicted = "predicted" in pixels
    columns, rows = int(pixels["column"].max()) + 1, int(pixels["row"].max()) + 1
    labels = pixels.groupby("image").first().reset_index()
    labels["wrong"] = labels["predicted"] != labels["actual"] if predicted else False
    answer = labels["predicted"] if predicted else labels["actual"]
    labels["text"] = np.where(labels["wrong"], answer + " ✗", answer)
    return _fill(_image_grid(columns, rows, predicted), title, pixels=pixels, labels=labels[["column", "row", "text", "wrong"]])


@template
def _class_balance(classes: tuple[str, ...]) -> alt.Chart:
    colours, _ = _class_scales(tuple(sorted(classes)))
    return _data("counts").mark_bar().encode(
        x=alt.X("rows:Q", title=N_("rows")), y=alt.Y("class:N", sort="-x", title=None),
        color=alt.Color("class:N", scale=colours, legend=None), tooltip=["class:N", "rows:Q"],
    ).properties(height=alt.Step(56))


@described
def class_balance(labels: pd.Series) -> dict:
    counts = labels.value_counts().rename_axis("class").reset_index(name="rows")
    counts["class"] = [str(c) for c in counts["class"]]
    return _fill(_class_balance(tuple(counts["class"])), N_("Class balance"), counts=counts)


@template
def _feature_histogram(feature: str, by: str | None, classes: tuple[str, ...]) -> alt.Chart:
    encoding = {"x": alt.X(field=_field(feature), type="quantitative", bin=alt.Bin(maxbins=20), title=feature),
                "y": alt.Y("count():Q", title=N_("rows"))}
    chart = _data("rows").mark_bar(opacity=0.75)
    if by:
        colours, _ = _class_scales(classes)
        chart = chart.transform_calculate(cls=f"toString(datum['{by}'])")
        encoding["color"] = alt.Color("cls:N", scale=colours, title=by)
    return chart.encode(**encoding).properties(height=HEIGHT)


@described
def feature_histogram(frame: pd.DataFrame, feature: str, by: str | None) -> dict:
    classes = tuple(sorted(frame[by].astype(str).unique())) if by else ()
    return _fill(_feature_histogram(feature, by, classes), msg("Distribution of {feature}", feature=feature),
                 rows=frame[[feature] + ([by] if by else [])])


@template
def _correlation_heatmap(order: tuple[str, ...]) -> alt.LayerChart:
    # the built-in tables' names whole on a phone too ("od280/od315_of_diluted_wines": 212 px): a
    # narrower plot rather than names cut to "…" that nothing else on the page spells out
    axis = alt.Axis(labelLimit=220)
    base = _data("cells").encode(x=alt.X("column:N", sort=list(order), title=None, axis=axis),
                                 y=alt.Y("row:N", sort=list(order), title=None, axis=axis))
    cells = base.mark_rect().encode(
        color=alt.Color("correlation:Q", scale=alt.Scale(domain=[-1, 1], range=[PALETTE[0], MIDDLE, PALETTE[3]]),
                        legend=_gradient_below()),
        tooltip=["row:N", "column:N", "correlation:Q"])
    chart = cells + base.mark_text(fontSize=14, opacity=_cell_text(len(order))).encode(text="correlation:Q")
    return chart.properties(height=alt.Step(40))


@described
def correlation_heatmap(frame: pd.DataFrame) -> dict:
    matrix = frame.corr(numeric_only=True).round(2)
    long = matrix.rename_axis("row").reset_index().melt("row", var_name="column", value_name="correlation")
    return _fill(_correlation_heatmap(tuple(matrix.columns)), N_("Correlations (point at or tap a cell)"), cells=long)


@template
def _train_test_curves(curves: tuple[str, ...], y_title: str, percent: bool) -> alt.LayerChart:
    """Train (solid) and test (dashed) curves, from one wide frame (epoch and a column per curve,
    folded in the browser: a quarter of the bytes); NaN points are left out."""
    value_format = ".1%" if percent else ".4f"
    axis = alt.Axis(format=".0%", tickMinStep=0.01) if percent else alt.Axis()  # else 51%, 50%, 50%, 49% on a flat run
    y = alt.Y("value:Q", title=y_title, axis=axis, scale=alt.Scale(zero=False))  # a longer title overruns a short chart
    lines = _data("history").transform_fold(list(curves), as_=["curve", "value"]).transform_filter(
        "isFinite(datum.value)").mark_line(strokeWidth=3).encode(
        x=alt.X("epoch:Q"), y=y,
        color=alt.Color("curve:N", scale=alt.Scale(domain=list(curves), range=PALETTE[: len(curves)]),
                        legend=_top_legend(curves)),  # above: a narrow column's plot keeps its width
        strokeDash=alt.StrokeDash("curve:N", scale=alt.Scale(domain=list(curves), range=[[1, 0], [8, 4]][: len(curves)]),
                                  legend=_top_legend(curves)),
        tooltip=["epoch:Q", "curve:N", alt.Tooltip("value:Q", format=value_format)])
    if len(curves) < 2:
        return alt.layer(lines).properties(height=HEIGHT)
    # the train/test gap, shaded: how much better the network does on rows it has seen
    area = _data("history").transform_filter("isFinite(datum.train) && isFinite(datum.test)").mark_area(
        opacity=0.18, color="#777").encode(x="epoch:Q", y="train:Q", y2="test:Q")
    return (area + lines).properties(height=HEIGHT)


def _curves(history: pd.DataFrame, columns: dict[str, str], y_title: str, percent: bool, title: str) -> dict:
    language = i18n.LANGUAGE.get()  # the curves' names are the data's columns and the legend's entries
    present = {column: i18n.translate(name, language) for column, name in columns.items() if column in history}
    rows = _kept_rows(history["epoch"].to_numpy())

    def kept(column: str, kind) -> np.ndarray:  # thinned, in 32 bits as `compact` sends them
        values = history[column].to_numpy()
        return (values if rows is None else values[rows]).astype(kind)
    frame = pd.DataFrame({"epoch": kept("epoch", np.int32),
                          **{name: kept(column, np.float32) for column, name in present.items()}})
    return _fill(_train_test_curves(tuple(present.values()), y_title, percent), title, history=frame)


@described
def loss_curves(history: pd.DataFrame) -> dict:
    return _curves(history, {"train_loss": N_("train"), "test_loss": N_("test")}, N_("loss"), False, N_("Loss"))


@described
def accuracy_curves(history: pd.DataFrame) -> dict:
    return _curves(history, {"train_acc": N_("train"), "test_acc": N_("test")}, N_("accuracy"), True, N_("Accuracy"))


DECADES_ONLY = "abs(log(datum.value) / LN10 - round(log(datum.value) / LN10)) < 1e-6 ? datum.label : ''"


def _gradient_y() -> alt.Y:
    # whole powers of ten, the domain widened to them: labels such as 4e-1, 5e-2, 1e-2 read as uneven steps
    return alt.Y("mean_abs_grad:Q", title=N_("mean |gradient|"), scale=alt.Scale(type="log", nice=True),
                 axis=alt.Axis(format=".0e", labelExpr=DECADES_ONLY))


def _layer_names(layers: pd.Series) -> tuple[np.ndarray, tuple[str, ...]]:
    """Linear layers (numbered from 1) as a chart names them, "layer 1" ... "output", and that order."""
    last = int(layers.max()) if len(layers) else 1
    language = i18n.LANGUAGE.get()
    order = (*(i18n.translate(msg("layer {number}", number=layer), language) for layer in range(1, last)),
             i18n.translate(N_("output"), language))
    return np.asarray(order, dtype=object)[layers.to_numpy(dtype=int) - 1], order


def _layer_colours(layers: int) -> list[str]:
    """A colour per Linear layer, up to 7 (six hidden and the output, which is black)."""
    hidden = [colour for colour in LINE_PALETTE if colour != "#000000"] + [PALETTE[1]]
    return hidden[: layers - 1] + ["#000000"]


@template
def _gradient_flow(names: tuple[str, ...]) -> alt.Chart:
    return _data("gradients").transform_fold(list(names), as_=["layer", "mean_abs_grad"]).transform_filter(
        "isFinite(datum.mean_abs_grad) && datum.mean_abs_grad > 0").mark_line(strokeWidth=3).encode(  # a log axis has no 0
        x=alt.X("epoch:Q"), y=_gradient_y(),
        color=alt.Color("layer:N", scale=alt.Scale(domain=list(names), range=_layer_colours(len(names))),
                        legend=alt.Legend(orient="right", title=None)),  # up to 7 entries: on top they took the plot's height
        tooltip=["epoch:Q", "layer:N", alt.Tooltip("mean_abs_grad:Q", format=".2e")]).properties(height=HEIGHT)


@described
def gradient_flow(gradient_flow: pd.DataFrame) -> dict:
    """Each Linear layer's mean absolute weight gradient by epoch, on a log axis: a layer whose
    line lies orders of magnitude below the others barely learns (vanishing gradients). Sent as a
    column per layer, folded in the browser."""
    layers = int(gradient_flow["layer"].max()) if len(gradient_flow) else 0
    _, names = _layer_names(pd.Series(range(1, layers + 1)))
    # a row per epoch and layer, as nnlab.training.result.gradient_flow_frame lays them out: an epoch's layers side by side
    values = gradient_flow["mean_abs_grad"].to_numpy().reshape(-1, max(layers, 1))
    epochs = gradient_flow["epoch"].to_numpy()[::max(layers, 1)]
    rows = _kept_rows(epochs)
    if rows is not None:
        values, epochs = values[rows], epochs[rows]
    wide = pd.DataFrame({"epoch": epochs.astype(np.int32),
                         **{name: values[:, i].astype(np.float32) for i, name in enumerate(names[:layers])}})
    return _fill(_gradient_flow(names), N_("Gradient flow"), gradients=wide)


ROW = 34  # a heatmap's row on a projector: its label and its count read from the back of the room


@template
def _confusion_matrix(classes: int, digits: int) -> alt.LayerChart:
    # horizontal class names: turned ones took the height the "predicted" title needs in a narrow column
    base = _data("counts").encode(x=alt.X("predicted:N", title=N_("predicted"), axis=alt.Axis(labelAngle=0, labelLimit=90)),
                                  y=alt.Y("actual:N", title=N_("actual")))
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color("count:Q", scale=alt.Scale(scheme="blues"), legend=None),
        tooltip=["actual:N", "predicted:N", "count:Q"])
    size = FONT + 6 if classes <= 4 else FONT
    # a count only where its cell holds it (a phone's ten columns do not hold three digits); among many
    # classes no zeros, so the diagonal and the mistakes stand out (in a 2x2 a blank would read as missing)
    shown = alt.ExprRef(f"width / {classes} >= {round(digits * size * 0.6 + 8)} ? 1 : 0")
    counted = base.transform_filter("datum.count > 0") if classes > 4 else base
    text = counted.mark_text(fontSize=size, fontWeight="bold", opacity=shown).encode(
        text="count:Q", color=alt.condition(alt.datum.dark, alt.value("white"), alt.value("black")))
    return (cells + text).properties(height=alt.Step(ROW if classes > 4 else 80))


@described
def confusion_matrix(counts: pd.DataFrame, title: str) -> dict:
    """Counts of (actual, predicted) classes, a row a class tall enough to read; a count over half
    the largest is on a dark cell."""
    classes = counts["actual"].nunique()
    digits = len(str(int(counts["count"].max()))) if len(counts) else 1
    dark = counts["count"] > counts["count"].max() / 2
    return _fill(_confusion_matrix(classes, digits), title, counts=counts.assign(dark=dark))


@template
def _network_diagram(layers: int, heading_width: int) -> alt.LayerChart:
    margin = 30  # px around the units
    axis = dict(axis=None, scale=alt.Scale(zero=False, nice=False, padding=margin))
    lines = _data("edges").mark_rule(opacity=0.25, color="#555").encode(
        x=alt.X("x:Q", **axis), y=alt.Y("y:Q", **axis), x2="x2:Q", y2="y2:Q")
    kinds = alt.Scale(domain=["input", "hidden", "output"], range=[PALETTE[1], PALETTE[0], PALETTE[2]])
    units = _data("units").mark_circle(size=420, stroke="black", strokeWidth=1, opacity=1).encode(
        x="x:Q", y="y:Q", color=alt.Color("kind:N", scale=kinds, legend=None), tooltip=["layer:Q", "unit:Q"])
    more = _data("more").mark_text(fontSize=FONT, fontWeight="bold").encode(x="x:Q", y="y:Q", text="label:N")
    # where the columns are closer than a heading is wide (a phone's eight layers), every other heading
    # two lines higher: "sigmoid" beside "sigmoid" overprinted
    raised = alt.ExprRef(f"(width - {2 * margin}) / {max(layers - 1, 1)} < {heading_width} ? -40 : 0")
    titles = [_data("heading").transform_filter(f"datum.x % 2 == {odd}").mark_text(
        fontSize=FONT, lineBreak="\n", fontWeight="bold", dy=raised if odd else 0).encode(x="x:Q", y="y:Q", text="title:N")
        for odd in (0, 1)]
    return alt.layer(lines, units, more, *titles).properties(height=HEIGHT + 60)


@described
def network_diagram(nodes: pd.DataFrame, edges: pd.DataFrame, heading: pd.DataFrame) -> dict:
    """Units as circles, connections as lines, one column per layer with its size and activation."""
    more = nodes["kind"] == "more"
    heading = _headings_in_language(heading)
    widest = max((_width(line) for title in heading["title"] for line in title.split("\n")), default=0)
    return _fill(_network_diagram(len(heading), widest * 9), N_("Network"),  # px: a bold 16-px character is about 9
                 edges=edges, units=nodes[~more], more=nodes[more], heading=heading)


def _headings_in_language(heading: pd.DataFrame) -> pd.DataFrame:
    """A diagram's layer headings ("output\\nsigmoid") in the run's language, a line at a time."""
    language = i18n.LANGUAGE.get()
    if language == i18n.ENGLISH:
        return heading
    return heading.assign(title=["\n".join(i18n.translate(line, language) for line in title.split("\n"))
                                 for title in heading["title"]])


def _activation_colour(activations: tuple[str, ...]) -> alt.Color:
    return alt.Color("activation:N", scale=alt.Scale(domain=list(activations), range=LINE_PALETTE[: len(activations)]),
                     legend=_top_legend(activations, symbolType="stroke", symbolStrokeWidth=4, symbolOpacity=1))


@template
def _compare_curves(activations: tuple[str, ...], label: str, percent: bool, log: bool) -> alt.LayerChart:
    # a log axis spans the parameters bottom..top, set per comparison
    y_scale = (alt.Scale(type="log", domain=[alt.ExprRef("bottom"), alt.ExprRef("top")], clamp=True, nice=False)
               if log else alt.Scale(zero=False))
    axis = alt.Axis(format=".0%") if percent else alt.Axis()
    base = _data("stats").encode(x="epoch:Q", color=_activation_colour(activations))
    band = base.mark_area(opacity=0.15).encode(y=alt.Y("low:Q", title=label, scale=y_scale, axis=axis), y2="high:Q")
    line = base.mark_line(strokeWidth=3).encode(y="median:Q", strokeDash=alt.StrokeDash("activation:N", legend=None),
                                                tooltip=["activation:N", "epoch:Q", alt.Tooltip("median:Q", format=".4f")])
    return (band + line).properties(height=HEIGHT + 140)  # the picture this page is for


@described
def compare_curves(histories: pd.DataFrame, metric: str = "train_loss") -> dict:
    """Each activation's curve: every seed's run smoothed, then their median, with a band over the
    middle half of the seeds (a mean and min..max let one odd seed swamp the rest)."""
    stats = smoothed_spread(histories, metric)
    activations = tuple(dict.fromkeys(histories["activation"]))
    # The first epochs of a badly scaled start can be 100x the rest: cap the axis, not the data, and
    # use a log scale only where the curves span a factor of ten (else it squeezes them into a strip).
    bottom, top = float(stats["low"].min()), float(stats["high"].quantile(0.99))
    log = metric.endswith("loss") and bottom > 0 and top / bottom > 10
    name = METRIC_NAMES[metric]
    label = i18n.translate(msg("{metric} (log scale)", metric=name) if log else name, i18n.LANGUAGE.get())
    spec = _compare_curves(activations, label, metric.endswith("acc"), log)
    title = capitalized(msg("{metric}: the median and the middle half of the seeds", metric=name))
    return _fill(spec, title, {"bottom": bottom, "top": top} if log else None, compact=True, stats=stats)


METRIC_NAMES = {"train_loss": N_("train loss"), "test_loss": N_("test loss"), "train_acc": N_("train accuracy"),
                "test_acc": N_("test accuracy")}  # a history's columns, as a picture names them


@template
def _compare_gradients(activations: tuple[str, ...], order: tuple[str, ...]) -> alt.Chart:
    return _data("gradients").mark_line(strokeWidth=3, point=alt.OverlayMarkDef(size=90, filled=True)).encode(
        x=alt.X("where:N", sort=list(order), title=N_("Linear layer, from the input"), axis=alt.Axis(labelAngle=0)),
        y=_gradient_y(), color=_activation_colour(activations), strokeDash=alt.StrokeDash("activation:N", legend=None),
        tooltip=["activation:N", "where:N", alt.Tooltip("mean_abs_grad:Q", format=".2e")]).properties(height=HEIGHT + 100)


@described
def compare_gradient_flow(frame: pd.DataFrame) -> dict:
    """compare.compare_gradient_flow: each activation's gradient size by layer (log axis), from the input
    to the output: a line that falls steeply to the left is a gradient vanishing on its way back."""
    where, order = _layer_names(frame["layer"])
    spec = _compare_gradients(tuple(dict.fromkeys(frame["activation"])), order)
    return _fill(spec, N_("Gradient flow in the first tenth of training: the median of the seeds"),
                 gradients=frame.assign(where=where))


def smoothed_spread(histories: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per activation and epoch: the median and the quartiles over seeds of each run's `metric`,
    each run first smoothed by a moving average over a 25th of its epochs."""
    frame = thinned(histories)
    window = max(1, frame["epoch"].nunique() // 25)
    frame = frame.assign(smooth=frame.groupby(["activation", "seed"])[metric]
                         .transform(lambda values: values.rolling(window, min_periods=1, center=True).mean()))
    groups = frame.groupby(["activation", "epoch"], sort=False)["smooth"]
    stats = pd.DataFrame({"median": groups.median(), "low": groups.quantile(0.25), "high": groups.quantile(0.75)})
    stats = stats.reset_index()
    return stats[np.isfinite(stats["median"])]


@template
def _unit_contributions(units: tuple[str, ...], sum_label: str, x_title: str) -> alt.LayerChart:
    hover = alt.selection_point(name="hover", on="pointerover", fields=["unit"], empty=False)
    one = i18n.translate(N_("one unit"), i18n.LANGUAGE.get())  # a data value the legend shows: in the language
    colour = alt.Color("kind:N", scale=alt.Scale(domain=[one, sum_label], range=[PALETTE[0], PALETTE[3]]),
                       legend=_top_legend((one, sum_label), symbolType="stroke", symbolStrokeWidth=4))
    lines = _data("curves").transform_fold(list(units), as_=["unit", "contribution"]).transform_lookup(
        lookup="unit", from_=alt.LookupData(alt.NamedData("units"), "unit", ["in_weight", "bias", "out_weight"]),
    ).transform_calculate(kind=json.dumps(one, ensure_ascii=False)).mark_line().encode(
        x=alt.X("x:Q", title=x_title), y=alt.Y("contribution:Q", title=N_("contribution to the output")),
        detail="unit:N", color=colour,
        strokeWidth=alt.condition(hover, alt.value(6), alt.value(2)),
        opacity=alt.condition(hover, alt.value(1.0), alt.value(0.55)),
        tooltip=["unit:N", alt.Tooltip("in_weight:N", title=N_("weight (from x)")), alt.Tooltip("bias:Q", format=".3f"),
                 alt.Tooltip("out_weight:Q", title=N_("output weight"), format=".3f")]).add_params(hover)
    total = _data("curves").transform_calculate(kind=json.dumps(sum_label)).mark_line(
        strokeWidth=4, strokeDash=[10, 4]).encode(
        x="x:Q", y="sum:Q", color=colour, tooltip=[alt.Tooltip("sum:Q", title=sum_label, format=".3f")])
    return (lines + total).properties(height=HEIGHT + 40)


@described
def unit_contributions(curves: pd.DataFrame, units: pd.DataFrame, sum_label: str, x_title: str = "x") -> dict:
    """Each last-layer unit's contribution (output weight x activation) over x, and their sum
    (views.unit_contributions): how a few sigmoids add up to a step or a bump. Hover a unit for its
    weights. The curves go as one wide frame, each unit's weights once."""
    return _fill(_unit_contributions(tuple(units["unit"]), sum_label, x_title),
                 N_("Inside the network: each hidden unit's share"), compact=True, curves=curves, units=units)


CELL_COLUMNS = ("x1", "x2", "x1_end", "x2_end")  # a plane's cells: nnlab.pictures.frames' grids


@template
def _unit_maps(side: int, units: tuple[str, ...]) -> alt.FacetChart:
    heat = alt.Chart().mark_rect().encode(
        x=alt.X("x1:Q", axis=None, scale=alt.Scale(zero=False, nice=False)), x2="x1_end:Q",
        y=alt.Y("x2:Q", axis=None, scale=alt.Scale(zero=False, nice=False)), y2="x2_end:Q",
        color=alt.Color("activation:Q", scale=alt.Scale(domain=[-1, 1], range=[PALETTE[0], MIDDLE, PALETTE[1]]),
                        title=N_("activation (scaled)"), legend=_gradient_below()),
        tooltip=["layer:O", "unit:O", alt.Tooltip("activation:Q", format=".2f")],
    ).properties(width=side, height=side)
    header = alt.Header(labelFontSize=FONT, titleFontSize=FONT)
    # a column per unit, "layer_unit", unfolded in the browser into a map each
    return heat.facet(data=alt.NamedData("maps"), row=alt.Row("layer:O", title=N_("hidden layer"), header=header),
                      column=alt.Column("unit:O", title=N_("unit"), header=header)).transform_fold(
        list(units), as_=["key", "activation"]).transform_calculate(
        layer="toNumber(split(datum.key, '_')[0])", unit="toNumber(split(datum.key, '_')[1])")


@described
def unit_maps(frame: pd.DataFrame) -> dict:
    """A small heatmap of every hidden unit's activation over the plane, one row per layer
    (`nnlab.pictures.frames.unit_maps`: a column per unit)."""
    units = tuple(column for column in frame.columns if column not in CELL_COLUMNS)
    side = 96 if max(int(unit.split("_")[1]) for unit in units) <= 6 else 64  # eight across fit a 1280-pixel projector
    # a facet grid keeps its size and scrolls sideways on a phone; its title wraps to the page's width
    return _fill(_unit_maps(side, units), N_("Inside the network: what each hidden unit responds to"),
                 compact=True, maps=frame)


NUMBER_ONLY = "replace(datum.label, regexp('\\\\D+', 'g'), '')"  # "unit 3", "单元 3": "3"


@template
def _weight_heatmap(units: tuple[str, ...]) -> alt.LayerChart:
    base = _data("weights").encode(
        x=alt.X("unit:N", sort=list(units), title=None,  # "unit 3" reads as "3" where there is no room for it
                axis=alt.Axis(labelAngle=0, labelExpr=f"{NARROW} ? {NUMBER_ONLY} : datum.label")),
        y=alt.Y("feature:N", sort=None, title=None, axis=alt.Axis(labelLimit=alt.ExprRef(f"{NARROW} ? 210 : 260"))))
    cells = base.mark_rect().encode(
        color=alt.Color("weight:Q", scale=_diverging("reach", PALETTE[3]), legend=_gradient_below()),
        tooltip=["feature:N", "unit:N", alt.Tooltip("weight:Q", format=".3f")])
    text = base.mark_text(fontSize=13, opacity=_cell_text(len(units))).encode(text=alt.Text("weight:Q", format=".2f"))
    return (cells + text).properties(height=alt.Step(30))


@described
def weight_heatmap(weights: pd.DataFrame) -> dict:
    """First-layer weights, features down and units across: which inputs each unit listens to."""
    reach = float(weights["weight"].abs().max()) or 1.0
    return _fill(_weight_heatmap(tuple(dict.fromkeys(weights["unit"]))), N_("Inside the network: first-layer weights"),
                 {"reach": reach}, weights=weights)


def _score_format(percent: bool, digits: str) -> str:
    return ".0%" if percent else digits


@template
def _class_sweep(score_label: str, higher_is_better: bool, percent: bool) -> alt.Chart:
    colour = alt.Color("score:Q", title=score_label, scale=alt.Scale(scheme="viridis", reverse=not higher_is_better),
                       legend=alt.Legend(orient="right", gradientLength=HEIGHT - 80, format=_score_format(percent, ".3g")))
    return _data("entries").mark_circle(size=260, opacity=0.85, stroke="black", strokeWidth=0.6).encode(
        x=alt.X("learning_rate:Q", scale=alt.Scale(type="log"), title=N_("learning rate")),
        y=alt.Y("hidden_units:Q", title=N_("hidden units"), scale=alt.Scale(zero=False, padding=12),
                axis=alt.Axis(format="d", tickMinStep=1)),  # whole units: one entry's axis read "20.000000"
        color=colour,
        tooltip=["label:N", alt.Tooltip("score:Q", title=score_label, format=".1%" if percent else ".4g"),
                 "learning_rate:Q", "hidden_units:Q", "activations:N", "optimizer:N", "epochs:Q"]).properties(height=HEIGHT)


@described
def class_sweep(entries: pd.DataFrame, score_label: str, higher_is_better: bool, percent: bool) -> dict:
    """Every entry of a class challenge as a point, learning rate (log) x hidden units, coloured by
    its score: the sweep the class ran together. The better end of the scale is always the brighter."""
    columns = ["label", "score", "learning_rate", "hidden_units", "activations", "optimizer", "epochs"]
    return _fill(_class_sweep(score_label, higher_is_better, percent), N_("What the class tried"), entries=entries[columns])


@template
def _sweep_heatmap(score_label: str, higher_is_better: bool, percent: bool, widths: int) -> alt.LayerChart:
    pick = alt.selection_point(name="cell", fields=["learning_rate", "hidden_units"], on="click")
    value_format = _score_format(percent, ".3g")
    base = _data("cells").encode(
        x=alt.X("hidden_units:O", title=N_("hidden units in each layer"), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("learning_rate:O", title=N_("learning rate"), sort="descending", axis=alt.Axis(labelOverlap=False)))
    rects = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("score:Q", title=score_label, scale=alt.Scale(scheme="viridis", reverse=not higher_is_better),
                        legend=_gradient_below(format=value_format)),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)),
        tooltip=[alt.Tooltip("learning_rate:Q", title=N_("learning rate")), alt.Tooltip("hidden_units:Q",
                                                                                        title=N_("hidden units")),
                 alt.Tooltip("score:Q", title=i18n.translate(msg("{score} (median)", score=score_label), i18n.LANGUAGE.get()),
                             format=".4g"),
                 alt.Tooltip("spread:Q", title=N_("max - min over seeds"), format=".3g"), "runs:Q", "diverged:Q"],
    ).add_params(pick)
    text = base.mark_text(fontSize=FONT, fontWeight="bold", opacity=_cell_text(widths)).encode(
        text=alt.Text("score:Q", format=value_format),
        color=alt.condition(alt.datum.bright, alt.value("#000000"), alt.value("#ffffff")))
    # a row's height, not the chart's: a phone's title in three lines and the scale's title above it took
    # the rows' room, and their labels overprinted
    return (rects + text).properties(height=alt.Step(40))


@described
def sweep_heatmap(cells: pd.DataFrame, score_label: str, higher_is_better: bool, percent: bool) -> dict:
    """A sweep's grid (views.sweep_cells: learning_rate, hidden_units, score, spread, runs): each
    cell coloured and labelled by its seeds' median score, the better end the brighter, highest
    learning rate on top. A click selects a cell (selection "cell")."""
    spec = _sweep_heatmap(score_label, higher_is_better, percent, cells["hidden_units"].nunique())
    title = msg("Median {score} of each cell's seeds: click a cell to open it on Train", score=score_label)
    return _fill(spec, title, cells=cells)


@template
def _score_histogram(score_label: str, percent: bool) -> alt.Chart:
    axis = alt.Axis(format=_score_format(percent, ".3g"))
    return _data("entries").mark_bar(color=PALETTE[0]).encode(
        x=alt.X("score:Q", bin=alt.Bin(maxbins=20), title=score_label, axis=axis),
        y=alt.Y("count():Q", title=N_("entries"), axis=alt.Axis(tickMinStep=1, format="d"))).properties(height=HEIGHT)


@described
def score_histogram(entries: pd.DataFrame, score_label: str, percent: bool) -> dict:
    """How the class's scores spread."""
    return _fill(_score_histogram(score_label, percent), N_("Scores"), entries=entries[["score"]])


POLL_LINE_CHARS = (16, 24)  # a poll option's line on a phone (a third of its width) and elsewhere


@template
def _poll_votes(options: tuple[str, ...], rounds: tuple[str, ...]) -> alt.LayerChart:
    # an option in short lines, on a phone at the body's size: in one line of 20 px a 40-character option
    # was cut to "…" on a projector, and on a phone took all but a sliver of the width from the bars
    narrow, wide = (json.dumps({option: _wrap(option, chars) for option in options}, ensure_ascii=False)
                    for chars in POLL_LINE_CHARS)
    axis = alt.Axis(labelLimit=320, labelFontSize=alt.ExprRef(f"{NARROW} ? {FONT} : {FONT + 4}"),
                    labelExpr=f"({NARROW} ? {narrow} : {wide})[datum.label] || datum.label")
    base = _data("votes").encode(
        y=alt.Y("option:N", sort=list(options), title=None, axis=axis),
        yOffset=alt.YOffset("round:N", sort=list(rounds)),
        x=alt.X("votes:Q", title=N_("votes"), axis=alt.Axis(tickMinStep=1, format="d")))
    legend = _top_legend(rounds) if len(rounds) > 1 else None
    bars = base.mark_bar().encode(
        color=alt.Color("round:N", scale=alt.Scale(domain=list(rounds), range=LINE_PALETTE[:len(rounds)]), legend=legend),
        tooltip=["option:N", "round:N", "votes:Q"])
    counts = base.mark_text(align="left", dx=6, fontSize=FONT + 2, color=TEXT).encode(text="votes:Q")
    return (bars + counts).properties(height=alt.Step(34 if len(rounds) > 1 else 56))  # an option's three lines


@described
def poll_votes(tallies: dict[str, pd.DataFrame], answer: str | None = None, title: str = "") -> dict:
    """A poll's votes, each round's bar beside the other's (`tallies`: round label -> option,
    votes); the right option, once revealed, marked with a check."""
    mark = {option: f"✓ {option}" for option in (answer.split(" and ") if answer is not None else ())}  # ties: each
    frame = pd.concat([tally.assign(round=label) for label, tally in tallies.items()], ignore_index=True)
    frame["option"] = frame["option"].map(lambda option: mark.get(option, option))
    options = tuple(dict.fromkeys(frame["option"]))
    return _fill(_poll_votes(options, tuple(tallies)), title, votes=frame[["option", "round", "votes"]])


RACER_COLOURS = [colour for colour in PALETTE if colour != "#F0E442"]  # no pale yellow over grey bands


BANDS = {"name": "greys", "extent": [0.0, 0.4], "count": 12}


def _bands(field: str, title: str) -> dict:
    """A surface's height in grey bands, white (low) to mid grey (high), for the fill and the edge of
    each cell alike (an edge of its own colour closes the hairline gaps between cells): contours the
    paths' colours stand out on."""
    scale = alt.Scale(type="quantize", scheme=BANDS, nice=False)
    return {"color": alt.Color(f"{field}:Q", title=title, legend=None, scale=scale),
            "stroke": alt.Stroke(f"{field}:Q", legend=None, scale=scale)}


@template
def _race(racers: tuple[str, ...], box: tuple[float, float, float, float], steps: int) -> alt.LayerChart:
    x0, x1, y0, y1 = box
    step = alt.param(name="step", value=steps, bind=alt.binding_range(min=0, max=steps, step=1, name=N_("Step") + " "))
    colours = alt.Scale(domain=list(racers), range=RACER_COLOURS[:len(racers)])
    x = alt.X("x:Q", title=N_("x"), scale=alt.Scale(domain=[x0, x1], nice=False, zero=False))
    y = alt.Y("y:Q", title=N_("y"), scale=alt.Scale(domain=[y0, y1], nice=False, zero=False))
    cells = _data("surface").mark_rect(strokeWidth=0.6).encode(x=x, x2="x_end:Q", y=y, y2="y_end:Q",
                                                               tooltip=[alt.Tooltip("value:Q", format=".3g")],
                                                               **_bands("height", N_("log height")))
    walked = _data("paths").transform_filter(alt.datum.step <= step)
    lines = walked.mark_line(strokeWidth=3, clip=True).encode(
        x="x:Q", y="y:Q", order="step:Q",
        color=alt.Color("optimizer:N", scale=colours,
                        legend=_top_legend(racers, **_named_in_language({"Momentum": N_("Momentum")}))),
        detail="optimizer:N")
    now = walked.transform_filter(alt.datum.step == step).mark_point(
        size=260, filled=True, stroke="white", strokeWidth=2, opacity=1, clip=True).encode(
        x="x:Q", y="y:Q", color=alt.Color("optimizer:N", scale=colours, legend=None),
        tooltip=["optimizer:N", "step:Q", alt.Tooltip("x:Q", format=".3f"), alt.Tooltip("y:Q", format=".3f"),
                 alt.Tooltip("value:Q", format=".4g")])
    lowest = _data("minima").mark_point(shape="cross", size=360, filled=True, color=TEXT, opacity=1).encode(
        x="x:Q", y="y:Q")
    return (cells + lines + now + lowest).add_params(step).properties(height=HEIGHT + 200)


@described
def race(surface: pd.DataFrame, paths: pd.DataFrame, minima: pd.DataFrame,
         box: tuple[float, float, float, float], title: str) -> dict:
    """Each racer's path over the surface's height bands (light is low), a cross on each minimum,
    and a slider under it to step through the race in the browser (no trip to the server)."""
    racers = tuple(dict.fromkeys(paths["optimizer"]))
    return _fill(_race(racers, tuple(float(edge) for edge in box), int(paths["step"].max())), title, surface=surface,
                 paths=paths[["optimizer", "step", "x", "y", "value"]], minima=minima)


@template
def _race_distances(racers: tuple[str, ...]) -> alt.Chart:
    colours = alt.Scale(domain=list(racers), range=RACER_COLOURS[:len(racers)])
    return _data("paths").mark_line(strokeWidth=3).encode(
        x=alt.X("step:Q", title=N_("step"), scale=alt.Scale(nice=False)),
        y=alt.Y("shown:Q", title=N_("distance (log)"), scale=alt.Scale(type="log"), axis=alt.Axis(format="~g")),
        color=alt.Color("optimizer:N", scale=colours, legend=None),  # the race's legend, above, names them
        tooltip=["optimizer:N", "step:Q", alt.Tooltip("distance:Q", format=".3g")]
    ).transform_calculate(shown="max(datum.distance, 1e-6)").properties(height=HEIGHT + 40)


@described
def race_distances(paths: pd.DataFrame) -> dict:
    """Each racer's distance to the nearest minimum, step by step, on a log scale (down to 1e-6)."""
    racers = tuple(dict.fromkeys(paths["optimizer"]))
    return _fill(_race_distances(racers), N_("Distance to a minimum, per step"), paths=paths[["optimizer", "step", "distance"]])


@template
def _loss_landscape(a_title: str, b_title: str) -> alt.LayerChart:
    axis = dict(scale=alt.Scale(nice=False, zero=False))
    cells = _data("grid").mark_rect(strokeWidth=0.6).encode(
        x=alt.X("a:Q", title=a_title, **axis), x2="a_end:Q", y=alt.Y("b:Q", title=b_title, **axis), y2="b_end:Q",
        tooltip=[alt.Tooltip("loss:Q", format=".4g")], **_bands("height", N_("log loss")))
    path = _data("path")
    line = path.mark_line(strokeWidth=3, color=PALETTE[3]).encode(x="a:Q", y="b:Q", order="epoch:Q")
    dots = path.mark_point(filled=True, size=110, color=PALETTE[3], opacity=1).encode(
        x="a:Q", y="b:Q", tooltip=["epoch:Q", alt.Tooltip("loss:Q", format=".4g")])
    labels = path.mark_text(dy=-16, fontSize=FONT - 2, fontWeight="bold", color=TEXT).encode(
        x="a:Q", y="b:Q", text="label:N")
    return (cells + line + dots + labels).properties(height=HEIGHT + 120, width="container")


@described
def loss_landscape(grid: pd.DataFrame, path: pd.DataFrame, axes: tuple[str, str], title: str) -> dict:
    """The loss over a slice of weight space (views.landscape_cells) in height bands, and the
    training's path across it, each recorded epoch a dot."""
    return _fill(_loss_landscape(*axes), title, compact=True, grid=grid, path=path)


@template
def _step_network(edge_title: str, widest: int, layers: int) -> alt.LayerChart:
    widest = max(widest, 3)  # a layer of one or two units keeps the room of three: labels need it
    reach = widest / 2 + 0.6  # the widest layer's units a step apart, room for the headings above
    x = alt.X("x:Q", axis=None, scale=alt.Scale(zero=False, nice=False, padding=60))
    y = alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[-reach, reach + 0.7], nice=False, zero=False))
    edges = _data("edges").mark_rule().encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q",
        color=alt.Color("value:Q", scale=_diverging("edge_reach", PALETTE[3]), title=edge_title,
                        legend=_gradient_below(beside=True)),
        strokeWidth=alt.StrokeWidth("size:Q", scale=alt.Scale(domain=[0, 1], range=[1, 8]), legend=None),
        tooltip=["weight:N", alt.Tooltip("value:Q", format=".4g")])
    units = _data("units").mark_circle(size=1000, stroke=TEXT, strokeWidth=1.5, opacity=1, color="white").encode(
        x="x:Q", y="y:Q", tooltip=["unit:N", alt.Tooltip("value:Q", format=".4g")])
    # a unit's numbers at its upper right; 4 px lower than they were, as on a phone the 1-2-1 network's
    # h2 numbers reached the name of ŷ just above them
    # smaller and under the unit where the layers are close (two hidden layers on a phone leave ~78 px
    # between a unit and the next layer, where its numbers need ~100 beside it; the units of a layer
    # are 75 px apart)
    close = f"width / {layers} < 90"
    values = _data("units").mark_text(fontSize=alt.ExprRef(f"{close} ? 12 : {FONT - 1}"), fontWeight="bold", color=TEXT,
                                      align=alt.ExprRef(f"{close} ? 'center' : 'left'"),
                                      dx=alt.ExprRef(f"{close} ? 0 : 22"), dy=alt.ExprRef(f"{close} ? 30 : -8"),
                                      lineBreak="\n").encode(x="x:Q", y="y:Q", text="label:N")
    names = _data("units").mark_text(fontSize=FONT - 2, color=TEXT).encode(x="x:Q", y="y:Q", text="unit:N")
    heading = _data("heading").mark_text(fontSize=FONT, fontWeight="bold", color=TEXT, lineBreak="\n").encode(
        x="x:Q", y="y:Q", text="title:N")
    return (edges + units + values + names + heading).properties(height=75 * widest + 160, width="container")


@described
def step_network(units: pd.DataFrame, edges: pd.DataFrame, heading: pd.DataFrame, edge_title: str, title: str) -> dict:
    """A small network (nnlab.pictures.step_views.diagram) with its numbers beside each unit and each
    connection coloured, and thickened, by its own number: the weights on the way forward, the
    gradients on the way back, the steps at the update."""
    reach = float(edges["value"].abs().max()) if len(edges) else 1.0
    widest = int(units.groupby("x").size().max())
    return _fill(_step_network(edge_title, widest, len(heading)), title, {"edge_reach": reach or 1.0},
                 units=units, edges=edges, heading=_headings_in_language(heading))


@template
def _drawing_plane(classes: tuple[str, ...], values: bool) -> alt.LayerChart:
    """The plane to draw on: a fine grid of clear cells that a tap selects (the selection is the
    cell's centre), the points drawn so far under them."""
    # a phone's tap is a touchend: Vega's canvas takes the touch, so the browser makes no click of it
    tap = alt.selection_point(name="tap", fields=["x1", "x2"], on="click, touchend", clear=False, empty=False)
    cells = _data("cells").mark_rect(color="white", opacity=0.001).encode(
        x=alt.X("x1_from:Q", title=N_("x1"), scale=alt.Scale(domain=[-6, 6], nice=False)), x2="x1_to:Q",
        y=alt.Y("x2_from:Q", title=N_("x2"), scale=alt.Scale(domain=[-6, 6], nice=False)), y2="x2_to:Q",
        tooltip=alt.value(None)).add_params(tap)  # a cell is a place to tap, not a value to read
    if values:
        colour = alt.Color("value:Q", scale=_diverging("reach", PALETTE[3]), legend=_gradient_below(title=N_("value")))
    else:
        colour = alt.Color("class:N", scale=alt.Scale(domain=list(classes), range=PALETTE[:len(classes)]),
                           legend=_top_legend(classes))
    points = _data("points").mark_point(filled=True, size=140, opacity=1, stroke="white", strokeWidth=1).encode(
        x="x1:Q", y="x2:Q", color=colour)
    return (points + cells).properties(height=HEIGHT + 160, width="container")


@described
def drawing_plane(cells: pd.DataFrame, points: pd.DataFrame, classes: list[str], values: bool) -> dict:
    """Points drawn on the plane (x1, x2 and class or value), and the cells a tap selects."""
    reach = float(points["value"].abs().max()) if values and len(points) else 1.0
    return _fill(_drawing_plane(tuple(classes), values), N_("Tap to add a point; tap a point to erase it"),
                 {"reach": reach or 1.0}, cells=cells, points=points)


@template
def _drawing_line() -> alt.LayerChart:
    """The line to draw a curve on: clear cells a tap, or a drag (its every cell), selects; the
    curve through the knots so far, and the knots. A cell is centred on a knot's position, so the
    end cells jut out half a cell: clipped, or Vega makes room for them and cuts the axis titles."""
    pen = alt.selection_point(name="pen", fields=["x", "y"], toggle="true", clear=False, empty=False,
                              on="click, touchend, [pointerdown, window:pointerup] > pointermove")
    cells = _data("cells").mark_rect(color="white", opacity=0.001, clip=True).encode(
        x=alt.X("x_from:Q", title=N_("x"), scale=alt.Scale(domain=[-1, 1], nice=False)), x2="x_to:Q",
        y=alt.Y("y_from:Q", title=N_("target"), scale=alt.Scale(domain=[-2, 2], nice=False)), y2="y_to:Q",
        tooltip=alt.value(None)).add_params(pen)  # a cell is a place to draw, not a value to read
    curve = _data("knots").mark_line(strokeWidth=3, color=PALETTE[0]).encode(x="x:Q", y="y:Q")
    knots = _data("knots").mark_point(filled=True, size=60, color=PALETTE[0], opacity=1).encode(x="x:Q", y="y:Q")
    return (curve + knots + cells).properties(height=HEIGHT + 60, width="container")


@described
def drawing_line(cells: pd.DataFrame, knots: pd.DataFrame) -> dict:
    """A drawn curve (its knots x, y, joined), and the cells a tap or a drag selects."""
    return _fill(_drawing_line(), N_("Tap or drag to set the target"), cells=cells, knots=knots)


# Every template, for the tests that validate each one's filled spec against the Vega-Lite schema
TEMPLATE_BUILDERS = [value for value in list(globals().values()) if callable(value) and hasattr(value, "build")]
