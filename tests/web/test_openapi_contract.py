"""The OpenAPI document is the server: every route `letters serve` answers is in it, with every
status it can answer and the body of each, and a real server holds to it when Schemathesis
(all its checks on) sends what the document allows and what it does not.

This file is also Schemathesis' hooks module (``SCHEMATHESIS_HOOKS``): the check of our own
below is loaded from it by the ``st`` process the contract test runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from starlette.routing import Route

from tests.conftest import EXAMPLES, ROOT
from tests.web.servers import Server

TOKEN = "contract-token"
AUTHORISED = {"authorization": f"Bearer {TOKEN}"}
SCHEMA_OWN_REFUSALS = (
    "expected ",  # a type or a choice: "expected text, got 3", "expected one of she, he, they"
    "unknown field",
    "missing (this field is required)",
    "not valid JSON",
    "not a usable JSON value",
)
"""How the engine words the refusals a JSON Schema states itself: a case the document's schema
holds valid is never refused for one of them (else the schema let through what it forbids)."""


@schemathesis.check
def valid_cases_are_refused_only_beyond_the_schema(
    ctx: Any, response: Any, case: Any
) -> bool | None:
    """A case valid by the documented schema may be refused (422) only for a reason a JSON
    Schema cannot state (a condition of the library's, say); never for a type, a choice or a
    field the schema itself names. Schemathesis' own positive_data_acceptance is told that
    such a 422 is an answer; this check says which ones."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    messages = [problem["message"] for problem in response.json()["errors"]]
    own = [message for message in messages if message.startswith(SCHEMA_OWN_REFUSALS)]
    if own:
        raise AssertionError(f"a case valid by the documented schema was refused: {own}")
    return None


@pytest.mark.parametrize(
    ("mode", "status", "message", "refused"),
    [
        ("positive", 422, "unknown field (expected one of: name, pronouns)", True),
        ("positive", 422, "expected one of she, he, they", True),
        ("positive", 422, "no outline's condition fits this case's facts", False),
        ("negative", 422, "unknown field (expected one of: name, pronouns)", False),
        ("positive", 400, "not valid JSON: Expecting value", False),
    ],
)
def test_our_check_refuses_a_valid_case_refused_for_the_schemas_own_reasons(
    mode: str, status: int, message: str, refused: bool
) -> None:
    from schemathesis.generation import GenerationMode

    class Answer:
        status_code = status

        def json(self) -> dict[str, Any]:
            return {"errors": [{"message": message}]}

    generation = type("Generation", (), {"mode": GenerationMode(mode)})
    case = type("Case", (), {"meta": type("Meta", (), {"generation": generation})})
    if refused:
        with pytest.raises(AssertionError, match="valid by the documented schema"):
            valid_cases_are_refused_only_beyond_the_schema(None, Answer(), case)
    else:
        assert valid_cases_are_refused_only_beyond_the_schema(None, Answer(), case) is None


def _document(token: bool) -> dict[str, Any]:
    from letters.library import Library
    from letters.schema import case_schema
    from letters.web.openapi import openapi_document

    library = Library.load()
    ids = [clause.id for clause in library]
    return openapi_document(case_schema(library), ids, token=token)


@pytest.mark.parametrize("token", [True, False], ids=["with-a-token", "without"])
def test_the_document_is_valid_openapi_3_1(token: bool) -> None:
    document = _document(token)
    assert document["openapi"] == "3.1.0"
    validate(document, cls=OpenAPIV31SpecValidator)


def test_the_bearer_token_is_in_the_document_where_the_server_asks_for_one() -> None:
    guarded, open_ = _document(True), _document(False)
    assert guarded["security"] == [{"bearer": []}]
    assert guarded["paths"]["/health"]["get"]["security"] == []
    assert "401" in guarded["paths"]["/clauses"]["get"]["responses"]
    assert "401" not in guarded["paths"]["/health"]["get"]["responses"]
    assert "security" not in open_ and "securitySchemes" not in open_["components"]
    for path in open_["paths"].values():
        for operation in path.values():
            assert "401" not in operation["responses"]


def _routes() -> set[tuple[str, str]]:
    from letters.web import ServiceSettings, create_app

    answered = set()
    for route in create_app(ServiceSettings()).routes:
        assert isinstance(route, Route)
        path = route.path.replace(":path}", "}")
        answered |= {(path, method.lower()) for method in route.methods or () if method != "HEAD"}
    return answered


def test_every_route_the_server_answers_is_in_the_document_and_no_other() -> None:
    document = _document(True)
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert documented == _routes()
    assert ("/issue", "post") in documented
    assert {("/remedies", "get"), ("/remedies/{remedy_id}", "post")} <= documented
    assert ("/evidence/{sha256}", "get") in documented


def test_every_error_is_documented_as_problem_details() -> None:
    document = _document(True)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, answer in operation["responses"].items():
                if int(status) < 400:
                    continue
                (media,) = answer["content"]
                assert media == "application/problem+json", (method, path, status)
                schema = answer["content"][media]["schema"]
                assert {"$ref": "#/components/schemas/Problem"} in schema["allOf"]
    clause = document["paths"]["/clauses/{clause_id}"]["get"]["responses"]
    assert "404" in clause and "422" not in clause


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server as a case-management system meets it: with a token, and a register that holds
    an upheld decision's remedies (record 1: the remedies 1.1 to 1.5 the document's examples
    name)."""
    register = tmp_path_factory.mktemp("register") / "register.sqlite"
    running = Server("--register", str(register), "--converters", "1", env={"LETTERS_TOKEN": TOKEN})
    upheld = (EXAMPLES / "upheld-care-assessment-delay.json").read_bytes()
    issued = httpx.post(f"{running.url}/issue", content=upheld, headers=AUTHORISED, timeout=60)
    assert issued.headers.get("x-letters-record") == "1", issued.text
    yield running
    running.stop()


def test_the_server_gives_the_document_it_describes(served: Server) -> None:
    given = httpx.get(f"{served.url}/openapi.json", headers=AUTHORISED, timeout=60)
    assert given.status_code == 200
    assert given.json() == json.loads(json.dumps(_document(True)))


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/clauses/defamation/curts", 404),
        ("GET", "/nowhere", 404),
        ("DELETE", "/clauses", 405),
        ("GET", "/render", 405),
        ("POST", "/validate", 400),  # no body: not JSON
    ],
)
def test_an_error_is_problem_details_with_the_records(
    served: Server, method: str, path: str, status: int
) -> None:
    answer = httpx.request(method, f"{served.url}{path}", headers=AUTHORISED, timeout=60)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "about:blank"
    assert problem["status"] == status
    assert problem["title"] == HTTPStatus(status).phrase
    assert problem["ok"] is False
    assert problem["errors"] and problem["detail"].endswith(problem["errors"][0]["message"])
    if status == 405:
        assert answer.headers["allow"] and answer.headers["allow"] in problem["detail"]


def test_a_missing_clause_is_404_with_the_nearest_named(served: Server) -> None:
    answer = httpx.get(f"{served.url}/clauses/defamation/curts", headers=AUTHORISED, timeout=60)
    assert answer.status_code == 404
    assert "did you mean 'defamation/courts'?" in answer.json()["detail"]


def test_schemathesis_finds_no_failure_against_a_live_server(
    served: Server, tmp_path: Path
) -> None:
    """Every phase (examples, coverage, fuzzing, stateful) and every check, a bounded number of
    examples an operation, against the real server; requests go to 127.0.0.1 only (a proxy
    that leads nowhere stands for any other address)."""
    config = tmp_path / "schemathesis.toml"
    allowed = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
    config.write_text(
        "[checks.positive_data_acceptance]\n"
        f"expected-statuses = {json.dumps(allowed)}\n"  # 422 only as the check above allows
    )
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("st")),
            "--config-file",
            str(config),
            "run",
            f"{served.url}/openapi.json",
            "--header",
            f"Authorization: Bearer {TOKEN}",
            "--checks",
            "all",
            "--max-examples",
            "25",
            "--workers",
            "1",
            "--request-timeout",
            "120",
            "--generation-database",
            "none",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=900,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "SCHEMATHESIS_HOOKS": __file__,
            "HTTP_PROXY": "http://127.0.0.1:9",
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "NO_PROXY": "127.0.0.1",
        },
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-20000:]
    assert "Selected: 12/12" in report and "Tested: 12" in report, report[-5000:]
