"""A real `letters serve` process on a free port, and the processes it starts, for the tests
of the web wing and of those that meet the service (PDFs, the register)."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from letters.formats import WarmConverter
from tests.conftest import ROOT
from tests.processes import LoggedProcess

needs_libreoffice = pytest.mark.skipif(
    not WarmConverter.available(), reason="needs LibreOffice and python3-uno (make libreoffice)"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def descendants(pid: int, named: str = "") -> list[int]:
    """The processes started, directly or not, by process ``pid`` whose command line holds
    ``named``."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (
                (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            )
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, of in parents.items() if of == parent]
        found.extend(children)
        frontier.extend(children)
    return [child for child in found if named in commands.get(child, "")]


def offices(pid: int) -> list[int]:
    """The LibreOffices (soffice.bin) process ``pid`` has started: not counting the helpers a
    LibreOffice forks, which bear its name until they exec."""
    running = set(descendants(pid, "soffice.bin"))
    return [office for office in running if _parent(office) not in running]


def converters(pid: int) -> list[int]:
    """The warm converters (uno_bridge.py) process ``pid`` has started: not counting a
    converter's child that bears its name until it execs LibreOffice."""
    running = set(descendants(pid, "uno_bridge.py"))
    return [bridge for bridge in running if _parent(bridge) not in running]


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


class Server(LoggedProcess):
    """A `letters serve` process, stopped (with its LibreOffice) when the test ends."""

    def __init__(
        self,
        *arguments: str,
        env: dict[str, str] | None = None,
        open_files: int | None = None,
        cwd: Path = ROOT,
    ):
        super().__init__()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

        def limit_open_files() -> None:
            if open_files is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

        self.process = subprocess.Popen(
            [sys.executable, "-m", "letters", "serve", "--port", str(self.port), *arguments],
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            env={**os.environ, **(env or {})},
            preexec_fn=limit_open_files if open_files is not None else None,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("the server did not start")
