"""The class's pictures: a challenge's own sweep and spread of scores, and a poll's votes."""

from __future__ import annotations

import json

import pandas as pd

from nnlab.i18n import N_
from nnlab.pictures.template import (
    FONT,
    HEIGHT,
    LINE_PALETTE,
    NARROW,
    PALETTE,
    TEXT,
    alt,
    described,
    fill_in,
    named,
    score_format,
    template,
    top_legend,
    wrapped_lines,
)


@template
def _class_sweep(score_label: str, higher_is_better: bool, percent: bool) -> alt.Chart:
    colour = alt.Color("score:Q", title=score_label, scale=alt.Scale(scheme="viridis", reverse=not higher_is_better),
                       legend=alt.Legend(orient="right", gradientLength=HEIGHT - 80, format=score_format(percent, ".3g")))
    return named("entries").mark_circle(size=260, opacity=0.85, stroke="black", strokeWidth=0.6).encode(
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
    return fill_in(_class_sweep(score_label, higher_is_better, percent), N_("What the class tried"), entries=entries[columns])


@template
def _score_histogram(score_label: str, percent: bool) -> alt.Chart:
    axis = alt.Axis(format=score_format(percent, ".3g"))
    return named("entries").mark_bar(color=PALETTE[0]).encode(
        x=alt.X("score:Q", bin=alt.Bin(maxbins=20), title=score_label, axis=axis),
        y=alt.Y("count():Q", title=N_("entries"), axis=alt.Axis(tickMinStep=1, format="d"))).properties(height=HEIGHT)


@described
def score_histogram(entries: pd.DataFrame, score_label: str, percent: bool) -> dict:
    """How the class's scores spread."""
    return fill_in(_score_histogram(score_label, percent), N_("Scores"), entries=entries[["score"]])


POLL_LINE_CHARS = (16, 24)  # a poll option's line on a phone (a third of its width) and elsewhere


@template
def _poll_votes(options: tuple[str, ...], rounds: tuple[str, ...]) -> alt.LayerChart:
    # an option in short lines, on a phone at the body's size: in one line of 20 px a 40-character option
    # was cut to "…" on a projector, and on a phone took all but a sliver of the width from the bars
    narrow, wide = (json.dumps({option: wrapped_lines(option, chars) for option in options}, ensure_ascii=False)
                    for chars in POLL_LINE_CHARS)
    axis = alt.Axis(labelLimit=320, labelFontSize=alt.ExprRef(f"{NARROW} ? {FONT} : {FONT + 4}"),
                    labelExpr=f"({NARROW} ? {narrow} : {wide})[datum.label] || datum.label")
    base = named("votes").encode(
        y=alt.Y("option:N", sort=list(options), title=None, axis=axis),
        yOffset=alt.YOffset("round:N", sort=list(rounds)),
        x=alt.X("votes:Q", title=N_("votes"), axis=alt.Axis(tickMinStep=1, format="d")))
    legend = top_legend(rounds) if len(rounds) > 1 else None
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
    return fill_in(_poll_votes(options, tuple(tallies)), title, votes=frame[["option", "round", "votes"]])
