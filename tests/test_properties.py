"""For any text in any field a letter shows: the letter reads back with that text, or the case
is refused with the documented error naming the field.

What loading does to text is documented: a carriage return is a line break, white space around
a fact is dropped, and characters a letter cannot hold (control characters, lone surrogates,
noncharacters) are refused with the field named.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from letters.composition import compose
from letters.grammar import possessive
from letters.library import Library
from letters.loading import REFUSED, parse_case
from letters.problems import LettersError
from letters.word import WordTemplate, find_template
from tests.conftest import EXAMPLES

LIBRARY = Library.load()
TEMPLATE = WordTemplate(find_template(None))
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)
REFUSAL = re.compile(r"U\+[0-9A-F]{4,5} at position \d+ is .+; remove it")


def base(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def put(data: dict[str, Any], path: str, value: object) -> None:
    target: Any = data
    steps = [int(step) if step.isdigit() else step for step in path.split(".")]
    for step in steps[:-1]:
        target = target.setdefault(step, {}) if isinstance(step, str) else target[step]
    target[steps[-1]] = value


def shown(text: str) -> str:
    """The text as the letter holds it: loading's documented changes made."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


# field path in the case file, example it is set in, and how to find it in the letter's paragraphs
FIELDS: list[tuple[str, str, Callable[[str], str]]] = [
    (
        "complainant.name",
        "tameside-council-tax-valuation-tribunal",
        lambda t: f"We will not investigate {possessive(t)} complaint",
    ),
    ("body.name", "tameside-council-tax-valuation-tribunal", lambda t: f"{t} (24 010 629)"),
    (
        "body.called",
        "case-records-misrepresented",
        lambda t: f"is unhappy with {possessive(t)} response",
    ),
    ("reference", "tameside-council-tax-valuation-tribunal", lambda t: f"({t})"),
    ("category", "tameside-council-tax-valuation-tribunal", lambda t: f"Category : {t}"),
    ("decision", "tameside-council-tax-valuation-tribunal", lambda t: f"Decision : {t}"),
    (
        "complaint.about",
        "tameside-council-tax-valuation-tribunal",
        lambda t: f"this complaint {t} because",
    ),
    (
        "complaint.statement",
        "tameside-council-tax-valuation-tribunal",
        lambda t: f"complains that {t}.",
    ),
    ("complaint.wants", "case-records-misrepresented", lambda t: f"Mr X wants {t}."),
    (
        "considered.0",
        "tameside-council-tax-valuation-tribunal",
        lambda t: f"provided by {t} and the Council.",
    ),
    ("text.assessment.0", "tameside-council-tax-valuation-tribunal", lambda t: t),
    (
        "facts.tribunal",
        "tameside-council-tax-valuation-tribunal",
        lambda t: f"could appeal to {t}.",
    ),
    ("text.assessment.1", "tameside-council-tax-valuation-tribunal", lambda t: t),
]


@pytest.mark.parametrize(
    ("path", "example", "expected"), FIELDS, ids=[field[0] for field in FIELDS]
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ANY_TEXT)
def test_any_text_reads_back_or_is_refused_naming_the_field(
    path: str, example: str, expected: Callable[[str], str], text: str
) -> None:
    data = base(example)
    put(data, path, text)
    if text.strip() and REFUSED.search(text.replace("\r", "")):
        with pytest.raises(LettersError) as refused:
            parse_case(data, source="case.json")
        field = path.replace(".0.", "[0].").replace(".1.", "[1].").replace(".3.", "[3].")
        field = re.sub(r"\.(\d+)$", r"[\1]", field)
        assert str(refused.value).startswith(f"case.json: {field}: ")
        assert REFUSAL.search(str(refused.value))
        return
    if REFUSED.search(text) or not shown(text):
        return  # nothing to read back: an empty fact is no fact, and the template leaves it out
    document = docx.Document(io.BytesIO(TEMPLATE.render(compose(parse_case(data), LIBRARY))))
    paragraphs = [p.text for p in document.paragraphs]
    wanted = expected(shown(text))
    assert any(wanted in paragraph for paragraph in paragraphs), (wanted, paragraphs)
