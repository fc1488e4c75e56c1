"""A new server's first page: its title and a notice on the screen at once, then torch, nnlab and
the compiled kernels load. Imports nothing heavy itself, so a page can call it before its own
imports (on a fresh server they take seconds, which an instructor otherwise watches as a blank page
when the deployed app wakes up at the start of a lecture)."""

from __future__ import annotations

import importlib
import os

import streamlit as st

from nnlab import i18n
from nnlab.ui import words

# Set before torch loads (this module imports nothing heavy, and every page imports it first).
# Streamlit runs each script run on a new thread; torch's OpenMP gives each a team of its own,
# whose workers spin ~300,000 times after every parallel region before they sleep, on the cores
# the class's runs need: a heart lesson click took 66 ms of server CPU, 54 with this short spin
# (clicks alternated between two servers). No spinning at all made the autograd engine 2.5x
# slower; this spin keeps its speed (docs/performance.md).
os.environ.setdefault("GOMP_SPINCOUNT", "30000")

HEAVY = "nnlab.ui.services"  # torch, the data sets, the run queue; it starts the kernels warming
NOTICE = i18n.N_("Getting ready: this server has just started and is loading PyTorch and its training engine. "
          "It takes a few seconds, once.")


_loaded = False  # set once HEAVY is whole (sys.modules holds a module from the moment it starts loading)


def first_page(title: str) -> None:
    """On the server's first pages, the title and the notice until the heavy modules are loaded; on
    every page an empty placeholder, so the page's elements keep their places from its first run
    to the next (a moved element is a new one to the browser: an opened expander would close)."""
    global _loaded
    holder = st.empty()
    if _loaded:
        return
    language = words.language()  # the link's, else the browser's (light: Streamlit and nnlab.i18n only)
    st.set_page_config(page_title=f"{i18n.translate(title, language)} · nnlab", layout="wide")
    with holder.container():
        st.title(i18n.translate(title, language))
        st.info(i18n.translate(NOTICE, language), icon=":material/hourglass_top:")
    importlib.import_module(HEAVY).start_server()  # the kernels load (or compile) in the background from here
    _loaded = True
    holder.empty()
