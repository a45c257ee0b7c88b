"""``letters serve``: letters over HTTP, for case-management systems.

One ASGI application (Starlette, served by uvicorn) renders a case sent as JSON into a letter
(.docx, PDF, plain text or Markdown), validates a case, explains where each sentence of its
letter came from, lists and shows clauses, and gives the case JSON Schema and an OpenAPI
description made from it. Each worker process reads the clause library and the template once,
reads them again when their files change (or on SIGHUP), and keeps a small pool of LibreOffices
running for PDFs. A request can name no file on the server: the library and template are the
server's.

Problems are data: a case with problems gets 422 and the same problem records as
``render --json``; a body that is not JSON 400; a body over the size limit 413; a bug of ours
500 with no traceback. Every error is logged on one line.

Who may ask: a request must name this server in its Host header (its address, a localhost name
over the loopback, or a name given with ``--allowed-host``), so that a web page on another
name cannot reach it through DNS rebinding; a browser's request from another site's page may
read nothing and change nothing (its Origin, or Sec-Fetch-Site, is checked); and with a token,
every request but ``/health`` must give it. ``letters.web.connections`` bounds the connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from html import escape
from pathlib import Path
from typing import Any

import attrs
from attrs import field, frozen
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from letters.formats import PDF_PROFILES
from letters.outcomes import problems_of
from letters.output import json_text
from letters.problems import LettersError, TokenError, UsageError
from letters.web.connections import ConnectionBounds
from letters.web.origins import host_name, is_known_host, is_same_origin

log = logging.getLogger("letters.web.app")

MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "txt": "text/plain; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}
LOOPBACK = ("127.0.0.1", "localhost", "::1")
SETTINGS_VARIABLE = "LETTERS_SERVE_SETTINGS"  # how ``serve`` hands its settings to each worker


def _names(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(host_name(value) for value in values))


@frozen
class ServiceSettings:
    """What a server is started with: its library, template, limits and security."""

    clauses: str | None = None
    template: str | None = None
    token: str | None = None
    max_body: int = 2_000_000
    reload_interval: float = 1.0
    host: str = "127.0.0.1"
    """The address the server is bound to; a request's Host may name it."""
    allowed_hosts: tuple[str, ...] = field(default=(), converter=_names)
    """More names a request's Host may give (``--allowed-host``): the server's DNS names."""
    converters: int = 2
    """LibreOffices a worker keeps for PDFs, at most."""
    pdf_timeout: float = 30.0
    """Seconds one letter's PDF may take before its LibreOffice is killed and started again."""
    register: str | None = None
    """The register ``POST /issue`` records letters in (a path or URL; None: the default)."""
    token_name: str = "service"
    """Who letters issued through ``POST /issue`` are recorded as issued by."""

    def to_environment(self) -> dict[str, str]:
        """The settings as the environment of the worker processes ``serve`` starts."""
        return {SETTINGS_VARIABLE: json.dumps(attrs.asdict(self))}

    @classmethod
    def from_environment(cls) -> ServiceSettings:
        """The settings a worker process is given by ``letters serve`` (through its environment)."""
        given = json.loads(os.environ.get(SETTINGS_VARIABLE) or "{}")
        return cls(
            **{item.name: given[item.name] for item in attrs.fields(cls) if item.name in given}
        )


def check_token(token: str | None, source: str) -> None:
    """Refuse a token that is blank (it would seem to protect the server, and would not) or
    that holds characters a header cannot carry."""
    if token is None:
        return
    if not token.strip():
        raise TokenError(
            f"{source} is blank: give a token, or unset it to serve on 127.0.0.1 without one"
        )
    if not (token.isascii() and token.isprintable()) or any(c.isspace() for c in token):
        raise TokenError(
            f"{source} holds a space or a character other than printable ASCII, which an "
            "Authorization header cannot carry"
        )


class Warm:
    """A worker's renderer (library and template read once) and LibreOffices, reloaded when the
    library's or template's files change, or on SIGHUP."""

    def __init__(self, settings: ServiceSettings):
        self.settings = settings
        self.lock = threading.Lock()
        self._renderer: Any = None
        self._stamp: tuple[float, int] | None = None
        self._checked = 0.0
        self._pool: Any = None
        self.reload_requested = False

    def _files_stamp(self) -> tuple[float, int]:
        from letters.library import default_library
        from letters.word.template import find_template

        folder = Path(self.settings.clauses) if self.settings.clauses else default_library()
        paths = [path for path in folder.rglob("*") if path.is_file()]
        paths.append(find_template(self.settings.template))
        latest = max((path.stat().st_mtime_ns for path in paths if path.exists()), default=0)
        return (latest / 1e9, len(paths))

    def renderer(self) -> Any:
        """The renderer, read again if its files changed since it was read."""
        from letters.rendering import Renderer

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

    def pdf(self) -> Any:
        """The worker's PDF converters (``formats.pdf.ConverterPool``)."""
        from letters.formats.pdf import ConverterPool

        with self.lock:
            if self._pool is None:
                self._pool = ConverterPool(
                    self.settings.converters, timeout=self.settings.pdf_timeout
                )
            return self._pool

    async def to_pdf(self, document: bytes, profile: str = "tagged") -> bytes:
        """A letter's .docx as PDF of a profile, from the first of the worker's converters free."""
        pdf: bytes = await self.pdf().convert(document, profile)
        return pdf

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()


class JsonResponse(JSONResponse):
    """JSON as the command line writes it: a lone surrogate (a key a client wrote as an
    escape) is written as its escape again, where UTF-8 could not hold it."""

    def render(self, content: Any) -> bytes:
        return json_text(content, indent=None).encode("utf-8")


def _problem_response(status: int, error: LettersError, request: Request) -> Response:
    problems = [problem.as_json() for problem in problems_of(error)]
    for problem in problems:
        log.warning("%s %s %s: %s", request.method, request.url.path, status, problem["message"])
    headers = {"retry-after": "5"} if status == 503 else None
    return JsonResponse({"ok": False, "errors": problems}, status_code=status, headers=headers)


def error_response(status: int, message: str, request: Request) -> Response:
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


async def _case(request: Request, warm: Warm) -> Any:
    """The case in the request's body, read as ``letters render`` reads a case file; or the
    response that says why there is none."""
    from letters.loading import decode_json, parse_case
    from letters.problems import CaseError, NotJsonError

    length = request.headers.get("content-length")
    limit = warm.settings.max_body
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
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        return error_response(
            400, f"the body is not UTF-8 text ({error.reason} at byte {error.start})", request
        )
    try:
        data = decode_json(text, source="request")
    except NotJsonError as error:
        return _problem_response(400, error, request)
    except CaseError as error:  # JSON, but not a case's: a key given twice
        return _problem_response(422, error, request)
    try:
        return parse_case(data, source="request")
    except LettersError as error:
        return _problem_response(422, error, request)


def chosen_format(request: Request) -> str | None:
    wanted = request.query_params.get("format")
    if wanted:
        return wanted if wanted in MEDIA_TYPES else None
    accept = request.headers.get("accept", "")
    for name, media in MEDIA_TYPES.items():
        if media.split(";")[0] in accept:
            return name
    return "docx"


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),  # a letter is never read as a page or a script
    (b"x-frame-options", b"DENY"),  # nor shown in another site's frame
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),  # case data stays out of caches
]


class RequestGate:
    """Refuse a request that names another server in its Host (400), and a browser's request
    from another site's page that would change something or cost work (403); answer any bug
    of ours, in any route, as one line in the log and a 500 without a traceback."""

    SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

    def __init__(self, app: ASGIApp, settings: ServiceSettings):
        self.app = app
        self.settings = settings

    def refused(self, scope: Scope) -> tuple[int, str] | None:
        request = Request(scope)
        path, method, headers = scope["path"], scope["method"], request.headers
        if path != "/health":  # load balancers' checks may name the machine any way
            host = headers.get("host")
            if host is None:
                return 400, "a Host header is required"
            server = scope.get("server")
            local = server[0] if server else None
            settings = self.settings
            if not is_known_host(host_name(host), settings.host, settings.allowed_hosts, local):
                return (
                    400,
                    f"the Host header {host!r} does not name this server; "
                    "give its name with --allowed-host",
                )
        site, origin = headers.get("sec-fetch-site"), headers.get("origin")
        if origin is not None and not is_same_origin(origin, headers.get("host", "")):
            return (
                403,
                f"a request from the page at {origin!r} cannot change or ask for work here; "
                "only this server's own pages can",
            )
        if method not in self.SAFE_METHODS:
            if origin is None and site not in (None, "same-origin", "none"):
                return 403, "a request from another site's page cannot change or ask for work here"
        elif site in ("cross-site", "same-site") and headers.get("sec-fetch-mode") != "navigate":
            return 403, "another site's page cannot read from this server"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", ()), *SECURITY_HEADERS]
            await send(message)

        try:
            refused = self.refused(scope)
            if refused is not None:
                status, message = refused
                log.warning("%s %s %s: %s", scope["method"], scope["path"], status, message)
                await refusal(status, message, scope["path"])(scope, receive, sending)
                return
            await self.app(scope, receive, sending)
        except ClientDisconnect:
            log.info("%s %s: the client went away", scope["method"], scope["path"])
        except Exception as error:  # a bug of ours: the request's, and nothing shown
            log.error(
                "%s %s 500: internal error (%s: %s)",
                scope["method"],
                scope["path"],
                type(error).__name__,
                error,
            )
            if not started:
                await refusal(500, "internal error", scope["path"])(scope, receive, sending)


Handler = Callable[[Request], Awaitable[Response]]


def create_app(
    settings: ServiceSettings | None = None, extra: Sequence[BaseRoute] = ()
) -> Starlette:
    """The service as an ASGI application; ``extra`` routes are served beside its endpoints
    (the preview's pages), behind the same Host and Origin checks but not the token."""
    from letters.problems import BusyError
    from letters.web.issuing import issue_endpoint

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
                return _problem_response(503, error, request)
            except LettersError as error:
                return _problem_response(422, error, request)

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
        case = await _case(request, warm)
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
        case = await _case(request, warm)
        if isinstance(case, Response):
            return case
        await run_in_threadpool(lambda: warm.renderer().compose(case, source="request"))
        return JsonResponse({"ok": True, "errors": []})

    async def explain(request: Request) -> Response:
        from letters.provenance import provenance_of

        case = await _case(request, warm)
        if isinstance(case, Response):
            return case
        letter = await run_in_threadpool(lambda: warm.renderer().compose(case, source="request"))
        return JsonResponse(provenance_of(letter, case="request"))

    async def schema(request: Request) -> Response:
        from letters.schema import case_schema

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
        from letters.schema import case_schema

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
        from letters.web.connections import quiet_accept_errors

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
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("letters")
    except PackageNotFoundError:
        return "0"


def configure_logging() -> None:
    """Log the service's lines, one a line, with the time, to standard error."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    clauses: str | None = None,
    template: str | None = None,
    token: str | None = None,
    max_body: int = 2_000_000,
    register: str | None = None,
    token_name: str | None = None,
    allowed_hosts: Sequence[str] = (),
    converters: int = 2,
    pdf_timeout: float = 30.0,
    bounds: ConnectionBounds | None = None,
) -> None:
    """Run the service until stopped. Binding to an address other than the loopback needs a
    bearer token."""
    from letters.web.connections import BoundedConfig, make_room_for

    check_token(token, "the token")
    if host not in LOOPBACK and not token:
        raise UsageError(
            f"serving on {host} needs a bearer token: set LETTERS_TOKEN or --token-file "
            "(without one, serve on 127.0.0.1)"
        )
    bounds = bounds or ConnectionBounds()
    settings = ServiceSettings(
        clauses=clauses,
        template=template,
        token=token,
        max_body=max_body,
        host=host,
        allowed_hosts=tuple(allowed_hosts),
        converters=converters,
        pdf_timeout=pdf_timeout,
        register=register,
        token_name=token_name or "service",
    )
    os.environ.update(settings.to_environment())
    # Read the library and template once here: a broken one is one clear error before serving.
    from letters.rendering import Renderer

    Renderer(clauses, template)
    configure_logging()
    make_room_for(bounds, converters)
    config = BoundedConfig(
        "letters.web.app:create_app",
        bounds=bounds,
        factory=True,
        host=host,
        port=port,
        workers=workers,
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
            import uvicorn

            uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
