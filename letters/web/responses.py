"""What the service answers: a letter in the format asked for, JSON as the command line writes
it, and errors as their reader takes them.

A case with problems is answered with the same problem records as ``render --json``; any other
refusal with one record holding its message, or, for the preview's pages, a page. Every error
answered is one line in the log.
"""

from __future__ import annotations

from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from letters.outcomes import problems_of
from letters.output import json_text
from letters.problems import LettersError
from letters.web.logs import log

MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "txt": "text/plain; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}


class JsonResponse(JSONResponse):
    """JSON as the command line writes it: a lone surrogate (a key a client wrote as an
    escape) is written as its escape again, where UTF-8 could not hold it."""

    def render(self, content: Any) -> bytes:
        return json_text(content, indent=None).encode("utf-8")


def problem_response(status: int, error: LettersError, request: Request) -> Response:
    """An error's problem records, as ``render --json`` gives them."""
    problems = [problem.as_json() for problem in problems_of(error)]
    for problem in problems:
        log.warning("%s %s %s: %s", request.method, request.url.path, status, problem["message"])
    headers = {"retry-after": "5"} if status == 503 else None
    return JsonResponse({"ok": False, "errors": problems}, status_code=status, headers=headers)


def error_response(status: int, message: str, request: Request) -> Response:
    """A refusal of a request, logged."""
    log.warning("%s %s %s: %s", request.method, request.url.path, status, message)
    return refusal(status, message, request.url.path)


def refusal(status: int, message: str, path: str) -> Response:
    """An error as its reader takes it: a page for the preview's pages, JSON for the rest."""
    if path.startswith("/preview"):
        return HTMLResponse(
            f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{status}</title>"
            f"</head><body><main><h1>{status}</h1><p role=alert>{escape(message)}</p></main>"
            "</body></html>",
            status_code=status,
        )
    return JsonResponse(
        {"ok": False, "errors": [{"source": None, "where": None, "message": message}]},
        status_code=status,
    )


def chosen_format(request: Request) -> str | None:
    """The letter's format a request asks for: ``?format=``, else the Accept header, else
    docx; None for a format there is none of."""
    wanted = request.query_params.get("format")
    if wanted:
        return wanted if wanted in MEDIA_TYPES else None
    accept = request.headers.get("accept", "")
    for name, media in MEDIA_TYPES.items():
        if media.split(";")[0] in accept:
            return name
    return "docx"
