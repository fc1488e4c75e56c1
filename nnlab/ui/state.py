"""The one Experiment of a browser session, kept in `st.session_state` so it survives page switches.

Widgets never own a setting: each is seeded from the Experiment under a `w_` key, and what the
user picks is written back as a new Experiment. Loading a lesson clears the `w_` keys so every
widget re-reads the new settings.
"""

from __future__ import annotations

import streamlit as st

from nnlab import lessons
from nnlab.errors import NnlabError
from nnlab.experiment import Experiment

DEFAULT_LESSON = "bump-twenty-neurons"
_KEY = "experiment"


def current() -> Experiment:
    """The session's experiment; a first visit takes `?lesson=` from the URL, else the default lesson."""
    if _KEY not in st.session_state:
        requested = st.query_params.get("lesson", DEFAULT_LESSON)
        try:
            st.session_state[_KEY] = lessons.get(requested)
        except NnlabError as error:
            st.session_state[_KEY] = lessons.get(DEFAULT_LESSON)
            st.warning(f"{error} Showing the default lesson instead.")
    return st.session_state[_KEY]


def load(exp: Experiment) -> None:
    """Make `exp` the session's experiment and let every widget re-read it."""
    st.session_state[_KEY] = exp
    for key in [k for k in st.session_state if str(k).startswith("w_")]:
        del st.session_state[key]


def update(exp: Experiment) -> None:
    """Store an experiment derived from the widgets (their own state already matches it)."""
    st.session_state[_KEY] = exp


def seeded(key: str, value) -> str:
    """The widget key for a setting, seeded with the Experiment's value on the widget's first draw."""
    widget_key = f"w_{key}"
    if widget_key not in st.session_state:
        st.session_state[widget_key] = value
    return widget_key


def sync_lesson_link(exp: Experiment) -> None:
    """Keep `?lesson=` in the address bar while the settings are a lesson's, so the link reopens it."""
    lesson_id = lessons.matching(exp)
    if lesson_id:
        st.query_params["lesson"] = lesson_id
    elif "lesson" in st.query_params:
        del st.query_params["lesson"]
