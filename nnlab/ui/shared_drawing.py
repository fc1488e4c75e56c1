"""A class's shared drawing on the Class page (nnlab.classroom.drawings): a student's phone adds points
of a class to it with a tap; the projector shows it growing, and trains on it at the instructor's word.
The instructor freezes it, clears it, or removes one student's points."""

from __future__ import annotations

import streamlit as st

from nnlab.classroom.challenges import Challenge
from nnlab.classroom.drawings import points_table
from nnlab.data import drawing
from nnlab.errors import ClassError, NnlabError
from nnlab.i18n import N_
from nnlab.pictures import data_charts, frames
from nnlab.training.trainer import fit_loss_to_task
from nnlab.ui import services, session_runs
from nnlab.ui.class_screen import board, join_panel
from nnlab.ui.pictures import draw
from nnlab.ui.poll_screen import voter
from nnlab.ui.run_screen import fit_view
from nnlab.ui.takeaway import downloads, script_panel
from nnlab.ui.words import _, fragment

TAPS, PLANE, TRAINED, TRAIN_NOW = "shared_taps", "shared_plane_", "shared_trained", "shared_train_now"
REFRESH_SECONDS = 2  # the projector's picture: within 3 s of a tap


def student_panel(challenge: Challenge) -> None:
    """Pick a class, tap the plane: the point goes into the class's drawing, and the tap is answered."""
    st.title(_("Draw the data together"))
    st.markdown(_("Pick a class, then tap the plane: each tap adds a point to the class's drawing, which the projector "
                  "trains on. You may add {each} points.", each=challenge.rules.points_each))
    if not challenge.is_open:
        st.info(_("The drawing is frozen for now."), icon=":material/ac_unit:")
    _tapping(challenge)


@fragment
def _tapping(challenge: Challenge) -> None:
    """A fragment: a tap reruns the plane and its answer alone, once. The tap is read from the chart's
    state before the chart is drawn again, under a new key (a tap's number), so it is handled once."""
    label = st.segmented_control(_("Class to add"), list(range(drawing.MAX_CLASSES)), key="shared_class", default=0,
                                 required=True)
    taps = st.session_state.setdefault(TAPS, 0)
    tapped = st.session_state.get(f"{PLANE}{taps}")
    picked = (tapped.selection.get("tap") if tapped else None) or []
    answer = None  # the tap's answer: drawn under the plane (above it, it pushed the plane under the next finger)
    if picked:
        try:  # the tap's number names it: sent again, it is kept once
            x1, x2 = (float(picked[-1][axis]) for axis in ("x1", "x2"))
            added = board().add_point(challenge.code, voter(), taps, x1, x2, int(label))
            answer = (st.success, _("Point added: you have {mine} of {each}.", mine=added, each=challenge.rules.points_each))
        except ClassError as error:
            answer = (st.error, _(error))
        except (KeyError, TypeError, ValueError):  # a selection no tap on this plane makes
            answer = (st.error, _("That tap did not land on the plane: tap again."))
        taps = st.session_state[TAPS] = taps + 1
    draw(st, data_charts.drawing_plane(frames.drawn_points(_drawn(challenge)), drawing.CLASS_NAMES, False,
                                       N_("The class's drawing: tap to add a point")),
         width="stretch", on_select="rerun", key=f"{PLANE}{taps}")
    if answer:
        show, words = answer
        show(words)


def _drawn(challenge: Challenge) -> drawing.Points:
    try:
        return board().drawn(challenge.code)
    except ClassError as error:
        st.warning(_(error))
        return drawing.Points((), False)


def projector_panel(challenge: Challenge, key: str) -> None:
    """The join code, the drawing as it grows, and the instructor's controls and Train."""
    picture, words, about = st.columns([2, 3, 6], vertical_alignment="center")
    join_panel(challenge, picture, words)
    with about:
        if challenge.rules.title:
            st.subheader(challenge.rules.title, anchor=False)
        st.markdown(_("**Draw the data together.** Each student adds up to {each} points of a class; the network trains "
                      "on all of them when you press **Train on the drawing**.", each=challenge.rules.points_each))
    _growing(challenge.code)
    _instructor_controls(challenge, key)
    trained = st.session_state.get(TRAINED)
    if trained is not None and trained.data.drawing:
        _result(trained)


@fragment(run_every=REFRESH_SECONDS)
def _growing(code: str) -> None:
    try:
        challenge, points, drawers = board().challenge(code), board().drawn(code), board().drawers(code)
    except ClassError as error:
        st.warning(_(error))
        return
    draw(st, data_charts.drawing_plane(frames.drawn_points(points), drawing.CLASS_NAMES, False,
                                       N_("The class's drawing, as it grows"), taps=False), width="stretch")
    frozen = "" if challenge.is_open else _(" **Frozen: no new points.**")
    st.markdown(_("**{points}** points from **{students}** students (at most {most}).", points=len(points.points),
                  students=len(drawers), most=drawing.MAX_POINTS) + frozen)


def _instructor_controls(challenge: Challenge, key: str) -> None:
    row = st.container(horizontal=True)
    if row.button(_("Train on the drawing"), type="primary", icon=":material/model_training:", key="shared_train"):
        points = board().drawn(challenge.code)
        st.session_state[TRAINED] = challenge.experiment.replace(data={"drawing": drawing.encode(points)} if points.points
                                                                 else {"drawing": ""})
        st.session_state[TRAIN_NOW] = True
    if challenge.is_open:
        if row.button(_("Freeze the drawing"), icon=":material/ac_unit:", key="shared_freeze"):
            board().close(challenge.code, key)
            st.rerun()
    elif row.button(_("Unfreeze it"), icon=":material/water_drop:", key="shared_unfreeze"):
        board().reopen(challenge.code, key)
        st.rerun()
    if row.button(_("Clear the drawing"), icon=":material/delete:", key="shared_clear"):
        board().remove_points(challenge.code, key)
        st.rerun()
    row.download_button(_("The drawing (.csv)"), lambda: points_table(board().drawn(challenge.code)).to_csv(index=False),
                        f"drawing-{challenge.code}.csv", "text/csv", key="shared_csv", icon=":material/download:",
                        on_click="ignore", help=_("Every point: x1, x2 and its class; not who drew it."))
    drawers = board().drawers(challenge.code)
    if len(drawers):
        pick, remove = st.columns([3, 2], vertical_alignment="bottom")
        shown = {author: _("student {number} ({points} points)", number=number, points=points)
                 for number, (author, points) in enumerate(zip(drawers["author"], drawers["points"], strict=True), start=1)}
        author = pick.selectbox(_("A student's points"), list(shown), format_func=shown.get, key="shared_author",
                                help=_("Students are numbered in the order they first drew; no names are kept."))
        if remove.button(_("Remove their points"), key="shared_remove", icon=":material/remove_circle:"):
            board().remove_points(challenge.code, key, author)
            st.rerun()


def _result(exp) -> None:
    """The drawing trained: the fit on the projector, and the run to take home (script, data, weights)."""
    try:
        data = services.data_for(exp)
    except NnlabError as error:  # too few points, one class: said, and the page goes on
        st.info(_(error), icon=":material/draw:")
        return
    exp = fit_loss_to_task(exp, data.task)
    key = session_runs.train_key(exp)
    result = session_runs.stored_result(key)
    if result is None and st.session_state.pop(TRAIN_NOW, False):
        result = session_runs.train_live(exp, data)
    if result is None:
        return
    fit_view(result, max(result.snapshots))
    st.caption(_("Trained on {points} points, {epochs:,} epochs: final train loss {loss:.4f}.",
                 points=len(data.x_train) + len(data.x_test), epochs=result.epochs_run,
                 loss=float(result.history["train_loss"].iloc[-1])))
    downloads(result)
    if st.toggle(_(":material/code: This run as a plain PyTorch script"), key="shared_script"):
        script_panel(exp)
