"""Every picture in words: the one or two facts a teacher would say aloud about it, for a screen
reader and for a student who cannot see the projector.

Each function has the name and the arguments of the picture function (nnlab.pictures.*_charts)
whose picture it describes (arguments it does not need are accepted and ignored), so a page calls
`descriptions.loss_curves(history)` beside `run_charts.loss_curves(history)`. It returns text in the
script run's language (nnlab.i18n.LANGUAGE), as the charts' titles are. Numbers are read off the same
frames with numpy: these run for every result a class's server draws. Empty frames, NaN and infinite
values (a diverged run), a single epoch and a single class are described, never raised on.

Sentences are whole templates with named values: a count never stands before a noun whose plural
would change ("epoch 7,000", "points: 200"), so one template reads right for every number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nnlab import i18n
from nnlab.i18n import N_, Message, capitalized, joined, msg
from nnlab.training.result import early_gradient_flow

CLOSE = 1e-3  # a racer this near a minimum has reached it (the distance axis goes on down to 1e-6)
FLAT = 0.05  # a unit map whose scaled activation varies less than this over the plane tells no points apart
LISTED = 10  # at most this many items in a list read aloud (the ten digits)


def number(value, percent: bool = False) -> str:
    """A number as every description writes it: whole numbers with thousands separators (7,000),
    others to 3 significant figures (0.0312, 1.2e-05, 360,000, 1.28e+12), a share as a percentage (96.9%)."""
    if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
        return "NaN"
    if isinstance(value, int | np.integer) and not percent:
        return f"{int(value):,}"
    value = float(value)
    if np.isinf(value):
        return "∞" if value > 0 else "-∞"
    if percent:
        return f"{100 * value:.3g}%"
    text = f"{value:.3g}"
    return f"{float(text):,.0f}" if "e+" in text and abs(value) < 1e9 else text  # 360,000, not 3.6e+05


def _said(*sentences) -> str:
    """Whole sentences (Messages; None for one left out) in the script run's language (Chinese puts
    no space after a full stop)."""
    language = i18n.LANGUAGE.get()
    gap = "" if language == i18n.CHINESE else " "
    return gap.join(i18n.translate(sentence, language) for sentence in sentences if sentence is not None)


def _listing(names, values) -> Message:
    """ "name: value" pairs in a row (a name that is a Message translated); the first LISTED."""
    return _items([msg("{name}: {value}", name=name, value=value) for name, value in zip(names, values, strict=True)])


def _items(items: list) -> Message:
    """Messages in a row, each translated on its own; the first LISTED, and how many more."""
    more = [msg("and {count} more", count=number(len(items) - LISTED))] if len(items) > LISTED else []
    return _row(items[:LISTED] + more)


def _row(items) -> Message:
    """Items side by side, with the language's own separator (Chinese: "、")."""
    return joined(items, i18n.translate(N_(", "), i18n.LANGUAGE.get()))


def _finite(values) -> np.ndarray:
    values = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    return values[np.isfinite(values)]


def _counts(labels, order=None) -> tuple[np.ndarray, np.ndarray]:
    """Each label and how often it occurs: in the `order` given (a legend's), the labels it lacks
    after it, or else the most frequent first."""
    names, first, counts = np.unique(np.asarray(labels).astype(str), return_index=True, return_counts=True)
    seen = np.argsort(first, kind="stable")  # in the order they first occur (numpy: pandas' cost a tap on a phone)
    names, counts = names[seen], counts[seen]
    if order is not None:
        where = {name: index for index, name in enumerate(names)}
        named = [str(name) for name in order if str(name) in where]
        rest = set(where) - set(named)
        ordered = [where[name] for name in named] + [index for index, name in enumerate(names) if name in rest]
        return names[ordered], counts[ordered]
    ranked = np.argsort(-counts, kind="stable")
    return names[ranked], counts[ranked]


def _of(part: int, whole: int) -> dict:
    return {"right": number(int(part)), "total": number(int(whole)), "share": number(part / whole, percent=True)}


# --- the data ------------------------------------------------------------------------------------

def _splits(points: pd.DataFrame) -> dict:
    split = points["split"].to_numpy() if "split" in points else np.full(len(points), "train")
    return {"count": number(len(points)), "train": number(int((split == "train").sum())),
            "test": number(int((split == "test").sum()))}


def _span(values) -> tuple[str, str]:
    finite = _finite(values)
    return (number(finite.min()), number(finite.max())) if len(finite) else ("NaN", "NaN")


def scatter_1d(points: pd.DataFrame, x_title: str = "x") -> str:
    """How many points, in which part, and the range of x and of the target."""
    if not len(points):
        return _said(N_("No points."))
    (x_low, x_high), (low, high) = _span(points["x"]), _span(points["target"])
    return _said(msg("Points: {count} (training: {train}, test: {test}); {x} from {x_low} to {x_high}, target from "
                     "{low} to {high}.", x=x_title, x_low=x_low, x_high=x_high, low=low, high=high, **_splits(points)))


def scatter_2d(points: pd.DataFrame, classes: list[str], titles: tuple[str, str] = ("x1", "x2")) -> str:
    """How many points, in which part, and of which class."""
    if not len(points):
        return _said(N_("No points."))
    names, counts = _counts(points["class"], classes)
    return _said(msg("Points: {count} (training: {train}, test: {test}); by class: {classes}.",
                     classes=_listing(names, map(number, counts)), **_splits(points)))


def fit_1d(points: pd.DataFrame, curve: pd.DataFrame, title: str | None = None, x_title: str = "x") -> str:
    """How far the curve lies from the points' targets: the mean absolute gap, the curve read at each point's x."""
    epoch = number(int(curve["epoch"].iloc[0])) if len(curve) and "epoch" in curve else "0"
    x, prediction = curve["x"].to_numpy(dtype=float), curve["prediction"].to_numpy(dtype=float)
    drawn = np.isfinite(x) & np.isfinite(prediction)
    if not len(points) or not drawn.any():
        return _said(msg("After epoch {epoch}: no points, or no finite output to compare them with.", epoch=epoch))
    order = np.argsort(x[drawn])
    fitted = np.interp(points["x"].to_numpy(dtype=float), x[drawn][order], prediction[drawn][order])
    gaps = _gaps(np.abs(fitted - points["target"].to_numpy(dtype=float)), points)
    if gaps["train"] == "NaN":
        return _said(msg("After epoch {epoch}: no points, or no finite output to compare them with.", epoch=epoch))
    if "test" not in gaps:
        return _said(msg("After epoch {epoch} the curve is on average {train} from the training targets, which run from "
                         "{low} to {high}.", epoch=epoch, **gaps))
    return _said(msg("After epoch {epoch} the curve is on average {train} from the training targets (test: {test}); "
                     "the targets run from {low} to {high}.", epoch=epoch, **gaps))


def value_plane(points: pd.DataFrame, grid: pd.DataFrame | None = None, title: str = "The data",
                titles: tuple[str, str] = ("x1", "x2")) -> str:
    """The targets' range; with a prediction, its mean absolute gap to the targets, read in each point's cell."""
    if not len(points):
        return _said(N_("No points."))
    if grid is None or not len(grid):
        low, high = _span(points["target"])
        return _said(msg("Points: {count} (training: {train}, test: {test}); target from {low} to {high}.",
                         low=low, high=high, **_splits(points)))
    gaps = _gaps(np.abs(_at_points(grid, "prediction", points) - points["target"].to_numpy(dtype=float)), points)
    if gaps["train"] == "NaN":
        return _said(N_("The prediction is not finite at any training point, or their targets are not."))
    if "test" not in gaps:
        return _said(msg("The prediction is on average {train} from the training targets, which run from {low} to "
                         "{high}.", **gaps))
    return _said(msg("The prediction is on average {train} from the training targets (test: {test}); the targets run "
                     "from {low} to {high}.", **gaps))


def _gaps(gap: np.ndarray, points: pd.DataFrame) -> dict:
    """The mean absolute gap to the training targets (to the test ones as "test", where there are
    any) and the targets' range, as text: "NaN" where no gap is finite."""
    split = points["split"].to_numpy() if "split" in points else np.full(len(points), "train")
    low, high = _span(points["target"])
    found = {"low": low, "high": high, "train": _mean(gap[split != "test"])}
    return found | ({"test": _mean(gap[split == "test"])} if (split == "test").any() else {})


def _mean(values) -> str:
    finite = _finite(values)
    return number(finite.mean()) if len(finite) else "NaN"


def _at_points(grid: pd.DataFrame, column: str, points: pd.DataFrame) -> np.ndarray:
    """`column` of the grid's cell (x1..x1_end, x2..x2_end, as nnlab.pictures.frames makes them)
    under each point; NaN off the grid."""
    starts = [np.unique(grid[axis].to_numpy()) for axis in ("x1", "x2")]
    table = np.full((len(starts[1]), len(starts[0])), np.nan)
    table[np.searchsorted(starts[1], grid["x2"].to_numpy()), np.searchsorted(starts[0], grid["x1"].to_numpy())] = grid[column]
    where = [np.searchsorted(start, points[axis].to_numpy(dtype=float), side="right") - 1
             for start, axis in zip(starts, ("x1", "x2"), strict=True)]
    inside = ((where[0] >= 0) & (where[1] >= 0) & (points["x1"].to_numpy() <= grid["x1_end"].max())
              & (points["x2"].to_numpy() <= grid["x2_end"].max()))
    found = np.full(len(points), np.nan)
    found[inside] = table[where[1][inside], where[0][inside]]
    return found


def decision_boundary(grid: pd.DataFrame, points: pd.DataFrame, classes: list[str], title: str,
                      titles: tuple[str, str] = ("x1", "x2"), discretize: bool = False) -> str:
    """How many points lie on their own class's side, and how much of the plane the network gives the last class."""
    if not len(points) or not len(grid) or not classes:
        return _said(N_("No points or no boundary to show."))
    probability = _at_points(grid, "probability", points)
    given = (np.rint(probability) if len(classes) > 2 else np.minimum(probability > 0.5, len(classes) - 1))
    actual = pd.Categorical(points["class"].astype(str), categories=[str(name) for name in classes]).codes
    right = np.isfinite(probability) & (given == actual)
    split = points["split"].to_numpy()
    parts = {part: _of(right[split == part].sum(), (split == part).sum()) for part in ("train", "test")
             if (split == part).any()}
    if "train" not in parts:
        sides = msg("Test points on their class's side of the boundary: {right} of {total} ({share}).", **parts["test"])
    elif "test" not in parts:
        sides = msg("Training points on their class's side of the boundary: {right} of {total} ({share}).", **parts["train"])
    else:
        test = {"test_" + key: value for key, value in parts["test"].items()}
        sides = msg("Points on their class's side of the boundary: training {right} of {total} ({share}), test "
                    "{test_right} of {test_total} ({test_share}).", **parts["train"], **test)
    cells = _finite(grid["probability"])
    plane = (msg("The network gives {share} of the plane to {name} (probability above 0.5).", name=classes[-1],
                 share=number((cells > 0.5).mean(), percent=True)) if len(classes) == 2 and len(cells) else None)
    return _said(sides, plane)


def image_grid(pixels: pd.DataFrame, title: str) -> str:
    """How many images of each class; with answers, how many are right and the most common mistake."""
    if not len(pixels):
        return _said(N_("No images."))
    _, first = np.unique(pixels["image"].to_numpy(), return_index=True)
    actual = pixels["actual"].to_numpy()[first].astype(str)
    if "predicted" not in pixels:
        names, counts = _counts(actual)
        return _said(msg("Images shown: {count}; by class: {classes}.", count=number(len(first)),
                         classes=_listing(names, map(number, counts))))
    predicted = pixels["predicted"].to_numpy()[first].astype(str)
    return _said(msg("Answered right: {right} of {total} images shown ({share}).", **_of((actual == predicted).sum(),
                                                                                           len(first))),
                 _top_mistake(actual, predicted, np.ones(len(first))))


def _top_mistake(actual: np.ndarray, predicted: np.ndarray, counts: np.ndarray) -> Message | None:
    """The (actual, predicted) pair of different classes with the largest count (rows may repeat a pair)."""
    wrong = (actual != predicted) & (counts > 0)
    if not wrong.any():
        return None
    pairs, where = np.unique(np.char.add(np.char.add(actual[wrong], "\x1f"), predicted[wrong]), return_inverse=True)
    totals = np.bincount(where.reshape(-1), weights=counts[wrong])
    worst = int(np.argmax(totals))
    actual_name, predicted_name = pairs[worst].split("\x1f")
    return msg("Most common mistake: {count} of class {actual} read as {predicted}.", count=number(int(totals[worst])),
               actual=actual_name, predicted=predicted_name)


def class_balance(labels: pd.Series) -> str:
    """The rows of each class, the largest first, and the largest's share."""
    if not len(labels):
        return _said(N_("No rows."))
    names, counts = _counts(labels)
    return _said(msg("Rows by class: {classes}; the largest class, {name}, is {share} of them.",
                     classes=_listing(names, map(number, counts)), name=names[0],
                     share=number(counts[0] / counts.sum(), percent=True)))


def feature_histogram(frame: pd.DataFrame, feature: str, by: str | None) -> str:
    """The feature's range and median, and its median in each class."""
    values = pd.to_numeric(frame[feature], errors="coerce").to_numpy(dtype=float) if len(frame) else np.zeros(0)
    finite = np.isfinite(values)
    if not finite.any():
        return _said(msg("{feature}: no numbers to count.", feature=feature))
    spread = msg("{feature} runs from {low} to {high}, median {median}.", feature=feature, low=number(values[finite].min()),
                 high=number(values[finite].max()), median=number(np.median(values[finite])))
    if not by:
        return _said(spread)
    medians = pd.Series(values[finite]).groupby(frame[by].astype(str).to_numpy()[finite]).median()
    by = i18n.translate(by, i18n.LANGUAGE.get())  # a column's name, in the language where it has one ("class")
    return _said(spread, msg("Median by {by}: {medians}.", by=by, medians=_listing(medians.index, map(number, medians))))


def correlation_heatmap(frame: pd.DataFrame) -> str:
    """The most strongly correlated pair of columns."""
    matrix = frame.corr(numeric_only=True)
    values = matrix.to_numpy(dtype=float).copy()
    values[np.tril_indices(len(values))] = np.nan  # each pair once, and no column with itself
    if not np.isfinite(values).any():
        return _said(msg("Numeric columns: {count}; no pair to correlate.", count=number(len(matrix))))
    row, column = np.unravel_index(np.nanargmax(np.abs(values)), values.shape)
    return _said(msg("Numeric columns: {count}; the strongest correlation is between {first} and {second} ({value}).",
                     count=number(len(matrix)), first=matrix.index[row], second=matrix.columns[column],
                     value=number(values[row, column])))


# --- the history -----------------------------------------------------------------------------------

LOSS_WORDS = {  # a curve's sentences, for a loss (lower is better)
    "none": N_("No finite training loss: the run diverged at epoch {epoch}."),
    "one": N_("Training loss at epoch {end}: {last}."),
    "down": N_("Training loss fell from {first} at epoch {start} to {last} at epoch {end}."),
    "up": N_("Training loss rose from {first} at epoch {start} to {last} at epoch {end}."),
    "same": N_("Training loss stayed at {last} from epoch {start} to epoch {end}."),
    "diverged": N_("From epoch {epoch} on the training loss is NaN or infinite: the run diverged."),
    "gaps": N_("The training loss is NaN or infinite at some epochs, the first at epoch {epoch}."),
    "best": N_("The test loss was lowest at epoch {epoch} ({best})."),
    "worse": N_("The test loss was lowest at epoch {epoch} ({best}), then rose: {last} at epoch {end}."),
}
ACCURACY_WORDS = {  # and for an accuracy (higher is better)
    "none": N_("No finite training accuracy: the run diverged at epoch {epoch}."),
    "one": N_("Training accuracy at epoch {end}: {last}."),
    "down": N_("Training accuracy fell from {first} at epoch {start} to {last} at epoch {end}."),
    "up": N_("Training accuracy rose from {first} at epoch {start} to {last} at epoch {end}."),
    "same": N_("Training accuracy stayed at {last} from epoch {start} to epoch {end}."),
    "diverged": N_("From epoch {epoch} on the training accuracy is NaN: the run diverged."),
    "gaps": N_("The training accuracy is NaN at some epochs, the first at epoch {epoch}."),
    "best": N_("The test accuracy was highest at epoch {epoch} ({best})."),
    "worse": N_("The test accuracy was highest at epoch {epoch} ({best}), then fell: {last} at epoch {end}."),
}


def loss_curves(history: pd.DataFrame) -> str:
    """Where the training loss began and ended, where it diverged, and the test loss's best epoch."""
    return _said(*_curve_sentences(history, "train_loss", "test_loss", LOSS_WORDS, percent=False))


def accuracy_curves(history: pd.DataFrame) -> str:
    """Where the training accuracy began and ended, and the test accuracy's best epoch."""
    return _said(*_curve_sentences(history, "train_acc", "test_acc", ACCURACY_WORDS, percent=True))


def _curve_sentences(history: pd.DataFrame, train: str, test: str, words: dict, percent: bool) -> list:
    """How the training curve went from its first finite epoch to its last, where it stopped being
    finite, and the test curve's best epoch (and whether it is clearly worse at the end)."""
    if not len(history) or train not in history:
        return [N_("No epochs yet.")]
    epochs, values = history["epoch"].to_numpy(), history[train].to_numpy(dtype=float)
    finite = np.flatnonzero(np.isfinite(values))
    if not len(finite):
        return [msg(str(words["none"]), epoch=number(int(epochs[0])))]
    start, end = finite[0], finite[-1]
    shown = {"first": number(values[start], percent), "last": number(values[end], percent),
             "start": number(int(epochs[start])), "end": number(int(epochs[end]))}
    way = ("one" if start == end else "same" if shown["first"] == shown["last"]
           else "down" if values[end] < values[start] else "up")
    sentences = [msg(str(words[way]), **shown)]
    if end < len(values) - 1:  # not finite from the epoch after `end` on
        sentences.append(msg(str(words["diverged"]), epoch=number(int(epochs[end + 1]))))
    elif len(finite) < end + 1:  # gaps before `end`
        sentences.append(msg(str(words["gaps"]), epoch=number(int(epochs[np.argmin(np.isfinite(values))]))))
    if test in history:
        sentences.append(_best_test(epochs, history[test].to_numpy(dtype=float), words, percent))
    return sentences


def _best_test(epochs: np.ndarray, values: np.ndarray, words: dict, percent: bool) -> Message | None:
    """The test curve's best epoch, and its end where that is clearly worse: by more than a
    twentieth of the curve's span and a hundredth of its best value."""
    finite = np.flatnonzero(np.isfinite(values))
    if not len(finite):
        return None
    sign = -1.0 if percent else 1.0  # an accuracy is best at its highest
    best = finite[np.argmin(sign * values[finite])]
    end = finite[-1]
    gap = sign * (values[end] - values[best])
    span = np.ptp(values[finite])
    shown = {"epoch": number(int(epochs[best])), "best": number(values[best], percent)}
    if gap > 0.05 * span and gap > 0.01 * abs(values[best]):
        return msg(str(words["worse"]), last=number(values[end], percent), end=number(int(epochs[end])), **shown)
    return msg(str(words["best"]), **shown)


def _layer_name(layer: int, last: int) -> Message:
    """A Linear layer (numbered from 1) as the charts name it: "layer 1" ... "output"."""
    return N_("output") if layer == last else msg("layer {number}", number=layer)


def gradient_flow(gradient_flow: pd.DataFrame) -> str:
    """Each layer's gradient at the last epoch, and how much smaller the first layer's was early on."""
    frame = gradient_flow[np.isfinite(gradient_flow["mean_abs_grad"].to_numpy(dtype=float))]
    if not len(frame):
        return _said(N_("No finite gradient recorded."))
    end = frame["epoch"].max()
    at_end = frame[frame["epoch"] == end].sort_values("layer")
    last = int(frame["layer"].max())
    names = [_layer_name(int(layer), last) for layer in at_end["layer"]]
    sentences = [msg("Mean absolute weight gradient at epoch {epoch}, from the input: {values}.", epoch=number(int(end)),
                     values=_listing(names, map(number, at_end["mean_abs_grad"])))]
    early = early_gradient_flow(frame)
    if len(early) > 1:
        sentences.append(_shrink(float(early.iloc[0]), float(early.iloc[-1])))
    return _said(*sentences)


def _shrink(first: float, output: float) -> Message:
    """The first layer's early gradient beside the output layer's: where a vanishing gradient shows."""
    if first <= 0:
        return N_("Early in training the first layer got no gradient at all.")
    ratio = output / first
    if ratio >= 1.5:
        return msg("Early in training the first layer's gradient was {times} times smaller than the output layer's.",
                   times=number(ratio))
    if ratio <= 1 / 1.5:
        return msg("Early in training the first layer's gradient was {times} times larger than the output layer's.",
                   times=number(1 / ratio))
    return N_("Early in training the first layer's gradient was about as large as the output layer's.")


def confusion_matrix(counts: pd.DataFrame, title: str) -> str:
    """The count on the diagonal (answered right) and the most common mistake."""
    total = int(counts["count"].sum()) if len(counts) else 0
    if not total:
        return _said(N_("No rows counted."))
    actual, predicted = counts["actual"].to_numpy().astype(str), counts["predicted"].to_numpy().astype(str)
    number_of = counts["count"].to_numpy(dtype=float)
    right = int(number_of[actual == predicted].sum())
    return _said(msg("Classes: {classes}; answered right (on the diagonal): {right} of {total} ({share}).",
                     classes=number(len(np.union1d(actual, predicted))), **_of(right, total)),
                 _top_mistake(actual, predicted, number_of))


def network_diagram(nodes: pd.DataFrame, edges: pd.DataFrame, heading: pd.DataFrame) -> str:
    """The units of each layer, the hidden activations, and how many weights and biases there are."""
    if not len(nodes):
        return _said(N_("No layers."))
    layers, more = nodes["layer"].to_numpy(dtype=int), (nodes["kind"] == "more").to_numpy()
    beyond_drawn = pd.to_numeric(nodes.loc[more, "label"].astype(str).str.lstrip("+"), errors="coerce").fillna(0)
    count = layers.max() + 1
    sizes = (np.bincount(layers[~more], minlength=count)
             + np.bincount(layers[more], weights=beyond_drawn.to_numpy(), minlength=count)).astype(int)
    shown = {"sizes": _row(map(number, sizes)), "parameters": number(int((sizes[:-1] * sizes[1:] + sizes[1:]).sum()))}
    titles = heading.sort_values("x")["title"].astype(str).tolist()[1:-1] if len(heading) else []
    if count < 3:
        return _said(msg("Units per layer, input to output: {sizes}; no hidden layer. Weights and biases to learn: "
                         "{parameters}.", **shown))
    return _said(msg("Units per layer, input to output: {sizes}; hidden activations: {activations}. Weights and biases "
                     "to learn: {parameters}.", activations=_row(title.split("\n")[0] for title in titles), **shown))


# --- comparisons -------------------------------------------------------------------------------------

METRICS = {"train_loss": N_("training loss"), "test_loss": N_("test loss"), "train_acc": N_("training accuracy"),
           "test_acc": N_("test accuracy")}  # a history's columns, as a sentence names them


def compare_curves(histories: pd.DataFrame, metric: str = "train_loss") -> str:
    """Each activation's median final value over its seeds, the best first."""
    if not len(histories) or metric not in histories:
        return _said(N_("No runs to compare."))
    values = histories[metric].to_numpy(dtype=float)
    kinds, activations = pd.factorize(histories["activation"])
    runs = kinds * (int(histories["seed"].max()) + 1) + histories["seed"].to_numpy(dtype=int)  # a number a run
    kept = np.flatnonzero(np.isfinite(values))
    _, last = np.unique(runs[kept][::-1], return_index=True)  # each run's last finite epoch
    ends = kept[::-1][last]
    finals = {str(activation): np.median(values[ends[kinds[ends] == kind]]) for kind, activation in enumerate(activations)
              if (kinds[ends] == kind).any()}  # an activation each: a handful
    if not finals:
        return _said(N_("No run has a finite value to compare."))
    percent = metric.endswith("acc")
    ranked = sorted(finals, key=finals.get, reverse=percent)
    return _said(msg("Median {metric} at the runs' last epoch, best first: {values}.", metric=METRICS.get(metric, metric),
                     values=_listing(ranked, (number(finals[name], percent) for name in ranked))))


def compare_gradient_flow(frame: pd.DataFrame) -> str:
    """The first layer's gradient as a share of the output layer's, for each activation, the smallest
    share first: the activation whose gradient fades most on its way back leads."""
    if not len(frame):
        return _said(N_("No finite gradient recorded."))
    if frame["layer"].nunique() < 2:
        return _said(N_("One layer: no way back for a gradient to vanish on."))
    kinds, activations = pd.factorize(frame["activation"])
    layers, sizes = frame["layer"].to_numpy(dtype=int), frame["mean_abs_grad"].to_numpy(dtype=float)
    shares = {}
    for kind, activation in enumerate(activations):  # an activation each: a handful
        mine = kinds == kind
        first, output = sizes[mine][np.argmin(layers[mine])], sizes[mine][np.argmax(layers[mine])]
        shares[str(activation)] = first / output if output > 0 else np.inf
    ranked = sorted(shares, key=lambda name: np.nan_to_num(shares[name], nan=np.inf))
    return _said(msg("Early in training, the first layer's gradient as a share of the output layer's, smallest first: "
                     "{values}. Below 1, the gradient shrinks on its way back to the input.",
                     values=_listing(ranked, (number(shares[name]) for name in ranked))))


# --- inside the network ------------------------------------------------------------------------------

def unit_contributions(curves: pd.DataFrame, units: pd.DataFrame, sum_label: str, x_title: str = "x") -> str:
    """The unit whose share moves most over x, and the range of the units' sum."""
    names = [name for name in units["unit"] if name in curves] if len(units) else []
    if not names or not len(curves):
        return _said(N_("No hidden layer: no units to take apart."))
    values = curves[names].to_numpy(dtype=float)
    finite = np.isfinite(values)  # a unit with no finite value ranks last, with no warning from numpy
    low = np.where(finite, values, np.inf).min(axis=0)
    high = np.where(finite, values, -np.inf).max(axis=0)
    reach = np.where(finite.any(axis=0), high - low, -1.0)
    top = int(np.argmax(reach))
    total_low, total_high = _span(curves["sum"]) if "sum" in curves else ("NaN", "NaN")
    return _said(msg("Hidden units: {count}; the one shaping the output most is {unit}, its share running from {low} "
                     "to {high} over {x}. All of them with the output bias run from {total_low} to {total_high}.",
                     count=number(len(names)), unit=names[top], low=number(low[top]), high=number(high[top]),
                     x=x_title, total_low=total_low, total_high=total_high))


CELL_COLUMNS = ("x1", "x2", "x1_end", "x2_end")  # a plane's cells; every other column of a unit map is a unit


def unit_maps(frame: pd.DataFrame) -> str:
    """The units shown in each layer, and those flat over the whole plane."""
    units = [column for column in frame.columns if column not in CELL_COLUMNS]
    if not units or not len(frame):
        return _said(N_("No hidden units to show."))
    layers = np.array([int(str(unit).split("_")[0]) for unit in units])
    values = frame[units].to_numpy(dtype=float)
    finite = np.isfinite(values)
    reach = np.where(finite.any(axis=0), np.where(finite, values, -np.inf).max(axis=0)
                     - np.where(finite, values, np.inf).min(axis=0), 0.0)
    flat = [msg("layer {layer} unit {unit}", layer=layer, unit=unit) for layer, unit
            in (str(name).split("_") for name, still in zip(units, reach < FLAT, strict=True) if still)]
    sizes = msg("Hidden units shown, layer by layer: {sizes}.", sizes=_row(map(number, np.bincount(layers)[1:])))
    return _said(sizes, msg("Flat over the whole plane, so telling no points apart: {units}.", units=_items(flat))
                 if flat else N_("Every unit shown changes over the plane."))


def weight_heatmap(weights: pd.DataFrame) -> str:
    """The largest first-layer weight, and the feature the units listen to most."""
    values = weights["weight"].to_numpy(dtype=float) if len(weights) else np.zeros(0)
    finite = np.isfinite(values)
    if not finite.any():
        return _said(N_("No finite weights."))
    largest = np.flatnonzero(finite)[np.argmax(np.abs(values[finite]))]
    totals = weights[finite].assign(size=np.abs(values[finite])).groupby("feature", sort=False)["size"].sum()
    return _said(msg("Features: {features}, units: {units}. The largest weight is {weight}, from {feature} to {unit}; "
                     "the units listen most to {top} (the largest total of absolute weights).",
                     features=number(weights["feature"].nunique()), units=number(weights["unit"].nunique()),
                     weight=number(values[largest]), feature=weights["feature"].iloc[largest],
                     unit=weights["unit"].iloc[largest], top=totals.idxmax()))


# --- a class together ------------------------------------------------------------------------------------

def _best(scores, higher_is_better: bool) -> int | None:
    """The position of the best finite score, or None."""
    values = pd.to_numeric(pd.Series(scores), errors="coerce").to_numpy(dtype=float)
    finite = np.flatnonzero(np.isfinite(values))
    if not len(finite):
        return None
    return int(finite[np.argmax(values[finite]) if higher_is_better else np.argmin(values[finite])])


def class_sweep(entries: pd.DataFrame, score_label: str, higher_is_better: bool, percent: bool) -> str:
    """How many entries, and the best one with its settings."""
    best = _best(entries["score"], higher_is_better) if len(entries) else None
    if best is None:
        return _said(msg("Entries: {count}; none with a score yet.", count=number(len(entries))))
    row = entries.iloc[best]
    return _said(msg("Entries: {count}. Best {score}: {best}, by {label} (learning rate {rate}, hidden units: {units}).",
                     count=number(len(entries)), score=score_label, best=number(float(row["score"]), percent),
                     label=row["label"], rate=number(float(row["learning_rate"])), units=number(int(row["hidden_units"]))))


def score_histogram(entries: pd.DataFrame, score_label: str, percent: bool) -> str:
    """How many entries have a score, their range and median."""
    scores = _finite(entries["score"]) if len(entries) else np.zeros(0)
    if not len(scores):
        return _said(msg("Entries: {count}; none with a score yet.", count=number(len(entries))))
    return _said(msg("Entries with a score: {count}; {score} from {low} to {high}, median {median}.",
                     count=number(len(scores)), score=score_label, low=number(scores.min(), percent),
                     high=number(scores.max(), percent), median=number(np.median(scores), percent)))


def sweep_heatmap(cells: pd.DataFrame, score_label: str, higher_is_better: bool, percent: bool) -> str:
    """The cell with the best median score, and how many runs diverged."""
    best = _best(cells["score"], higher_is_better) if len(cells) else None
    if best is None:
        return _said(msg("Cells: {count}; none with a finite score.", count=number(len(cells))))
    row = cells.iloc[best]
    sentences = [msg("Cells: {count} (learning rates: {rates}, widths: {widths}); the best median {score} is {best}, at "
                     "learning rate {rate} and width {width}.", count=number(len(cells)),
                     rates=number(cells["learning_rate"].nunique()), widths=number(cells["hidden_units"].nunique()),
                     score=score_label, best=number(float(row["score"]), percent),
                     rate=number(float(row["learning_rate"])), width=number(int(row["hidden_units"])))]
    diverged = int(cells["diverged"].sum()) if "diverged" in cells else 0
    if diverged:
        sentences.append(msg("Runs that diverged: {diverged} of {runs}.", diverged=number(diverged),
                             runs=number(int(cells["runs"].sum()))))
    return _said(*sentences)


def poll_votes(tallies: dict[str, pd.DataFrame], answer: str | None = None, title: str = "") -> str:
    """Each round's votes: the most chosen option and, once revealed, the answer's share."""
    right = set(answer.split(" and ")) if answer is not None else set()
    sentences = [_round(label, tally, right) for label, tally in tallies.items()]  # a round or two, not rows
    return _said(*sentences) if sentences else _said(N_("No votes yet."))


def _round(label: str, tally: pd.DataFrame, right: set[str]) -> Message:
    votes, options = tally["votes"].to_numpy(dtype=float), tally["option"].astype(str).to_numpy()
    total = int(np.nansum(votes))
    if not total:
        return capitalized(msg("{round}: no votes yet.", round=label))
    most = np.nanmax(votes)
    shown = {"round": label, "total": number(total), "top": _row(options[votes == most]),
             "count": number(int(most)), "share": number(most / total, percent=True)}
    if not right:
        return capitalized(msg("{round}: votes cast: {total}; the most ({count}, {share}) for {top}.", **shown))
    chose = int(np.nansum(votes[np.isin(options, list(right))]))
    if set(options[votes == most]) <= right:
        return capitalized(msg("{round}: votes cast: {total}; the most ({count}, {share}) for the answer, {top}.",
                               **shown))
    return capitalized(msg("{round}: votes cast: {total}; for the answer, {answer}: {right} ({right_share}); the most "
                           "({count}) for {top}.", answer=" / ".join(sorted(right)), right=number(chose),
                           right_share=number(chose / total, percent=True), **shown))


# --- optimizers on a surface ---------------------------------------------------------------------------

def _ends(paths: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The racers in order of appearance, each one's code per row, and each one's last row (a
    racer that blew up ends on its first row that is not finite)."""
    codes, racers = pd.factorize(paths["optimizer"])
    # an optimizer's name as the race's legend shows it (template.named_in_language): "Momentum" has a word
    racers = pd.Index([i18n.translate(racer, i18n.LANGUAGE.get()) for racer in racers.astype(str)])
    last = len(codes) - 1 - np.unique(codes[::-1], return_index=True)[1]
    return np.asarray(racers).astype(str), codes, last


def race(surface: pd.DataFrame, paths: pd.DataFrame, minima: pd.DataFrame,
         box: tuple[float, float, float, float], title: str) -> str:
    """Each racer's height at its last step, the lowest first, and those that blew up."""
    if not len(paths):
        return _said(N_("No racers."))
    racers, _, last = _ends(paths)
    height, step = paths["value"].to_numpy(dtype=float)[last], paths["step"].to_numpy()[last]
    finite = np.isfinite(height) & np.isfinite(paths["x"].to_numpy(dtype=float)[last])
    done, blew = np.flatnonzero(finite)[np.argsort(height[finite], kind="stable")], np.flatnonzero(~finite)
    sentences = []
    if len(done) and len(set(step[done])) == 1:
        sentences.append(msg("Height at step {step}, lowest first: {values}.", step=number(int(step[done[0]])),
                             values=_listing(racers[done], map(number, height[done]))))
    elif len(done):  # a racer each: eight at most
        heights = [msg("{racer} {height} at step {step}", racer=racers[i], height=number(height[i]),
                       step=number(int(step[i]))) for i in done]
        sentences.append(msg("Height at each racer's last step, lowest first: {values}.", values=_items(heights)))
    if len(blew):
        sentences.append(_blew_up(racers[blew], step[blew]))
    return _said(*sentences)


def _blew_up(racers: np.ndarray, steps: np.ndarray) -> Message:
    ended = [msg("{racer} at step {step}", racer=racer, step=number(int(step))) for racer, step in zip(racers, steps,
                                                                                                       strict=True)]
    return msg("Blew up, its numbers past what a float holds: {racers}.", racers=_items(ended))


def race_distances(paths: pd.DataFrame) -> str:
    """Who came within CLOSE of a minimum and when, who is still away, and who blew up."""
    if not len(paths):
        return _said(N_("No racers."))
    racers, codes, last = _ends(paths)
    distance, steps = paths["distance"].to_numpy(dtype=float), paths["step"].to_numpy()
    reached = np.full(len(racers), np.inf)
    np.minimum.at(reached, codes[distance <= CLOSE], steps[distance <= CLOSE])
    heights = paths["value"].to_numpy(dtype=float)[last] if "value" in paths else np.zeros(len(last))
    blew = ~np.isfinite(distance[last]) | ~np.isfinite(heights)
    arrived = np.flatnonzero(np.isfinite(reached))
    away = np.flatnonzero(~np.isfinite(reached) & ~blew)
    sentences = []
    if len(arrived):  # a racer each: eight at most
        first = [msg("{racer} at step {step}", racer=racers[i], step=number(int(reached[i])))
                 for i in arrived[np.argsort(reached[arrived], kind="stable")]]
        sentences.append(msg("Came within {close} of a minimum: {racers}.", close=number(CLOSE), racers=_items(first)))
    away = away[np.argsort(distance[last][away], kind="stable")]
    if len(away) and len(set(steps[last][away])) == 1:
        sentences.append(msg("Still away at step {step}, nearest first: {racers}.", step=number(int(steps[last][away[0]])),
                             racers=_listing(racers[away], map(number, distance[last][away]))))
    elif len(away):
        still = [msg("{racer} {distance} away at step {step}", racer=racers[i], distance=number(distance[last][i]),
                     step=number(int(steps[last][i]))) for i in away]
        sentences.append(msg("Still away at the last step, nearest first: {racers}.", racers=_items(still)))
    if blew.any():
        sentences.append(_blew_up(racers[blew], steps[last][blew]))
    return _said(*sentences)


def loss_landscape(grid: pd.DataFrame, path: pd.DataFrame, axes: tuple[str, str], title: str) -> str:
    """The loss at the ends of training's path, and the slice's lowest point."""
    losses = grid["loss"].to_numpy(dtype=float) if len(grid) else np.zeros(0)
    sentences = []
    walked = path[np.isfinite(path["loss"].to_numpy(dtype=float))] if len(path) else path
    if len(walked):
        sentences.append(msg("Training's path runs from a loss of {first} at epoch {start} to {last} at epoch {end}.",
                             first=number(float(walked["loss"].iloc[0])), start=number(int(walked["epoch"].iloc[0])),
                             last=number(float(walked["loss"].iloc[-1])), end=number(int(walked["epoch"].iloc[-1]))))
    if np.isfinite(losses).any():
        lowest = int(np.nanargmin(np.where(np.isfinite(losses), losses, np.nan)))
        a, b = (float(grid[axis].iloc[lowest] + grid[f"{axis}_end"].iloc[lowest]) / 2 if f"{axis}_end" in grid
                else float(grid[axis].iloc[lowest]) for axis in ("a", "b"))
        sentences.append(msg("The lowest loss in this slice is {lowest}, at ({a}, {b}); the trained weights are at (0, 0).",
                             lowest=number(losses[lowest]), a=number(a), b=number(b)))
    return _said(*sentences) if sentences else _said(N_("No finite loss in this slice."))


def step_network(units: pd.DataFrame, edges: pd.DataFrame, heading: pd.DataFrame, edge_title: str, title: str,
                 pickable: bool = False) -> str:
    """The largest number on a connection, and what the output units show."""
    sentences = []
    values = edges["value"].to_numpy(dtype=float) if len(edges) else np.zeros(0)
    if np.isfinite(values).any():
        largest = int(np.nanargmax(np.abs(np.where(np.isfinite(values), values, np.nan))))
        sentences.append(msg("The largest {what} in size: {name}, {value}.", what=edge_title,
                             name=edges["weight"].iloc[largest], value=number(values[largest])))
    if len(units):
        outputs = units[units["x"] == units["x"].max()]
        shown = [msg("{unit} ({label})", unit=unit, label=label.replace("\n", " "))
                 for unit, label in zip(outputs["unit"].astype(str), outputs["label"].astype(str), strict=True)]
        sentences.append(msg("At the output: {outputs}.", outputs=_items(shown)))
    return _said(*sentences) if sentences else _said(N_("No network to show."))


# --- drawing the data ------------------------------------------------------------------------------------

def drawing_plane(points: pd.DataFrame, classes: list[str], values: bool, title: str | None = None,
                  taps: bool = True) -> str:
    """How many points are drawn, of each class or over which values."""
    if not len(points):
        return _said(N_("Nothing drawn yet: tap the plane to add a point."))
    if values:
        low, high = _span(points["value"])
        return _said(msg("Points drawn: {count}; values from {low} to {high}.", count=number(len(points)), low=low, high=high))
    names, counts = _counts(points["class"], classes)
    return _said(msg("Points drawn: {count}; by class: {classes}.", count=number(len(points)),
                     classes=_listing(names, map(number, counts))))


def drawing_line(cells: pd.DataFrame, knots: pd.DataFrame) -> str:
    """How many knots are drawn, and the curve's span."""
    if not len(knots):
        return _said(N_("Nothing drawn yet: tap or drag to set the target."))
    (x_low, x_high), (low, high) = _span(knots["x"]), _span(knots["y"])
    return _said(msg("Knots: {count}; the curve runs from x {x_low} to {x_high}, its target from {low} to {high}.",
                     count=number(len(knots)), x_low=x_low, x_high=x_high, low=low, high=high))
