"""What a class challenge lets students change, its limits and its score: the rules that
nnlab.classroom.challenges checks every entry against, and that a lecture's step (nnlab.classroom.lectures) declares."""

from __future__ import annotations

import math
from dataclasses import dataclass

from nnlab.classroom.classdb import SCORES, plain_text, scores_for
from nnlab.data import drawing
from nnlab.data.datasets import Data, load_data
from nnlab.errors import ClassError
from nnlab.experiment import MAX_EPOCHS, MAX_UNITS, Experiment
from nnlab.i18n import N_, msg
from nnlab.links import CONTROLS
from nnlab.study import by_hand

MAX_TITLE = 60
# What students may be let change: the model and training groups, or single controls in them.
FREE_CHOICES = ("model", "training") + tuple(name for name, (group, _, _) in CONTROLS.items()
                                             if group in ("model", "training"))


@dataclass(frozen=True)
class Rules:
    """What a challenge lets students change, its limits, and how entries are scored. The data is
    always the challenge's own: scores on other data would not compare."""

    free: tuple[str, ...] = ("model", "training")  # groups or controls of FREE_CHOICES
    max_units: int = MAX_UNITS  # in any hidden layer
    max_epochs: int = MAX_EPOCHS
    score: str = ""  # a SCORES name; "" takes the data's first of them
    title: str = ""  # shown above the leaderboard
    # Fit by hand: an entry is the weights set on Be the optimizer, scored untrained (their training
    # loss); nothing else may change. `goal`: the loss to get below, said with each entry (0: none).
    by_hand: bool = False
    goal: float = 0.0
    # A shared drawing: students add points of classes to one drawing (nnlab.classroom.drawings), at
    # most `points_each` a phone (a browser session); the projector trains on it. No entries, no score.
    drawing: bool = False
    points_each: int = 20

    def __post_init__(self):
        object.__setattr__(self, "free", tuple(self.free))
        unknown = [name for name in self.free if name not in FREE_CHOICES]
        if unknown:
            raise ClassError(msg("A challenge can free {value}; not {value2}.", value=', '.join(FREE_CHOICES),
                                 value2=', '.join(unknown)))
        if not (isinstance(self.max_units, int) and 1 <= self.max_units <= MAX_UNITS):
            raise ClassError(msg("The most units a layer may have must be 1 to {max_units}; got {max_units2}.",
                                 max_units=MAX_UNITS, max_units2=self.max_units))
        if not (isinstance(self.max_epochs, int) and 1 <= self.max_epochs <= MAX_EPOCHS):
            raise ClassError(msg("The most epochs must be 1 to {max_epochs:,}; got {max_epochs2}.", max_epochs=MAX_EPOCHS,
                                 max_epochs2=self.max_epochs))
        if self.score and self.score not in SCORES:
            raise ClassError(msg("Unknown score {score!r}; choose one of {value}.", score=self.score, value=', '.join(SCORES)))
        if self.title:
            object.__setattr__(self, "title", plain_text(self.title, MAX_TITLE, "title"))
        if not (isinstance(self.goal, (int, float)) and math.isfinite(self.goal) and self.goal >= 0):
            raise ClassError(msg("A challenge's goal is a loss of 0 or more; got {goal}.", goal=self.goal))
        if not (isinstance(self.points_each, int) and 1 <= self.points_each <= drawing.MAX_POINTS):
            raise ClassError(msg("Each student may add 1 to {most} points; got {points_each}.", most=drawing.MAX_POINTS,
                                 points_each=self.points_each))
        if self.drawing and self.by_hand:
            raise ClassError(N_("A challenge is a shared drawing or a fit by hand, not both."))
        if self.by_hand:  # the weights alone are the student's; the score is theirs untrained
            if self.score not in ("", "train_loss"):
                raise ClassError(N_("A challenge to fit by hand is scored on the training loss: no training, no test."))
            object.__setattr__(self, "free", ())
            object.__setattr__(self, "score", "train_loss")

    def fits(self, exp: Experiment, data: Data | None = None) -> None:
        """Refuse (ClassError) rules that `exp`, the challenge's own settings, would break: its widest
        layer or its epochs beyond the limits, or a score its data (`data`, loaded if not given) does not
        have."""
        widest = max(exp.model.hidden, default=0)
        if widest > self.max_units:
            raise ClassError(msg("The most units a layer may have ({max_units}) is below the challenge's own settings' "
                                 "{widest}.", max_units=self.max_units, widest=widest))
        if exp.training.epochs > self.max_epochs:
            raise ClassError(msg("The most epochs ({max_epochs:,}) is below the challenge's own settings' {epochs:,}.",
                                 max_epochs=self.max_epochs, epochs=exp.training.epochs))
        data = load_data(exp) if data is None else data
        if self.by_hand and (reason := by_hand.unfit(exp, data)):
            raise ClassError(msg("A challenge to fit by hand needs a network Be the optimizer shows: {reason}",
                                 reason=reason))
        available = scores_for(data)
        if self.score and self.score not in available:
            raise ClassError(msg("This data has no {value}; choose {value2}.", value=SCORES[self.score][0],
                                 value2=' or '.join(SCORES[name][0] for name in available)))

    def allows(self, part: str, name: str) -> bool:
        """Whether students may change the setting `part.name` (part "" is the Experiment itself)."""
        if self.by_hand:
            return (part, name) == ("model", "start")
        return any((part, name) in fields and (control in self.free or group in self.free)
                   for control, (group, _, fields) in CONTROLS.items())


def choice_label(name: str) -> str:
    """What one of FREE_CHOICES is called in a sentence."""
    return {"model": N_("model settings"), "training": N_("training settings")}.get(name) or CONTROLS[name][1]
