"""What a test needs from the machine (Debian's chromium, postgresql, haproxy, a font, a Python package):
where it is missing the test skips and says what to install; in CI (the environment variable CI set)
the same absence fails, for CI must install it. Never pytest.importorskip, which skips in CI too."""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import NoReturn

import pytest


def missing(what: str, reason: str) -> NoReturn:
    """`what` (a name for CI's message, "Debian's haproxy") is not on this machine, as `reason` says
    ("... not installed (apt-get install haproxy)"): skip the calling test, or its module when called
    at import; with CI set, fail instead."""
    __tracebackhide__ = True  # pytest names the caller's line, not this one
    if os.environ.get("CI"):
        pytest.fail(f"CI must install {what}: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def need_module(name: str, install: str | None = None) -> ModuleType:
    """The module `name` ("playwright.sync_api"), imported: pytest.importorskip's work, but `missing`
    where it cannot be, naming `install`, the package to install (by default the top-level module's name)."""
    __tracebackhide__ = True
    try:
        return importlib.import_module(name)
    except ImportError as error:
        missing(install or name.split(".")[0], f"{name} cannot be imported ({error}; pip install -r requirements-dev.txt)")


def require_postgresql() -> None:
    """Debian's PostgreSQL, which the class database tests start (postgres_support), or `missing`."""
    __tracebackhide__ = True
    from postgres_support import available

    if not available():
        missing("Debian's postgresql for the class database tests",
                "Debian's postgresql is not installed (apt-get install postgresql)")
