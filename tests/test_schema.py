"""The JSON Schema of a case file: generated from the model, and the examples follow it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest

from letters import model
from letters.library import Library
from letters.schema import case_schema
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = case_schema(Library.load())  # the examples' library: it needs a complainant
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_every_example_follows_the_schema(
    validator: jsonschema.Draft202012Validator, path: Path
) -> None:
    assert list(validator.iter_errors(json.loads(path.read_text()))) == []


def test_schema_refuses_what_the_loader_refuses(validator: jsonschema.Draft202012Validator) -> None:
    case: dict[str, Any] = json.loads((EXAMPLES / "cpc-report-defamation.json").read_text())
    case["complainant"]["pronouns"] = "it"
    case["colour"] = "red"
    case["decision_date"] = "23 Mar 2025"
    messages = sorted(error.message for error in validator.iter_errors(case))
    assert messages == [
        "'23 Mar 2025' is not valid under any of the given schemas",
        "'it' is not one of ['she', 'he', 'they']",
        "Additional properties are not allowed ('colour' was unexpected)",
    ]


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
