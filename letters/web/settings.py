"""What a server is started with, and the bearer token that guards it.

``letters serve`` reads its options once and hands them to each worker process through the
environment: a worker is started by uvicorn from an import string, with no arguments.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

import attrs
from attrs import field, frozen

from letters.problems import TokenError
from letters.web.origins import host_name

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
