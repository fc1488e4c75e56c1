"""What the charts show, as DataFrames: predictions of a trained network, confusion counts,
the layout of a network diagram, the drawing grids. No Streamlit or Altair, so every picture is
testable. What a run comes to in a sentence is in nnlab.pictures.readouts."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import torch

from nnlab import i18n
from nnlab.data import drawing
from nnlab.data.datasets import Data, with_crosses
from nnlab.i18n import N_, msg
from nnlab.lazy import import_alone
from nnlab.training.models import hidden_activations, linear_layers, predict_proba
from nnlab.training.trainer import TrainResult


def points_frame(data: Data) -> pd.DataFrame:
    """Every data point as trained on (scaled): features, `target`, `split` and, for classes, `class`.

    1-D and 2-D features are named `x` and `x1`, `x2` whatever the file called them, so one chart
    draws every such dataset; `data.feature_names` gives the axis titles.
    """
    names = {1: ["x"], 2: ["x1", "x2"]}.get(data.n_features, data.feature_names)
    x = np.concatenate([data.x_train.numpy(), data.x_test.numpy()])
    target = np.concatenate([data.y_train.reshape(-1).numpy(), data.y_test.reshape(-1).numpy()])
    columns = {name: x[:, i] for i, name in enumerate(names)} | {"target": target}
    columns["split"] = np.repeat(np.array(["train", "test"], dtype=object), [len(data.x_train), len(data.x_test)])
    if data.task != "regression" and data.hard_labels:
        columns["class"] = np.asarray(data.class_names, dtype=object)[target.astype(int)]
    frame = pd.DataFrame(columns)  # built once from whole columns: a frame per split and a concat cost 5x
    return frame


def table_frame(data: Data) -> pd.DataFrame:
    """A real table in its own units (before scaling) with a `class` column; else the points."""
    if data.table is None:
        return points_frame(data)
    frame = data.table.copy()
    if data.task != "regression":
        codes = pd.factorize(frame[data.target_name], sort=True)[0]
        frame["class" if "class" not in frame else "class name"] = [data.class_names[c] for c in codes]
    return frame


def fit_curve(result: TrainResult, epoch: int, resolution: int = 300) -> pd.DataFrame:
    """1-D data: the network's output over a dense x grid, with the weights of snapshot `epoch`."""
    data = result.data
    x_all = torch.cat([data.x_train, data.x_test])[:, 0]
    grid = torch.linspace(float(x_all.min()), float(x_all.max()), resolution).reshape(-1, 1)
    prediction = predict_proba(result.model_at(epoch), grid, result.experiment, data.task)
    return pd.DataFrame({"x": grid[:, 0].numpy(), "prediction": prediction.numpy(), "epoch": epoch})


def _plane_grid(data: Data, resolution: int, margin: float) -> tuple[torch.Tensor, list[float]]:
    """Points (resolution², 2) covering every x1, x2 of the data plus `margin` of its span, and the cell size."""
    points = torch.cat([data.x_train, data.x_test])[:, :2]
    low, high = points.min(dim=0).values, points.max(dim=0).values
    pad = (high - low) * margin
    axes = [torch.linspace(float(low[i] - pad[i]), float(high[i] + pad[i]), resolution) for i in range(2)]
    grid_x1, grid_x2 = torch.meshgrid(axes[0], axes[1], indexing="xy")
    return torch.stack([grid_x1.reshape(-1), grid_x2.reshape(-1)], dim=1), [float(axis[1] - axis[0]) for axis in axes]


def _cells(grid: torch.Tensor, step: list[float]) -> dict:
    """Columns of a heatmap: each cell's corners, the cell centred on the point the network was asked
    about (a cell from that point on drew the whole map half a cell off)."""
    x1, x2 = grid[:, 0].numpy(), grid[:, 1].numpy()
    return {"x1": x1 - step[0] / 2, "x2": x2 - step[1] / 2, "x1_end": x1 + step[0] / 2, "x2_end": x2 + step[1] / 2}


def decision_grid(result: TrainResult, epoch: int, resolution: int = 60) -> pd.DataFrame:
    """2-D binary data: probability of class 1 on a grid covering every point, with a margin."""
    data = result.data
    grid, step = _plane_grid(data, resolution, 0.05)
    probability = predict_proba(result.model_at(epoch), with_crosses(grid, data.crosses), result.experiment, data.task)
    if data.task == "multiclass":
        probability = probability.argmax(dim=1).float()
    return pd.DataFrame({**_cells(grid, step), "probability": probability.numpy()})


def value_grid(result: TrainResult, epoch: int, resolution: int = 60) -> pd.DataFrame:
    """2-D regression: the network's prediction on a grid covering every point, with a margin."""
    data = result.data
    grid, step = _plane_grid(data, resolution, 0.05)
    prediction = predict_proba(result.model_at(epoch), with_crosses(grid, data.crosses), result.experiment, data.task)
    return pd.DataFrame({**_cells(grid, step), "prediction": prediction.numpy()})


IMAGES_ACROSS = 6  # a grid of images: this many to a row


def image_grid(data: Data, result: TrainResult | None = None, epoch: int = 0, count: int = 36) -> pd.DataFrame:
    """Images data: the first `count` test images (train images without a test part), one row per
    pixel with its place in a grid of images (image i sits at column i % IMAGES_ACROSS, row
    i // IMAGES_ACROSS), its `ink` (the file's value), the image's `actual` class and, given a
    result, the class it `predicted` at snapshot `epoch`."""
    height, width = data.image_shape
    test = data.shown_split == "test"
    rows, x, y = (data.test_rows, data.x_test, data.y_test) if test else (data.train_rows, data.x_train, data.y_train)
    count = min(count, len(rows))
    images = data.source.drop(columns=[data.target_name]).to_numpy(np.float64)[rows[:count]]  # the file's ink
    actual = y[:count].numpy()
    image = np.repeat(np.arange(count), height * width)
    pixel = np.tile(np.arange(height * width), count)
    # blank pixels between images; above each, room for its label and a clear gap to the image above
    across, down = 3, 6
    frame = pd.DataFrame({
        "image": image,
        "column": (image % IMAGES_ACROSS) * (width + across) + pixel % width,
        "row": (image // IMAGES_ACROSS) * (height + down) + down + pixel // width,
        "ink": images.reshape(-1),
        "actual": np.asarray(data.class_names)[actual[image]],
    })
    if result is not None:
        predicted = predict_proba(result.model_at(epoch), x[:count], result.experiment, data.task).argmax(dim=1).numpy()
        frame["predicted"] = np.asarray(data.class_names)[predicted[image]]
    return frame


def sweep_cells(runs: pd.DataFrame, score: str, higher_is_better: bool) -> pd.DataFrame:
    """A sweep's runs (nnlab.sweep) as one row a cell: the seeds' median `score` (a run's final
    value, e.g. "test_acc"), its spread, the runs and how many diverged, and whether the cell is on
    the bright half of a viridis scale whose better end is bright (for the ink of its label)."""
    cells = runs.groupby(["learning_rate", "hidden_units"]).agg(
        score=(f"final_{score}", "median"), low=(f"final_{score}", "min"), high=(f"final_{score}", "max"),
        runs=("seed", "size"), diverged=("diverged", "sum")).reset_index()
    cells["spread"] = cells["high"] - cells["low"]
    low, high = cells["score"].min(), cells["score"].max()
    position = (cells["score"] - low) / (high - low) if high > low else 0.5
    cells["bright"] = (position > 0.5) if higher_is_better else (position < 0.5)
    return cells.drop(columns=["low", "high"])


def confusion(result: TrainResult, split: str, epoch: int) -> pd.DataFrame:
    """Counts of (actual, predicted) class pairs on the train or test part at snapshot `epoch`."""
    data = result.data
    x, y = (data.x_test, data.y_test) if split == "test" else (data.x_train, data.y_train)
    probability = predict_proba(result.model_at(epoch), x, result.experiment, data.task)
    predicted = probability.argmax(dim=1) if data.task == "multiclass" else (probability > 0.5).long()
    actual = y.reshape(-1).long()
    names = data.class_names
    counts = import_alone("sklearn.metrics").confusion_matrix(actual.numpy(), predicted.numpy(), labels=range(len(names)))
    return pd.DataFrame([{"actual": names[a], "predicted": names[p], "count": int(counts[a, p])}
                         for a in range(len(names)) for p in range(len(names))])


def network_layout(sizes: list[int], activations: list[str], max_drawn: int = 12):
    """Nodes and edges for a diagram of a network with layer `sizes` (input, hidden..., output).

    Layers wider than `max_drawn` are drawn with their first units and a "+N" label, so a
    256-unit layer stays readable on a projector.
    """
    nodes, edges = [], []
    for layer, size in enumerate(sizes):
        drawn = min(size, max_drawn)
        for unit in range(drawn):
            nodes.append({"layer": layer, "unit": unit, "x": layer, "y": unit - (drawn - 1) / 2,
                          "label": "", "kind": _layer_kind(layer, len(sizes))})
        if size > drawn:  # below the units: above them is the layer's heading, and the two overprinted
            nodes.append({"layer": layer, "unit": drawn, "x": layer, "y": -(drawn - 1) / 2 - 1.2,
                          "label": f"+{size - drawn}", "kind": "more"})
    drawn_at = {(n["layer"], n["unit"]): n for n in nodes if n["kind"] != "more"}
    for (layer, _), node in drawn_at.items():
        for (next_layer, _), target in drawn_at.items():
            if next_layer == layer + 1:
                edges.append({"edge": len(edges), "x": node["x"], "y": node["y"],
                              "x2": target["x"], "y2": target["y"]})
    hidden = [f"{a}\n{s}" for s, a in zip(sizes[1:-1], activations, strict=True)]
    titles = [N_("input") + f"\n{sizes[0]}", *hidden, N_("output") + f"\n{sizes[-1]}"]  # charts translates each line
    top = max(min(size, max_drawn) for size in sizes) / 2 + 1.5
    heading = pd.DataFrame({"x": range(len(sizes)), "title": titles, "y": top})
    return pd.DataFrame(nodes), pd.DataFrame(edges), heading


def _layer_kind(layer: int, count: int) -> str:
    return "input" if layer == 0 else "output" if layer == count - 1 else "hidden"


def unit_contributions(result: TrainResult, epoch: int, resolution: int = 100) -> tuple[pd.DataFrame, pd.DataFrame]:
    """1-D data: what each unit of the last hidden layer adds to the output over x (its output
    weight times its activation), as (curves, units). `curves` has x, a column per unit ("unit 1",
    ...) and `sum`: all of them plus the output bias, the value the output nonlinearity (if any)
    receives. `units` has each unit's in_weight (its first weights, as text), bias and out_weight.
    Both empty for a network without a hidden layer."""
    data = result.data
    model = result.model_at(epoch)
    x_all = torch.cat([data.x_train, data.x_test])[:, 0]
    grid = torch.linspace(float(x_all.min()), float(x_all.max()), resolution).reshape(-1, 1)
    layers = hidden_activations(model, grid)
    if not layers:
        return pd.DataFrame(columns=["x", "sum"]), pd.DataFrame(columns=["unit", "in_weight", "bias", "out_weight"])
    linears = list(linear_layers(model).values())
    output, first = linears[-1], linears[len(layers) - 1]  # `first`: the layer whose units are drawn
    out_weights = output.weight.detach()[0]
    contributions = (layers[-1] * out_weights).numpy()  # (points, units)
    names = [f"unit {unit + 1}" for unit in range(contributions.shape[1])]
    curves = pd.DataFrame({"x": grid[:, 0].numpy(), **dict(zip(names, contributions.T, strict=True)),
                           "sum": contributions.sum(axis=1) + float(output.bias.detach()[0])})
    weights = first.weight.detach()
    more = " …" if weights.shape[1] > 3 else ""
    units = pd.DataFrame({"unit": names,
                          "in_weight": [", ".join(f"{w:.3g}" for w in row[:3].tolist()) + more for row in weights],
                          "bias": first.bias.detach().numpy(), "out_weight": out_weights.numpy()})
    return curves, units


def unit_maps(result: TrainResult, epoch: int, resolution: int = 24, max_units: int = 8) -> pd.DataFrame:
    """2-D data: every hidden unit's activation over the plane, like Playground's neuron thumbnails.
    One row per cell of the plane (its corners, as `decision_grid` gives them) and a column per
    unit, named "layer_unit" ("1_2": the first layer's second unit): the cells go once, not once a
    unit. Each unit is scaled by its largest magnitude, so its own pattern fills the colour range;
    the first `max_units` units of each layer are kept."""
    data = result.data
    grid, step = _plane_grid(data, resolution, 0.0)
    layers = hidden_activations(result.model_at(epoch), with_crosses(grid, data.crosses))
    columns = _cells(grid, step)
    for layer, values in enumerate(layers, start=1):
        shown = values[:, :max_units]
        scale = shown.abs().amax(dim=0)
        scaled = (shown / torch.where(scale > 0, scale, torch.ones_like(scale))).numpy()
        columns |= {f"{layer}_{unit}": scaled[:, unit - 1] for unit in range(1, shown.shape[1] + 1)}
    return pd.DataFrame(columns)


def first_layer_weights(result: TrainResult, epoch: int) -> pd.DataFrame:
    """Tables: the weight from every input feature to every unit of the first layer."""
    data = result.data
    first = list(linear_layers(result.model_at(epoch)).values())[0]
    weights = first.weight.detach().numpy()  # (units, features)
    return pd.DataFrame([{"feature": feature, "unit": f"unit {unit + 1}", "weight": float(weights[unit, i])}
                         for unit in range(weights.shape[0]) for i, feature in enumerate(data.feature_names)])


def landscape_cells(grid: pd.DataFrame, path: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A landscape's grid points as cells (a to a_end, b to b_end) with the log of their loss, and
    its path with a label on its first and last epoch."""
    steps = {column: np.diff(np.unique(grid[column]))[0] for column in ("a", "b")}
    cells = grid.assign(a=grid["a"] - steps["a"] / 2, b=grid["b"] - steps["b"] / 2)
    cells = cells.assign(a_end=cells["a"] + steps["a"], b_end=cells["b"] + steps["b"],
                         height=np.log10(grid["loss"] - grid["loss"].min() + 1e-4))
    labels = [""] * len(path)
    language = i18n.LANGUAGE.get()  # a label drawn on the picture: in the session's language
    labels[0], labels[-1] = (i18n.translate(msg("epoch {epoch}", epoch=int(path["epoch"].iloc[end])), language)
                             for end in (0, -1))
    return cells, path.assign(label=labels)


# --- drawing the data ----------------------------------------------------------------------------

PLANE_CELL = 0.2  # a tap's grid on the plane: 60 x 60 cells (nnlab.pictures.data_charts.drawing_plane)
LINE_CELLS = (drawing.CURVE_POSITIONS // 2 + 1, 41)  # a curve's: every other knot position, values 0.1 apart


@functools.lru_cache(maxsize=1)
def line_cells() -> pd.DataFrame:
    """The cells a tap or drag on the drawing line selects: centre x, y and edges."""
    (x0, x1), (y0, y1) = drawing.CURVE_X, drawing.CURVE_Y
    xs, ys = np.linspace(x0, x1, LINE_CELLS[0]), np.linspace(y0, y1, LINE_CELLS[1])
    half_x, half_y = (xs[1] - xs[0]) / 2, (ys[1] - ys[0]) / 2
    x, y = (grid.reshape(-1) for grid in np.meshgrid(xs, ys, indexing="xy"))
    return pd.DataFrame({"x": x, "y": y, "x_from": x - half_x, "x_to": x + half_x,
                         "y_from": y - half_y, "y_to": y + half_y}).round(6)


def drawn_points(points: drawing.Points) -> pd.DataFrame:
    """x1, x2 and class (its name) or value of each drawn point."""
    x1, x2, third = points.frame_columns()
    third = {"value": third} if points.values else {"class": third.astype(str)}
    return pd.DataFrame({"x1": x1, "x2": x2, **third})


def drawn_knots(curve: drawing.Curve) -> pd.DataFrame:
    x, y = curve.xy()
    return pd.DataFrame({"x": x, "y": y})
