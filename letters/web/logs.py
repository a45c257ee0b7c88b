"""The service's log: one line an event, with the time, on standard error.

Every module of the wing writes through one logger, ``letters.service``: the name the lines of
``letters serve`` and ``letters preview`` carry, which a log's readers and filters may match.
A line often holds what a client sent (a path, a Host header): what is not printable in it is
written escaped (``\\n``, ``\\x1b``), so that no request can end a line and forge the next, nor
send a terminal's escape sequences to whoever reads the log.
"""

from __future__ import annotations

import logging

log = logging.getLogger("letters.service")


def escaped(text: str) -> str:
    """``text`` with each character that is not printable (controls, line and paragraph
    breaks, direction marks, unassigned code points) written as Python writes it in a string
    (``\\n``, ``\\x1b``, ``\\u202e``)."""
    if text.isprintable():
        return text
    return "".join(each if each.isprintable() else repr(each)[1:-1] for each in text)


class EscapedLines(logging.Filter):
    """Write each record's message, its arguments filled in, with what is not printable
    escaped: one event, one line, whatever a client sent."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not message.isprintable():
            record.msg, record.args = escaped(message), None
        return True


if not any(isinstance(each, EscapedLines) for each in log.filters):
    log.addFilter(EscapedLines())


def configure_logging() -> None:
    """Log the service's lines, one a line, with the time, to standard error."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
