"""Sweep: learning rates x hidden widths, several seeds a cell; a cell opens on Train."""

from nnlab.ui.boot import first_page

first_page("Sweep")  # a new server: this title at once, while the imports below load

import streamlit as st

from nnlab import charts, ui, views
from nnlab.classdb import SCORES, scores_for
from nnlab.experiment import LEARNING_RATES
from nnlab.sweeps import MAX_SEEDS, MAX_SIDE, sweep_experiment
from nnlab.ui.pictures import draw

WIDTHS = [1, 2, 3, 4, 5, 8, 10, 16, 20, 32, 40, 64, 128, 256]

exp = ui.page("Sweep")
st.title("Sweep learning rate × width")
st.markdown("Every cell is this page's experiment with one learning rate and one width for every hidden layer, "
            "trained from several seeds on the same data. All the runs train together on every core.")

with ui.shown_errors():
    exp, data = ui.with_data(exp)
    ui.header("sweep", "Sweep")
    bar = st.sidebar
    rates = sorted(ui.control(bar.multiselect, "sweep_rates", "sweep", "Learning rates", LEARNING_RATES,
                              value=[0.001, 0.003, 0.01, 0.03, 0.1, 0.3], max_selections=MAX_SIDE))
    widths = sorted(ui.control(bar.multiselect, "sweep_widths", "sweep", "Hidden units in each layer", WIDTHS,
                               value=[2, 5, 10, 20, 40], max_selections=MAX_SIDE))
    seeds = ui.control(bar.slider, "sweep_seeds", "sweep", "Seeds per cell", 1, MAX_SEEDS, value=3)
    epochs = int(ui.control(bar.number_input, "sweep_epochs", "sweep", "Epochs", 1, exp.training.epochs,
                            value=min(exp.training.epochs, 1000), step=100))
    score = bar.selectbox("Colour by", scores_for(data), format_func=lambda name: SCORES[name][0], key="sweep_score")
    if not exp.model.hidden:
        st.warning("This model has no hidden layer, so there is no width to sweep. Add one on **Build model**.")
        st.stop()
    if not rates or not widths:
        st.info("Pick at least one learning rate and one width in the sidebar.")
        st.stop()
    runs_total = len(rates) * len(widths) * seeds
    key = ui.sweep_key(exp, tuple(rates), tuple(widths), seeds, epochs)
    runs = ui.shown_job(key)
    largest = sweep_experiment(exp, rates[0], widths[-1], 0)
    affordable = runs is not None or ui.within_budget([largest] * runs_total, data, epochs)
    button = ui.RunButton(f"Sweep {runs_total} runs", "sweep", "Swept: the result is below.", runs is not None,
                          affordable)
    if button.pressed:
        runs = ui.sweep_live(exp, tuple(rates), tuple(widths), seeds, epochs)
        button.finished()
    if runs is None:
        if affordable:
            st.info(f"Press the button to train {len(rates)} learning rates × {len(widths)} widths × {seeds} "
                    f"seeds for {epochs:,} epochs each.")
        st.stop()
    label, higher_is_better = SCORES[score]
    cells = views.sweep_cells(runs, score, higher_is_better)
    event = draw(st, charts.sweep_heatmap(cells, label, higher_is_better, score.endswith("acc")),
                         width="stretch", on_select="rerun", key="sweep_chart")
    st.caption(f"Each cell is the median of its {seeds} seed{'s' if seeds > 1 else ''}; hover a cell for the spread "
               f"between them. {len(runs)} runs of {epochs:,} epochs.")
    diverged = int(cells["diverged"].sum())
    if diverged:
        st.caption(f"{diverged} run{'s' if diverged > 1 else ''} diverged (the loss became NaN); "
                   f"their cells show the last finite epoch.")
    picked = event.selection.get("cell") if event else None
    if picked:
        cell = sweep_experiment(exp, float(picked[0]["learning_rate"]), int(picked[0]["hidden_units"]), exp.seed)
        cell = cell.replace(training={"epochs": epochs})
        ui.load(cell)
        st.session_state.pop("sweep_chart", None)  # else coming back to this page would open the cell again
        st.session_state["train_now"] = True  # the cell's own run, at once
        st.switch_page("pages/3_Train.py", query_params=ui.link_query(cell))
ui.share_link(exp)
