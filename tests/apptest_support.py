"""Opening a page under Streamlit's AppTest as a browser would, for the page tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 120  # the first page of a process imports torch
PAGES = ["app.py", "pages/1_Data_explorer.py", "pages/2_Build_model.py", "pages/3_Train.py",
         "pages/4_Compare_activations.py", "pages/5_Class.py", "pages/6_Sweep.py", "pages/7_Inside_one_step.py",
         "pages/8_Optimizer_race.py", "pages/10_Be_the_optimizer.py"]  # every page, as a session opens it


def open_page(page: str, lesson: str | None = None, experiment=None, query: dict | None = None) -> AppTest:
    """`page` as the first page of a new session (a deep link), with a lesson or query in its link
    and, given `experiment`, that Experiment already in the session."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if page != "app.py":
        at.switch_page(page)
    if lesson:
        at.query_params["lesson"] = lesson
    for name, value in (query or {}).items():
        at.query_params[name] = value
    if experiment is not None:
        at.session_state["experiment"] = experiment
    return at.run()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.fixture
def fresh_caches():
    """Streamlit's caches are process-wide: cleared, each test starts like a new server. A module
    whose tests open pages uses it: `pytestmark = pytest.mark.usefixtures("fresh_caches")`."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
