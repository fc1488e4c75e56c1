"""What a run or a data set comes to in a sentence: why a run is not learning, how far its gradient
shrinks on its way back, a data set's summary and a run's settings in one line. Messages, so each
reads in the student's language on the page."""

from __future__ import annotations

import pandas as pd

from nnlab.choices import INITIALIZERS, OPTIMIZERS, SCHEDULES
from nnlab.data.datasets import Data
from nnlab.i18n import N_, Message, joined, msg
from nnlab.training.models import predict_proba
from nnlab.training.result import early_gradient_flow
from nnlab.training.trainer import TrainResult


def not_learning(result: TrainResult) -> Message | str:
    """A sentence naming what is wrong when a run has clearly not learned, else "": the loss ended
    far above its start, the network gives every row one class, or the loss has hardly moved."""
    history, exp, data = result.history, result.experiment, result.data
    if len(history) < 2:
        return ""
    first, last = history["train_loss"].iloc[0], history["train_loss"].iloc[-1]
    rate = exp.training.learning_rate
    if last > 2 * first:
        return msg("The loss ended far above where it started ({first:.3g} at epoch 1, {last:.3g} now): the steps "
                   "overshoot. Try a learning rate 10x smaller than {rate:g}.", first=first, last=last, rate=rate)
    moved = abs(first - last) / abs(first) if first else 1.0
    shrink = gradient_shrink(result)
    if shrink == float("inf") and moved < 0.1:
        return N_("The first layer's weights get no gradient at all (see the gradient flow): nothing flows back "
                  "through units that all start at zero or never switch on. Try other initial weights or activations.")
    if shrink >= VANISHED and moved < 0.1:
        times = float(f"{shrink:.1g}")  # one figure: 400,000x, not 422,126x
        return msg("The first layer's weight gradient is about {times:,.0f}x smaller than the output layer's (see the "
                   "gradient flow): it vanishes on its way back through the layers, so the early layers hardly learn. "
                   "Try ReLU, fewer layers, or Xavier or He initial weights.", times=times)
    if data.hard_labels:
        probability = predict_proba(result.model, data.x_train, exp, data.task)
        predicted = probability.argmax(dim=1) if data.task == "multiclass" else (probability > 0.5).long()
        if len(data.class_names) > 1 and len(set(predicted.tolist())) == 1:
            share = float((data.y_train.reshape(-1).long() == predicted[0]).float().mean())
            cause = (msg("a learning rate of {rate:g} has likely pushed the units into saturation: try 10x smaller",
                         rate=rate)
                     if rate >= 0.5 else N_("it may need more epochs, a larger learning rate, or a nonlinear activation"))
            return msg("The network answers '{answer}' for every row ({share:.0%} of them are): it has not learned to "
                       "tell the classes apart; {cause}.", answer=data.class_names[int(predicted[0])], share=share,
                       cause=cause)
    below = ""  # accuracy under what always answering the larger class would give
    if data.hard_labels and "train_acc" in history:
        larger = float(pd.Series(data.y_train.reshape(-1).tolist()).value_counts(normalize=True).iloc[0])
        if history["train_acc"].iloc[-1] < larger:
            below = msg(", and fewer rows are right than the {larger:.0%} that answering the larger class always gets",
                        larger=larger)
    if len(history) >= 100 and (moved < 0.01 or (below and moved < 0.1)):
        return msg("The loss has hardly moved in {epochs:,} epochs ({first:.4g} to {last:.4g}){below}: try a larger "
                   "learning rate than {rate:g}, or more epochs.", epochs=len(history), first=first, last=last,
                   below=below, rate=rate)
    return ""


VANISHED = 1000  # the output layer's gradient this many times the first layer's: it has vanished


def gradient_shrink(result: TrainResult) -> float:
    """How many times smaller the first Linear layer's mean |weight gradient| is than the output
    layer's, over the first tenth of the run; 1 for a network of one layer."""
    if result.gradient_flow.empty or result.gradient_flow["layer"].max() < 2:
        return 1.0
    early = early_gradient_flow(result.gradient_flow)
    return float(early.iloc[-1] / early.iloc[0]) if early.iloc[0] > 0 else float("inf")


TASKS = {"binary": N_("binary"), "multiclass": N_("multiclass"), "regression": N_("regression")}  # a data set's task


def data_summary(data: Data) -> Message:
    """A data set's size, features and target in a sentence."""
    classes = (msg(" with classes {names}", names=", ".join(data.class_names))
               if data.class_names and data.task == "multiclass" else "")
    # counts after a colon: "1 features" reads wrong, and the sentence holds in both languages for any number
    return msg("Training rows: **{train}**; test rows: **{test}**; features: **{features}**; a **{task}** target "
               "`{target}`{classes}.", train=len(data.x_train), test=len(data.x_test), features=data.n_features,
               task=TASKS[data.task], target=data.target_name, classes=classes)


def settings_line(exp) -> Message:
    """An experiment's model and training settings in one line, the defaults left out."""
    model, spec = exp.model, exp.training
    kinds = model.activations if len(set(model.activations)) > 1 else model.activations[:1]  # "sigmoid", not six
    layers = (msg("hidden {layers}", layers="-".join(map(str, model.hidden)) + " " + "/".join(kinds)) if model.hidden
              else N_("no hidden layer"))
    parts = [OPTIMIZERS[spec.optimizer].label, msg("learning rate {rate:g}", rate=spec.learning_rate),
             msg("`{loss}` loss", loss=spec.loss), msg("{epochs:,} epochs", epochs=spec.epochs),
             N_("full batch") if spec.batch_size is None else msg("batch {size}", size=spec.batch_size), layers]
    parts += [row.says if isinstance(value, bool) else msg("{setting} {value:g}", setting=row.says, value=value)
              for row, value in spec.optimizer_settings()]
    parts += [msg("{schedule} schedule", schedule=SCHEDULES[spec.schedule].label)] if spec.schedule != "constant" else []
    parts += [f"{name.upper()} {getattr(spec, name):g}" for name in ("l2", "l1") if getattr(spec, name)]
    parts += [msg("dropout {rates}", rates="/".join(f"{rate:g}" for rate in model.dropout))] if model.dropout else []
    parts += [msg("{init} initial weights", init=INITIALIZERS[model.init].label)] if model.init != "default" else []
    parts += [N_("starting weights set by hand or brought back")] if model.start else []
    return joined([*parts, msg("seed {seed}", seed=exp.seed)])
