"""The Lecture page's parts: prepare a lecture ahead (a shipped one, an uploaded file, or pages added
as steps from their current state; reorder, edit a card, delete, preview; download the file), start
it, and while it runs the room's code, steps, counts and record. The file format is
`nnlab.classroom.lectures`; the running room is `nnlab.classroom.pacing`; following it on every page is `lecture_screen`."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import streamlit as st

from nnlab import links
from nnlab.classroom import lectures
from nnlab.classroom.lectures import Card, Lecture, Step
from nnlab.errors import NnlabError
from nnlab.ui import class_screen, lecture_screen, state
from nnlab.ui.words import _, formatter, language

DRAFT = "lecture_draft"  # the lecture this session is preparing (a nnlab.classroom.lectures.Lecture)
NEW = "new"
CONTROL_NAMES = links.CLASSROOM_GROUPS + links.CLASSROOM_CONTROLS


def draft() -> Lecture | None:
    return st.session_state.get(DRAFT)


def _keep(lecture: Lecture) -> None:
    st.session_state[DRAFT] = lecture


def add_page_button(title: str) -> None:
    """On every page while a draft is open: this page, as it is now, becomes the draft's next step."""
    lecture, page = draft(), lecture_screen.PAGE_OF_TITLE.get(title)
    if lecture is None or page is None or lecture_screen.code():
        return
    if st.sidebar.button(_("Add this page to the lecture"), key="lecture_add_page", icon=":material/playlist_add:",
                         width="stretch", help=_("The draft {title!r} gets a step that opens this page with these "
                                                 "settings and locks.", title=lecture.title)):
        _add(lecture, page)


def _add(lecture: Lecture, page: str) -> None:
    if len(lecture.steps) >= lectures.MAX_STEPS:
        st.warning(_("A lecture has at most {limit} steps.", limit=lectures.MAX_STEPS))
        return
    step = Step.of(page, state.current(), state.instructor_flags(), Card(_(lectures.PAGES[page])))
    longer = dataclasses.replace(lecture, steps=(*lecture.steps, step))
    try:  # the checks a file gets: a page on an uploaded file, say, could never start
        lectures.check(longer)
    except NnlabError as error:
        st.warning(_(error))
        return
    _keep(longer)
    st.toast(_("Step {number} added: {page}.", number=len(lecture.steps) + 1, page=_(lectures.PAGES[page])),
             icon=":material/playlist_add_check:")


def join_form() -> None:
    """A student's one join: the lecture's code, and a nickname if they like."""
    with st.form("lecture_join", border=False):
        code = st.text_input(_("Join code"), max_chars=8, key="lecture_join_code", placeholder=_("e.g. K7Q2M"))
        nickname = st.text_input(_("Nickname (optional)"), max_chars=24, key="lecture_nickname",
                                 help=_("Shown to your instructor only when they ask; never on the projector."))
        joined = st.form_submit_button(_("Join"), type="primary", icon=":material/login:")  # Enter submits too
    if joined and code.strip():
        lecture_screen.join(code, nickname)
        st.rerun()


def start_from() -> None:
    """Open a shipped lecture, an uploaded file, or a new empty one as the draft."""
    shipped = lectures.shipped()
    names = [*shipped, NEW]
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    picked = left.selectbox(_("Start from"), names, key="lecture_start_from",
                            format_func=formatter(lambda name: _("A new, empty lecture") if name == NEW
                                                  else shipped[name].title))
    if right.button(_("Open"), key="lecture_open", width="stretch"):
        _keep(shipped[picked] if picked != NEW else Lecture(_("My lecture"), ()))
        st.rerun()
    upload = st.file_uploader(_("Or open a lecture file (.toml)"), type=["toml"], key="lecture_upload")
    if upload is not None and st.session_state.get("lecture_uploaded") != upload.file_id:
        st.session_state["lecture_uploaded"] = upload.file_id
        try:
            _keep(lectures.read(upload.getvalue()))
        except NnlabError as error:
            st.error(_("{file} was not opened. {problem}", file=upload.name, problem=error), icon=":material/error:")
            return
        st.rerun()


def editor(lecture: Lecture) -> None:
    """The draft: its title, its steps in order (move, edit, preview, delete), add a step, download, start."""
    title = st.text_input(_("Lecture title"), value=lecture.title, max_chars=lectures.MAX_TITLE, key="lecture_title")
    if title.strip() and title.strip() != lecture.title:
        lecture = dataclasses.replace(lecture, title=title.strip())
        _keep(lecture)
    if not lecture.steps:
        st.info(_("No steps yet. Set up a page as the class should see it, then press **Add this page to the lecture** "
                  "in its sidebar; or add the current settings below."), icon=":material/playlist_add:")
    for number, step in enumerate(lecture.steps):
        _step_row(lecture, number, step)
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    page = left.selectbox(_("Add the current settings as a step on"), list(lectures.PAGES), key="lecture_add_on",
                          index=list(lectures.PAGES).index("train"), format_func=formatter(lectures.PAGES.get))
    if right.button(_("Add"), key="lecture_add", icon=":material/add:", width="stretch"):
        _add(lecture, page)
        st.rerun()
    if lecture.steps:
        if st.button(_("Start the lecture"), type="primary", key="lecture_start", icon=":material/play_arrow:",
                     width="stretch"):
            lecture_code, key = class_screen.board().start_lecture(lecture)
            lecture_screen.join(lecture_code, key=key, stay=True)
            st.rerun()
        download, close = st.columns(2)
        download.download_button(_("Download (.toml)"), lectures.dumps(lecture).encode(), _file_name(lecture),
                                 "application/toml", key="lecture_download", icon=":material/download:", width="stretch",
                                 help=_("A draft lives in this browser tab only: download it to keep it."))
    else:
        close = st
    if close.button(_("Close the draft"), key="lecture_close_draft", icon=":material/close:", width="stretch"):
        st.session_state.pop(DRAFT, None)
        st.rerun()


def _step_row(lecture: Lecture, number: int, step: Step) -> None:
    title = step.card.text(language())[0]
    with st.container(border=True):
        words, buttons = st.columns([3, 2], vertical_alignment="center")
        words.markdown(f"**{number + 1}. {class_screen.as_text(title)}**  \n"
                       + _("{page} · {settings}", page=_(lectures.PAGES[step.page]),
                           settings=class_screen.as_text(", ".join(f"{name}={value}" for name, value in step.settings)))
                       + (_(" · a poll") if step.poll else "") + (_(" · a challenge") if step.challenge else ""))
        cells = buttons.columns(4)
        steps = list(lecture.steps)
        if cells[0].button("", key=f"lecture_up_{number}", icon=":material/arrow_upward:", disabled=number == 0,
                           help=_("Move up"), width="stretch"):
            steps[number - 1], steps[number] = steps[number], steps[number - 1]
        if cells[1].button("", key=f"lecture_down_{number}", icon=":material/arrow_downward:",
                           disabled=number == len(steps) - 1, help=_("Move down"), width="stretch"):
            steps[number + 1], steps[number] = steps[number], steps[number + 1]
        if cells[2].button("", key=f"lecture_preview_{number}", icon=":material/visibility:", help=_("Preview"),
                           width="stretch"):
            state.load(step.experiment)
            st.switch_page(lecture_screen.PAGE_FILES[step.page], query_params=state.link_query(step.experiment))
        if cells[3].button("", key=f"lecture_delete_{number}", icon=":material/delete:", help=_("Delete"),
                           width="stretch"):
            del steps[number]
        if steps != list(lecture.steps):
            _keep(dataclasses.replace(lecture, steps=tuple(steps)))
            st.rerun()
        with st.expander(_("Edit the card and what students may change")):
            _card_form(lecture, number, step)


def _card_form(lecture: Lecture, number: int, step: Step) -> None:
    mark = f"{number}_{hash(step) & 0xFFFFFF:x}"  # the step's own: a moved step's form shows its words, not its place's
    with st.form(f"lecture_card_{mark}", border=False):
        card, zh = step.card, dict(step.card.words).get("zh-CN", ("", "", ""))
        english, chinese = st.columns(2)
        texts = [english.text_input(_("Title"), card.title, max_chars=lectures.MAX_TITLE, key=f"lc_title_{mark}"),
                 english.text_area(_("What to notice"), card.notice, max_chars=lectures.MAX_NOTICE,
                                   key=f"lc_notice_{mark}"),
                 english.text_area(_("The question to predict"), card.predict, max_chars=lectures.MAX_PREDICT,
                                   key=f"lc_predict_{mark}")]
        translated = [chinese.text_input(_("Title in Chinese"), zh[0], max_chars=lectures.MAX_TITLE, key=f"lc_zt_{mark}"),
                      chinese.text_area(_("What to notice, in Chinese"), zh[1], max_chars=lectures.MAX_NOTICE,
                                        key=f"lc_zn_{mark}"),
                      chinese.text_area(_("The question, in Chinese"), zh[2], max_chars=lectures.MAX_PREDICT,
                                        key=f"lc_zp_{mark}")]
        lock = st.multiselect(_("Locked for students"), CONTROL_NAMES, default=sorted(step.lock), key=f"lc_lock_{mark}")
        hide = st.multiselect(_("Hidden from students"), CONTROL_NAMES, default=sorted(step.hide), key=f"lc_hide_{mark}")
        if not st.form_submit_button(_("Save the step"), type="primary"):
            return
    words = (("zh-CN", tuple(text.strip() for text in translated)),) if any(t.strip() for t in translated) else ()
    changed = dataclasses.replace(step, card=Card(*(text.strip() for text in texts), words=words),
                                  lock=frozenset(lock), hide=frozenset(hide))
    steps = list(lecture.steps)
    steps[number] = changed
    try:  # the same checks as a file: a card without a title, a text too long
        lectures.check(dataclasses.replace(lecture, steps=tuple(steps)))
    except NnlabError as error:
        st.error(_(error))
        return
    _keep(dataclasses.replace(lecture, steps=tuple(steps)))
    st.rerun()


def _file_name(lecture: Lecture) -> str:
    words = "".join(character if character.isalnum() else "-" for character in lecture.title.lower()).strip("-")
    return f"{words or 'lecture'}.toml"


def running(lecture_code: str) -> None:
    """The instructor's page while the lecture runs: the join code for the room, its steps, the
    record to take home, and the end."""
    board, key = class_screen.board(), st.session_state[lecture_screen.KEY]
    lecture, pace = board.lecture(lecture_code), board.pace(lecture_code)
    st.title(class_screen.as_text(lecture.title), anchor=False)
    picture, words, steps = st.columns([3, 3, 5], vertical_alignment="top")
    join_link = class_screen.site_link("Lecture", {"lecture": lecture_code})
    picture.image(class_screen.qr_code(join_link), width=240, alt=join_link)  # what the code holds
    with words:
        st.markdown(_("Scan, or type this code on the **Lecture** page"))
        st.title(lecture_code, anchor=False)
        st.caption(class_screen.breakable(join_link))
    with steps:
        for number, step in enumerate(lecture.steps):
            label = f"{number + 1}. {class_screen.as_text(step.card.text(language())[0])}"
            if pace.ended:  # nothing to move any more
                st.markdown(label)
            elif number == pace.step:  # where the room is: this tab goes there, the room stays
                if st.button(f"{label} ·  " + _("show it"), key=f"lecture_go_{number}", type="primary",
                             icon=":material/arrow_right:"):
                    lecture_screen.go(pace, step)
            elif st.button(label, key=f"lecture_go_{number}", type="tertiary"):
                lecture_screen.go(board.go_to(lecture_code, key, number), step)
    if pace.ended:
        st.info(_("This lecture has ended: the students' pages are theirs again."), icon=":material/school:")
    record, finish, remove = st.columns(3)
    record.download_button(_("The room's record (.zip)"), lambda: record_zip(lecture_code, key), f"lecture-{lecture_code}.zip",
                           "application/zip", key="lecture_record", icon=":material/download:", width="stretch",
                           help=_("CSVs of every entry, both rounds of every poll, and each step's counts."))
    if not pace.ended and finish.button(_("End the lecture"), key="lecture_end", icon=":material/stop:", width="stretch"):
        board.end_lecture(lecture_code, key)
        st.rerun()
    sure = remove.checkbox(_("Yes, delete it all"), key="lecture_delete_sure")
    if remove.button(_("Delete the class data"), key="lecture_delete", icon=":material/delete_forever:",
                     disabled=not sure, width="stretch",
                     help=_("Removes the lecture, who joined, the counts, every entry and every vote. It cannot be undone.")):
        board.delete_lecture(lecture_code, key)
        lecture_screen.leave()
        st.rerun()
    with st.expander(_(":material/key: Instructor link: a phone as a remote, or your controls back after a reload "
                       "(keep it private)")):
        st.caption(_("Open it on your phone to drive the lecture from there, or here again if this page reloads: the "
                     "controls live in this browser tab only. Do not project it."))
        st.code(class_screen.site_link("Lecture", {"lecture": lecture_code, "key": key}), language=None, wrap_lines=True)
    if st.button(_("Leave the lecture"), key="lecture_instructor_leave", icon=":material/logout:",
                 help=_("This browser tab stops driving it; the lecture goes on, and the instructor link brings you back.")):
        lecture_screen.leave()
        st.rerun()


def record_zip(lecture_code: str, key: str) -> bytes:
    """One download: a CSV per table of the room's record."""
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, table in class_screen.board().record(lecture_code, key).items():
            archive.writestr(f"{name}.csv", table.to_csv(index=False))
    return packed.getvalue()


def student(lecture_code: str) -> None:
    st.title(_("Lecture {code}", code=lecture_code), anchor=False)
    st.markdown(_("You are in this lecture: your page follows the projector. Nothing else to do here."))
    if st.button(_("Leave the lecture"), key="lecture_leave", icon=":material/logout:"):
        lecture_screen.leave()
        st.rerun()

