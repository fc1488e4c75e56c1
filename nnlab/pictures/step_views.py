"""One step's numbers as the Inside one step page shows them: the network diagram's frames for each
phase, and the arithmetic written out, "0.42 = 0.61 × 0.69", from nnlab.study.by_hand's Step."""

from __future__ import annotations

import pandas as pd

from nnlab.i18n import N_
from nnlab.study.by_hand import BIAS, PHASES, Step
from nnlab.study.optimizer_rules import RULES


def _number(value: float) -> str:
    """Four significant digits, with a minus sign that reads on a projector."""
    return f"{value:.4g}".replace("-", "−")


def _term(value: float) -> str:
    """A number inside a sum or product: brackets around a negative one."""
    return f"({_number(value)})" if value < 0 else _number(value)


def unit_names(step: Step, features: list[str]) -> dict[tuple[int, int], str]:
    """(layer, unit) -> its name: the input's feature name, h1…, or ŷ (h2.1… with several hidden layers)."""
    sizes = step.forward[step.forward["row"] == step.rows[0]].groupby("layer").size().to_dict()
    last = max(sizes)
    names = {}
    for layer, size in sizes.items():
        for unit in range(size):
            if layer == 0:
                names[layer, unit] = features[unit] if unit < len(features) else f"x{unit + 1}"
            elif layer == last:
                names[layer, unit] = "ŷ" if size == 1 else f"ŷ{unit + 1}"
            else:
                names[layer, unit] = f"h{unit + 1}" if last == 2 else f"h{layer}.{unit + 1}"
    return names


def weight_name(names: dict, layer: int, unit: int, source: int) -> str:
    target = names[layer, unit]
    return f"b({target})" if source == BIAS else f"w({names[layer - 1, source]}→{target})"


def rule(step: Step) -> str:
    """The optimizer's update as LaTeX, for its settings."""
    return RULES[step.optimizer].latex(step.group)


def diagram(step: Step, row: int, phase: str, features: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Units (x, y, unit, value, label), edges (x, y, x2, y2, weight, value, size) and headings
    for `phase` of `row`: forward and loss show z and a with the weights; backward dL/dz with
    each weight's gradient; update each weight's step, a bias's under its unit."""
    names = unit_names(step, features)
    forward = step.forward[step.forward["row"] == row].set_index(["layer", "unit"])
    backward = step.backward[step.backward["row"] == row].set_index(["layer", "unit"])
    update = step.update.set_index(["layer", "unit", "source"])
    sizes = forward.groupby(level="layer").size()
    units = []
    for (layer, unit), values in forward.iterrows():
        y = unit - (sizes[layer] - 1) / 2
        if layer == 0:
            label = f"{_number(values['a'])}"
        elif phase in ("forward", "loss"):
            label = f"z={_number(values['z'])}\na={_number(values['a'])}"
        elif phase == "backward":  # two lines, as the other phases': one ("dL/dz=−4.913e−09") reached the next layer
            label = f"dL/dz =\n{_number(backward.loc[(layer, unit), 'dz'])}"
        else:
            bias = update.loc[(layer, unit, BIAS)]
            label = f"b: {_number(bias['before'])}\n→ {_number(bias['after'])}"
        value = values["a"] if phase in ("forward", "loss") or layer == 0 else \
            backward.loc[(layer, unit), "dz"] if phase == "backward" else update.loc[(layer, unit, BIAS), "step"]
        units.append({"x": layer, "y": -y, "unit": names[layer, unit], "value": value, "label": label})
    column = {"forward": "before", "loss": "before", "backward": "gradient", "update": "step"}[phase]
    edges = []
    weights = step.update[step.update["source"] != BIAS]
    for _, weight in weights.iterrows():
        layer, unit, source = int(weight["layer"]), int(weight["unit"]), int(weight["source"])
        edges.append({"x": layer - 1, "y": -(source - (sizes[layer - 1] - 1) / 2), "x2": layer,
                      "y2": -(unit - (sizes[layer] - 1) / 2), "weight": weight_name(names, layer, unit, source),
                      "value": weight[column]})
    edges = pd.DataFrame(edges)
    reach = edges["value"].abs().max() or 1.0
    edges["size"] = edges["value"].abs() / reach
    titles = [N_("inputs"), *[step.activations[layer] for layer in range(1, len(sizes))]]
    titles[-1] = N_("output") + "\n" + titles[-1]  # a line each: charts translates them one by one
    top = max(sizes.max(), 3) / 2 + 0.9  # above the widest layer (study_charts.step_network leaves the room)
    heading = pd.DataFrame({"x": range(len(sizes)), "y": top, "title": titles})
    return pd.DataFrame(units), edges, heading


def forward_sums(step: Step, row: int, features: list[str]) -> pd.DataFrame:
    """Each unit's weighted sum written out for `row`, then its activation."""
    names = unit_names(step, features)
    forward = step.forward[step.forward["row"] == row].set_index(["layer", "unit"])
    weights = step.update.set_index(["layer", "unit", "source"])["before"]
    lines = []
    for (layer, unit), values in forward.iterrows():
        if layer == 0:
            continue
        inputs = forward.loc[layer - 1]
        terms = [f"{_term(weights[(layer, unit, source)])}×{_term(inputs.loc[source, 'a'])}" for source in inputs.index]
        lines.append({N_("unit"): names[layer, unit],
                      "z = Σ w·a + b": " + ".join([*terms, _term(weights[(layer, unit, BIAS)])]) + f" = {_number(values['z'])}",
                      "a = f(z)": f"{step.activations[layer]}({_number(values['z'])}) = {_number(values['a'])}"})
    return pd.DataFrame(lines)


def losses(step: Step) -> pd.DataFrame:
    """Each row of the batch: its target, the network's output and its own loss."""
    outputs = step.forward[step.forward["layer"] == step.forward["layer"].max()]
    shown = outputs.pivot(index="row", columns="unit", values="a").reindex(step.rows)
    frame = pd.DataFrame({N_("row"): step.rows})
    targets = step.targets.pivot(index="row", columns="output", values="target").reindex(step.rows)
    for unit in shown.columns:
        frame[f"ŷ{unit + 1}" if len(shown.columns) > 1 else "ŷ"] = shown[unit].to_numpy()  # as the diagram names them
    frame[N_("target")] = targets.iloc[:, 0].to_numpy() if targets.shape[1] == 1 else [tuple(t) for t in targets.to_numpy()]
    frame[N_("loss")] = step.targets.groupby("row")["loss"].first().reindex(step.rows).to_numpy()
    return frame


def chain_rule(step: Step, row: int, features: list[str]) -> pd.DataFrame:
    """Each unit's dL/dz for `row`, from the output back: dL/dz = dL/da × f'(z), where dL/da comes
    from the loss at the output and, below it, is the sum of dL/dz × w over the units it feeds."""
    names = unit_names(step, features)
    backward = step.backward[step.backward["row"] == row].sort_values(["layer", "unit"], ascending=[False, True])
    lines = []
    for _, values in backward.iterrows():
        layer, unit = int(values["layer"]), int(values["unit"])
        lines.append({N_("unit"): names[layer, unit], "dL/da": _number(values["da"]), "f'(z)": _number(values["slope"]),
                      "dL/dz = dL/da × f'(z)": f"{_term(values['da'])} × {_term(values['slope'])} = {_number(values['dz'])}"})
    return pd.DataFrame(lines)


def weight_gradients(step: Step, row: int, features: list[str]) -> pd.DataFrame:
    """Each weight's gradient: this row's share, dL/dz × the input it weighs, then the batch's sum
    (and the penalty's part, if any)."""
    names = unit_names(step, features)
    forward = step.forward.set_index(["row", "layer", "unit"])["a"]
    backward = step.backward.set_index(["row", "layer", "unit"])["dz"]
    lines = []
    for _, weight in step.gradients.iterrows():
        layer, unit, source = int(weight["layer"]), int(weight["unit"]), int(weight["source"])
        dz = backward[(row, layer, unit)]
        a = 1.0 if source == BIAS else forward[(row, layer - 1, source)]
        share = f"{_term(dz)} × {_term(a)} = {_number(dz * a)}" if source != BIAS else f"{_number(dz)}"
        line = {N_("weight"): weight_name(names, layer, unit, source), N_("this row: dL/dz × a"): share,
                N_("batch: sum over its rows"): _number(weight["gradient"] - weight["from_penalty"])}
        if weight["from_penalty"]:
            line[N_("+ penalty")] = _number(weight["from_penalty"])
        line[N_("gradient")] = _number(weight["gradient"])
        lines.append(line)
    return pd.DataFrame(lines)


def updates(step: Step, features: list[str]) -> pd.DataFrame:
    """Each weight: before, its gradient, the optimizer's state, the step, after."""
    names = unit_names(step, features)
    frame = pd.DataFrame({N_("weight"): [weight_name(names, *map(int, key)) for key in
                                     step.update[["layer", "unit", "source"]].to_numpy()]})
    frame[N_("before")] = step.update["before"].map(_number)
    frame[N_("gradient g")] = step.update["gradient"].map(_number)
    for column in step.state:
        frame[RULES[step.optimizer].symbols[column]] = step.update[column].map(_number)
    frame[N_("step")] = step.update["step"].map(_number)
    frame[N_("after")] = step.update["after"].map(_number)
    return frame


def phase_after(step_number: int, phase: str, forward: bool) -> tuple[int, str]:
    """Next (or Back): forward → loss → backward → update → the next step's forward."""
    index = PHASES.index(phase) + (1 if forward else -1)
    if index == len(PHASES):
        return step_number + 1, PHASES[0]
    if index < 0:
        return (step_number - 1, PHASES[-1]) if step_number > 0 else (0, PHASES[0])
    return step_number, PHASES[index]

