"""A real `streamlit run app.py` process, HAProxy in front of several (deploy/haproxy.cfg as
shipped), and what a load test reads of them (CPU time and memory from /proc): shared by
`python -m bench --only class` and the tests."""

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
TICKS = os.sysconf("SC_CLK_TCK")
HAPROXY_CONFIG = ROOT / "deploy" / "haproxy.cfg"
STICKY = "NNLAB_SERVER"  # the cookie deploy/haproxy.cfg pins a browser to its process with


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`streamlit run app.py` on 127.0.0.1, stopped by its process id."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None, port: int | None = None):
        self.port = port or free_port()
        env = {**os.environ, "NNLAB_DATA_DIR": str(data_dir), **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
             "--server.port", str(self.port), "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not healthy(self.url, 60):
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


class Balancer:
    """Debian's haproxy with deploy/haproxy.cfg, in front of two app servers, on 127.0.0.1."""

    def __init__(self, apps: list[Server]):
        if len(apps) != 2:
            raise ValueError("deploy/haproxy.cfg names two app processes")
        self.port = free_port()
        env = {**os.environ, "NNLAB_LISTEN": f"127.0.0.1:{self.port}",
               **{f"NNLAB_APP_{i}": f"127.0.0.1:{app.port}" for i, app in enumerate(apps, 1)}}
        self.process = subprocess.Popen([shutil.which("haproxy") or "/usr/sbin/haproxy", "-db", "-f", str(HAPROXY_CONFIG)],
                                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not healthy(self.url, 20):
            self.stop()
            raise RuntimeError("haproxy did not answer within 20 s")

    url = Server.url
    stop = Server.stop

    def sticky_cookie(self, cookie: str | None = None) -> str:
        """What a browser opening the site holds afterwards: the process HAProxy pinned it to, as
        a Cookie header (`NNLAB_SERVER=app1`). With a cookie already, HAProxy keeps it, or, where
        that process is down, pins the browser to another and says so."""
        request = urllib.request.Request(self.url + "/", headers={"Cookie": cookie} if cookie else {})
        with urllib.request.urlopen(request, timeout=30) as response:
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                if name.strip() == STICKY:
                    return f"{STICKY}={rest.split(';')[0]}"
        if cookie is None:
            raise RuntimeError("haproxy set no stickiness cookie")
        return cookie


def healthy(url: str, seconds: float) -> bool:
    """Whether `url` answers /_stcore/health within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, all its threads together."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")
