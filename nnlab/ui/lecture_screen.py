"""A running lecture on every page: each student's page follows the room's step (its page, settings
and locks), waits while the instructor says Eyes up, and shows the step's poll wherever it is; the
instructor's session drives (Back, Next, a step, Follow or Free, Eyes up) from the sidebar, with a
presenter's clicker or the arrow keys. The room itself lives in `nnlab.classroom.pacing`; this module reads it
and moves this session."""

from __future__ import annotations

import contextlib

import streamlit as st

from nnlab import links
from nnlab.classroom.lectures import Lecture, Step
from nnlab.classroom.pacing import LectureGone, Pace
from nnlab.errors import ClassError
from nnlab.i18n import N_
from nnlab.ui import class_screen, poll_screen, state
from nnlab.ui.class_screen import board
from nnlab.ui.words import _, formatter, fragment, language

FOLLOW_SECONDS = 2.5  # a phone looks for the room's next move this often: one cached row a server
CODE, KEY = state.LECTURE, state.LECTURE_KEY  # the lecture this session is in, and its instructor key (session only)
_SEEN = "lecture_revision"  # the room's revision this session last acted on
_AT = "lecture_step"  # the step this session is on
_WORK = "lecture_work"  # step -> this session's own settings there, given back when the room returns
_LINKED = "lecture_linked"
# a step's page, by the name a lecture file gives it, and the file that draws it
PAGE_FILES = {"lessons": "app.py", "data": "pages/1_Data_explorer.py", "build": "pages/2_Build_model.py",
              "train": "pages/3_Train.py", "compare": "pages/4_Compare_activations.py", "sweep": "pages/6_Sweep.py",
              "inside": "pages/7_Inside_one_step.py", "hand": "pages/10_Be_the_optimizer.py",
              "race": "pages/8_Optimizer_race.py", "board": "pages/5_Class.py"}
PAGE_OF_TITLE = {str(title): page for page, file in PAGE_FILES.items() for path, title, _icon in state.PAGES
                 if path == file}  # a page's title (as ui.page names it) -> its step page
MODE_LABELS = {"follow": N_("Follow"), "free": N_("Free")}


def code() -> str | None:
    return st.session_state.get(CODE)


def instructor() -> bool:
    return bool(st.session_state.get(KEY))


def member() -> str:
    """This session's opaque id in the lecture: the one it votes with, never a name."""
    return poll_screen.voter()


def join(lecture_code: str, nickname: str = "", key: str | None = None, stay: bool = False) -> None:
    """Put this session in lecture `lecture_code`: as a student (counted, nickname optional), or with its key, as
    the instructor. The next page run takes it to the room's step; with `stay`, the instructor who has just
    started it stays on the lecture's page, with its join code, until they go to the step."""
    lecture_code = lecture_code.strip().upper()
    leave()  # nothing of an earlier lecture (its key, its steps' settings) carries over
    if key:
        board().verify_lecture(lecture_code, key)
        st.session_state[KEY] = key
    else:
        board().join_lecture(lecture_code, member(), nickname)
    st.session_state[CODE] = lecture_code
    if stay:
        pace = board().pace(lecture_code, fresh_within=0)
        st.session_state[_SEEN], st.session_state[_AT] = pace.revision, pace.step


def leave() -> None:
    for name in (CODE, KEY, _SEEN, _AT, _WORK):
        st.session_state.pop(name, None)
    class_screen.leave()


def follow_link() -> None:
    """Join the lecture a link names (`?lecture=CODE`, with `&key=...` on the instructor's own devices), once."""
    query = st.query_params.to_dict()
    lecture_code = query.get("lecture", "").strip().upper()
    if not lecture_code or st.session_state.get(_LINKED) == lecture_code or code() == lecture_code:
        return
    st.session_state[_LINKED] = lecture_code
    try:
        join(lecture_code, key=query.get("key") or None)
    except ClassError as error:
        st.warning(_("{problem} You can still use every page on your own.", problem=error))


def steer(title: str, controls) -> None:
    """Called by every page: move this session to the room's step when the room has moved, hold the
    page while Eyes up, show the step's card and poll, and, for the instructor, the pacing controls
    (in `controls`, the top of the sidebar)."""
    lecture_code = code()
    if not lecture_code:
        return
    try:
        pace = board().pace(lecture_code)
        lecture = board().lecture(lecture_code)
    except LectureGone as error:  # deleted: every page is the student's again
        leave()
        st.info(_(error), icon=":material/school:")
        return
    except ClassError as error:  # the database for a moment: the page works on, the next look catches up
        st.warning(_(error))
        return
    if pace.ended and not instructor():
        st.info(_("The lecture has ended. Thank you! Every page is yours again."), icon=":material/school:")
        leave()
        return
    here = PAGE_OF_TITLE.get(title)
    if _news(pace):
        try:
            _catch_up(pace, lecture, here)
        except ClassError as error:
            st.warning(_(error))
    if instructor():
        _pacing_controls(pace, lecture, controls)
    elif pace.paused:
        _eyes_up()
        _follow(lecture_code, here)  # what brings the page back when the instructor releases it
        st.stop()
    _step_header(lecture, pace, here)
    if instructor() and pace.poll is not None and here == lecture.steps[pace.step].page:
        poll_screen.step_poll(pace.challenge, pace.poll, st.session_state[KEY])
    _follow(lecture_code, here)


def _news(pace: Pace) -> bool:
    """Whether the room has moved since this session last acted on it."""
    seen = st.session_state.get(_SEEN)
    return seen is None or pace.revision > seen


def _catch_up(pace: Pace, lecture: Lecture, here: str | None) -> None:
    """The room moved since this session last looked: go to its step where this session follows."""
    if _must_go(pace, lecture, here):
        go(pace, lecture.steps[pace.step])  # notes the revision once the session has moved
    st.session_state[_SEEN] = pace.revision


def _must_go(pace: Pace, lecture: Lecture, here: str | None) -> bool:
    at = st.session_state.get(_AT)
    moved = at != pace.step and (pace.mode == "follow" or instructor() or at is None)
    called_back = pace.mode == "follow" and here != lecture.steps[pace.step].page and not instructor()  # Free ended
    return moved or called_back


def go(pace: Pace, step: Step) -> None:
    """Take this session to the room's step: its own settings there if it has been there before,
    else the step's; the step's locks (never the instructor's); its challenge; then its page."""
    entered = pace.challenge and (step.challenge is not None or step.page == "board")  # not a poll's own home
    flags = links.InstructorFlags()  # the instructor's own session: never locked
    if not instructor():
        flags = step.flags
        if entered:  # read first: a database that fails here leaves the session as it was, to try again
            rules = board().challenge(pace.challenge).rules
            flags = links.InstructorFlags(hide=flags.hide, lock=flags.lock | class_screen.flags(rules).lock)
    work = st.session_state.setdefault(_WORK, {})
    at = st.session_state.get(_AT)
    if at is not None:
        work[at] = state.current()
    exp = work.get(pace.step) or step.experiment
    state.load(exp)
    st.session_state[_AT] = pace.step
    st.session_state[_SEEN] = pace.revision
    st.session_state.pop(state.CHALLENGE, None)
    state.set_instructor_flags(flags)
    if entered:
        st.session_state[state.CHALLENGE] = pace.challenge
    if instructor():
        st.session_state[state.INSTRUCTOR_KEY] = st.session_state[KEY]
    else:
        with contextlib.suppress(ClassError):  # the count misses one arrival; the student's page goes on
            board().did(pace.code, member(), pace.step, "arrived")
    st.switch_page(PAGE_FILES[step.page], query_params=state.link_query(exp))


def trained() -> None:
    """This session trained a run at the room's step (the roster counts it, once)."""
    if code() and not instructor() and st.session_state.get(_AT) is not None:
        with contextlib.suppress(ClassError):
            board().did(code(), member(), st.session_state[_AT], "trained")


def _step_header(lecture: Lecture, pace: Pace, here: str | None) -> None:
    """The step's card above the page; a student elsewhere (Free) gets the way back instead."""
    step = lecture.steps[pace.step]
    title, notice, predict = step.card.text(language())
    count = _("Step {number} of {steps}", number=pace.step + 1, steps=len(lecture.steps))
    elsewhere = here != step.page or st.session_state.get(_AT) != pace.step  # Free: another page, or another step's
    if elsewhere and not instructor():
        with st.container(border=True, horizontal=True, vertical_alignment="center"):
            st.markdown(_("**The class is on {count}: {title}.**", count=count, title=class_screen.as_text(title)))
            if st.button(_("Back to the class"), key="lecture_back_to_class", type="primary", icon=":material/groups:"):
                go(pace, step)
        return
    with st.container(border=True):
        st.markdown(f"**{count} · {class_screen.as_text(title)}**" + (f"  \n{class_screen.as_text(notice)}" if notice else ""))
        if predict:
            st.markdown(_("**Predict first:** {question}", question=class_screen.as_text(predict)))


def _eyes_up() -> None:
    st.title(_("Eyes up"), anchor=False)
    st.info(_("Your instructor has paused the class: look at the projector. Your page comes back as soon as the "
              "instructor releases it; nothing you did is lost."), icon=":material/visibility:")


def _follow(lecture_code: str, here: str | None) -> None:
    """Looks for the room's next move every few seconds, and shows the step's poll on whatever page
    this session is on. A move to another step goes there at once, without first drawing this page again."""

    @fragment(run_every=FOLLOW_SECONDS)
    def watch() -> None:
        try:
            pace = board().pace(lecture_code)
            if _news(pace):
                lecture = board().lecture(lecture_code)
                if not pace.paused and _must_go(pace, lecture, here):
                    go(pace, lecture.steps[pace.step])
                st.rerun(scope="app")  # Eyes up, its release, a new mode, a lecture gone: the page draws itself again
            if pace.poll is not None and not instructor() and not pace.paused:
                poll_screen.ballot(pace.challenge, board().poll(pace.challenge, pace.poll))
        except LectureGone:
            st.rerun(scope="app")
        except ClassError as error:  # the database for a moment: the next look tries again
            st.caption(_(error))

    watch()


def _pacing_controls(pace: Pace, lecture: Lecture, bar) -> None:
    """The instructor's sidebar: Back and Next (also the arrow keys and Page Up / Page Down, what a
    presenter's clicker sends), a step, Follow or Free, Eyes up, and the room's counts."""
    key, lecture_code = st.session_state[KEY], pace.code
    bar.header(_("Lecture {code}", code=lecture_code))
    if pace.ended:
        bar.info(_("This lecture has ended."), icon=":material/school:")
        bar.page_link("pages/9_Lecture.py", label=_("Lecture page: code, record"), icon=":material/co_present:")
        return
    back, forward = bar.columns(2)
    moves = {"back": back.button(_("Back"), key="lecture_back", icon=":material/chevron_left:", width="stretch",
                                 disabled=pace.step == 0, shortcut="Left", help=_("Keyboard: ← or Page Up")),
             "next": forward.button(_("Next"), key="lecture_next", icon=":material/chevron_right:", type="primary",
                                    width="stretch", disabled=pace.step == len(lecture.steps) - 1, shortcut="Right",
                                    help=_("Keyboard: → or Page Down"))}
    with bar.container(key="lecture_clicker"):  # a clicker's keys, on buttons no one sees
        moves["back"] |= st.button("Page Up", key="lecture_page_up", shortcut="PageUp", disabled=pace.step == 0)
        moves["next"] |= st.button("Page Down", key="lecture_page_down", shortcut="PageDown",
                                   disabled=pace.step == len(lecture.steps) - 1)
    bar.caption(_("Keys: **←** Back · **→** Next; a presenter's clicker (Page Up / Page Down) works too."))
    titles = [step.card.text(language())[0] for step in lecture.steps]
    picked = bar.selectbox(_("Step"), range(len(lecture.steps)), index=pace.step, key=f"lecture_pick_{pace.revision}",
                           format_func=lambda number: f"{number + 1}. {titles[number]}")
    mode = bar.segmented_control(_("Students"), list(MODE_LABELS), default=pace.mode, key=f"lecture_mode_{pace.revision}",
                                 format_func=formatter(MODE_LABELS.get), width="stretch",
                                 help=_("Follow: every phone goes where you go. Free: students roam, with a button "
                                        "back to the class."))
    paused = bar.toggle(_("Eyes up"), value=pace.paused, key=f"lecture_pause_{pace.revision}",
                        help=_("Pauses every student's controls, with a notice, until you release it."))
    target = pace.step - 1 if moves["back"] else pace.step + 1 if moves["next"] else picked
    try:
        if target != pace.step:
            go(board().go_to(lecture_code, key, target), lecture.steps[target])
        if mode and mode != pace.mode:
            board().set_mode(lecture_code, key, mode)
            st.rerun()
        if paused != pace.paused:
            board().set_paused(lecture_code, key, paused)
            st.rerun()
    except ClassError as error:
        bar.error(_(error))
    with bar:
        roster_panel(lecture_code, key)
    bar.page_link("pages/9_Lecture.py", label=_("Lecture page: code, record"), icon=":material/co_present:")
    bar.divider()


def roster_panel(lecture_code: str, key: str) -> None:
    """The room in counts, refreshed every few seconds; names only when the instructor asks."""

    @fragment(run_every=class_screen.REFRESH_SECONDS)
    def counts() -> None:
        try:
            named = st.session_state.get("lecture_show_names", False)
            roster = board().roster(lecture_code, key, names=named)
        except ClassError as error:
            st.caption(_(error))
            return
        st.caption(_("{joined} joined · {here} on this step · {trained} trained · {voted} voted · {submitted} submitted",
                     joined=roster.joined, here=roster.on_step, trained=roster.trained, voted=roster.voted,
                     submitted=roster.submitted))
        if named:  # as typed: a nickname is never Markdown on the projector
            st.caption(", ".join(class_screen.as_text(name) for name in roster.names) or _("No one has given a nickname."))

    counts()
    st.toggle(_("Show names"), key="lecture_show_names", value=False,
              help=_("The nicknames students gave. Off by default: the projector shows no names unless you ask."))

