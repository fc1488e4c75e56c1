"""Train: optimizer, learning rate, loss, epochs; watch the loss fall and the fit take shape."""

from nnlab.ui.boot import first_page

first_page("Train")  # a new server: this title at once, while the imports below load

import streamlit as st

from nnlab import lessons, ui
from nnlab.i18n import N_
from nnlab.pictures import readouts
from nnlab.ui import bring_back, class_screen, lecture_screen, state
from nnlab.ui.live import live_panel
from nnlab.ui.run_screen import show_training
from nnlab.ui.takeaway import downloads, script_panel
from nnlab.ui.words import _, formatter, fragment

TRAIN_MODES = {"whole": N_("Whole run"), "live": N_("Play / pause / step")}


def whole_run(exp, data, challenge, button_slot) -> None:
    key = ui.train_key(exp)
    shown = ui.shown_result(key)
    estimate = st.empty()  # the time estimate, gone once the run starts
    with estimate.container():
        affordable = shown is not None or ui.within_budget([exp], data, exp.training.epochs)
    button = ui.RunButton(_("Train"), "train", _("Trained: the result is below."), shown is not None, affordable,
                          button_slot, width="stretch")
    asked = st.session_state.pop(state.TRAIN_NOW, False) and affordable  # a lesson card's "Load and train"
    result = shown
    if shown is None and (button.pressed or asked or ui.left_behind(key)):  # a run this session left is followed again
        estimate.empty()
        result = ui.train_live(exp, data)
        button.finished()
        lecture_screen.trained()
    if result is None and affordable:
        if ui.running_elsewhere(key):
            st.info(_("A run with these settings is training right now (perhaps yours, before the page was "
                      "reloaded): press **Train** to follow it."), icon=":material/sync:")
        else:
            st.info(_("Press **Train** to start."))
        if ui.background_run("train") not in (None, key):
            st.caption(_("Your run of other settings goes on training; it shows when you go back to them."))
    elif result is not None:
        if challenge and class_screen.entry_page(challenge)[1] == "Train":  # within a phone's screen of the button
            class_screen.submit_panel(challenge, exp, data)
        show_training(result)
        st.subheader(_("Take it home"))
        downloads(result)


@fragment
def run_panel(exp, data, challenge) -> None:
    """The run and its result. A fragment: pressing Train, moving the snapshot slider or a toggle
    reruns this part alone, not the sidebar and the page around it, which in a class pressing Train
    together was most of what a result cost the server beyond its training."""
    with ui.shown_errors():
        mode_column, action_column = st.columns([3, 2], vertical_alignment="bottom")
        mode = mode_column.radio(_("How to train"), ["whole", "live"], horizontal=True, key=state.TRAIN_MODE,
                                 format_func=formatter(TRAIN_MODES.get), label_visibility="collapsed")
        if mode == "whole":
            whole_run(exp, data, challenge, action_column)
        else:
            live_panel(exp, data, action_column)


exp = ui.page("Train")
st.title(_("Train"))

with ui.shown_errors():
    challenge = class_screen.current()
    if challenge:
        class_screen.banner(challenge)
    exp, data = ui.with_data(exp)
    exp = ui.training_controls(exp, data.task)
    lesson_id = lessons.matching(exp)
    if lesson_id and not lecture_screen.code():  # in a lecture, the step's card asks the question
        lesson = lessons.lesson(lesson_id)
        st.markdown(_("**{title}** ({source}). {notice}", title=lesson.title, source=lesson.source, notice=lesson.notice))
        st.info(_("**Predict first:** {question}", question=lesson.predict))
    st.caption(_(readouts.settings_line(exp)))
    bring_back.started(exp, data)
    run_panel(exp, data, challenge)
    # written only when asked for: an expander's content is made and sent on every rerun, opened or not
    if st.toggle(_(":material/code: This run as a plain PyTorch script"), key="show_script"):
        script_panel(exp)
    if not challenge and ui.allowed("model") and st.toggle(_(":material/settings_backup_restore: Bring a run back"),
                                                           key="show_bring_back"):
        bring_back.panel(exp)
ui.share_link(exp)
