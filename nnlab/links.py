"""A shareable link: an Experiment, and the classroom flags, as URL query parameters and back.

A link names its lesson and only the settings that differ from it (`?lesson=bump-twenty-neurons&rate=0.1`),
so it stays short and an instructor can write one by hand. Reading a link validates every value
and says which parameter is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nnlab import lessons
from nnlab.errors import ConfigError, NnlabError
from nnlab.experiment import SETTINGS, Experiment
from nnlab.i18n import N_, msg
from nnlab.settings import words

DEFAULT_LESSON = "bump-twenty-neurons"
OLD_NAMES = {old: setting.name for setting in SETTINGS.values() for old in setting.old}
BY_FIELD = {(setting.part, setting.field): setting for setting in SETTINGS.values()}  # (part, field) -> its Setting
# Instructor mode names a control group or one control (a sidebar widget's name) to hide or lock.
CLASSROOM_GROUPS = ("lesson", "data", "upload", "model", "training", "compare", "sweep")
# control -> (its group, what it is called in a sentence, the Experiment settings it changes): every
# setting drawn in the sidebar, and the number of layers, which sets the per-layer settings' lengths
CONTROLS: dict[str, tuple[str, str, tuple[tuple[str, str], ...]]] = {
    "layers": ("model", N_("number of hidden layers"), (("model", "hidden"), ("model", "activations"), ("model", "dropout"))),
    **{s.name: (s.group, s.says, ((s.part, s.field),)) for s in SETTINGS.values() if s.control},
}
CLASSROOM_CONTROLS = tuple(CONTROLS)


@dataclass(frozen=True)
class InstructorFlags:
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
    for setting in SETTINGS.values():
        value = _value(exp, setting.part, setting.field)
        if value != _value(base, setting.part, setting.field):
            query[setting.name] = setting.show(value)
    return query


def _nearest_lesson(exp: Experiment) -> str:
    """The lesson with most settings in common, so a link lists as few changes as possible."""
    def shared(lesson_id: str) -> int:
        base = lessons.get(lesson_id)
        return sum(_value(exp, s.part, s.field) == _value(base, s.part, s.field) for s in SETTINGS.values())
    return max(lessons.names(), key=shared)


def from_query(query: Mapping[str, str]) -> Experiment:
    """The experiment a link describes; a wrong or unknown value raises ConfigError naming it."""
    return with_settings(lessons.get(query.get("lesson", DEFAULT_LESSON)), query)


def from_link(query: Mapping[str, str]) -> tuple[Experiment, list[str]]:
    """The experiment a link describes, and what was wrong with it: a value that cannot be read
    (a damaged drawing, a typo) is left out with its message, and every other setting is kept. Where
    the values only fail together, the link's lesson alone."""
    try:
        return from_query(query), []
    except NnlabError:
        pass
    kept, problems = dict(query), []
    if query.get("lesson", DEFAULT_LESSON) not in lessons.LESSONS:
        problems.append(f"Unknown lesson {query['lesson']!r}; the default lesson's settings are the base.")
        kept.pop("lesson")
    context = {name: kept[name] for name in ("lesson",) if name in kept}  # what a value is read under: its lesson,
    givers = [name for row in (SETTINGS["dataset"], SETTINGS["optimizer"]) for name in (row.name, *row.old)]  # and these
    for name in sorted(kept, key=lambda name: givers.index(name) if name in givers else len(givers)):  # givers first
        if name in context:
            continue
        try:
            from_query({**context, name: kept[name]})
            if name in givers:  # noise means something on its dataset, β1 under its optimizer
                context[name] = kept[name]
        except NnlabError as error:
            kept.pop(name)
            problems.append(error.args[0])  # its Message: the page says it in the student's language
    try:
        return from_query(kept), problems
    except NnlabError as error:
        return lessons.get(kept.get("lesson", DEFAULT_LESSON)), [*problems, msg("{problem} Showing the lesson alone.",
                                                                                problem=error)]


def with_settings(exp: Experiment, query: Mapping[str, str]) -> Experiment:
    """`exp` with the settings `query` names, as a link writes them (other parameters are passed over)."""
    changes: dict = {"data": {}, "model": {}, "training": {}}
    for param, text in query.items():
        setting = SETTINGS.get(OLD_NAMES.get(param, param))
        if setting is None:
            continue  # lesson (read above), the classroom flags, or a parameter that is not ours
        try:
            value = setting.parse(text)
        except ValueError:
            raise ConfigError(msg("The link's value {param}={text!r} is not valid.", param=param, text=text)) from None
        if setting.part:
            changes[setting.part][setting.field] = value
        else:
            changes[setting.field] = value
    changes["model"] = per_layer(exp.model, changes["model"])
    return exp.replace(**changes)


def per_layer(model, changes: dict) -> dict:
    """`changes` to a ModelSpec, with the per-layer settings they leave out fitted to a new number
    of layers: a new layer takes the last layer's activation and dropout."""
    layers = len(changes.get("hidden", model.hidden))
    fitted = dict(changes)
    for name, empty in (("activations", "relu"), ("dropout", 0.0)):
        values = changes.get(name, getattr(model, name))
        if len(values) != layers and name not in changes and (values or name == "activations"):
            last = values[-1] if values else empty
            fitted[name] = (tuple(values) + (last,) * layers)[:layers]
    return fitted


def flags_from_query(query: Mapping[str, str]) -> InstructorFlags:
    """The hide=, lock= and show= flags; an unknown name raises ConfigError listing the known ones."""
    flags = {flag: frozenset(words(query.get(flag, ""))) for flag in ("hide", "lock")}
    for flag, names in flags.items():
        unknown = sorted(names - set(CLASSROOM_GROUPS) - set(CLASSROOM_CONTROLS))
        if unknown:
            raise ConfigError(msg("The link's {flag}= names {value}, which is not a control; use {value2}.", flag=flag,
                                  value=', '.join(map(repr, unknown)), value2=', '.join(CLASSROOM_GROUPS + CLASSROOM_CONTROLS)))
    show = query.get("show", "")
    if show not in ("", "results"):
        raise ConfigError(msg("The link's show={show!r} is not known; use show=results.", show=show))
    return InstructorFlags(flags["hide"], flags["lock"], show == "results")


if __name__ == "__main__":  # python -m nnlab.links: every parameter a link may carry
    for setting in SETTINGS.values():
        earlier = f" (earlier: {', '.join(setting.old)})" if setting.old else ""
        print(f"{setting.name:<12}{setting.says}{earlier}")
