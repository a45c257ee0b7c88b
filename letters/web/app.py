"""``letters serve``: letters over HTTP, for case-management systems.

One ASGI application (Starlette, served by uvicorn) renders a case sent as JSON into a letter
(.docx, PDF, plain text or Markdown), validates a case, explains where each sentence of its
letter came from, lists and shows clauses, and gives the case JSON Schema and an OpenAPI
description made from it; with the register, it issues letters and follows their remedies up
(``letters.web.issuing``, ``letters.web.remedies``). Each worker process reads the clause
library and the template once, reads them again when their files change (or on SIGHUP), and
keeps a small pool of LibreOffices running for PDFs (``letters.web.warm``). A request can name
no file on the server: the library and template are the server's.

Problems are data: a case with problems gets 422 and the same problem records as
``render --json``; a body that is not JSON 400; a body over the size limit 413; a clause or path
there is none of 404; a bug of ours 500 with no traceback. Every error is RFC 9457 problem
details (``letters.web.responses``), described with every status each route can answer in
the OpenAPI document (``letters.web.openapi``), and logged on one line.

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
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from letters.output_formats import PDF_PROFILES
from letters.problems import BusyError, ClauseError, LettersError
from letters.provenance import provenance_of
from letters.schema import case_schema
from letters.web.bodies import read_case
from letters.web.connections import quiet_accept_errors
from letters.web.gate import RequestGate
from letters.web.issuing import issue_endpoint
from letters.web.logs import configure_logging
from letters.web.openapi import openapi_document
from letters.web.remedies import RemedyEndpoints
from letters.web.responses import (
    MEDIA_TYPES,
    JsonResponse,
    chosen_format,
    error_response,
    problem_response,
    served_renderer,
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
                    return error_response(
                        401,
                        "a bearer token is required (Authorization: Bearer ...)",
                        request,
                        {"www-authenticate": "Bearer"},
                    )
            try:
                return await handler(request)
            except BusyError as error:
                return problem_response(503, error, request)
            except LettersError as error:
                return problem_response(422, error, request)

        return run

    async def health(request: Request) -> Response:
        renderer = await served_renderer(warm, request)
        if isinstance(renderer, Response):
            return renderer
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
        renderer = await served_renderer(warm, request)
        if isinstance(renderer, Response):
            return renderer
        if output_format == "pdf":
            document = await run_in_threadpool(lambda: renderer.render(case, source="request"))
            data = await warm.to_pdf(document, profile)
        else:
            data = await run_in_threadpool(
                lambda: bytes(renderer.render_as(case, output_format, source="request"))
            )
        return Response(data, media_type=MEDIA_TYPES[output_format])

    async def validate(request: Request) -> Response:
        case = await read_case(request, warm.settings.max_body)
        if isinstance(case, Response):
            return case
        renderer = await served_renderer(warm, request)
        if isinstance(renderer, Response):
            return renderer
        await run_in_threadpool(lambda: renderer.compose(case, source="request"))
        return JsonResponse({"ok": True, "errors": []})

    async def explain(request: Request) -> Response:
        case = await read_case(request, warm.settings.max_body)
        if isinstance(case, Response):
            return case
        renderer = await served_renderer(warm, request)
        if isinstance(renderer, Response):
            return renderer
        letter = await run_in_threadpool(lambda: renderer.compose(case, source="request"))
        return JsonResponse(provenance_of(letter, case="request"))

    async def schema(request: Request) -> Response:
        renderer = await served_renderer(warm, request)
        if isinstance(renderer, Response):
            return renderer
        return JsonResponse(case_schema(renderer.library))

    async def clauses(request: Request) -> Response:
        renderer = await served_renderer(warm, request)
        if isinstance(renderer, Response):
            return renderer
        return JsonResponse([clause.as_json() for clause in renderer.library])

    async def clause(request: Request) -> Response:
        renderer = await served_renderer(warm, request)
        if isinstance(renderer, Response):
            return renderer
        try:
            found = renderer.library[request.path_params["clause_id"]]
        except ClauseError as error:  # no clause of that id: a resource there is none of
            return problem_response(404, error, request)
        record = found.as_json()
        record["wording"] = {variant.name: variant.text for variant in found.variants}
        return JsonResponse(record)

    async def openapi(request: Request) -> Response:
        renderer = await served_renderer(warm, request)
        if isinstance(renderer, Response):
            return renderer
        library = renderer.library
        ids = [clause.id for clause in library]
        document = openapi_document(case_schema(library), ids, token=bool(settings.token))
        return JsonResponse(document)

    async def not_answered(request: Request, error: Exception) -> Response:
        """A path no route serves (404), or a method its route does not answer (405, with the
        methods it does in ``Allow``), as every other error is answered."""
        assert isinstance(error, HTTPException)
        if error.status_code == 405:
            headers = {name.lower(): value for name, value in (error.headers or {}).items()}
            allowed = headers.get("allow", "")
            message = f"{request.method} is not answered at this path; it answers {allowed}"
        elif error.status_code == 404:
            message = "nothing is served at this path"
            if not request.url.path.startswith("/preview"):
                message += "; GET /openapi.json lists what is"
        else:
            message = error.detail
        return error_response(error.status_code, message, request, error.headers)

    remedies = RemedyEndpoints(warm)
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
        Route("/remedies", guarded(remedies.remedies), methods=["GET"]),
        Route("/remedies/{remedy_id}", guarded(remedies.one), methods=["GET", "POST"]),
        Route("/evidence/{sha256}", guarded(remedies.evidence), methods=["GET"]),
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
        exception_handlers={HTTPException: not_answered},
    )
    app.state.warm = warm
    return app
