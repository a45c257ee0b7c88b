"""The remedies over HTTP on ``letters serve``: what ``letters register remedies``, ``remedy``
and ``evidence`` do, for a case-management system.

- ``GET /remedies``: the remedies the query asks for, as ``register remedies --json`` lists
  them (the same filters, as query parameters: ``body``, ``reference``, ``kind``, ``status``
  again for any of several, ``overdue``, ``on``, ``due_from``, ``due_to``, ``record``,
  ``drafts``, ``superseded``); none is an empty list, not an error.
- ``GET /remedies/{remedy_id}``: one remedy (``12.2``) with its history, as it stood ``?on=`` a
  day (default today).
- ``POST /remedies/{remedy_id}``: a change of its status, as ``register remedy ID done|...``
  records it: a JSON body ``{"status", "by", "on", "to", "note"}``, or ``multipart/form-data``
  with the same fields and the evidence as files (``evidence``, again for several), kept in the
  register. The answer is the remedy as it stands after the change.
- ``GET /evidence/{sha256}``: a file the register keeps as evidence, as it was given.

They use the server's register (``letters serve --register``, as ``POST /issue`` does), opened
by each worker when first asked. What the request gets wrong in its shape (a parameter or field
there is none of, a day that is not YYYY-MM-DD, a remedy id that is not RECORD.NUMBER) is 400;
a remedy, record or evidence there is none of 404; a change the register will not record as
asked (extended with no new day, done with neither evidence nor a note, a day to come) 422; a
change the remedy's state does not allow (a done remedy moved on, a superseded letter's or a
draft's remedy) 409; a register that cannot be opened 503.
"""

from __future__ import annotations

import datetime
import re
import threading
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from attrs import frozen
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import Response

from letters.problems import Location, RegisterError, UsageError
from letters.web.bodies import read_body, read_json
from letters.web.responses import JsonResponse, error_response, problem_response
from letters.web.warm import Warm

if TYPE_CHECKING:
    from letters.register import Register, Remedy, RemedyQuery

Handler = Callable[[Request], Awaitable[Response]]

TEXT_FILTERS = ("body", "reference", "kind")
"""Filters of ``GET /remedies`` that match a text (case and spacing aside)."""
DAY_FILTERS = ("on", "due_from", "due_to")
FLAG_FILTERS = ("overdue", "drafts", "superseded")
FILTERS = (*TEXT_FILTERS, "status", *FLAG_FILTERS, *DAY_FILTERS, "record")
"""The query parameters of ``GET /remedies``: ``letters register remedies``'s options."""
CHANGE_FIELDS = ("status", "by", "on", "to", "note")
"""The fields of a change (``POST /remedies/{remedy_id}``); multipart adds ``evidence``."""
EVIDENCE = "evidence"
LARGEST_RECORD = 2**63 - 1
"""The largest id a record can have (a 64-bit integer)."""
LONGEST_BY = 200
"""The most characters the register keeps of who recorded a change."""
LONGEST_FILE_NAME = 255
"""The most characters of an evidence file's name (as file systems allow)."""
MOST_FILES = 100
"""The most evidence files one change may bring."""
REMEDY_PATTERN = r"^[1-9][0-9]{0,17}\.[1-9][0-9]{0,8}$"
"""A remedy's id as a path gives it: RECORD.NUMBER, each from 1."""
SHA256_PATTERN = r"^[0-9a-f]{64}$"
DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
FLAGS = {"true": True, "false": False}


@frozen
class Filters:
    """What ``GET /remedies`` asks for: the register's query and the day its statuses are as
    of. ``query`` is None when nothing can match (a text no register holds)."""

    query: RemedyQuery | None
    on: datetime.date | None


@frozen
class Upload:
    """A file sent in a multipart body: its name as the client gave it, and its content."""

    name: str
    data: bytes


@frozen
class RequestedChange:
    """A change of a remedy's status as a request asks for it, its shape checked; whether the
    register will record it is the register's to say."""

    status: str
    by: str
    on: datetime.date | None = None
    to: datetime.date | None = None
    note: str | None = None
    evidence: tuple[Upload, ...] = ()


# -- reading a request (pure) --------------------------------------------------------------------


def _place(name: str, *, query: bool) -> Location:
    return Location(file="request", field=f"?{name}" if query else name)


def _day(text: str, name: str, *, query: bool) -> datetime.date:
    try:
        if re.fullmatch(DAY_PATTERN, text) is None:
            raise ValueError
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"not a day: {text!r} (a day is YYYY-MM-DD: 2025-06-01)", _place(name, query=query)
        ) from None


def _parameters(params: Sequence[tuple[str, str]], allowed: Sequence[str]) -> dict[str, list[str]]:
    """The query's parameters by name: a UsageError for one there is none of."""
    given: dict[str, list[str]] = {}
    for name, value in params:
        if name not in allowed:
            raise UsageError(
                f"no query parameter {name!r} here (the parameters: {', '.join(allowed)})",
                _place(name, query=True),
            )
        given.setdefault(name, []).append(value)
    for name, values in given.items():
        if len(values) > 1 and name != "status":
            raise UsageError(f"?{name} is given {len(values)} times", _place(name, query=True))
    return given


def day_asked(params: Sequence[tuple[str, str]]) -> datetime.date | None:
    """The day ``?on=`` asks a remedy's status as of (None: today); a UsageError for any
    other parameter, or a day that is not one."""
    given = _parameters(params, ("on",))
    return _day(given["on"][0], "on", query=True) if "on" in given else None


def remedy_filters(params: Sequence[tuple[str, str]]) -> Filters:
    """The filters ``GET /remedies`` is asked for, as ``letters register remedies`` takes its
    options; a UsageError for a parameter there is none of or a value that is not one."""
    from letters.register import RemedyQuery  # noqa: PLC0415  # deferred: start-up (SQLAlchemy)

    given = _parameters(params, FILTERS)
    first = {name: values[0] for name, values in given.items()}
    flags: dict[str, bool] = {}
    for name in FLAG_FILTERS:
        if name in first:
            if first[name] not in FLAGS:
                raise UsageError(
                    f"?{name} is true or false, not {first[name]!r}", _place(name, query=True)
                )
            flags[name] = FLAGS[first[name]]
    days = {name: _day(first[name], name, query=True) for name in DAY_FILTERS if name in first}
    record = None
    if "record" in first:
        text = first["record"]
        if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= LARGEST_RECORD:
            raise UsageError(
                f"?record is a record's id, from 1 to {LARGEST_RECORD}, not {text!r}",
                _place("record", query=True),
            )
        record = int(text)
    try:
        query = RemedyQuery(
            body=first.get("body"),
            reference=first.get("reference"),
            kind=first.get("kind"),
            statuses=tuple(status.strip().lower() for status in given.get("status", ())),
            overdue=flags.get("overdue", False),
            due_from=days.get("due_from"),
            due_to=days.get("due_to"),
            letter=record,
            drafts=flags.get("drafts", False),
            superseded=flags.get("superseded", False),
        )
    except UsageError as error:  # a status there is none of
        raise error.at("request") from None
    texts = [first[name] for name in TEXT_FILTERS if name in first]
    return Filters(query if all(map(is_keepable, texts)) else None, days.get("on"))


def is_keepable(text: str) -> bool:
    """Whether a register can keep the text: UTF-8, with no NUL (PostgreSQL's text has none)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, which JSON's escapes can give
        return False
    return "\x00" not in text


def remedy_asked(text: str) -> str:
    """A remedy's id as a path gives it; a UsageError saying what one is."""
    if re.fullmatch(REMEDY_PATTERN, text) is None:
        raise UsageError(
            f"{text!r} is not a remedy: a remedy is RECORD.NUMBER, its letter's record and its "
            "place among the letter's remedies from 1 (12.2: record 12's second), as GET "
            "/remedies lists them",
            Location(file="request", field="remedy_id"),
        )
    return text


def change_from_json(data: Any) -> RequestedChange:
    """The change a JSON body asks for; a UsageError for a shape that is not one's."""
    if not isinstance(data, dict):
        raise UsageError(
            f"a change is a JSON object ({{{', '.join(map(repr, CHANGE_FIELDS))}}}), not "
            f"{type(data).__name__}",
            Location(file="request"),
        )
    fields: dict[str, str | None] = {}
    for name, value in data.items():
        if name not in CHANGE_FIELDS:
            hint = "; evidence is sent as files, in multipart/form-data" if name == EVIDENCE else ""
            raise UsageError(
                f"unknown field {name!r} (the fields: {', '.join(CHANGE_FIELDS)}){hint}",
                _place(name, query=False),
            )
        if not isinstance(value, str) and (value is not None or name in ("status", "by")):
            raise UsageError(
                f"{name} is text{'' if name in ('status', 'by') else ' or null'}, not "
                f"{json_type(value)}",
                _place(name, query=False),
            )
        fields[name] = value
    return _change(fields, ())


def change_from_form(items: Sequence[tuple[str, str | Upload]]) -> RequestedChange:
    """The change a multipart body asks for: its fields as text, its evidence as files; a
    UsageError for a shape that is not one's."""
    fields: dict[str, str | None] = {}
    files: list[Upload] = []
    for name, value in items:
        place = _place(name, query=False)
        if name == EVIDENCE:
            if not isinstance(value, Upload):
                raise UsageError(
                    "evidence is a file: send it as a file part, with its file name", place
                )
            files.append(value)
        elif name in CHANGE_FIELDS:
            if isinstance(value, Upload):
                raise UsageError(f"{name} is text, not a file", place)
            if name in fields:
                raise UsageError(f"{name} is given twice", place)
            fields[name] = value
        else:
            raise UsageError(
                f"unknown field {name!r} (the fields: {', '.join((*CHANGE_FIELDS, EVIDENCE))})",
                place,
            )
    if len(files) > MOST_FILES:
        raise UsageError(
            f"{len(files)} evidence files: a change takes at most {MOST_FILES}",
            _place(EVIDENCE, query=False),
        )
    return _change(fields, tuple(files))


def _change(fields: Mapping[str, str | None], files: tuple[Upload, ...]) -> RequestedChange:
    from letters.register import CHANGES  # noqa: PLC0415  # deferred: start-up (SQLAlchemy)

    for name in ("status", "by"):
        if not fields.get(name):
            raise UsageError(
                f"{name} is missing: a change needs its status and who records it (by)",
                _place(name, query=False),
            )
    status, by = fields["status"] or "", fields["by"] or ""
    if status not in CHANGES:
        raise UsageError(
            f"a remedy's change is one of {', '.join(CHANGES)}, not {status!r}",
            _place("status", query=False),
        )
    if len(by) > LONGEST_BY:
        raise UsageError(
            f"who records the change is at most {LONGEST_BY} characters, not {len(by)}",
            _place("by", query=False),
        )
    on, to = fields.get("on"), fields.get("to")
    return RequestedChange(
        status=status,
        by=by,
        on=_day(on, "on", query=False) if on is not None else None,
        to=_day(to, "to", query=False) if to is not None else None,
        note=fields.get("note"),
        evidence=files,
    )


def json_type(value: Any) -> str:
    """The JSON name of a value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "an array" if isinstance(value, list) else "an object"


def file_name(given: str) -> str:
    """An uploaded file's name without the folders some clients send with it."""
    return re.split(r"[\\/]", given)[-1]


def attachment(name: str) -> str:
    """A Content-Disposition that saves a file under its name (RFC 6266), never shows it."""
    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


# -- the routes -----------------------------------------------------------------------------------


class RemedyEndpoints:
    """The handlers of the remedies' routes for one worker, over the server's register."""

    def __init__(self, warm: Warm):
        self.settings = warm.settings
        self._lock = threading.Lock()
        self._register: Register | None = None

    def register(self) -> Register:
        """The server's register, opened on first use (again, after it could not be)."""
        # deferred: start-up speed (SQLAlchemy), only when a worker is first asked
        from letters.register import Register  # noqa: PLC0415

        with self._lock:
            if self._register is None:
                self._register = Register(self.settings.register)
            return self._register

    async def opened(self, request: Request) -> Register | Response:
        try:
            return await run_in_threadpool(self.register)
        except RegisterError as error:
            return problem_response(503, error, request)

    async def remedies(self, request: Request) -> Response:
        """``GET /remedies``."""
        try:
            filters = remedy_filters(request.query_params.multi_items())
        except UsageError as error:
            return problem_response(400, error, request)
        register = await self.opened(request)
        if isinstance(register, Response):
            return register
        query = filters.query
        if query is None:
            return JsonResponse([])
        found = await run_in_threadpool(lambda: register.remedies(query, on=filters.on))
        return JsonResponse([remedy.as_json() for remedy in found])

    async def one(self, request: Request) -> Response:
        """``/remedies/{remedy_id}``: GET shows it, POST changes it (one route, so that a
        method it does not answer is told both in Allow)."""
        if request.method == "POST":
            return await self.change(request)
        return await self.remedy(request)

    async def remedy(self, request: Request) -> Response:
        """``GET /remedies/{remedy_id}``."""
        try:
            identity = remedy_asked(request.path_params["remedy_id"])
            day = day_asked(request.query_params.multi_items())
        except UsageError as error:
            return problem_response(400, error, request)
        register = await self.opened(request)
        if isinstance(register, Response):
            return register
        try:
            found = await run_in_threadpool(lambda: register.remedy(identity, on=day))
        except RegisterError as error:  # no such record, or no such remedy of it
            return problem_response(404, error, request)
        return JsonResponse(found.as_json())

    async def change(self, request: Request) -> Response:
        """``POST /remedies/{remedy_id}``."""
        try:
            identity = remedy_asked(request.path_params["remedy_id"])
        except UsageError as error:
            return problem_response(400, error, request)
        requested = await self.requested_change(request)
        if isinstance(requested, Response):
            return requested
        register = await self.opened(request)
        if isinstance(register, Response):
            return register
        try:
            await run_in_threadpool(lambda: register.remedy(identity))
        except RegisterError as error:
            return problem_response(404, error, request)
        try:
            changed = await run_in_threadpool(lambda: record_change(register, identity, requested))
        except UsageError as error:  # not as the register records a change
            return problem_response(422, error, request)
        except RegisterError as error:  # not from the status the remedy has
            return problem_response(409, error, request)
        return JsonResponse(changed.as_json())

    async def requested_change(self, request: Request) -> RequestedChange | Response:
        """The change the body asks for: multipart/form-data with its evidence, else JSON."""
        limit = self.settings.max_body
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if media != "multipart/form-data":
                read = await read_json(request, limit)
                return read if isinstance(read, Response) else change_from_json(read[1])
            body = await read_body(request, limit)
            if isinstance(body, Response):
                return body
            items = await form_items(request.headers, body)
            return change_from_form(items)
        except UsageError as error:
            return problem_response(400, error, request)

    async def evidence(self, request: Request) -> Response:
        """``GET /evidence/{sha256}``."""
        digest = request.path_params["sha256"]
        if re.fullmatch(SHA256_PATTERN, digest) is None:
            return error_response(
                400,
                f"{digest!r} is not a SHA-256: 64 hexadecimal digits, in lower case, as GET "
                "/remedies/{remedy_id} gives each file's",
                request,
            )
        register = await self.opened(request)
        if isinstance(register, Response):
            return register
        try:
            found, content = await run_in_threadpool(lambda: register.evidence(digest))
        except RegisterError as error:
            return problem_response(404, error, request)
        return Response(
            content,
            media_type="application/octet-stream",
            headers={"content-disposition": attachment(found.name), "x-letters-sha256": digest},
        )


async def form_items(headers: Headers, body: bytes) -> list[tuple[str, str | Upload]]:
    """A multipart body's parts in order: text as text, files as ``Upload``s; a UsageError
    for a body that is not multipart that can be read."""

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    parser = MultiPartParser(
        headers, stream(), max_files=MOST_FILES + 1, max_fields=len(CHANGE_FIELDS) + 1
    )
    try:
        form = await parser.parse()
    except MultiPartException as error:
        raise UsageError(
            f"the multipart body cannot be read: {error.message}", Location(file="request")
        ) from None
    items: list[tuple[str, str | Upload]] = []
    try:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                items.append((name, Upload(value.filename or "", await value.read())))
            else:
                items.append((name, value))
    finally:
        await form.close()
    return items


def record_change(register: Register, identity: str, requested: RequestedChange) -> Remedy:
    """Record the change in the register: the remedy as it stands after it. A UsageError for
    a change the register does not record as asked, a RegisterError for one the remedy's
    status does not allow."""
    from letters.register import EvidenceFile  # noqa: PLC0415  # deferred: start-up (SQLAlchemy)

    note = requested.note
    if note is not None and not is_keepable(note):
        raise UsageError(
            "the note holds a NUL character or a lone surrogate, which a register cannot keep",
            _place("note", query=False),
        )
    files = []
    for upload in requested.evidence:
        name = file_name(upload.name)
        if len(name) > LONGEST_FILE_NAME:
            raise UsageError(
                f"an evidence file's name is at most {LONGEST_FILE_NAME} characters, not "
                f"{len(name)}",
                _place(EVIDENCE, query=False),
            )
        try:
            files.append(EvidenceFile.of_bytes(name, upload.data))
        except UsageError as error:
            raise error.at("request") from None
    return register.change_remedy(
        identity,
        requested.status,
        by=requested.by,
        on=requested.on,
        to=requested.to,
        note=requested.note,
        evidence=files,
    )
