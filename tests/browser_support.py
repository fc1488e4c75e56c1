"""A real streamlit server and Chromium settings, shared by the browser tests and the docs screenshots."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# No sandbox as root; no background networking, which this closed network would refuse.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]


def require_chromium(what: str) -> None:
    """Skip the calling test module without Debian's chromium; in CI its absence is a failure."""
    import pytest
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must install Debian's chromium for {what}", pytrace=False)
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`streamlit run app.py` on 127.0.0.1, stopped by its process id."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None):
        self.port = free_port()
        env = {**os.environ, "NNLAB_DATA_DIR": str(data_dir), **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
             "--server.port", str(self.port), "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("the streamlit server did not start within 60 s")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def settle(page) -> None:
    """Wait until the page script has finished and every element has drawn: no grey placeholder
    (an element whose code the browser is still loading) and a picture in every chart."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=120_000)
    page.wait_for_function("""() => !document.querySelector('[data-testid^="stSkeleton"], [data-testid="stAppSkeleton"]')
                                    && [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
                                       .every(chart => chart.querySelector('canvas, svg'))""", timeout=60_000)
    page.wait_for_timeout(500)


def press_key(page, key: str) -> None:
    """A keyboard shortcut as a user presses it: with no input focused (the app ignores keys typed into one)."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press(key)
