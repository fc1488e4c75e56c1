"""Sidebar control groups. Each draws its widgets, seeded from the Experiment, and returns the
Experiment they describe; `apply` validates it and keeps the old one if a value is refused."""

from __future__ import annotations

import streamlit as st

from nnlab.choices import ACTIVATIONS, CROSSES, DATASETS, INITIALIZERS, LOSSES, OPTIMIZERS, SCHEDULES
from nnlab.errors import NnlabError
from nnlab.experiment import MAX_EPOCHS, MAX_HIDDEN_LAYERS, MAX_UNITS, Experiment
from nnlab.training import LOSSES_FOR_TASK, estimate_seconds, fit_loss_to_task
from nnlab.ui import state
from nnlab.ui.server import data_for

LEARNING_RATES = [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
BATCH_SIZES = [0, 1, 4, 8, 16, 32, 64, 128, 256]  # 0 stands for the full batch: a widget reads None as "nothing chosen"
PENALTIES = [0.0, 0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]  # L2 and L1, as TF Playground offers


def label(table: dict):
    """A select widget's format_func: a choice's label from its nnlab.choices table."""
    return lambda name: table[name].label


def apply(old: Experiment, build) -> Experiment:
    """Build the new experiment from widget values; on a refused value show why and keep `old`."""
    try:
        new = build()
    except NnlabError as error:
        st.sidebar.error(str(error))
        return old
    if new != old:
        state.update(new)
    return new


def control(widget, name: str, group: str, label: str, *args, value, **kwargs):
    """Draw one sidebar widget seeded with `value`, unless the instructor's link hides it (then
    `value` stands) or locks it (then it is drawn disabled)."""
    room = state.classroom()
    if room.hidden(name, group):
        return value
    locked = room.locked(name, group)
    kwargs["disabled"] = kwargs.get("disabled", False) or locked
    if locked:
        kwargs["help"] = "Locked by the instructor's link."
    return widget(label, *args, key=state.seeded(name, value), **kwargs)


def header(group: str, title: str) -> None:
    if not state.classroom().hidden(group, group):
        st.sidebar.header(title)


def data_controls(exp: Experiment) -> Experiment:
    spec = exp.data
    bar = st.sidebar
    names = [name for name in DATASETS if name != "csv" or spec.name == "csv"]
    header("data", "Data")
    name = control(bar.selectbox, "dataset", "data", "Dataset", names, value=spec.name,
                   format_func=lambda n: DATASETS[n].label)
    plane = DATASETS[name].group == "2-D"  # noise and the number of points mean something only there
    noise = control(bar.slider, "noise", "data", "Noise", 0.0, 2.0, step=0.05, value=spec.noise,
                    help="Standard deviation of the jitter added to 2-D points.") if plane else spec.noise
    points = control(bar.slider, "points", "data", "Points", 50, 2000, step=50, value=spec.n_points) if plane else spec.n_points
    fraction = control(bar.slider, "fraction", "data", "Train fraction", 0.1, 1.0, step=0.05, value=spec.train_fraction,
                       help="1.0 trains on every point, as the 1-D tutorials do; below 1.0 the rest is a test set.")
    crosses = control(bar.pills, "crosses", "data", "Extra input features", list(CROSSES), selection_mode="multi",
                      format_func=lambda name: CROSSES[name].label,
                      value=list(spec.crosses),
                      help="Feed the network products and sines of x1 and x2 besides the points themselves, "
                           "as TensorFlow Playground does.") if plane else []
    seed = seed_control(exp, "data")
    return apply(exp, lambda: exp.replace(
        data={"name": name, "noise": float(noise), "n_points": int(points), "train_fraction": float(fraction),
              "crosses": tuple(crosses)}, seed=seed))


def seed_control(exp: Experiment, group: str) -> int:
    """The seed, on the Data explorer and on Train. A widget key of its own on each page: one key on
    two pages is a stale widget to Streamlit after a page switch, and reset to 0."""
    return int(control(st.sidebar.number_input, f"seed_{group}", group, "Seed", 0, 2**31 - 1, step=1, value=exp.seed,
                       help="Fixes the initial weights, the data split and the shuffling."))


def model_controls(exp: Experiment) -> Experiment:
    spec = exp.model
    header("model", "Model")
    layers = control(st.sidebar.slider, "layers", "model", "Hidden layers", 0, MAX_HIDDEN_LAYERS, value=len(spec.hidden))
    hidden, activations = [], []
    bar = st.sidebar
    for i in range(layers):
        nearest = min(i, len(spec.hidden) - 1)  # a new layer starts as a copy of the last one
        previous = (spec.hidden[nearest], spec.activations[nearest]) if spec.hidden else (8, "relu")
        units_column, activation_column = st.sidebar.columns([2, 3])
        hidden.append(int(control(units_column.number_input, f"units_{i}", "model", f"Layer {i + 1} units", 1, MAX_UNITS,
                                  step=1, value=previous[0])))
        activations.append(control(activation_column.selectbox, f"activation_{i}", "model", f"Layer {i + 1} activation",
                                   list(ACTIVATIONS), value=previous[1], format_func=label(ACTIVATIONS)))
    init = control(bar.selectbox, "init", "model", "Initial weights", list(INITIALIZERS), value=spec.init,
                   format_func=label(INITIALIZERS), help=" ".join(f"**{c.label}**: {c.help}" for c in INITIALIZERS.values()))
    dropout = control(bar.slider, "dropout", "model", "Dropout", 0.0, 0.9, step=0.05,
                      value=float(spec.dropout[0]) if spec.dropout else 0.0,
                      help="The share of each hidden layer's outputs set to zero at each training step "
                           "(not when measuring): the network cannot lean on any one unit.") if layers else 0.0
    dropout = spec.dropout if spec.dropout and dropout == spec.dropout[0] and len(spec.dropout) == layers else (dropout,) * layers
    return apply(exp, lambda: exp.replace(model={"hidden": tuple(hidden), "activations": tuple(activations),
                                                 "init": init, "dropout": dropout}))


def training_controls(exp: Experiment, task: str) -> Experiment:
    spec = exp.training
    bar = st.sidebar
    header("training", "Training")
    optimizer = control(bar.selectbox, "optimizer", "training", "Optimizer", list(OPTIMIZERS), value=spec.optimizer,
                        format_func=label(OPTIMIZERS))
    rates = sorted(set(LEARNING_RATES) | {spec.learning_rate})
    rate = control(bar.select_slider, "rate", "training", "Learning rate", rates, value=spec.learning_rate)
    schedule = control(bar.selectbox, "schedule", "training", "Learning-rate schedule", list(SCHEDULES),
                       value=spec.schedule, format_func=label(SCHEDULES),
                       help=" ".join(f"**{c.label}**: {c.help}" for c in SCHEDULES.values()))
    l2_column, l1_column = bar.columns(2)
    l2 = control(l2_column.select_slider, "l2", "training", "L2", sorted(set(PENALTIES) | {spec.l2}), value=spec.l2,
                 format_func=_penalty, help="Adds L2 × ½ × the sum of squared weights to the loss: big weights cost more.")
    l1 = control(l1_column.select_slider, "l1", "training", "L1", sorted(set(PENALTIES) | {spec.l1}), value=spec.l1,
                 format_func=_penalty, help="Adds L1 × the sum of absolute weights to the loss: pushes unneeded weights to 0.")
    losses = list(LOSSES_FOR_TASK[task])
    loss = control(bar.selectbox, "loss", "training", "Loss", losses, value=spec.loss if spec.loss in losses else losses[0],
                   format_func=label(LOSSES))
    epochs = control(bar.number_input, "epochs", "training", "Epochs", 1, MAX_EPOCHS, step=100, value=spec.epochs)
    current_batch = spec.batch_size or 0
    sizes = BATCH_SIZES if current_batch in BATCH_SIZES else sorted(BATCH_SIZES + [current_batch])
    batch = control(bar.selectbox, "batch", "training", "Batch size", sizes, value=current_batch,
                    format_func=lambda b: "Full batch" if b == 0 else str(b))
    shuffle = control(bar.checkbox, "shuffle", "training", "Shuffle each epoch", value=spec.shuffle)
    seed = seed_control(exp, "training")
    return apply(exp, lambda: exp.replace(
        training={"optimizer": optimizer, "learning_rate": float(rate), "schedule": schedule, "l2": float(l2),
                  "l1": float(l1), "loss": loss, "epochs": int(epochs), "batch_size": batch or None,
                  "shuffle": bool(shuffle)}, seed=seed))


def _penalty(value: float) -> str:
    return "off" if value == 0 else f"{value:g}"


def with_data(exp: Experiment):
    """Load the experiment's data; if its loss does not suit the data's task, switch to one that does."""
    data = data_for(exp)
    fitted = fit_loss_to_task(exp, data.task)
    if fitted != exp:
        st.info(f"This dataset is a {data.task} task, so the loss is now {LOSSES[fitted.training.loss].label}.")
        state.update(fitted)
        st.session_state.pop("w_loss", None)
    return fitted, data


MAX_SECONDS_PER_RUN = 120  # one click may keep this shared server busy for at most this long


def within_budget(exps: list[Experiment], data, epochs: int) -> bool:
    """Show the estimated time of a run; refuse one that would tie up the server for minutes."""
    seconds = estimate_seconds(exps, data, epochs)
    if seconds > MAX_SECONDS_PER_RUN:
        st.error(f"This would take about {_duration(seconds)} on this server; one run may take at most "
                 f"{_duration(MAX_SECONDS_PER_RUN)}. Use fewer epochs, fewer points, a larger batch or "
                 f"smaller layers.")
        return False
    if seconds > 10:
        st.caption(f"Estimated time: about {_duration(seconds)}.")
    return True


def _duration(seconds: float) -> str:
    """Seconds as a person says them, precise enough that an estimate just over a limit reads over it."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes} min {rest:02d} s" if rest else f"{minutes} min"
    return f"{seconds / 3600:,.1f} hours"
