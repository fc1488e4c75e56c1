"""Compare activations: the same data and seeds, one network per activation function."""

from nnlab.ui.boot import first_page

first_page("Compare activations")  # a new server: this title at once, while the imports below load

import streamlit as st

from nnlab import ui
from nnlab.choices import ACTIVATIONS
from nnlab.ui.run_screen import show_comparison
from nnlab.ui.words import _

exp = ui.page("Compare activations")
st.title(_("Compare activations"))
st.markdown(_("Every network starts from the same seeds and sees the same data; only the activation "
            "of the hidden layers changes. Each line is the median of the seeds' curves, smoothed; its band "
            "holds the middle half of them."))

with ui.shown_errors():
    exp, data = ui.with_data(exp)
    ui.header("compare", _("Comparison"))
    activations = tuple(ui.control(st.sidebar.multiselect, "compare_activations", "compare", _("Activations"),
                                   list(ACTIVATIONS), value=["sigmoid", "tanh", "relu", "identity"],
                                   format_func=ui.label(ACTIVATIONS)))
    seeds = ui.control(st.sidebar.slider, "compare_seeds", "compare", _("Seeds per activation"), 1, 5, value=5)
    epochs = int(ui.control(st.sidebar.number_input, "compare_epochs", "compare", _("Epochs"), 1, exp.training.epochs,
                            value=exp.training.epochs, step=100,
                            help=_("All runs train together on every core of the server, so the lesson's "
                                   "full length costs about as much as a few runs.")))
    if not exp.model.hidden:
        st.warning(_("This model has no hidden layer, so there is no activation to compare. Add one on **Build model**."))
        st.stop()
    if not activations:
        st.info(_("Pick at least one activation in the sidebar."))
        st.stop()
    runs = ui.shown_result(ui.compare_key(exp, activations, seeds, epochs))
    affordable = runs is not None or ui.within_budget([exp] * len(activations) * seeds, data, epochs)
    button = ui.RunButton(_("Compare {runs} runs", runs=len(activations) * seeds), "compare",
                          _("Compared: the result is below."),
                          runs is not None, affordable)
    if button.pressed:
        runs = ui.compare_live(exp, activations, seeds, epochs)
        button.finished()
    if runs is None and affordable:
        st.info(_("Press the button to train {activations} activations × {seeds} seeds for {epochs:,} epochs each.",
                  activations=len(activations), seeds=seeds, epochs=epochs))
    else:
        show_comparison(runs)
ui.share_link(exp)
