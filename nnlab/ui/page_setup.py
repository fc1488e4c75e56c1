"""What every page shares: page config, the lesson picker, and errors shown as messages."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import streamlit as st

from nnlab import i18n, lessons
from nnlab.errors import NnlabError
from nnlab.experiment import Experiment
from nnlab.i18n import N_
from nnlab.ui import class_screen, lecture_editor, lecture_screen, services, state, words
from nnlab.ui.words import _

CUSTOM = "custom"
# Streamlit pads the top of the page for a header we do not use, and sizes titles for a document;
# on a 720-pixel projector that space is worth more to the charts.
# Captions are drawn at 60% opacity: 3.7:1 on white, too faint for the back of a room.
CAPTION_COLOR = "#555867"  # 7.1:1 on white
# A segmented control's picked option (the language switch) is the primary colour on its own tint:
# 4.0:1. A darker shade of the same blue:
SELECTED_COLOR = "#005A8C"  # 5.8:1 on that tint (#D8E5EF)
# Streamlit's code colours (Build model's st.code) are 2.3-3.9:1 on its code block (#F8F9FB): keywords,
# numbers, strings alike. The same hues, darkened to at least 5:1, per kind of Prism token:
CODE_COLORS = {"comment prolog doctype cdata punctuation unchanged": CAPTION_COLOR,
               "attr-name property variable": "#006F8E",
               "boolean constant symbol string char attr-value inserted": "#137333",
               "number regex": "#00756A",
               "operator entity decorator atrule": "#A84A00",
               "url": "#6D3FC0",
               "keyword tag function class-name selector": "#1A64B0",
               "important deleted": "#B3261E"}
CODE_STYLE = "".join(",".join(f"[data-testid='stCode'] .token.{kind}" for kind in kinds.split())
                     + f"{{color:{colour} !important}}" for kinds, colour in CODE_COLORS.items())
STYLE = ("<style>[data-testid='stMainBlockContainer']{padding-top:2rem}"
         # Streamlit's wide layout leaves 5rem each side: on a 1280-pixel projector, a fifth of the page's
         # width that the pictures need more
         "@media (min-width:641px){[data-testid='stMainBlockContainer']{padding-left:2rem;padding-right:2rem}}"
         "h1{font-size:2.4rem !important;padding-top:0.25rem !important;padding-bottom:0.5rem !important}"
         f"[data-testid='stCaptionContainer']{{color:{CAPTION_COLOR} !important;opacity:1 !important}}"
         f"[data-variant='segmented_control'][data-selected='true']{{color:{SELECTED_COLOR} !important}}{CODE_STYLE}"
         # a locked setting's label (a challenge's, a lecture's) is drawn at 40%, 2.3:1: the room still reads
         # what is locked
         f"[data-testid='stWidgetLabel'][disabled]{{color:{CAPTION_COLOR} !important}}"
         # a phone: room for the header's sidebar button above the title; a chart wider than the
         # screen (a grid of unit maps) scrolls sideways instead of being cut off
         "@media (max-width:640px){[data-testid='stMainBlockContainer']{padding-top:4.5rem}"
         "h1{font-size:2rem !important}}"
         "[data-testid='stVegaLiteChart']{max-width:100%;overflow-x:auto}"
         # a slider inside a picture (the optimizer race's step): big enough to grab on a projector and a phone
         ".vega-bind{font-size:1.1rem} .vega-bind input[type=range]{width:min(26rem,60vw);height:1.6rem}"
         # a drawing's chart (nnlab.ui.draw_screen) takes the finger: a drag draws, it neither scrolls
         # the page nor slides the chart sideways
         "[class*='st-key-drawing_'] [data-testid='stVegaLiteChart'],[class*='st-key-drawing_'][data-testid='stVegaLiteChart']"
         "{overflow:hidden !important;touch-action:none;user-select:none;-webkit-user-select:none}"
         # a picker's value is an input, which cannot wrap: a long name at least ends in "…", not mid-letter
         "[data-testid='stSidebar'] input[role='combobox']{text-overflow:ellipsis}"
         # a presenter's clicker (Page Up / Page Down) presses buttons that need no place on the screen
         ".st-key-lecture_clicker{display:none}</style>")
# The browser tab's icon: a file the app serves itself (a Material icon there is fetched from a font
# host on the internet, which a lecture hall's network may not reach).
ICON = Path(__file__).with_name("icon.png")
log = logging.getLogger("nnlab")
RECONNECT_WATCH_SECONDS = 3600  # the timer of `_rerun_on_reconnect`: rare, since its run does nothing
RESUMED = N_("This page's server stopped or restarted, so it is on a fresh one now. Your settings are kept (they "
              "are in the link), and so are the class's entries. A run that was training stopped with it: press its "
              "button again.")


def page(title: str) -> Experiment:
    """Set up a page and its sidebar, in the session's language; return the session's experiment."""
    state.current()  # a first visit reads the link (and its language)
    words.for_this_run()
    st.set_page_config(page_title=f"{_(title)} · nnlab", page_icon=str(ICON), layout="wide")
    services.start_server()
    st.html(STYLE)
    pacing = st.sidebar.container()  # a lecture's controls, on top, where a 720-pixel projector shows them
    state.NAVIGATION.set(st.sidebar.container())  # the page links: drawn last, by share_link, with the settings
    _language_switch()
    st.sidebar.divider()
    _rerun_on_reconnect()
    if state.resumed_elsewhere():
        st.warning(_(RESUMED), icon=":material/sync_problem:")
    class_screen.follow_link()
    lecture_screen.follow_link()
    lecture_screen.steer(title, pacing)
    lecture_editor.add_page_button(title)
    _lesson_picker(state.current())
    return state.current()


def _language_switch() -> None:
    """English or Chinese for this session alone; every setting and result stays (they are not words)."""
    st.session_state["language_switch"] = words.language()
    st.sidebar.segmented_control("Language · 语言", list(i18n.LANGUAGES), key="language_switch",
                                 format_func=i18n.LANGUAGES.get, on_change=_switch_language, width="stretch")


def _switch_language() -> None:
    picked = st.session_state.get("language_switch")
    if picked in i18n.LANGUAGES:  # None: the picked one pressed again, which a segmented control unpicks
        words.set_language(picked)
        _widgets_told_again()


def _widgets_told_again() -> None:
    """Give every choice a widget holds back to it. A widget is known by its key alone, so after a
    switch the browser kept showing the old language's label of what it held (a select box said 恒定
    in English) and a radio matched none of its new labels; a value the script sets is sent again,
    with the new labels. Only choices and numbers: a button's or a checkbox's value (a bool), an
    upload or a table's edits are not the script's to set, and their labels come anew anyway."""
    for key in [key for key in st.session_state if key != "language_switch"]:
        value = st.session_state[key]
        if isinstance(value, (str, int, float, list, tuple)) and not isinstance(value, bool):
            st.session_state[key] = value


@st.fragment(run_every=RECONNECT_WATCH_SECONDS)
def _rerun_on_reconnect() -> None:
    """Draws nothing; its timer is the point. The browser reruns the whole page when its connection
    comes back only where the page has a timed fragment (or a run was going). Without that, a
    fresh server (restarted, or the other one behind the balancer) knows none of the page's
    fragments and drops a press of a button inside one, such as Train."""


def _lesson_picker(exp: Experiment) -> None:
    room = state.instructor_flags()
    if room.hidden("lesson", "lesson"):
        return
    chosen = lessons.matching(exp) or CUSTOM
    options = [*lessons.names(), CUSTOM]
    st.session_state["w_lesson"] = chosen

    def on_pick():
        picked = st.session_state["w_lesson"]
        if picked != CUSTOM:
            state.load(lessons.get(picked))

    st.sidebar.selectbox(_("Lesson"), options, key="w_lesson", on_change=on_pick, disabled=room.locked("lesson", "lesson"),
                         format_func=words.formatter(lambda i: N_("Your own settings") if i == CUSTOM
                                                     else lessons.lesson(i).title))


def page_card(card: lessons.Card) -> None:
    """A page's card, as the lessons have theirs: what to notice, then a question to predict."""
    st.markdown(_("**{title}.** {notice}", title=card.title, notice=card.notice))
    st.info(_("**Predict first:** {question}", question=card.predict))


class RunButton:
    """A page's button that starts a run (Train, Compare, Sweep): greyed out, saying `done`, where
    the result is already on the page; `finished()` greys it out in the same script run once the
    run it started is done (drawn before the run, it looked pressable until the next rerun)."""

    def __init__(self, label: str, key: str, done: str, shown: bool, enabled: bool = True, slot=None, **options):
        self._slot = (slot or st).empty()
        self._label, self._key, self._done, self._options = label, key, done, options
        self.pressed = self._slot.button(label, type="primary", key=key, disabled=shown or not enabled,
                                         help=done if shown else None, **options)

    def finished(self) -> None:
        self._slot.button(self._label, type="primary", key=f"{self._key}_done", disabled=True, help=self._done,
                          **self._options)


def allowed(group: str) -> bool:
    """Whether the instructor's link leaves this group of controls free (neither hidden nor locked)."""
    room = state.instructor_flags()
    return not (room.hidden(group, group) or room.locked(group, group))


@contextlib.contextmanager
def shown_errors():
    """Turn any failure inside into a message on the page; the session and its settings live on."""
    try:
        yield
    except NnlabError as error:
        st.error(_(error))
    except Exception as error:  # a bug must not put a traceback on the projector
        log.exception("unexpected error")
        st.error(_("Something went wrong ({kind}: {error}). Your settings are kept; try other settings or reload "
                   "the page.", kind=type(error).__name__, error=error))
