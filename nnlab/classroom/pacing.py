"""A lecture running in a room: the instructor paces it, every phone follows, and the room's work
is kept. `Lectures` is the part of `nnlab.classroom.challenges.Board` that keeps lectures in the class database.

One row per running lecture holds where the room is (its step, Follow or Free, Eyes up) and a
revision that grows at every change, so a phone looking for news reads one indexed row and compares
one number. A step's poll and its entries live in a challenge of the lecture's own (nnlab.classroom.challenges,
nnlab.classroom.polls), made with the lecture's key when the room first reaches that step.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from nnlab.classroom import lectures
from nnlab.classroom.classdb import (
    MAX_NICKNAME,
    MAX_VOTER,
    activity_table,
    challenges_table,
    drawn_table,
    entries_table,
    key_hash,
    lecture_steps_table,
    lectures_table,
    members_table,
    new_code,
    plain_text,
    polls_table,
    votes_table,
)
from nnlab.classroom.drawings import points_table
from nnlab.classroom.lectures import Lecture
from nnlab.classroom.rules import Rules
from nnlab.errors import ClassError
from nnlab.i18n import N_, msg

MODES = ("follow", "free")
FRESH_SECONDS = 1.0  # a server reads a lecture's row at most this often, however many phones ask
ACTIVITIES = ("arrived", "trained")


@dataclass(frozen=True)
class Pace:
    """Where the room is: the step (from 0), Follow or Free, Eyes up, and the step's challenge and
    poll once the room has reached it. `revision` grows at every change."""

    code: str
    step: int
    mode: str
    paused: bool
    revision: int
    ended: bool
    challenge: str | None = None
    poll: int | None = None


@dataclass(frozen=True)
class Roster:
    """How many have joined, are on the current step, trained there, voted in its poll's round and
    submitted to its challenge; `names` only where the instructor asked (nicknames given, or none)."""

    joined: int
    on_step: int
    trained: int
    voted: int
    submitted: int
    names: tuple[str, ...] = ()


class Lectures:
    """Lectures on a Board (it provides `_transaction`, `create`, `ask`, `ask_lesson` and `challenge`)."""

    def _keep_lectures(self) -> None:
        """What a server keeps of its lectures between calls (Board.__init__ calls it)."""
        self._paces: dict[str, tuple[float, Pace]] = {}  # code -> (when read, where the room was)
        self._paces_lock = threading.Lock()
        self._lectures: dict[str, Lecture] = {}

    def start_lecture(self, lecture: Lecture) -> tuple[str, str]:
        """A running lecture on its first step: its join code and the instructor's key (shown once). The
        lecture is checked as its file would be (LectureError), so every step it holds can open."""
        lectures.check(lecture)
        key, text, now = secrets.token_urlsafe(18), lectures.dumps(lecture), datetime.now(UTC)
        for _ in range(20):
            code = new_code()
            try:
                with self._transaction() as connection:
                    if connection.execute(select(challenges_table.c.code).where(challenges_table.c.code == code)).first():
                        continue  # one join box takes both kinds of code: they never share one
                    connection.execute(insert(lectures_table).values(
                        code=code, key_hash=key_hash(key), lecture=text, step=0, mode="follow", paused=False,
                        revision=1, created=now))
            except IntegrityError:
                continue
            try:
                self._reach(code, key, 0)
            except Exception:  # its first step could not open: no lecture is left that nobody holds the key to
                with self._transaction() as connection:
                    connection.execute(delete(lectures_table).where(lectures_table.c.code == code))
                raise
            return code, key
        raise ClassError(N_("Could not find a free join code; try again."))

    def lecture(self, code: str) -> Lecture:
        """The lecture's file as it was started (read once a process: it never changes)."""
        code = _code(code)
        cache = self._lectures
        if code not in cache:
            with self._transaction() as connection:
                text = connection.execute(select(lectures_table.c.lecture).where(lectures_table.c.code == code)).scalar()
            if text is None:
                raise _no_lecture(code)
            cache[code] = lectures.read(text)
        return cache[code]

    def is_lecture(self, code: str) -> bool:
        with self._transaction() as connection:
            return connection.execute(select(lectures_table.c.code).where(lectures_table.c.code == _code(code))).first() \
                is not None

    def pace(self, code: str, fresh_within: float = FRESH_SECONDS) -> Pace:
        """Where the room is; at most `fresh_within` seconds old (one read a server, however many phones ask)."""
        code = _code(code)
        with self._paces_lock:
            kept = self._paces.get(code)
        if kept is not None and time.monotonic() - kept[0] < fresh_within:
            return kept[1]
        with self._transaction() as connection:
            row = connection.execute(
                select(lectures_table.c.step, lectures_table.c.mode, lectures_table.c.paused, lectures_table.c.revision,
                       lectures_table.c.ended, lecture_steps_table.c.challenge, lecture_steps_table.c.poll)
                .select_from(lectures_table.outerjoin(lecture_steps_table, (lecture_steps_table.c.lecture ==
                                                                           lectures_table.c.code)
                                                      & (lecture_steps_table.c.step == lectures_table.c.step)))
                .where(lectures_table.c.code == code)).first()
        if row is None:
            raise _no_lecture(code)
        pace = Pace(code, int(row.step), row.mode, bool(row.paused), int(row.revision), row.ended is not None,
                    row.challenge, None if row.poll is None else int(row.poll))
        with self._paces_lock:  # a read that began before a move and ended after it never takes the room back
            kept = self._paces.get(code)
            if kept is None or pace.revision >= kept[1].revision:
                self._paces[code] = (time.monotonic(), pace)
            else:
                pace = kept[1]
        return pace

    def go_to(self, code: str, key: str, step: int) -> Pace:
        """Move the room to `step` (from 0): every phone that follows goes there."""
        steps = len(self.lecture(code).steps)
        if not 0 <= step < steps:
            raise ClassError(msg("This lecture has steps 1 to {steps}; there is no step {step}.", steps=steps,
                                 step=step + 1))
        self.verify_lecture(code, key)
        self._reach(code, key, step)  # what the step opens, first: a step it cannot open leaves the room where it was
        self._change(code, key, step=step)
        return self.pace(code, fresh_within=0)

    def set_mode(self, code: str, key: str, mode: str) -> None:
        if mode not in MODES:
            raise ClassError(msg("A lecture's mode is follow or free; not {mode!r}.", mode=mode))
        self._change(code, key, mode=mode)

    def set_paused(self, code: str, key: str, paused: bool) -> None:
        """Eyes up (True): every student's controls wait, with a notice, until released."""
        self._change(code, key, paused=bool(paused))

    def end_lecture(self, code: str, key: str) -> None:
        self._change(code, key, ended=datetime.now(UTC), paused=False)

    def _change(self, code: str, key: str, **values) -> None:
        code = _code(code)
        with self._transaction() as connection:
            self._authorise_lecture(connection, code, key)
            if "ended" not in values and connection.execute(
                    select(lectures_table.c.ended).where(lectures_table.c.code == code)).scalar() is not None:
                raise ClassError(N_("This lecture has ended: start it again from the Lecture page to go on."))
            connection.execute(update(lectures_table).where(lectures_table.c.code == code)
                               .values(revision=lectures_table.c.revision + 1, **values))
        self._paces.pop(code, None)

    def _reach(self, code: str, key: str, step: int) -> None:
        """Open what the step holds the first time the room reaches it: its challenge (the home of its
        poll and entries, closed where the step has no challenge) and its poll."""
        code = _code(code)
        if self._reached(code, step):
            return
        lecture = self.lecture(code)
        spec = lecture.steps[step]
        if spec.poll is None and spec.challenge is None:
            earlier = [number for number in range(step) if lecture.steps[number].challenge is not None]
            if spec.page == "board" and earlier:  # the class board shows the latest challenge the room has reached
                self._show_board(code, step, earlier)
            return
        challenge = self.create(spec.experiment, spec.challenge or Rules(), key=key, is_open=spec.challenge is not None)
        try:
            poll = self._open_poll(spec, challenge.code, key)
            with self._transaction() as connection:
                connection.execute(insert(lecture_steps_table).values(lecture=code, step=step,
                                                                      challenge=challenge.code, poll=poll))
        except (ClassError, IntegrityError):  # refused, or the instructor's other device reached it first: theirs is kept
            with self._transaction() as connection:
                connection.execute(delete(challenges_table).where(challenges_table.c.code == challenge.code))
            if not self._reached(code, step):
                raise

    def _reached(self, code: str, step: int) -> bool:
        with self._transaction() as connection:
            return connection.execute(select(lecture_steps_table.c.step).where(
                (lecture_steps_table.c.lecture == code) & (lecture_steps_table.c.step == step))).first() is not None

    def _open_poll(self, spec, challenge: str, key: str) -> int | None:
        poll = None
        if spec.poll is not None:
            poll_spec = spec.poll
            if poll_spec.lesson:
                poll = self.ask_lesson(challenge, key, poll_spec.lesson).id
            else:
                poll = self.ask(challenge, key, poll_spec.question, list(poll_spec.options) or None, poll_spec.kind,
                                poll_spec.setting, poll_spec.score, spec.experiment, poll_spec.mark, poll_spec.low,
                                poll_spec.high).id
        return poll

    def _show_board(self, code: str, step: int, earlier: list[int]) -> None:
        with self._transaction() as connection:
            latest = connection.execute(
                select(lecture_steps_table.c.challenge)
                .where((lecture_steps_table.c.lecture == code) & lecture_steps_table.c.step.in_(earlier))
                .order_by(lecture_steps_table.c.step.desc()).limit(1)).scalar()
            if latest is not None:
                try:
                    with connection.begin_nested():
                        connection.execute(insert(lecture_steps_table).values(lecture=code, step=step, challenge=latest))
                except IntegrityError:
                    pass

    def join_lecture(self, code: str, member: str, nickname: str = "") -> None:
        """Count `member` (a session's opaque id) in the lecture; a nickname is optional."""
        code, member = _code(code), plain_text(member, MAX_VOTER, "member id")
        nickname = plain_text(nickname, MAX_NICKNAME, "nickname") if str(nickname).strip() else ""
        pace = self.pace(code)
        if pace.ended:
            raise ClassError(N_("This lecture has ended: ask your instructor for the next one's code."))
        with self._transaction() as connection:
            mine = (members_table.c.lecture == code) & (members_table.c.member == member)
            if connection.execute(select(members_table.c.member).where(mine)).first():
                if nickname:
                    connection.execute(update(members_table).where(mine).values(nickname=nickname))
                return
            try:
                with connection.begin_nested():
                    connection.execute(insert(members_table).values(lecture=code, member=member, nickname=nickname,
                                                                    step=pace.step, joined=datetime.now(UTC)))
            except IntegrityError:
                pass  # the same session's other tab joined first

    def did(self, code: str, member: str, step: int, what: str) -> None:
        """Record that `member` arrived at or trained on `step` (once each: the counts are of people)."""
        if what not in ACTIVITIES:
            raise ValueError(what)
        code, now = _code(code), datetime.now(UTC)
        with self._transaction() as connection:
            if what == "arrived":
                connection.execute(update(members_table).where((members_table.c.lecture == code)
                                                               & (members_table.c.member == member)).values(step=step))
            try:
                with connection.begin_nested():
                    connection.execute(insert(activity_table).values(lecture=code, member=member, step=step, what=what,
                                                                     created=now))
            except IntegrityError:
                pass  # done before: counted once

    def roster(self, code: str, key: str | None = None, names: bool = False) -> Roster:
        """The counts on the current step; with the instructor's `key` and `names`, the nicknames given."""
        code, pace = _code(code), self.pace(code, fresh_within=0)
        with self._transaction() as connection:
            if names:
                self._authorise_lecture(connection, code, key)
            count = lambda query: int(connection.execute(query).scalar() or 0)  # noqa: E731
            members = select(func.count()).select_from(members_table).where(members_table.c.lecture == code)
            trained = select(func.count()).select_from(activity_table).where(
                (activity_table.c.lecture == code) & (activity_table.c.step == pace.step)
                & (activity_table.c.what == "trained"))
            voted = submitted = 0
            if pace.poll is not None:
                round_now = select(polls_table.c.round).where(polls_table.c.id == pace.poll).scalar_subquery()
                voted = count(select(func.count()).select_from(votes_table).where(
                    (votes_table.c.poll == pace.poll) & (votes_table.c.round == round_now)))
            if pace.challenge is not None:
                submitted = count(select(func.count()).select_from(entries_table)
                                  .where(entries_table.c.code == pace.challenge))
            nicknames = ()
            if names:
                nicknames = tuple(connection.execute(select(members_table.c.nickname).where(
                    (members_table.c.lecture == code) & (members_table.c.nickname != "")).order_by(
                    members_table.c.nickname)).scalars())
            return Roster(count(members), count(members.where(members_table.c.step == pace.step)), count(trained), voted,
                          submitted, nicknames)

    def record(self, code: str, key: str) -> dict[str, pd.DataFrame]:
        """The room's work, as tables to take home: every entry, every round of every poll, every point of
        a shared drawing (without who drew it), and each step's counts."""
        code = _code(code)
        with self._transaction() as connection:
            self._authorise_lecture(connection, code, key)
            homes = {int(row.step): (row.challenge, row.poll) for row in connection.execute(
                select(lecture_steps_table).where(lecture_steps_table.c.lecture == code))}
            activity = connection.execute(select(activity_table.c.step, activity_table.c.what, func.count())
                                          .where(activity_table.c.lecture == code)
                                          .group_by(activity_table.c.step, activity_table.c.what)).all()
        lecture = self.lecture(code)
        done = {(int(step), what): int(count) for step, what, count in activity}
        entries, votes, steps, drawn, counted = [], [], [], [], set()
        for number, step in enumerate(lecture.steps):
            challenge, poll = homes.get(number, (None, None))
            table = self.entries(challenge) if challenge and challenge not in counted else pd.DataFrame()
            counted.add(challenge)
            if len(table):
                entries.append(table.drop(columns=["experiment"]).assign(step=number + 1))
            if challenge and step.challenge is not None and step.challenge.drawing:  # the step's own rules: no read
                drawn.append(points_table(self.drawn(challenge)).assign(step=number + 1))
            voters = 0
            if poll is not None:
                asked = self.poll(challenge, poll)
                for round_number in range(1, asked.round + 1):
                    tally = self.tally(challenge, poll, round=round_number)
                    voters = max(voters, int(tally["votes"].sum()))
                    votes.append(tally.assign(step=number + 1, question=asked.question, round=round_number))
            steps.append({"step": number + 1, "page": step.page, "title": step.card.title,
                          "arrived": done.get((number, "arrived"), 0), "trained": done.get((number, "trained"), 0),
                          "voted": voters, "submitted": len(table)})
        first = lambda frames, columns: pd.concat(frames, ignore_index=True)[columns] if frames else \
            pd.DataFrame(columns=columns)  # noqa: E731
        return {"steps": pd.DataFrame(steps),
                "entries": first(entries, ["step", "rank", "label", "score", "learning_rate", "hidden_units", "layers",
                                           "activations", "optimizer", "epochs", "submitted"]),
                "votes": first(votes, ["step", "question", "round", "option", "votes"]),
                "drawings": first(drawn, ["step", "x1", "x2", "class"])}

    def delete_lecture(self, code: str, key: str) -> None:
        """Remove the lecture and everything the room left in it: members, counts, entries, polls, votes."""
        code = _code(code)
        with self._transaction() as connection:
            self._authorise_lecture(connection, code, key)
            homes = list(connection.execute(select(lecture_steps_table.c.challenge)
                                            .where(lecture_steps_table.c.lecture == code)).scalars())
            for table in (activity_table, members_table, lecture_steps_table):  # no cascade needed where a database skips it
                connection.execute(delete(table).where(table.c.lecture == code))
            for home in homes:
                polls = select(polls_table.c.id).where(polls_table.c.code == home)
                connection.execute(delete(votes_table).where(votes_table.c.poll.in_(polls)))
                connection.execute(delete(polls_table).where(polls_table.c.code == home))
                connection.execute(delete(entries_table).where(entries_table.c.code == home))
                connection.execute(delete(drawn_table).where(drawn_table.c.code == home))
                connection.execute(delete(challenges_table).where(challenges_table.c.code == home))
            connection.execute(delete(lectures_table).where(lectures_table.c.code == code))
        self._paces.pop(code, None)
        self._lectures.pop(code, None)

    def verify_lecture(self, code: str, key: str) -> None:
        with self._transaction() as connection:
            self._authorise_lecture(connection, _code(code), key)

    def _authorise_lecture(self, connection, code: str, key: str | None) -> None:
        stored = connection.execute(select(lectures_table.c.key_hash).where(lectures_table.c.code == code)).scalar()
        if stored is None:
            raise _no_lecture(code)
        if not key or not hmac.compare_digest(key_hash(str(key)), stored):
            raise ClassError(N_("That is not this lecture's instructor key: nothing was changed."))


def _code(code: str) -> str:
    return str(code).strip().upper()


class LectureGone(ClassError):
    """The lecture a session follows is not in the database (a wrong code, or deleted)."""


def _no_lecture(code: str) -> LectureGone:
    return LectureGone(msg("There is no lecture with the code {code!r}: check it with your instructor.", code=code))
