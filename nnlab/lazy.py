"""A package whose names load on first use (PEP 562): `import nnlab` and `import nnlab.ui.boot`
then cost nothing, and a server's first page draws before torch is imported. A module, too."""

from __future__ import annotations

import importlib
import importlib.util
import threading


def exports(package: str, homes: dict[str, str]):
    """`__getattr__` and `__dir__` for `package`, whose name N lives in module homes[N] (a
    submodule's own name for a submodule); any other submodule loads on first use too, so
    `nnlab.data.tables` works whichever module happened to import it first."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str):
        home = homes.get(name) or f"{package}.{name}"  # any submodule, as a plain package gives it once imported
        if name not in homes and importlib.util.find_spec(home) is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(home)
        value = module if home == f"{package}.{name}" else getattr(module, name)
        namespace[name] = value  # looked up once
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *homes})

    return __getattr__, __dir__


class LazyModule:
    """A module imported when one of its names is first read, not when this is made
    (`alt = LazyModule("altair")`, then `alt.Chart`): importing altair took half a second of a
    fresh server's first page, which draws no picture. Not for packages whose modules import each
    other (scikit-learn): see `import_alone`."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str):
        return getattr(importlib.import_module(self._name), attribute)


_ONE_AT_A_TIME = threading.Lock()


def import_alone(name: str):
    """`importlib.import_module(name)`, never while another thread imports through here: for
    scikit-learn, whose modules import each other, so that two threads importing two of them at
    once could each get the other's module half made (a CI run once saw a heart page lose its
    settings line so). Every nnlab import of scikit-learn goes through here, when first needed:
    importing it at the top of a module cost a fresh server's first page over a second."""
    with _ONE_AT_A_TIME:
        return importlib.import_module(name)
