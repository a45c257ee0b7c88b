"""Where a request comes from: the server its Host header names, and the page that sent it.

A browser sends, with every request, the name the page asked for (``Host``) and, for most,
the page's origin (``Origin``: scheme, name and port) or how that page stands to this server
(``Sec-Fetch-Site``: ``same-origin``, ``same-site``, ``cross-site``, or ``none`` for an address
typed). A page of another site that rebinds its own domain to 127.0.0.1 (DNS rebinding) sends
its own domain as the Host; a page that only sends requests here sends its own Origin. Programs
(curl, a case-management system) send a Host and nothing else. These functions read the
headers; ``letters.web.gate.RequestGate`` refuses what they find foreign.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

LOCAL_NAMES = ("localhost",)
WILDCARDS = ("", "0.0.0.0", "::")
DEFAULT_PORTS = {"http": 80, "https": 443}


def host_name(text: str) -> str:
    """The name in a Host header or a ``--allowed-host``, as compared: lower case, with no
    port, brackets or final dot."""
    name, _ = split_authority(text)
    return name


def split_authority(text: str) -> tuple[str, int | None]:
    """A Host header's (or an origin's) name and port: ``[::1]:8000`` is ``("::1", 8000)``."""
    text = text.strip().lower()
    port: str = ""
    if text.startswith("["):
        name, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        name, _, port = text.partition(":")
    else:
        name = text
    return name.rstrip("."), int(port) if port.isdigit() and len(port) <= 5 else None


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_known_host(name: str, bound: str, allowed: Sequence[str], local: str | None) -> bool:
    """Whether a request's Host ``name`` names this server: one of the ``allowed`` names
    (``--allowed-host``), the address it is ``bound`` to, the address the connection came in
    on (``local``), or, over the loopback, a localhost name. A DNS-rebinding page's requests
    name the attacker's domain, never one of these."""
    if name in allowed:
        return True
    if bound not in WILDCARDS and name == host_name(bound):
        return True
    address, arrived_on = _address(name), _address(local or "")
    if address is not None and address == arrived_on:
        return True
    return (
        arrived_on is not None
        and arrived_on.is_loopback
        and (name in LOCAL_NAMES or (address is not None and address.is_loopback))
    )


def is_same_origin(origin: str, host: str) -> bool:
    """Whether an Origin header names the server the request was sent to (its Host): the
    same name and port; the scheme may differ behind a proxy that ends TLS."""
    scheme, separator, authority = origin.strip().lower().partition("://")
    if not separator or scheme not in DEFAULT_PORTS:
        return False  # "null": a sandboxed page, a file, a redirect; refused
    origin_name, origin_port = split_authority(authority)
    host_name_, host_port = split_authority(host)
    default = DEFAULT_PORTS[scheme]
    return origin_name == host_name_ and (origin_port or default) == (host_port or default)


def is_from_own_page(headers: Mapping[str, str]) -> bool:
    """Whether a browser's request came from one of this server's pages, or from no page at
    all (an address typed, a bookmark). A browser too old to send Sec-Fetch-Site still sends
    the page's address as the Referer, for a picture or a link of another site; a program
    sends neither."""
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    referer = headers.get("referer")
    if referer is None:
        return True
    page = urlsplit(referer)
    return is_same_origin(f"{page.scheme}://{page.netloc}", headers.get("host", ""))
