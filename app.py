"""nnlab landing page: pick a lesson; every page then works on it."""

from nnlab.ui.boot import first_page

first_page("nnlab")  # a new server: this title at once, while the imports below load

import streamlit as st

from nnlab import lessons, ui
from nnlab.ui.words import _

exp = ui.page("Lessons")
st.title("nnlab")
st.markdown(_(
    "**Watch small neural networks learn.** Seven lessons rebuild five short PyTorch tutorials exactly (same data, model, "
    "loss, optimizer and batch order), so you can move between this page and the tutorial's code; two more go beyond "
    "them. Pick one; the **Data explorer** (where you can also draw your own data), **Build model**, **Train**, "
    "**Compare activations**, **Sweep** and **Inside one step** (one training step, number by number) pages all follow "
    "it; **Optimizer race** sets every optimizer loose on surfaces you can see, and **Class** turns a lesson into a "
    "challenge for the whole room."))

current = lessons.matching(exp)
fixed = not ui.allowed("lesson")  # an instructor's link may keep the class on one lesson
columns = st.columns(3, gap="medium")
for index, lesson_id in enumerate(lessons.names()):
    lesson = lessons.lesson(lesson_id)
    with columns[index % 3].container(border=True):
        st.markdown(f"#### {_(lesson.title)}")
        st.caption(f"{_(lesson.source)} · `{lesson_id}`")
        st.markdown(_(lesson.notice))
        st.markdown(_("**Before you press Train:** {question}", question=lesson.predict))
        label = _("Loaded ✓") if lesson_id == current else _("Load and train")
        if st.button(label, key=f"load_{lesson_id}", type="primary" if lesson_id == current else "secondary",
                     width="stretch", disabled=fixed and lesson_id != current):
            ui.load(lesson.experiment)
            st.session_state[ui.TRAIN_NOW] = True  # the button says "Load and train": the Train page trains
            st.switch_page("pages/3_Train.py", query_params=ui.link_query(lesson.experiment))
ui.share_link(exp)
