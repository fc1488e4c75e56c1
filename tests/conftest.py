"""Shared fixtures: a private data directory for every test, and no network."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """An empty data directory: the heart-failure table ships with nnlab, uploads land here."""
    return tmp_path_factory.mktemp("nnlab-data")


@pytest.fixture(autouse=True)
def private_data_dir(data_dir, monkeypatch):
    """Every test keeps its files in its own folder and never touches the network."""
    monkeypatch.setenv("NNLAB_DATA_DIR", str(data_dir))
    monkeypatch.setattr("urllib.request.urlopen", _no_network)


def _no_network(*args, **kwargs):
    raise OSError("tests never use the network")


@pytest.fixture
def browser(monkeypatch):
    """Debian's Chromium through Playwright, for the browser tests (which skip without it)."""
    from browser_support import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    monkeypatch.undo()  # the server and the browser talk over loopback; urlopen must be real here
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
