"""A lecture hall without browsers: phones over Streamlit's protocol join a lecture, each rerunning its
follow fragment on its own timer as a browser does, and the instructor's browser presses Next. Every
phone must show the new step with nothing done on it: on one server (SQLite), and on two processes
behind HAProxy sharing a real PostgreSQL, the instructor on one process and phones on both, so the
move reaches the other process through the database. Prints the figures (bench/lectureload.py;
`python -m bench --only lecture` measures the full-size room)."""

from __future__ import annotations

from postgres_support import Postgres
from test_balancer import require_parts

from bench.classload import Site
from bench.lectureload import FOLLOW_SECONDS, measure

PHONES = 40
IDLE_SECONDS = 6  # the idle figure here is indicative; the bench watches longer


def report(where: str, measured) -> str:
    waits = measured.next_waits
    return (f"lecture ({where}): {measured.phones} phones; idle {measured.idle_cpu_percent:.1f}% of a core, "
            f"{measured.mb_a_phone:.2f} MB a phone; Next to the new step: median {waits[len(waits) // 2]:.2f} s, "
            f"slowest {max(waits):.2f} s (phones look every {FOLLOW_SECONDS} s); arrived {measured.arrived}/"
            f"{measured.phones}; by process {measured.by_process}")


def test_every_phone_follows_next_on_one_server(data_dir, monkeypatch):
    monkeypatch.undo()  # loopback traffic to our own server needs the real network stack
    site = Site.start(data_dir)
    try:
        measured = measure(site, PHONES, idle_seconds=IDLE_SECONDS)
    finally:
        site.stop()
    print("\n" + report("one server, SQLite", measured))
    assert measured.arrived == PHONES
    assert max(measured.next_waits) < FOLLOW_SECONDS + 10  # a look, then the page: never a lost move


def test_a_step_pushed_on_one_process_reaches_phones_on_the_other_through_haproxy(data_dir, monkeypatch):
    monkeypatch.undo()
    require_parts()
    database = Postgres()
    site = Site.start(data_dir, processes=2, database_url=database.url)
    try:
        measured = measure(site, PHONES, instructor_cookie="NNLAB_SERVER=app1", idle_seconds=IDLE_SECONDS)
    finally:
        site.stop()
        database.stop()
    print("\n" + report("two processes behind HAProxy, PostgreSQL", measured))
    joined, arrived = measured.by_process["app2"]
    assert joined >= PHONES // 4 and arrived == joined  # the instructor pressed Next on app1
    assert measured.arrived == PHONES
