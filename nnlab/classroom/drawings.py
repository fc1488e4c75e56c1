"""A class's shared drawing: a challenge whose students each add points to one drawing of classes on
the plane, kept in the class database (nnlab.classroom.classdb's drawn points), which the projector
shows growing and trains on at the instructor's word.

Each tap is one row, named by its author's opaque session id and that author's own count of taps: a
tap sent twice (a rerun, a reconnect) is kept once. An author is a phone's browser session: a student
who reloads the page is a new author, with points of their own to add. A point is added in one transaction that takes
the challenge's row first (PostgreSQL locks it; SQLite's first write locks the file), so the limits,
per student and in all, hold however many phones tap at once, on however many app processes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from nnlab.classroom.classdb import MAX_VOTER, challenges_table, drawn_table, plain_text
from nnlab.classroom.rules import Rules
from nnlab.data import drawing
from nnlab.errors import ClassError
from nnlab.i18n import N_, msg


class Drawings:
    """Shared drawings on a Board (it provides `_transaction`, `_writer` and `_authorise`)."""

    def add_point(self, code: str, author: str, tap: int, x1: float, x2: float, label: int) -> int:
        """Add `author`'s tap number `tap`, a point of class `label` at (x1, x2), to the drawing of
        challenge `code`; how many points the author has in it now. A tap already kept is not added again."""
        author, code = plain_text(author, MAX_VOTER, "author id"), str(code).strip().upper()
        if isinstance(label, bool) or not (isinstance(label, int) and 0 <= label < drawing.MAX_CLASSES):
            raise ClassError(msg("A point's class is 0 to {last}.", last=drawing.MAX_CLASSES - 1))
        low, high = drawing.PLANE
        if not all(isinstance(value, (int, float)) and low <= value <= high for value in (x1, x2)):
            raise ClassError(msg("A point lies on the plane, from {low:g} to {high:g} on each axis.", low=low, high=high))
        try:
            with self._writer, self._transaction() as connection:
                row = connection.execute(select(challenges_table.c.rules, challenges_table.c.is_open)
                                         .where(challenges_table.c.code == code)
                                         .with_for_update()).one_or_none()  # PostgreSQL: one tap of this drawing at a time
                if row is None:
                    raise ClassError(msg("There is no challenge with the code {code!r}.", code=code))
                rules = Rules(**json.loads(row.rules))
                if not rules.drawing:
                    raise ClassError(N_("This challenge is not a shared drawing."))
                if not row.is_open:
                    raise ClassError(N_("The drawing is frozen: the instructor is not taking points now."))
                connection.execute(insert(drawn_table).values(
                    code=code, author=author, tap=int(tap), x1=drawing.level(x1, drawing.PLANE),
                    x2=drawing.level(x2, drawing.PLANE), label=label, created=datetime.now(UTC)))
                mine, total = _counts(connection, code, author)
                if mine > rules.points_each:  # raising undoes the insert
                    raise ClassError(msg("You have added {count} points, as many as each student may.",
                                         count=rules.points_each))
                if total > drawing.MAX_POINTS:
                    raise ClassError(msg("The drawing holds {count} points, as many as it takes.", count=drawing.MAX_POINTS))
        except IntegrityError:  # this tap is in already (sent again): kept once; or its challenge went meanwhile
            with self._transaction() as connection:
                kept = connection.execute(select(func.count()).select_from(drawn_table).where(
                    (drawn_table.c.code == code) & (drawn_table.c.author == author) & (drawn_table.c.tap == int(tap)))).scalar()
                if not kept:
                    raise ClassError(msg("There is no challenge with the code {code!r}.", code=code)) from None
                mine = _counts(connection, code, author)[0]
        return mine

    def drawn(self, code: str) -> drawing.Points:
        """The drawing as it stands: every point, in the order they came."""
        with self._transaction() as connection:
            rows = connection.execute(select(drawn_table.c.x1, drawn_table.c.x2, drawn_table.c.label)
                                      .where(drawn_table.c.code == str(code).strip().upper())
                                      .order_by(drawn_table.c.id)).all()
        return drawing.Points(tuple((row.x1, row.x2, row.label) for row in rows), False)

    def drawers(self, code: str) -> pd.DataFrame:
        """Who drew: each author (by opaque id) in the order they first drew (shown as "student N"), and
        their points."""
        with self._transaction() as connection:
            rows = connection.execute(select(drawn_table.c.author, func.count(), func.min(drawn_table.c.id))
                                      .where(drawn_table.c.code == str(code).strip().upper())
                                      .group_by(drawn_table.c.author).order_by(func.min(drawn_table.c.id))).all()
        return pd.DataFrame({"author": [row[0] for row in rows], "points": [int(row[1]) for row in rows]})

    def remove_points(self, code: str, key: str, author: str | None = None) -> int:
        """The instructor removes one author's points, or (author None) clears the drawing; how many went."""
        with self._transaction() as connection:
            code = self._authorise(connection, code, key)
            mine = drawn_table.c.code == code
            if author is not None:
                mine = mine & (drawn_table.c.author == author)
            return connection.execute(delete(drawn_table).where(mine)).rowcount


def points_table(points: drawing.Points) -> pd.DataFrame:
    """A drawing's points as a table to take home: x1, x2 and class, without who drew them."""
    x1, x2, labels = points.frame_columns()
    return pd.DataFrame({"x1": x1, "x2": x2, "class": labels}).round(6)  # the grid's values, not float noise


def _counts(connection, code: str, author: str) -> tuple[int, int]:
    """The author's points in the drawing, and all of its points."""
    mine, total = connection.execute(select(func.count().filter(drawn_table.c.author == author), func.count())
                                     .where(drawn_table.c.code == code)).one()
    return int(mine), int(total)
