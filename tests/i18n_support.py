"""What a page shows in words, read off an AppTest run, and the English left in it."""

from __future__ import annotations

import json
import re

from google.protobuf.message import Message as Proto

from nnlab.choices import ACTIVATIONS, LOSSES, OPTIMIZERS

# Elements whose text is not prose: code, the page's CSS, a table's data, a picture's image.
NOT_PROSE = {"code", "html", "arrow_data_frame", "data_frame", "imgs", "json", "deck_gl_json_chart", "empty",
             "arrow_table", "latex"}
# The language switch names each language in itself, and its label is in both: whoever reads either finds it.
BOTH_LANGUAGES = {"Language", "English"}
# Names that are code or notation and stay as they are in every language (the allow-list).
CODE_NAMES = {
    "nn", "Linear", "Sequential", "Leaky", "Softmax", "PyTorch", "torch", "optim",
    "Nesterov", "MSE", "BCE", "Xavier", "Kaiming", "He", "Glorot", "Rosenbrock", "Himmelblau", "XOR", "CSV",
    "L1", "L2", "MNIST", "QR", "PCA", "nnlab", "Streamlit", "DataLoader", "zero_grad", "backward", "step", "sigmoid",
    "tanh", "relu", "softmax", "logits", "Numba", "CPU", "GPU", "CUDA", "Vega", "Lite", "Python", "OneCycle",
    "StepLR", "CosineAnnealingLR", "LambdaLR", "AUC", "ROC", "ID", "URL", "TensorFlow", "Playground", "Iris", "iris",
    "sklearn", "scikit", "learn", "Li", "et", "al", "NaN", "inf", "Arrow", "max", "min", "mean", "std", "log", "exp",
    "dL", "dz", "dw", "pt", "csv", "json", "safetensors", "state_dict", "bce", "mse", "bce_logits", "cross_entropy", "leaky_relu",
    "yes", "no", "true", "false", "yrs", "dropout", "Dropout", "identity", "da", "f", "sin",
    *(optimizer.torch_name for optimizer in OPTIMIZERS.values()), *(loss.module.__name__ for loss in LOSSES.values()),
    *(activation.module.__name__ for activation in ACTIVATIONS.values() if activation.module),
}
_ID = re.compile(r"^[0-9a-f]{32}$")  # an element's id, which a proto's nested fields carry
_CODE_SPAN = re.compile(r"`[^`]*`|\$[^$]*\$|https?://\S+|(?<!\S)/\S*\?\S+|:material/[a-z_]+:|\{[^}]*\}")  # code, links
_WORD = re.compile(r"[A-Za-z][A-Za-z_'’]+")


def texts(at) -> list[str]:
    """Every piece of text the run put on the page: labels, help, options, messages, headings,
    captions, and the pictures' titles, axes and legends."""
    found: list[str] = []
    _walk(at._tree, found)
    return [text for text in found if text.strip() and not _ID.match(text)]


def _walk(node, found: list[str]) -> None:
    proto = getattr(node, "proto", None)
    kind = getattr(node, "type", "")
    if proto is not None and kind not in NOT_PROSE:
        if kind in ("arrow_vega_lite_chart", "vega_lite_chart"):
            _chart_words(json.loads(proto.spec or "{}"), found)
        else:
            _proto_strings(proto, found)
    for child in getattr(node, "children", {}).values():
        _walk(child, found)


_SKIPPED_FIELDS = {"id", "form_id", "key", "type", "spec", "data", "icon", "url", "page_script_hash", "page",
                   "format", "element_id", "value_type", "datasets", "vega_lite_theme", "selection_mode",
                   "element_type", "options_json", "default", "value", "raw_value", "query_string", "columns"}


def _proto_strings(proto: Proto, found: list[str]) -> None:
    for field, value in proto.ListFields():
        if field.name in _SKIPPED_FIELDS and field.name not in ("value",):
            continue
        if field.type == field.TYPE_STRING:
            found.extend(value if _repeated(field) else [value])
        elif field.type == field.TYPE_MESSAGE:
            for item in (value if _repeated(field) else [value]):
                _proto_strings(item, found)


def _chart_words(spec, found: list[str]) -> None:
    """Titles and text marks' words in a Vega-Lite spec (data values are the data's own)."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("datasets", "data", "params", "expr", "labelExpr", "field", "condition", "scale", "sort"):
                continue
            if key in ("title", "text") and isinstance(value, str):
                found.append(value)
            elif key in ("title", "text") and isinstance(value, list):
                found.extend(v for v in value if isinstance(v, str))
            else:
                _chart_words(value, found)
    elif isinstance(spec, list):
        for item in spec:
            _chart_words(item, found)


def english(text: str, data_names: set[str] = frozenset()) -> list[str]:
    """The English words in `text` outside code spans, formulas, the names in CODE_NAMES and the
    data's own names (a table's columns and classes: `data_names`)."""
    allowed = CODE_NAMES | BOTH_LANGUAGES | data_names
    return [word for word in _WORD.findall(_CODE_SPAN.sub(" ", text)) if word.strip("'’") not in allowed]


def _repeated(field) -> bool:
    return getattr(field, "is_repeated", None) or getattr(field, "label", None) == 3  # LABEL_REPEATED
