"""letters serve, as a case-management system meets it: a real server process on a free port,
and a real HTTP client."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import httpx
import pytest

from tests.conftest import EXAMPLES, GOLDEN, ROOT, letter_lines, normalise
from tests.test_golden import SEEDS
from tests.web.servers import Server, descendants, free_port, needs_libreoffice


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    running = Server("--max-body", "200000")
    yield running
    running.stop()


def _example(name: str) -> bytes:
    return (EXAMPLES / f"{name}.json").read_bytes()


@pytest.mark.parametrize(("example", "reference"), SEEDS)
def test_each_seed_renders_over_http_word_for_word(
    server: Server, example: str, reference: str
) -> None:
    response = httpx.post(f"{server.url}/render", content=_example(example), timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    letter = normalise(letter_lines(response.content))
    expected = normalise((GOLDEN / f"{reference}.txt").read_text(encoding="utf-8").splitlines())
    assert letter[letter.index(expected[0]) :] == expected


@pytest.mark.parametrize(
    ("ask", "media"),
    [
        ({"params": {"format": "txt"}}, "text/plain"),
        ({"params": {"format": "md"}}, "text/markdown"),
        ({"headers": {"accept": "text/markdown"}}, "text/markdown"),
    ],
)
def test_the_format_comes_from_a_parameter_or_the_accept_header(
    server: Server, ask: dict[str, dict[str, str]], media: str
) -> None:
    response = httpx.post(f"{server.url}/render", content=_example("cpc-report-defamation"), **ask)  # type: ignore[arg-type]
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert "We will not investigate this complaint" in response.text


def test_a_bad_case_gets_422_with_the_problem_records(server: Server) -> None:
    response = httpx.post(
        f"{server.url}/validate", json={"complainant": {"name": "A", "pronouns": "it"}}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["type"], problem["title"], problem["status"]) == (
        "about:blank",
        HTTPStatus(422).phrase,
        422,
    )
    errors = problem["errors"]
    assert problem["detail"].endswith(errors[0]["message"])
    assert {
        "source": "request",
        "where": "complainant.pronouns",
        "message": "expected one of she, he, they",
    }.items() <= errors[0].items()


def test_bad_json_gets_400_with_the_place_named(server: Server) -> None:
    response = httpx.post(f"{server.url}/render", content=b'{\n  "complainant": }')
    assert response.status_code == 400
    (problem,) = response.json()["errors"]
    assert problem["message"] == "not valid JSON: Expecting value"
    assert problem["location"] == {"file": "request", "line": 2, "column": 18}


def test_a_body_over_the_limit_gets_413(server: Server) -> None:
    response = httpx.post(f"{server.url}/render", content=b" " * 300_000)
    assert response.status_code == 413


def test_validate_explain_schema_clauses_and_openapi(server: Server) -> None:
    case = _example("cpc-report-defamation")
    assert httpx.post(f"{server.url}/validate", content=case).json() == {"ok": True, "errors": []}
    record = httpx.post(f"{server.url}/explain", content=case).json()
    assert record["outline"] == "will-not-investigate"
    schema = httpx.get(f"{server.url}/schema").json()
    assert "document" in schema["properties"]["facts"]["properties"]
    clauses = httpx.get(f"{server.url}/clauses").json()
    assert "defamation/courts" in {clause["id"] for clause in clauses}
    courts = httpx.get(f"{server.url}/clauses/defamation/courts").json()
    assert any("Only the courts\ncan do so." in text for text in courts["wording"].values())
    missing = httpx.get(f"{server.url}/clauses/defamation/curts")
    assert missing.status_code == 404
    assert "did you mean 'defamation/courts'?" in missing.json()["errors"][0]["message"]
    openapi = httpx.get(f"{server.url}/openapi.json").json()
    assert openapi["paths"]["/render"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ] == {"$ref": "#/components/schemas/Case"}
    assert "facts" in openapi["components"]["schemas"]["Case"]["properties"]


def test_no_request_can_name_a_file_on_the_server(server: Server) -> None:
    case = json.loads(_example("cpc-report-defamation"))
    response = httpx.post(f"{server.url}/render", json={**case, "template": "/etc/passwd"})
    assert response.status_code == 422
    assert "unknown field" in response.json()["errors"][0]["message"]
    escape = httpx.get(f"{server.url}/clauses/../../etc/passwd")
    assert escape.status_code == 404


def test_serving_beyond_the_loopback_needs_a_token() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "letters",
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            str(free_port()),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={key: value for key, value in os.environ.items() if key != "LETTERS_TOKEN"},
    )
    assert done.returncode == 2
    assert "serving on 0.0.0.0 needs a bearer token" in done.stderr


def test_with_a_token_every_request_but_health_must_give_it(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("s3cret\n")
    running = Server("--token-file", str(token))
    try:
        assert httpx.get(f"{running.url}/health").status_code == 200
        for path in ("/clauses", "/schema", "/openapi.json", "/clauses/defamation/courts"):
            assert httpx.get(f"{running.url}{path}").status_code == 401, path
        for path in ("/render", "/validate", "/explain"):
            assert httpx.post(f"{running.url}{path}", content=b"{}").status_code == 401, path
        wrong = httpx.get(f"{running.url}/clauses", headers={"authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = httpx.get(f"{running.url}/clauses", headers={"authorization": "Bearer s3cret"})
        assert right.status_code == 200
    finally:
        log = running.stop()
    assert "401: a bearer token is required" in log


def test_an_edited_clause_is_read_again(tmp_path: Path) -> None:
    library = tmp_path / "clauses"
    shutil.copytree(ROOT / "clauses", library)
    running = Server("--clauses", str(library))
    try:
        case = _example("cpc-report-defamation")
        before = httpx.post(f"{running.url}/render", content=case, params={"format": "txt"}).text
        assert "Investigator's decision on behalf of the Ombudsman" in before
        (library / "letter" / "sign-off.txt").write_text(
            "---\ntitle: s\n---\nThe Complaints Team\n"
        )
        time.sleep(1.2)
        after = httpx.post(f"{running.url}/render", content=case, params={"format": "txt"}).text
        assert "The Complaints Team" in after
    finally:
        running.stop()


def test_a_library_edited_into_problems_is_503_until_it_is_put_right(tmp_path: Path) -> None:
    """The library is the server's, not the request's: the request that finds a clause file
    broken while the server runs is 503 (try again), with its problems, not a 422 that blames
    the request. (Until the next look at the files, a worker answers with the library it read
    last.)"""
    library = tmp_path / "clauses"
    shutil.copytree(ROOT / "clauses", library)
    sign_off = library / "letter" / "sign-off.txt"
    kept = sign_off.read_text(encoding="utf-8")
    running = Server("--clauses", str(library))
    try:
        assert httpx.get(f"{running.url}/clauses").status_code == 200
        sign_off.write_text("---\ntitle: [unclosed\n---\nText\n", encoding="utf-8")
        time.sleep(1.2)
        broken = httpx.get(f"{running.url}/clauses")
        assert broken.status_code == 503
        assert broken.headers["content-type"] == "application/problem+json"
        assert broken.headers["retry-after"] == "5"
        (problem,) = broken.json()["errors"]
        assert "the front matter is not valid YAML" in problem["message"]
        assert problem["location"]["line"] == 2
        sign_off.write_text(kept, encoding="utf-8")
        time.sleep(1.2)
        assert httpx.get(f"{running.url}/clauses").status_code == 200
    finally:
        log = running.stop()
    assert "GET /clauses 503: the front matter is not valid YAML" in log


def test_an_internal_error_is_500_with_no_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug of ours, forced in-process: the response says only "internal error"."""
    import asyncio

    from letters.rendering import Renderer
    from letters.web import ServiceSettings, create_app

    def broken(self: Renderer, *args: object, **kwargs: object) -> bytes:
        raise KeyError("a bug")

    monkeypatch.setattr(Renderer, "render_as", broken)
    app = create_app(ServiceSettings())

    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.post(
                "/render", content=_example("cpc-report-defamation"), params={"format": "txt"}
            )

    response = asyncio.run(ask())
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "internal error",
        "ok": False,
        "errors": [
            {
                "source": None,
                "where": None,
                "message": "internal error",
                "severity": "error",
                "location": {},
            }
        ],
    }
    assert "Traceback" not in response.text


@needs_libreoffice
def test_pdfs_come_from_a_warm_libreoffice_replaced_when_killed(server: Server) -> None:
    case = _example("cpc-report-defamation")
    first = httpx.post(f"{server.url}/render", content=case, params={"format": "pdf"}, timeout=120)
    assert first.status_code == 200 and first.content.startswith(b"%PDF-")
    second = httpx.post(f"{server.url}/render", content=case, params={"format": "pdf"}, timeout=120)
    assert second.status_code == 200  # each of the server's two converters has started
    # this server's own converters only: other servers may be running on the machine
    bridges = descendants(server.process.pid, "uno_bridge.py")
    offices = descendants(server.process.pid, "soffice.bin")
    assert bridges and offices
    for _ in range(2):
        again = httpx.post(
            f"{server.url}/render", content=case, params={"format": "pdf"}, timeout=120
        )
        assert again.status_code == 200 and again.content.startswith(b"%PDF-")
    # warm: the same LibreOffices made them, none was started for them (so, not a clock,
    # which a busy machine holds up)
    assert descendants(server.process.pid, "uno_bridge.py") == bridges
    assert descendants(server.process.pid, "soffice.bin") == offices
    for pid in bridges + offices:
        os.kill(pid, signal.SIGKILL)
    third = httpx.post(f"{server.url}/render", content=case, params={"format": "pdf"}, timeout=120)
    assert third.status_code == 200 and third.content.startswith(b"%PDF-")


@needs_libreoffice
def test_stopping_the_server_stops_its_libreoffice() -> None:
    running = Server()
    httpx.post(
        f"{running.url}/render",
        content=_example("cpc-report-defamation"),
        params={"format": "pdf"},
        timeout=120,
    )
    pgrep = ["pgrep", "-P", str(running.process.pid), "-f", "uno_bridge.py"]
    bridges = subprocess.run(pgrep, capture_output=True, text=True).stdout.split()
    assert bridges
    running.stop()
    time.sleep(1)
    for pid in bridges:
        status = Path(f"/proc/{pid}/status")
        assert not status.exists() or "zombie" in status.read_text()
