"""letters serve against hostile clients: slow ones, many ones, other sites' pages and odd JSON.

Each test runs a real server process on a free port and talks to it as the client would: raw
sockets for the slow and the many, httpx for the rest. Every wait is bounded."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.web.servers import Server, free_port, needs_libreoffice, offices

CASE = (EXAMPLES / "cpc-report-defamation.json").read_bytes()


@pytest.fixture(scope="module")
def strict() -> Iterator[Server]:
    """A server with short deadlines, so that tests of them take seconds."""
    running = Server(
        "--header-timeout", "1", "--body-timeout", "2", "--allowed-host", "letters.internal"
    )
    yield running
    running.stop()


def _connect(server: Server) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return connection


def _read_until_closed(connection: socket.socket, within: float) -> tuple[bytes, float]:
    """All the server sends until it closes the connection, and how long that took."""
    started = time.monotonic()
    connection.settimeout(within)
    received = b""
    while True:
        try:
            chunk = connection.recv(65536)
        except TimeoutError:
            raise AssertionError(f"the server kept the connection open for {within} s") from None
        except ConnectionResetError:
            break
        if not chunk:
            break
        received += chunk
    return received, time.monotonic() - started


# 1. Deadlines for a request's headers and body; a cap on connections; quiet accept errors;
#    a bounded stop.


def test_a_client_that_stalls_in_its_headers_is_answered_408_and_cut(strict: Server) -> None:
    with _connect(strict) as connection:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */")
        received, took = _read_until_closed(connection, within=60)  # a guard, not a timing
    assert received.startswith(b"HTTP/1.1 408 ")
    assert b"the request's headers did not arrive within 1 s" in received
    assert took > 0.8  # it waited for the deadline (a busy machine only makes it later)


def test_a_connection_that_sends_nothing_is_closed_at_the_header_deadline(
    strict: Server,
) -> None:
    with _connect(strict) as connection:
        received, took = _read_until_closed(connection, within=60)  # a guard, not a timing
    assert received == b""
    assert took > 0.8  # closed at the deadline, not before


def test_a_body_that_stalls_is_answered_408_and_cut(strict: Server) -> None:
    with _connect(strict) as connection:
        connection.sendall(
            b'POST /render HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000\r\n\r\n{"comp'
        )
        received, took = _read_until_closed(connection, within=60)  # a guard, not a timing
    assert received.startswith(b"HTTP/1.1 408 ")
    body = json.loads(received.split(b"\r\n\r\n", 1)[1])
    assert body["errors"][0]["message"] == "the request's body did not arrive within 2 s"
    assert took > 1.8


def test_a_body_sent_a_byte_at_a_time_is_cut_at_its_deadline(strict: Server) -> None:
    """Bytes arriving steadily do not extend the deadline: it is for the whole body."""
    with _connect(strict) as connection:
        connection.sendall(
            b"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n"
        )
        started = time.monotonic()
        received = b""
        with pytest.raises(OSError):  # the server closes: a write fails, or a read ends
            while time.monotonic() - started < 60:  # a guard: bytes that extended the
                # deadline would keep the connection open until then, and no OSError comes
                connection.sendall(b" ")
                connection.settimeout(0.2)
                try:
                    received += connection.recv(65536)
                except TimeoutError:
                    continue
                if received.endswith(b"}]}"):
                    raise ConnectionResetError
    assert received.startswith(b"HTTP/1.1 408 ")


def test_a_client_that_does_not_take_its_response_is_dropped() -> None:
    """A client that never reads would hold its connection, and the response's memory, for
    ever: past the body deadline it is dropped, with what is left of the response unsent."""
    case = json.loads(CASE)
    case["text"]["assessment"] = [
        ("The Council did not reply to her letters. " * 400).strip()
    ] * 220
    body = json.dumps(case).encode()
    running = Server("--max-body", "5000000", "--body-timeout", "2")
    try:
        with socket.socket() as connection:
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            connection.connect(("127.0.0.1", running.port))
            connection.sendall(
                b"POST /explain HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n"
                % len(body)
                + body
            )
            time.sleep(6)  # reading nothing
            received = b""
            with contextlib.suppress(ConnectionResetError):
                received, _ = _read_until_closed(connection, within=20)
        head, _, response = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 ")
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        assert len(response) < length  # dropped before the end
    finally:
        log = running.stop()
    assert "it did not take its response within 2 s" in log


def test_health_answers_at_once_while_slow_clients_hold_connections(strict: Server) -> None:
    stalled = [_connect(strict) for _ in range(30)]
    try:
        for connection in stalled:
            connection.sendall(b"POST /render HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Len")
        assert httpx.get(f"{strict.url}/health", timeout=60).status_code == 200
    finally:
        for connection in stalled:
            connection.close()


def test_connections_past_the_cap_are_answered_503_until_the_deadline_frees_them() -> None:
    running = Server("--max-connections", "5", "--header-timeout", "1.5")
    try:
        held = [_connect(running) for _ in range(5)]
        time.sleep(0.3)
        with _connect(running) as sixth:
            # answered 503 at once: had it waited for a held connection's deadline, it would
            # have been let in (and closed with nothing said)
            received, _ = _read_until_closed(sixth, within=60)
        assert received.startswith(b"HTTP/1.1 503 ")
        assert b"the server holds 5 connections already" in received
        for connection in held:  # cut at the header deadline, they make room again
            assert _read_until_closed(connection, within=5)[0] == b""
            connection.close()
        assert httpx.get(f"{running.url}/health", timeout=5).status_code == 200
    finally:
        log = running.stop()
    assert "refused a connection: 5 are open (--max-connections)" in log
    assert "Traceback" not in log


def test_running_out_of_file_descriptors_is_one_log_line_now_and_then() -> None:
    """More clients than the process has descriptors: the event loop's failed accepts (EMFILE)
    are one line each ten seconds, not a traceback each, and the server answers again once
    the idle connections are cut."""
    running = Server("--max-connections", "1000", "--header-timeout", "2", open_files=96)
    flood: list[socket.socket] = []
    try:
        for _ in range(160):  # the listening queue takes those the server cannot accept
            flood.append(_connect(running))
        time.sleep(3)
        for connection in flood:
            connection.close()
        flood.clear()
        deadline = time.monotonic() + 15
        while True:
            try:
                if httpx.get(f"{running.url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not answer again"
            time.sleep(0.2)
    finally:
        for connection in flood:
            connection.close()
        log = running.stop()
    assert "the open-file limit (96) leaves no room for 1000 connections" in log
    assert "cannot accept connections for now: Too many open files" in log
    assert "Traceback" not in log
    assert len(log) < 5000, log[-2000:]


def test_requests_that_are_not_http_are_answered_400_and_logged_now_and_then() -> None:
    """A client sending garbage as fast as it can gets a 400 each time; the log gets one line
    each ten seconds, with the count of those not logged, not a line for each."""
    running = Server()
    try:
        for _ in range(200):
            with _connect(running) as connection:
                connection.sendall(b"\x16\x03\x01 not HTTP at all\r\n\r\n")
                answer, _ = _read_until_closed(connection, within=5)
                assert answer.startswith(b"HTTP/1.1 400 "), answer[:100]
    finally:
        log = running.stop()
    said = [line for line in log.splitlines() if "not HTTP" in line or "Invalid HTTP" in line]
    assert len(said) == 1, said
    assert "requests that are not HTTP were answered 400" in said[0]


def test_sigterm_with_a_stalled_body_stops_the_server_at_once() -> None:
    running = Server("--body-timeout", "300", "--shutdown-timeout", "5")
    with _connect(running) as connection:
        connection.sendall(
            b"POST /render HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000\r\n\r\n{"
        )
        time.sleep(0.3)
        running.process.send_signal(signal.SIGTERM)
        # it stops without waiting for the 300 s body deadline (the waits are guards)
        received, _ = _read_until_closed(connection, within=60)
        running.process.wait(timeout=120)
    assert received.startswith(b"HTTP/1.1 503 ")
    assert b"the server is stopping" in received
    assert "Traceback" not in running.stop()


# 4. The Host a request names, and the page it comes from.


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "LOCALHOST:8000", "letters.internal", "letters.internal.:443"],
)
def test_a_host_header_naming_this_server_is_answered(strict: Server, host: str) -> None:
    response = httpx.get(f"{strict.url}/clauses", headers={"host": host})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "localhost.evil", ""]
)
def test_a_host_header_naming_another_server_is_refused(strict: Server, host: str) -> None:
    """A DNS-rebinding page's requests name its own domain: they are refused, unread."""
    response = httpx.post(f"{strict.url}/render", content=CASE, headers={"host": host})
    assert response.status_code == 400
    message = response.json()["errors"][0]["message"]
    assert "does not name this server; give its name with --allowed-host" in message


def test_a_host_given_in_letters_allowed_hosts_is_answered() -> None:
    running = Server(env={"LETTERS_ALLOWED_HOSTS": "letters.example.org letters"})
    try:
        for host in ("letters.example.org", "letters"):
            response = httpx.get(f"{running.url}/clauses", headers={"host": host})
            assert response.status_code == 200, host
        other = httpx.get(f"{running.url}/clauses", headers={"host": "example.org"})
        assert other.status_code == 400
    finally:
        running.stop()


def test_a_host_named_in_letters_toml_is_answered(tmp_path: Path) -> None:
    (tmp_path / "letters.toml").write_text(
        f'clauses = "{ROOT / "clauses"}"\nallowed_hosts = ["letters.example.org"]\n'
    )
    running = Server(cwd=tmp_path)
    try:
        response = httpx.get(f"{running.url}/clauses", headers={"host": "letters.example.org"})
        assert response.status_code == 200
        other = httpx.get(f"{running.url}/clauses", headers={"host": "example.org"})
        assert other.status_code == 400
    finally:
        running.stop()


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "http://evil.example"},
        {"origin": "null"},
        {"origin": "http://127.0.0.1:1"},  # another port of this machine is another origin
        {"origin": "http://localhost"},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
    ],
)
def test_a_post_from_another_sites_page_is_refused_403(
    strict: Server, headers: dict[str, str]
) -> None:
    response = httpx.post(f"{strict.url}/render", content=CASE, headers=headers)
    assert response.status_code == 403
    assert "cannot change or ask for work here" in response.json()["errors"][0]["message"]


def test_a_post_from_the_servers_own_origin_or_no_page_is_answered(strict: Server) -> None:
    own = {"origin": strict.url, "sec-fetch-site": "same-origin"}
    for headers in (own, {}, {"sec-fetch-site": "none"}):
        response = httpx.post(f"{strict.url}/validate", content=CASE, headers=headers)
        assert response.status_code == 200, headers


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "cross-site", "sec-fetch-mode": "cors"},
        {"sec-fetch-site": "same-site", "sec-fetch-mode": "no-cors"},
        {"origin": "http://evil.example"},
    ],
)
def test_another_sites_page_cannot_read_from_the_server(
    strict: Server, headers: dict[str, str]
) -> None:
    response = httpx.get(f"{strict.url}/clauses", headers=headers)
    assert response.status_code == 403


def test_a_wildcard_bind_answers_the_address_a_connection_came_in_on(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("s3cret-token\n")
    running = Server("--host", "0.0.0.0", "--token-file", str(token))
    try:
        authorised = {"authorization": "Bearer s3cret-token"}
        own = httpx.get(f"{running.url}/clauses", headers=authorised)
        assert own.status_code == 200
        rebound = httpx.get(f"{running.url}/clauses", headers={**authorised, "host": "evil.test"})
        assert rebound.status_code == 400
    finally:
        running.stop()


# 9. One JSON reader for the service and the command line.


def _validate_command(text: bytes, tmp_path: Path) -> list[dict[str, object]]:
    """The problems ``letters validate --json`` reports for a case file holding ``text``."""
    case = tmp_path / "request"
    case.write_bytes(text)
    done = subprocess.run(
        [sys.executable, "-m", "letters", "validate", "--json", "request"],
        capture_output=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    errors: list[dict[str, object]] = json.loads(done.stdout)["results"][0]["errors"]
    return errors


@pytest.mark.parametrize(
    "text",
    [
        b'{"complainant": {"name": "A", "pronouns": "she"},\n "complainant": {}}',
        b'{"\\ud800": 1}',
        b'{"complainant": {"name": "A\\udfff", "pronouns": "she"}}',
        b'{"reference": 1' + b"0" * 5000 + b"}",
    ],
    ids=["duplicate-key", "lone-surrogate-key", "lone-surrogate-value", "5000-digit-number"],
)
def test_the_service_reports_a_case_as_validate_does(
    strict: Server, text: bytes, tmp_path: Path
) -> None:
    response = httpx.post(f"{strict.url}/validate", content=text)
    assert response.status_code == 422
    assert response.json()["errors"] == _validate_command(text, tmp_path)


def test_a_duplicate_key_is_named_with_its_line(strict: Server) -> None:
    text = b'{\n "reference": "1",\n "reference": "2"\n}'
    response = httpx.post(f"{strict.url}/render", content=text)
    assert response.status_code == 422
    (problem,) = response.json()["errors"]
    assert problem["message"] == (
        "the key 'reference' is given twice in one object; give each field once"
    )
    assert problem["location"]["line"] == 3


def test_a_body_that_is_not_utf8_is_400(strict: Server) -> None:
    response = httpx.post(f"{strict.url}/render", content=b'{"reference": "\xff"}')
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("the body is not UTF-8 text")


# 10. The token's edges.


@pytest.mark.parametrize(
    ("env", "token_text", "message"),
    [
        ({"LETTERS_TOKEN": "   "}, None, "LETTERS_TOKEN is blank"),
        ({"LETTERS_TOKEN": ""}, None, "LETTERS_TOKEN is blank"),
        ({}, " \n\n", "the token file token is blank"),
        ({"LETTERS_TOKEN": "two words"}, None, "LETTERS_TOKEN holds a space"),
    ],
)
def test_a_blank_token_is_an_error_at_start(
    tmp_path: Path, env: dict[str, str], token_text: str | None, message: str
) -> None:
    arguments = ["--host", "0.0.0.0", "--port", str(free_port())]
    if token_text is not None:
        (tmp_path / "token").write_text(token_text)
        arguments += ["--token-file", "token"]
    done = subprocess.run(
        [sys.executable, "-m", "letters", "serve", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**{k: v for k, v in os.environ.items() if k != "LETTERS_TOKEN"}, **env},
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    assert message in done.stderr


def test_openapi_needs_the_token_and_health_alone_does_not(tmp_path: Path) -> None:
    running = Server(env={"LETTERS_TOKEN": "s3cret-token"})
    try:
        refused = httpx.get(f"{running.url}/openapi.json")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["detail"].startswith("a bearer token is required")
        given = {"authorization": "Bearer s3cret-token"}
        assert httpx.get(f"{running.url}/openapi.json", headers=given).status_code == 200
        assert httpx.get(f"{running.url}/health").status_code == 200
    finally:
        running.stop()


# 7. PDFs from a bounded pool of converters, each letter with a deadline.


@needs_libreoffice
def test_a_slow_pdf_holds_up_no_other_and_its_converter_is_restarted(tmp_path: Path) -> None:
    """A letter LibreOffice takes minutes over (one paragraph of 1,500,000 characters) is cut at
    its deadline, while a small letter is converted beside it; the next letters convert."""
    case = json.loads(CASE)
    case["text"]["assessment"] = [("The Council did not reply to her letters. " * 35000).strip()]
    slow = json.dumps(case).encode()
    # past the size a PDF is refused at (the bound's own test: tests/formats/test_pdf.py)
    running = Server(
        "--converters", "2", "--pdf-timeout", "6", env={"LETTERS_PDF_SIZE_LIMIT": "100000000"}
    )
    url = f"{running.url}/render?format=pdf"
    try:
        warming = [
            threading.Thread(
                target=httpx.post, args=(url,), kwargs={"content": CASE, "timeout": 120}
            )
            for _ in range(2)
        ]
        for thread in warming:
            thread.start()
        for thread in warming:
            thread.join()
        answers: dict[str, tuple[int, float, bytes]] = {}

        def ask(name: str, body: bytes) -> None:
            started = time.monotonic()
            response = httpx.post(url, content=body, timeout=120)
            answers[name] = (response.status_code, time.monotonic() - started, response.content)

        slow_one = threading.Thread(target=ask, args=("slow", slow))
        slow_one.start()
        time.sleep(0.5)
        ask("small", CASE)
        assert answers["small"][0] == 200 and answers["small"][2].startswith(b"%PDF-")
        assert "slow" not in answers  # the slow one still converting: the small one did not wait
        slow_one.join(timeout=60)
        status, took, content = answers["slow"]
        assert status == 422
        assert json.loads(content)["errors"][0]["message"] == (
            "LibreOffice did not convert the letter within 6 s"
        )
        assert took > 5.5  # it was given its 6 s
        after = [threading.Thread(target=ask, args=(f"after-{n}", CASE)) for n in range(2)]
        for thread in after:
            thread.start()
        for thread in after:
            thread.join(timeout=120)
        assert [answers[f"after-{n}"][0] for n in range(2)] == [200, 200]
        assert len(offices(running.process.pid)) <= 2
    finally:
        log = running.stop()
    assert "Traceback" not in log
