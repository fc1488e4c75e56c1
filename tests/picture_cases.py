"""Every page's pictures beyond Train's results, each built as its page builds it (the same
functions, the same frames, the same words) and placed where the page places it: for
tests/test_browser_picture_layout.py, which draws them in Chromium at the real pages' widths.

The runs are trained once (`Runs.train`); a page's pictures are then made in the language of
nnlab.i18n.LANGUAGE, as a session's script makes them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import nnlab
from nnlab import i18n, lessons
from nnlab.choices import DATASETS
from nnlab.classroom.challenges import Board
from nnlab.classroom.classdb import SCORES, scores_for
from nnlab.classroom.rules import Rules
from nnlab.data import drawing
from nnlab.data.datasets import load_data
from nnlab.experiment import DRAWN, LEARNING_RATES
from nnlab.pictures import class_charts, data_charts, frames, gallery, many_runs_charts, run_charts, step_views, study_charts
from nnlab.study import surfaces
from nnlab.study.by_hand import one_step
from nnlab.training.comparison import compare_gradient_flow, compare_histories

# px: st.columns' gaps in Streamlit 1.67, its default ("small") and gap="large", as its CSS computes them
GAPS = {"small": 18, "large": 72}


@dataclass(frozen=True)
class Place:
    """Where a page draws a picture: column `index` of st.columns(weights, gap=gap), or the whole width."""

    weights: tuple[int, ...] = (1,)
    index: int = 0
    gap: str = "small"

    def width(self, whole: float, stacked: bool) -> float:
        """px, on a page whose content is `whole` px wide; `stacked` (a phone): one column a row, each
        the whole width. Streamlit gives a column its share less the gap, then shares the row's one
        spare gap out evenly (each column is `flex: 1 1 calc(share - gap)`)."""
        if stacked or len(self.weights) == 1:
            return whole
        gap = GAPS[self.gap]
        return self.weights[self.index] / sum(self.weights) * whole - gap + gap / len(self.weights)


WHOLE = Place()
LEFT, RIGHT = Place((3, 2), 0, "large"), Place((3, 2), 1, "large")  # Train's fit and loss; a board; Build model
HALVES = (Place((1, 1), 0, "large"), Place((1, 1), 1, "large"))  # Train's accuracy and gradient flow; Inside one step
PAIR = (Place((1, 1), 0), Place((1, 1), 1))  # st.columns(2): Compare's fits, the Data explorer's table
# Train's places (nnlab.ui.run_screen); below the inside, a lone accuracy or gradient flow takes the whole width
TRAIN_PLACES = {"fit": LEFT, "loss": RIGHT, "inside": WHOLE, "accuracy": HALVES[0], "gradient flow": HALVES[1],
                "loss surface": LEFT}


@dataclass(frozen=True)
class Shown:
    """One picture on a page: its name there, its filled spec, the width st.vega_lite_chart is given
    ("stretch", "content", or None: the spec's own) and its place."""

    name: str
    spec: dict
    width: str | None
    place: Place


def _(text, **values) -> str:
    """A page's `_` (nnlab.ui.words): the text in the language being drawn."""
    return i18n.translate(text, i18n.LANGUAGE.get(), **values)


# --- the runs, trained once ------------------------------------------------------------------

COMPARED = {"vanishing-gradients": 60, "bump-twenty-neurons": 300}  # lesson: epochs (cut, to stay fast)
COMPARE_SEEDS = 2
SWEPT = {"step-two-neurons": ([0.001, 0.003, 0.01, 0.03, 0.1, 0.3], [2, 5, 10, 20, 40]),  # the page's defaults
         "tabular-relu": (LEARNING_RATES[-8:], [1, 2, 4, 8, 16, 32, 64, 128])}  # the largest grid, 8 x 8
SWEEP_EPOCHS = 40
STEPPED = {"step-two-neurons": lessons.get("step-two-neurons"),  # the lesson, and the widest 2-D network that fits
           "circle 2-8-8-1": lessons.get("vanishing-gradients").replace(model={"hidden": (8, 8),
                                                                              "activations": ("tanh", "tanh")})}
BOARDS = ("tabular-relu", "step-two-neurons")  # a challenge scored by test accuracy, and one by train loss
STEP_PHASES = ("forward", "backward", "update")


@dataclass
class Runs:
    """What the pages' pictures are made from: comparisons (lesson -> CompareRuns), sweeps (lesson ->
    (score, runs)), steps (name -> (Step, features)), boards (lesson -> (Challenge, entries)) and polls."""

    compared: dict
    swept: dict
    steps: dict
    boards: dict
    polls: list

    @classmethod
    def train(cls, folder: Path) -> Runs:
        """Everything the pages draw, trained or counted once; the class's database in `folder`."""
        compared = {lesson: nnlab.compare(lessons.get(lesson), ("sigmoid", "tanh", "relu", "identity"),
                                          range(COMPARE_SEEDS), epochs=epochs) for lesson, epochs in COMPARED.items()}
        swept = {}
        for lesson, (rates, widths) in SWEPT.items():
            exp = lessons.get(lesson)
            score = scores_for(load_data(exp))[0]  # the page's "Colour by" at first
            swept[lesson] = (score, nnlab.sweep(exp, rates, widths, range(1), epochs=SWEEP_EPOCHS))
        steps = {name: (one_step(exp), load_data(exp).feature_names) for name, exp in STEPPED.items()}
        board = Board(f"sqlite:///{folder / 'class.sqlite3'}")
        boards, polls = {}, []
        for lesson in BOARDS:
            made = board.create(lessons.get(lesson), Rules(free=("model", "training")))
            for number, (rate, units) in enumerate((r, u) for r in (0.003, 0.03, 0.3) for u in (2, 5, 16)):
                exp = made.experiment.replace(training={"learning_rate": rate, "epochs": 200}, model={"hidden": (units,)})
                board.submit(made.code, f"student{number}", exp)
            boards[lesson] = (board.challenge(made.code), board.entries(made.code))
            polls.append(_two_rounds(board, made))
        return cls(compared, swept, steps, boards, polls)


def _two_rounds(board: Board, made) -> tuple[dict, str | None, str]:
    """A poll voted on twice (a choice poll on the first board, with an option as long as one may be,
    revealed; a number poll on the other): its tallies of each round, its answer, its kind."""
    if made.rules.score.endswith("acc"):
        options = ["sigmoid", "ReLU", "no activation at all (identity)", "it depends on the learning rate and seed"]
        poll = board.ask(made.code, made.key, "Which activation tests best?", options, mark=options[1])
    else:
        poll = board.ask(made.code, made.key, "What train loss will it reach?", kind="number", low=0.0, high=0.5)
        options = [0.04, 0.12, 0.31, 0.45]
    for round_, counts in ((1, (5, 2, 1, 4)), (2, (1, 9, 0, 2))):  # the class changes its mind
        answers = [option for option, count in zip(options, counts, strict=True) for _ in range(count)]
        for voter, answer in enumerate(answers):
            board.vote(made.code, poll.id, f"voter{voter}", answer)
        board.close_poll(made.code, made.key, poll.id)
        if round_ == 1:
            board.revote(made.code, made.key, poll.id)
    if poll.kind == "choice":
        board.reveal(made.code, made.key, poll.id)
    poll = board.poll(made.code, poll.id)
    counted = {number: board.tally(made.code, poll.id, round=number) for number in range(1, poll.round + 1)}
    return counted, poll.revealed["answer"] if poll.revealed else None, poll.kind


# --- the pages -------------------------------------------------------------------------------

def compare(runs: Runs) -> list[Shown]:
    """nnlab.ui.run_screen.show_comparison: the curves, the gradient flow, each activation's fit
    (its first seed) two across."""
    shown = []
    for lesson, compared in runs.compared.items():
        histories = compare_histories(compared)
        shown.append(Shown(f"{lesson}: train loss", many_runs_charts.compare_curves(histories, "train_loss"), "stretch", WHOLE))
        if "test_acc" in histories:
            shown.append(Shown(f"{lesson}: test accuracy", many_runs_charts.compare_curves(histories, "test_acc"), "stretch",
                               WHOLE))
        gradients = compare_gradient_flow(compared)
        if gradients["layer"].nunique() > 1:
            shown.append(Shown(f"{lesson}: gradient flow", many_runs_charts.compare_gradient_flow(gradients), "stretch", WHOLE))
        first_seed = [run for run in compared if run.seed == compared[0].seed]
        for number, run in enumerate(first_seed):
            picture = gallery.look_up(gallery.FITS, run.result.data)
            spec = picture.spec(run.result, max(run.result.snapshots), gallery.View(compact=True))
            shown.append(Shown(f"{lesson}: {run.activation}'s fit", spec, picture.width, PAIR[number % 2]))
    return shown


def sweep(runs: Runs) -> list[Shown]:
    """pages/6_Sweep.py's heatmap, coloured by the page's first score."""
    shown = []
    for lesson, (score, swept) in runs.swept.items():
        label, higher_is_better = SCORES[score]
        cells = frames.sweep_cells(swept, score, higher_is_better)
        shown.append(Shown(f"{lesson}: {cells['learning_rate'].nunique()} x {cells['hidden_units'].nunique()}",
                           many_runs_charts.sweep_heatmap(cells, _(label), higher_is_better, score.endswith("acc")), "stretch",
                           WHOLE))
    return shown


EDGE_TITLES = {"forward": "weight", "backward": "gradient", "update": "step"}  # as inside_screen.show names the lines


def inside_one_step(runs: Runs) -> list[Shown]:
    """nnlab.ui.inside_screen.show: the network of each phase, in the left of two columns or across the page."""
    from nnlab.ui.inside_screen import PHASE_LABELS, takes_the_width

    shown = []
    for name, (step, features) in runs.steps.items():
        row = step.rows[0]
        for phase in STEP_PHASES:
            units, edges, heading = step_views.diagram(step, row, phase, features)
            spec = study_charts.step_network(units, edges, heading, _(EDGE_TITLES[phase]),
                                       _("{phase}: row {row}", phase=PHASE_LABELS[phase], row=row))
            shown.append(Shown(f"{name}: {phase}", spec, "stretch", WHOLE if takes_the_width(heading) else HALVES[0]))
    return shown


def optimizer_race(runs: Runs) -> list[Shown]:
    """nnlab.ui.race_screen.show on every surface, every racer at its own rate, the default steps."""
    shown = []
    for name in surfaces.SURFACES:
        where = surfaces.surface(name)
        racers = {label: {**settings, "rate": surfaces.default_rate(where, label)}
                  for label, settings in surfaces.RACERS.items()}
        paths = surfaces.race(where, racers, where.start, 200)
        minima = pd.DataFrame(where.minima, columns=["x", "y"])
        title = _("{count} optimizers on the {surface}", count=len(racers), surface=_(where.label))
        shown.append(Shown(f"{name}: race", study_charts.race(surfaces.grid(where), paths, minima, where.box, title),
                           "stretch", WHOLE))
        shown.append(Shown(f"{name}: distances", study_charts.race_distances(paths), "stretch", WHOLE))
    return shown


def class_board(runs: Runs) -> list[Shown]:
    """nnlab.ui.class_screen.leaderboard's sweep and spread, side by side; a poll's two rounds
    (nnlab.ui.poll_screen.results)."""
    shown = []
    for lesson, (challenge, table) in runs.boards.items():
        entries, score = table.drop(columns=["experiment"]), _(challenge.score_label)
        percent = challenge.rules.score.endswith("acc")
        shown.append(Shown(f"{lesson}: the class's sweep",
                           class_charts.class_sweep(entries, score, challenge.higher_is_better, percent), "stretch", LEFT))
        shown.append(Shown(f"{lesson}: scores", class_charts.score_histogram(entries, score, percent), "stretch", RIGHT))
    for counted, answer, kind in runs.polls:
        for rounds in (1, 2):  # closed after the first round, and after the second
            tallies = {_("round {number}", number=number): counted[number] for number in range(1, rounds + 1)}
            shown.append(Shown(f"{kind} poll, {rounds} round(s)", class_charts.poll_votes(tallies, answer if kind != "number"
                                                                                     else None), "stretch", WHOLE))
    return shown


BUILT_IN = [name for name in DATASETS if name not in ("csv", *DRAWN)]  # what the explorer's menu offers


def data_explorer(runs: Runs) -> list[Shown]:
    """pages/1_Data_explorer.py on each built-in set: its picture, or a table's classes, first
    feature and correlations; and the drawing tools' pictures (nnlab.ui.draw_screen)."""
    shown = []
    for name in BUILT_IN:
        data = load_data(_lesson_on(name))
        picture = gallery.look_up(gallery.DATA, data)
        if picture:
            shown.append(Shown(f"{name}: {picture.name}", picture.spec(data, gallery.View()), picture.width, WHOLE))
        if data.shape_kind != "table":
            continue
        frame = frames.table_frame(data)
        if data.task != "regression":
            shown.append(Shown(f"{name}: class balance", data_charts.class_balance(frame["class"]), "stretch", PAIR[0]))
        feature = data.feature_names[0]  # the page's feature menu at first
        shown.append(Shown(f"{name}: {feature}", data_charts.feature_histogram(frame, feature, "class" if "class" in frame
                                                                           else None), "stretch", PAIR[1]))
        if data.n_features <= 40:
            numeric = frame.drop(columns=["split", "class"], errors="ignore")
            shown.append(Shown(f"{name}: correlations", data_charts.correlation_heatmap(numeric), "stretch", WHOLE))
    curve = drawing.preset_curve(next(iter(drawing.CURVES)))
    shown.append(Shown("drawing a curve", data_charts.drawing_line(frames.line_cells(), frames.drawn_knots(curve)), "stretch",
                       WHOLE))
    for source, values in (("circle", False), ("plane", True)):
        points = _drawn(source, values)
        classes = [] if values else [str(number) for number in range(drawing.MAX_CLASSES)]
        shown.append(Shown(f"drawing points ({'values' if values else 'classes'})",
                           data_charts.drawing_plane(frames.drawn_points(points), classes, values),
                           "stretch", WHOLE))
    return shown


def _lesson_on(name: str) -> nnlab.Experiment:
    """A lesson on data set `name`, or the settings the Data explorer keeps when another is chosen."""
    found = [lessons.get(lesson) for lesson in lessons.names() if lessons.get(lesson).data.name == name]
    return found[0] if found else nnlab.Experiment(data=nnlab.DataSpec(name=name))


def _drawn(name: str, values: bool) -> drawing.Points:
    """Another set's points on the drawing's plane, as "Use its points" takes them (draw_screen._points_of)."""
    source = load_data(nnlab.Experiment(data=nnlab.DataSpec(name=name, noise=0.0))).source
    target = source[source.columns[-1]].to_numpy()
    third = target if values else np.unique(target, return_inverse=True)[1]
    return drawing.points_from(source["x1"].to_numpy(), source["x2"].to_numpy(), third, values)


def build_model(runs: Runs) -> list[Shown]:
    """pages/2_Build_model.py's network, in the wider of two columns, of every lesson's model."""
    shown = []
    for lesson in lessons.names():
        exp = lessons.get(lesson)
        data = load_data(exp)
        sizes = [data.n_features, *exp.model.hidden, data.n_outputs]
        spec = run_charts.network_diagram(*frames.network_layout(sizes, list(exp.model.activations)))
        shown.append(Shown(f"{lesson}: network", spec, "stretch", LEFT))
    return shown


PAGES = {"Compare": compare, "Sweep": sweep, "Inside one step": inside_one_step, "Optimizer race": optimizer_race,
         "Class": class_board, "Data explorer": data_explorer, "Build model": build_model}


# --- Train's loss surface ----------------------------------------------------------------------

def loss_surface(surface) -> Shown:
    """nnlab.ui.run_screen.loss_surface of a run's surface (nnlab.landscape along where training
    moved most, the page's first choice): in the wider of two columns across the page."""
    cells, path = frames.landscape_cells(surface.grid, surface.path)
    spec = study_charts.loss_landscape(cells, path, (_("1st direction"), _("2nd direction")),
                                 _("The loss around the trained weights"))
    return Shown("loss surface", spec, "stretch", LEFT)
