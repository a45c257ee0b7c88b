"""``POST /issue`` on ``letters serve``: a case issued over HTTP, recorded in the register.

The body is the case JSON, recorded byte for byte as given; the answer is the letter (.docx by
default, ``?format=txt|md`` or the Accept header for the others), with the record's id in the
``X-Letters-Record`` header and the letter's SHA-256 in ``X-Letters-SHA256``. The letter is
recorded before it is answered: a response that does not arrive leaves a record of a letter
made, which ``letters register reproduce`` makes again. Who issued it is the name of the
service's token (``letters serve --token-name``, default "service").
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from letters.problems import LettersError, RegisterError
from letters.rendering import Renderer
from letters.web.bodies import read_json_body
from letters.web.responses import MEDIA_TYPES, chosen_format, error_response, served_renderer
from letters.web.warm import Warm

ISSUE_FORMATS = ("docx", "txt", "md")


def issue_endpoint(warm: Warm) -> Callable[[Request], Awaitable[Response]]:
    """The handler of ``POST /issue`` for one worker: its register opened on first use, its
    issuer made again whenever the worker reads its library and template again."""
    lock = threading.Lock()
    state: dict[str, Any] = {"register": None, "issuers": {}}

    def issuer(renderer: Renderer, output_format: str) -> Any:
        # deferred: start-up speed (SQLAlchemy), only when a worker first issues a letter
        from letters.register import Issuer, Register  # noqa: PLC0415

        with lock:
            if state["register"] is None:
                state["register"] = Register(warm.settings.register)
            key = (id(renderer), output_format)
            made = state["issuers"].get(key)
            if made is None or made.renderer is not renderer:
                by = warm.settings.token_name
                made = Issuer(state["register"], renderer, by=by, output_format=output_format)
                state["issuers"] = {
                    k: v for k, v in state["issuers"].items() if v.renderer is renderer
                }
                state["issuers"][key] = made
            return made

    async def issue(request: Request) -> Response:
        output_format = chosen_format(request)
        if output_format not in ISSUE_FORMATS:
            return error_response(
                400, f"letters are issued as {', '.join(ISSUE_FORMATS)} (?format=)", request
            )
        body = await read_json_body(request, warm.settings.max_body)
        if isinstance(body, Response):
            return body
        renderer = await served_renderer(warm, request)
        if isinstance(renderer, Response):
            return renderer

        def work() -> tuple[int, bytes]:
            number, data = issuer(renderer, output_format).issue_data(body, source="request")
            return int(number), bytes(data)

        try:
            number, data = await run_in_threadpool(work)
        except LettersError as error:
            if isinstance(error, RegisterError):
                return error_response(503, f"the register cannot take the letter: {error}", request)
            raise
        return Response(
            data,
            media_type=MEDIA_TYPES[output_format],
            headers={
                "X-Letters-Record": str(number),
                "X-Letters-SHA256": hashlib.sha256(data).hexdigest(),
            },
        )

    return issue
