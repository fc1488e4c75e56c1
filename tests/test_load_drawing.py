"""A class drawing together, without browsers: phones over Streamlit's protocol tap one shared drawing
TAPS times each, all at once, while the projector's page reruns on its timer. Every point must be kept
exactly once and the projector must count them all: on one server (SQLite), and on two processes
behind HAProxy sharing a real PostgreSQL. Prints the figures (bench/drawingload.py; `python -m bench
--only drawing` measures 100 phones)."""

from __future__ import annotations

import os

from postgres_support import Postgres
from test_balancer import require_parts

from bench.classload import Site
from bench.drawingload import TAPS, measure, report

PHONES = int(os.environ.get("NNLAB_DRAWING_PHONES", "30"))


def _check(drawn) -> None:
    assert drawn.kept == PHONES * TAPS and drawn.each == {TAPS}  # every tap kept, and kept once
    assert drawn.projector < 30  # the projector counted every point (the bench holds it to 3 s)


def test_phones_drawing_at_once_on_one_server_keep_every_point_once(data_dir, monkeypatch):
    monkeypatch.undo()  # loopback traffic to our own server needs the real network stack
    site = Site.start(data_dir)
    try:
        drawn = measure(site, PHONES)
    finally:
        site.stop()
    print("\n" + report("one server, SQLite", drawn))
    _check(drawn)


def test_phones_on_two_processes_behind_haproxy_draw_into_one_postgresql(data_dir, monkeypatch):
    monkeypatch.undo()
    require_parts()
    database = Postgres()
    site = Site.start(data_dir, processes=2, database_url=database.url)
    try:
        drawn = measure(site, PHONES)
    finally:
        site.stop()
        database.stop()
    print("\n" + report("two processes behind HAProxy, PostgreSQL", drawn))
    _check(drawn)
