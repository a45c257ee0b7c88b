"""letters serve and preview against a client that would forge log lines or hold every
connection: real server processes on free ports, raw sockets as the client."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from letters.web.logs import escaped
from tests.processes import LoggedProcess
from tests.web.servers import Server
from tests.web.test_preview_hardening import Preview

FORGED = "2026-01-01 00:00:00,000 letters.service WARNING forged"
"""What a line forged by a request would begin with."""


def _ask(port: int, request: bytes, host: str = "127.0.0.1", source: str | None = None) -> bytes:
    """Send ``request`` (from the address ``source``); all the server answers until it closes."""
    bound = (source, 0) if source is not None else None
    with socket.create_connection((host, port), timeout=30, source_address=bound) as s:
        if request:
            s.sendall(request)
        received = b""
        while chunk := s.recv(65536):
            received += chunk
        return received


def _forging(path: str, host: str = "elsewhere.example") -> bytes:
    """A request refused (its Host names another server) whose path would add log lines."""
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode("ascii")


@pytest.fixture
def served() -> Iterator[Server]:
    running = Server()
    yield running
    running.stop()


@pytest.fixture
def previewed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    running = Preview(tmp_path_factory.mktemp("preview"))
    yield running
    running.stop()


PATH = "/x%0A" + FORGED.replace(" ", "%20") + "%0D%0A" + FORGED.replace(" ", "%20") + "%1B[2J"


@pytest.mark.parametrize("kind", ["serve", "preview"])
def test_a_path_with_line_breaks_and_escapes_cannot_forge_a_log_line(
    kind: str, request: pytest.FixtureRequest
) -> None:
    """Before, a refused request's path was logged as it came, decoded: ``%0A`` ended the line
    and the rest of the path was a line of its own, as the server's would be."""
    running: LoggedProcess = request.getfixturevalue("served" if kind == "serve" else "previewed")
    address = urlsplit(running.url)  # type: ignore[attr-defined]
    assert address.hostname is not None and address.port is not None
    answer = _ask(address.port, _forging(PATH), address.hostname)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    log = running.stop()
    assert not [line for line in log.splitlines() if line.startswith(FORGED)], log
    assert "\x1b" not in log and "\r" not in log
    refused = [line for line in log.splitlines() if "does not name this server" in line]
    assert len(refused) == 1, log
    assert f"GET /x\\n{FORGED}\\r\\n{FORGED}\\x1b[2J 400: " in refused[0]


@given(st.text())
def test_an_escaped_value_is_one_line_whatever_it_holds(text: str) -> None:
    assert len(escaped(text).splitlines()) <= 1
    assert escaped(text).isprintable()


def test_one_client_cannot_take_every_connection() -> None:
    """One address may hold ``--max-connections-per-client`` connections: its next is answered
    503 as it arrives, while another client is still answered. Before, one client could hold
    all of ``--max-connections`` and lock every other out."""
    running = Server("--max-connections-per-client", "3", "--header-timeout", "60")
    held: list[socket.socket] = []
    try:
        for _ in range(3):  # requests begun and not finished: held until the header deadline
            connection = socket.create_connection(("127.0.0.1", running.port), timeout=30)
            connection.sendall(b"GET /health HTTP/1.1\r\n")
            held.append(connection)
        answer = _ask(running.port, b"")  # answered as it arrives, before it sends a byte
        assert answer.startswith(b"HTTP/1.1 503 "), answer[:200]
        assert b"this client holds 3 connections already" in answer
        other = _ask(
            running.port,
            f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{running.port}\r\n"
            "Connection: close\r\n\r\n".encode(),
            source="127.0.0.2",
        )
        assert other.startswith(b"HTTP/1.1 200 "), other[:200]
    finally:
        for connection in held:
            connection.close()
        log = running.stop()
    assert (
        "refused a connection from 127.0.0.1: it holds 3 already (--max-connections-per-client)"
        in log
    )
    assert "Traceback" not in log
