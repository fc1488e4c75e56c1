"""Inside one step: the forward pass, the loss, the chain rule and the update, with the numbers."""

from nnlab.ui.boot import first_page

first_page("Inside one step")  # a new server: this title at once, while the imports below load

import streamlit as st

from nnlab import lessons, ui
from nnlab.study import by_hand
from nnlab.ui import inside_screen
from nnlab.ui.words import _

exp = ui.page("Inside one step")
st.title(_("Inside one step"))
ui.page_card(lessons.PAGE_CARDS["inside"])

with ui.shown_errors():
    exp, data = ui.with_data(exp)
    exp = ui.training_controls(exp, data.task)
    reason = by_hand.unfit(exp, data)
    if reason:
        inside_screen.offer_step_lesson(reason, ":material/zoom_in:")
    else:
        inside_screen.show(exp, data)
ui.share_link(exp)
