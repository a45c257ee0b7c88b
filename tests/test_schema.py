"""The JSON Schema of a case file: generated from the model, with a library what its engine
needs (its outlines' conditions translated, what wording prints), and the examples follow it."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest

import letters
from letters import model
from letters.library import Library
from letters.schema import NON_BLANK_PATTERN, REFUSALS, TEXT_PATTERN, case_schema
from tests.conftest import EXAMPLES


def _validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)  # the meta-schema of draft 2020-12
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    return _validator(case_schema())


@pytest.fixture(scope="module")
def live(live_library: Library) -> jsonschema.Draft202012Validator:
    """The schema of the live library: what `letters schema` prints and GET /schema answers."""
    return _validator(case_schema(live_library))


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_every_example_follows_the_schema(
    validator: jsonschema.Draft202012Validator, live: jsonschema.Draft202012Validator, path: Path
) -> None:
    case = json.loads(path.read_text())
    assert list(validator.iter_errors(case)) == []
    assert [error.message for error in live.iter_errors(case)] == []


def test_schema_refuses_what_the_loader_refuses(live: jsonschema.Draft202012Validator) -> None:
    case: dict[str, Any] = json.loads((EXAMPLES / "cpc-report-defamation.json").read_text())
    case["complainant"]["pronouns"] = "it"
    case["colour"] = "red"
    case["decision_date"] = "23 Mar 2025"
    messages = sorted(error.message for error in live.iter_errors(case))
    assert messages == [
        "'23 Mar 2025' is not valid under any of the given schemas",
        "'it' is not one of ['she', 'he', 'they']",
        "Additional properties are not allowed ('colour' was unexpected)",
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reference", "24\x07018"),  # a bell: XML cannot hold it
        ("reference", "24\ufffe018"),  # a noncharacter
        ("category", "\x1b[31mred"),
    ],
)
def test_text_holds_no_character_the_loader_refuses(
    live: jsonschema.Draft202012Validator, field: str, value: str
) -> None:
    case: dict[str, Any] = json.loads((EXAMPLES / "cpc-report-defamation.json").read_text())
    case[field] = value
    assert not live.is_valid(case)
    with pytest.raises(letters.CaseError, match=r"a letter cannot hold|noncharacter"):
        letters.parse_case(case)
    case[field] = "24\t018 \u2014 \u00e9"  # tab, dash, accent: text a letter holds
    assert live.is_valid(case)


def test_the_text_patterns_say_what_the_loader_refuses() -> None:
    import re

    from letters.loading import REFUSED

    for code in [*range(0x20), 0x7F, 0x85, 0xA0, 0xFDD0, 0xFDEF, 0xFFFE, 0xFFFF, 0x1F600]:
        text = f"a{chr(code)}b"
        assert (re.search(TEXT_PATTERN, text) is None) == bool(REFUSED.search(text)), hex(code)
    assert re.search(NON_BLANK_PATTERN, " \t\n ") is None
    assert re.search(NON_BLANK_PATTERN, " x ") is not None


def test_the_layouts_needs_are_required_and_not_blank(
    live: jsonschema.Draft202012Validator,
) -> None:
    case: dict[str, Any] = json.loads((EXAMPLES / "cpc-report-defamation.json").read_text())
    for broken in ({"complaint": {"about": "  "}}, {"complainant": None}, {"complaint": None}):
        assert not live.is_valid({**case, **broken}), broken
    del case["complainant"]
    assert not live.is_valid(case)


def test_clauses_variants_and_reasons_are_the_librarys(
    live: jsonschema.Draft202012Validator,
) -> None:
    case: dict[str, Any] = json.loads((EXAMPLES / "cpc-report-defamation.json").read_text())
    placed = {"clause": "assessment/negligence", "section": "assessment"}
    assert live.is_valid({**case, "add": [placed]})
    for wrong in (
        {"clause": "assessment/negligenc", "section": "assessment"},  # no such clause
        {**placed, "variant": "older"},  # no such variant of it
        {**placed, "params": {"document": "the file"}},  # a parameter it does not take
        {**placed, "section": "what-i-found"},  # a section the outline does not have
    ):
        assert not live.is_valid({**case, "add": [wrong]}), wrong
    assert not live.is_valid({**case, "reasons": ["nothing-significnt"]})
    assert not live.is_valid({**case, "text": {"what-i-found": ["x"]}})  # no place for it


def test_every_field_of_the_model_is_in_the_schema_with_a_description() -> None:
    schema = case_schema()
    classes = {"Case": schema, **schema["$defs"]}
    for cls in (
        model.Case,
        model.Person,
        model.Body,
        model.Complaint,
        model.ClauseUse,
        model.Reason,
        model.SectionPlan,
    ):
        properties = classes[cls.__name__]["properties"]
        assert list(properties) == [field.name for field in attrs.fields(cls)]
        assert all(properties[name].get("description") for name in properties), cls.__name__


def test_schema_is_draft_2020_12() -> None:
    assert case_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


# --- A small library, made for its conditions -----------------------------------------------

FACTS = """
urgent:
  kind: yes/no
  about: the complaint is urgent
route:
  kind: choice
  choices: [post, email]
  about: how the letter is sent
"""

OUTLINES = {
    "alpha": """
        title: Alpha
        when: "decision in ('Upheld', 'Not upheld') and not facts.urgent"
        sections:
          main:
            - text
            - clause: main/statement
              when: facts.route == 'post'
    """,
    "beta": """
        title: Beta
        when: "'late' in reasons or facts.route == 'email'"
        sections:
          other:
            - text
            - main/plain
    """,
}

UNTRANSLATED = """
    title: Gamma
    when: "people | length > 1"
    sections:
      main:
        - main/plain
"""

CLAUSES = {
    "headings/main": "Main",
    "headings/other": "Other",
    "main/statement": "The complaint is that {{ complaint.statement }}.",
    "main/plain": "We have considered the complaint.",
    "reasons/late/summary": "The complaint is late.",
}


def _small_library(tmp_path: Path, outlines: dict[str, str]) -> Library:
    for clause_id, wording in CLAUSES.items():
        path = tmp_path / f"{clause_id}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'---\ntitle: "{clause_id}"\n---\n{wording}\n')
    (tmp_path / "facts.yaml").write_text(FACTS)
    (tmp_path / "outlines").mkdir()
    for name, text in outlines.items():
        (tmp_path / "outlines" / f"{name}.yaml").write_text(textwrap.dedent(text).lstrip())
    return Library.load(tmp_path)


CASE: dict[str, Any] = {"complainant": {"name": "Mr X", "pronouns": "he"}}


def _renders(case: dict[str, Any], library: Library) -> bool:
    try:
        letters.compose(letters.parse_case(case), library)
    except letters.LettersError:
        return False
    return True


@pytest.mark.parametrize(
    ("case", "valid"),
    [
        ({"decision": "Upheld"}, True),  # alpha's condition
        ({"decision": "  Not upheld "}, True),  # the loader strips the white space
        ({"decision": "Upheld", "facts": {"urgent": True}}, False),  # neither's
        ({"decision": "Upheld", "facts": {"urgent": True}, "reasons": ["late"]}, True),  # beta's
        ({"facts": {"route": "email"}}, True),  # beta's
        ({"facts": {"route": "post"}}, False),  # neither's
        ({"facts": {"route": "post"}, "outline": "beta"}, True),  # named: no condition
        ({"sections": [{"section": "main", "paragraphs": ["x"]}]}, True),  # planned by hand
        # alpha's and beta's conditions: alpha plans it (the first by name), with its sections
        ({"decision": "Upheld", "reasons": ["late"], "text": {"main": ["x"]}}, True),
        ({"decision": "Upheld", "reasons": ["late"], "text": {"other": ["x"]}}, False),
        # alpha places main/statement where the route is post: then its wording needs one
        ({"decision": "Upheld", "facts": {"route": "post"}}, False),
        ({"decision": "Upheld", "facts": {"route": "post"}, "complaint": {"statement": "x"}}, True),
        ({"decision": "Upheld", "facts": {"route": "post"}, "drop": ["main/statement"]}, True),
        # a clause the case places itself: its wording's needs too
        ({"decision": "Upheld", "summary": {"clause": "main/statement"}}, False),
        ({"decision": "Upheld", "summary": {"clause": "main/plain"}}, True),
    ],
)
def test_an_outlines_condition_and_what_its_clauses_print_are_the_schemas(
    tmp_path: Path, case: dict[str, Any], valid: bool
) -> None:
    library = _small_library(tmp_path, OUTLINES)
    case = {**CASE, **case}
    assert _validator(case_schema(library)).is_valid(case) == valid
    assert _renders(case, library) == valid  # the schema says just what the engine does


def test_a_condition_the_schema_does_not_translate_is_taken_as_met_and_named(
    tmp_path: Path,
) -> None:
    library = _small_library(tmp_path, {**OUTLINES, "gamma": UNTRANSLATED})
    schema = case_schema(library)
    case = {**CASE, "facts": {"route": "post"}}  # neither alpha's condition nor beta's
    assert _validator(schema).is_valid(case)  # gamma's, taken as met
    assert not _renders(case, library)  # one person, not two
    assert "Conditions it takes as met: 'people | length > 1'." in schema["description"]
    assert any(
        refusal.says in "no outline's condition fits this case's facts" for refusal in REFUSALS
    )


def test_the_description_lists_the_refusals_the_schema_cannot_say(live_library: Library) -> None:
    description = case_schema(live_library)["description"]
    assert all(f'"{refusal.says}"' in description for refusal in REFUSALS)
