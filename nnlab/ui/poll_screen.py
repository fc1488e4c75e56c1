"""Peer instruction on screen: the instructor asks (a lesson's question in one click, or their
own), the projector shows the question and how many have voted, and then the votes and the
answer; each student's phone shows the question and a large button per option. The polls
themselves live in `nnlab.classroom.polls`; this module draws them."""

from __future__ import annotations

import secrets

import pandas as pd
import streamlit as st

from nnlab import lessons, links
from nnlab.classroom.challenges import Challenge
from nnlab.classroom.classdb import SCORES
from nnlab.classroom.polls import KINDS, Poll
from nnlab.errors import ClassError
from nnlab.experiment import SETTINGS, Experiment
from nnlab.i18n import N_
from nnlab.pictures import class_charts, many_runs_charts, run_charts
from nnlab.ui import state
from nnlab.ui.class_screen import board, join_panel
from nnlab.ui.pictures import draw
from nnlab.ui.words import _, as_text, formatter, fragment

REFRESH_SECONDS = 2  # a vote shows in the projector's count within this
STUDENT_SECONDS = 4  # a phone looks for a new question or the reveal this often: a hall of phones, one server
_VOTER, _REVEALED, _NEW = "poll_voter", "poll_revealed", "poll_new"
KIND_LABELS = {"choice": N_("My own options"), "setting": N_("Which setting wins"), "number": N_("A number")}
# the settings a setting poll may ask about, and what a new poll offers for each
SETTING_CHOICES = ("activation", "rate", "units", "optimizer", "init", "batch", "epochs")


def voter() -> str:
    """This browser session's opaque voter id (never its name)."""
    return st.session_state.setdefault(_VOTER, secrets.token_urlsafe(12))


def latest(code: str) -> Poll | None:
    polls = board().polls(code, newest=1)
    return polls[0] if polls else None


def ask_form(challenge: Challenge, exp: Experiment) -> None:
    """The instructor's new question: this lesson's own, or one they write."""
    key = st.session_state.get(state.INSTRUCTOR_KEY)
    lesson_id = _lesson_of(challenge.experiment)
    if lesson_id and lessons.lesson(lesson_id).poll:
        ready = lessons.lesson(lesson_id).poll
        st.markdown(_("**This lesson's question:** {question}", question=as_text(_(ready.question))))
        if st.button(_("Ask it"), type="primary", key="poll_ask_lesson", icon=":material/how_to_vote:"):
            board().ask_lesson(challenge.code, key, lesson_id)
            _asked()
    with st.expander(_("Or write your own question"), expanded=not lesson_id):
        kind = st.segmented_control(_("Kind"), KINDS, format_func=formatter(KIND_LABELS.get), default="choice",
                                    key="poll_kind")
        question = st.text_input(_("Question"), max_chars=200, key="poll_question")
        options, details = _kind_fields(kind or "choice")
        if st.button(_("Ask the class"), key="poll_ask", icon=":material/how_to_vote:"):
            board().ask(challenge.code, key, question, options, kind or "choice", exp=exp, **details)
            _asked()


def _asked() -> None:
    """A new question is out: the projector shows it (not the form it came from)."""
    st.session_state[_NEW] = False
    st.rerun()


def _lesson_of(exp: Experiment) -> str | None:
    """The lesson a challenge was made from: the nearest one (as its link names it), on the same data."""
    lesson_id = links.to_query(exp)["lesson"]
    return lesson_id if lessons.get(lesson_id).data.name == exp.data.name else None


def _kind_fields(kind: str) -> tuple[list[str] | None, dict]:
    if kind == "choice":
        text = st.text_area(_("Options, one a line (2 to 6)"), key="poll_options", height=120)
        options = [line.strip() for line in text.splitlines() if line.strip()]
        opinion = _("(none: an opinion)")
        mark = st.selectbox(_("The right one"), ["", *options], key="poll_mark",  # "": no option is an empty line
                            format_func=lambda option: option or opinion)
        return options, {"mark": mark or None}
    if kind == "setting":
        setting = st.selectbox(_("Setting"), SETTING_CHOICES, key="poll_setting",
                               format_func=formatter(lambda name: SETTINGS[name].says))
        text = st.text_input(_("Its values, separated by spaces (e.g. sigmoid tanh relu)"), key="poll_values")
        return text.split(), {"setting": setting}
    low, high = st.columns(2)
    return None, {"low": low.number_input(_("From"), value=0.0, key="poll_low"),
                  "high": high.number_input(_("To"), value=1.0, key="poll_high")}


def instructor_panel(challenge: Challenge, exp: Experiment) -> None:
    """The projector's poll: while voting, the question and how many have voted (not how: nobody
    anchors on the crowd); then the votes of each round and the answer."""

    @fragment(run_every=REFRESH_SECONDS)
    def live() -> None:
        try:
            poll = latest(challenge.code)
            if poll is None or st.session_state.get(_NEW):
                ask_form(challenge, exp)
                if poll is not None and st.button(_("Back to the last question"), key="poll_back"):
                    st.session_state[_NEW] = False
                    st.rerun()
                return
            _projected(challenge.code, poll, st.session_state.get(state.INSTRUCTOR_KEY), joins=challenge)
        except ClassError as error:
            st.error(_(error))

    live()


def step_poll(code: str, poll_id: int, key: str) -> None:
    """A lecture step's poll on the projector: its question, options and count while the room votes,
    the instructor's controls, then the rounds and the answer."""

    @fragment(run_every=REFRESH_SECONDS)
    def live() -> None:
        try:
            _projected(code, board().poll(code, poll_id), key)
        except ClassError as error:
            st.error(_(error))

    live()


def _projected(code: str, poll: Poll, key: str, joins: Challenge | None = None) -> None:
    """The poll on the projector, with its controls; `joins`: the challenge whose join code shows
    beside it while the room votes (a lecture's room has joined already)."""
    asked, joining = st.columns([3, 1], gap="large") if poll.is_open and joins else (st.container(), None)
    asked.header(as_text(_(poll.question)), anchor=False)
    if joining is not None:  # latecomers join while the class votes; the votes take the room after
        join_panel(joins, joining, joining, page="Class")
    if poll.revealed is None:
        if poll.options and poll.is_open:  # what the room chooses from, without a count to anchor on
            asked.markdown("  \n".join(f"**{chr(65 + number)}.** {as_text(_(option))}"
                                        for number, option in enumerate(poll.options)))
        count = board().votes(code, poll.id)
        asked.metric(_("Votes, round {number}", number=poll.round) if poll.round > 1 else _("Votes"), count,
                     help=_("Only how many have voted, not how: the class sees the votes at the reveal."))
    buttons = asked.container(horizontal=True)
    if poll.is_open and buttons.button(_("Close voting"), key="poll_close", icon=":material/lock:"):
        board().close_poll(code, key, poll.id)
        st.rerun()
    if poll.revealed is None and buttons.button(_("Reveal"), type="primary", key="poll_reveal",
                                                icon=":material/visibility:"):
        with st.spinner(_("Training the runs that decide it…") if poll.kind != "choice" else _("Counting…")):
            st.session_state[_REVEALED] = (poll.id, board().reveal(code, key, poll.id).runs)
        st.rerun()
    if not poll.is_open and poll.round == 1 and buttons.button(_("Vote again"), key="poll_again", icon=":material/replay:"):
        board().revote(code, key, poll.id)
        st.session_state.pop(_REVEALED, None)
        st.rerun()
    if joins is not None and buttons.button(_("New question"), key="poll_new_button", icon=":material/add:"):
        st.session_state[_NEW] = True
        st.rerun()
    if poll.revealed is not None or not poll.is_open:
        results(code, poll, download=True)


def results(code: str, poll: Poll, download: bool = False) -> None:
    """The votes of every round so far, side by side, and the answer once revealed."""
    tallies = {_("round {number}", number=number): board().tally(code, poll.id, round=number)
               for number in range(1, poll.round + 1)}
    answer = poll.revealed["answer"] if poll.revealed else None
    if poll.revealed:
        st.success(_answer_text(poll), icon=":material/check_circle:")
    if poll.kind != "number" or any(tally["votes"].sum() for tally in tallies.values()):
        draw(st, class_charts.poll_votes(tallies, answer if poll.kind != "number" else None), width="stretch")
    values = (poll.revealed or {}).get("values") or {}
    if poll.kind == "setting" and values:
        label = SCORES[poll.score][0]
        shown = [f"{value:.1%}" if poll.score.endswith("acc") else f"{value:.4f}" for value in values.values()]
        st.dataframe(pd.DataFrame({_(SETTINGS[poll.setting].says): list(values), _("median {score}", score=label): shown}),
                     hide_index=True)
    if download:
        _deciding_runs(poll)
        table = pd.concat([tally.assign(round=number) for number, tally in enumerate(tallies.values(), 1)],
                          ignore_index=True)
        st.download_button(_("Votes (.csv)"), table.to_csv(index=False).encode(), f"poll-{poll.id}.csv", "text/csv",
                           key=f"poll_csv_{poll.id}", icon=":material/download:")


def _deciding_runs(poll: Poll) -> None:
    """The runs this session's reveal trained, on the projector: each option's curves over its seeds
    (as Compare draws them), or the one run's curve that reached the number."""
    revealed_id, runs = st.session_state.get(_REVEALED, (None, []))
    if revealed_id != poll.id or not runs or poll.kind == "choice":
        return
    if poll.kind == "number":
        curves = run_charts.accuracy_curves if poll.score.endswith("acc") else run_charts.loss_curves
        draw(st, curves(runs[0].history), width="stretch")
        return
    seeds = len(runs) // len(poll.options)
    histories = pd.concat([run.history.assign(activation=poll.options[number // seeds], seed=number % seeds)
                           for number, run in enumerate(runs) if len(run.history)], ignore_index=True)
    draw(st, many_runs_charts.compare_curves(histories, poll.score), width="stretch")


def _answer_text(poll: Poll) -> str:
    answer = poll.revealed["answer"]
    if poll.kind == "choice":
        return _("The answer: **{answer}**.", answer=as_text(_(answer))) if answer else _("An opinion: no answer is right.")
    label = SCORES[poll.score][0]
    if poll.kind == "number":
        return _("The run reached a {score} of **{value:.3g}**.", score=label, value=float(answer))
    if " and " in answer:
        return _("**{answer}** tie: the best median {score} over the seeds, each option trained on the same data by the "
                 "server.", answer=as_text(answer), score=label)
    return _("**{answer}** won: the best median {score} over the seeds, each option trained on the same data by the "
             "server.", answer=as_text(answer), score=label)


def student_panel(challenge: Challenge) -> None:
    """The newest poll on a student's phone: the question, a large button per option, their vote."""

    @fragment(run_every=STUDENT_SECONDS)
    def live() -> None:
        try:
            poll = latest(challenge.code)
            if poll is not None:
                ballot(challenge.code, poll)
        except ClassError as error:
            st.error(_(error))

    live()


def ballot(code: str, poll: Poll) -> None:
    """The question, a large button per option (a number box for a number), this session's vote, and the reveal."""
    st.subheader(as_text(_(poll.question)), anchor=False)
    if poll.round > 1 and poll.is_open:  # a second round must not look like the first
        st.info(_("**Round {number}: vote again**, now that you have talked it over.", number=poll.round),
                icon=":material/replay:")
    mine = f"poll_mine_{poll.id}_{poll.round}"
    if poll.is_open:
        if poll.kind == "number":
            value = st.number_input(_("Your answer, from {low:g} to {high:g}", low=poll.low, high=poll.high), poll.low,
                                    poll.high,
                                    value=(poll.low + poll.high) / 2, key=f"poll_number_{poll.id}")
            choices = [value] if st.button(_("Vote"), type="primary", key=f"poll_vote_{poll.id}", width="stretch") else []
        else:
            choices = [option for number, option in enumerate(poll.options)
                       if st.button(_(option), key=f"poll_option_{poll.id}_{number}", width="stretch",
                                    type="primary" if st.session_state.get(mine) == option else "secondary")]
        for choice in choices:
            st.session_state[mine] = board().vote(code, poll.id, voter(), choice)
    if st.session_state.get(mine) is not None:
        shown = st.session_state[mine] if poll.kind != "number" else f"{float(st.session_state[mine]):g}"
        until = _("you can change it until the poll closes") if poll.is_open else _("voting is closed")
        st.info(_("Your vote: **{vote}**; {until}.", vote=as_text(_(shown)), until=until), icon=":material/how_to_vote:")
    elif not poll.is_open:
        st.caption(_("Voting is closed."))
    if poll.revealed is not None:
        results(code, poll)
