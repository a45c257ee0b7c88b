"""What the service answers: a letter in the format asked for, JSON as the command line writes
it, and errors as their reader takes them.

Every error the service answers is one shape, RFC 9457 problem details
(``application/problem+json``): ``type`` (``about:blank``: the status says what kind of
problem it is), ``title`` (the status's name), ``status``, ``detail`` (what went wrong, in a
sentence), and two members of our own: ``errors``, the problem records ``render --json`` gives
(``source``, ``where``, ``message``, ``severity``, ``location``), and ``ok``, false, as in every
record the command line writes. The preview's pages are answered an error page instead. Every
error answered is one line in the log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from letters.outcomes import problems_of
from letters.output import json_text
from letters.problems import LettersError, Problem
from letters.web.logs import log

if TYPE_CHECKING:
    from letters.rendering import Renderer
    from letters.web.warm import Warm

MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "txt": "text/plain; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}
PROBLEM_MEDIA_TYPE = "application/problem+json"
"""The media type of every error the service answers (RFC 9457)."""
RETRY_AFTER = "5"
"""Seconds a client is asked to wait before it tries again after a 503."""


class JsonResponse(JSONResponse):
    """JSON as the command line writes it: a lone surrogate (a key a client wrote as an
    escape) is written as its escape again, where UTF-8 could not hold it."""

    def render(self, content: Any) -> bytes:
        return json_text(content, indent=None).encode("utf-8")


class ProblemResponse(JsonResponse):
    """An error, as RFC 9457 problem details."""

    media_type = PROBLEM_MEDIA_TYPE


def problem_details(status: int, problems: Sequence[Problem]) -> dict[str, Any]:
    """The RFC 9457 problem details of an answer with ``status``: ``detail`` says the first
    problem (and how many there are), ``errors`` holds each as ``render --json`` gives it."""
    first = str(problems[0]) if problems else HTTPStatus(status).phrase
    detail = first if len(problems) <= 1 else f"{len(problems)} problems; the first: {first}"
    return {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "ok": False,
        "errors": [problem.as_json() for problem in problems],
    }


def problem_response(status: int, error: LettersError, request: Request) -> Response:
    """An error's problem records, as ``render --json`` gives them, in problem details."""
    problems = problems_of(error)
    for problem in problems:
        log.warning("%s %s %s: %s", request.method, request.url.path, status, problem.message)
    return _answer(status, problems)


def error_response(
    status: int, message: str, request: Request, headers: Mapping[str, str] | None = None
) -> Response:
    """A refusal of a request, logged."""
    log.warning("%s %s %s: %s", request.method, request.url.path, status, message)
    return refusal(status, message, request.url.path, headers)


def refusal(
    status: int, message: str, path: str, headers: Mapping[str, str] | None = None
) -> Response:
    """An error as its reader takes it: a page for the preview's pages, problem details for
    the rest."""
    if path.startswith("/preview"):
        return HTMLResponse(
            f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{status}</title>"
            f"</head><body><main><h1>{status}</h1><p role=alert>{escape(message)}</p></main>"
            "</body></html>",
            status_code=status,
            headers=headers,
        )
    return _answer(status, (Problem(message),), headers)


def _answer(
    status: int, problems: Sequence[Problem], headers: Mapping[str, str] | None = None
) -> Response:
    answered = dict(headers or {})
    if status == 503:
        answered.setdefault("retry-after", RETRY_AFTER)
    return ProblemResponse(problem_details(status, problems), status_code=status, headers=answered)


async def served_renderer(warm: Warm, request: Request) -> Renderer | Response:
    """The worker's renderer, read again if its files changed; or, where the library or
    template the server reads has problems now (an edit half made), a 503 with them: the
    server answers again once they are put right."""
    try:
        return await run_in_threadpool(warm.renderer)
    except LettersError as error:
        return problem_response(503, error, request)


def chosen_format(request: Request) -> str | None:
    """The letter's format a request asks for: ``?format=``, else the Accept header, else
    docx; None for a format there is none of."""
    wanted = request.query_params.get("format")
    if wanted is not None:  # an empty ``?format=`` names no format
        return wanted if wanted in MEDIA_TYPES else None
    accept = request.headers.get("accept", "")
    for name, media in MEDIA_TYPES.items():
        if media.split(";")[0] in accept:
            return name
    return "docx"
