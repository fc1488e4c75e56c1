"""The session's language on the page. `_(text, **values)` is the text in this session's language;
every word a page shows passes through it (nnlab.i18n says why nothing is process-wide)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import streamlit as st

from nnlab import i18n

_LANGUAGE = "language"  # session state: the session's language, one of nnlab.i18n.LANGUAGES


def _(text, **values) -> str:
    """`text` (English, a Message or an nnlab error) in the session's language; `values` fill its
    placeholders (a Message among them is translated too)."""
    return i18n.translate(text, language(), **values)


def formatter(text_of: Callable) -> Callable:
    """A widget's format_func: `text_of(option)` in the language of this script run, fixed when the
    widget is drawn (a format_func may be called after the run, where no session is at hand)."""
    now = language()
    return lambda option: i18n.translate(text_of(option), now)


def language() -> str:
    """The session's language: the link's lang= where it names one of ours, else the browser's, else English."""
    chosen = st.session_state.get(_LANGUAGE)  # one look-up: every word on a page asks
    if chosen is None:
        read_language(st.query_params.get("lang"))
        chosen = st.session_state[_LANGUAGE]
    return chosen


def read_language(text: str | None) -> None:
    """Take the session's language from a link's lang= value; without one, keep the session's own
    (on a first visit: the browser's)."""
    try:
        st.session_state[_LANGUAGE] = i18n.parse(text or "")
    except ValueError:
        st.session_state.setdefault(_LANGUAGE, browser_language())


def browser_language() -> str:
    return i18n.from_browser(st.context.locale)


def set_language(language_tag: str) -> None:
    st.session_state[_LANGUAGE] = language_tag


def for_this_run() -> None:
    """Make this script run's pictures in the session's language (a context variable: the run's own thread)."""
    i18n.LANGUAGE.set(language())


def fragment(function=None, *, run_every=None):
    """`st.fragment` whose every rerun draws in the session's language: a fragment's own rerun is a
    script run of its own, on a new thread that has not set it."""
    def wrap(function):
        @functools.wraps(function)
        def run(*args, **kwargs):
            for_this_run()
            return function(*args, **kwargs)
        return st.fragment(run, run_every=run_every)
    return wrap if function is None else wrap(function)


def as_text(text: str) -> str:
    """Text that is not ours (a title, a nickname, a column's name, a picture's description that
    names them) for a Streamlit element that reads Markdown: every mark escaped, so it shows as
    typed and never as a link, an image, a formula or a heading."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", text)
