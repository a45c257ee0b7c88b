"""The OpenAPI 3.1 description of the service (``GET /openapi.json``).

Its request body is the case JSON Schema of the library the server reads, its definitions moved
under ``components/schemas``; its error answers are the problem records ``render --json``
gives.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from letters.output_formats import PDF_PROFILES
from letters.web.responses import MEDIA_TYPES


def openapi_document(case_schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI 3.1 description of the service, its request body the case JSON Schema."""
    definitions = case_schema.pop("$defs", {})
    case_schema.pop("$schema", None)
    case_schema.pop("$id", None)
    text = _rewrite_references(case_schema)
    problem = {
        "type": "object",
        "properties": {
            "source": {"type": ["string", "null"]},
            "where": {"type": ["string", "null"]},
            "message": {"type": "string"},
            "severity": {"type": "string"},
            "location": {"type": "object"},
        },
        "required": ["message"],
    }
    problems = {
        "description": "the problems, as render --json gives them",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "ok": {"type": "boolean"},
                        "errors": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Problem"},
                        },
                    },
                }
            }
        },
    }
    case_body = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Case"}}},
    }
    errors = {
        "400": {"description": "the body is not JSON, or the Host header names another server"},
        "401": {"description": "a bearer token is required"},
        "403": {"description": "sent by a browser from another site's page"},
        "408": {"description": "the body did not arrive in time"},
        "413": {"description": "the body is larger than the server takes"},
        "422": problems,
        "500": {"description": "internal error"},
        "503": {"description": "the PDF converters are busy, or the server is full; try again"},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "letters",
            "version": _version(),
            "description": "Decision letters from case files.",
        },
        "components": {
            "schemas": {
                "Case": text,
                "Problem": problem,
                **{k: _rewrite_references(v) for k, v in definitions.items()},
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/render": {
                "post": {
                    "summary": "Render a case's letter",
                    "parameters": [
                        {
                            "name": "format",
                            "in": "query",
                            "schema": {"enum": list(MEDIA_TYPES)},
                            "description": "docx (default), pdf, txt or md; or the Accept header",
                        },
                        {
                            "name": "pdf_profile",
                            "in": "query",
                            "schema": {"enum": list(PDF_PROFILES), "default": "tagged"},
                            "description": "for a PDF: tagged (default), PDF/A-2b, PDF/UA-1 or both",
                        },
                    ],
                    "requestBody": case_body,
                    "responses": {
                        "200": {
                            "description": "the letter",
                            "content": {media: {} for media in MEDIA_TYPES.values()},
                        },
                        **errors,
                    },
                }
            },
            "/validate": {
                "post": {
                    "summary": "Check a case",
                    "requestBody": case_body,
                    "responses": {"200": {"description": "valid"}, **errors},
                }
            },
            "/explain": {
                "post": {
                    "summary": "Where each sentence of a case's letter came from",
                    "requestBody": case_body,
                    "responses": {"200": {"description": "the provenance record"}, **errors},
                }
            },
            "/schema": {
                "get": {
                    "summary": "The case JSON Schema",
                    "responses": {"200": {"description": "JSON Schema"}},
                }
            },
            "/clauses": {
                "get": {
                    "summary": "Every clause",
                    "responses": {"200": {"description": "the clauses"}},
                }
            },
            "/clauses/{clause_id}": {
                "get": {
                    "summary": "One clause, with its wording",
                    "parameters": [
                        {
                            "name": "clause_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {"200": {"description": "the clause"}, "422": problems},
                }
            },
            "/health": {
                "get": {
                    "summary": "Whether the server is up",
                    "security": [],
                    "responses": {"200": {"description": "up"}},
                }
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
