"""A package whose names load on first use (PEP 562): `import nnlab` and `import nnlab.ui.boot`
then cost nothing, and a server's first page draws before torch is imported. A module, too."""

from __future__ import annotations

import importlib
import importlib.util


def exports(package: str, homes: dict[str, str]):
    """`__getattr__` and `__dir__` for `package`, whose name N lives in module homes[N] (a
    submodule's own name for a submodule); any other submodule loads on first use too, so
    `nnlab.tables` works whichever module happened to import it first."""
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
    other (scikit-learn): two threads importing two of them at once can each get the other's
    module half made."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str):
        return getattr(importlib.import_module(self._name), attribute)
