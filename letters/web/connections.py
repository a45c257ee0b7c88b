"""The connections ``letters serve`` and ``letters preview`` take, bounded against slow and
many clients.

uvicorn closes a kept-alive connection that sends nothing, but not one that is slow to send its
request: a client could hold a connection for ever by sending its headers, or its body, a byte
at a time, and some thousand such clients take every file descriptor a process has. So here:

- a request's headers must arrive within ``header_timeout`` seconds of the connection's start
  (or of the end of the previous response), and its body within ``body_timeout`` seconds of the
  end of its headers, however steadily the bytes trickle in; a client past either is answered
  408 and cut;
- a worker process holds at most ``max_connections`` connections; one more is answered 503 as
  it arrives and closed, so that clients cannot take the descriptors the worker needs;
- and at most ``max_per_client`` from one client address, answered 503 likewise past that, so
  that one client cannot take every connection and lock the others out (behind a reverse proxy
  every client has the proxy's address: raise it to ``max_connections`` there);
- an accept that fails for want of descriptors (EMFILE) is one line in the log, at most once
  every ten seconds, where Python's event loop would write a traceback per attempt (thousands a
  second); so is uvicorn's line for each request that is not HTTP ("Invalid HTTP request
  received."), which a client sending garbage would otherwise write as fast as it can;
- a client that stops taking its response for ``body_timeout`` seconds is dropped, with
  what is left of the response;
- stopping (SIGTERM) cuts the connections whose request has not fully arrived, and waits at
  most ``shutdown_timeout`` seconds for the requests in hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import resource
import time
from typing import Any

import h11
import uvicorn
from attrs import frozen
from uvicorn.protocols.http.h11_impl import H11Protocol

from letters.problems import Problem
from letters.web.logs import log
from letters.web.responses import PROBLEM_MEDIA_TYPE, problem_details

QUIET_INTERVAL = 10.0  # seconds between two log lines about the same kind of trouble
RESERVED_DESCRIPTORS = 64  # what a worker needs besides its connections: files, pipes, LibreOffice


@frozen
class ConnectionBounds:
    """How long a client may take to send a request, and how many may be connected at once."""

    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 256
    max_per_client: int = 64
    keep_alive: int = 5
    shutdown_timeout: float = 10.0


class QuietLog:
    """Log lines about one kind of trouble at most once every ``QUIET_INTERVAL`` seconds, with
    a count of the times not logged since: an attack must not fill the disk with its echo."""

    def __init__(self) -> None:
        self._last: dict[str, float] = {}
        self._unsaid: dict[str, int] = {}

    def warn(self, kind: str, message: str) -> None:
        now = time.monotonic()
        if now - self._last.get(kind, -QUIET_INTERVAL) < QUIET_INTERVAL:
            self._unsaid[kind] = self._unsaid.get(kind, 0) + 1
            return
        unsaid = self._unsaid.pop(kind, 0)
        self._last[kind] = now
        tail = f" (and {unsaid} more times since the last report)" if unsaid else ""
        log.warning("%s%s", message, tail)


quiet = QuietLog()

INVALID_REQUEST = "Invalid HTTP request received."  # what uvicorn logs for each


class _QuietInvalidRequests(logging.Filter):
    """uvicorn's line for each request that is not HTTP, said through ``quiet``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage() != INVALID_REQUEST:
            return True
        quiet.warn("invalid", "requests that are not HTTP were answered 400")
        return False


def quiet_invalid_requests() -> None:
    """Have uvicorn's lines for invalid requests said at most once every ``QUIET_INTERVAL``
    seconds in this process (each worker calls it)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(each, _QuietInvalidRequests) for each in logger.filters):
        logger.addFilter(_QuietInvalidRequests())


def _raw_response(status: int, reason: str, message: str) -> bytes:
    """A whole HTTP response, written before or instead of reading the request."""
    body = _problem_body(status, message)
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: {PROBLEM_MEDIA_TYPE}\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


def _problem_body(status: int, message: str) -> bytes:
    """An answer's body as every error of the service is: RFC 9457 problem details."""
    return json.dumps(problem_details(status, [Problem(message)])).encode("utf-8")


class BoundedProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 connection with deadlines for a request's headers and body, and a cap
    on the connections a worker holds (``BoundedConfig.bounds``)."""

    def __init__(self, config: uvicorn.Config, *arguments: Any, **options: Any) -> None:
        super().__init__(config, *arguments, **options)
        quiet_invalid_requests()
        self.bounds: ConnectionBounds = getattr(config, "bounds", ConnectionBounds())
        self._deadline: asyncio.TimerHandle | None = None
        self._waiting_for: str | None = None  # "headers" or "body"
        self._has_bytes = False  # whether any of the awaited request has arrived
        self._refused = False
        self._slow_reader: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.bounds.max_connections:
            self._refuse(
                transport,
                "connections",
                f"refused a connection: {self.bounds.max_connections} are open (--max-connections)",
                f"the server holds {self.bounds.max_connections} connections already; "
                "try again shortly",
            )
            return
        peer = transport.get_extra_info("peername")
        address = peer[0] if isinstance(peer, tuple) and peer else None
        if address is not None and self._held_by(address) >= self.bounds.max_per_client:
            cap = self.bounds.max_per_client
            self._refuse(
                transport,
                "client connections",
                f"refused a connection from {address}: it holds {cap} already "
                "(--max-connections-per-client)",
                f"this client holds {cap} connections already; close some, or try again shortly",
            )
            return
        super().connection_made(transport)
        self._await("headers")

    def _held_by(self, address: str) -> int:
        """The connections this worker holds from the client ``address``."""
        return sum(
            1
            for connection in self.connections
            if isinstance(connection, H11Protocol)
            and connection.client is not None
            and connection.client[0] == address
        )

    def _refuse(self, transport: asyncio.Transport, kind: str, logged: str, said: str) -> None:
        """Answer a connection 503 as it arrives, and close it; the log says so now and then."""
        self._refused = True
        quiet.warn(kind, logged)
        transport.write(_raw_response(503, "Service Unavailable", said))
        transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._refused:
            return
        self._cancel_deadline()
        if self._slow_reader is not None:
            self._slow_reader.cancel()
            self._slow_reader = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._has_bytes = True
        super().data_received(data)
        self._follow_request()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow_request()

    def _follow_request(self) -> None:
        """Set the deadline for what the connection awaits now: the next request's headers,
        the current request's body, or nothing (the request is in hand)."""
        if self.transport.is_closing():
            return
        state = self.conn.their_state
        if state is h11.IDLE:
            if self.cycle is not None and not self.cycle.response_complete:
                return  # a request in hand; the next one is not read until it is answered
            self._await("headers")
        elif state is h11.SEND_BODY:
            self._await("body")
        else:
            self._cancel_deadline()
            self._waiting_for = None

    def _await(self, part: str) -> None:
        if self._waiting_for == part:
            return
        self._cancel_deadline()
        self._waiting_for = part
        if part == "headers":
            self._has_bytes = False
        timeout = self.bounds.header_timeout if part == "headers" else self.bounds.body_timeout
        self._deadline = self.loop.call_later(timeout, self._late, part, timeout)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _late(self, part: str, timeout: float) -> None:
        """The request's headers or body did not arrive in time: say so, if a response can
        still be given, and cut the connection."""
        self._deadline = None
        if self.transport.is_closing():
            return
        message = f"the request's {part} did not arrive within {timeout:g} s"
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
        if part == "body" or self._has_bytes:
            quiet.warn(f"late {part}", f"cut {client}: {message}")
        if part == "headers":
            if self._has_bytes:  # a connection that sent nothing is closed without a word
                self.transport.write(_raw_response(408, "Request Timeout", message))
            self.transport.close()
            return
        self._answer_now(408, b"Request Timeout", message)
        self._abandon_request()

    def _answer_now(self, status: int, reason: bytes, message: str) -> None:
        """Answer the request whose body is still arriving, unless the application has begun
        its own answer."""
        if self.cycle is None or self.cycle.response_started:
            return
        body = _problem_body(status, message)
        headers = [
            (b"content-type", PROBLEM_MEDIA_TYPE.encode("ascii")),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        with contextlib.suppress(h11.LocalProtocolError):
            for event in (
                h11.Response(status_code=status, headers=headers, reason=reason),
                h11.Data(data=body),
                h11.EndOfMessage(),
            ):
                self.transport.write(self.conn.send(event) or b"")

    def _abandon_request(self) -> None:
        """Tell the application the client is gone (its answer is dropped), and close."""
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.transport.close()

    def pause_writing(self) -> None:
        """The client takes the response more slowly than it is made: it has
        ``body_timeout`` seconds to take enough of it, or the connection is dropped with
        what is left unsent (a client that never reads would hold it, and its memory, for
        ever)."""
        super().pause_writing()
        if self._slow_reader is None:
            self._slow_reader = self.loop.call_later(
                self.bounds.body_timeout, self._drop_slow_reader
            )

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._slow_reader is not None:
            self._slow_reader.cancel()
            self._slow_reader = None

    def _drop_slow_reader(self) -> None:
        self._slow_reader = None
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
        quiet.warn(
            "slow reader",
            f"dropped {client}: it did not take its response within {self.bounds.body_timeout:g} s",
        )
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.transport.abort()

    def shutdown(self) -> None:
        """Stop: a connection whose request has not fully arrived is cut now (there is no work
        to finish for it); one with a request in hand finishes it, then closes."""
        if self._refused:
            return
        if self._waiting_for == "body" and self.cycle is not None:
            self._cancel_deadline()
            self._answer_now(503, b"Service Unavailable", "the server is stopping")
            self._abandon_request()
            return
        super().shutdown()


class BoundedConfig(uvicorn.Config):
    """uvicorn's configuration, its connections bounded (it travels to each worker process)."""

    def __init__(self, app: Any, *, bounds: ConnectionBounds, **options: Any) -> None:
        super().__init__(
            app,
            http=BoundedProtocol,
            ws="none",  # an upgraded connection would leave the bounds behind
            timeout_keep_alive=bounds.keep_alive,
            timeout_graceful_shutdown=max(1, round(bounds.shutdown_timeout)),
            log_level="warning",
            access_log=False,
            **options,
        )
        self.bounds = bounds


def quiet_accept_errors(loop: asyncio.AbstractEventLoop) -> None:
    """Log a failed accept (EMFILE: no descriptor left) as one line now and then, where the
    event loop would log a traceback for each try."""

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        message = str(context.get("message", ""))
        if message == "socket.accept() out of system resource":
            reason = error.strerror if isinstance(error, OSError) else str(error)
            quiet.warn("accept", f"cannot accept connections for now: {reason}")
            return
        if "._start_serving(" in message and isinstance(error, (ValueError, OSError)):
            # the event loop tries to accept again a second after such a failure; a server
            # stopped within that second has closed its socket by then: nothing to say
            return
        loop.default_exception_handler(context)

    loop.set_exception_handler(handle)


def make_room_for(bounds: ConnectionBounds, converters: int = 0) -> None:
    """Raise this process's open-file limit as far as the system allows, and warn when it
    leaves too little room for ``max_connections`` connections."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
    needed = bounds.max_connections + RESERVED_DESCRIPTORS + 8 * converters
    if soft != resource.RLIM_INFINITY and needed > soft:
        log.warning(
            "the open-file limit (%s) leaves no room for %s connections; lower "
            "--max-connections to %s or raise the limit (ulimit -n)",
            soft,
            bounds.max_connections,
            max(1, soft - needed + bounds.max_connections),
        )
