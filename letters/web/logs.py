"""The service's log: one line an event, with the time, on standard error.

Every module of the wing writes through one logger, ``letters.service``: the name the lines of
``letters serve`` and ``letters preview`` carry, which a log's readers and filters may match.
"""

from __future__ import annotations

import logging

log = logging.getLogger("letters.service")


def configure_logging() -> None:
    """Log the service's lines, one a line, with the time, to standard error."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
