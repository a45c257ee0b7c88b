"""Investigation decisions from facts: remedies as a declared list of records, amounts in
pounds, deadlines from the decision date, draft and final; on the fixture library
tests/fixtures/remedies."""

from __future__ import annotations

import copy
import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from letters.cli import cli
from letters.composition import Letter, compose
from letters.deadlines import Deadline, DeadlineError, add_working_days
from letters.facts import read_declarations
from letters.formats import plain_text
from letters.library import Library
from letters.loading import parse_case, read_facts
from letters.money import AmountError, Money, total
from letters.problems import LettersError
from letters.provenance import provenance_of

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "remedies"
LIBRARY = Library.load(FIXTURE)

UPHELD: dict[str, Any] = {
    "body": {"name": "Westshire Council"},
    "decision": "Upheld",
    "decision_date": "2025-04-10",
    "complainant": {"name": "Mrs X", "pronouns": "she"},
    "complaint": {"about": "about a delay"},
    "facts": {
        "remedies": [
            {"kind": "apology", "what": "the delay", "by": "one month"},
            {"kind": "payment", "amount": "£300", "acknowledging": ["distress"], "by": "one month"},
            {"kind": "payment", "amount": 150, "by": "one month"},
            {"kind": "review", "what": "its procedures", "by": "20 working days"},
        ]
    },
    "text": {"found": ["The Council delayed. This was fault."]},
}


def case(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(UPHELD)
    for name, value in changes.items():
        if name.startswith("facts_"):
            data["facts"][name.removeprefix("facts_")] = value
        else:
            data[name] = value
    return data


def composed(data: dict[str, Any]) -> Letter:
    return compose(parse_case(data, source="case.json"), LIBRARY, source="case.json")


def section(letter: Letter, name: str) -> list[str]:
    return next(
        [paragraph.text for paragraph in found.paragraphs]
        for found in letter.sections
        if found.id == name
    )


# Declaring a list of records ------------------------------------------------------------------


def test_records_fact_declares_its_kinds_fields_and_the_clauses_that_word_them() -> None:
    declarations, problems = read_declarations(FIXTURE / "facts.yaml")
    assert problems == []
    remedies = declarations["remedies"]
    assert remedies.kind == "records"
    assert remedies.worded_by == "remedies"
    assert [(kind.name, kind.needs) for kind in remedies.kinds] == [
        ("apology", ("what",)),
        ("payment", ("amount",)),
        ("review", ("what",)),
    ]
    assert [(field.name, field.kind) for field in remedies.fields] == [
        ("to", "text"),
        ("amount", "money"),
        ("acknowledging", "list"),
        ("what", "text"),
        ("by", "deadline"),
    ]


@pytest.mark.parametrize(
    ("declaration", "line", "message"),
    [
        (
            "r:\n  kind: records\n  about: x\n",
            1,
            "fact 'r' is a list of records: give its 'kinds', each with its 'about'",
        ),
        (
            "r:\n  kind: records\n  about: x\n  kinds:\n    a: {about: y}\n  fields:\n"
            "    n: {kind: number, about: z}\n",
            7,
            "fact 'r': field 'n': kind 'number' is not one of text, yes/no, date, choice, list, "
            "person, money, deadline",
        ),
        (
            "r:\n  kind: records\n  about: x\n  kinds:\n    a: {about: y, needs: [amount]}\n",
            5,
            "fact 'r': kind 'a': 'needs' must list fields it declares (none)",
        ),
        (
            "r:\n  kind: records\n  about: x\n  kinds:\n    a: {about: y}\n  fields:\n"
            "    kind: {kind: text, about: z}\n",
            7,
            "fact 'r': 'kind' is each record's kind already; name the field otherwise",
        ),
        (
            "r:\n  kind: records\n  about: x\n  kinds:\n    a: {}\n",
            5,
            "fact 'r': kind 'a' needs 'about': what it is",
        ),
    ],
)
def test_a_bad_records_declaration_is_reported_at_its_line(
    tmp_path: Path, declaration: str, line: int, message: str
) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text(declaration, encoding="utf-8")
    declarations, problems = read_declarations(path)
    assert "r" not in declarations
    assert [str(problem) for problem in problems] == [f"{path}: line {line}: {message}"]


# A case's remedies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remedy", "message"),
    [
        (
            {"kind": "refund", "by": "one month"},
            "facts.remedies[0].kind: expected one of apology, payment, review",
        ),
        (
            {"kind": "payment", "amount": "three hundred pounds", "by": "one month"},
            'facts.remedies[0].amount: expected an amount in pounds, such as 300, "£1,250" or '
            "\"£150 a month\", got 'three hundred pounds'",
        ),
        (
            {"kind": "payment", "by": "one month"},
            "facts.remedies[0].amount: missing: a record of kind 'payment' needs 'amount' "
            "(the amount in pounds)",
        ),
        (
            {"kind": "review", "what": "x", "by": "soon"},
            'facts.remedies[0].by: expected a period such as "one month", "three months" or '
            "\"20 working days\", or a date as YYYY-MM-DD, got 'soon'",
        ),
        (
            {"kind": "payment", "amount": 5, "acknowledging": ["boredom"], "by": "one month"},
            "facts.remedies[0].acknowledging[0]: expected one of distress, time and trouble",
        ),
        (
            {"kind": "apology", "what": "x", "by": "one month", "colour": "red"},
            "facts.remedies[0].colour: unknown field",
        ),
        ({"kind": "apology", "what": "x"}, "facts.remedies[0].by: missing"),
        (
            {"kind": "apology", "what": "the delay\x07", "by": "one month"},
            "facts.remedies[0].what: U+0007 at position 9 is a control character",
        ),
        ("an apology", "facts.remedies[0]: expected an object, got 'an apology'"),
    ],
)
def test_a_bad_remedy_names_its_field_and_what_was_expected(remedy: Any, message: str) -> None:
    with pytest.raises(LettersError) as raised:
        composed(case(facts_remedies=[remedy]))
    assert f"case.json: {message}" in str(raised.value)


def test_agreed_action_groups_remedies_by_deadline_as_numbered_paragraphs_with_lettered_items() -> (
    None
):
    letter = composed(case())
    assert section(letter, "agreed-action") == [
        "Within one month of my final decision, the Council has agreed to:\n"
        "a) apologise to Mrs X for the delay;\n"
        "b) pay Mrs X £300 for distress; and\n"
        "c) pay Mrs X £150.",
        "Within 20 working days of my final decision, the Council has agreed to:\n"
        "a) review its procedures.",
        "The payments come to £450.",
    ]
    # the caseworker's paragraph, the two groups, the total, the final decision: numbered on
    assert len(list(letter.paragraphs)) == 5
    assert letter.summary is not None
    assert letter.summary.text.endswith(
        "The Council has agreed to apologise, pay Mrs X £300, pay Mrs X £150 and review its "
        "procedures."
    )


def test_deadlines_order_by_when_they_fall() -> None:
    letter = composed(
        case(
            facts_remedies=[
                {"kind": "review", "what": "a", "by": "three months"},
                {"kind": "review", "what": "b", "by": "2025-04-30"},
                {"kind": "review", "what": "c", "by": "20 working days"},
            ]
        )
    )
    assert [text.split("\n")[0] for text in section(letter, "agreed-action")] == [
        "By 30 April 2025, the Council has agreed to:",
        "Within 20 working days of my final decision, the Council has agreed to:",
        "Within three months of my final decision, the Council has agreed to:",
    ]


def test_remedies_the_body_has_not_agreed_are_recommendations() -> None:
    letter = composed(case(facts_remedies_are="recommended"))
    assert [found.heading for found in letter.sections] == [
        "What I found",
        "Recommendations",
        "Final decision",
    ]
    assert section(letter, "recommendations")[0].startswith(
        "I recommend that, within one month of my final decision, the Council:\na) apologise"
    )


def test_draft_and_final_come_from_one_case_by_its_stage() -> None:
    final = composed(case())
    draft = composed(case(stage="draft", facts_comments_by="20 working days"))
    assert (final.title, draft.title) == ("The final decision", "The draft decision")
    assert section(final, "final") == ["I have found fault by the Council."]
    assert section(draft, "final") == ["I intend to find fault by the Council."]
    assert section(draft, "comments") == [
        "This is a draft decision. Please comment on it by 13 May 2025."
    ]
    assert "comments" not in [found.id for found in final.sections]
    # the remedies are the same in both; a draft's deadlines run from the final decision
    assert section(draft, "agreed-action") == section(final, "agreed-action")


def test_a_stage_other_than_draft_or_final_is_refused() -> None:
    with pytest.raises(LettersError) as raised:
        parse_case(case(stage="proposed"), source="case.json")
    assert "case.json: stage: expected one of draft, final" in str(raised.value)


def test_explain_says_how_each_date_and_amount_was_reckoned() -> None:
    record = provenance_of(composed(case()))
    reckonings = {(item["field"], item["value"]): item["how"] for item in record["reckonings"]}
    assert reckonings[("facts.remedies[3].by", "within 20 working days (13 May 2025)")] == (
        "13 May 2025: 20 working days after the date of the final decision, 10 April 2025, not "
        "counting Saturdays, Sundays and the bank holidays of England and Wales: Good Friday "
        "(18 April 2025), Easter Monday (21 April 2025), May Day (5 May 2025)"
    )
    assert reckonings[("facts.remedies[0].by", "within one month (10 May 2025)")].startswith(
        "10 May 2025: one month after the date of the final decision, 10 April 2025"
    )
    assert reckonings[("facts.remedies[1].amount", "£300")] == "as the case gives it: 300.00 pounds"
    assert reckonings[("facts.remedies", "£450 in total")] == (
        "£300 (facts.remedies[1].amount) + £150 (facts.remedies[2].amount)"
    )


def test_letters_explain_prints_the_dates_and_amounts(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case()), encoding="utf-8")
    result = CliRunner().invoke(cli, ["explain", str(path), "--clauses", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    tail = result.output[result.output.index("Dates and amounts:") :].splitlines()
    assert tail[1:3] == [
        "    case facts.remedies[0].by = within one month (10 May 2025)",
        "        10 May 2025: one month after the date of the final decision, 10 April 2025",
    ]
    assert "    case facts.remedies = £450 in total" in tail


def test_the_letter_as_text_sets_each_remedy_under_its_paragraph() -> None:
    text = plain_text(composed(case()))
    assert (
        "2. Within one month of my final decision, the Council has agreed to:\n"
        "   a) apologise to Mrs X for the delay;\n"
    ) in text


# Amounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        (300, "£300"),
        ("£1,250", "£1,250"),
        ("1250", "£1,250"),
        ("1250.5", "£1,250.50"),
        ("£0.10", "£0.10"),
        ("£150 a month", "£150 a month"),
        ("£25 per week", "£25 a week"),
        ("£1,000,000", "£1,000,000"),
    ],
)
def test_an_amount_is_shown_as_the_decisions_write_it(given: object, shown: str) -> None:
    assert str(Money.parse(given)) == shown


@pytest.mark.parametrize("given", ["£", "£1,25", "-5", "£300.123", True, 2.5, "£1,000,000,000"])
def test_what_is_not_an_amount_is_refused(given: object) -> None:
    with pytest.raises(AmountError):
        Money.parse(given)


def test_a_total_is_exact_in_pounds_and_pence() -> None:
    assert str(total([Money.parse("0.10"), Money.parse("0.20")])) == "£0.30"
    assert total([Money.parse("£150 a month"), Money.parse("£50 a month")]) == Money(
        Decimal("200.00"), "month"
    )


def test_amounts_paid_by_different_periods_are_not_totalled() -> None:
    with pytest.raises(AmountError, match="different periods: £150 a month, £300"):
        total([Money.parse("£150 a month"), Money.parse(300)])


@given(st.lists(st.integers(min_value=0, max_value=10**8), max_size=20))
def test_any_total_of_pence_is_their_exact_sum(pence: list[int]) -> None:
    amounts = [Money.parse(f"{p // 100}.{p % 100:02d}") for p in pence]
    assert total(amounts).amount == Decimal(sum(pence)) / 100


# Deadlines --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "start", "due"),
    [
        ("one month", date(2025, 1, 31), date(2025, 2, 28)),  # the calendar's month
        ("1 month", date(2024, 1, 31), date(2024, 2, 29)),
        ("three months", date(2025, 4, 10), date(2025, 7, 10)),
        ("six weeks", date(2025, 4, 10), date(2025, 5, 22)),
        ("14 days", date(2025, 4, 10), date(2025, 4, 24)),
        ("20 working days", date(2025, 4, 10), date(2025, 5, 13)),  # Easter and May Day
        ("5 working days", date(2025, 12, 19), date(2025, 12, 30)),  # Christmas, Boxing Day
        ("within 2 working days", date(2025, 8, 22), date(2025, 8, 27)),  # August bank holiday
        ("2025-06-30", date(2025, 4, 10), date(2025, 6, 30)),
    ],
)
def test_a_deadline_falls_on_its_date(given: str, start: date, due: date) -> None:
    assert Deadline.parse(given).due(start) == due


def test_working_days_skip_the_bank_holidays_of_england_and_wales() -> None:
    # 2026: New Year's Day is a Thursday; 2 January is a working day in England (not Scotland)
    assert add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 2)


@pytest.mark.parametrize(
    ("given", "period"),
    [
        ("one month", "one month"),
        ("3 months", "three months"),
        ("20 working days", "20 working days"),
        ("ten days", "ten days"),
        ("1 week", "one week"),
    ],
)
def test_a_period_is_written_as_the_decisions_write_it(given: str, period: str) -> None:
    assert Deadline.parse(given).period == period


@pytest.mark.parametrize("given", ["soon", "0 months", "one fortnight", "2025-02-30", ""])
def test_what_is_not_a_deadline_is_refused(given: str) -> None:
    with pytest.raises(DeadlineError):
        Deadline.parse(given)


def test_a_draft_has_no_date_yet_for_a_period_from_the_final_decision() -> None:
    deadline = Deadline.parse("one month")
    assert deadline.due(None) is None
    assert deadline.explain(None, "the final decision") == (
        "one month: no date yet (it runs from the final decision)"
    )


def test_a_list_fact_s_items_are_its_choices(tmp_path: Path) -> None:
    declarations, _ = read_declarations(FIXTURE / "facts.yaml")
    tags = attrs.evolve(declarations["remedies"].fields[2], name="tags")
    with pytest.raises(LettersError) as raised:
        read_facts({"tags": ("distress", "boredom")}, {"tags": tags})
    assert str(raised.value) == "facts.tags[1]: expected one of distress, time and trouble"
    assert read_facts({"tags": ("distress",)}, {"tags": tags}) == {"tags": ("distress",)}


def test_a_records_fact_that_declares_no_to_field_still_lists_its_actions(tmp_path: Path) -> None:
    """A record's ``to`` is a field only where the library declares it: without it, a remedy
    is for the complainant, and no clause ``remedies/to/<kind>`` is looked for."""
    folder = tmp_path / "library"
    shutil.copytree(FIXTURE, folder)
    facts = folder / "facts.yaml"
    text = facts.read_text(encoding="utf-8")
    facts.write_text(
        text.replace("    to:\n      kind: text\n      about: who the remedy is for\n", ""),
        encoding="utf-8",
    )
    library = Library.load(folder)
    assert not any(field.name == "to" for field in library.facts["remedies"].fields)
    letter = compose(parse_case(UPHELD, source="upheld.json"), library)
    assert {action.to for action in letter.actions} == {"Mrs X"}


# A fact's default, and a deadline that runs from a date the case gives ---------------------

DRAFT_FACTS = """
comments_by:
  kind: deadline
  default: 20 working days
  runs_from: draft_date
  about: when comments on a draft are due

draft_date:
  kind: date
  about: the date of the draft
"""


def _library_with(tmp_path: Path, declarations: str) -> Library:
    """The fixture library, its comments_by declared anew (``declarations``)."""
    folder = tmp_path / "library"
    shutil.copytree(FIXTURE, folder)
    facts = folder / "facts.yaml"
    text = facts.read_text(encoding="utf-8")
    start = text.index("comments_by:")
    facts.write_text(text[:start] + declarations.lstrip(), encoding="utf-8")
    return Library.load(folder)


def test_a_deadline_the_case_does_not_give_is_its_declared_default(tmp_path: Path) -> None:
    library = _library_with(tmp_path, DRAFT_FACTS.replace("  runs_from: draft_date\n", ""))
    draft = compose(parse_case(case(stage="draft"), source="case.json"), library)
    assert section(draft, "comments") == [
        "This is a draft decision. Please comment on it by 13 May 2025."
    ]
    assert [r.field for r in draft.reckonings if "comments" in r.field] == []  # not the case's


def test_a_deadline_runs_from_the_date_fact_it_names_where_the_case_gives_it(
    tmp_path: Path,
) -> None:
    library = _library_with(tmp_path, DRAFT_FACTS)
    dated = case(stage="draft", facts_draft_date="2025-03-06")
    letter = compose(parse_case(dated, source="case.json"), library)
    assert section(letter, "comments") == [
        "This is a draft decision. Please comment on it by 3 April 2025."
    ]
    undated = compose(parse_case(case(stage="draft"), source="case.json"), library)
    assert section(undated, "comments")[0].endswith("by 13 May 2025.")  # the decision date's
    given = case(stage="draft", facts_draft_date="2025-03-06", facts_comments_by="ten days")
    reckonings = compose(parse_case(given, source="case.json"), library).reckonings
    (comments,) = [r for r in reckonings if r.field == "facts.comments_by"]
    assert (comments.value, comments.how) == (
        "within ten days (16 March 2025)",
        "16 March 2025: ten days after the date of this letter, 6 March 2025",
    )


def test_a_default_no_date_can_hold_fails_only_a_letter_that_uses_it(tmp_path: Path) -> None:
    library = _library_with(tmp_path, DRAFT_FACTS)
    dated = [{"kind": "review", "what": "x", "by": "9999-12-31"}]
    final = case(decision_date="9999-12-31", facts_remedies=dated)
    assert section(compose(parse_case(final), library), "final") == [
        "I have found fault by the Council."
    ]
    with pytest.raises(LettersError) as raised:
        compose(parse_case({**final, "stage": "draft"}), library)
    assert "{{ facts.comments_by" in str(raised.value)


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        (
            "c:\n  kind: deadline\n  about: x\n  default: soon\n",
            'line 4: fact \'c\': default: expected a period such as "one month", "three '
            'months" or "20 working days", or a date as YYYY-MM-DD, got \'soon\'',
        ),
        (
            "c:\n  kind: choice\n  choices: [a, b]\n  about: x\n  default: c\n",
            "line 5: fact 'c': default: expected one of a, b, got 'c'",
        ),
        (
            "c:\n  kind: person\n  about: x\n  default: Mr X\n",
            "line 4: fact 'c': default: a fact of kind 'person' takes no default",
        ),
        (
            "c:\n  kind: records\n  about: x\n  kinds: {a: {about: y}}\n  default: []\n",
            "line 5: fact 'c': a list of records takes no 'default'",
        ),
        (
            "c:\n  kind: text\n  about: x\n  runs_from: d\n",
            "line 4: fact 'c': 'runs_from' is for a deadline (the date fact its period runs "
            "from), not a fact of kind 'text'",
        ),
        (
            "c:\n  kind: deadline\n  about: x\n  runs_from: d\nd:\n  kind: text\n  about: y\n",
            "line 4: fact 'c': 'runs_from' names 'd', which is no date fact of this library "
            "(its date facts: none)",
        ),
    ],
)
def test_a_bad_default_or_runs_from_is_reported_at_its_line(
    tmp_path: Path, declaration: str, message: str
) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text(declaration, encoding="utf-8")
    _, problems = read_declarations(path)
    assert [str(problem) for problem in problems] == [f"{path}: {message}"]


def test_a_default_is_read_as_its_kind_and_shown_in_the_schema(tmp_path: Path) -> None:
    library = _library_with(tmp_path, DRAFT_FACTS)
    comments = library.facts["comments_by"]
    assert comments.default == Deadline(20, "working day")
    assert comments.as_json()["default"] == "20 working days"
    assert comments.as_json()["runs_from"] == "draft_date"
