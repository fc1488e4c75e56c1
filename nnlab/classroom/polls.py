"""Peer instruction on the class's phones: the instructor asks, everyone votes, the class talks,
votes again, and the answer is revealed. Polls belong to a challenge (its code, its key and its
database); `Polls` is the part of `nnlab.classroom.challenges.Board` that keeps them.

Kinds: "choice" (the instructor's own 2-6 options, and the right one if there is one); "setting"
(values of one setting, e.g. activations or learning rates, each trained on the same data and
seeds as Compare does: the best score is the answer); "number" (a number in a range, e.g. a test
accuracy: the answer is the value the trained run reaches). One vote per voter a round; a later
vote replaces the earlier one.
"""

from __future__ import annotations

import functools
import json
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from nnlab import lessons
from nnlab.classroom.classdb import MAX_VOTER, SCORES, plain_text, polls_table, scores_for, votes_table
from nnlab.data.datasets import load_data
from nnlab.errors import ClassError, NnlabError
from nnlab.experiment import SETTINGS, Experiment
from nnlab.i18n import N_, msg
from nnlab.links import with_settings
from nnlab.training import trainer
from nnlab.training.trainer import TrainResult

KINDS = ("choice", "setting", "number")
MAX_QUESTION = 200
MAX_OPTION = 40
MIN_OPTIONS, MAX_OPTIONS = 2, 6
NUMBER_BINS = 10  # a number poll's votes are counted in this many equal ranges
REVEAL_SEEDS = 5  # a setting poll trains each option with this many seeds, as Compare does


@dataclass(frozen=True)
class Poll:
    id: int
    code: str
    question: str
    kind: str
    options: tuple[str, ...]  # what a voter picks from (a number poll: none)
    round: int  # 1, then 2 after a vote again
    is_open: bool
    mark: str | None = None  # a choice poll's right option, if it has one
    setting: str | None = None  # a setting poll's setting (its URL name)
    score: str | None = None  # what a setting or number poll's runs are scored by (a SCORES name)
    low: float | None = None  # a number poll's range
    high: float | None = None
    settings: dict | None = field(default=None, compare=False, repr=False)  # the runs' Experiment, as a dict
    revealed: dict | None = field(default=None, compare=False)  # {"answer": ..., "values": {option: value}}

    @functools.cached_property
    def experiment(self) -> Experiment | None:
        """The runs' settings (a setting or number poll); read when asked: a vote never needs them."""
        return Experiment.from_dict(self.settings) if self.settings else None


@dataclass(frozen=True)
class Reveal:
    answer: str | None  # the right option ("a and b" for a tie; a number poll: the value, as text); None: an opinion
    values: dict[str, float]  # a setting poll: each option's median score; a number poll: {"reached": value}
    runs: list[TrainResult]  # the runs that decided it (in this process: what the reveal trained)


def _option_text(value) -> str:
    return plain_text(value, MAX_OPTION, "poll option")


class Polls:
    """Polls on a Board (it provides `_transaction`, `_authorise` and `challenge`)."""

    def ask(self, code: str, key: str, question: str, options=None, kind: str = "choice", setting: str | None = None,
            score: str | None = None, exp: Experiment | None = None, mark: str | None = None,
            low: float = 0.0, high: float = 1.0) -> Poll:
        """Open a poll on challenge `code` (the instructor's `key`); see the module's kinds."""
        challenge = self.challenge(code)
        question = plain_text(question, MAX_QUESTION, "question")
        details = poll_details(kind, options, mark, setting, low, high, score or challenge.rules.score,
                               exp or challenge.experiment)
        with self._transaction() as connection:
            code = self._authorise(connection, code, key)
            number = connection.execute(insert(polls_table).values(
                code=code, question=question, kind=kind, details=json.dumps(details), round=1, is_open=True,
                created=datetime.now(UTC))).inserted_primary_key[0]
        return self.poll(code, int(number))

    def ask_lesson(self, code: str, key: str, lesson_id: str) -> Poll:
        """A lesson's own question (its ReadyPoll), on the lesson's settings."""
        lesson = lessons.lesson(lesson_id)
        if lesson.poll is None:
            raise ClassError(msg("The lesson {title!r} has no ready question.", title=lesson.title))
        ready = lesson.poll
        return self.ask(code, key, ready.question, ready.options or None, ready.kind, ready.setting or None,
                        ready.score, lesson.experiment)

    def poll(self, code: str, poll_id: int) -> Poll:
        with self._transaction() as connection:
            return _read_poll(connection, code, poll_id)

    def polls(self, code: str, newest: int | None = None) -> list[Poll]:
        """The class's polls, the newest first (only the `newest` few, if given)."""
        code = str(code).strip().upper()
        with self._transaction() as connection:
            rows = connection.execute(select(polls_table).where(polls_table.c.code == code)
                                      .order_by(polls_table.c.id.desc()).limit(newest)).all()
        return [_poll(row) for row in rows]

    def vote(self, code: str, poll_id: int, voter: str, answer) -> str:
        """Record `voter`'s answer for the poll's round (replacing their earlier one); the answer as kept.
        One transaction: the poll as it is at this moment (open, this round) and the vote."""
        voter = plain_text(voter, MAX_VOTER, "voter id")
        now = datetime.now(UTC)
        with self._transaction() as connection:
            poll = _read_poll(connection, code, poll_id)
            if not poll.is_open:
                raise ClassError(N_("This poll is closed: your vote was not counted."))
            answer = _answer(poll, answer)
            mine = ((votes_table.c.poll == poll.id) & (votes_table.c.round == poll.round)
                    & (votes_table.c.voter == voter))
            if not connection.execute(update(votes_table).where(mine).values(answer=answer, created=now)).rowcount:
                try:
                    with connection.begin_nested():
                        connection.execute(insert(votes_table).values(poll=poll.id, round=poll.round, voter=voter,
                                                                      answer=answer, created=now))
                except IntegrityError:  # the same voter's other click inserted first: this one replaces it
                    connection.execute(update(votes_table).where(mine).values(answer=answer, created=now))
        return answer

    def votes(self, code: str, poll_id: int, round: int | None = None) -> int:
        """How many have voted in the round (default: the current one): what the projector shows while voting."""
        with self._transaction() as connection:
            poll = _read_poll(connection, code, poll_id)
            return int(connection.execute(select(func.count()).select_from(votes_table).where(
                (votes_table.c.poll == poll.id) & (votes_table.c.round == (round or poll.round)))).scalar())

    def tally(self, code: str, poll_id: int, round: int | None = None) -> pd.DataFrame:
        """option, votes: every option listed, none left out for want of votes (a number poll: its
        range in NUMBER_BINS equal parts)."""
        with self._transaction() as connection:
            poll = _read_poll(connection, code, poll_id)
            rows = connection.execute(select(votes_table.c.answer, func.count()).where(
                (votes_table.c.poll == poll.id) & (votes_table.c.round == (round or poll.round)))
                .group_by(votes_table.c.answer)).all()
        counts = {answer: int(count) for answer, count in rows}
        if poll.kind != "number":
            return pd.DataFrame({"option": list(poll.options), "votes": [counts.get(o, 0) for o in poll.options]})
        edges = [poll.low + (poll.high - poll.low) * i / NUMBER_BINS for i in range(NUMBER_BINS + 1)]
        bins = [0] * NUMBER_BINS
        for answer, count in counts.items():
            bins[min(NUMBER_BINS - 1, int((float(answer) - poll.low) / (poll.high - poll.low) * NUMBER_BINS))] += count
        return pd.DataFrame({"option": [f"{a:g}–{b:g}" for a, b in zip(edges, edges[1:], strict=False)], "votes": bins})

    def close_poll(self, code: str, key: str, poll_id: int) -> None:
        """No more votes this round."""
        self._set_poll(code, key, poll_id, is_open=False)

    def revote(self, code: str, key: str, poll_id: int) -> Poll:
        """Round 2 (or the next): the same question, its votes start again; the earlier round's stay."""
        poll = self.poll(code, poll_id)
        self._set_poll(code, key, poll_id, is_open=True, round=poll.round + 1, revealed=None)
        return self.poll(code, poll_id)

    def reveal(self, code: str, key: str, poll_id: int, seeds: int = REVEAL_SEEDS) -> Reveal:
        """Close the poll and work out its answer: the instructor's mark, or the server's own runs
        (never a value the browser sends). Kept, so every server shows the same answer."""
        with self._transaction() as connection:  # the key first: only the instructor sets training going
            self._authorise(connection, code, key)
            poll = _read_poll(connection, code, poll_id)
        runs: list[TrainResult] = []
        if poll.kind == "choice":
            answer, values = poll.mark, {}
        elif poll.kind == "setting":
            answer, values, runs = _race(poll, seeds)
        else:
            runs = [trainer.train(poll.experiment)]
            reached = _final(runs[0], poll.score)
            answer, values = f"{reached:.4g}", {"reached": reached}
        revealed = {"answer": answer, "values": values}
        self._set_poll(code, key, poll_id, is_open=False, revealed=json.dumps(revealed))
        return Reveal(answer, values, runs)

    def _set_poll(self, code: str, key: str, poll_id: int, **values) -> None:
        with self._transaction() as connection:
            code = self._authorise(connection, code, key)
            if not connection.execute(update(polls_table).where(_this_poll(code, poll_id)).values(**values)).rowcount:
                raise _no_poll(code, poll_id)


def poll_details(kind: str, options, mark: str | None, setting: str | None, low: float, high: float, score: str | None,
                 base: Experiment) -> dict:
    """What a poll of `kind` keeps beside its question, every value checked (ClassError naming the
    wrong one): its options, and for a setting or number poll the runs' settings and their score
    (`score`, or the data's usual one)."""
    if kind not in KINDS:
        raise ClassError(msg("A poll is a {value} poll; not {kind!r}.", value=', '.join(KINDS), kind=kind))
    details = {"score": score}
    if kind == "choice":
        details["options"] = _options(options)
        if mark is not None and _option_text(mark) not in details["options"]:
            raise ClassError(msg("The right answer {mark!r} is not one of the options.", mark=mark))
        details["mark"] = None if mark is None else _option_text(mark)
        return details
    available = scores_for(load_data(base))
    details["score"] = details["score"] or available[0]
    if details["score"] not in available:
        raise ClassError(msg("These runs have no {value}; choose {value2}.", value=SCORES.get(details['score'],
                                                                                              (details['score'],))[0],
                             value2=' or '.join(SCORES[name][0] for name in available)))
    details["experiment"] = base.to_dict()
    if kind == "setting":
        details["setting"], details["options"] = _setting_options(base, setting, options)
    else:
        if not (isinstance(low, (int, float)) and isinstance(high, (int, float)) and not isinstance(low, bool)
                and not isinstance(high, bool) and low < high):
            raise ClassError(msg("A number poll needs a range with its low end below its high end; got {low} to "
                                 "{high}.", low=low, high=high))
        details["low"], details["high"], details["options"] = float(low), float(high), []
    return details


def _this_poll(code: str, poll_id: int):
    return (polls_table.c.id == int(poll_id)) & (polls_table.c.code == str(code).strip().upper())


def _no_poll(code: str, poll_id: int) -> ClassError:
    return ClassError(msg("There is no poll {poll_id} in the class {value!r}.", poll_id=poll_id, value=str(code).strip().upper()))


def _read_poll(connection, code: str, poll_id: int) -> Poll:
    """Poll `poll_id` of class `code` as the database has it in this transaction."""
    row = connection.execute(select(polls_table).where(_this_poll(code, poll_id))).first()
    if row is None:
        raise _no_poll(code, poll_id)
    return _poll(row)


def _options(options) -> list[str]:
    if not options or isinstance(options, str):
        raise ClassError(msg("A choice poll needs {min_options} to {max_options} options.", min_options=MIN_OPTIONS,
                             max_options=MAX_OPTIONS))
    texts = [_option_text(option) for option in options]
    if not MIN_OPTIONS <= len(texts) <= MAX_OPTIONS:
        raise ClassError(msg("A choice poll needs {min_options} to {max_options} options; this one has {count}.",
                             min_options=MIN_OPTIONS, max_options=MAX_OPTIONS, count=len(texts)))
    if len(set(texts)) != len(texts):
        raise ClassError(N_("Each option of a poll must differ from the others."))
    return texts


def _setting_options(base: Experiment, setting: str | None, options) -> tuple[str, list[str]]:
    """A setting poll's setting and its options as a link writes them, each a valid Experiment."""
    row = SETTINGS.get(setting or "")
    if row is None or not row.part or row.group == "upload":
        names = ", ".join(name for name, s in SETTINGS.items() if s.part in ("model", "training") and s.control)
        raise ClassError(msg("A setting poll asks about one of {names}; not {setting!r}.", names=names, setting=setting))
    texts = _options(options)
    for text in texts:
        _with_option(base, row, text)
    return row.name, texts


def _with_option(base: Experiment, row, text: str) -> Experiment:
    try:
        if row.field == "activations":  # one activation for every hidden layer
            text = ",".join([text] * len(base.model.hidden))
        return with_settings(base, {row.name: text})
    except (ValueError, IndexError, NnlabError) as error:
        raise ClassError(msg("The option {text!r} is not a {says} this run can take: {error}", text=text, says=row.says,
                             error=error)) from None


def _race(poll: Poll, seeds: int) -> tuple[str, dict[str, float], list[TrainResult]]:
    """Each option trained with `seeds` seeds in one stack, as Compare does; the best median score wins."""
    row = SETTINGS[poll.setting]
    exps = [_with_option(poll.experiment, row, text).replace(seed=seed)
            for text in poll.options for seed in range(seeds)]
    runs = trainer.train_many(exps, keep_snapshots=False)
    values = {text: statistics.median(_final(run, poll.score) for run in runs[i * seeds:(i + 1) * seeds])
              for i, text in enumerate(poll.options)}
    best = (max if SCORES[poll.score][1] else min)(values.values())
    tied = [text for text, value in values.items() if value == best]  # a tie is said, not broken by order
    return " and ".join(tied), values, runs


def _final(result: TrainResult, score: str) -> float:
    if not len(result.history):
        return float("nan")
    return float(result.history[score].iloc[-1])


def _answer(poll: Poll, answer) -> str:
    if poll.kind != "number":
        text = str(answer).strip()
        if text not in poll.options:
            raise ClassError(msg("{text!r} is not one of this poll's options: your vote was not counted.",
                                 text=text[:MAX_OPTION]))
        return text
    try:
        value = float(answer)
    except (TypeError, ValueError):
        raise ClassError(msg("This poll takes a number from {low:g} to {high:g}.", low=poll.low, high=poll.high)) from None
    if not poll.low <= value <= poll.high:
        raise ClassError(msg("This poll takes a number from {low:g} to {high:g}; got {value:g}.", low=poll.low, high=poll.high,
                             value=value))
    return repr(value)


def _poll(row) -> Poll:
    details = json.loads(row.details)
    return Poll(int(row.id), row.code, row.question, row.kind, tuple(details.get("options", ())), int(row.round),
                bool(row.is_open), details.get("mark"), details.get("setting"), details.get("score"),
                details.get("low"), details.get("high"), details.get("experiment"),
                json.loads(row.revealed) if row.revealed else None)
