"""One row per setting: what every layer needs to know about one field of an Experiment.

A row is declared as the field's own metadata in `nnlab.experiment` (`setting(default, ...)`), so a
new setting is one declaration: its URL name and the names earlier links used, how a link's text
parses and shows, its range (checked by validation and offered by the widget), the sidebar widget
drawn from it, which engines implement it, and, for an optimizer's hyperparameter, the optimizers
that read it and its keyword in `torch.optim`. `nnlab.experiment.SETTINGS` collects the rows.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Widget:
    """How the sidebar draws a setting (nnlab.ui.controls draws every row that has one)."""

    kind: str  # "select" (a drop-down), "steps" (a slider over `options`), "slider", "number", "check" or
    # "pills" (any of `options`, for a tuple of them)
    label: str
    help: str = ""
    options: tuple | dict = ()  # select / steps: the values offered (a choices table: its names, shown by label)
    step: float = 1  # slider / number: the step between values, over the row's range
    low: float | None = None  # a slider's own narrower range, where the row's is too wide to pick from
    high: float | None = None
    format: Callable | None = None  # a value as the widget shows it
    none_as: object = None  # the widget's value standing for None (a widget reads None as "nothing chosen")
    beside_next: bool = False  # drawn in one row with the next setting's widget


@dataclass(frozen=True, kw_only=True)
class Setting:
    """One setting of an Experiment, as links, validation, the sidebar, the engines and the
    exported script read it."""

    name: str  # its URL parameter, its sidebar control and its hide / lock flag
    group: str  # the sidebar group it is drawn in (a hide / lock flag too)
    says: str  # what it is called in a sentence
    part: str = ""  # "data", "model", "training", or "" for the Experiment itself: filled in when collected
    field: str = ""
    default: object = None
    parse: Callable = str  # a URL value -> the field's value; ValueError if it is not one
    show: Callable = str  # the field's value -> a URL value
    control: bool = True  # drawn in the sidebar; the others are set by a link or an upload alone
    widget: Widget | None = None  # drawn from this row; None with `control`: the sidebar draws it by hand
    old: tuple[str, ...] = ()  # the URL parameters earlier links used for it, still read
    low: float | None = None  # its range, checked for every Experiment (each value of a tuple; None passes where
    high: float | None = None  # it is the default) and offered by its widget
    unbounded: str = ""  # a number without a range: why it needs none (tests/test_experiment.py asks for one or the other)
    optimizers: tuple[str, ...] = ()  # an optimizer's hyperparameter: the optimizers that read it
    when: Callable[[dict], bool] | None = None  # its spec's values -> whether it means anything; where not,
    # the sidebar leaves it out and it takes its default
    torch_name: str = ""  # its keyword in those optimizers' torch.optim constructors; its default is theirs
    torch_index: int | None = None  # its place in that keyword's tuple (Adam's betas), if the keyword is one
    hyper: bool = False  # the compiled kernels read it per model, a column of their hyperparameter array
    not_compiled: str = ""  # why the compiled kernels lack it, if they do: a run that sets it trains on autograd

    def read_by(self, optimizer: str) -> bool:
        """Whether a run with this optimizer reads the setting (only an optimizer's hyperparameters may not)."""
        return not self.optimizers or optimizer in self.optimizers

    def means_something(self, values: dict) -> bool:
        """Whether the setting means anything beside its spec's other `values` (field -> value)."""
        return self.read_by(values.get("optimizer", "")) and (self.when is None or self.when(values))


def setting(default, **row) -> dataclasses.Field:
    """A spec's field whose metadata is its Setting row."""
    return dataclasses.field(default=default, metadata={"setting": Setting(default=default, **row)})


@functools.cache
def rows(spec: type, part: str) -> tuple[Setting, ...]:
    """The rows of a spec's fields, in their order, knowing their part and field."""
    return tuple(dataclasses.replace(f.metadata["setting"], part=part, field=f.name)
                 for f in dataclasses.fields(spec) if "setting" in f.metadata)


# --- a link's text and back -------------------------------------------------------------------

def optional_int(text: str) -> int | None:
    return None if text in ("", "none", "full") else int(text)


def words(text: str) -> tuple[str, ...]:
    return () if text == "none" else tuple(word for word in text.split(",") if word)


def ints(text: str) -> tuple[int, ...]:
    return tuple(int(word) for word in words(text))


def floats(text: str) -> tuple[float, ...]:
    return tuple(float(word) for word in words(text))


def flag(text: str) -> bool:
    if text.lower() not in ("0", "1", "true", "false"):
        raise ValueError(text)
    return text.lower() in ("1", "true")


def show_flag(value: bool) -> str:
    return "1" if value else "0"


def show_words(values) -> str:
    return ",".join(str(v) for v in values) or "none"  # a URL drops an empty value


def show_optional(value) -> str:
    return "full" if value is None else str(value)


def show_optional_seed(value) -> str:
    return "none" if value is None else str(value)
