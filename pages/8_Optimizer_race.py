"""Optimizer race: SGD, momentum, Nesterov, RMSprop, Adagrad, Adam and AdamW from one start on a surface."""

from nnlab.ui.boot import first_page

first_page("Optimizer race")  # a new server: this title at once, while the imports below load

import streamlit as st

from nnlab import lessons, ui
from nnlab.ui import race_screen
from nnlab.ui.words import _

exp = ui.page("Optimizer race")
st.title(_("Optimizer race"))
ui.page_card(lessons.PAGE_CARDS["race"])

with ui.shown_errors():
    race_screen.show()
ui.share_link(exp)
