"""The one Experiment of a browser session, kept in `st.session_state` so it survives page switches.

Widgets never own a setting: each is seeded from the Experiment under a `w_` key, and what the
user picks is written back as a new Experiment. Loading a lesson clears the `w_` keys so every
widget re-reads the new settings.

The first page a session opens reads the Experiment and the instructor's flags from the URL; every
page then writes them back, since Streamlit clears query parameters on a page switch. Each write
is a new entry in the browser's history, so the session reads the address again when the browser's
Back or Forward brings an older one: they step through the settings as they were.
"""

from __future__ import annotations

from contextvars import ContextVar
from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from nnlab import i18n, links
from nnlab.errors import NnlabError
from nnlab.experiment import Experiment
from nnlab.i18n import N_
from nnlab.ui.words import _, browser_language, language, read_language

# Material icons ship with Streamlit, so they draw on machines without an emoji font.
PAGES = [("app.py", N_("Lessons"), ":material/school:"),
         ("pages/1_Data_explorer.py", N_("Data explorer"), ":material/scatter_plot:"),
         ("pages/2_Build_model.py", N_("Build model"), ":material/account_tree:"),
         ("pages/3_Train.py", N_("Train"), ":material/model_training:"),
         ("pages/4_Compare_activations.py", N_("Compare activations"), ":material/compare_arrows:"),
         ("pages/6_Sweep.py", N_("Sweep"), ":material/grid_on:"),
         ("pages/7_Inside_one_step.py", N_("Inside one step"), ":material/calculate:"),
         ("pages/10_Be_the_optimizer.py", N_("Be the optimizer"), ":material/tune:"),
         ("pages/8_Optimizer_race.py", N_("Optimizer race"), ":material/route:"),
         ("pages/5_Class.py", N_("Class"), ":material/groups:"),
         ("pages/9_Lecture.py", N_("Lecture"), ":material/co_present:")]
NAVIGATION: ContextVar = ContextVar("navigation")  # this script run's sidebar slot for the page links
_KEY = "experiment"
_WRITTEN = "written_query"  # the query this session last put in the address bar
_FLAGS = "classroom"
_LOSS_TASK = "loss_task"  # the data's task the loss was last fitted to on a page (a loaded experiment's loss stands)
_RESUMED = "resumed_elsewhere"  # set on a session's first run when its browser had a session this server lacks
CHALLENGE = "class_code"  # the class challenge this session joined (or runs, with INSTRUCTOR_KEY)
INSTRUCTOR_KEY = "class_key"  # kept in the session only: never written back into the address bar
LECTURE, LECTURE_KEY = "lecture_code", "lecture_key"  # the lecture this session follows, or drives with its key
TRAIN_NOW = "train_now"  # Train trains at once when it opens (a lesson card's "Load and train", a Sweep cell, ...)
TRAIN_MODE = "train_mode"  # Train's switch: a whole run, or play / pause / step


def current() -> Experiment:
    """The session's experiment; a first visit takes it from the link, else the default lesson.
    Back or Forward to an address other than the one last written is read the same way."""
    query = st.query_params.to_dict()
    stepped = query and history_step() and query != st.session_state.get(_WRITTEN)
    if _KEY not in st.session_state:
        st.session_state[_RESUMED] = _browser_had_a_session()
    if _KEY not in st.session_state or stepped:
        st.session_state[_WRITTEN] = query
        exp, problems = links.from_link(query)  # a value it cannot read is left out, the rest kept
        load(exp)
        read_language(query.get("lang"))
        for problem in problems:
            st.warning(_("{problem} The link's other settings are kept.", problem=problem))
        try:
            st.session_state[_FLAGS] = links.flags_from_query(query)
        except NnlabError as error:
            st.session_state[_FLAGS] = links.InstructorFlags()
            st.warning(_("{problem} Every control is shown.", problem=error))
    return st.session_state[_KEY]


def _browser_had_a_session() -> bool:
    """Whether this new session's first run came with the browser's widget values. A page opened
    afresh sends none; a browser whose connection dropped and came back sends them, and it reruns
    at once only if a script was running there (a run training, a live board): so its server
    stopped or restarted (behind a class's balancer: it is now on another process)."""
    context = get_script_run_ctx()
    return bool(context and context.session_state.get_widget_states())


def resumed_elsewhere() -> bool:
    """True once, on the first run of a session whose browser came from a server that went away."""
    return st.session_state.pop(_RESUMED, False)


def history_step() -> bool:
    """Whether this script run is the browser's Back or Forward, as Streamlit marks such reruns.
    (Any other rerun can carry an address the page has just replaced: a click that beat the new
    one to the browser. Reading that would undo the settings the click came after.)"""
    return bool(getattr(get_script_run_ctx(), "is_history_navigation", False))


def instructor_flags() -> links.InstructorFlags:
    """The instructor's hide and lock flags from the link this session opened."""
    return st.session_state.get(_FLAGS, links.InstructorFlags())


def set_instructor_flags(room: links.InstructorFlags) -> None:
    """Hide and lock controls as `room` says (a joined challenge's rules do this)."""
    st.session_state[_FLAGS] = room


def challenge_code() -> str | None:
    return st.session_state.get(CHALLENGE)


def load(exp: Experiment) -> None:
    """Make `exp` the session's experiment and let every widget re-read it."""
    st.session_state[_KEY] = exp
    st.session_state.pop(_LOSS_TASK, None)
    for key in [k for k in st.session_state if str(k).startswith("w_")]:
        del st.session_state[key]


def update(exp: Experiment) -> None:
    """Store an experiment derived from the widgets (their own state already matches it)."""
    st.session_state[_KEY] = exp


def previous_loss_task(task: str) -> str | None:
    """The task the loss was fitted to before this one, if any since the experiment was loaded; `task`
    is noted as the one it is fitted to now."""
    before = st.session_state.get(_LOSS_TASK)
    st.session_state[_LOSS_TASK] = task
    return before


def to_the_seed(exp: Experiment) -> None:
    """A button's work: the run starts from its seed's weights again, not from weights set or brought back."""
    update(exp.replace(model={"start": ""}))
    st.rerun()


def seeded(key: str, value) -> str:
    """The widget key for a setting, seeded with the Experiment's value on the widget's first draw."""
    widget_key = f"w_{key}"
    if widget_key not in st.session_state:
        st.session_state[widget_key] = value
    return widget_key


def link_query(exp: Experiment) -> dict[str, str]:
    """The query a page's address carries: the experiment, the instructor's flags, the challenge."""
    query = links.to_query(exp) | instructor_flags().to_query()
    if language() != browser_language() or language() != i18n.ENGLISH:  # a link opens in its sender's language
        query["lang"] = language()
    if challenge_code():
        query["class"] = challenge_code()
    if st.session_state.get(LECTURE) and not st.session_state.get(LECTURE_KEY):  # a reload rejoins the room
        query["lecture"] = st.session_state[LECTURE]
    return query


def share_link(exp: Experiment) -> None:
    """Write the experiment and the classroom flags into the address bar, put them in the page links
    too (so a page visit is one entry in the browser's history, not two: Back goes back once),
    and offer the link to copy."""
    query = link_query(exp)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    st.session_state[_WRITTEN] = query
    navigation = NAVIGATION.get(None)
    if navigation is not None:
        for path, label, icon in PAGES:  # our own links: the built-in menu would call the landing page "app"
            navigation.page_link(path, label=_(label), icon=icon, query_params=query)
    with st.sidebar.expander(_(":material/link: Share these settings")):
        st.caption(_("Anyone who opens this link gets every setting of this run, on any page. "
                     "Use the copy button at the right of the box."))
        st.code(f"{st.context.url or ''}?{urlencode(query, safe=',()*^')}", language=None, wrap_lines=True)
