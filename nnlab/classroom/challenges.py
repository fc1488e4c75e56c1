"""The class in the loop: challenges an instructor sets, the entries students submit, and the one
database every app server of a class shares.

SQLAlchemy 2 over SQLite by default (a file in the data directory, in WAL mode with a busy
timeout, so that many sessions can write at once) or PostgreSQL through psycopg 3
(`NNLAB_DATABASE_URL`), for a class spread over several app servers. A score is computed here,
from the Experiment, by training it; never taken from the browser.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hmac
import json
import math
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import (
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, ProgrammingError, SQLAlchemyError

from nnlab.classroom.classdb import (
    MAX_NICKNAME,
    SCHEMA_VERSION,
    SCORES,
    challenges_table,
    entries_table,
    key_hash,
    metadata,
    new_code,
    plain_text,
    schema_table,
    scores_for,
)
from nnlab.classroom.drawings import Drawings
from nnlab.classroom.pacing import Lectures
from nnlab.classroom.polls import Polls
from nnlab.classroom.rules import Rules
from nnlab.data.datasets import load_data, pin_data
from nnlab.data.tables import data_dir
from nnlab.errors import ClassError, NnlabError
from nnlab.experiment import Experiment
from nnlab.i18n import N_, msg
from nnlab.links import BY_FIELD
from nnlab.study import hand
from nnlab.training import trainer, weights
from nnlab.training.trainer import TrainResult

MAX_ENTRIES = 5000  # per challenge: a class that submits more has other problems


@dataclass(frozen=True)
class Challenge:
    code: str
    experiment: Experiment  # the instructor's settings, its data split pinned
    rules: Rules
    is_open: bool
    created: datetime
    key: str | None = None  # the instructor's key: only where the challenge was just created

    @property
    def score_label(self) -> str:
        return SCORES[self.rules.score][0]

    @property
    def higher_is_better(self) -> bool:
        return SCORES[self.rules.score][1]

    def check(self, exp: Experiment) -> None:
        """Refuse, naming the rule, an Experiment this challenge does not allow."""
        base = self.experiment
        if pin_data(exp).data != base.data:  # the rows it gives: a data seed left to the seed is the seed
            raise ClassError(N_("This challenge is set on its own data, with its own train and test rows: "
                                "open the challenge's link again to get them back."))
        for part in ("model", "training", ""):
            ours, theirs = (getattr(base, part), getattr(exp, part)) if part else (base, exp)
            names = [f.name for f in dataclasses.fields(ours)] if part else ["seed"]
            for name in names:
                wanted, got = getattr(ours, name), getattr(theirs, name)
                if got == wanted:
                    continue
                setting = BY_FIELD.get((part, name))
                if setting is None:  # a field no link or rule knows: no student can have changed it
                    raise ClassError(msg("This challenge has no rule for the setting {value!r}; keep it as the challenge's link "
                                         "sets it ({value2}).", value=name.replace('_', ' '), value2=_shown(wanted)))
                if not self.rules.allows(part, name):
                    raise ClassError(msg("This challenge keeps the {says} as the instructor set it ({value}); yours is "
                                         "{value2}.", says=setting.says, value=_shown(wanted, name), value2=_shown(got, name)))
        widest = max(exp.model.hidden, default=0)
        if widest > self.rules.max_units:
            raise ClassError(msg("This challenge allows at most {max_units} units in a hidden layer; yours has {widest}.",
                                 max_units=self.rules.max_units, widest=widest))
        if exp.training.epochs > self.rules.max_epochs:
            raise ClassError(msg("This challenge allows at most {max_epochs:,} epochs; yours trains {epochs:,}.",
                                 max_epochs=self.rules.max_epochs, epochs=exp.training.epochs))

    def hand_score(self, exp: Experiment) -> float:
        """A fit-by-hand entry's score: the training loss of the weights it starts from, untrained,
        worked out here from the weights the link carries (never a number the browser sends)."""
        if not exp.model.start.startswith(weights.WRITTEN_OUT):
            raise ClassError(N_("This challenge is to fit by hand: set the weights on Be the optimizer, then submit there."))
        score = hand.hand_loss(exp, load_data(exp))
        if not math.isfinite(score):
            raise ClassError(N_("These weights give no finite loss: set them nearer 0 and submit again."))
        return score

    def score_of(self, result: TrainResult) -> float:
        """The run's score: its last (finite) epoch's value of the challenge's metric."""
        if not len(result.history):
            raise ClassError(msg("This run diverged at epoch {diverged_at}, so it has no score: try a smaller learning rate.",
                                 diverged_at=result.diverged_at))
        return float(result.history[self.rules.score].iloc[-1])


def _shown(value, name: str = "") -> str:
    if name == "start":  # weights, not a value to read out
        return "set by hand or brought back" if value else "the seed's"
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) or "none"
    return "full batch" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Entry:
    number: int  # the entry's own number: two students with one nickname are told apart by it
    nickname: str
    score: float
    experiment: Experiment
    created: datetime = field(compare=False)

    @property
    def label(self) -> str:
        return f"{self.nickname} #{self.number}"


def database_url(url: str | None = None) -> str:
    """The database a Board uses: `url`, else NNLAB_DATABASE_URL, else a SQLite file in the data
    directory. A plain postgres:// URL is read with psycopg 3."""
    url = url or os.environ.get("NNLAB_DATABASE_URL") or ""
    if not url:
        folder = data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder / 'classroom.sqlite3'}"
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    return url


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
            cursor.execute("PRAGMA busy_timeout=30000")  # writers wait their turn instead of failing
            # WAL's own advice: no fsync a commit; the app crashing loses nothing, a power cut the last commits
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=20,
                         connect_args={"connect_timeout": 5} if url.startswith("postgresql") else {})


class Board(Polls, Lectures, Drawings):
    """Challenges, their entries and their polls (nnlab.classroom.polls). Every call is a short
    transaction; a database that is down raises ClassError with a message for the student, and
    the rest of nnlab goes on."""

    def __init__(self, url: str | None = None):
        self.url = database_url(url)
        self.engine = _make_engine(self.url)
        self._ready = False
        self._ready_lock = threading.Lock()
        # SQLite takes one writer at a time, and one that waits sleeps in steps of up to 100 ms: this
        # process's writers of many small rows (a drawing's taps) queue here instead
        self._writer = threading.Lock() if self.url.startswith("sqlite") else contextlib.nullcontext()
        self._keep_lectures()

    @contextlib.contextmanager
    def _transaction(self):
        self._prepare()
        with self._reachable(), self.engine.begin() as connection:
            yield connection

    @contextlib.contextmanager
    def _reachable(self):
        try:
            yield
        except (NnlabError, IntegrityError):
            raise  # our own messages; a broken constraint is the caller's to handle, not a lost database
        except (DBAPIError, SQLAlchemyError) as error:
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0][:160]
            raise ClassError(msg("The class database cannot be reached right now ({reason}). Training still works; try again in "
                                 "a moment.", reason=reason)) from None

    def _prepare(self) -> None:
        """Make the tables on first use and check the schema's version."""
        with self._ready_lock:
            if self._ready:
                return
            with self._reachable():
                try:
                    metadata.create_all(self.engine)
                except (IntegrityError, ProgrammingError):  # another server made them at the same moment
                    metadata.create_all(self.engine)
                try:
                    with self.engine.begin() as connection:
                        version = connection.execute(select(schema_table.c.version)).scalar()
                        if version is None:
                            connection.execute(insert(schema_table).values(id=1, version=SCHEMA_VERSION))
                            version = SCHEMA_VERSION
                except IntegrityError:  # another server wrote the row at the same moment
                    version = SCHEMA_VERSION
            if version > SCHEMA_VERSION:
                raise ClassError(msg("The class database was set up by a newer nnlab (schema {version}); update this app to use "
                                     "it.", version=version))
            if version < SCHEMA_VERSION:  # an older nnlab's: create_all has added the tables it lacked
                with self._reachable(), self.engine.begin() as connection:
                    connection.execute(update(schema_table).values(version=SCHEMA_VERSION))
            self._ready = True

    def create(self, exp: Experiment, rules: Rules | None = None, key: str | None = None, is_open: bool = True) -> Challenge:
        """A new challenge on `exp`'s data; its `key` (new, or a lecture's own for its steps) is shown
        once and stored only as a hash."""
        rules = rules or Rules()
        if rules.drawing:  # the class draws the data: points of classes on the plane, none yet
            exp = exp.replace(data={"name": "drawn_points", "drawing": "", "crosses": ()})
            rules = dataclasses.replace(rules, free=(), score=rules.score or "train_loss")
        else:
            data = load_data(exp)
            available = scores_for(data)
            if rules.score and rules.score not in available:
                raise ClassError(msg("This data has no {value}; choose {value2}.", value=SCORES[rules.score][0],
                                     value2=' or '.join(SCORES[name][0] for name in available)))
            rules = dataclasses.replace(rules, score=rules.score or available[0])
        pinned = pin_data(exp)
        if rules.by_hand:
            rules.fits(pinned, data)  # a network Be the optimizer shows
        try:
            Challenge("", pinned, rules, True, datetime.now(UTC)).check(pinned)
        except ClassError as error:
            raise ClassError(msg("The challenge's own settings break its limits: {error}", error=error)) from None
        key, created = key or secrets.token_urlsafe(18), datetime.now(UTC)
        for _ in range(20):
            code = new_code()
            try:
                with self._transaction() as connection:
                    connection.execute(insert(challenges_table).values(
                        code=code, key_hash=key_hash(key), experiment=json.dumps(pinned.to_dict()),
                        rules=json.dumps(dataclasses.asdict(rules)), is_open=is_open, created=created))
            except IntegrityError:
                continue  # that code is taken: draw another
            return Challenge(code, pinned, rules, is_open, created, key)
        raise ClassError(N_("Could not find a free join code; try again."))

    def challenge(self, code: str) -> Challenge:
        code = str(code).strip().upper()
        with self._transaction() as connection:
            row = connection.execute(select(challenges_table).where(challenges_table.c.code == code)).first()
        if row is None:
            raise ClassError(msg("There is no challenge with the code {code!r}: check it with your instructor.", code=code))
        return Challenge(row.code, Experiment.from_dict(json.loads(row.experiment)), Rules(**json.loads(row.rules)),
                         bool(row.is_open), _utc(row.created))

    def submit(self, code: str, nickname: str, exp: Experiment,
               train: Callable[[Experiment], TrainResult] | None = None) -> Entry:
        """Score `exp` (by training it: `train`, default nnlab.train) and record it under `nickname`."""
        nickname = plain_text(nickname, MAX_NICKNAME, "nickname")
        challenge = self.challenge(code)
        if challenge.rules.drawing:
            raise ClassError(N_("This challenge is the class drawing the data together: add points on the Class page; "
                                "there is nothing to submit."))
        if not challenge.is_open:
            raise ClassError(N_("This challenge is closed: the instructor is not taking entries now."))
        challenge.check(exp)
        score = challenge.hand_score(exp) if challenge.rules.by_hand else challenge.score_of((train or trainer.train)(exp))
        created = datetime.now(UTC)
        with self._transaction() as connection:
            row = connection.execute(select(challenges_table.c.is_open).where(challenges_table.c.code == challenge.code))
            if not row.scalar():
                raise ClassError(N_("This challenge was closed a moment ago: the instructor is not taking entries now."))
            count = connection.execute(select(func.count()).select_from(entries_table)
                                       .where(entries_table.c.code == challenge.code)).scalar()
            if count >= MAX_ENTRIES:
                raise ClassError(msg("This challenge has {max_entries:,} entries, as many as it takes.", max_entries=MAX_ENTRIES))
            number = connection.execute(insert(entries_table).values(
                code=challenge.code, nickname=nickname, score=score, experiment=json.dumps(exp.to_dict()),
                created=created)).inserted_primary_key[0]
        return Entry(int(number), nickname, score, exp, created)

    def entries(self, code: str) -> pd.DataFrame:
        """Every entry, best first: rank, label, nickname, score, the settings a leaderboard shows,
        and the experiment itself."""
        challenge = self.challenge(code)
        with self._transaction() as connection:
            rows = connection.execute(select(entries_table).where(entries_table.c.code == challenge.code)
                                      .order_by(entries_table.c.id)).all()
        records = []
        for row in rows:
            exp = Experiment.from_dict(json.loads(row.experiment))
            records.append({"number": row.id, "label": f"{row.nickname} #{row.id}", "nickname": row.nickname,
                            "score": row.score, "learning_rate": exp.training.learning_rate,
                            "hidden_units": sum(exp.model.hidden), "layers": len(exp.model.hidden),
                            "activations": ", ".join(dict.fromkeys(exp.model.activations)) or "none",
                            "optimizer": exp.training.optimizer, "epochs": exp.training.epochs,
                            "submitted": _utc(row.created), "experiment": exp})
        columns = ["rank", "number", "label", "nickname", "score", "learning_rate", "hidden_units", "layers",
                   "activations", "optimizer", "epochs", "submitted", "experiment"]
        if not records:
            return pd.DataFrame(columns=columns)
        frame = pd.DataFrame(records)
        frame["rank"] = frame["score"].rank(method="min", ascending=not challenge.higher_is_better).astype(int)
        return frame.sort_values(["rank", "number"])[columns].reset_index(drop=True)

    def verify(self, code: str, key: str) -> None:
        """Raise ClassError unless `key` is challenge `code`'s instructor key."""
        with self._transaction() as connection:
            self._authorise(connection, code, key)

    def close(self, code: str, key: str) -> None:
        self._set_open(code, key, False)

    def reopen(self, code: str, key: str) -> None:
        self._set_open(code, key, True)

    def clear(self, code: str, key: str) -> None:
        """Remove every entry (the challenge stays, open or closed as it was)."""
        with self._transaction() as connection:
            code = self._authorise(connection, code, key)
            connection.execute(delete(entries_table).where(entries_table.c.code == code))

    def _set_open(self, code: str, key: str, is_open: bool) -> None:
        with self._transaction() as connection:
            code = self._authorise(connection, code, key)
            connection.execute(update(challenges_table).where(challenges_table.c.code == code).values(is_open=is_open))

    def _authorise(self, connection, code: str, key: str | None) -> str:
        code = str(code).strip().upper()
        stored = connection.execute(select(challenges_table.c.key_hash).where(challenges_table.c.code == code)).scalar()
        if stored is None:
            raise ClassError(msg("There is no challenge with the code {code!r}.", code=code))
        if not key or not hmac.compare_digest(key_hash(str(key)), stored):
            raise ClassError(N_("That is not this challenge's instructor key: nothing was changed."))
        return code


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite keeps no zone
