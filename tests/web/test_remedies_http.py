"""The remedies over HTTP (#32): a real `letters serve` with a register, on SQLite and on
PostgreSQL, and a real client: a case issued with its remedies, listed, one marked done with
its evidence, the evidence fetched back, and what is refused (400, 401, 404, 409, 422), each
as problem details."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.test_remedies import FIXTURE, UPHELD
from tests.web.servers import Server

TOKEN = "remedies-token"
AUTHORISED = {"authorization": f"Bearer {TOKEN}"}
REMITTANCE = b"BACS remittance: Mrs X, 300.00, 9 May 2025\n"


def serve(register: str) -> Server:
    """The service with the fixture library and the register, guarded by a token."""
    return Server("--register", register, "--clauses", str(FIXTURE), env={"LETTERS_TOKEN": TOKEN})


def issue(server: Server, reference: str = "R 1") -> int:
    """Issue the fixture library's upheld case (four remedies); its record."""
    case = json.dumps({**UPHELD, "reference": reference}).encode()
    answer = httpx.post(f"{server.url}/issue", content=case, headers=AUTHORISED, timeout=60)
    assert answer.status_code == 200, answer.text
    return int(answer.headers["x-letters-record"])


def get(server: Server, path: str, **params: Any) -> httpx.Response:
    return httpx.get(f"{server.url}{path}", params=params, headers=AUTHORISED, timeout=60)


def post(server: Server, path: str, **options: Any) -> httpx.Response:
    headers = {**AUTHORISED, **options.pop("headers", {})}
    return httpx.post(f"{server.url}{path}", headers=headers, timeout=60, **options)


def problem(answer: httpx.Response, status: int) -> str:
    """The detail of an answer that must be problem details of ``status``."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    details = answer.json()
    assert (details["status"], details["title"]) == (status, HTTPStatus(status).phrase)
    assert details["ok"] is False and details["errors"]
    detail: str = details["detail"]
    return detail


def listed(answer: httpx.Response) -> list[tuple[str, str]]:
    assert answer.status_code == 200, answer.text
    return [(remedy["remedy"], remedy["status"]) for remedy in answer.json()]


def test_a_remedy_followed_over_http_from_the_issued_letter_to_its_evidence(
    register_at: str,
) -> None:
    server = serve(register_at)
    try:
        assert issue(server) == 1

        # the remedies the letter set out, agreed, and overdue a month on
        assert listed(get(server, "/remedies", on="2025-04-20")) == [
            ("1.1", "agreed"),
            ("1.2", "agreed"),
            ("1.3", "agreed"),
            ("1.4", "agreed"),
        ]
        overdue = get(server, "/remedies", overdue="true", on="2025-06-01")
        assert [remedy for remedy, _ in listed(overdue)] == ["1.1", "1.2", "1.3", "1.4"]

        # the £300 paid: done, on the day, with the remittance as its evidence
        changed = post(
            server,
            "/remedies/1.2",
            data={"status": "done", "by": "B. Officer", "on": "2025-05-09", "note": "paid"},
            files=[("evidence", ("remittance.txt", REMITTANCE, "text/plain"))],
        )
        assert changed.status_code == 200, changed.text
        remedy = changed.json()
        assert (remedy["remedy"], remedy["status"], remedy["on_time"]) == ("1.2", "done", True)
        [change] = remedy["history"]
        assert (change["status"], change["day"], change["recorded_by"], change["note"]) == (
            "done",
            "2025-05-09",
            "B. Officer",
            "paid",
        )
        [evidence] = change["evidence"]
        digest = hashlib.sha256(REMITTANCE).hexdigest()
        assert (evidence["name"], evidence["sha256"], evidence["size"], evidence["kept"]) == (
            "remittance.txt",
            digest,
            len(REMITTANCE),
            True,
        )

        # the evidence back, byte for byte, to be saved under its name
        kept = get(server, f"/evidence/{digest}")
        assert kept.status_code == 200, kept.text
        assert kept.content == REMITTANCE
        assert kept.headers["content-type"] == "application/octet-stream"
        assert kept.headers["content-disposition"].startswith('attachment; filename="remittance')
        assert kept.headers["x-letters-sha256"] == digest

        # the remedy with its history; the overdue list without it; done found by its status
        shown = get(server, "/remedies/1.2", on="2025-06-01")
        assert shown.status_code == 200 and shown.json()["history"] == remedy["history"]
        overdue = get(server, "/remedies", overdue="true", on="2025-06-01")
        assert [remedy for remedy, _ in listed(overdue)] == ["1.1", "1.3", "1.4"]
        assert listed(get(server, "/remedies", status="done")) == [("1.2", "done")]

        # a record there is none of, a remedy the letter does not set out, evidence not kept
        assert "no record 9" in problem(get(server, "/remedies/9.1"), 404)
        assert "record 1 sets out 4 remedies" in problem(get(server, "/remedies/1.9"), 404)
        assert "keeps no evidence" in problem(get(server, f"/evidence/{'0' * 64}"), 404)
        assert "no record 9" in problem(
            post(server, "/remedies/9.1", json={"status": "done", "by": "B", "note": "x"}), 404
        )
    finally:
        server.stop()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server on an SQLite register holding the upheld case's record 1, for the refusals."""
    register = tmp_path_factory.mktemp("register") / "register.sqlite"
    server = serve(str(register))
    try:
        issue(server)
        yield server
    finally:
        server.stop()


def test_an_extension_in_json_moves_the_day_a_remedy_is_due(served: Server) -> None:
    answer = post(
        served,
        "/remedies/1.4",
        json={
            "status": "extended",
            "by": "B. Officer",
            "on": "2025-05-01",
            "to": "2025-09-30",
            "note": "the Council is consulting on its new procedure",
        },
    )
    assert answer.status_code == 200, answer.text
    remedy = answer.json()
    assert (remedy["recorded_status"], remedy["due"]) == ("extended", "2025-09-30")
    overdue = get(served, "/remedies", overdue="true", on="2025-06-01")
    assert "1.4" not in [remedy for remedy, _ in listed(overdue)]


def test_a_done_remedy_cannot_be_done_again(served: Server) -> None:
    change = {"status": "done", "by": "B. Officer", "on": "2025-05-09", "note": "apology seen"}
    assert post(served, "/remedies/1.1", json=change).status_code == 200
    assert "remedy 1.1 is done" in problem(post(served, "/remedies/1.1", json=change), 409)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"status": "extended", "by": "B. Officer", "note": "more time"}, "extended to when?"),
        ({"status": "refused", "by": "B. Officer"}, "refused why?"),
        ({"status": "done", "by": "B. Officer"}, "done on what evidence?"),
        ({"status": "done", "by": "B. Officer", "note": "x", "on": "2999-01-01"}, "not come yet"),
        ({"status": "done", "by": "B\u0007", "note": "x"}, "who records the change?"),
        ({"status": "done", "by": "B. Officer", "note": "a\u0000b"}, "cannot keep"),
    ],
)
def test_a_change_the_register_does_not_record_as_asked_is_422(
    served: Server, change: dict[str, str], expected: str
) -> None:
    assert expected in problem(post(served, "/remedies/1.3", json=change), 422)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"content": b"not json"}, "not valid JSON"),
        ({"json": ["done"]}, "a change is a JSON object"),
        ({"json": {"status": "done"}}, "by is missing"),
        ({"json": {"status": "finished", "by": "B"}}, "one of accepted, refused, extended, done"),
        ({"json": {"status": "done", "by": 3}}, "by is text, not a number"),
        ({"json": {"status": "done", "by": "B", "on": "9 May 2025"}}, "not a day"),
        ({"json": {"status": "done", "by": "B", "evidence": "x"}}, "sent as files"),
        ({"json": {"status": "done", "by": "B" * 201}}, "at most 200 characters"),
        ({"data": {"status": "done", "by": "B", "evidence": "x"}, "files": {"f": b""}}, "a file"),
        ({"data": {"status": "done", "by": "B", "colour": "red"}, "files": {"f": b""}}, "colour"),
        ({"data": {"status": "done"}, "files": {"by": ("by.txt", b"B")}}, "by is text"),
        (
            {"content": b"--x\r\nbroken", "headers": {"content-type": "multipart/form-data"}},
            "multipart body cannot be read",
        ),
    ],
)
def test_a_body_that_is_not_a_change_is_400(
    served: Server, options: dict[str, Any], expected: str
) -> None:
    assert expected in problem(post(served, "/remedies/1.3", **options), 400)


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        ("/remedies", {"overdue": "yes"}, "?overdue is true or false"),
        ("/remedies", {"colour": "red"}, "no query parameter 'colour'"),
        ("/remedies", {"status": "lost"}, "not a remedy's status: lost"),
        ("/remedies", {"on": "2025-02-30"}, "not a day"),
        ("/remedies", {"record": "0"}, "?record is a record's id"),
        ("/remedies", {"kind": ["apology", "payment"]}, "?kind is given 2 times"),
        ("/remedies/1.x", {}, "is not a remedy"),
        ("/remedies/0.1", {}, "is not a remedy"),
        ("/remedies/1.1", {"body": "x"}, "no query parameter 'body'"),
        ("/evidence/ABC", {}, "is not a SHA-256"),
    ],
)
def test_a_query_or_id_that_is_not_one_is_400(
    served: Server, path: str, params: dict[str, Any], expected: str
) -> None:
    assert expected in problem(get(served, path, **params), 400)


def test_the_filters_choose_as_the_command_line_does(served: Server) -> None:
    on = "2025-04-20"
    assert listed(get(served, "/remedies", kind="payment", on=on)) == [
        ("1.2", "agreed"),
        ("1.3", "agreed"),
    ]
    assert [r for r, _ in listed(get(served, "/remedies", body="WESTSHIRE  council", on=on))] == [
        "1.1",
        "1.2",
        "1.3",
        "1.4",
    ]
    assert listed(get(served, "/remedies", reference="r1", record="1", kind="review", on=on)) == [
        ("1.4", "agreed")
    ]
    assert listed(get(served, "/remedies", body="Eastshire Council")) == []
    assert listed(get(served, "/remedies", reference="R\u00001")) == []  # a text no register holds


def test_the_remedies_need_the_token(served: Server) -> None:
    for method, path in [
        ("GET", "/remedies"),
        ("GET", "/remedies/1.1"),
        ("POST", "/remedies/1.1"),
        ("GET", f"/evidence/{'0' * 64}"),
    ]:
        answer = httpx.request(method, f"{served.url}{path}", timeout=60)
        assert "bearer token is required" in problem(answer, 401)


def test_a_remedy_of_a_superseded_letter_cannot_be_changed(served: Server) -> None:
    issue(served, reference="R 2")
    later = issue(served, reference="r2")  # the same case issued again: it supersedes the first
    change = {"status": "done", "by": "B. Officer", "note": "paid"}
    assert "is superseded by record" in problem(
        post(served, f"/remedies/{later - 1}.2", json=change), 409
    )
    assert post(served, f"/remedies/{later}.2", json=change).status_code == 200


def test_a_new_register_lists_no_remedies(tmp_path: Path) -> None:
    """The server's register is made on first use, as POST /issue makes it."""
    server = serve(str(tmp_path / "new.sqlite"))
    try:
        assert listed(get(server, "/remedies")) == []
        assert (tmp_path / "new.sqlite").is_file()
    finally:
        server.stop()
