"""Class: a challenge for the whole room. Join one or start one; the leaderboard for the projector."""

from nnlab.ui.boot import first_page

first_page("Class")  # a new server: this title at once, while the imports below load

import streamlit as st

from nnlab import ui
from nnlab.i18n import N_
from nnlab.ui import class_screen, poll_screen, shared_drawing, state
from nnlab.ui.words import _, formatter

exp = ui.page("Class")

with ui.shown_errors():
    challenge = class_screen.current()
    if challenge is None:
        st.title(_("Class challenge"))
        st.markdown(_("The instructor starts a challenge from the current settings; the class joins with a code, "
                      "trains and submits; the best runs, and what everyone tried, appear here as they arrive."))
        join_column, start_column = st.columns([2, 3], gap="large")
        with join_column:
            st.subheader(_("Join your class"))
            class_screen.join_form()
        with start_column:
            st.subheader(_("Start a challenge"))
            exp, data = ui.with_data(exp)
            class_screen.create_form(exp, data)
    else:
        instructor = bool(st.session_state.get(state.INSTRUCTOR_KEY))
        in_lecture = bool(st.session_state.get(state.LECTURE))  # the lecture shows its step's poll, on every page
        class_screen.instructor_controls(challenge)
        if instructor and challenge.rules.drawing:
            shared_drawing.projector_panel(challenge, st.session_state[state.INSTRUCTOR_KEY])
        elif challenge.rules.drawing:
            shared_drawing.student_panel(challenge)
        elif instructor and in_lecture:
            class_screen.leaderboard(challenge.code, projector=True)
        elif instructor:
            shown = st.segmented_control(_("On the projector"), ["board", "poll"], default="board",
                                         format_func=formatter({"board": N_("Leaderboard"), "poll": N_("Poll")}.get),
                                         key="class_projecting", label_visibility="collapsed")
            if shown == "poll":
                poll_screen.instructor_panel(challenge, exp)
            else:
                class_screen.leaderboard(challenge.code, projector=True)
        else:
            st.title(_("Class {code}", code=challenge.code))
            if not in_lecture:
                poll_screen.student_panel(challenge)
            if challenge.rules.by_hand:
                st.page_link(class_screen.entry_page(challenge)[0], label=_("Set the weights and submit them"),
                             icon=":material/tune:")
            else:
                st.page_link("pages/3_Train.py", label=_("Train and submit your run"), icon=":material/model_training:")
            class_screen.leaderboard(challenge.code, projector=False)
        if not in_lecture and st.sidebar.button(_("Leave this challenge"), key="class_leave", icon=":material/logout:"):
            class_screen.leave()
            st.rerun()
ui.share_link(exp)
