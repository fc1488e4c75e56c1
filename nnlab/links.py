"""A shareable link: an Experiment, and the classroom flags, as URL query parameters and back.

A link names its lesson and only the settings that differ from it (`?lesson=bump-twenty-neurons&lr=0.1`),
so it stays short and an instructor can write one by hand. Reading a link validates every value
and says which parameter is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from nnlab import lessons
from nnlab.errors import ConfigError
from nnlab.experiment import Experiment

DEFAULT_LESSON = "bump-twenty-neurons"


def _optional_int(text: str) -> int | None:
    return None if text in ("", "none", "full") else int(text)


def _words(text: str) -> tuple[str, ...]:
    return () if text == "none" else tuple(word for word in text.split(",") if word)


def _flag(text: str) -> bool:
    if text.lower() not in ("0", "1", "true", "false"):
        raise ValueError(text)
    return text.lower() in ("1", "true")


def _show_words(values) -> str:
    return ",".join(str(v) for v in values) or "none"  # a URL drops an empty value


def _show_optional(value) -> str:
    return "full" if value is None else str(value)


# parameter -> (part of the Experiment, field, read a URL value, write one)
PARAMS: dict[str, tuple[str, str, Callable, Callable]] = {
    "data": ("data", "name", str, str),
    "noise": ("data", "noise", float, repr),
    "points": ("data", "n_points", int, str),
    "fraction": ("data", "train_fraction", float, repr),
    "file": ("data", "source", str, str),
    "target": ("data", "target", str, str),
    "data_seed": ("data", "seed", _optional_int, lambda v: "none" if v is None else str(v)),
    "crosses": ("data", "crosses", _words, _show_words),
    "hidden": ("model", "hidden", lambda t: tuple(int(u) for u in _words(t)), _show_words),
    "act": ("model", "activations", _words, _show_words),
    "loss": ("training", "loss", str, str),
    "opt": ("training", "optimizer", str, str),
    "lr": ("training", "learning_rate", float, repr),
    "epochs": ("training", "epochs", int, str),
    "batch": ("training", "batch_size", _optional_int, _show_optional),
    "shuffle": ("training", "shuffle", _flag, lambda v: "1" if v else "0"),
    "snap": ("training", "snapshot_every", int, str),
    "seed": ("", "seed", int, str),
}
# Instructor mode names a control group or one control (a sidebar widget's name) to hide or lock.
CLASSROOM_GROUPS = ("lesson", "data", "upload", "model", "training", "compare")
# control -> (its group, what it is called in a sentence, the Experiment settings it changes)
CONTROLS: dict[str, tuple[str, str, tuple[tuple[str, str], ...]]] = {
    "dataset": ("data", "dataset", (("data", "name"),)),
    "noise": ("data", "noise", (("data", "noise"),)),
    "points": ("data", "number of points", (("data", "n_points"),)),
    "fraction": ("data", "train fraction", (("data", "train_fraction"),)),
    "crosses": ("data", "extra input features", (("data", "crosses"),)),
    "seed": ("training", "seed", (("", "seed"),)),
    "layers": ("model", "number of hidden layers", (("model", "hidden"), ("model", "activations"))),
    "units": ("model", "hidden units", (("model", "hidden"),)),
    "activation": ("model", "activations", (("model", "activations"),)),
    "optimizer": ("training", "optimizer", (("training", "optimizer"),)),
    "rate": ("training", "learning rate", (("training", "learning_rate"),)),
    "loss": ("training", "loss", (("training", "loss"),)),
    "epochs": ("training", "epochs", (("training", "epochs"),)),
    "batch": ("training", "batch size", (("training", "batch_size"),)),
    "shuffle": ("training", "shuffling", (("training", "shuffle"),)),
}
CLASSROOM_CONTROLS = tuple(CONTROLS)


@dataclass(frozen=True)
class Classroom:
    """Instructor mode: control groups or single controls (by their URL name) to hide or to lock;
    and whether a run already finished with the same settings shows at once (`show=results`) or
    only once this session presses Train, after the class has predicted."""

    hide: frozenset[str] = frozenset()
    lock: frozenset[str] = frozenset()
    show_results: bool = False

    def hidden(self, name: str, group: str) -> bool:
        return bool(_names(name, group) & self.hide)

    def locked(self, name: str, group: str) -> bool:
        return bool(_names(name, group) & self.lock)

    def to_query(self) -> dict[str, str]:
        query = {flag: ",".join(sorted(values)) for flag, values in (("hide", self.hide), ("lock", self.lock)) if values}
        return query | ({"show": "results"} if self.show_results else {})


def _names(name: str, group: str) -> set[str]:
    return {name, name.split("_")[0], group}  # "units_2" answers to "units" as well


def _value(exp: Experiment, part: str, name: str):
    return getattr(getattr(exp, part) if part else exp, name)


def to_query(exp: Experiment) -> dict[str, str]:
    """The experiment as query parameters: its lesson (the nearest one) and what differs from it."""
    base_id = lessons.matching(exp) or _nearest_lesson(exp)
    base = lessons.get(base_id)
    query = {"lesson": base_id}
    for param, (part, name, _, show) in PARAMS.items():
        value = _value(exp, part, name)
        if value != _value(base, part, name):
            query[param] = show(value)
    return query


def _nearest_lesson(exp: Experiment) -> str:
    """The lesson with most settings in common, so a link lists as few changes as possible."""
    def shared(lesson_id: str) -> int:
        base = lessons.get(lesson_id)
        return sum(_value(exp, part, name) == _value(base, part, name) for part, name, _, _ in PARAMS.values())
    return max(lessons.names(), key=shared)


def from_query(query: Mapping[str, str]) -> Experiment:
    """The experiment a link describes; a wrong or unknown value raises ConfigError naming it."""
    exp = lessons.get(query.get("lesson", DEFAULT_LESSON))
    changes: dict = {"data": {}, "model": {}, "training": {}}
    for param, text in query.items():
        if param not in PARAMS:
            continue  # lesson (read above), the classroom flags, or a parameter that is not ours
        part, name, parse, _ = PARAMS[param]
        try:
            value = parse(text)
        except ValueError:
            raise ConfigError(f"The link's value {param}={text!r} is not valid.") from None
        if part:
            changes[part][name] = value
        else:
            changes[name] = value
    if "hidden" in changes["model"] and "activations" not in changes["model"]:
        last = exp.model.activations[-1] if exp.model.activations else "relu"
        changes["model"]["activations"] = (last,) * len(changes["model"]["hidden"])
    return exp.replace(**changes)


def classroom_from_query(query: Mapping[str, str]) -> Classroom:
    """The hide=, lock= and show= flags; an unknown name raises ConfigError listing the known ones."""
    flags = {flag: frozenset(_words(query.get(flag, ""))) for flag in ("hide", "lock")}
    for flag, names in flags.items():
        unknown = sorted(names - set(CLASSROOM_GROUPS) - set(CLASSROOM_CONTROLS))
        if unknown:
            raise ConfigError(f"The link's {flag}= names {', '.join(map(repr, unknown))}, which is not a control; "
                              f"use {', '.join(CLASSROOM_GROUPS + CLASSROOM_CONTROLS)}.")
    show = query.get("show", "")
    if show not in ("", "results"):
        raise ConfigError(f"The link's show={show!r} is not known; use show=results.")
    return Classroom(flags["hide"], flags["lock"], show == "results")
