"""A throwaway PostgreSQL server for tests: Debian's `postgresql`, a new cluster made by initdb in a
temporary folder, started by pg_ctl on 127.0.0.1 and a free port, stopped by its postmaster's pid."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from browser_support import free_port


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, or None where PostgreSQL is not installed."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


def available() -> bool:
    if binaries() is None:
        return False
    if os.geteuid() == 0:  # initdb refuses root: the cluster runs as Debian's postgres user
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return False
    return True


class Postgres:
    def __init__(self):
        # a folder of its own, not pytest's: those are root's alone, and the server runs as postgres
        folder = self.folder = Path(tempfile.mkdtemp(prefix="nnlab-postgres-"))
        self.port = free_port()
        bin_folder = binaries()
        as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        data, sockets = folder / "data", folder / "sockets"
        sockets.mkdir(parents=True)
        if as_user:
            owner = pwd.getpwnam("postgres")
            for path in (folder, sockets):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        subprocess.run(as_user + [str(bin_folder / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                  "--no-sync", "-E", "UTF8"], check=True, capture_output=True)
        options = f"-p {self.port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        subprocess.run(as_user + [str(bin_folder / "pg_ctl"), "-D", str(data), "-o", options,
                                  "-l", str(folder / "server.log"), "-w", "start"], check=True, capture_output=True)
        self.pid = int((data / "postmaster.pid").read_text().split()[0])

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        """A fast shutdown (SIGINT to the postmaster), waited for, killed if it lingers; then its folder goes."""
        try:
            os.kill(self.pid, signal.SIGINT)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 30
        while Path(f"/proc/{self.pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        if Path(f"/proc/{self.pid}").exists():
            os.kill(self.pid, signal.SIGKILL)
        shutil.rmtree(self.folder, ignore_errors=True)
