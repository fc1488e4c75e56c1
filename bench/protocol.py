"""A browser's side of Streamlit's websocket protocol, without a browser: what the frontend sends
(BackMsg protobufs) and what it reads (ForwardMsg deltas), for load tests of many sessions."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.sync.client import connect


@dataclass
class Run:
    """What one script run drew: (element type, element) in order, and when each arrived; how many
    messages and bytes the server sent for it, and when the script finished."""

    elements: list[tuple[str, object]] = field(default_factory=list)
    arrived: list[float] = field(default_factory=list)
    messages: int = 0
    bytes: int = 0
    finished: float = float("nan")

    def first(self, kind: str, label: str):
        """The first element of `kind` (e.g. "button", "metric") whose label is `label`, or None."""
        return next((getattr(element, kind) for k, element in self.elements
                     if k == kind and getattr(element, kind).label == label), None)

    def texts(self, kind: str) -> list[str]:
        return [getattr(element, kind).body for k, element in self.elements if k == kind]

    def widget_states(self) -> list[WidgetState]:
        """The values a browser holds for the radios and checkboxes this run drew (as drawn: no
        one changed them), which it sends again when its connection comes back."""
        states = []
        for kind, element in self.elements:
            if kind == "radio":
                radio = element.radio
                states.append(WidgetState(id=radio.id, int_value=radio.raw_value if radio.set_value else radio.default))
            elif kind == "checkbox":
                box = element.checkbox
                states.append(WidgetState(id=box.id, bool_value=box.value if box.set_value else box.default))
        return states


class Session:
    """One browser tab: a websocket to the server's /_stcore/stream, on one page with one query;
    with `cookie`, the browser's cookies for the site (a balancer's stickiness)."""

    def __init__(self, url: str, page: str, query: str, cookie: str | None = None):
        self.page, self.query = page, query
        self.fragments: dict[str, str] = {}  # widget id -> the fragment it was drawn in, as the browser keeps it
        self.timers: dict[str, float] = {}  # fragment id -> seconds: the fragments a browser reruns on a timer
        self.connect(url, cookie)

    def connect(self, url: str, cookie: str | None = None) -> None:
        """Open the websocket (again, after it dropped: the server may be another one by now)."""
        self.socket = connect(url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                              max_size=None, open_timeout=60,
                              additional_headers={"Cookie": cookie} if cookie else None)

    def run(self, widgets: list[WidgetState] = (), until: callable | None = None, timeout: float = 600,
            fragment: str = "", through_reruns: bool = False) -> Run:
        """Rerun the page (or only `fragment`) with these widget states, as the frontend does on an
        interaction, and read its messages until the script finishes, or until `until(run)` holds."""
        message = BackMsg()
        message.rerun_script.query_string = self.query
        message.rerun_script.page_name = self.page
        message.rerun_script.fragment_id = fragment
        message.rerun_script.is_auto_rerun = fragment in self.timers
        message.rerun_script.widget_states.widgets.extend(widgets)
        self.socket.send(message.SerializeToString())
        return self.read(until, timeout, through_reruns)

    def tick(self, fragment: str, until: callable | None = None, timeout: float = 600) -> Run:
        """A fragment's timer firing, as the browser's: its rerun, read through any rerun of the
        whole page it asks for (and a page switch), until the last run finishes or `until(run)` holds."""
        return self.run([], until, timeout, fragment, through_reruns=True)

    def read(self, until: callable | None = None, timeout: float = 600, through_reruns: bool = False) -> Run:
        """Read the server's messages until the script finishes, or until `until(run)` holds; a
        connection the server closed raises websockets' ConnectionClosed. With `through_reruns`, a
        run that ends early for a rerun (st.rerun, st.switch_page) is read on into the next."""
        run, deadline = Run(), time.monotonic() + timeout
        while True:
            forward, received = ForwardMsg(), self.socket.recv(timeout=max(0.0, deadline - time.monotonic()))
            forward.ParseFromString(received)
            run.messages, run.bytes = run.messages + 1, run.bytes + len(received)
            kind = forward.WhichOneof("type")
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                element = forward.delta.new_element
                kind = element.WhichOneof("type")
                run.elements.append((kind, element))
                widget_id = getattr(getattr(element, kind), "id", None)
                if forward.delta.fragment_id and isinstance(widget_id, str):
                    self.fragments[widget_id] = forward.delta.fragment_id
                run.arrived.append(time.monotonic())
                if until and until(run):
                    return run
            elif kind == "page_info_changed":  # the page wrote its address: the frontend's next rerun sends it
                self.query = forward.page_info_changed.query_string
            elif kind == "new_session":  # a script run begins on its page: a switch_page moves it, as the address does
                self.page = _page_name(forward.new_session) or self.page
            elif kind == "auto_rerun":
                self.timers[forward.auto_rerun.fragment_id] = forward.auto_rerun.interval
            elif kind == "script_finished":
                if through_reruns and forward.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                run.finished = time.monotonic()
                return run

    def click(self, button, until: callable | None = None, timeout: float = 600) -> Run:
        """Press `button`: a button drawn in a fragment reruns that fragment alone, as in a browser."""
        return self.run([WidgetState(id=button.id, trigger_value=True)], until, timeout,
                        self.fragments.get(button.id, ""))

    def close(self) -> None:
        self.socket.close()


def _page_name(session) -> str | None:
    """The name a browser's address gives the page a run is on; None where the message names none of
    the app's pages (a fragment's run names the main script)."""
    return next((page.page_name for page in session.app_pages if page.page_script_hash == session.page_script_hash), None)
