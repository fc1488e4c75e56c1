"""What challenges (nnlab.classroom) and polls (nnlab.polls) share: the class database's tables,
the scores a run is judged by, and the one rule for text a student or instructor types in."""

from __future__ import annotations

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

from nnlab.datasets import Data
from nnlab.errors import ClassError
from nnlab.i18n import N_, msg

SCHEMA_VERSION = 2  # 2: polls and their votes
CODE_LENGTH = 5
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
