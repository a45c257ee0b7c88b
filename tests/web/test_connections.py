"""The service's connection hardening, in one process: what the event loop's errors become."""

from __future__ import annotations

import asyncio
import logging

import pytest

from letters.web import connections


def test_a_failed_accept_is_one_line_and_its_retry_on_a_closed_server_is_silent(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """asyncio retries a failed accept (EMFILE) a second later; should the server stop within
    that second, the retry finds its socket closed. That is no news for the log: before, it
    was a traceback in the log of every server stopped while out of descriptors."""
    monkeypatch.setattr(connections, "quiet", connections.QuietLog())
    loop = asyncio.new_event_loop()
    try:
        connections.quiet_accept_errors(loop)
        with caplog.at_level(logging.DEBUG):
            loop.call_exception_handler(
                {
                    "message": "socket.accept() out of system resource",
                    "exception": OSError(24, "Too many open files"),
                }
            )
            loop.call_exception_handler(
                {
                    "message": "Exception in callback BaseSelectorEventLoop._start_serving("
                    "<function>, <socket>, None, <Server sockets=()>, 2048, None, None)",
                    "exception": ValueError("Invalid file descriptor: -1"),
                }
            )
            loop.call_exception_handler(
                {"message": "Exception in callback other()", "exception": RuntimeError("ours")}
            )
    finally:
        loop.close()
    said = [(record.name, record.getMessage()) for record in caplog.records]
    assert said[0] == ("letters.service", "cannot accept connections for now: Too many open files")
    assert said[1][0] == "asyncio" and "other()" in said[1][1]  # anything else is still said
    assert len(said) == 2
