"""Serving ``letters serve``: its workers started by uvicorn, on one listening socket.

The library and template are read once before serving, so that a broken one is one clear
error; then the settings go to each worker through the environment, and each worker makes the
application (``letters.web.app.create_app``) for itself.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence

import uvicorn
from uvicorn.supervisors import Multiprocess

from letters.problems import UsageError
from letters.rendering import Renderer
from letters.web.app import create_app
from letters.web.connections import BoundedConfig, ConnectionBounds, make_room_for
from letters.web.logs import configure_logging
from letters.web.settings import ServiceSettings, check_token

LOOPBACK = ("127.0.0.1", "localhost", "::1")
APPLICATION = f"{create_app.__module__}:{create_app.__name__}"  # what each worker calls


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
    Renderer(clauses, template)
    configure_logging()
    make_room_for(bounds, converters)
    config = BoundedConfig(
        APPLICATION,
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
            Multiprocess(config, sockets=[sock]).run()
        else:
            uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
