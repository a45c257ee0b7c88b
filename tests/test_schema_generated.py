"""A schema a client can trust: of the case files hypothesis-jsonschema makes from the live
library's JSON Schema, at least 90% render (composed, and written as plain text), and each that
does not is refused for a reason the schema says it cannot say (``letters.schema.REFUSALS``).

hypothesis-jsonschema reads drafts 4 to 7 and follows no reference that recurs, so the test
gives it the schema as draft 7 reads it: each ``$ref`` written out, a list within a list to two
levels. Canonicalising a ``not`` there merges it with the whole schema, which takes minutes for
this one; so it generates from the schema without the ``not``s that say what no case may do,
and keeps the cases the whole schema accepts (as it would have: a ``not`` is a filter to it).
Each case kept is checked against the schema itself, as it is served, with jsonschema.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings

import letters
from letters.formats import plain_text
from letters.library import Library
from letters.schema import REFUSALS, case_schema

EXAMPLES = 200
"""How many cases the schema accepts the test renders."""


def _as_draft_7(schema: Any, definitions: dict[str, Any], within: tuple[str, ...] = ()) -> Any:
    """The schema as hypothesis-jsonschema reads it: each ``$ref`` written out in place (one
    that recurs twice, as a list's own list does, allows nothing)."""
    if isinstance(schema, list):
        return [_as_draft_7(item, definitions, within) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        if within.count(name) >= 2:
            return {"not": {}}
        target = _as_draft_7(definitions[name], definitions, (*within, name))
        rest = {key: value for key, value in schema.items() if key not in ("$ref", "description")}
        return {"allOf": [target, _as_draft_7(rest, definitions, within)]} if rest else target
    kept = ("enum", "const", "required", "examples")  # values, not schemas
    return {
        key: value if key in kept else _as_draft_7(value, definitions, within)
        for key, value in schema.items()
    }


def _generated_from(schema: dict[str, Any]) -> dict[str, Any]:
    """What hypothesis-jsonschema generates from: the schema without the ``not``s of what no
    case may do (the root's and each way of planning's), as draft 7."""
    shape = {key: value for key, value in schema.items() if key not in ("not", "$defs")}
    shape["anyOf"] = [
        {key: value for key, value in way.items() if key != "not"} for way in schema["anyOf"]
    ]
    shape["$schema"] = "http://json-schema.org/draft-07/schema#"
    return _as_draft_7(shape, schema["$defs"])  # type: ignore[no-any-return]


def _build_strategies_once() -> None:
    """hypothesis-jsonschema makes the strategy of an object's property each time it draws
    one, canonicalising its schema again: for the schema's paragraphs, each a choice of some
    forty groups of clauses, that is seconds a case. A strategy is a value, made the same for
    the same schema: this keeps each one made, for the test's run."""
    from hypothesis_jsonschema import _from_schema  # noqa: PLC2701 (its own functions, kept)

    made: dict[str, Any] = {}
    merged, from_schema = _from_schema.merged_as_strategies, _from_schema.__dict__["__from_schema"]

    def key(kind: str, schema: Any, alphabet: Any, formats: Any) -> str:
        said = json.dumps(schema, sort_keys=True, default=repr)
        return f"{kind} {id(alphabet)} {sorted(formats or {})} {said}"

    def merged_once(schemas: Any, *, alphabet: Any, custom_formats: Any) -> Any:
        found = key("merged", schemas, alphabet, custom_formats)
        if found not in made:
            made[found] = merged(schemas, alphabet=alphabet, custom_formats=custom_formats)
        return made[found]

    def from_schema_once(schema: Any, *, alphabet: Any, custom_formats: Any) -> Any:
        found = key("schema", schema, alphabet, custom_formats)
        if found not in made:
            made[found] = from_schema(schema, alphabet=alphabet, custom_formats=custom_formats)
        return made[found]

    _from_schema.merged_as_strategies = merged_once
    _from_schema.__dict__["__from_schema"] = from_schema_once


@pytest.fixture(scope="module")
def outcomes(live_library: Library) -> Counter[str]:
    """The cases generated and accepted, by what became of each: "rendered", or the engine's
    message (the first of its problems)."""
    from hypothesis_jsonschema import from_schema

    schema = case_schema(live_library)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    _build_strategies_once()
    found: Counter[str] = Counter()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same cases each run
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(from_schema(_generated_from(schema)))
    def render(case: dict[str, Any]) -> None:
        assume(validator.is_valid(case))
        try:
            plain_text(letters.compose(letters.parse_case(case), live_library))
        except letters.LettersError as error:
            found[str(error.problems[0])] += 1
        else:
            found["rendered"] += 1

    render()
    return found


def test_the_cases_are_the_ones_asked_for(outcomes: Counter[str]) -> None:
    assert outcomes.total() == EXAMPLES


def test_nine_in_ten_cases_the_schema_accepts_render(outcomes: Counter[str]) -> None:
    refused = {message: count for message, count in outcomes.items() if message != "rendered"}
    assert outcomes["rendered"] >= 0.9 * outcomes.total(), refused


def test_a_case_refused_is_refused_for_a_reason_the_schema_says_it_cannot_say(
    outcomes: Counter[str],
) -> None:
    unsaid = [
        message
        for message in outcomes
        if message != "rendered" and not any(refusal.says in message for refusal in REFUSALS)
    ]
    assert unsaid == []


def test_the_refusals_are_in_the_engines_words() -> None:
    """Each refusal is a part of a message the engine writes, so that a refused case is matched
    to the refusal that says why."""
    sources = "\n".join(path.read_text() for path in Path(letters.__file__).parent.rglob("*.py"))
    for refusal in REFUSALS:
        assert sources.count(refusal.says) > 1, refusal.says  # in schema.py, and where said
