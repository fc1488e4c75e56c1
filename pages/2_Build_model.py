"""Build model: hidden layers, units and activations; the network drawn and as PyTorch code."""

from nnlab.ui.boot import first_page

first_page("Build model")  # a new server: this title at once, while the imports below load

import streamlit as st

from nnlab import ui
from nnlab.pictures import frames, readouts, run_charts
from nnlab.training.models import build_model, parameter_count, sequential_code
from nnlab.ui.pictures import draw
from nnlab.ui.takeaway import script_panel
from nnlab.ui.words import _

exp = ui.page("Build model")
exp = ui.model_controls(exp)
st.title(_("Build model"))

with ui.shown_errors():
    exp, data = ui.with_data(exp)
    model = build_model(exp, data.n_features, data.n_outputs, data.task)
    sizes = [data.n_features, *exp.model.hidden, data.n_outputs]
    left, right = st.columns([3, 2], gap="large")
    with left:
        draw(st, run_charts.network_diagram(*frames.network_layout(sizes, list(exp.model.activations))), width="stretch")
    with right:
        st.metric(_("Trainable parameters"), f"{parameter_count(model):,}")
        st.markdown(_("Input features: **{features}** · output: **{outputs}** ({task})", features=data.n_features,
                      outputs=data.n_outputs, task=readouts.TASKS[data.task]))
        st.markdown(_("The same network in PyTorch:"))
        st.code(sequential_code(model), language="python")
        with st.expander(_("How PyTorch prints it")):
            st.code(repr(model), language="text")
    with st.expander(_(":material/code: The whole training script (data, model, loss, optimizer, loop)")):
        script_panel(exp)
ui.share_link(exp)
