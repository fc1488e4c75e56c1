"""Data a student draws: a curve on the line (knots the target passes through) or points on the
plane (each with its class or value), kept in the settings link as one short, versioned string.

Every coordinate is a whole number of grid steps (4,000 across its range), so a drawing
round-trips through the link exactly; two base64url characters hold one level, which a URL carries
unescaped. A curve: "c1" then 4 characters a knot (its x position, 0..200, and its value's level).
Points: "p1k" then 5 a point (x1, x2, class 0..4) or "p1v" then 6 a point (x1, x2, value).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnlab.errors import ConfigError
from nnlab.i18n import N_, msg

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
DIGIT = {character: value for value, character in enumerate(ALPHABET)}
STEPS = 4000  # grid steps across a range (two characters hold up to 4,095): 0 and 1 fall on a step
CURVE_X = (-1.0, 1.0)  # the line a curve is drawn on: its input's range
CURVE_POSITIONS = 200  # knots sit on 201 evenly spaced x positions
CURVE_Y = (-2.0, 2.0)  # a curve's values, and a point's regression value
PLANE = (-6.0, 6.0)  # both axes of the plane, as the other 2-D sets
MAX_KNOTS = 200
MAX_POINTS = 500
MAX_CLASSES = 5
CLASS_NAMES = [str(number) for number in range(MAX_CLASSES)]  # as a plane's legend names them
CURVE_SAMPLES = 101  # the drawn curve's training points: evenly spaced across the line


@dataclass(frozen=True)
class Curve:
    knots: tuple[tuple[int, int], ...]  # (x position 0..CURVE_POSITIONS, value level), by position

    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        positions, levels = np.array(self.knots, dtype=np.int64).reshape(-1, 2).T
        return _value(positions, CURVE_X, CURVE_POSITIONS), _value(levels, CURVE_Y)


@dataclass(frozen=True)
class Points:
    points: tuple[tuple[int, int, int], ...]  # (x1 level, x2 level, class or value level), in drawing order
    values: bool  # regression values, else classes

    def frame_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x1, x2, third = np.array(self.points, dtype=np.int64).reshape(-1, 3).T
        return _value(x1, PLANE), _value(x2, PLANE), _value(third, CURVE_Y) if self.values else third


def _value(levels: np.ndarray, span: tuple[float, float], steps: int = STEPS) -> np.ndarray:
    low, high = span
    return low + (high - low) * levels / steps


def level(value: float, span: tuple[float, float], steps: int = STEPS) -> int:
    """The grid step nearest `value` (clipped to the span)."""
    low, high = span
    return int(min(steps, max(0, round((value - low) / (high - low) * steps))))


def _chars(value: int) -> str:
    return ALPHABET[value // 64] + ALPHABET[value % 64]


def encode(drawing: Curve | Points) -> str:
    if isinstance(drawing, Curve):
        return "c1" + "".join(_chars(x) + _chars(y) for x, y in drawing.knots)
    if drawing.values:
        return "p1v" + "".join(_chars(a) + _chars(b) + _chars(c) for a, b, c in drawing.points)
    return "p1k" + "".join(_chars(a) + _chars(b) + ALPHABET[c] for a, b, c in drawing.points)


def decode(text: str) -> Curve | Points:
    """A drawing from the link, or ConfigError saying what is wrong with it."""
    if not isinstance(text, str):
        raise ConfigError(N_("A drawing is text."))
    kind = text[:3] if text.startswith("p1") else text[:2]
    body = text[len(kind):]
    if any(character not in DIGIT for character in body):
        raise ConfigError(N_("The drawing in this link is damaged (it holds characters a drawing never has)."))
    if kind == "c1":
        if len(body) % 4:
            raise ConfigError(N_("The curve in this link is cut short; draw it again."))
        knots = [(_number(body[i:i + 2]), _number(body[i + 2:i + 4])) for i in range(0, len(body), 4)]
        _check(len(knots) <= MAX_KNOTS, msg("A drawn curve has at most {max_knots} knots; this link has {count}.",
                                            max_knots=MAX_KNOTS, count=len(knots)))
        _check(all(x <= CURVE_POSITIONS and y <= STEPS for x, y in knots),
               N_("The curve in this link has a knot beyond the line's end."))
        positions = [x for x, _ in knots]
        _check(positions == sorted(set(positions)), N_("The curve in this link has its knots out of order or twice."))
        return Curve(tuple(knots))
    if kind in ("p1k", "p1v"):
        values = kind == "p1v"
        size = 6 if values else 5
        if len(body) % size:
            raise ConfigError(N_("The points in this link are cut short; draw them again."))
        points = [(_number(body[i:i + 2]), _number(body[i + 2:i + 4]),
                   _number(body[i + 4:i + 6]) if values else DIGIT[body[i + 4]]) for i in range(0, len(body), size)]
        _check(len(points) <= MAX_POINTS, msg("A drawing has at most {max_points} points; this link has {count}.",
                                              max_points=MAX_POINTS, count=len(points)))
        _check(all(a <= STEPS and b <= STEPS for a, b, _ in points), N_("The points in this link lie off the plane."))
        _check(all(label <= STEPS if values else label < MAX_CLASSES for *_, label in points),
               msg("A drawing has at most {max_classes} classes, and values from {curve_y:g} to {curve_y2:g}.",
                   max_classes=MAX_CLASSES, curve_y=CURVE_Y[0], curve_y2=CURVE_Y[1]))
        return Points(tuple(points), values)
    raise ConfigError(N_("This link's drawing is of a kind nnlab does not know (it may come from a newer nnlab)."))


def of(name: str, text: str) -> Curve | Points:
    """Data set `name`'s drawing from its link text; an empty curve or an empty plane of classes where there is none."""
    if text:
        return decode(text)
    return Curve(()) if name == "drawn_curve" else Points((), False)


def _number(two: str) -> int:
    return DIGIT[two[0]] * 64 + DIGIT[two[1]]


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


# --- what a student does to a drawing -----------------------------------------------------------

def set_knot(curve: Curve, x: float, y: float) -> Curve:
    """The curve through (x, y) as well: a knot at the nearest position, replacing one there."""
    position = level(x, CURVE_X, CURVE_POSITIONS)
    knots = {at: value for at, value in curve.knots}
    if position not in knots and len(knots) >= MAX_KNOTS:
        raise ConfigError(msg("A drawn curve has at most {max_knots} knots.", max_knots=MAX_KNOTS))
    knots[position] = level(y, CURVE_Y)
    return Curve(tuple(sorted(knots.items())))


def smoothed(curve: Curve, passes: int = 1) -> Curve:
    """Each knot moved halfway to the mean of its neighbours, `passes` times (the ends stay)."""
    knots = list(curve.knots)
    for _ in range(passes):
        knots = [knots[0], *((x, round(0.5 * y + 0.25 * (before + after)))
                             for (_, before), (x, y), (_, after) in zip(knots, knots[1:], knots[2:], strict=False)),
                 *knots[-1:]] if len(knots) > 2 else knots
    return Curve(tuple(knots))


def add_or_erase(points: Points, x1: float, x2: float, label: float, near: float = 0.4) -> Points:
    """A tap: erase the nearest point within `near`, else add one there with `label` (a class, or a value)."""
    kept = list(points.points)
    if kept:
        xs, ys, _ = points.frame_columns()
        gaps = np.hypot(xs - x1, ys - x2)
        nearest = int(np.argmin(gaps))
        if gaps[nearest] <= near:
            del kept[nearest]
            return Points(tuple(kept), points.values)
    if len(kept) >= MAX_POINTS:
        raise ConfigError(msg("A drawing has at most {max_points} points; tap one to erase it first.", max_points=MAX_POINTS))
    third = level(label, CURVE_Y) if points.values else int(label)
    return Points((*kept, (level(x1, PLANE), level(x2, PLANE), third)), points.values)


# --- presets ------------------------------------------------------------------------------------

def _curve_of(function, every: int = 2) -> Curve:
    positions = np.arange(0, CURVE_POSITIONS + 1, every)
    xs = _value(positions, CURVE_X, CURVE_POSITIONS)
    return Curve(tuple((int(p), level(float(function(x)), CURVE_Y)) for p, x in zip(positions, xs, strict=True)))


CURVES = {
    # the tutorials' own shapes, their x squeezed onto the line: the step over -30..29, the bumps over -50..49
    "step": (N_("The step (tutorial 000)"), lambda x: 1.0 if x * 30 <= -10 else 0.5 if x * 30 < 10 else 0.0),
    "bump": (N_("Two bumps (tutorial 001)"), lambda x: float(abs(x * 50) < 20 or 30 < abs(x * 50) < 40)),
    "sine": (N_("A sine"), lambda x: math.sin(math.pi * x)),
    "abs": ("|x|", abs),
    "staircase": (N_("A staircase"), lambda x: min(3, math.floor((x + 1) * 2)) / 3),
}


def preset_curve(name: str) -> Curve:
    if name not in CURVES:
        raise ConfigError(msg("Unknown curve {name!r}; choose one of {value}.", name=name, value=', '.join(CURVES)))
    return _curve_of(CURVES[name][1])


def points_from(x1: np.ndarray, x2: np.ndarray, targets: np.ndarray, values: bool) -> Points:
    """Points of another set (its first MAX_POINTS), on the drawing's grid."""
    count = min(len(x1), MAX_POINTS)
    third = [level(float(t), CURVE_Y) if values else int(t) for t in targets[:count]]
    return Points(tuple((level(float(a), PLANE), level(float(b), PLANE), c)
                        for a, b, c in zip(x1[:count], x2[:count], third, strict=True)), values)
