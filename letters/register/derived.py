"""What the register derives from a record's sealed columns, to find it and follow it up: the
key its reference is found by, and the stage of the decision it is.

Pure: each is a function of what a record's seal covers (its ``reference``, its case file's
bytes), so that ``letters register verify`` can work it out again and say when a stored copy
(``letters.reference_key``, ``letters.stage``, migration 0004) is not what it should be.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from letters.register.sealing import Break

STAGES = ("draft", "final")


def reference_key(reference: str | None) -> str | None:
    """A reference as it is found: case and spacing do not matter ("25 900 101", "25900101"
    and " 25 900  101" are one reference; "fs50123456" is "FS50123456"). None for none, or
    a reference of nothing but spaces."""
    if reference is None:
        return None
    key = "".join(reference.split()).casefold()
    return key or None


def stage_of(case_data: bytes) -> str:
    """The stage of the decision a case file's bytes give: "draft", else "final" (the case
    file's default, and what a file that is not a JSON object is taken as)."""
    try:
        found = json.loads(case_data)
    except (ValueError, UnicodeDecodeError):
        return "final"
    stage = found.get("stage") if isinstance(found, dict) else None
    return stage if stage in STAGES else "final"


def initial_status(stage: str, remedies_are: object = None) -> str:
    """The status a remedy starts with, as its letter says it: "recommended" in a draft
    (proposed, for comments) or where the body has not agreed (``remedies_are``:
    "recommended"), else "agreed"."""
    return "recommended" if stage == "draft" or remedies_are == "recommended" else "agreed"


def remedies_are_of(case_data: bytes) -> object:
    """What a case file's bytes say of its remedies (``facts.remedies_are``), if anything."""
    try:
        found = json.loads(case_data)
    except (ValueError, UnicodeDecodeError):
        return None
    facts = found.get("facts") if isinstance(found, dict) else None
    return facts.get("remedies_are") if isinstance(facts, dict) else None


def watch_derived(
    records: Iterable[dict[str, Any]], found: list[Break]
) -> Iterator[dict[str, Any]]:
    """The records (of ``Records.chain``) as they are, each whose derived columns are not what
    its sealed columns give added to ``found`` as a break: changed outside letters."""
    for record in records:
        stage = record.get("stage") or "final"
        if record.get("reference_key") != reference_key(record.get("reference")) or (
            stage != stage_of(bytes(record.get("case_data") or b""))
        ):
            found.append(
                Break(
                    record["id"],
                    "changed",
                    "its reference key or stage is not what its sealed reference and case file "
                    "give (changed outside letters)",
                )
            )
        yield record
