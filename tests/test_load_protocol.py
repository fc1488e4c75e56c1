"""A lecture hall pressing Train at once, without browsers: many sessions on one real server,
each speaking Streamlit's own websocket protocol, each on the bump lesson with its own seed and
all clicking at the same moment. Each must show exactly the run its settings give alone.

Prints click-to-result per session, the server's CPU and memory; docs/reliability.md records the
figures. By hand: `PYTHONPATH=. python tests/test_load_protocol.py --sessions 100`; the server's
cost a result, in T100, is `python -m bench --only class`.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
from pathlib import Path

import nnlab
from bench.classload import FIRST_SEED, LESSONS, Pressed, Site, experiment, p90, press_together

SESSIONS = 30
QUERY = LESSONS["bump"]


def exact_loss(run) -> str | None:
    """The final train loss the page shows, to the last digit (the metric's help text)."""
    metric = run.first("metric", "Final train loss")
    return re.match(r"Exactly (\S+):", metric.help).group(1) if metric else None


def check_and_report(pressed: Pressed, sessions: int) -> str:
    """Assert that every session saw exactly its own run alone; return the figures as a line."""
    for seed, run in sorted(pressed.runs.items()):
        alone = nnlab.train(experiment(QUERY, seed))
        assert exact_loss(run) == repr(float(alone.history["train_loss"].iloc[-1])), f"session with seed {seed}"
        assert any(f"seed {seed}" in text for text in pressed.pages[seed].texts("markdown")), seed
        assert "exception" not in {kind for kind, _ in run.elements}, seed
        # Train reruns its run panel alone (a fragment): the page's sidebar is not drawn and sent again
        assert "page_link" in {kind for kind, _ in pressed.pages[seed].elements}
        assert "page_link" not in {kind for kind, _ in run.elements} and run.first("selectbox", "Lesson") is None, seed
    waits = pressed.waits
    per_session = (pressed.busy_mb - pressed.one_session_mb) / max(1, sessions - 1)
    return (f"load (protocol): {sessions} sessions pressed Train at once on {QUERY}, each its own seed; "
            f"every result equal to the same run alone. Click to result: first {waits[0]:.2f} s, "
            f"median {statistics.median(waits):.2f} s, p90 {p90(waits):.2f} s, slowest {waits[-1]:.2f} s. "
            f"Server: {pressed.server_cpu:.1f} CPU s in all; RSS {pressed.one_session_mb:.0f} MB with one session, "
            f"{pressed.busy_mb:.0f} MB with {sessions} ({per_session:.1f} MB per further session).")


def run_class(data_dir: Path, sessions: int) -> str:
    site = Site.start(data_dir)
    try:
        press_together(site, QUERY, [FIRST_SEED - 1])  # the kernels and data loaded
        pressed = press_together(site, QUERY, list(range(FIRST_SEED, FIRST_SEED + sessions)))
    finally:
        site.stop()
    return check_and_report(pressed, sessions)


def test_a_class_presses_train_at_once_and_each_sees_exactly_its_own_run(data_dir, monkeypatch):
    monkeypatch.undo()  # loopback traffic to our own server needs the real network stack
    print("\n" + run_class(data_dir, SESSIONS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=SESSIONS)
    parser.add_argument("--data-dir", default=os.environ.get("NNLAB_DATA_DIR", str(Path.home() / ".cache" / "nnlab")))
    args = parser.parse_args()
    print(run_class(Path(args.data_dir), args.sessions))


if __name__ == "__main__":
    main()
