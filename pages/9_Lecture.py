"""Lecture: prepare one ahead, start it, and run the room from it; students join here once."""

from nnlab.ui.boot import first_page

first_page("Lecture")  # a new server: this title at once, while the imports below load

import streamlit as st

from nnlab import ui
from nnlab.ui import lecture_editor, lecture_screen
from nnlab.ui.words import _

exp = ui.page("Lecture")

with ui.shown_errors():
    code = lecture_screen.code()
    if code and lecture_screen.instructor():
        lecture_editor.running(code)
    elif code:
        lecture_editor.student(code)
    else:
        st.title(_("Lecture"))
        st.markdown(_("A lecture is a list of steps prepared ahead: a page, its settings, a card, what students may "
                      "change, a poll or a challenge. Start it, and every phone in the room follows the projector."))
        join_column, prepare_column = st.columns([2, 3], gap="large")
        with join_column:
            st.subheader(_("Join a lecture"))
            lecture_editor.join_form()
        with prepare_column:
            st.subheader(_("Prepare a lecture"))
            draft = lecture_editor.draft()
            if draft is None:
                lecture_editor.start_from()
            else:
                lecture_editor.editor(draft)
ui.share_link(exp)
