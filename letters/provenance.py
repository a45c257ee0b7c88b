"""Where every sentence of a letter came from: the clause (its variant, file and line) or the
field of the case file.

The record is made from the origins composition keeps as it builds the letter, not by searching
the text afterwards. It can be printed (``letters explain``), given to scripts as JSON, and
carried inside the .docx as a custom XML part (``render --embed-provenance``), which Word keeps
with the document and never shows; ``letters explain LETTER.docx`` reads it back (the part is
``letters.word``'s: ``embed``, ``read_embedded``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from letters.composition import Letter, Origin, Text

NAMESPACE = "urn:letters:provenance"
VERSION = 1


def origin_record(origin: Origin, conditions: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An origin as JSON: the clause's id, variant, file and line, or only the case's field;
    for a clause an outline placed, why, with the values its condition saw in ``conditions``
    (the letter's)."""
    return _Records(conditions).origin(origin)


class _Records:
    """The origins of one letter as JSON; a clause's choice, which its runs share, is
    described once."""

    def __init__(self, conditions: Mapping[str, Any] | None):
        self.conditions = conditions
        self._choices: dict[int, dict[str, Any]] = {}

    def origin(self, origin: Origin, text: str | None = None) -> dict[str, Any]:
        """The origin as JSON, after the run's ``text`` when there is one."""
        made: dict[str, Any] = (
            {"field": origin.field} if text is None else {"text": text, "field": origin.field}
        )
        if origin.clause is not None:
            made["clause"] = origin.clause
            made["variant"] = origin.variant
            made["file"] = origin.file
            made["line"] = origin.line
        chosen = origin.chosen
        if chosen is not None:
            described = self._choices.get(id(chosen))  # the letter keeps its choices
            if described is None:
                described = self._choices[id(chosen)] = chosen.as_json(self.conditions)
            made["chosen"] = described
        return made

    def runs(self, runs: tuple[Text, ...]) -> list[dict[str, Any]]:
        records = []
        for run in runs:
            record = self.origin(run.origin, run.text)
            record["includes"] = [self.origin(included) for included in run.includes]
            records.append(record)
        return records


def provenance_of(letter: Letter, *, case: str | None = None) -> dict[str, Any]:
    """The letter, part by part, with the origin of each run of its text."""
    parts: list[dict[str, Any]] = []
    records = _Records(letter.conditions)

    def single(kind: str, text: str, origin: Origin | None, section: str | None = None) -> None:
        runs = [{**records.origin(origin, text), "includes": []}] if origin else []
        parts.append({"part": kind, "number": None, "section": section, "text": text, "runs": runs})

    for line in letter.header:
        parts.append(
            {
                "part": "header",
                "number": None,
                "section": None,
                "text": line.text,
                "runs": records.runs(line.runs),
            }
        )
    single("title", letter.title, letter.title_origin)
    if letter.summary is not None:
        parts.append(
            {
                "part": "summary",
                "number": None,
                "section": None,
                "label": letter.lines.get("summary_label", ""),
                "text": letter.summary.text,
                "runs": records.runs(letter.summary.runs),
            }
        )
    number = 0
    for section in letter.sections:
        single("heading", section.heading, section.heading_origin, section.id)
        parts[-1]["level"] = section.level
        for paragraph in section.paragraphs:
            number += 1
            parts.append(
                {
                    "part": "paragraph",
                    "number": number,
                    "label": paragraph.label,
                    "section": section.id,
                    "text": paragraph.text,
                    "runs": records.runs(paragraph.runs)
                    + [
                        {**run, "item": number}
                        for number, item in enumerate(paragraph.items)
                        for run in records.runs(item.runs)
                    ],
                    "items": [
                        {
                            "kind": item.kind,
                            "level": item.level,
                            "label": item.label,
                            "text": item.text,
                        }
                        for item in paragraph.items
                    ],
                }
            )
    parts.append(
        {
            "part": "sign-off",
            "number": None,
            "section": None,
            "text": letter.sign_off.text,
            "runs": records.runs(letter.sign_off.runs),
        }
    )
    reckonings = [
        {"field": reckoning.field, "value": reckoning.value, "how": reckoning.how}
        for reckoning in letter.reckonings
    ]
    return {
        "provenance": VERSION,
        "case": case,
        "outline": letter.outline,
        "parts": parts,
        "reckonings": reckonings,
    }


def explain(record: dict[str, Any]) -> str:
    """The record as a reader wants it: each part of the letter, and under it where each run
    of its text came from."""
    lines = [f"case: {record['case']}"] if record.get("case") else []
    for part in record["parts"]:
        label = {
            "paragraph": part.get("label") or "-",
            "summary": "Summary:",
            "header": "Header:",
            "title": "Title:",
            "heading": "Heading:",
            "sign-off": "Sign-off:",
        }[part["part"]]
        lines.append(f"{label} {_short(part['text'], 100)}")
        for run in part["runs"]:
            lines.append(f"    {_origin(run)}: {_short(run['text'], 60)!r}")
            chosen = run.get("chosen")
            if chosen:
                because = f" when {chosen['when']}" if chosen["when"] else ""
                facts = f" ({'; '.join(chosen['facts'])})" if chosen["facts"] else ""
                lines.append(
                    f"        placed by outline {chosen['outline']}, {chosen['file']} line "
                    f"{chosen['line']}{because}{facts}"
                )
            for included in run["includes"]:
                lines.append(f"        with {_origin(included)}")
    if record.get("reckonings"):
        lines.append("Dates and amounts:")
        for reckoning in record["reckonings"]:
            lines.append(f"    case {reckoning['field']} = {reckoning['value']}")
            lines.append(f"        {reckoning['how']}")
    return "\n".join(lines) + "\n"


def _origin(record: dict[str, Any]) -> str:
    if "clause" not in record:
        return f"case {record['field']}"
    at = f", at {record['field']}" if record["field"] else ""
    return f"clause {record['clause']} ({record['variant']}), {record['file']} line {record['line']}{at}"


def _short(text: str, size: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"
