"""A bounded, thread-safe memo of finished runs keyed on the Experiment (and anything else hashable).

Training is deterministic on the CPU, so equal keys mean equal results; the server keeps one
store for every session and evicts the least recently used entry beyond `max_entries`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class ResultCache:
    def __init__(self, max_entries: int = 24):
        self.max_entries = max_entries
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable):
        with self._lock:
            if key not in self._entries:
                return None
            self._entries.move_to_end(key)
            return self._entries[key]

    def put(self, key: Hashable, value) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
