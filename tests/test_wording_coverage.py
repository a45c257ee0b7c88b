"""Coverage of the Ombudsman's standard wording: every passage of WORDING.md is a clause or a
variant of the real library, and some outline reaches that clause with suitable facts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from letters.library import Library
from letters.linting import placed_clauses
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


def _static(text: str) -> str:
    """A clause's wording with each placeholder and tag as one mark, as the excerpts avoid them."""
    return normalised(re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ¶ ", text, flags=re.DOTALL))


def _reachable(live_library: Library) -> dict[str, bool]:
    """Each clause, and whether a letter made from facts alone can use it (as lint tells)."""
    placed = placed_clauses(live_library)
    return {clause.id: clause.id in placed for clause in live_library}


@needs_wording
@pytest.mark.parametrize(
    "row", PASSAGES, ids=[f"{row['section']}:{row['clause']}" for row in PASSAGES]
)
def test_each_passage_is_a_clause_an_outline_reaches(
    live_library: Library, row: dict[str, Any]
) -> None:
    excerpt = normalised(row["excerpt"])
    assert excerpt in normalised(WORDING.read_text(encoding="utf-8")), "not in WORDING.md"
    clause = live_library[row["clause"]]
    variant = clause.variant(row["variant"])
    assert excerpt in _static(variant.text), f"{clause.id} ({variant.name}) does not hold it"
    assert _reachable(live_library)[clause.id], f"no outline reaches {clause.id}"


@needs_wording
def test_every_passage_is_listed_or_set_aside_with_a_reason() -> None:
    text = normalised(WORDING.read_text(encoding="utf-8"))
    assert len(PASSAGES) >= 80
    for row in SKIPPED:
        assert row["why"] and normalised(row["passage"]) in text


def test_every_clause_of_the_library_is_reachable_from_an_outline(live_library: Library) -> None:
    unreachable = [
        clause_id for clause_id, reached in _reachable(live_library).items() if not reached
    ]
    assert unreachable == [], (
        f"no outline places {', '.join(unreachable)}: a letter made from facts alone never "
        "uses it; place it in an outline (clauses/outlines/*.yaml) under the facts that call for it"
    )
