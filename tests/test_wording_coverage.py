"""Coverage of the Ombudsman's standard wording: every passage of WORDING.md is a clause or a
variant of the real library, and some outline reaches that clause with suitable facts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from letters.composition import REASONS
from letters.library import Library
from letters.outlines import can_be_true
from letters.search import normalised
from tests.conftest import ROOT

pytestmark = pytest.mark.golden

WORDING = ROOT.parent / "shared" / "decisions" / "WORDING.md"
TABLE = yaml.safe_load(
    (Path(__file__).parent / "wording_coverage.yaml").read_text(encoding="utf-8")
)
PASSAGES: list[dict[str, Any]] = TABLE["passages"]
SKIPPED: list[dict[str, Any]] = TABLE["skipped"]

needs_wording = pytest.mark.skipif(not WORDING.exists(), reason="../shared/decisions is not here")


@pytest.fixture(scope="module")
def library() -> Library:
    return Library.load()


def _static(text: str) -> str:
    """A clause's wording with each placeholder and tag as one mark, as the excerpts avoid them."""
    return normalised(re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ¶ ", text, flags=re.DOTALL))


def _reachable(library: Library) -> dict[str, bool]:
    """Each clause an outline places under a condition some facts make true, and the reason
    wordings those clauses take in (``reason.summary``, ``reasons.test``)."""
    reasons = sorted({c.id.split("/")[1] for c in library if c.id.startswith(REASONS)})
    placed: set[str] = set()
    for outline in library.outlines.values():
        placed |= {f"headings/{section}" for section, _, _ in outline.sections}
        for _, item in outline.items():
            if item.clause and (
                item.when is None or can_be_true(item.when, library.facts, reasons)
            ):
                placed.add(item.clause)
    placed |= {"letter/title", "letter/sign-off"}
    parts = {
        match
        for clause_id in placed
        if clause_id in library
        for variant in library[clause_id].variants
        for match in re.findall(r"\breasons?\.(\w+)", variant.text)
    }
    for clause in library:
        if clause.id.startswith(REASONS) and clause.id.rsplit("/", 1)[1] in parts:
            placed.add(clause.id)
    # The clauses that word each kind of record of a records fact a placed clause reads
    # (remedies/payment, remedies/summary/payment for facts.remedies).
    texts = " ".join(
        variant.text
        for clause_id in placed
        if clause_id in library
        for variant in library[clause_id].variants
    )
    for declaration in library.facts.values():
        if declaration.kind == "records" and f"facts.{declaration.name}" in texts:
            folder = declaration.worded_by or declaration.name
            kinds = {kind.name for kind in declaration.kinds}
            for clause in library:
                inside = clause.id.startswith(folder + "/")
                if inside and clause.id.rsplit("/", 1)[1] in kinds:
                    placed.add(clause.id)
    return {clause.id: clause.id in placed for clause in library}


@needs_wording
@pytest.mark.parametrize(
    "row", PASSAGES, ids=[f"{row['section']}:{row['clause']}" for row in PASSAGES]
)
def test_each_passage_is_a_clause_an_outline_reaches(library: Library, row: dict[str, Any]) -> None:
    excerpt = normalised(row["excerpt"])
    assert excerpt in normalised(WORDING.read_text(encoding="utf-8")), "not in WORDING.md"
    clause = library[row["clause"]]
    variant = clause.variant(row["variant"])
    assert excerpt in _static(variant.text), f"{clause.id} ({variant.name}) does not hold it"
    assert _reachable(library)[clause.id], f"no outline reaches {clause.id}"


@needs_wording
def test_every_passage_is_listed_or_set_aside_with_a_reason() -> None:
    text = normalised(WORDING.read_text(encoding="utf-8"))
    assert len(PASSAGES) >= 80
    for row in SKIPPED:
        assert row["why"] and normalised(row["passage"]) in text


def test_every_clause_of_the_library_is_reachable_from_an_outline(library: Library) -> None:
    unreachable = [clause_id for clause_id, reached in _reachable(library).items() if not reached]
    assert unreachable == [], (
        f"no outline places {', '.join(unreachable)}: a letter made from facts alone never "
        "uses it; place it in an outline (clauses/outlines/*.yaml) under the facts that call for it"
    )
