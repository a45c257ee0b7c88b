"""What a worker keeps warm between requests: its renderer and its LibreOffices.

A worker reads the clause library and the Word template once, into one ``Renderer``, and reads
them again when one of their files changes (looked at no more often than ``reload_interval``)
or when ``letters serve`` is sent SIGHUP. LibreOffice takes seconds to start, so a worker keeps
a small pool of them running for PDFs, started on the first PDF asked for.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from letters.formats import ConverterPool
from letters.library import default_library
from letters.rendering import Renderer
from letters.web.logs import log
from letters.web.settings import ServiceSettings
from letters.word import find_template


class Warm:
    """A worker's renderer (library and template read once) and LibreOffices, reloaded when the
    library's or template's files change, or on SIGHUP."""

    def __init__(self, settings: ServiceSettings):
        self.settings = settings
        self.lock = threading.Lock()
        self._renderer: Renderer | None = None
        self._stamp: tuple[float, int] | None = None
        self._checked = 0.0
        self._pool: ConverterPool | None = None
        self.reload_requested = False

    def _files_stamp(self) -> tuple[float, int]:
        folder = Path(self.settings.clauses) if self.settings.clauses else default_library()
        paths = [path for path in folder.rglob("*") if path.is_file()]
        paths.append(find_template(self.settings.template))
        latest = max((path.stat().st_mtime_ns for path in paths if path.exists()), default=0)
        return (latest / 1e9, len(paths))

    def renderer(self) -> Renderer:
        """The renderer, read again if its files changed since it was read."""
        with self.lock:
            now = time.monotonic()
            stale = self._renderer is None or self.reload_requested
            if not stale and now - self._checked >= self.settings.reload_interval:
                self._checked = now
                stale = self._files_stamp() != self._stamp
            if stale or self._renderer is None:
                stamp = self._files_stamp()
                self._renderer = Renderer(self.settings.clauses, self.settings.template)
                self._stamp, self._checked, self.reload_requested = stamp, now, False
                log.info("library and template read (%s files)", stamp[1])
            return self._renderer

    def pdf(self) -> ConverterPool:
        """The worker's PDF converters."""
        with self.lock:
            if self._pool is None:
                self._pool = ConverterPool(
                    self.settings.converters, timeout=self.settings.pdf_timeout
                )
            return self._pool

    async def to_pdf(self, document: bytes, profile: str = "tagged") -> bytes:
        """A letter's .docx as PDF of a profile, from the first of the worker's converters free."""
        return await self.pdf().convert(document, profile)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
