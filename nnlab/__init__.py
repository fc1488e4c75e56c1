"""nnlab: small neural networks, trained the way five PyTorch tutorials train them.

`import nnlab` pulls torch and pandas only; charts live in `nnlab.charts` and the Streamlit
layer in `nnlab.ui`.
"""

from nnlab import lessons, links
from nnlab.compare import CompareRun, compare
from nnlab.datasets import DATASETS, Data, load_data
from nnlab.errors import ConfigError, DataError, NnlabError
from nnlab.experiment import DataSpec, Experiment, ModelSpec, TrainSpec
from nnlab.export import export_script
from nnlab.models import build_model
from nnlab.tables import Table, read_csv
from nnlab.training import TrainResult, train

__all__ = [
    "CompareRun", "ConfigError", "DATASETS", "Data", "DataError", "DataSpec", "Experiment", "ModelSpec",
    "NnlabError", "Table", "TrainResult", "TrainSpec", "build_model", "compare", "export_script", "lessons", "links", "load_data",
    "read_csv", "train",
]
