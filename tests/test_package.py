"""The core stays free of the UI: no public name of nnlab pulls streamlit or altair; and a page's
first screen (nnlab.ui.boot) needs neither torch nor nnlab's core."""

import json
import subprocess
import sys

import nnlab


def loaded_after(code: str, modules: tuple[str, ...]) -> list[str]:
    probe = f"import json, sys; {code}; print(json.dumps(sorted(m for m in {modules!r} if m in sys.modules)))"
    return json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout)


def test_no_public_name_of_nnlab_imports_streamlit_or_altair():
    code = "import nnlab; [getattr(nnlab, name) for name in nnlab.__all__]"
    assert loaded_after(code, ("streamlit", "altair", "torch")) == ["torch"]  # torch is the point; the UI is not


def test_a_pages_first_screen_loads_before_torch():
    assert loaded_after("import nnlab.ui.boot", ("torch", "pandas", "numba", "nnlab.experiment")) == []


def test_public_api_names_exist():
    for name in ("Experiment", "lessons", "load_data", "train", "compare", "read_csv", "DataError", "TrainResult"):
        assert hasattr(nnlab, name), name
    assert callable(nnlab.compare) and callable(nnlab.train)  # functions, not their modules
    assert set(nnlab.__all__) <= set(dir(nnlab))


PAGE_MODULES = "import nnlab.ui.server, nnlab.ui.run_screen, nnlab.ui.live, nnlab.ui.class_screen, nnlab.views, nnlab.charts"


def test_a_pages_modules_leave_altair_to_the_first_picture():
    """It took half a second of a fresh server's first page, which draws no picture (nnlab.lazy.LazyModule)."""
    assert loaded_after(PAGE_MODULES, ("altair", "torch")) == ["torch"]


def test_a_pages_modules_leave_scikit_learn_to_its_first_use():
    """sklearn.metrics (and scipy.stats under it) took over a second of a fresh server's first page,
    which has no confusion matrix to count; it loads through nnlab.lazy.import_alone when used."""
    assert loaded_after(PAGE_MODULES, ("sklearn", "scipy.stats", "torch")) == ["torch"]
