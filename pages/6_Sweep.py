"""Sweep: learning rates x hidden widths, several seeds a cell; a cell opens on Train."""

from nnlab.ui.boot import first_page

first_page("Sweep")  # a new server: this title at once, while the imports below load

import streamlit as st

from nnlab import ui
from nnlab.classroom.classdb import SCORES, scores_for
from nnlab.experiment import LEARNING_RATES
from nnlab.pictures import frames, many_runs_charts
from nnlab.training.sweeps import MAX_SEEDS, MAX_SIDE, sweep_experiment
from nnlab.ui.pictures import draw
from nnlab.ui.words import _, formatter

WIDTHS = [1, 2, 3, 4, 5, 8, 10, 16, 20, 32, 40, 64, 128, 256]

exp = ui.page("Sweep")
st.title(_("Sweep learning rate × width"))
st.markdown(_("Every cell is this page's experiment with one learning rate and one width for every hidden layer, "
            "trained from several seeds on the same data. All the runs train together on every core."))

linked = False
with ui.shown_errors():
    exp, data = ui.with_data(exp)
    ui.share_link(exp)  # before the stops below: the sidebar's page links are drawn with it
    linked = True
    ui.header("sweep", _("Sweep"))
    bar = st.sidebar
    rates = sorted(ui.control(bar.multiselect, "sweep_rates", "sweep", _("Learning rates"), LEARNING_RATES,
                              value=[0.001, 0.003, 0.01, 0.03, 0.1, 0.3], max_selections=MAX_SIDE))
    widths = sorted(ui.control(bar.multiselect, "sweep_widths", "sweep", _("Hidden units in each layer"), WIDTHS,
                               value=[2, 5, 10, 20, 40], max_selections=MAX_SIDE))
    seeds = ui.control(bar.slider, "sweep_seeds", "sweep", _("Seeds per cell"), 1, MAX_SEEDS, value=3)
    epochs = int(ui.control(bar.number_input, "sweep_epochs", "sweep", _("Epochs"), 1, exp.training.epochs,
                            value=min(exp.training.epochs, 1000), step=100))
    score = bar.selectbox(_("Colour by"), scores_for(data), format_func=formatter(lambda name: SCORES[name][0]),
                          key="sweep_score")
    if not exp.model.hidden:
        st.warning(_("This model has no hidden layer, so there is no width to sweep. Add one on **Build model**."))
        st.stop()
    if not rates or not widths:
        st.info(_("Pick at least one learning rate and one width in the sidebar."))
        st.stop()
    runs_total = len(rates) * len(widths) * seeds
    key = ui.sweep_key(exp, tuple(rates), tuple(widths), seeds, epochs)
    runs = ui.shown_result(key)
    largest = sweep_experiment(exp, rates[0], widths[-1], 0)
    affordable = runs is not None or ui.within_budget([largest] * runs_total, data, epochs)
    button = ui.RunButton(_("Sweep {runs} runs", runs=runs_total), "sweep", _("Swept: the result is below."),
                          runs is not None, affordable)
    if button.pressed:
        runs = ui.sweep_live(exp, tuple(rates), tuple(widths), seeds, epochs)
        button.finished()
    if runs is None:
        if affordable:
            st.info(_("Press the button to train {rates} learning rates × {widths} widths × {seeds} seeds for "
                      "{epochs:,} epochs each.", rates=len(rates), widths=len(widths), seeds=seeds, epochs=epochs))
        st.stop()
    label, higher_is_better = SCORES[score]
    cells = frames.sweep_cells(runs, score, higher_is_better)
    event = draw(st, many_runs_charts.sweep_heatmap(cells, _(label), higher_is_better, score.endswith("acc")),
                         width="stretch", on_select="rerun", key="sweep_chart")
    st.caption(_("Each cell is the median of its seeds ({seeds}); point at or tap a cell for the spread between them. "
                 "{runs} runs of {epochs:,} epochs.", seeds=seeds, runs=len(runs), epochs=epochs))
    diverged = int(cells["diverged"].sum())
    if diverged:
        st.caption(_("Runs that diverged (the loss became NaN): {diverged}; their cells show the last finite epoch.",
                     diverged=diverged))
    # the same as a click on a cell, from the keyboard (a picture's cells take no focus)
    grid = list(zip(cells["learning_rate"], cells["hidden_units"], strict=True))
    chosen = st.selectbox(_("Open a cell on Train"), grid, index=None, key="sweep_cell",
                          placeholder=_("Choose a cell, or click it above"),
                          format_func=lambda cell: _("learning rate {rate:g} · width {width}", rate=cell[0], width=cell[1]))
    picked = event.selection.get("cell") if event else None
    cell = (float(picked[0]["learning_rate"]), int(picked[0]["hidden_units"])) if picked else chosen
    if cell:
        cell = sweep_experiment(exp, float(cell[0]), int(cell[1]), exp.seed).replace(training={"epochs": epochs})
        ui.load(cell)
        for key in ("sweep_chart", "sweep_cell"):  # else coming back to this page would open the cell again
            st.session_state.pop(key, None)
        st.session_state[ui.TRAIN_NOW] = True  # the cell's own run, at once
        st.switch_page("pages/3_Train.py", query_params=ui.link_query(cell))
if not linked:
    ui.share_link(exp)
