"""The core stays free of the UI: no public name of nnlab pulls streamlit or altair; and a page's
first screen (nnlab.ui.boot) needs neither torch nor nnlab's core."""

import json
import subprocess
import sys
import types

import nnlab


def loaded_after(code: str, modules: tuple[str, ...]) -> list[str]:
    probe = f"import json, sys; {code}; print(json.dumps(sorted(m for m in {modules!r} if m in sys.modules)))"
    return json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout)


def test_no_public_name_of_nnlab_imports_streamlit_or_altair():
    code = "import nnlab; [getattr(nnlab, name) for name in nnlab.__all__]"
    assert loaded_after(code, ("streamlit", "altair", "torch")) == ["torch"]  # torch is the point; the UI is not


def test_no_module_outside_the_ui_imports_streamlit():
    """The core never imports Streamlit: every module of nnlab but nnlab.ui's, each wing's included."""
    code = ("import importlib, pkgutil, nnlab; [importlib.import_module(m.name) for m in "
            "pkgutil.walk_packages(nnlab.__path__, 'nnlab.') if not m.name.startswith('nnlab.ui')]")
    assert loaded_after(code, ("streamlit", "torch")) == ["torch"]


def test_a_pages_first_screen_loads_before_torch():
    assert loaded_after("import nnlab.ui.boot", ("torch", "pandas", "numba", "nnlab.experiment")) == []


def test_a_public_name_is_its_modules_own_object_and_an_unknown_name_is_refused():
    """nnlab.lazy.exports: `nnlab.train` is training's function, not the module of that name; only the
    names that are modules (`nnlab.lessons`) give a module; a name nnlab lacks is an AttributeError."""
    from nnlab import errors, experiment
    from nnlab.data import datasets, tables
    from nnlab.training import comparison, trainer

    assert (nnlab.train, nnlab.compare, nnlab.load_data) == (trainer.train, comparison.compare, datasets.load_data)
    assert (nnlab.Experiment, nnlab.read_csv, nnlab.DataError) == (experiment.Experiment, tables.read_csv, errors.DataError)
    modules = {name for name in nnlab.__all__ if isinstance(getattr(nnlab, name), types.ModuleType)}
    assert modules == {"lessons", "links"}
    assert all(getattr(nnlab, name).__name__ == f"nnlab.{name}" for name in modules)
    assert not hasattr(nnlab, "no_such_name") and "no_such_name" not in dir(nnlab)


PAGE_MODULES = ("import nnlab.ui.services, nnlab.ui.session_runs, nnlab.ui.run_screen, nnlab.ui.live, nnlab.ui.class_screen, "
                "nnlab.pictures.frames, "
                "nnlab.pictures.run_charts, nnlab.pictures.data_charts")


def test_a_pages_modules_leave_altair_to_the_first_picture():
    """It took half a second of a fresh server's first page, which draws no picture (nnlab.lazy.LazyModule)."""
    assert loaded_after(PAGE_MODULES, ("altair", "torch")) == ["torch"]


def test_a_pages_modules_leave_scikit_learn_to_its_first_use():
    """sklearn.metrics (and scipy.stats under it) took over a second of a fresh server's first page,
    which has no confusion matrix to count; it loads through nnlab.lazy.import_alone when used."""
    assert loaded_after(PAGE_MODULES, ("sklearn", "scipy.stats", "torch")) == ["torch"]


def test_the_readmes_lists_of_choices_are_written_from_the_choices():
    """A new optimizer, activation or loss is listed in README.md by `python -m nnlab.catalogue`, or this fails."""
    from nnlab import catalogue, choices
    text = catalogue.README.read_text()
    assert catalogue.readme_with_choices(text) == text
    for table in (choices.OPTIMIZERS, choices.ACTIVATIONS, choices.LOSSES):
        assert all(choice.label in text for choice in table.values())
