"""``letters serve``: letters over HTTP, for case-management systems.

One ASGI application (Starlette, served by uvicorn) renders a case sent as JSON into a letter
(.docx, PDF, plain text or Markdown), validates a case, explains where each sentence of its
letter came from, lists and shows clauses, and gives the case JSON Schema and an OpenAPI
description made from it. Each worker process reads the clause library and the template once,
reads them again when their files change (or on SIGHUP), and keeps a small pool of LibreOffices
running for PDFs (``letters.web.warm``). A request can name no file on the server: the library
and template are the server's.

Problems are data: a case with problems gets 422 and the same problem records as
``render --json``; a body that is not JSON 400; a body over the size limit 413; a bug of ours
500 with no traceback. Every error is logged on one line.

Who may ask is the request gate's question (``letters.web.gate``); with a token, every request
but ``/health`` must give it. ``letters.web.connections`` bounds the connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import os
import signal
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from letters.output_formats import PDF_PROFILES
from letters.problems import BusyError, LettersError
from letters.provenance import provenance_of
from letters.schema import case_schema
from letters.web.bodies import read_case
from letters.web.connections import quiet_accept_errors
from letters.web.gate import RequestGate
from letters.web.issuing import issue_endpoint
from letters.web.logs import configure_logging
from letters.web.openapi import openapi_document
from letters.web.responses import (
    MEDIA_TYPES,
    JsonResponse,
    chosen_format,
    error_response,
    problem_response,
)
from letters.web.settings import ServiceSettings
from letters.web.warm import Warm

Handler = Callable[[Request], Awaitable[Response]]


def create_app(
    settings: ServiceSettings | None = None, extra: Sequence[BaseRoute] = ()
) -> Starlette:
    """The service as an ASGI application; ``extra`` routes are served beside its endpoints
    (the preview's pages), behind the same Host and Origin checks but not the token."""
    if settings is None:  # a worker process of ``serve``: it logs as serve does
        configure_logging()
        settings = ServiceSettings.from_environment()
    warm = Warm(settings)

    def guarded(handler: Handler, *, open_to_all: bool = False) -> Handler:
        async def run(request: Request) -> Response:
            if settings.token and not open_to_all:
                given = request.headers.get("authorization", "")
                if not hmac.compare_digest(given.encode(), f"Bearer {settings.token}".encode()):
                    response = error_response(
                        401, "a bearer token is required (Authorization: Bearer ...)", request
                    )
                    response.headers["www-authenticate"] = "Bearer"
                    return response
            try:
                return await handler(request)
            except BusyError as error:
                return problem_response(503, error, request)
            except LettersError as error:
                return problem_response(422, error, request)

        return run

    async def health(request: Request) -> Response:
        renderer = await run_in_threadpool(warm.renderer)
        return JsonResponse({"ok": True, "clauses": len(renderer.library), "pid": os.getpid()})

    async def render(request: Request) -> Response:
        output_format = chosen_format(request)
        if output_format is None:
            return error_response(
                400,
                f"no format {request.query_params.get('format')!r} (formats: {', '.join(MEDIA_TYPES)})",
                request,
            )
        profile = request.query_params.get("pdf_profile", "tagged")
        if profile not in PDF_PROFILES:
            return error_response(
                400, f"no PDF profile {profile!r} (profiles: {', '.join(PDF_PROFILES)})", request
            )
        case = await read_case(request, warm.settings.max_body)
        if isinstance(case, Response):
            return case
        if output_format == "pdf":
            document = await run_in_threadpool(
                lambda: warm.renderer().render(case, source="request")
            )
            data = await warm.to_pdf(document, profile)
        else:
            data = await run_in_threadpool(
                lambda: bytes(warm.renderer().render_as(case, output_format, source="request"))
            )
        return Response(data, media_type=MEDIA_TYPES[output_format])

    async def validate(request: Request) -> Response:
        case = await read_case(request, warm.settings.max_body)
        if isinstance(case, Response):
            return case
        await run_in_threadpool(lambda: warm.renderer().compose(case, source="request"))
        return JsonResponse({"ok": True, "errors": []})

    async def explain(request: Request) -> Response:
        case = await read_case(request, warm.settings.max_body)
        if isinstance(case, Response):
            return case
        letter = await run_in_threadpool(lambda: warm.renderer().compose(case, source="request"))
        return JsonResponse(provenance_of(letter, case="request"))

    async def schema(request: Request) -> Response:
        renderer = await run_in_threadpool(warm.renderer)
        return JsonResponse(case_schema(renderer.library))

    async def clauses(request: Request) -> Response:
        renderer = await run_in_threadpool(warm.renderer)
        return JsonResponse([clause.as_json() for clause in renderer.library])

    async def clause(request: Request) -> Response:
        renderer = await run_in_threadpool(warm.renderer)
        found = renderer.library[request.path_params["clause_id"]]
        record = found.as_json()
        record["wording"] = {variant.name: variant.text for variant in found.variants}
        return JsonResponse(record)

    async def openapi(request: Request) -> Response:
        renderer = await run_in_threadpool(warm.renderer)
        return JsonResponse(openapi_document(case_schema(renderer.library)))

    routes = [
        Route("/health", guarded(health, open_to_all=True), methods=["GET"]),
        Route("/render", guarded(render), methods=["POST"]),
        Route("/validate", guarded(validate), methods=["POST"]),
        Route("/explain", guarded(explain), methods=["POST"]),
        Route("/schema", guarded(schema), methods=["GET"]),
        Route("/clauses", guarded(clauses), methods=["GET"]),
        Route("/clauses/{clause_id:path}", guarded(clause), methods=["GET"]),
        Route("/openapi.json", guarded(openapi), methods=["GET"]),
        Route("/issue", guarded(issue_endpoint(warm)), methods=["POST"]),  # the register's
        *extra,
    ]

    def reload_on_hangup(*_: object) -> None:
        warm.reload_requested = True

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGHUP, reload_on_hangup)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        quiet_accept_errors(asyncio.get_running_loop())
        yield
        warm.close()  # LibreOffice ends with the worker

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(RequestGate, settings=settings)],
    )
    app.state.warm = warm
    return app
