"""The class in the loop, on screen: join or start a challenge, submit a run, and the leaderboard
a projector shows as the class's entries arrive. The rules and the scores live in
`nnlab.classroom.challenges`; this module draws them and keeps a session's part in them."""

from __future__ import annotations

import io
import re
import time
from urllib.parse import urlencode, urlsplit

import pandas as pd
import segno
import streamlit as st

from nnlab import links
from nnlab.classroom.challenges import Board, Challenge
from nnlab.classroom.classdb import SCORES, scores_for
from nnlab.classroom.rules import FREE_CHOICES, Rules, choice_label
from nnlab.data import drawing
from nnlab.data.datasets import Data
from nnlab.errors import ClassError
from nnlab.experiment import MAX_EPOCHS, MAX_UNITS, Experiment
from nnlab.i18n import N_
from nnlab.pictures import class_charts
from nnlab.ui import session_runs, state
from nnlab.ui.pictures import draw
from nnlab.ui.words import _, as_text, formatter, fragment

REFRESH_SECONDS = 3  # the leaderboard's refresh: entries show on the projector within this
SUBMIT_SECONDS = 10  # a session submits at most once in this long
TOP = 10  # entries the leaderboard lists by name
_LINKED, _SUBMITTED = "class_linked", "class_submitted"
ALWAYS_LOCKED = {"lesson", "data", "upload"}  # a challenge is on its own data


def _database_url() -> str | None:
    """NNLAB_DATABASE_URL from Streamlit's secrets (Community Cloud), if any; else the Board's own
    default (the environment variable, or a SQLite file)."""
    try:
        return st.secrets.get("NNLAB_DATABASE_URL")
    except Exception:  # no secrets file at all
        return None


@st.cache_resource
def board() -> Board:
    """One Board (and its connection pool) for every session of this server."""
    return Board(_database_url())


def flags(rules: Rules) -> links.InstructorFlags:
    """The controls a challenge's students may not change, locked as an instructor's link would."""
    locked = set(ALWAYS_LOCKED)
    for name, control in links.CONTROLS.items():
        group = control[0]
        if group in ("model", "training") and group not in rules.free and name not in rules.free:
            locked.add(name)
    return links.InstructorFlags(lock=frozenset(locked))


def join(code: str, exp: Experiment | None = None, key: str | None = None) -> Challenge:
    """Put this session in challenge `code`, on `exp` (a shared entry) or the challenge's settings:
    as a student, with the controls it fixes locked, or with its instructor `key`, free."""
    challenge = board().challenge(code)
    if key:
        board().verify(challenge.code, key)
    state.load(exp or challenge.experiment)
    st.session_state[state.CHALLENGE] = st.session_state[_LINKED] = challenge.code
    if key:
        st.session_state[state.INSTRUCTOR_KEY] = key
    else:
        state.set_instructor_flags(flags(challenge.rules))
    return challenge


def leave() -> None:
    for key in (state.CHALLENGE, state.INSTRUCTOR_KEY):
        st.session_state.pop(key, None)
    state.set_instructor_flags(links.InstructorFlags())


def follow_link() -> None:
    """Join the challenge a link names (`?class=CODE`, with `&key=...` for its instructor), once."""
    query = st.query_params.to_dict()
    code = query.get("class", "").strip().upper()
    if not code or code in (st.session_state.get(_LINKED), state.challenge_code()):  # this session is in it already
        return
    st.session_state[_LINKED] = code
    shared = any(name in query for name in ("lesson", *links.SETTINGS, *links.OLD_NAMES))  # an entry's own settings
    exp = state.current() if shared else None
    try:
        join(code, exp, query.get("key"))
    except ClassError as error:
        if not query.get("key"):
            st.warning(_("{problem} You can still train on your own.", problem=error))
            return
        st.warning(_("{problem} This session joins as a student.", problem=error))
        join(code, exp)


def current() -> Challenge | None:
    """The challenge this session is in, as the database has it now (open or closed); None, with
    a warning, while the database cannot be reached: the rest of the page works on."""
    code = state.challenge_code()
    if not code:
        return None
    try:
        return board().challenge(code)
    except ClassError as error:
        st.warning(_(error))
        return None


def entry_page(challenge: Challenge) -> tuple[str, str]:
    """Where a student takes part: the page's file and its address (Train; Be the optimizer for a
    challenge to fit by hand; Class, where a shared drawing is drawn)."""
    if challenge.rules.drawing:
        return "pages/5_Class.py", "Class"
    return ("pages/10_Be_the_optimizer.py", "Be_the_optimizer") if challenge.rules.by_hand else ("pages/3_Train.py", "Train")


def rules_text(challenge: Challenge) -> str:
    rules = challenge.rules
    if rules.drawing:
        return _("**Draw the data together**: each phone adds up to {each} points on the Class page; the projector "
                 "trains on all of them.", each=rules.points_each)
    if rules.by_hand:
        goal = _(" Get it below **{goal:g}**.", goal=rules.goal) if rules.goal else ""
        return _("**Fit by hand**: set the weights on **Be the optimizer**, no training; the lowest **{score}** "
                 "wins.{goal} The data and the network stay the challenge's own.", score=challenge.score_label, goal=goal)
    free = _(", ").join(_(choice_label(name)) for name in rules.free)
    limits = []
    if rules.max_units < MAX_UNITS:
        limits.append(_("at most {units} units a layer", units=rules.max_units))
    if rules.max_epochs < MAX_EPOCHS:
        limits.append(_("at most {epochs:,} epochs", epochs=rules.max_epochs))
    may = (_("You may change: {free}", free=free) + (f" ({_(', ').join(limits)})" if limits else "")
           if free else _("Every setting is the instructor's"))
    return _("Best **{score}** wins. {may}; the data stays the challenge's own.", score=challenge.score_label, may=may)


def banner(challenge: Challenge) -> None:
    """One line above a page: which challenge, and what it asks."""
    status = "" if challenge.is_open else _(" It is **closed** for now.")
    st.info(_("**Class challenge {code}.** {rules}", code=challenge.code, rules=rules_text(challenge)) + status,
            icon=":material/groups:")


def submit_panel(challenge: Challenge, exp: Experiment, data: Data) -> None:
    """Nickname and Submit, under a finished run. The server scores the run itself."""
    st.subheader(_("Submit to challenge {code}", code=challenge.code))
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    nickname = left.text_input(_("Nickname on the leaderboard"), max_chars=24, key="class_nickname",
                               placeholder=_("1 to 24 characters"))
    if not right.button(_("Submit"), icon=":material/send:", type="primary", key="class_submit", width="stretch",
                        disabled=not challenge.is_open):
        return
    waited = time.monotonic() - st.session_state.get(_SUBMITTED, -1e9)
    if waited < SUBMIT_SECONDS:
        st.warning(_("One submission every {every} seconds: try again in {left:.0f} s.", every=SUBMIT_SECONDS,
                     left=SUBMIT_SECONDS - waited))
        return
    st.session_state[_SUBMITTED] = time.monotonic()
    try:
        entry = board().submit(challenge.code, nickname, exp, train=lambda e: session_runs.stored_result(
            session_runs.train_key(e)) or session_runs.train_live(e, data))
        table = board().entries(challenge.code)
    except ClassError as error:  # a rule, a closed challenge, a database that is down: said, and the page goes on
        st.error(_(error))
        return
    rank = int(table.loc[table["number"] == entry.number, "rank"].iloc[0])
    goal = challenge.rules.goal
    reached = "" if not goal else _(" Below the goal of {goal:g}.", goal=goal) if entry.score < goal else \
        _(" Not yet below the goal of {goal:g}.", goal=goal)
    st.success(_("Entry #{number}: {score} {value}, rank {rank} of {entries}. Watch for it on the projector.",
                 number=entry.number, score=challenge.score_label, value=_score(entry.score, challenge), rank=rank,
                 entries=len(table)) + reached, icon=":material/check_circle:")


def _score(value: float, challenge: Challenge) -> str:
    return f"{value:.1%}" if challenge.rules.score.endswith("acc") else f"{value:.4f}"


def join_form() -> None:
    code = st.text_input(_("Join code"), max_chars=8, key="class_join_code", placeholder=_("e.g. K7Q2M"))
    if st.button(_("Join"), type="primary", key="class_join", icon=":material/login:") and code.strip():
        challenge = join(code)
        st.switch_page(entry_page(challenge)[0], query_params=state.link_query(challenge.experiment))


KINDS = {"train": N_("Train and submit"), "hand": N_("Fit by hand"), "drawing": N_("Draw the data")}


def create_form(exp: Experiment, data: Data) -> None:
    """An instructor's challenge from the current settings."""
    st.caption(_("From the current settings: this data and its train and test rows; these defaults for everything "
                 "else."))
    title = st.text_input(_("Title (shown above the leaderboard)"), max_chars=60, key="class_title",
                          placeholder=_("e.g. Fit the two bumps"))
    kind = st.segmented_control(_("Students"), list(KINDS), default="train", required=True, key="class_kind",
                                format_func=formatter(KINDS.get), help=_(
                                    "**Train and submit**: each entry is a run, scored by the server's own training. "
                                    "**Fit by hand**: each entry is the weights a student sets on Be the optimizer, "
                                    "scored untrained (networks of up to 4 layers of 8 units). **Draw the data**: each "
                                    "student adds points to one drawing, which you train on."))
    goal_column, each_column = st.columns(2)
    goal = goal_column.number_input(_("Goal: a loss below"), 0.0, 100.0, value=0.0, step=0.01, format="%.3f",
                                    key="class_goal", disabled=kind != "hand",
                                    help=_("0: no goal. Try the best loss yourself first: a target of 0.5 keeps a "
                                           "cross-entropy loss well above 0."))
    each = each_column.number_input(_("Points each student may add"), 1, drawing.MAX_POINTS, value=20,
                                    key="class_points_each", disabled=kind != "drawing")
    untrained = kind != "train"  # nothing is trained or submitted: the limits below mean nothing
    free = st.multiselect(_("Students may change"), FREE_CHOICES, default=["model", "training"], key="class_free",
                          format_func=formatter(choice_label), disabled=untrained)
    left, middle, right = st.columns([2, 2, 3])
    widest = max(exp.model.hidden, default=1)
    max_units = left.number_input(_("Most units a layer"), 1, MAX_UNITS, value=max(64, widest), key="class_max_units",
                                  disabled=untrained)
    max_epochs = middle.number_input(_("Most epochs"), 1, MAX_EPOCHS, value=exp.training.epochs, step=100,
                                     key="class_max_epochs", disabled=untrained)
    score = right.selectbox(_("Score"), scores_for(data), key="class_score", disabled=untrained,
                            format_func=formatter(lambda name: SCORES[name][0]))
    if st.button(_("Start the challenge"), type="primary", key="class_create", icon=":material/flag:"):
        if kind == "hand":
            rules = Rules(by_hand=True, goal=float(goal), title=title)
        elif kind == "drawing":
            rules = Rules(drawing=True, points_each=int(each), title=title)
        else:
            rules = Rules(free=tuple(free), max_units=int(max_units), max_epochs=int(max_epochs), score=score, title=title)
        made = board().create(exp, rules)
        join(made.code, key=made.key)
        st.rerun()


def site_link(page: str, query: dict[str, str]) -> str:
    """A link to one of this site's pages, as the room's browsers reach it."""
    parts = urlsplit(st.context.url or "")
    base = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    return f"{base}/{page}?{urlencode(query)}"


def links_for(challenge: Challenge, page: str | None = None) -> tuple[str, str]:
    """The join link (straight to where entries are made, or to `page`, Class where the class votes)
    and the private instructor link."""
    key = st.session_state.get(state.INSTRUCTOR_KEY, "")
    return (site_link(page or entry_page(challenge)[1], {"class": challenge.code}),
            site_link("Class", {"class": challenge.code, "key": key}))


def breakable(link: str) -> str:
    """A link as a narrow column may wrap it: at its slashes and before its query, never mid-word."""
    return re.sub(r"(?<!/)/(?!/)", "/\u200b", link).replace("?", "\u200b?")  # a zero-width space: a place to wrap


@st.cache_data(max_entries=16, show_spinner=False)
def qr_code(link: str) -> bytes:
    picture = io.BytesIO()
    segno.make(link, error="m").save(picture, kind="png", scale=10, border=2)
    return picture.getvalue()


def join_panel(challenge: Challenge, picture, words, page: str | None = None) -> None:
    """What the projector shows the room: a QR code of the join link (to `page`), and the code, large."""
    join_link = links_for(challenge, page)[0]
    picture.image(qr_code(join_link), width=170, alt=join_link)  # what the code holds, in every language
    with words:
        st.caption(_("Scan, or type this code on the **Class** page"))
        st.title(challenge.code, anchor=False)
        st.caption(breakable(join_link))


def instructor_controls(challenge: Challenge) -> None:
    """Close, reopen, clear: in the sidebar, only with the instructor's key."""
    key = st.session_state.get(state.INSTRUCTOR_KEY)
    if not key:
        return
    bar = st.sidebar
    bar.header(_("Instructor"))
    if challenge.rules.drawing:  # its freeze and clear are beside the drawing
        instructor_link(challenge)
        return
    if challenge.is_open:
        if bar.button(_("Close the challenge"), key="class_close", icon=":material/lock:", width="stretch"):
            board().close(challenge.code, key)
            st.rerun()
    elif bar.button(_("Reopen the challenge"), key="class_reopen", icon=":material/lock_open:", width="stretch"):
        board().reopen(challenge.code, key)
        st.rerun()
    if bar.button(_("Clear every entry"), key="class_clear", icon=":material/delete:", width="stretch",
                  help=_("Removes every entry; the challenge and its code stay.")):
        board().clear(challenge.code, key)
        st.rerun()
    instructor_link(challenge)


def instructor_link(challenge: Challenge) -> None:
    """The private link that opens this challenge as its instructor again (a reloaded projector)."""
    if st.session_state.get(state.LECTURE):
        return  # a lecture's key does more than this challenge's: its own page offers its link
    with st.sidebar.expander(_(":material/key: Instructor link (keep it private)")):
        st.caption(_("It closes, reopens and clears this challenge. Do not project it."))
        st.code(links_for(challenge)[1], language=None, wrap_lines=True)


def leaderboard(code: str, projector: bool) -> None:
    """The challenge as it stands, refreshed every few seconds: with `projector`, the join code and
    QR beside the best entries by name; then the class's sweep and the spread of its scores."""

    @fragment(run_every=REFRESH_SECONDS)
    def live() -> None:
        try:
            challenge, table = board().challenge(code), board().entries(code)
        except ClassError as error:
            st.warning(_(error))
            return
        if projector and not st.session_state.get(state.LECTURE):  # a lecture's room has its own code
            picture, words, about = st.columns([2, 3, 6], vertical_alignment="center")
            join_panel(challenge, picture, words)
        else:
            about = st.container()
        with about:
            if challenge.rules.title:
                st.subheader(as_text(challenge.rules.title), anchor=False)
            st.markdown(rules_text(challenge) + ("" if challenge.is_open else _(" **Closed: no new entries.**")))
        if table.empty:
            st.info(_("No entries yet: they appear here as the class submits."), icon=":material/hourglass_top:")
            return
        opens = _("open")
        shown_as = _("open by hand") if challenge.rules.by_hand else _("open on Train")
        st.dataframe(_top(table, challenge), hide_index=True, width="stretch",
                     column_config={opens: st.column_config.LinkColumn(opens, display_text=shown_as)})
        st.caption(_("{entries} entries; the best {best} above. Refreshed every {seconds} s.", entries=len(table),
                     best=min(TOP, len(table)), seconds=REFRESH_SECONDS))
        shown = table.drop(columns=["experiment"])
        percent = challenge.rules.score.endswith("acc")
        sweep, spread = st.columns([3, 2], gap="large")
        score = _(challenge.score_label)
        if challenge.rules.by_hand:  # one network, its weights the students': no settings to sweep
            draw(st, class_charts.score_histogram(shown, score, percent), width="stretch")
            return
        draw(sweep, class_charts.class_sweep(shown, score, challenge.higher_is_better, percent), width="stretch")
        draw(spread, class_charts.score_histogram(shown, score, percent), width="stretch")

    live()


def _top(table: pd.DataFrame, challenge: Challenge) -> pd.DataFrame:
    """The best TOP entries as the leaderboard lists them: who, the score, the settings in a few
    words, and a link that opens the entry on Train."""
    top = table.head(TOP)
    settings = [_("lr {rate:g} · {units} units · {activations} · {epochs:,} epochs", rate=exp.training.learning_rate,
                  units="-".join(map(str, exp.model.hidden)) or "0", activations=activations, epochs=exp.training.epochs)
                for exp, activations in zip(top["experiment"], top["activations"], strict=True)]
    if challenge.rules.by_hand:  # one network, untrained: its settings say nothing of the entry
        settings = [_("weights set by hand")] * len(top)
    return pd.DataFrame({
        _("rank"): top["rank"], _("who"): top["label"], _(challenge.score_label): [_score(v, challenge) for v in top["score"]],
        _("settings"): settings,
        _("open"): [f"/{entry_page(challenge)[1]}?" + urlencode(links.to_query(exp) | {"class": challenge.code})
                    for exp in top["experiment"]]})
