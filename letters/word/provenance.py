"""A letter's provenance inside the .docx: a custom XML part of its own, which Word keeps with
the document and never shows (``render --embed-provenance``), and read back (``letters explain
LETTER.docx``). The record itself is ``letters.provenance``'s.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from letters.composition import compose
from letters.library import Library
from letters.limits import Limits, budget
from letters.loading import load_case
from letters.problems import Location, OutputError, TemplateError
from letters.provenance import NAMESPACE, provenance_of
from letters.word.ooxml import (
    add_custom_xml,
    compress,
    custom_xml_items,
    read_package,
    write_package,
)


def embed_provenance(docx: bytes, record: dict[str, Any]) -> bytes:
    """The document with the record in a custom XML part of its own, which Word keeps unseen."""
    parts = read_package(docx, source="<letter>")
    # deferred: start-up speed (uuid imports platform; html, html.entities): only --embed-provenance
    import uuid  # noqa: PLC0415
    from html import escape  # noqa: PLC0415

    payload = json.dumps(record, ensure_ascii=False, sort_keys=True)
    identifier = uuid.uuid5(uuid.NAMESPACE_URL, NAMESPACE + payload)  # the same record, the same id
    item = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<provenance xmlns="{NAMESPACE}">{escape(payload, quote=False)}</provenance>'
    ).encode()
    add_custom_xml(parts, item, str(identifier).upper())
    return write_package(compress(name, content) for name, content in parts.items())


def read_provenance(docx: bytes, *, source: str) -> dict[str, Any]:
    """The record a letter carries; an error if it carries none."""
    parts = read_package(docx, source=source)
    for root in custom_xml_items(parts):
        if root.tag == f"{{{NAMESPACE}}}provenance":
            record: dict[str, Any] = json.loads(root.text or "{}")
            return record
    raise TemplateError(
        "the letter carries no provenance; render it with --embed-provenance",
        Location(file=source),
    )


def explain_file(target: str | Path, clauses: str | Path | None = None) -> dict[str, Any]:
    """The provenance record of a case file (composed now) or of a letter that carries one."""
    path = Path(target)
    if path.suffix.lower() == ".docx":
        try:
            data = path.read_bytes()
        except OSError as error:
            raise OutputError(
                f"cannot read the letter ({error.strerror})", Location(file=str(target))
            ) from None
        return read_provenance(data, source=str(target))
    limits = Limits.from_environment()
    library = Library.load(clauses, limits=limits)
    with budget(limits):
        letter = compose(load_case(path, limits=limits), library, source=str(target))
    return provenance_of(letter, case=str(target))
