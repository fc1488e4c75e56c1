"""Shared fixtures: a private data directory for every test, no network, Chromium, and the class
database on SQLite and on a real PostgreSQL server."""

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


@pytest.fixture(scope="module")
def server(data_dir):
    """One real `streamlit run app.py` for a module's browser tests, on the session's data directory."""
    from browser_support import Server

    server = Server(data_dir)
    yield server
    server.stop()


@pytest.fixture
def browser(monkeypatch):
    """Debian's Chromium through Playwright, for the browser tests (which skip without it)."""
    from browser_support import CHROMIUM, CHROMIUM_ARGS
    from requirements_support import need_module

    sync_playwright = need_module("playwright.sync_api").sync_playwright

    monkeypatch.undo()  # the server and the browser talk over loopback; urlopen must be real here
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def postgres():
    """Debian's PostgreSQL, started for the session on a socket of its own."""
    from postgres_support import Postgres
    from requirements_support import require_postgresql

    require_postgresql()
    server = Postgres()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def board(request, tmp_path):
    """A class Board on a fresh SQLite file, then on the PostgreSQL server with its tables emptied."""
    from nnlab.classroom import classdb
    from nnlab.classroom.challenges import Board

    if request.param == "sqlite":
        return Board(f"sqlite:///{tmp_path / 'class.sqlite3'}")
    board = Board(request.getfixturevalue("postgres").url)
    board._prepare()
    with board.engine.begin() as connection:  # each test starts from empty tables
        for table in (classdb.votes_table, classdb.polls_table, classdb.entries_table, classdb.drawn_table,
                      classdb.challenges_table):
            connection.execute(table.delete())
    return board
