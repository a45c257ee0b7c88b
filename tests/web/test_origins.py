"""Reading where a request comes from: the Host it names and the page that sent it."""

from __future__ import annotations

import pytest

from letters.web.origins import host_name, is_from_own_page, is_known_host, is_same_origin


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Letters.Example.ORG", "letters.example.org"),
        ("letters.example.org.:8443", "letters.example.org"),
        ("[::1]:8000", "::1"),
        ("[::1]", "::1"),
        ("::1", "::1"),
        ("127.0.0.1:80", "127.0.0.1"),
    ],
)
def test_a_host_is_compared_without_case_port_brackets_or_final_dot(text: str, name: str) -> None:
    assert host_name(text) == name


@pytest.mark.parametrize(
    ("name", "bound", "local", "known"),
    [
        ("127.0.0.1", "127.0.0.1", "127.0.0.1", True),
        ("localhost", "127.0.0.1", "127.0.0.1", True),
        ("::1", "::1", "::1", True),
        ("localhost", "0.0.0.0", "127.0.0.1", True),  # a wildcard bind, reached over loopback
        ("localhost", "0.0.0.0", "10.1.2.3", False),  # ... and from the network
        ("10.1.2.3", "0.0.0.0", "10.1.2.3", True),  # the address the connection came in on
        ("10.1.2.3", "0.0.0.0", "::ffff:10.1.2.3", True),  # as an IPv6 socket sees it
        ("10.1.2.4", "0.0.0.0", "10.1.2.3", False),
        ("letters.example.org", "0.0.0.0", "10.1.2.3", True),  # allowed below
        ("evil.example", "127.0.0.1", "127.0.0.1", False),  # DNS rebinding
        ("localhost.evil.example", "127.0.0.1", "127.0.0.1", False),
        ("", "127.0.0.1", "127.0.0.1", False),
        ("", "0.0.0.0", "127.0.0.1", False),
        ("myhost", "myhost", "10.1.2.3", True),  # bound by name
    ],
)
def test_a_host_is_known_only_by_this_servers_own_names(
    name: str, bound: str, local: str, known: bool
) -> None:
    assert is_known_host(name, bound, ("letters.example.org",), local) is known


@pytest.mark.parametrize(
    ("origin", "host", "same"),
    [
        ("http://127.0.0.1:8001", "127.0.0.1:8001", True),
        ("https://letters.example.org", "letters.example.org", True),  # TLS ended by a proxy
        ("http://letters.example.org", "letters.example.org:80", True),
        ("http://127.0.0.1:3000", "127.0.0.1:8001", False),  # another port is another origin
        ("http://localhost", "localhost:8001", False),
        ("http://evil.example", "127.0.0.1:8001", False),
        ("null", "127.0.0.1:8001", False),
        ("file://", "127.0.0.1:8001", False),
        ("", "127.0.0.1:8001", False),
    ],
)
def test_an_origin_is_this_servers_own_only_with_its_name_and_port(
    origin: str, host: str, same: bool
) -> None:
    assert is_same_origin(origin, host) is same


@pytest.mark.parametrize(
    ("headers", "own"),
    [
        ({}, True),
        ({"sec-fetch-site": "same-origin"}, True),
        ({"sec-fetch-site": "none"}, True),
        ({"sec-fetch-site": "same-site"}, False),
        ({"sec-fetch-site": "cross-site"}, False),
        # a browser that sends no Sec-Fetch-Site: the page it was on
        ({"host": "127.0.0.1:8001", "referer": "http://127.0.0.1:8001/preview/letter/0"}, True),
        ({"host": "127.0.0.1:8001", "referer": "https://evil.example/page"}, False),
        ({"host": "127.0.0.1:8001", "referer": "http://127.0.0.1:3000/"}, False),
        ({"host": "127.0.0.1:8001", "referer": "not a url"}, False),
    ],
)
def test_a_request_is_from_an_own_page_by_its_sec_fetch_site(
    headers: dict[str, str], own: bool
) -> None:
    assert is_from_own_page(headers) is own
