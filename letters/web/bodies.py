"""A case sent in a request's body, read as ``letters render`` reads a case file.

The body is read no further than the size limit (a larger one is 413, whatever its
Content-Length says); then it must be UTF-8 text (400), JSON (400) and a case (422, with the
problem records ``render --json`` gives). Other bodies (a remedy's change, its evidence) are
read within the same limit, and as JSON by the same reader.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from letters.loading import decode_json, parse_case
from letters.model import Case
from letters.problems import CaseError, LettersError, NotJsonError
from letters.web.logs import log
from letters.web.responses import error_response, problem_response


async def read_case(request: Request, limit: int) -> Case | Response:
    """The case in the request's body, of at most ``limit`` bytes; or the response that says
    why there is none."""
    read = await read_json(request, limit)
    if isinstance(read, Response):
        return read
    try:
        return parse_case(read[1], source="request")
    except LettersError as error:
        return problem_response(422, error, request)


async def read_json_body(request: Request, limit: int) -> bytes | Response:
    """The request's body as sent, of at most ``limit`` bytes, once it is known to be JSON a
    case file may hold (of a case or not); or the response that says why it is not."""
    read = await read_json(request, limit)
    return read if isinstance(read, Response) else read[0]


async def read_json(request: Request, limit: int) -> tuple[bytes, Any] | Response:
    """The request's body as sent and the JSON value it holds, read as a case file is (a key
    given twice is 422); or the response that says why there is none."""
    body = await read_body(request, limit)
    if isinstance(body, Response):
        return body
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        return error_response(
            400, f"the body is not UTF-8 text ({error.reason} at byte {error.start})", request
        )
    try:
        return body, decode_json(text, source="request")
    except NotJsonError as error:
        return problem_response(400, error, request)
    except CaseError as error:  # JSON, but not a case's: a key given twice
        return problem_response(422, error, request)


async def read_body(request: Request, limit: int) -> bytes | Response:
    """The request's body as sent, of at most ``limit`` bytes (413 past them, whatever its
    Content-Length says); or the response that says why there is none."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        return error_response(413, f"the body is larger than {limit:,} bytes", request)
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                return error_response(413, f"the body is larger than {limit:,} bytes", request)
    except ClientDisconnect:  # cut, or gone: no answer reaches it
        log.info(
            "%s %s: the client went away before its body arrived", request.method, request.url.path
        )
        return Response(status_code=400)
    return bytes(body)
