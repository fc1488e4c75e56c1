"""Show the code: an Experiment as a standalone PyTorch script that trains the same way.

The script rebuilds the data (formula data in a few lines; tables and 2-D sets from a CSV that
`data_csv` writes, with nnlab's train and test rows listed), seeds torch to get the same initial
weights, and trains with the same loss, optimizer and batch order. It needs torch and the
standard library, plus pandas when it reads a CSV. Text from a user (file and column names)
enters the script only as Python string literals made by `repr`, never as code or comments.
"""

from __future__ import annotations

import io
import json
import textwrap

import torch

from nnlab import i18n
from nnlab.choices import CROSSES, INITIALIZERS, LOSSES, OPTIMIZERS, SCHEDULES
from nnlab.data.datasets import MAX_STANDARD_SCORE, Data, data_seed, load_data
from nnlab.data.tables import HEART_FILE
from nnlab.experiment import DRAWN, Experiment
from nnlab.i18n import N_, Message, msg
from nnlab.lessons import lesson, matching
from nnlab.training.models import build_model, dropout_seed, sequential_code

FORMULA_DATA = {
    "step": """\
x_train = torch.arange(-30, 30, dtype=torch.float32).reshape(-1, 1)
y_train = torch.zeros_like(x_train)
y_train[x_train <= -10] = 1.0
y_train[(x_train > -10) & (x_train < 10)] = 0.5
x_test, y_test = x_train[:0], y_train[:0]
""",
    "bump": """\
x_train = torch.arange(-50, 50, dtype=torch.float32).reshape(-1, 1)
distance = x_train.abs()
y_train = ((distance < 20) | ((distance > 30) & (distance < 40))).float()
x_test, y_test = x_train[:0], y_train[:0]
""",
    "random-classes": """\
generator = torch.Generator().manual_seed(DATA_SEED)
x_train = torch.rand(32, 64, generator=generator)
y_train = torch.randint(0, 10, (32,), generator=generator)
x_test, y_test = x_train[:0], y_train[:0]
""",
}


def data_file_name(exp: Experiment) -> str | None:
    """The CSV an exported script reads, or None when the script builds the data itself."""
    if exp.data.name in FORMULA_DATA:
        return None
    return HEART_FILE if exp.data.name == "heart-failure" else f"nnlab-{exp.data.name}-data.csv"


def data_csv(exp: Experiment) -> bytes:
    """The rows the exported script reads (before any split or scaling), as CSV."""
    data = load_data(exp)
    if data.source is None:
        raise ValueError(f"The {exp.data.name!r} data is built by the script itself; it needs no file.")
    return data.source.to_csv(index=False).encode()


def export_script(exp: Experiment, epochs: int | None = None, language: str = i18n.ENGLISH) -> str:
    """A standalone script that trains `exp` for `epochs` (default: the experiment's) and ends by
    printing `final train loss: <value>`, nnlab's last `train_loss` for the same run; its comments
    in `language` (the code is the same in every language)."""
    header, body = _header(exp), _body(exp, epochs)
    if language == i18n.ENGLISH:
        return header + body
    return i18n.translate(header, language) + _comments_in(body, language)


def _comments_in(script: str, language: str) -> str:
    """The script with each comment the catalogue knows (marked N_ where it is written) in `language`."""
    lines = []
    for line in script.split("\n"):
        code, mark, comment = line.partition("# ")
        text = comment.strip("- ")
        if mark and text and (not code.strip() or code.endswith("  ")):
            comment = comment.replace(text, i18n.translate(text, language), 1)
        lines.append(code + mark + comment)
    return "\n".join(lines)


def _body(exp: Experiment, epochs: int | None) -> str:
    """Everything after the header: the code, its comments in English (marked N_ for `_comments_in`)."""
    data = load_data(exp)
    epochs = epochs or exp.training.epochs
    spec = exp.training
    model = build_model(exp, data.n_features, data.n_outputs, data.task)
    model_code = sequential_code(model)
    parts = [
        "",  # the line after the header
        "import math\n\nimport torch\nfrom torch import nn\n",
        f"SEED = {exp.seed}\nDATA_SEED = {data_seed(exp)}\nEPOCHS = {epochs}\n"
        f"BATCH_SIZE = {spec.batch_size}  # " + N_("None: the whole training set in one step") + "\n"
        f"SHUFFLE = {spec.shuffle}\n",
        "# --- " + N_("the data") + " " + "-" * 70,
        FORMULA_DATA.get(exp.data.name) or _table_code(exp, data),
        "# --- " + N_("the model: the same initial weights as nnlab, from the same seed") + " " + "-" * 16,
        model_code.split("\n", 2)[2] + "\n",
        INITIAL_WEIGHTS.format(init=textwrap.indent(INITIALIZERS[exp.model.init].code, " " * 12),
                               drawn=N_("nnlab's initial weights, drawn from a generator of this model's own (not "
                                        "torch's global one,"),
                               anything=N_("which anything else may draw from), layer by layer")),
        _start_code(exp, model.state_dict()),
        f"loss_fn = {LOSSES[spec.loss].code}",
        _optimizer_code(exp),
        _schedule_code(exp) + _penalty_code(exp) + _dropout_code(exp),
        "# --- " + N_("training: the same batches in the same order") + " " + "-" * 35,
        _train_loop(exp),
    ]
    return "\n".join(parts)


def _start_code(exp: Experiment, state: dict) -> str:
    """The weights a run starts from, set by hand or brought back, written out exactly (float32 values
    are exact as Python floats), in place of the seed's."""
    if not exp.model.start:
        return ""
    comment = N_("the weights this run starts from, set by hand or brought back into nnlab, in place of the seed's")
    return "\n".join(["# " + comment,
                      *(_wrapped(f"START_{number}", tensor.tolist()) for number, tensor in enumerate(state.values())),
                      f"START = dict(zip({list(state)!r}, [{', '.join(f'START_{n}' for n in range(len(state)))}]))",
                      "model.load_state_dict({name: torch.tensor(values) for name, values in START.items()})\n"])


def _optimizer_code(exp: Experiment) -> str:
    spec = exp.training
    arguments = "".join(f", {name}={value!r}" for name, value in spec.optimizer_arguments().items())
    return (f"optimizer = torch.optim.{OPTIMIZERS[spec.optimizer].torch_name}(model.parameters(), "
            f"lr={spec.learning_rate!r}{arguments})")


def _schedule_code(exp: Experiment) -> str:
    if exp.training.schedule == "constant":
        return ""
    return ("# " + N_("the learning rate of epoch `epoch` (from 0) is the optimizer's lr times this") + "\n"
            f"scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: {SCHEDULES[exp.training.schedule].code})\n")


def _penalty_code(exp: Experiment) -> str:
    spec = exp.training
    if not (spec.l2 or spec.l1):
        return ""
    terms = ([f"{spec.l2!r} * 0.5 * weight.pow(2).sum()"] if spec.l2 else []) + (
        [f"{spec.l1!r} * weight.abs().sum()"] if spec.l1 else [])
    return ("\n\ndef penalty():\n"
            "    # " + N_("L2 and L1 regularisation, on the Linear layers' weights (not their biases)") + "\n"
            "    weights = [layer.weight for layer in model if isinstance(layer, nn.Linear)]\n"
            f"    return sum({' + '.join(terms)} for weight in weights)\n\n")


def _dropout_code(exp: Experiment) -> str:
    if not exp.model.drops:
        return ""
    return f"torch.manual_seed({dropout_seed(exp)})  # " + N_("dropout draws its masks from torch's global generator") + "\n"


def _train_loop(exp: Experiment) -> str:
    spec = exp.training
    objective = "(loss + penalty())" if spec.l2 or spec.l1 else "loss"
    loop = (TRAIN_LOOP.replace("OBJECTIVE", objective)
            .replace("SHUFFLE_NOTE", N_("draws a new order each epoch when SHUFFLE"))
            .replace("LOSS_NOTE", N_("mean loss per sample over the epoch, as nnlab's history records it")))
    if spec.schedule != "constant":
        loop = loop.replace("    train_loss = total / n", "    scheduler.step()\n    train_loss = total / n")
    return loop


def _header(exp: Experiment) -> Message:
    lesson_id = matching(exp)
    about = (msg("{title} (nnlab lesson {lesson!r})", title=lesson(lesson_id).title, lesson=lesson_id) if lesson_id
             else N_("An nnlab experiment"))
    needs = N_("torch and pandas, and the file named in DATA_FILE beside it") if data_file_name(exp) else N_("torch only")
    return msg('"""{about}, in plain PyTorch.\n\nWritten by nnlab.export_script with the app\'s data, initial weights, '
               "loss, optimizer\nand batch order: the last line it prints is the app's final train loss.\nNeeds "
               '{needs}.\n"""\n', about=about, needs=needs)


def _table_code(exp: Experiment, data: Data) -> str:
    """Read the CSV, take nnlab's train and test rows, encode the target, scale as nnlab does."""
    target = data.target_name
    features = [name for name in data.feature_names if name not in data.crosses]
    all_rows = data.train_rows == list(range(len(data.train_rows))) and not data.test_rows
    lines = [
        "import pandas as pd\n",
        f"DATA_FILE = {data_file_name(exp)!r}",
        *(_drawn_rows(data) if exp.data.name in DRAWN else []),
        f"FEATURES = {features!r}",
        f"TARGET = {target!r}",
        "TRAIN_ROWS = None  # " + N_("every row, in file order") if all_rows else _wrapped("TRAIN_ROWS", data.train_rows),
        _wrapped("TEST_ROWS", data.test_rows) + "\n",
        "table = pd.read_csv(DATA_FILE)",
        'x_all = torch.tensor(table[FEATURES].to_numpy(dtype="float64"))',
    ]
    if data.task == "regression":
        lines.append('y_all = torch.tensor(table[TARGET].to_numpy(dtype="float64"))')
    else:
        lines += ["classes = sorted(table[TARGET].unique())  # " + N_("class i is the i-th smallest label"),
                  "y_all = torch.tensor(table[TARGET].map({label: i for i, label in enumerate(classes)}).to_numpy())"]
    lines += ["train_rows = list(range(len(table))) if TRAIN_ROWS is None else TRAIN_ROWS",
              "x_train, y_train = x_all[train_rows], y_all[train_rows]",
              "x_test, y_test = x_all[TEST_ROWS], y_all[TEST_ROWS]"]
    if data.standardised:
        lines += ["# " + N_("standardise with the training rows' mean and standard deviation only"),
                  "mean, std = x_train.mean(dim=0), x_train.std(dim=0, correction=0)",
                  "std[std == 0] = 1.0",
                  "x_train, x_test = (x_train - mean) / std, (x_test - mean) / std",
                  f"x_test = x_test.clamp({-MAX_STANDARD_SCORE:g}, {MAX_STANDARD_SCORE:g})  # "
                  + N_("as nnlab clips a wild test value")]
    lines.append("x_train, x_test = x_train.float(), x_test.float()")
    if data.crosses:
        lines += ["\n\ndef with_crosses(x):", "    # " + N_("the crossed input features, after x1 and x2"),
                  "    return torch.cat([x, " + ", ".join(f"({CROSSES[name].code}).reshape(-1, 1)" for name in data.crosses)
                  + "], dim=1)\n\n",
                  "x_train, x_test = with_crosses(x_train), with_crosses(x_test)"]
    if data.target_standardised:
        lines += ["centre, scale = y_train.mean(), y_train.std(correction=0)",
                  "scale = scale if scale > 0 else torch.tensor(1.0, dtype=torch.float64)",
                  "y_train, y_test = (y_train - centre) / scale, (y_test - centre) / scale"]
    if data.task == "multiclass":
        lines.append("y_train, y_test = y_train.long(), y_test.long()")
    else:
        lines.append("y_train, y_test = y_train.float().reshape(-1, 1), y_test.float().reshape(-1, 1)")
    return "\n".join(lines) + "\n"


def _drawn_rows(data: Data) -> list[str]:
    """A drawing's rows in the script itself, written out as the data file it reads next."""
    rows = [tuple(row) for row in data.source.astype(object).to_numpy().tolist()]  # Python numbers: exact reprs
    return [_wrapped("DRAWN_ROWS", rows) + "  # " + N_("the drawing, as nnlab read it"),
            f"pd.DataFrame(DRAWN_ROWS, columns={list(data.source.columns)!r}).to_csv(DATA_FILE, index=False)"]


def _wrapped(name: str, values: list) -> str:
    """`NAME = [...]` broken into lines of at most 100 characters."""
    return textwrap.fill(f"{name} = {values!r}", width=100, subsequent_indent="    ", break_on_hyphens=False)


INITIAL_WEIGHTS = """\
# {drawn}
# {anything}
generator = torch.Generator().manual_seed(SEED)
with torch.no_grad():
    for layer in model:
        if isinstance(layer, nn.Linear):
{init}
"""

TRAIN_LOOP = """\
n = len(x_train)
size = BATCH_SIZE or n
shuffler = torch.Generator().manual_seed(SEED + 1)  # SHUFFLE_NOTE
for epoch in range(1, EPOCHS + 1):
    model.train()
    order = torch.randperm(n, generator=shuffler) if SHUFFLE else torch.arange(n)
    total = 0.0
    for start in range(0, n, size):
        rows = order[start:start + size]
        optimizer.zero_grad()
        loss = loss_fn(model(x_train[rows]), y_train[rows])
        OBJECTIVE.backward()
        optimizer.step()
        total += loss.item() * len(rows)
    train_loss = total / n  # LOSS_NOTE
    if epoch % max(1, EPOCHS // 10) == 0 or epoch == EPOCHS:
        report = f"epoch {epoch:>6}/{EPOCHS}  train loss {train_loss:.6f}"
        if len(x_test):
            model.eval()
            with torch.no_grad():
                report += f"  test loss {loss_fn(model(x_test), y_test).item():.6f}"
        print(report)

print(f"final train loss: {train_loss:.8g}")
"""


def weights_file(model: torch.nn.Module) -> bytes:
    """The trained weights as a `state_dict` file: load with `torch.load(f, weights_only=True)`."""
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getvalue()


def experiment_json(exp: Experiment) -> str:
    return json.dumps(exp.to_dict(), indent=2, ensure_ascii=False)


def history_csv(history) -> bytes:
    return history.to_csv(index=False).encode()
