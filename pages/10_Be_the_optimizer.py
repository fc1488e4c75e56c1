"""Be the optimizer: set a small network's weights by hand, watch the fit and the loss, see which way
gradient descent would move each weight, then let it take over."""

from nnlab.ui.boot import first_page

first_page("Be the optimizer")  # a new server: this title at once, while the imports below load

import streamlit as st

from nnlab import lessons, ui
from nnlab.study import by_hand
from nnlab.ui import class_screen, hand_screen, inside_screen
from nnlab.ui.words import _

exp = ui.page("Be the optimizer")
st.title(_("Be the optimizer"))
ui.page_card(lessons.PAGE_CARDS["hand"])

with ui.shown_errors():
    challenge = class_screen.current()
    if challenge:
        class_screen.banner(challenge)
    exp, data = ui.with_data(exp)
    reason = by_hand.unfit(exp, data)
    if reason:
        inside_screen.offer_step_lesson(reason, ":material/tune:")
    else:
        hand_screen.show(exp, data, challenge)
ui.share_link(exp)
