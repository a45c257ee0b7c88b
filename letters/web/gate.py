"""The request gate every request of the service and the preview passes first.

Who may ask: a request must name this server in its Host header (its address, a localhost name
over the loopback, or a name given with ``--allowed-host``), so that a web page on another
name cannot reach it through DNS rebinding; a browser's request from another site's page may
read nothing and change nothing (its Origin, or Sec-Fetch-Site, is checked). Every answer
carries headers that keep it out of frames and caches; and a bug of ours, in any route, is one
line in the log and a 500 with no traceback.
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from letters.web.logs import log
from letters.web.origins import host_name, is_known_host, is_same_origin
from letters.web.responses import refusal
from letters.web.settings import ServiceSettings

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
