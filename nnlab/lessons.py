"""The nine lessons: seven are the exact data, model, loss, optimizer and batch order of a tutorial; two go
beyond them (real handwritten digits, and a gradient that vanishes through six sigmoid layers)."""

from __future__ import annotations

from dataclasses import dataclass

from nnlab.errors import ConfigError
from nnlab.experiment import DataSpec, Experiment, ModelSpec, TrainSpec
from nnlab.i18n import N_, msg


@dataclass(frozen=True)
class ReadyPoll:
    """A lesson's question as a poll the instructor opens in one click (nnlab.classroom.polls): the class
    votes on a setting (the server trains each option) or a number (the server trains the run)."""

    question: str
    kind: str  # "setting" or "number"
    setting: str = ""  # a setting poll's setting, by its URL name
    options: tuple[str, ...] = ()  # its values, as a link writes them
    score: str = "test_acc"  # what decides it (nnlab.classroom.classdb.SCORES)


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    tutorial: str  # the tutorial it rebuilds; "" for a lesson of nnlab's own
    notice: str  # what to watch for, in our own words
    predict: str  # a question for the class before pressing Train
    experiment: Experiment
    poll: ReadyPoll | None = None

    @property
    def source(self) -> str:
        return msg("tutorial {number}", number=self.tutorial) if self.tutorial else N_("nnlab's own lesson")


def _bump(hidden: tuple[int, ...]) -> Experiment:
    return Experiment(
        data=DataSpec(name="bump"),
        model=ModelSpec(hidden=hidden, activations=("sigmoid",) * len(hidden)),
        training=TrainSpec(loss="bce", optimizer="adam", learning_rate=0.01, epochs=7000, batch_size=32,
                           snapshot_every=1000))


def _heart(hidden: tuple[int, ...], activations: tuple[str, ...]) -> Experiment:
    return Experiment(
        data=DataSpec(name="heart-failure", train_fraction=0.8),
        model=ModelSpec(hidden=hidden, activations=activations),
        training=TrainSpec(loss="bce_logits", optimizer="sgd", learning_rate=0.01, epochs=1000, batch_size=None,
                           snapshot_every=100),
        seed=42)


LESSONS = {lesson.id: lesson for lesson in (
    Lesson("step-two-neurons", N_("Two sigmoid neurons make a step"), N_("000 / 004"),
           N_("Each hidden sigmoid is a soft step. Two of them, weighted and added, make the staircase "
              "from 1 down to 0.5 down to 0. Watch the curve sharpen between epoch 1000 and 5000."),
           N_("Will two neurons be enough to draw two steps?"),
           Experiment(data=DataSpec(name="step"), model=ModelSpec(hidden=(2,), activations=("sigmoid",)),
                      training=TrainSpec(loss="bce", optimizer="sgd", learning_rate=0.01, epochs=5000, batch_size=1,
                                         snapshot_every=1000)),
           poll=ReadyPoll(N_("How close will two sigmoid neurons get to the staircase (train loss after 5,000 epochs)?"),
                          "number", score="train_loss")),
    Lesson("bump-twenty-neurons", N_("Twenty neurons draw two bumps"), "001",
           N_("Twenty soft steps can rise and fall several times. The centre bump is learned first; "
              "the outer bumps between 20 and 40 stay hard to fit."),
           N_("Which part of the data will the network get wrong longest?"),
           _bump((20,)),
           poll=ReadyPoll(N_("Which activation fits the two bumps best?"),
                          "setting", "activation", ("sigmoid", "tanh", "relu"), "train_loss")),
    Lesson("bump-two-layers", N_("A second hidden layer for the bumps"), N_("001 (suggested)"),
           N_("Ten plus ten neurons in two layers: fewer weights in the first layer, but the second "
              "layer can combine steps into bumps. Compare the fit of the outer bumps with the 20-neuron lesson."),
           N_("Will two small layers beat one wide layer on the outer bumps?"),
           _bump((10, 10)),
           poll=ReadyPoll(N_("One layer of 20 or two layers of 10: which fits the bumps better?"),
                          "setting", "units", ("20", "10,10"), "train_loss")),
    Lesson("simple-classifier", N_("A 64-128-10 classifier on random points"), "002",
           N_("The labels are random, so there is no pattern: the loss still falls because 128 ReLU "
              "units can memorise 32 points. Low training loss is not the same as learning."),
           N_("Can a network reach a low loss on labels that are pure noise?"),
           Experiment(data=DataSpec(name="random-classes"), model=ModelSpec(hidden=(128,), activations=("relu",)),
                      training=TrainSpec(loss="cross_entropy", optimizer="adam", learning_rate=0.01, epochs=10,
                                         batch_size=None, snapshot_every=1)),
           poll=ReadyPoll(N_("What train accuracy will 128 ReLU units reach on labels that are pure noise?"),
                          "number", score="train_acc")),
    Lesson("tabular-linear", N_("A linear network on heart-failure records"), "003",
           N_("Without an activation, stacked linear layers are one linear model. Watch train and test "
              "accuracy: both stop improving early."),
           N_("How far above the share of the larger class (68%) can a linear model go?"),
           _heart((5,), ("identity",)),
           poll=ReadyPoll(N_("What test accuracy will the linear network reach?"), "number")),
    Lesson("tabular-deeper-linear", N_("Deeper, still linear"), "003",
           N_("Two hidden layers of 20 and no activation: more weights, the same linear model. "
              "Depth alone does not help."),
           N_("Will more layers and more units raise test accuracy?"),
           _heart((20, 20), ("identity", "identity")),
           poll=ReadyPoll(N_("One layer of 5 or two layers of 20, all linear: which tests better?"),
                          "setting", "units", ("5", "20,20"))),
    Lesson("tabular-relu", N_("One ReLU changes the model"), "003",
           N_("Add ReLU after the hidden layer of the linear network: now it can bend. Compare the "
              "test accuracy curve with the linear lesson."),
           N_("Will one activation function do what extra layers could not?"),
           _heart((5,), ("relu",)),
           poll=ReadyPoll(N_("No activation or ReLU after the hidden layer: which tests better?"),
                          "setting", "activation", ("identity", "relu"))),
    Lesson("digits-classifier", N_("The 64-128-10 classifier on real handwriting"), N_("002, on real images"),
           N_("The random-points network (Adam at its usual 0.001) on 8x8 scans of handwritten digits: a real "
              "pattern, so test accuracy follows. Would you have read its wrong answers right?"),
           N_("Random labels gave a low train loss and nothing else. What will real images give on the test set?"),
           Experiment(data=DataSpec(name="digits", train_fraction=0.8), model=ModelSpec(hidden=(128,), activations=("relu",)),
                      training=TrainSpec(loss="cross_entropy", optimizer="adam", learning_rate=0.001, epochs=20,
                                         batch_size=64, snapshot_every=5)),
           poll=ReadyPoll(N_("What test accuracy will the network reach on handwritten digits?"), "number")),
    Lesson("vanishing-gradients", N_("Six sigmoid layers: the gradient fades on the way back"), "",
           N_("A sigmoid passes back at most a quarter of the gradient it gets, so six of them starve the first "
              "layer. Read the gradient flow below, then try ReLU."),
           N_("Six layers is more than the one that learns the circle easily. Will the deeper network learn it?"),
           Experiment(data=DataSpec(name="circle", noise=0.1, train_fraction=0.8),
                      model=ModelSpec(hidden=(8,) * 6, activations=("sigmoid",) * 6),
                      training=TrainSpec(loss="bce", optimizer="sgd", learning_rate=0.3, epochs=300, batch_size=10,
                                         snapshot_every=60)),
           poll=ReadyPoll(N_("Six sigmoid layers or six ReLU layers: which learns the circle?"),
                          "setting", "activation", ("sigmoid", "relu"))),
)}


@dataclass(frozen=True)
class Card:
    """What a page beyond the lessons is for: what to notice, and a question to answer before looking."""

    title: str
    notice: str
    predict: str


PAGE_CARDS = {
    "inside": Card(
        N_("One step, by hand"),
        N_("Forward, loss, backward, update: the four moves of every training step, with their numbers. "
           "Watch how small dL/dz gets where a sigmoid is flat."),
        N_("Before pressing Next: will the first step raise or lower the weight into the output, and which weight "
           "will move most?")),
    "hand": Card(
        N_("Be the optimizer"),
        N_("Set each weight yourself and watch the fit and the loss move. The arrows say which way one step of "
           "gradient descent would push each weight: follow them by hand, then let gradient descent take over."),
        N_("Before you touch a weight: which one will change the loss most?")),
    "race": Card(
        N_("Optimizers on a surface"),
        N_("One start, every optimizer, a surface whose shape you can see. SGD zigzags across steep walls; "
           "momentum overshoots; Adam and RMSprop size each direction's step by its own gradients."),
        N_("On the stretched bowl, which racer reaches the middle first, and which one zigzags?")),
    "draw": Card(
        N_("Draw a function"),
        N_("Each sigmoid unit is one soft step; the network adds them up. Draw any curve, train, and read each "
           "unit's share under the fit on Train. On the plane, put a point where the boundary is wrong and train again."),
        N_("How many hidden units will your curve need? Try 1, 2, 5 and 20.")),
}


def names() -> list[str]:
    return list(LESSONS)


def get(lesson_id: str) -> Experiment:
    return lesson(lesson_id).experiment


def lesson(lesson_id: str) -> Lesson:
    if lesson_id not in LESSONS:
        raise ConfigError(msg("Unknown lesson {lesson_id!r}; choose one of {value}.", lesson_id=lesson_id,
                              value=', '.join(LESSONS)))
    return LESSONS[lesson_id]


def matching(exp: Experiment) -> str | None:
    """The lesson an experiment is, unchanged, or None once a setting differs."""
    return next((lesson_id for lesson_id, item in LESSONS.items() if item.experiment == exp), None)
