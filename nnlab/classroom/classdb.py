"""What challenges (nnlab.classroom.challenges) and polls (nnlab.classroom.polls) share: the class database's tables,
the scores a run is judged by, and the one rule for text a student or instructor types in."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from nnlab.data.datasets import Data
from nnlab.errors import ClassError
from nnlab.i18n import N_, msg

SCHEMA_VERSION = 4  # 2: polls and their votes; 3: lectures, their steps and who followed them; 4: shared drawings
CODE_LENGTH = 5
CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I/L: read off a projector at the back
MAX_NICKNAME = 24
MAX_VOTER = 64  # an opaque id per browser session

# score name -> (what it is called, whether higher is better)
SCORES = {"test_acc": (N_("test accuracy"), True), "test_loss": (N_("test loss"), False),
          "train_acc": (N_("train accuracy"), True), "train_loss": (N_("train loss"), False)}

metadata = MetaData()


def _of_a_challenge() -> tuple[Column, Column]:
    """A row's own number and the challenge it belongs to (its rows go when the challenge goes)."""
    return (Column("id", Integer, primary_key=True, autoincrement=True),
            Column("code", String(CODE_LENGTH), ForeignKey("nnlab_challenges.code", ondelete="CASCADE"),
                   nullable=False, index=True))


schema_table = Table("nnlab_schema", metadata,
                     Column("id", Integer, primary_key=True),  # one row, id 1: a second writer's insert fails
                     Column("version", Integer, nullable=False))
challenges_table = Table("nnlab_challenges", metadata,
                         Column("code", String(CODE_LENGTH), primary_key=True),
                         Column("key_hash", String(64), nullable=False),
                         Column("experiment", Text, nullable=False),  # JSON, Experiment.to_dict()
                         Column("rules", Text, nullable=False),  # JSON, Rules
                         Column("is_open", Boolean, nullable=False),
                         Column("created", DateTime(timezone=True), nullable=False))
entries_table = Table("nnlab_entries", metadata,
                      *_of_a_challenge(),
                      Column("nickname", String(MAX_NICKNAME), nullable=False),
                      Column("score", Float, nullable=False),
                      Column("experiment", Text, nullable=False),
                      Column("created", DateTime(timezone=True), nullable=False))
polls_table = Table("nnlab_polls", metadata,
                    *_of_a_challenge(),
                    Column("question", Text, nullable=False),
                    Column("kind", String(8), nullable=False),  # "choice", "setting" or "number"
                    Column("details", Text, nullable=False),  # JSON: options, mark, setting, score, range, experiment
                    Column("round", Integer, nullable=False),
                    Column("is_open", Boolean, nullable=False),
                    Column("revealed", Text),  # JSON: the answer and each option's value, once revealed
                    Column("created", DateTime(timezone=True), nullable=False))
votes_table = Table("nnlab_votes", metadata,
                    Column("poll", Integer, ForeignKey("nnlab_polls.id", ondelete="CASCADE"), nullable=False),
                    Column("round", Integer, nullable=False),
                    Column("voter", String(MAX_VOTER), nullable=False),
                    Column("answer", Text, nullable=False),
                    Column("created", DateTime(timezone=True), nullable=False),
                    UniqueConstraint("poll", "round", "voter"))  # one vote a voter a round


drawn_table = Table("nnlab_drawn_points", metadata,  # a shared drawing's points (nnlab.classroom.drawings)
                    *_of_a_challenge(),
                    Column("author", String(MAX_VOTER), nullable=False),  # the session's opaque id, never a name
                    Column("tap", Integer, nullable=False),  # the author's own count of taps: a tap sent twice is kept once
                    Column("x1", Integer, nullable=False),  # grid levels, as nnlab.data.drawing keeps a point
                    Column("x2", Integer, nullable=False),
                    Column("label", Integer, nullable=False),  # its class
                    Column("created", DateTime(timezone=True), nullable=False),
                    UniqueConstraint("code", "author", "tap"))


lectures_table = Table("nnlab_lectures", metadata,
                       Column("code", String(CODE_LENGTH), primary_key=True),  # the one join code of the lecture
                       Column("key_hash", String(64), nullable=False),
                       Column("lecture", Text, nullable=False),  # its file, as nnlab.classroom.lectures writes it
                       Column("step", Integer, nullable=False),  # the step the room is on, from 0
                       Column("mode", String(8), nullable=False),  # "follow" or "free"
                       Column("paused", Boolean, nullable=False),  # eyes up: every student's controls wait
                       Column("revision", Integer, nullable=False),  # one more at every change: what a phone compares
                       Column("created", DateTime(timezone=True), nullable=False),
                       Column("ended", DateTime(timezone=True)))


def _of_a_lecture() -> Column:
    return Column("lecture", String(CODE_LENGTH), ForeignKey("nnlab_lectures.code", ondelete="CASCADE"), nullable=False,
                  index=True)


lecture_steps_table = Table("nnlab_lecture_steps", metadata,
                            _of_a_lecture(),
                            Column("step", Integer, nullable=False),
                            Column("challenge", String(CODE_LENGTH), nullable=False),  # its poll's and entries' home
                            Column("poll", Integer),
                            UniqueConstraint("lecture", "step"))
members_table = Table("nnlab_members", metadata,
                      _of_a_lecture(),
                      Column("member", String(MAX_VOTER), nullable=False),  # the session's opaque id, as it votes
                      Column("nickname", String(MAX_NICKNAME), nullable=False),  # "" unless the student gave one
                      Column("step", Integer, nullable=False),  # the last step it arrived at
                      Column("joined", DateTime(timezone=True), nullable=False),
                      UniqueConstraint("lecture", "member"))
activity_table = Table("nnlab_activity", metadata,
                       _of_a_lecture(),
                       Column("member", String(MAX_VOTER), nullable=False),
                       Column("step", Integer, nullable=False),
                       Column("what", String(8), nullable=False),  # "arrived" or "trained"
                       Column("created", DateTime(timezone=True), nullable=False),
                       UniqueConstraint("lecture", "member", "step", "what"))


def plain_text(text: str, limit: int, what: str) -> str:
    """`text` trimmed, checked for length and for control characters; a ClassError naming `what`."""
    text = str(text).strip()
    if not 1 <= len(text) <= limit:
        raise ClassError(msg("A {what} is 1 to {limit} characters; this one has {count}.", what=what, limit=limit,
                             count=len(text)))
    if any(unicodedata.category(character).startswith("C") for character in text):
        raise ClassError(msg("A {what} cannot contain control characters (line breaks, tabs and the like).", what=what))
    return text


def scores_for(data: Data) -> list[str]:
    """The scores this data defines, the usual one first: test rows before train rows, accuracy
    where every target is a class, else loss."""
    splits = ["test", "train"] if data.has_test else ["train"]
    return [f"{split}_{metric}" for split in splits for metric in (["acc"] if data.hard_labels else []) + ["loss"]]


def new_code() -> str:
    """A join code to try (a table's primary key refuses one already taken)."""
    return "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))


def key_hash(key: str) -> str:
    """What the database keeps of an instructor's key."""
    return hashlib.sha256(key.encode()).hexdigest()
