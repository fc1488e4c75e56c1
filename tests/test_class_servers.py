"""Two app servers of one class, sharing one real PostgreSQL server: a student's entry submitted
through one appears on the leaderboard the other serves. Sessions speak Streamlit's own protocol."""

from __future__ import annotations

import io

import pyarrow as pa
from browser_support import Server
from postgres_support import Postgres
from requirements_support import require_postgresql
from streamlit.proto.WidgetStates_pb2 import WidgetState

import nnlab
from bench.protocol import Session
from nnlab.classroom.challenges import Board

require_postgresql()


def leaderboard(run) -> list[str]:
    """The names in the leaderboard's table, as the browser receives them (Arrow)."""
    tables = [element.dataframe.arrow_data.data for kind, element in run.elements if kind == "dataframe"]
    return [] if not tables else pa.ipc.open_stream(io.BytesIO(tables[-1])).read_all().to_pandas()["who"].tolist()


def test_an_entry_through_one_server_shows_on_the_others_leaderboard(data_dir, monkeypatch):
    monkeypatch.undo()  # loopback traffic to our own servers needs the real network stack
    monkeypatch.setenv("NNLAB_DATA_DIR", str(data_dir))  # undone too: this process loads the data as well
    database = Postgres()
    servers = []
    try:
        made = Board(database.url).create(nnlab.lessons.get("tabular-relu").replace(training={"epochs": 200}))
        servers = [Server(data_dir, {"NNLAB_DATABASE_URL": database.url}) for _ in range(2)]
        student = Session(servers[0].url, "Train", f"class={made.code}")
        first = student.run()
        assert any(f"Class challenge {made.code}" in text for text in first.texts("alert"))
        trained = student.click(first.first("button", "Train"))
        nickname, submit = trained.first("text_input", "Nickname on the leaderboard"), trained.first("button", "Submit")
        done = student.run([WidgetState(id=nickname.id, string_value="alice"),
                            WidgetState(id=submit.id, trigger_value=True)])
        assert any("rank 1 of 1" in text for text in done.texts("alert")), done.texts("alert")
        projector = Session(servers[1].url, "Class", f"class={made.code}")
        assert leaderboard(projector.run()) == ["alice #1"]
        expected = nnlab.train(made.experiment).history["test_acc"].iloc[-1]
        assert Board(database.url).entries(made.code)["score"].tolist() == [expected]
        for session in (student, projector):
            session.close()
    finally:
        for server in servers:
            server.stop()
        database.stop()
