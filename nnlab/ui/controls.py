"""Sidebar control groups. Each draws its widgets, seeded from the Experiment, and returns the
Experiment they describe; `apply` validates it and keeps the old one if a value is refused."""

from __future__ import annotations

import dataclasses

import streamlit as st

from nnlab import settings
from nnlab.choices import ACTIVATIONS, DATASETS, LOSSES, LOSSES_FOR_TASK
from nnlab.errors import NnlabError
from nnlab.experiment import MAX_HIDDEN_LAYERS, MAX_UNITS, SETTINGS, Experiment
from nnlab.pictures import readouts
from nnlab.settings import Setting
from nnlab.training.trainer import estimate_seconds, fit_loss_to_task
from nnlab.ui import state
from nnlab.ui.services import data_for
from nnlab.ui.words import _, formatter


def label(table: dict):
    """A select widget's format_func: a choice's label from its nnlab.choices table."""
    return formatter(lambda name: table[name].label)


def apply(old: Experiment, build) -> Experiment:
    """Build the new experiment from widget values; on a refused value show why and keep `old`."""
    try:
        new = build()
    except NnlabError as error:
        st.sidebar.error(_(error))
        return old
    if new != old:
        state.update(new)
    return new


def control(widget, name: str, group: str, label: str, *args, value, **kwargs):
    """Draw one sidebar widget seeded with `value`, unless the instructor's link hides it (then
    `value` stands) or locks it (then it is drawn disabled)."""
    room = state.instructor_flags()
    if room.hidden(name, group):
        return value
    locked = room.locked(name, group)
    kwargs["disabled"] = kwargs.get("disabled", False) or locked
    if locked:
        kwargs["help"] = _("Locked by the instructor's link.")
    return widget(label, *args, key=state.seeded(name, value), **kwargs)


def header(group: str, title: str) -> None:
    if not state.instructor_flags().hidden(group, group):
        st.sidebar.header(title)


def data_controls(exp: Experiment) -> Experiment:
    header("data", _("Data"))
    names = [name for name in DATASETS if name != "csv" or exp.data.name == "csv"]  # a file comes by upload
    changes = row_controls(exp.data, "data", {"name": names})
    if changes["name"] != exp.data.name:
        changes["drawing"] = ""  # another set: a curve is no drawing of points, nor points of a curve
    seed = seed_control(exp, "data")
    inputs_kept = (changes["name"], tuple(changes.get("crosses", ()))) == (exp.data.name, exp.data.crosses)
    start = exp.model.start if inputs_kept else ""  # weights brought back fit the inputs they were trained on
    return apply(exp, lambda: exp.replace(data=changes, seed=seed, model={"start": start}))


def seed_control(exp: Experiment, group: str) -> int:
    """The seed, on the Data explorer and on Train. A widget key of its own on each page: one key on
    two pages is a stale widget to Streamlit after a page switch, and reset to 0."""
    row = SETTINGS["seed"]
    return int(control(st.sidebar.number_input, f"seed_{group}", group, _("Seed"), row.low, row.high, step=1, value=exp.seed,
                       help=_("Fixes the initial weights, the data split and the shuffling.")))


def model_controls(exp: Experiment) -> Experiment:
    spec = exp.model
    header("model", _("Model"))
    layers = control(st.sidebar.slider, "layers", "model", _("Hidden layers"), 0, MAX_HIDDEN_LAYERS, value=len(spec.hidden))
    hidden, activations = [], []
    bar = st.sidebar
    for i in range(layers):
        nearest = min(i, len(spec.hidden) - 1)  # a new layer starts as a copy of the last one
        previous = (spec.hidden[nearest], spec.activations[nearest]) if spec.hidden else (8, "relu")
        units_column, activation_column = st.sidebar.columns([2, 3])
        hidden.append(int(control(units_column.number_input, f"units_{i}", "model", _("Layer {layer} units", layer=i + 1), 1,
                                  MAX_UNITS,
                                  step=1, value=previous[0])))
        activations.append(control(activation_column.selectbox, f"activation_{i}", "model",
                                   _("Layer {layer} activation", layer=i + 1),
                                   list(ACTIVATIONS), value=previous[1], format_func=label(ACTIVATIONS)))
    init = row_controls(spec, "model", {})["init"]
    dropout = control(bar.slider, "dropout", "model", _("Dropout"), 0.0, 0.9, step=0.05,
                      value=float(spec.dropout[0]) if spec.dropout else 0.0,
                      help=_("The share of each hidden layer's outputs set to zero at each training step "
                             "(not when measuring): the network cannot lean on any one unit.")) if layers else 0.0
    dropout = spec.dropout if spec.dropout and dropout == spec.dropout[0] and len(spec.dropout) == layers else (dropout,) * layers
    start = exp.model.start if tuple(hidden) == spec.hidden else ""  # weights brought back fit their own widths
    return apply(exp, lambda: exp.replace(model={"hidden": tuple(hidden), "activations": tuple(activations),
                                                 "init": init, "dropout": dropout, "start": start}))


def training_controls(exp: Experiment, task: str) -> Experiment:
    header("training", _("Training"))
    changes = row_controls(exp.training, "training", {"loss": LOSSES_FOR_TASK[task]})
    seed = seed_control(exp, "training")
    return apply(exp, lambda: exp.replace(training=changes, seed=seed))


def row_controls(spec, part: str, offered: dict) -> dict:
    """Draw the widgets of a spec's settings from their rows, in their order; the values picked
    (field -> value). A setting that means nothing beside the values above it (SGD's momentum under
    Adam, noise on a table) is not drawn and goes back to its default. `offered`: field -> the
    options a widget offers here, where they depend on the page (the losses that fit the data)."""
    values, changes, pair = dataclasses.asdict(spec), {}, None
    for row in settings.rows(type(spec), part):
        if row.widget is None:
            continue
        if not row.means_something(values):
            changes[row.field] = values[row.field] = row.default
            continue
        if row.widget.beside_next or pair:  # two in a row: this one and the next
            pair = pair or list(st.sidebar.columns(2))
            place = pair.pop(0)
        else:
            place = st.sidebar
        changes[row.field] = values[row.field] = row_control(row, values[row.field], place, offered.get(row.field))
    return changes


def row_control(row: Setting, value, place, offered=None):
    """Draw a setting's widget from its row in `place` (the sidebar or one of its columns); the
    value the user picked, as the Experiment holds it."""
    widget = row.widget
    shown = widget.none_as if value is None and widget.none_as is not None else value
    kwargs = {"help": _(widget.help) if widget.help else None}
    if widget.kind in ("select", "steps"):
        table = widget.options if isinstance(widget.options, dict) else None
        values = list(offered or widget.options)
        if shown not in values:  # a link's value off the list is offered too
            values = values + [shown] if table is not None or not _numbers(values) else sorted(values + [shown])
        if table is not None:
            kwargs["format_func"] = label(table)
            kwargs["help"] = kwargs["help"] or " ".join(f"**{_(choice.label)}**: {_(choice.help)}" for choice in
                                                        table.values() if choice.help) or None
        elif widget.format:
            kwargs["format_func"] = formatter(widget.format)
        draw = place.selectbox if widget.kind == "select" else place.select_slider
        picked = control(draw, row.name, row.group, _(widget.label), values, value=shown, **kwargs)
    elif widget.kind == "check":
        picked = bool(control(place.checkbox, row.name, row.group, _(widget.label), value=bool(shown), **kwargs))
    elif widget.kind == "pills":
        picked = tuple(control(place.pills, row.name, row.group, _(widget.label), list(widget.options),
                               selection_mode="multi", format_func=label(widget.options), value=list(shown), **kwargs))
    else:  # a slider or a number box over the row's range, or the slider's own
        draw = place.slider if widget.kind == "slider" else place.number_input
        kind = type(row.default)
        low, high = (row.low, row.high) if widget.low is None else (widget.low, widget.high)
        picked = kind(control(draw, row.name, row.group, _(widget.label), kind(low), kind(high), step=kind(widget.step),
                              value=kind(shown), **kwargs))
    return None if widget.none_as is not None and picked == widget.none_as else picked


def _numbers(values: list) -> bool:
    return all(isinstance(value, (int, float)) for value in values)


def with_data(exp: Experiment):
    """Load the experiment's data; if its loss does not suit the data's task, or was fitted to another
    task on this page, switch to the task's usual loss."""
    data = data_for(exp)
    fitted = fit_loss_to_task(exp, data.task, state.previous_loss_task(data.task))
    if fitted != exp:
        st.info(_("This dataset is a {task} task, so the loss is now {loss}.", task=readouts.TASKS[data.task],
                  loss=LOSSES[fitted.training.loss].label))
        state.update(fitted)
        st.session_state.pop("w_loss", None)
    return fitted, data


MAX_SECONDS_PER_RUN = 120  # one click may keep this shared server busy for at most this long


def within_budget(exps: list[Experiment], data, epochs: int) -> bool:
    """Show the estimated time of a run; refuse one that would tie up the server for minutes."""
    seconds = estimate_seconds(exps, data, epochs)
    if seconds > MAX_SECONDS_PER_RUN:
        st.error(_("This would take about {duration} on this server; one run may take at most {limit}. Use fewer "
                   "epochs, fewer points, a larger batch or smaller layers.", duration=_duration(seconds),
                   limit=_duration(MAX_SECONDS_PER_RUN)))
        return False
    if seconds > 10:
        st.caption(_("Estimated time: about {duration}.", duration=_duration(seconds)))
    return True


def _duration(seconds: float) -> str:
    """Seconds as a person says them, precise enough that an estimate just over a limit reads over it."""
    if seconds < 90:
        return _("{seconds:.0f} s", seconds=seconds)
    if seconds < 3600:
        minutes, rest = divmod(round(seconds), 60)
        return _("{minutes} min {seconds:02d} s", minutes=minutes, seconds=rest) if rest else _("{minutes} min", minutes=minutes)
    return _("{hours:,.1f} hours", hours=seconds / 3600)
