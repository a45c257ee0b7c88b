"""``letters preview``: a web page where the people who own the wording see what their edits do.

Each case's letter is shown as a page laid out like the Word template (the facts at the top,
the title, the Summary, headings, numbered paragraphs, the sign-off). Every run of text is a
focusable element that shows, on hover or focus, where it came from: the clause, its variant,
file and line, and the outline line and facts that placed it, or the case file's field. When a
clause, outline or case file is saved, the open page changes within a second, with the words
that changed marked; a file with a mistake shows its problem, and the last good letter stays.
The library is listed by folder, searchable, with the example letters that use each clause; the
impact page lists every letter the working copy's library changes against the last commit (or
another library folder).

It is served on 127.0.0.1 only, beside the ``letters serve`` endpoints, and never writes a file.
Pages are made on the server; a small script follows changes, and the pages read without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import re
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator, Sequence
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import uvicorn
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route

from letters.composition import compose
from letters.impact import committed_library, impact_of
from letters.library import Library, default_library
from letters.linting import clauses_of
from letters.loading import load_case
from letters.problems import BusyError, LettersError
from letters.provenance import provenance_of
from letters.search import find_wording
from letters.web.app import create_app
from letters.web.connections import BoundedConfig, ConnectionBounds
from letters.web.origins import is_from_own_page
from letters.web.responses import refusal
from letters.web.settings import ServiceSettings

STYLE = """
body{font-family:Arial,Helvetica,sans-serif;max-width:52rem;margin:1.5rem auto;padding:0 1rem;
color:#1a1a1a;line-height:1.45}
nav a{margin-right:1rem}
.facts p{margin:.1rem 0}
h1{color:#1f3864;font-size:1.5rem}
h2{color:#1f3864;font-size:1.15rem;margin-top:1.4rem}
ol.paragraphs{padding-left:2.2rem}
ol.paragraphs li{margin:.6rem 0}
.plain{list-style:none;padding-left:0}
.sign-off{font-style:italic;margin-top:1.5rem}
.run{position:relative;border-radius:2px}
.run:hover,.run:focus{background:#fff3c4;outline:2px solid #1f3864;outline-offset:1px}
.origin{display:none;position:absolute;left:0;top:1.5em;z-index:2;background:#1f3864;
color:#fff;font-size:.8rem;padding:.4rem .6rem;border-radius:4px;width:28rem;max-width:80vw;
font-style:normal;line-height:1.3}
.run:hover .origin,.run:focus .origin{display:block}
mark{background:#c8f7c5}
.problem{border:2px solid #b00020;background:#fdecea;padding:.6rem;margin:1rem 0}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;
text-align:left;vertical-align:top}
del{background:#ffd7d5}ins{background:#c8f7c5;text-decoration:none}
"""

SCRIPT = """
const letter = document.getElementById("letter");
if (letter && window.EventSource) {
  const events = new EventSource("/preview/events");
  events.onmessage = async () => {
    const response = await fetch(letter.dataset.body);
    letter.innerHTML = await response.text();
  };
}
"""


def _page(title: str, body: str, *, script: bool = False) -> HTMLResponse:
    tail = f"<script>{SCRIPT}</script>" if script else ""
    return HTMLResponse(
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)} · letters preview</title><style>{STYLE}</style></head><body>"
        "<header><nav aria-label='Preview'><a href='/preview/'>Letters</a>"
        "<a href='/preview/library'>Library</a><a href='/preview/impact'>Impact</a></nav></header>"
        f"<main>{body}</main>{tail}</body></html>"
    )


class Preview:
    """What the preview shows: the cases, the library they are composed with, the base library
    the impact page compares with; and what it remembers between changes of the files."""

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
        self.last_good: dict[int, list[tuple[str, str]]] = {}  # case -> (kind, html) blocks
        self.before: dict[int, list[str]] = {}  # case -> texts shown before the last change
        self.shown: dict[int, list[str]] = {}
        self._stamp = self._files_stamp()

    def folder(self) -> Path:
        return Path(self.clauses) if self.clauses else default_library()

    def _files_stamp(self) -> tuple[int, int]:
        paths = [path for path in self.folder().rglob("*") if path.is_file()]
        paths += [Path(case) for case in self.cases]
        stamps = [path.stat().st_mtime_ns for path in paths if path.exists()]
        return (max(stamps, default=0), len(stamps))

    def watch(self, stop: threading.Event) -> None:
        """Note a change of any clause, outline or case file, four times a second."""
        while not stop.wait(0.25):
            with contextlib.suppress(OSError):
                stamp = self._files_stamp()
                if stamp != self._stamp:
                    self._stamp = stamp
                    self.version += 1

    def letter(self, number: int) -> tuple[Any, Any, LettersError | None]:
        """The case's letter, composed now, and the problem that stopped it, if any."""
        case = self.cases[number]
        try:
            loaded = load_case(case)
            letter = compose(loaded, Library.load(self.clauses), source=case)
        except LettersError as error:
            return None, None, error
        return loaded, letter, None


def _origin_text(run: dict[str, Any]) -> str:
    if "clause" not in run:
        return f"your words: case file field {run['field']}"
    text = f"clause {run['clause']} ({run['variant']}), {run['file']} line {run['line']}"
    chosen = run.get("chosen")
    if chosen:
        text += f"; placed by outline {chosen['outline']}, {chosen['file']} line {chosen['line']}"
        if chosen.get("when"):
            text += f" when {chosen['when']}"
        if chosen.get("facts"):
            text += f" ({'; '.join(chosen['facts'])})"
    return text


def _runs_html(runs: list[dict[str, Any]], changed: set[str], counter: list[int]) -> str:
    pieces = []
    for run in runs:
        counter[0] += 1
        words = escape(run["text"]).replace("\n", "<br>")
        if changed:
            words = " ".join(
                f"<mark>{word}</mark>" if word in changed else word for word in words.split(" ")
            )
        origin = escape(_origin_text(run))
        identifier = f"origin-{counter[0]}"
        pieces.append(
            f"<span class=run tabindex=0 aria-describedby={identifier} "
            f"data-clause='{escape(run.get('clause', ''))}'>{words}"
            f"<span class=origin role=tooltip id={identifier}>{origin}</span></span>"
        )
    return " ".join(pieces)


def list_html(part: dict[str, Any], changed: set[str], counter: list[int]) -> str:
    """A paragraph that holds a list: its text, then its items as HTML lists (numbered items
    a), b) ..., bullets, a list inside an item), then its text after the list."""
    lead = [run for run in part["runs"] if "item" not in run]
    html = _runs_html(lead, changed, counter)
    open_lists: list[str] = []  # the closing tag of each list open, deepest last
    for number, item in enumerate(part["items"]):
        runs = _runs_html(
            [run for run in part["runs"] if run.get("item") == number], changed, counter
        )
        if item["kind"] == "text":  # the list ends; the paragraph goes on
            while open_lists:
                html += "</li>" + open_lists.pop()
            html += f"<br>{runs}"
            continue
        while len(open_lists) > item["level"] + 1:
            html += "</li>" + open_lists.pop()
        tag = "ol type=a" if item["kind"] == "number" else "ul"
        if len(open_lists) < item["level"] + 1:
            html += f"<{tag}>"
            open_lists.append(f"</{tag.split()[0]}>")
        else:
            html += "</li>"
        html += f"<li>{runs}"
    while open_lists:
        html += "</li>" + open_lists.pop()
    return html


def _paragraphs_list(label: str, number: int) -> str:
    """The list tag of a section's paragraphs, from its first paragraph's label: numbered from
    that label's number, lettered from its letter, or plain (no numbers shown)."""
    if not label:
        return f"ol class='paragraphs plain' start={number}"
    mark = label.removesuffix(".")
    if mark.isdigit():
        return f"ol class=paragraphs start={mark}"
    start = 0
    for letter in mark:  # a. is 1, z. 26, aa. 27
        start = start * 26 + ord(letter) - ord("a") + 1
    return f"ol class=paragraphs type=a start={start}"


def _changed_words(before: str | None, now: str) -> set[str]:
    if before is None or before == now:
        return set()
    old, new = before.split(" "), escape(now).split(" ")
    changed: set[str] = set()
    matcher = difflib.SequenceMatcher(a=[escape(w) for w in old], b=new, autojunk=False)
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            changed.update(new[j1:j2])
    return changed


def letter_html(preview: Preview, number: int) -> str:
    """The letter's blocks as HTML, with words changed since the last version marked; or, when
    a file has a mistake, its problem above the last good letter."""
    with preview.lock:
        _, letter, error = preview.letter(number)
        problem = ""
        if error is not None:
            lines = "".join(f"<li>{escape(line)}</li>" for line in str(error).splitlines())
            problem = (
                "<div class=problem role=alert><strong>A file has a mistake; the letter below "
                f"is the last good one.</strong><ul>{lines}</ul></div>"
            )
            return problem + "".join(html for _, html in preview.last_good.get(number, []))
        record = provenance_of(letter)
        previous = preview.shown.get(number, [])
        texts = [part["text"] for part in record["parts"]]
        if texts != previous:
            preview.before[number], preview.shown[number] = previous, texts
        before = preview.before.get(number, [])
        blocks: list[tuple[str, str]] = []
        facts = [line.text for line in letter.header]  # the library's header lines
        blocks.append(
            (
                "facts",
                "<div class=facts>" + "".join(f"<p>{escape(f)}</p>" for f in facts) + "</div>",
            )
        )
        counter = [0]
        items: list[str] = []
        labels = iter([paragraph.label for paragraph in letter.paragraphs])
        for index, part in enumerate(record["parts"]):
            old = before[index] if index < len(before) else None
            changed = _changed_words(old, part["text"]) if before else set()
            kind = part["part"]
            if kind == "header":  # shown above, in the facts
                continue
            if part.get("items"):  # the paragraph's list, as the letter sets it out
                runs = list_html(part, changed, counter)
            else:
                runs = _runs_html(part["runs"], changed, counter)
            if kind in ("heading", "sign-off") and items:  # the section's paragraphs end here
                blocks.append(("paragraphs", f"<{items[0]}>{''.join(items[1:])}</ol>"))
                items = []
            if kind == "title":
                blocks.append((kind, f"<h1>{runs}</h1>"))
            elif kind == "summary":
                blocks.append((kind, f"<p><strong>Summary:</strong> {runs}</p>"))
            elif kind == "heading":
                blocks.append((kind, f"<h2>{runs}</h2>"))
            elif kind == "paragraph":
                label = next(labels, "")
                if not items:  # a section's paragraphs share its numbering: one list each
                    items.append(_paragraphs_list(label, part["number"]))
                items.append(f"<li>{runs}</li>")
            elif kind == "sign-off":
                blocks.append((kind, f"<p class=sign-off>{runs}</p>"))
        preview.last_good[number] = blocks
        return "".join(html for _, html in blocks)


def preview_routes(preview: Preview) -> list[BaseRoute]:
    """The preview's pages, to serve beside the service's endpoints."""

    async def index(request: Request) -> Response:
        items = "".join(
            f"<li><a href='/preview/letter/{number}'>{escape(Path(case).stem)}</a></li>"
            for number, case in enumerate(preview.cases)
        )
        return _page("Letters", f"<h1>Letters</h1><ul>{items}</ul>")

    def number_of(request: Request) -> int:
        """The letter a path names: its number among the cases, or NotFound."""
        text = request.path_params["number"]
        if not (text.isascii() and text.isdigit()) or len(text) > 9:
            raise NotFound(text)
        number = int(text)
        if number >= len(preview.cases):
            raise NotFound(text)
        return number

    async def letter(request: Request) -> Response:
        number = number_of(request)
        body = await run_in_threadpool(letter_html, preview, number)
        name = escape(Path(preview.cases[number]).stem)
        links = (
            f"<p><a href='/preview/letter/{number}.docx' download>Download .docx</a> · "
            f"<a href='/preview/letter/{number}.pdf' download>Download PDF</a></p>"
            "<p class=visually-hidden>Each sentence can be focused with the Tab key to hear "
            "where it came from.</p>"
        )
        article = (
            f"<article id=letter aria-live=polite data-body='/preview/letter/{number}/body'>"
            f"{body}</article>"
        )
        return _page(name, links + article, script=True)

    async def letter_body(request: Request) -> Response:
        body = await run_in_threadpool(letter_html, preview, number_of(request))
        return HTMLResponse(body)

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
        return _page(
            "Library",
            await run_in_threadpool(library_html, preview, request.query_params.get("q", "")),
        )

    async def impact(request: Request) -> Response:
        if not is_from_own_page(request.headers):
            return refusal(403, "the impact is shown to this preview's own pages only", "/preview")
        return _page("Impact", await run_in_threadpool(impact_html, preview))

    async def not_found(request: Request, _: Exception) -> Response:
        last = len(preview.cases) - 1
        return refusal(404, f"no such letter: the letters are numbered 0 to {last}", "/preview")

    return [
        Mount(
            "/preview",
            routes=[
                Route("/", index),
                Route("/letter/{number}.docx", docx),
                Route("/letter/{number}.pdf", pdf),
                Route("/letter/{number}/body", letter_body),
                Route("/letter/{number}", letter),
                Route("/events", events),
                Route("/library", library),
                Route("/impact", impact),
            ],
            middleware=[Middleware(ExceptionMiddleware, handlers={NotFound: not_found})],
        )
    ]


DOWNLOADS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


class NotFound(LookupError):
    """A path that names no letter of the preview."""


def attachment(name: str) -> str:
    """A Content-Disposition that saves a download under ``name`` and nothing else: an ASCII
    fallback holding only safe characters, and the name itself percent-encoded (RFC 6266 and
    RFC 5987), so that no ``;``, quote or line break in a case file's name adds a parameter."""
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", name).strip("._") or "letter"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def library_html(preview: Preview, query: str) -> str:
    """The clauses by folder, with titles, parameters, variants and dates, and the letters that
    use each; above them, a search over the wording."""
    library = Library.load(preview.clauses)
    used: dict[str, list[str]] = {}
    for case in preview.cases:
        with contextlib.suppress(LettersError):
            for clause_id in clauses_of(compose(load_case(case), library)):
                used.setdefault(clause_id, []).append(Path(case).stem)
    form = (
        "<h1>The library</h1><form role=search method=get action='/preview/library'>"
        "<label for=q>Find wording</label> "
        f"<input id=q name=q value='{escape(query)}' size=40> <button>Find</button></form>"
    )
    results = ""
    if query:
        found = find_wording(library, query)
        rows = "".join(
            f"<li><a href='#{escape(match.clause)}'>{escape(match.clause)}</a> ({escape(match.variant)}), "
            f"{escape(match.file)} line {match.line}: {escape(match.sentence)}</li>"
            for match in found
        )
        results = f"<section aria-label='Found'><h2>Found {len(found)}</h2><ul class=found>{rows}</ul></section>"
    folders: dict[str, list[Any]] = {}
    for clause in library:
        folders.setdefault(clause.id.rsplit("/", 1)[0] if "/" in clause.id else "", []).append(
            clause
        )
    sections = []
    for folder, clauses in sorted(folders.items()):
        table: list[str] = []
        for clause in clauses:
            params = (
                ", ".join(f"{escape(p.name)} ({escape(p.about)})" for p in clause.params.values())
                or "none"
            )
            variants = "; ".join(
                escape(v.name)
                + (f" from {v.in_force_from}" if v.in_force_from else "")
                + (f" until {v.in_force_until}" if v.in_force_until else "")
                for v in clause.variants
            )
            users = ", ".join(escape(name) for name in used.get(clause.id, [])) or "none"
            table.append(
                f"<tr id='{escape(clause.id)}'><td>{escape(clause.id)}</td><td>{escape(clause.title)}</td>"
                f"<td>{params}</td><td>{variants}</td><td>{users}</td></tr>"
            )
        sections.append(
            f"<h2>{escape(folder or 'top')}</h2><table><thead><tr><th>clause</th><th>title</th>"
            "<th>parameters</th><th>variants</th><th>used by</th></tr></thead><tbody>"
            + "".join(table)
            + "</tbody></table>"
        )
    return form + results + "".join(sections)


def impact_html(preview: Preview) -> str:
    """Every letter the working copy's library changes against the base, with the changes."""
    edited = Library.load(preview.clauses)
    try:
        with contextlib.ExitStack() as stack:
            folder = (
                Path(preview.base)
                if preview.base
                else stack.enter_context(committed_library(preview.folder()))
            )
            results = list(impact_of(preview.cases, edited, Library.load(folder)))
    except LettersError as error:
        return f"<h1>Impact</h1><div class=problem role=alert>{escape(str(error))}</div>"
    changed = [result for result in results if result.is_changed or result.is_new]
    items = []
    for result in changed:
        changes = "".join(
            f"<li><strong>{escape(change.part)}</strong>: {_word_diff_html(change.diff)}</li>"
            for change in result.changes
        )
        problems = "".join(f"<li class=problem>{escape(str(p))}</li>" for p in result.problems)
        new = "<li>new: the base library cannot render it</li>" if result.is_new else ""
        items.append(
            f"<li><h2>{escape(Path(result.case).stem)}</h2><ul>{changes}{problems}{new}</ul></li>"
        )
    return (
        f"<h1>Impact</h1><p>{len(changed)} of {len(results)} letters change.</p>"
        f"<ul class=impact>{''.join(items)}</ul>"
    )


def _word_diff_html(diff: str) -> str:
    """``[-old-]{+new+}`` as HTML."""
    text = escape(diff)
    text = text.replace("[-", "<del>").replace("-]", "</del>")
    return text.replace("{+", "<ins>").replace("+}", "</ins>")


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
