"""``letters preview``: web pages where the people who own the wording see what their edits do.

- **The letters** (``/preview/``): every case's letter, with its body, outline, reasons and
  decision; searched (the letters' words, the files' names) and filtered by each of those.
- **A letter** (``/preview/letter/N``), laid out like the Word template (the facts at the top,
  the title, the Summary, headings, numbered paragraphs, the sign-off). Every run of text is
  visibly something to inspect: focused (a click, the Tab key) or hovered, it shows beside it,
  in the margin and never over the text, where it came from: the clause, its wording, file and
  line, and the outline line and facts that placed it, or the case file's field. When a clause,
  outline or case file is saved, the open page changes within a second, with the words that
  changed marked; a file with a mistake shows its problem, and the last good letter stays.
- **A clause** (``/preview/clause/ID``): its parameters, each wording with what picks it (the
  facts that name it, the outlines that place it, its dates) and the letters that use it.
- **The library** (``/preview/library``): the clauses by folder, searchable, with the letters
  that use each; **Impact** (``/preview/impact``): every letter the working copy's library
  changes against the last commit (or another library folder).

Letters, clauses and impact link to each other. The pages are made from the Jinja templates of
``letters/web/pages/`` with autoescape (``preview_pages``), from what ``preview_views`` works
out. It is served on 127.0.0.1 only, beside the ``letters serve`` endpoints, and never writes a
file. Pages are made on the server; a small script follows changes, and the pages read without
it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import uvicorn
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route

from letters.composition import Letter, compose
from letters.impact import committed_library, impact_of
from letters.library import Library, default_library
from letters.loading import load_case
from letters.model import Case
from letters.problems import BusyError, LettersError
from letters.provenance import provenance_of
from letters.search import find_wording
from letters.web.app import create_app
from letters.web.connections import BoundedConfig, ConnectionBounds
from letters.web.origins import is_from_own_page
from letters.web.preview_pages import page, piece
from letters.web.preview_views import (
    Block,
    ClauseView,
    Composed,
    Filters,
    LibraryView,
    clause_view,
    clauses_in,
    impact_rows,
    index_view,
    letter_blocks,
    letter_row,
    library_view,
    paragraph_view,
)
from letters.web.responses import refusal
from letters.web.settings import ServiceSettings


class NotFound(LookupError):
    """A path that names no letter, or no clause, of the preview: its message says which."""


def _page(template: str, title: str, kind: str, **values: Any) -> HTMLResponse:
    """A page of the preview, from its template (``letters/web/pages/``)."""
    return HTMLResponse(page(template, title=title, kind=kind, **values))


class Preview:
    """What the preview shows: the cases, the library they are composed with, the base library
    the impact page compares with; and what it remembers between changes of the files.

    The library and the letters are read and composed once for each state of the files (their
    times, number and sizes): the pages ask for them again and again, and the files change only
    when someone saves one."""

    def __init__(
        self,
        cases: Sequence[str],
        clauses: str | None = None,
        template: str | None = None,
        base: str | None = None,
    ):
        self.cases = list(cases)
        self.clauses = clauses
        self.template = template
        self.base = base
        self.version = 0
        self.lock = threading.Lock()
        self.last_good: dict[int, list[Block]] = {}  # case -> the blocks of its last letter
        self.before: dict[int, list[str]] = {}  # case -> texts shown before the last change
        self.shown: dict[int, list[str]] = {}
        self._stamp = self._files_stamp()
        self._reading = threading.Lock()  # the library and letters of the files' state below
        self._read_at: tuple[int, int, int] | None = None
        self._library: Library | LettersError | None = None
        self._composed: dict[int, Composed] = {}

    def folder(self) -> Path:
        return Path(self.clauses) if self.clauses else default_library()

    def _files_stamp(self) -> tuple[int, int, int]:
        paths = [path for path in self.folder().rglob("*") if path.is_file()]
        paths += [Path(case) for case in self.cases]
        stats = [path.stat() for path in paths if path.exists()]
        latest = max((stat.st_mtime_ns for stat in stats), default=0)
        return (latest, len(stats), sum(stat.st_size for stat in stats))

    def watch(self, stop: threading.Event) -> None:
        """Note a change of any clause, outline or case file, four times a second."""
        while not stop.wait(0.25):
            with contextlib.suppress(OSError):
                stamp = self._files_stamp()
                if stamp != self._stamp:
                    self._stamp = stamp
                    self.version += 1

    def _read(self) -> None:
        """Forget the library and letters read when the files have changed since (held
        ``_reading``)."""
        try:
            stamp: tuple[int, int, int] | None = self._files_stamp()
        except OSError:  # a file went as it was looked at: read everything again
            stamp = None
        if stamp is None or stamp != self._read_at or self._library is None:
            self._read_at = stamp
            self._composed = {}
            try:
                self._library = Library.load(self.clauses)
            except LettersError as error:
                self._library = error

    def library(self) -> Library:
        """The library as its files are now; its problem, raised, when a file has a mistake."""
        with self._reading:
            self._read()
            library = self._library
        if isinstance(library, LettersError):
            raise library
        assert library is not None
        return library

    def composed(self, number: int) -> Composed:
        """The case's letter, as the files are now, or the problem that stopped it."""
        with self._reading:
            self._read()
            found = self._composed.get(number)
            if found is None:
                found = self._composed[number] = self._compose(number)
            return found

    def every_letter(self) -> list[Composed]:
        """Every case's letter, as the files are now, or the problem that stopped it."""
        with self._reading:
            self._read()
            for number in range(len(self.cases)):
                if number not in self._composed:
                    self._composed[number] = self._compose(number)
            return [self._composed[number] for number in range(len(self.cases))]

    def _compose(self, number: int) -> Composed:
        case = self.cases[number]
        name = Path(case).stem
        try:
            loaded = load_case(case)
        except LettersError as error:
            return Composed(number, case, name, problem=error)
        library = self._library
        if isinstance(library, LettersError):
            return Composed(number, case, name, loaded, problem=library)
        assert library is not None
        try:
            letter = compose(loaded, library, source=case)
        except LettersError as error:
            return Composed(number, case, name, loaded, problem=error)
        return Composed(number, case, name, loaded, letter, provenance_of(letter))

    def letter(self, number: int) -> tuple[Case | None, Letter | None, LettersError | None]:
        """The case's letter, composed now, and the problem that stopped it, if any."""
        composed = self.composed(number)
        return composed.case, composed.letter, composed.problem


def letter_html(preview: Preview, number: int, highlight: str | None = None) -> str:
    """The letter's blocks as HTML, with words changed since the last version marked and the
    runs of clause ``highlight`` pointed out; or, when a file has a mistake, its problem above
    the last good letter."""
    with preview.lock:
        composed = preview.composed(number)
        if composed.record is None:
            problem = str(composed.problem).splitlines()
            return page(
                "letter_body.html", problem=problem, blocks=preview.last_good.get(number, [])
            )
        previous = preview.shown.get(number, [])
        texts = [part["text"] for part in composed.record["parts"]]
        if texts != previous:
            preview.before[number], preview.shown[number] = previous, texts
        blocks = letter_blocks(composed.record, preview.before.get(number, []), highlight)
        preview.last_good[number] = blocks
        return page("letter_body.html", problem=None, blocks=blocks)


def list_html(part: dict[str, Any], changed: set[str], counter: list[int]) -> str:
    """A paragraph that holds a list, as the letter's page sets it out: its text, then its
    items as HTML lists (numbered items a), b) ..., bullets, a list inside an item), then its
    text after the list; its runs numbered on from ``counter[0]``, which counts them."""
    paragraph = paragraph_view(part, changed, counter[0])
    counter[0] += sum(1 for _ in part["runs"])
    return piece("paragraph", paragraph)


def preview_routes(preview: Preview) -> list[BaseRoute]:
    """The preview's pages, to serve beside the service's endpoints."""

    async def index(request: Request) -> Response:
        filters = Filters.of(request.query_params)
        if filters.asked and not is_from_own_page(request.headers):
            return refusal(
                403, "a search of the letters is given to this preview's own pages only", "/preview"
            )
        letters = await run_in_threadpool(preview.every_letter)
        return _page("index.html", "Letters", "index", view=index_view(letters, filters))

    def number_of(request: Request) -> int:
        """The letter a path names: its number among the cases, or NotFound."""
        text = request.path_params["number"]
        if (
            not (text.isascii() and text.isdigit())
            or len(text) > 9
            or int(text) >= len(preview.cases)
        ):
            last = len(preview.cases) - 1
            raise NotFound(f"no such letter: the letters are numbered 0 to {last}")
        return int(text)

    async def letter(request: Request) -> Response:
        number = number_of(request)
        highlight = request.query_params.get("clause") or None
        body = await run_in_threadpool(letter_html, preview, number, highlight)
        composed = await run_in_threadpool(preview.composed, number)
        return _page(
            "letter.html",
            composed.name,
            "letter",
            number=number,
            name=composed.name,
            row=letter_row(composed),
            body=Markup(body),  # made by the letter_body.html template, every value escaped
            highlight=highlight,
            clauses=clauses_in(composed.record) if composed.record is not None else [],
        )

    async def letter_body(request: Request) -> Response:
        number = number_of(request)
        highlight = request.query_params.get("clause") or None
        return HTMLResponse(await run_in_threadpool(letter_html, preview, number, highlight))

    async def download(request: Request, kind: str) -> Response:
        """The letter as .docx or PDF: work a page of another site may not ask for."""
        number = number_of(request)
        if not is_from_own_page(request.headers):
            return refusal(
                403, "a download is given to this preview's own pages only", request.url.path
            )
        loaded, _, error = await run_in_threadpool(preview.letter, number)
        if error is not None:
            return refusal(422, str(error), request.url.path)
        warm = request.app.state.warm
        try:
            data = await run_in_threadpool(lambda: warm.renderer().render(loaded))
            if kind == "pdf":
                data = await warm.to_pdf(data)
        except LettersError as problem:
            status = 503 if isinstance(problem, BusyError) else 422
            return refusal(status, str(problem), request.url.path)
        return Response(
            data,
            media_type=DOWNLOADS[kind],
            headers={
                "content-disposition": attachment(f"{Path(preview.cases[number]).stem}.{kind}")
            },
        )

    async def docx(request: Request) -> Response:
        return await download(request, "docx")

    async def pdf(request: Request) -> Response:
        return await download(request, "pdf")

    async def events(request: Request) -> Response:
        async def stream() -> AsyncIterator[str]:
            seen = preview.version
            yield "retry: 500\n\n"
            while not await request.is_disconnected():
                if preview.version != seen:
                    seen = preview.version
                    yield f"data: {seen}\n\n"
                await asyncio.sleep(0.2)

        return StreamingResponse(stream(), media_type="text/event-stream")

    async def library(request: Request) -> Response:
        if not is_from_own_page(request.headers):
            return refusal(403, "the library is shown to this preview's own pages only", "/preview")
        query = request.query_params.get("q", "")

        def shown() -> LibraryView:
            library = preview.library()
            found = find_wording(library, query) if query else None
            return library_view(library, preview.every_letter(), query, found)

        try:
            view = await run_in_threadpool(shown)
        except LettersError as error:
            return _problem_page("Library", "library", error)
        return _page("library.html", "Library", "library", view=view)

    async def clause(request: Request) -> Response:
        if not is_from_own_page(request.headers):
            return refusal(403, "a clause is shown to this preview's own pages only", "/preview")
        clause_id = request.path_params["clause"]

        def shown() -> ClauseView:
            library = preview.library()
            if clause_id not in library:
                raise NotFound(f"no clause {clause_id[:200]!r} in the library")
            return clause_view(library, clause_id, preview.every_letter())

        try:
            view = await run_in_threadpool(shown)
        except LettersError as error:
            return _problem_page(clause_id, "clause", error)
        return _page("clause.html", view.title or view.id, "clause", view=view)

    async def impact(request: Request) -> Response:
        if not is_from_own_page(request.headers):
            return refusal(403, "the impact is shown to this preview's own pages only", "/preview")
        return _page(
            "impact.html", "Impact", "impact", **await run_in_threadpool(impact_of_edits, preview)
        )

    async def not_found(request: Request, error: Exception) -> Response:
        return refusal(404, str(error), "/preview")

    return [
        Mount(
            "/preview",
            routes=[
                Route("/", index),
                Route("/letter/{number}.docx", docx),
                Route("/letter/{number}.pdf", pdf),
                Route("/letter/{number}/body", letter_body),
                Route("/letter/{number}", letter),
                Route("/clause/{clause:path}", clause),
                Route("/events", events),
                Route("/library", library),
                Route("/impact", impact),
            ],
            middleware=[Middleware(ExceptionMiddleware, handlers={NotFound: not_found})],
        )
    ]


def _problem_page(title: str, kind: str, error: LettersError) -> HTMLResponse:
    """A page the library's problem stops: the problem, file and line, as the letter shows it."""
    return _page("problem.html", title, kind, problem=str(error).splitlines())


DOWNLOADS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def attachment(name: str) -> str:
    """A Content-Disposition that saves a download under ``name`` and nothing else: an ASCII
    fallback holding only safe characters, and the name itself percent-encoded (RFC 6266 and
    RFC 5987), so that no ``;``, quote or line break in a case file's name adds a parameter."""
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", name).strip("._") or "letter"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def impact_of_edits(preview: Preview) -> dict[str, Any]:
    """Every letter the working copy's library changes against the base, with the changes;
    or the problem that stopped the comparison."""
    try:
        edited = Library.load(preview.clauses)
        with contextlib.ExitStack() as stack:
            folder = (
                Path(preview.base)
                if preview.base
                else stack.enter_context(committed_library(preview.folder()))
            )
            results = list(impact_of(preview.cases, edited, Library.load(folder)))
    except LettersError as error:
        return {"problem": str(error), "rows": [], "total": 0}
    numbers = {case: number for number, case in enumerate(preview.cases)}
    return {"problem": None, "rows": impact_rows(results, numbers), "total": len(results)}


def run_preview(
    cases: Sequence[str],
    *,
    clauses: str | None = None,
    template: str | None = None,
    base: str | None = None,
    port: int = 0,
    allowed_hosts: Sequence[str] = (),
) -> None:
    """Serve the preview on 127.0.0.1 until stopped; print its address."""
    preview = Preview(cases, clauses, template, base)
    stop = threading.Event()
    threading.Thread(target=preview.watch, args=(stop,), daemon=True).start()
    settings = ServiceSettings(
        clauses=clauses,
        template=template,
        allowed_hosts=tuple(allowed_hosts),
        converters=1,  # one LibreOffice, kept warm; downloads wait their turn for it
    )
    app = create_app(settings, extra=preview_routes(preview))
    config = BoundedConfig(
        app,
        host="127.0.0.1",
        port=port,
        # open pages follow changes: do not wait for them to close
        bounds=ConnectionBounds(max_connections=64, shutdown_timeout=1),
    )
    sock = config.bind_socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.listen(config.backlog)  # the address printed takes connections from then on
    print(f"Preview at http://127.0.0.1:{sock.getsockname()[1]}/preview/", flush=True)
    sys.stdout.flush()
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        stop.set()
        time.sleep(0)
