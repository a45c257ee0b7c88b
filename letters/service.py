"""``letters serve``: letters over HTTP, for case-management systems.

One ASGI application (Starlette, served by uvicorn) renders a case sent as JSON into a letter
(.docx, PDF, plain text or Markdown), validates a case, explains where each sentence of its
letter came from, lists and shows clauses, and gives the case JSON Schema and an OpenAPI
description made from it. Each worker process reads the clause library and the template once,
reads them again when their files change (or on SIGHUP), and keeps a LibreOffice running for
PDFs. A request can name no file on the server: the library and template are the server's.

Problems are data: a case with problems gets 422 and the same problem records as
``render --json``; JSON that does not parse 400; a body over the size limit 413; a bug of ours
500 with no traceback. Every error is logged on one line.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from attrs import frozen
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from letters.batch import problems_of
from letters.formats import PDF_PROFILES
from letters.problems import LettersError, UsageError

log = logging.getLogger("letters.service")

MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "txt": "text/plain; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@frozen
class ServiceSettings:
    """What a server is started with: its library, template, limits and security."""

    clauses: str | None = None
    template: str | None = None
    token: str | None = None
    max_body: int = 2_000_000
    reload_interval: float = 1.0

    @classmethod
    def from_environment(cls) -> ServiceSettings:
        """The settings a worker process is given by ``letters serve`` (through its environment)."""
        return cls(
            clauses=os.environ.get("LETTERS_SERVE_CLAUSES") or None,
            template=os.environ.get("LETTERS_SERVE_TEMPLATE") or None,
            token=os.environ.get("LETTERS_TOKEN") or None,
            max_body=int(os.environ.get("LETTERS_MAX_BODY", "2000000")),
        )


class Warm:
    """A worker's renderer (library and template read once) and LibreOffice, reloaded when the
    library's or template's files change, or on SIGHUP."""

    def __init__(self, settings: ServiceSettings):
        self.settings = settings
        self.lock = threading.Lock()
        self._renderer: Any = None
        self._stamp: tuple[float, int] | None = None
        self._checked = 0.0
        self._converter: Any = None
        self.reload_requested = False

    def _files_stamp(self) -> tuple[float, int]:
        from letters.library import default_library
        from letters.rendering import find_template

        folder = Path(self.settings.clauses) if self.settings.clauses else default_library()
        paths = [path for path in folder.rglob("*") if path.is_file()]
        paths.append(find_template(self.settings.template))
        latest = max((path.stat().st_mtime_ns for path in paths if path.exists()), default=0)
        return (latest / 1e9, len(paths))

    def renderer(self) -> Any:
        """The renderer, read again if its files changed since it was read."""
        from letters.renderer import Renderer

        with self.lock:
            now = time.monotonic()
            stale = self._renderer is None or self.reload_requested
            if not stale and now - self._checked >= self.settings.reload_interval:
                self._checked = now
                stale = self._files_stamp() != self._stamp
            if stale:
                stamp = self._files_stamp()
                self._renderer = Renderer(self.settings.clauses, self.settings.template)
                self._stamp, self._checked, self.reload_requested = stamp, now, False
                log.info("library and template read (%s files)", stamp[1])
            return self._renderer

    def converter(self) -> Any:
        from letters.formats.pdf import WarmConverter

        with self.lock:
            if self._converter is None:
                self._converter = WarmConverter()
            return self._converter

    def close(self) -> None:
        if self._converter is not None:
            self._converter.close()


def _problem_response(status: int, error: LettersError, request: Request) -> JSONResponse:
    problems = [problem.as_json() for problem in problems_of(error)]
    for problem in problems:
        log.warning("%s %s %s: %s", request.method, request.url.path, status, problem["message"])
    return JSONResponse({"ok": False, "errors": problems}, status_code=status)


def _error(status: int, message: str, request: Request) -> JSONResponse:
    log.warning("%s %s %s: %s", request.method, request.url.path, status, message)
    return JSONResponse(
        {"ok": False, "errors": [{"source": None, "where": None, "message": message}]},
        status_code=status,
    )


async def _case(request: Request, warm: Warm) -> Any:
    """The case in the request's body, or the response that says why there is none."""
    import json

    from letters.loading import parse_case

    length = request.headers.get("content-length")
    limit = warm.settings.max_body
    if length is not None and length.isdigit() and int(length) > limit:
        return _error(413, f"the body is larger than {limit:,} bytes", request)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return _error(413, f"the body is larger than {limit:,} bytes", request)
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        return _error(400, f"the body is not JSON: {error}", request)
    try:
        return parse_case(data, source="request")
    except LettersError as error:
        return _problem_response(422, error, request)


def _format(request: Request) -> str | None:
    wanted = request.query_params.get("format")
    if wanted:
        return wanted if wanted in MEDIA_TYPES else None
    accept = request.headers.get("accept", "")
    for name, media in MEDIA_TYPES.items():
        if media.split(";")[0] in accept:
            return name
    return "docx"


Handler = Callable[[Request], Awaitable[Response]]


def create_app(
    settings: ServiceSettings | None = None, extra: Sequence[BaseRoute] = ()
) -> Starlette:
    """The service as an ASGI application; ``extra`` routes are served beside its endpoints
    (the preview's pages)."""
    settings = settings or ServiceSettings.from_environment()
    warm = Warm(settings)

    def guarded(handler: Handler, *, open_to_all: bool = False) -> Handler:
        async def run(request: Request) -> Response:
            if settings.token and not open_to_all:
                given = request.headers.get("authorization", "")
                if not hmac.compare_digest(given.encode(), f"Bearer {settings.token}".encode()):
                    return _error(
                        401, "a bearer token is required (Authorization: Bearer ...)", request
                    )
            try:
                return await handler(request)
            except LettersError as error:
                return _problem_response(422, error, request)
            except Exception as error:  # a bug of ours: the request's, and nothing shown
                log.error(
                    "%s %s 500: internal error (%s: %s)",
                    request.method,
                    request.url.path,
                    type(error).__name__,
                    error,
                )
                return JSONResponse(
                    {
                        "ok": False,
                        "errors": [{"source": None, "where": None, "message": "internal error"}],
                    },
                    status_code=500,
                )

        return run

    async def health(request: Request) -> Response:
        renderer = await run_in_threadpool(warm.renderer)
        return JSONResponse({"ok": True, "clauses": len(renderer.library), "pid": os.getpid()})

    async def render(request: Request) -> Response:
        output_format = _format(request)
        if output_format is None:
            return _error(
                400,
                f"no format {request.query_params.get('format')!r} (formats: {', '.join(MEDIA_TYPES)})",
                request,
            )
        profile = request.query_params.get("pdf_profile", "tagged")
        if profile not in PDF_PROFILES:
            return _error(
                400, f"no PDF profile {profile!r} (profiles: {', '.join(PDF_PROFILES)})", request
            )
        case = await _case(request, warm)
        if isinstance(case, Response):
            return case

        def work() -> bytes:
            renderer = warm.renderer()
            if output_format == "pdf":
                document = renderer.render(case, source="request")
                return bytes(warm.converter().convert(document, profile))
            return bytes(renderer.render_as(case, output_format, source="request"))

        data = await run_in_threadpool(work)
        return Response(data, media_type=MEDIA_TYPES[output_format])

    async def validate(request: Request) -> Response:
        case = await _case(request, warm)
        if isinstance(case, Response):
            return case
        await run_in_threadpool(lambda: warm.renderer().compose(case, source="request"))
        return JSONResponse({"ok": True, "errors": []})

    async def explain(request: Request) -> Response:
        from letters.provenance import provenance_of

        case = await _case(request, warm)
        if isinstance(case, Response):
            return case
        letter = await run_in_threadpool(lambda: warm.renderer().compose(case, source="request"))
        return JSONResponse(provenance_of(letter, case="request"))

    async def schema(request: Request) -> Response:
        from letters.schema import case_schema

        renderer = await run_in_threadpool(warm.renderer)
        return JSONResponse(case_schema(renderer.library))

    async def clauses(request: Request) -> Response:
        renderer = await run_in_threadpool(warm.renderer)
        return JSONResponse([clause.as_json() for clause in renderer.library])

    async def clause(request: Request) -> Response:
        renderer = await run_in_threadpool(warm.renderer)
        found = renderer.library[request.path_params["clause_id"]]
        record = found.as_json()
        record["wording"] = {variant.name: variant.text for variant in found.variants}
        return JSONResponse(record)

    async def openapi(request: Request) -> Response:
        from letters.schema import case_schema

        renderer = await run_in_threadpool(warm.renderer)
        return JSONResponse(openapi_document(case_schema(renderer.library)))

    routes = [
        Route("/health", guarded(health, open_to_all=True), methods=["GET"]),
        Route("/render", guarded(render), methods=["POST"]),
        Route("/validate", guarded(validate), methods=["POST"]),
        Route("/explain", guarded(explain), methods=["POST"]),
        Route("/schema", guarded(schema), methods=["GET"]),
        Route("/clauses", guarded(clauses), methods=["GET"]),
        Route("/clauses/{clause_id:path}", guarded(clause), methods=["GET"]),
        Route("/openapi.json", guarded(openapi, open_to_all=True), methods=["GET"]),
        *extra,
    ]

    def reload_on_hangup(*_: object) -> None:
        warm.reload_requested = True

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGHUP, reload_on_hangup)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        warm.close()  # LibreOffice ends with the worker

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.warm = warm
    return app


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
        "400": {"description": "the body is not JSON"},
        "401": {"description": "a bearer token is required"},
        "413": {"description": "the body is larger than the server takes"},
        "422": problems,
        "500": {"description": "internal error"},
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
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("letters")
    except PackageNotFoundError:
        return "0"


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    clauses: str | None = None,
    template: str | None = None,
    token: str | None = None,
    max_body: int = 2_000_000,
) -> None:
    """Run the service until stopped. Binding to an address other than the loopback needs a
    bearer token."""
    import uvicorn

    if host not in LOOPBACK and not token:
        raise UsageError(
            f"serving on {host} needs a bearer token: set LETTERS_TOKEN or --token-file "
            "(without one, serve on 127.0.0.1)"
        )
    os.environ.update(
        {
            "LETTERS_SERVE_CLAUSES": clauses or "",
            "LETTERS_SERVE_TEMPLATE": template or "",
            "LETTERS_TOKEN": token or "",
            "LETTERS_MAX_BODY": str(max_body),
        }
    )
    # Read the library and template once here: a broken one is one clear error before serving.
    from letters.renderer import Renderer

    Renderer(clauses, template)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    config = uvicorn.Config(
        "letters.service:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
    # The listening socket is made here, with TCP_NODELAY, which each connection takes from it:
    # a response's headers and body are written apart, and without it the body waits for the
    # client's delayed acknowledgement (40 ms). uvicorn's own socket for several workers
    # lacks it.
    sock = config.bind_socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        if workers > 1:
            from uvicorn.supervisors import Multiprocess

            Multiprocess(config, sockets=[sock]).run()
        else:
            uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
