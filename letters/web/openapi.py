"""The OpenAPI 3.1 description of the service (``GET /openapi.json``): the server as it is.

Every route ``letters serve`` answers is here, with every status it can answer and the body of
each: the request body is the case JSON Schema of the library the server reads (its
definitions moved under ``components/schemas``), or a remedy's change (``letters.web.remedies``),
and every error is RFC 9457 problem details (``letters.web.responses``). The bearer token is
required in it where the server has one, and only then. ``tests/web/test_openapi_contract.py``
holds the server to it with Schemathesis.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from letters.output_formats import PDF_PROFILES
from letters.web.issuing import ISSUE_FORMATS
from letters.web.remedies import (
    CHANGE_FIELDS,
    EVIDENCE,
    LARGEST_RECORD,
    LONGEST_BY,
    REMEDY_PATTERN,
    SHA256_PATTERN,
)
from letters.web.responses import MEDIA_TYPES, PROBLEM_MEDIA_TYPE

PROBLEM = "#/components/schemas/Problem"
CASE = "#/components/schemas/Case"

WHY = {
    400: "the request is malformed: {why}",
    401: "the bearer token is missing or wrong (Authorization: Bearer ...)",
    403: "sent by a browser from another site's page, which may read nothing and change nothing",
    404: "there is no {why}",
    408: "the request's headers or body did not arrive within the server's deadline",
    409: "what is asked conflicts with the state of what it asks about: {why}",
    413: "the body is larger than the server takes (--max-body)",
    422: "{why}",
    500: "a bug of ours: 'internal error', with no traceback",
    503: "{why}; try again after Retry-After seconds",
}
"""What each status a route answers means; ``{why}`` is the route's own reason."""

HOST = "the Host header does not name this server (give its name with --allowed-host)"
REGISTER = "the register cannot be opened (not reached, or made by a later letters)"
BODY = "the body is not UTF-8 text, or not JSON (its line and column in errors)"
BUSY = "the server is full or stopping, or the clause library or template it reads has problems"


def openapi_document(
    case_schema: dict[str, Any], clause_ids: Iterable[str] = (), *, token: bool = False
) -> dict[str, Any]:
    """The OpenAPI 3.1 description of the service: its request body the case JSON Schema,
    ``clause_ids`` the clauses ``GET /clauses/{clause_id}`` has; ``token``: whether the server
    asks for a bearer token."""
    definitions = case_schema.pop("$defs", {})
    case_schema.pop("$schema", None)
    case_schema.pop("$id", None)
    ours = _components()
    clashes = sorted(set(ours) & {"Case", *definitions})
    assert not clashes, f"the case schema's definitions {clashes} clash with the service's"
    guarded = {401} if token else set()
    posted = {400, *guarded, 403, 408, 413, 422, 500, 503}
    read = {400, *guarded, 403, 408, 500, 503}
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "letters",
            "version": _version(),
            "description": (
                "Decision letters from case files. Every error is RFC 9457 problem details "
                f"({PROBLEM_MEDIA_TYPE}): type, title, status and detail, with `errors`, the "
                "problem records `letters render --json` gives, and `ok`, false. A method a "
                "path does not answer is 405 (its methods in Allow), a path nothing is served "
                "at 404; both as problem details."
            ),
        },
        "components": {
            "schemas": {
                "Case": _rewrite_references(case_schema),
                **{name: _rewrite_references(value) for name, value in definitions.items()},
                **ours,
            },
        },
        "paths": {
            "/render": {
                "post": {
                    "operationId": "render",
                    "summary": "Render a case's letter",
                    "description": (
                        "The letter of the case in the body: .docx, PDF, plain text or Markdown, "
                        "chosen by ?format= or else by the Accept header (default .docx)."
                    ),
                    "parameters": [
                        _query("format", list(MEDIA_TYPES), "docx (default), pdf, txt or md"),
                        _query(
                            "pdf_profile",
                            list(PDF_PROFILES),
                            "for a PDF: tagged (default), PDF/A-2b, PDF/UA-1 or both",
                        ),
                    ],
                    "requestBody": _case_body(),
                    "responses": {
                        "200": {
                            "description": "the letter",
                            "content": {media: {} for media in MEDIA_TYPES.values()},
                        },
                        **_errors(
                            posted,
                            {
                                400: f"{BODY}; or no such format or PDF profile",
                                422: "the case has problems, or its PDF could not be made",
                                503: f"{BUSY}, or its PDF converters are busy",
                            },
                        ),
                    },
                }
            },
            "/validate": {
                "post": {
                    "operationId": "validate",
                    "summary": "Check a case",
                    "requestBody": _case_body(),
                    "responses": {
                        "200": _json("the case has no problems", "#/components/schemas/Valid"),
                        **_errors(posted, {400: BODY, 422: "the case has problems", 503: BUSY}),
                    },
                }
            },
            "/explain": {
                "post": {
                    "operationId": "explain",
                    "summary": "Where each sentence of a case's letter came from",
                    "requestBody": _case_body(),
                    "responses": {
                        "200": _json(
                            "the record `letters explain --json` prints",
                            "#/components/schemas/Provenance",
                        ),
                        **_errors(posted, {400: BODY, 422: "the case has problems", 503: BUSY}),
                    },
                }
            },
            "/issue": {
                "post": {
                    "operationId": "issue",
                    "summary": "Issue a case's letter: render it and record it in the register",
                    "description": (
                        "The case JSON is recorded byte for byte as sent, and the letter before "
                        "it is answered; a response that does not arrive leaves a record, which "
                        "`letters register reproduce` makes again."
                    ),
                    "parameters": [
                        _query("format", list(ISSUE_FORMATS), "docx (default), txt or md"),
                    ],
                    "requestBody": _case_body(),
                    "responses": {
                        "200": {
                            "description": "the letter issued",
                            "headers": {
                                "X-Letters-Record": {
                                    "description": "the register's record of the letter",
                                    "required": True,
                                    "schema": {"type": "integer", "minimum": 1},
                                },
                                "X-Letters-SHA256": {
                                    "description": "the SHA-256 of the letter, as recorded",
                                    "required": True,
                                    "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                                },
                            },
                            "content": {MEDIA_TYPES[name]: {} for name in ISSUE_FORMATS},
                        },
                        **_errors(
                            posted,
                            {
                                400: f"{BODY}; or a format letters are not issued in",
                                422: "the case has problems (nothing is recorded)",
                                503: f"{BUSY}, or the register cannot take the letter",
                            },
                        ),
                    },
                }
            },
            "/schema": {
                "get": {
                    "operationId": "caseSchema",
                    "summary": "The case JSON Schema of the library the server reads",
                    "responses": {
                        "200": _json(
                            "a JSON Schema (Draft 2020-12)", {"type": "object"}, reference=False
                        ),
                        **_errors(read, {400: HOST, 503: BUSY}),
                    },
                }
            },
            "/clauses": {
                "get": {
                    "operationId": "clauses",
                    "summary": "Every clause of the library",
                    "responses": {
                        "200": _json(
                            "the clauses",
                            {"type": "array", "items": {"$ref": "#/components/schemas/Clause"}},
                            reference=False,
                        ),
                        **_errors(read, {400: HOST, 503: BUSY}),
                    },
                }
            },
            "/clauses/{clause_id}": {
                "get": {
                    "operationId": "clause",
                    "summary": "One clause, with its wording",
                    "parameters": [
                        {
                            "name": "clause_id",
                            "in": "path",
                            "required": True,
                            "description": "the clause's id, its slashes as they are: "
                            "defamation/courts",
                            "schema": {"enum": sorted(clause_ids)},
                        }
                    ],
                    "responses": {
                        "200": _json(
                            "the clause, with the wording of each variant",
                            "#/components/schemas/ClauseWording",
                        ),
                        **_errors(
                            {*read, 404},
                            {
                                400: HOST,
                                404: "clause of that id (errors say the nearest)",
                                503: BUSY,
                            },
                        ),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This description of the service",
                    "responses": {
                        "200": _json(
                            "an OpenAPI 3.1 document",
                            {"type": "object", "required": ["openapi", "info", "paths"]},
                            reference=False,
                        ),
                        **_errors(read, {400: HOST, 503: BUSY}),
                    },
                }
            },
            **_remedy_paths(read, posted),
            "/health": {
                "get": {
                    "operationId": "health",
                    "summary": "Whether the server is up, its library read",
                    "description": "Needs no token, and takes any Host header.",
                    "security": [],
                    "responses": {
                        "200": _json("up", "#/components/schemas/Health"),
                        **_errors({403, 408, 500, 503}, {503: BUSY}),
                    },
                }
            },
        },
    }
    document["components"]["schemas"].update(_remedy_components())
    if token:
        document["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        document["security"] = [{"bearer": []}]
    return document


def _remedy_paths(read: set[int], posted: set[int]) -> dict[str, Any]:
    """``GET /remedies``, ``GET`` and ``POST /remedies/{remedy_id}``, ``GET /evidence/{sha256}``:
    the remedies of the server's register (``letters.web.remedies``)."""
    # deferred: start-up speed (the register's package imports SQLAlchemy)
    from letters.register import CHANGES, SHOWN  # noqa: PLC0415

    remedy = "#/components/schemas/RegisterRemedy"
    day = {"type": "string", "format": "date"}
    on = _parameter("on", day, "the day its status is as of, YYYY-MM-DD (default: today)")
    remedy_id = {
        "name": "remedy_id",
        "in": "path",
        "required": True,
        "description": "the remedy: RECORD.NUMBER, its letter's record and its place among the "
        "letter's remedies from 1 (12.2: record 12's second)",
        "schema": {"type": "string", "pattern": REMEDY_PATTERN},
        "example": "1.1",
    }
    change_fields: dict[str, Any] = {
        "status": {
            "enum": list(CHANGES),
            "description": "accepted (a recommendation), refused (needs a note), extended (to a "
            "new day: to, and a note), done (with evidence, or a note saying why there is none)",
        },
        "by": {
            "type": "string",
            "minLength": 1,
            "maxLength": LONGEST_BY,
            "description": "who records the change",
        },
        "on": {**day, "description": "the day it took effect (default: today)"},
        "to": {**day, "description": "extended: the new day it is due"},
        "note": {"type": "string", "description": "why: what the body said, what it shows"},
    }
    assert tuple(change_fields) == CHANGE_FIELDS
    nullable = {
        name: {**value, "type": [value["type"], "null"]} if name in ("on", "to", "note") else value
        for name, value in change_fields.items()
    }
    return {
        "/remedies": {
            "get": {
                "operationId": "remedies",
                "summary": "The remedies of the register that match every filter given",
                "description": (
                    "As `letters register remedies --json` lists them: the remedies of the final "
                    "decisions in force (a draft's with drafts=true, a letter's no longer in "
                    "force with superseded=true, or any of one record's), each with its history "
                    "and its status on the day, by the day they are due. None is an empty list."
                ),
                "parameters": [
                    _parameter("body", {"type": "string"}, "the body (case and spacing aside)"),
                    _parameter(
                        "reference",
                        {"type": "string"},
                        "the decision's reference (case and spacing aside)",
                    ),
                    _parameter("kind", {"type": "string"}, "apology, payment, review, ..."),
                    {
                        **_parameter(
                            "status",
                            {"type": "array", "items": {"enum": [*SHOWN, "outstanding"]}},
                            "its status on the day, as shown or recorded; outstanding: still "
                            "to be done; again for any of several",
                        ),
                        "style": "form",
                        "explode": True,
                    },
                    _parameter("overdue", {"type": "boolean"}, "only those overdue on the day"),
                    on,
                    _parameter("due_from", day, "due on or after this day (as extended)"),
                    _parameter("due_to", day, "due on or before this day (as extended)"),
                    _parameter(
                        "record",
                        {"type": "integer", "minimum": 1, "maximum": LARGEST_RECORD},
                        "the remedies of this record only (a draft's, or one superseded, too)",
                    ),
                    _parameter("drafts", {"type": "boolean"}, "draft decisions' remedies too"),
                    _parameter(
                        "superseded", {"type": "boolean"}, "those of letters no longer in force too"
                    ),
                ],
                "responses": {
                    "200": _json(
                        "the remedies that match (none: an empty list)",
                        {"type": "array", "items": {"$ref": remedy}},
                        reference=False,
                    ),
                    **_errors(
                        read,
                        {
                            400: f"{HOST}; or a parameter there is none of, given twice, or "
                            "not of its kind",
                            503: REGISTER,
                        },
                    ),
                },
            }
        },
        "/remedies/{remedy_id}": {
            "get": {
                "operationId": "remedy",
                "summary": "One remedy, with its history",
                "parameters": [remedy_id, on],
                "responses": {
                    "200": _json("the remedy as it stood on the day", remedy),
                    **_errors(
                        {*read, 404},
                        {
                            400: f"{HOST}; or the id is not RECORD.NUMBER, or ?on not a day",
                            404: "such record, or no such remedy of it",
                            503: REGISTER,
                        },
                    ),
                },
            },
            "post": {
                "operationId": "changeRemedy",
                "summary": "Record a change of a remedy's status, with its evidence",
                "description": (
                    "As `letters register remedy ID done|refused|extended|accepted` records it: "
                    "a new change in the remedy's history, sealed to the one before it. JSON, "
                    "or multipart/form-data with the evidence as files (each recorded by its "
                    "SHA-256 and kept in the register; GET /evidence/{sha256} gives it back)."
                ),
                "parameters": [remedy_id],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["status", "by"],
                                "additionalProperties": False,
                                "properties": nullable,
                            },
                            "example": {
                                "status": "done",
                                "by": "B. Officer",
                                "on": "2025-05-09",
                                "note": "the Council's letter of apology, seen",
                            },
                        },
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["status", "by"],
                                "additionalProperties": False,
                                "properties": {
                                    **change_fields,
                                    EVIDENCE: {
                                        "type": "array",
                                        "description": "the files that show it, each with its "
                                        "file name",
                                        "items": {
                                            "type": "string",
                                            "contentMediaType": "application/octet-stream",
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
                "responses": {
                    "200": _json("the remedy as it stands after the change", remedy),
                    **_errors(
                        {*posted, 404, 409},
                        {
                            400: f"{BODY}; or the id is not RECORD.NUMBER, or the body is not "
                            "a change's (a field there is none of, or not of its kind), or not "
                            "multipart that can be read",
                            404: "such record, or no such remedy of it",
                            409: "the remedy's status does not allow the change (done is the "
                            "last), or its letter is superseded or a draft, or the register "
                            "will not take it (read-only)",
                            422: "the register does not record the change as asked: extended "
                            "needs to and a note, refused a note, done evidence or a note; a "
                            "day to come, or before its last change; a key given twice",
                            503: REGISTER,
                        },
                    ),
                },
            },
        },
        "/evidence/{sha256}": {
            "get": {
                "operationId": "evidence",
                "summary": "A file the register keeps as a remedy's evidence",
                "parameters": [
                    {
                        "name": "sha256",
                        "in": "path",
                        "required": True,
                        "description": "its SHA-256, as the remedy's history gives it",
                        "schema": {"type": "string", "pattern": SHA256_PATTERN},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "the file as it was given, to be saved under its name",
                        "headers": {
                            "Content-Disposition": {
                                "description": "attachment, with the file's name",
                                "required": True,
                                "schema": {"type": "string"},
                            },
                            "X-Letters-SHA256": {
                                "description": "its SHA-256",
                                "required": True,
                                "schema": {"type": "string", "pattern": SHA256_PATTERN},
                            },
                        },
                        "content": {"application/octet-stream": {}},
                    },
                    **_errors(
                        {*read, 404},
                        {
                            400: f"{HOST}; or not a SHA-256 (64 hexadecimal digits, lower case)",
                            404: "evidence of that SHA-256 kept in the register (evidence "
                            "recorded by reference is not kept)",
                            503: REGISTER,
                        },
                    ),
                },
            }
        },
    }


def _remedy_components() -> dict[str, Any]:
    """A remedy as ``Remedy.as_json`` gives it, its changes and their evidence."""
    from letters.register import CHANGES, SHOWN  # noqa: PLC0415  # deferred: start-up

    recorded = [status for status in SHOWN if status not in ("overdue", "superseded")]

    text, text_or_none = {"type": "string"}, {"type": ["string", "null"]}
    day_or_none = {"type": ["string", "null"], "format": "date"}
    whole = {"type": "integer", "minimum": 1}
    sha256 = {"type": "string", "pattern": SHA256_PATTERN}
    schemas: dict[str, Any] = {
        "RegisterRemedy": {
            "type": "object",
            "description": "a remedy an issued letter set out, as it stood on a day",
            "properties": {
                "remedy": {"type": "string", "pattern": REMEDY_PATTERN},
                "letter": {**whole, "description": "its letter's record"},
                "number": {**whole, "description": "its place among the letter's remedies"},
                "field": {**text, "description": "the case's field: facts.remedies[0]"},
                "reference": text_or_none,
                "complainant": text,
                "body": text_or_none,
                "kind": {**text, "description": "apology, payment, review, ..."},
                "wording": {**text, "description": "as the letter words it"},
                "to": {**text, "description": "to whom"},
                "amount": {**text_or_none, "description": "pounds and pence: 300.00"},
                "per": {**text_or_none, "description": "a payment by the period: month"},
                "amount_shown": {**text_or_none, "description": "as the letter writes it"},
                "deadline": {**text, "description": "as the letter says it: within one month"},
                "stage": {**text, "description": "its letter's: draft or final"},
                "on": {"type": "string", "format": "date"},
                "status": {"enum": list(SHOWN), "description": "its status on the day"},
                "recorded_status": {"enum": recorded, "description": "its status as recorded"},
                "overdue": {"type": "boolean"},
                "due": {**day_or_none, "description": "the day it is due (as extended)"},
                "due_first": {**day_or_none, "description": "the day its letter set"},
                "done_on": day_or_none,
                "on_time": {"type": ["boolean", "null"]},
                "superseded_by": {"type": ["integer", "null"]},
                "history": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/RegisterRemedyChange"},
                },
            },
        },
        "RegisterRemedyChange": {
            "type": "object",
            "description": "a change of a remedy's status: who recorded it, when, why",
            "properties": {
                "change": whole,
                "remedy": {
                    "type": "string",
                    "pattern": REMEDY_PATTERN,
                    "description": "the remedy it was recorded against (of a letter since "
                    "sent again, when not this one)",
                },
                "status": {"enum": list(CHANGES)},
                "day": {"type": "string", "format": "date"},
                "due": day_or_none,
                "recorded_at": {"type": "string", "format": "date-time"},
                "recorded_by": text,
                "note": text_or_none,
                "evidence": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/RegisterEvidence"},
                },
            },
        },
        "RegisterEvidence": {
            "type": "object",
            "description": "a file given as a change's evidence, kept or referenced",
            "required": ["name", "sha256", "size", "kept", "location"],
            "properties": {
                "name": text,
                "sha256": sha256,
                "size": {"type": "integer", "minimum": 0},
                "kept": {"type": "boolean"},
                "location": {**text_or_none, "description": "where it was, if a file"},
            },
        },
    }
    for schema in schemas.values():  # every member is always there (null when it has none)
        schema["required"] = list(schema["properties"])
    return schemas


def _parameter(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description}


def _query(name: str, values: list[str], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": {"enum": values}, "description": description}


def _case_body() -> dict[str, Any]:
    return {
        "required": True,
        "description": "a case, as a case file holds it (the JSON Schema of GET /schema)",
        "content": {"application/json": {"schema": {"$ref": CASE}}},
    }


def _json(description: str, schema: str | dict[str, Any], *, reference: bool = True) -> Any:
    body = {"$ref": schema} if reference else schema
    return {"description": description, "content": {"application/json": {"schema": body}}}


def _errors(statuses: Iterable[int], why: dict[int, str]) -> dict[str, Any]:
    """The error answers of a route: each status's meaning (``why`` its route's reasons), and
    its body, problem details whose ``status`` is that status."""
    answers: dict[str, Any] = {}
    for status in sorted(statuses):
        answer: dict[str, Any] = {
            "description": WHY[status].format(why=why.get(status, "")),
            "content": {
                PROBLEM_MEDIA_TYPE: {
                    "schema": {
                        "allOf": [
                            {"$ref": PROBLEM},
                            {"properties": {"status": {"const": status}}},
                        ]
                    }
                }
            },
        }
        if status == 401:
            answer["headers"] = {
                "WWW-Authenticate": {"required": True, "schema": {"const": "Bearer"}}
            }
        if status == 503:
            answer["headers"] = {
                "Retry-After": {
                    "description": "seconds to wait before trying again",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 0},
                }
            }
        answers[str(status)] = answer
    return answers


def _components() -> dict[str, Any]:
    """The schemas of the service's own bodies: problem details, and what a route answers."""
    text_or_none = {"type": ["string", "null"]}
    return {
        "Problem": {
            "type": "object",
            "description": (
                "RFC 9457 problem details, with two members of letters' own: `errors`, the "
                "problem records `letters render --json` gives, and `ok`, false."
            ),
            "required": ["type", "title", "status", "detail", "ok", "errors"],
            "properties": {
                "type": {
                    "type": "string",
                    "description": "about:blank: the status says what kind of problem it is",
                },
                "title": {"type": "string", "description": "the status's name"},
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "detail": {"type": "string", "description": "what went wrong, in a sentence"},
                "ok": {"const": False},
                "errors": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"$ref": "#/components/schemas/ProblemRecord"},
                },
            },
        },
        "ProblemRecord": {
            "type": "object",
            "description": "one problem, as `letters render --json` gives it",
            "required": ["source", "where", "message", "severity", "location"],
            "properties": {
                "source": {**text_or_none, "description": "the file (here: request), if any"},
                "where": {**text_or_none, "description": "the rest of the place, as text"},
                "message": {"type": "string"},
                "severity": {"enum": ["error", "warning", "notice"]},
                "location": {"$ref": "#/components/schemas/ProblemLocation"},
            },
        },
        "ProblemLocation": {
            "type": "object",
            "description": "the place of a problem, each part as data; `within`, the place "
            "it sits in",
            "additionalProperties": False,
            "properties": {
                "file": {"type": "string"},
                "line": {"type": "integer"},
                "column": {"type": "integer"},
                "field": {"type": "string"},
                "part": {"type": "string"},
                "paragraph": {"type": "integer"},
                "within": {"$ref": "#/components/schemas/ProblemLocation"},
            },
        },
        "Valid": {
            "type": "object",
            "required": ["ok", "errors"],
            "properties": {"ok": {"const": True}, "errors": {"type": "array", "maxItems": 0}},
        },
        "Health": {
            "type": "object",
            "required": ["ok", "clauses", "pid"],
            "properties": {
                "ok": {"const": True},
                "clauses": {"type": "integer", "minimum": 0, "description": "clauses read"},
                "pid": {"type": "integer", "description": "the worker process that answered"},
            },
        },
        "Clause": {
            "type": "object",
            "required": ["id", "title", "file", "params", "variants"],
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "file": {"type": "string", "description": "its file, in the library"},
                "params": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "about", "default"],
                        "properties": {
                            "name": {"type": "string"},
                            "about": {"type": "string"},
                            "default": {"description": "the value it takes if none is given"},
                        },
                    },
                },
                "variants": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "about", "from", "until"],
                        "properties": {
                            "name": {"type": "string"},
                            "about": {"type": "string"},
                            "from": {**text_or_none, "description": "in force from (a date)"},
                            "until": {**text_or_none, "description": "in force until (a date)"},
                        },
                    },
                },
            },
        },
        "ClauseWording": {
            "allOf": [
                {"$ref": "#/components/schemas/Clause"},
                {
                    "type": "object",
                    "required": ["wording"],
                    "properties": {
                        "wording": {
                            "type": "object",
                            "description": "each variant's wording, by its name",
                            "additionalProperties": {"type": "string"},
                        }
                    },
                },
            ]
        },
        "Provenance": {
            "type": "object",
            "required": ["provenance", "case", "outline", "parts", "reckonings"],
            "properties": {
                "provenance": {"type": "integer", "description": "the record's version"},
                "case": text_or_none,
                "outline": {**text_or_none, "description": "the outline that planned it"},
                "parts": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["part", "number", "section", "text", "runs"],
                        "properties": {
                            "part": {
                                "enum": [
                                    "header",
                                    "title",
                                    "summary",
                                    "heading",
                                    "paragraph",
                                    "sign-off",
                                ]
                            },
                            "number": {"type": ["integer", "null"]},
                            "section": text_or_none,
                            "text": {"type": "string"},
                            "runs": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["text", "field", "includes"],
                                    "description": "a run of the text, and where it came from",
                                },
                            },
                        },
                    },
                },
                "reckonings": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["field", "value", "how"],
                        "properties": {
                            "field": {"type": "string"},
                            "value": {"type": "string"},
                            "how": {"type": "string"},
                        },
                    },
                },
            },
        },
    }


def _rewrite_references(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: (
                item.replace("#/$defs/", "#/components/schemas/")
                if key == "$ref"
                else _rewrite_references(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_rewrite_references(item) for item in value]
    return value


def _version() -> str:
    try:
        return version("letters")
    except PackageNotFoundError:
        return "0"
