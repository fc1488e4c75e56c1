"""The core stays free of the UI: importing nnlab never pulls streamlit or altair."""

import subprocess
import sys


def test_import_nnlab_does_not_import_streamlit_or_altair():
    code = "import sys, nnlab; print(sorted(m for m in ('streamlit', 'altair') if m in sys.modules))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


def test_public_api_names_exist():
    import nnlab

    for name in ("Experiment", "lessons", "load_data", "train", "compare", "read_csv", "DataError", "TrainResult"):
        assert hasattr(nnlab, name), name
