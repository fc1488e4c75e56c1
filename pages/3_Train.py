"""Train: optimizer, learning rate, loss, epochs; watch the loss fall and the fit take shape."""

import streamlit as st

from nnlab import lessons, ui
from nnlab.ui import classroom
from nnlab.ui.live import live_panel
from nnlab.ui.results import show_training
from nnlab.ui.takeaway import downloads, script_panel


def whole_run(exp, data, challenge) -> None:
    result = ui.cached_result(exp)
    affordable = result is not None or ui.within_budget([exp], data, exp.training.epochs)
    if st.button("Train", type="primary", key="train", disabled=result is not None or not affordable,
                 help="These settings have been trained already; their result is shown." if result else None):
        result = ui.train_live(exp, data)
    if result is None and affordable:
        st.info("Press **Train** to start. The same settings again later show their result at once.")
    elif result is not None:
        show_training(result)
        if challenge:
            classroom.submit_panel(challenge, exp, data)
        st.subheader("Take it home")
        downloads(result)


exp = ui.page("Train", ":material/model_training:")
st.title("Train")

with ui.shown_errors():
    challenge = classroom.current()
    if challenge:
        classroom.banner(challenge)
    exp, data = ui.with_data(exp)
    exp = ui.training_controls(exp, data.task)
    lesson_id = lessons.matching(exp)
    if lesson_id:
        lesson = lessons.lesson(lesson_id)
        st.markdown(f"**{lesson.title}** (tutorial {lesson.tutorial}). {lesson.notice}")
        st.info(f"**Predict first:** {lesson.predict}")
    spec = exp.training
    st.caption(f"{spec.optimizer.upper()} · learning rate {spec.learning_rate:g} · {spec.loss} · "
               f"{spec.epochs:,} epochs · batch {'full' if spec.batch_size is None else spec.batch_size} · "
               f"hidden {list(exp.model.hidden)} {list(exp.model.activations)} · seed {exp.seed}")
    mode_column, option_column = st.columns([3, 2], vertical_alignment="bottom")
    mode = mode_column.radio("How to train", ["Whole run", "Play / pause / step"], horizontal=True, key="train_mode",
                             help="Whole run: every epoch at once, as fast as this server can. Play: watch it learn, "
                                  "epoch by epoch, and pause to talk about it.")
    if mode == "Whole run":
        whole_run(exp, data, challenge)
    else:
        live_panel(exp, data, option_column)
    with st.expander(":material/code: This run as a plain PyTorch script", expanded=False):
        script_panel(exp)
ui.share_link(exp)
