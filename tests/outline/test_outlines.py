"""Outlines and declared facts: a facts-only case planned by the library's rules, with no code
for a new kind of decision or a new organisation."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner

from letters.cli import cli
from letters.composition import compose
from letters.formats import plain_text
from letters.library import Library
from letters.linting import lint
from letters.loading import parse_case
from letters.outline import parse_outline
from letters.problems import LettersError
from letters.provenance import explain, provenance_of
from letters.schema import case_schema
from letters.word import template_context
from tests.conftest import ROOT, letter_lines

CLAUSES = {
    "headings/complaint.txt": "---\ntitle: h\n---\nThe complaint\n",
    "headings/decision.txt": "---\ntitle: h\n---\nMy decision\n",
    "letter/title.txt": "---\ntitle: t\nvariants:\n  final: {}\n  draft: {}\n---\n== final ==\nOur decision\n\n== draft ==\nDraft decision\n",
    "letter/sign-off.txt": "---\ntitle: s\n---\nThe complaints team\n",
    "complaint/about.txt": "---\ntitle: c\n---\n{{ complainant }} complains {{ complaint.about }}.\n",
    "complaint/wants.txt": "---\ntitle: w\n---\n{{ complainant }} wants {{ complaint.wants }}.\n",
    "decision/refund.txt": "---\ntitle: r\nparams:\n  amount:\n    about: how much\n    default: the fee\n---\nWe will refund {{ amount }}.\n",
    "decision/no-refund.txt": "---\ntitle: n\nvariants:\n  plain: {}\n  sorry: {}\n---\n== plain ==\nWe will not refund the fee.\n\n== sorry ==\nWe are sorry, but we will not refund the fee.\n",
    "decision/late.txt": "---\ntitle: l\n---\nYour complaint came late.\n",
}
FACTS = """\
refund:
  kind: yes/no
  about: whether we refund the fee
amount:
  kind: text
  about: the sum refunded
late:
  kind: yes/no
  about: the complaint came more than a year late
tone:
  kind: choice
  choices: [plain, sorry]
  about: how a refusal is worded
"""
OUTLINE = """\
title: A fee complaint
when: "complaint.about"
summary:
  - clause: decision/late
    when: facts.late
  - text
sections:
  complaint:
    - complaint/about
    - text
    - clause: complaint/wants
      when: complaint.wants
  decision:
    - clause: decision/refund
      when: facts.refund
    - clause: decision/no-refund
      when: "not facts.refund"
      variant: {fact: tone}
"""


def _library(root: Path, outline: str = OUTLINE, facts: str = FACTS) -> Path:
    for name, text in CLAUSES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "facts.yaml").write_text(facts, encoding="utf-8")
    (root / "outlines").mkdir(exist_ok=True)
    (root / "outlines" / "fees.yaml").write_text(outline, encoding="utf-8")
    return root


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library.load(_library(tmp_path / "clauses"))


def _case(**changes: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "complainant": {"name": "Ms A", "pronouns": "she"},
        "complaint": {"about": "about a parking fee"},
    }
    case.update(changes)
    return case


def _text(library: Library, **changes: Any) -> list[str]:
    letter = compose(parse_case(_case(**changes), source="case.json"), library, source="case.json")
    lines = [paragraph.text for paragraph in letter.paragraphs]
    return [letter.summary.text if letter.summary else "", *lines]


def test_the_outline_places_clauses_by_the_facts(library: Library) -> None:
    assert _text(library, facts={"refund": True, "amount": "£30"}) == [
        "",
        "Ms A complains about a parking fee.",
        "We will refund £30.",
    ]
    assert _text(library, facts={"tone": "sorry", "late": True}) == [
        "Your complaint came late.",
        "Ms A complains about a parking fee.",
        "We are sorry, but we will not refund the fee.",
    ]


def test_the_caseworkers_text_goes_where_the_outline_says(library: Library) -> None:
    lines = _text(
        library,
        text={"complaint": ["She paid twice.", "She wrote in May."], "summary": ["In short."]},
        complaint={"about": "about a fee", "wants": "a refund"},
    )
    assert lines == [
        "In short.",
        "Ms A complains about a fee.",
        "She paid twice.",
        "She wrote in May.",
        "Ms A wants a refund.",
        "We will not refund the fee.",
    ]


def test_a_case_can_drop_add_pick_wording_and_unnumber(library: Library) -> None:
    case = _case(
        drop=["complaint/about"],
        add=[{"section": "decision", "clause": "decision/late", "after": "decision/no-refund"}],
        wording={"decision/no-refund": "sorry", "letter/title": "draft"},
        numbered=False,
    )
    letter = compose(parse_case(case), library)
    assert [p.text for p in letter.paragraphs] == [
        "We are sorry, but we will not refund the fee.",
        "Your complaint came late.",
    ]
    assert [section.id for section in letter.sections] == ["decision"]  # an empty one goes
    assert letter.title == "Draft decision"
    assert not letter.numbered


def test_explicit_sections_replace_the_outlines_of_the_same_name(library: Library) -> None:
    case = _case(sections=[{"section": "decision", "paragraphs": ["We decided otherwise."]}])
    assert _text(library, **case)[-1] == "We decided otherwise."


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"facts": {"refnud": True}},
            "case.json: facts.refnud: the library declares no fact 'refnud' (it declares: amount, late, refund, tone); did you mean 'refund'?",
        ),
        (
            {"facts": {"refund": "yes"}},
            "case.json: facts.refund: expected true or false, got 'yes'",
        ),
        ({"facts": {"tone": "rude"}}, "case.json: facts.tone: expected one of plain, sorry"),
        (
            {"text": {"decision": ["x"]}},
            "case.json: text.decision: the outline 'fees' has no place for the caseworker's text in section 'decision' (sections with a place: complaint, summary)",
        ),
        (
            {"drop": ["decision/nothing"]},
            "case.json: drop[0]: the outline 'fees' places no clause 'decision/nothing' to leave out",
        ),
        (
            {"wording": {"decision/refund": "x"}},
            "case.json: wording.decision/refund: the letter uses no clause 'decision/refund' to choose the wording of",
        ),
        (
            {"outline": "fes"},
            "case.json: outline: no outline 'fes' (outlines: fees); did you mean 'fees'?",
        ),
        (
            {"complaint": {"about": ""}},
            "case.json: outline: no outline's condition fits this case's facts (outlines: fees); name one with \"outline\"",
        ),
    ],
)
def test_every_problem_of_a_facts_only_case_names_its_field(
    library: Library, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(LettersError) as raised:
        compose(parse_case(_case(**changes), source="case.json"), library, source="case.json")
    assert message in str(raised.value).splitlines()


def test_an_outline_may_need_a_fact(tmp_path: Path) -> None:
    library = Library.load(_library(tmp_path / "c", outline="needs: [refund]\n" + OUTLINE))
    with pytest.raises(
        LettersError, match=r"case.json: facts.refund: missing: the outline 'fees' needs this fact"
    ):
        compose(parse_case(_case(), source="case.json"), library, source="case.json")


def test_explain_names_the_outline_line_and_the_facts_that_placed_a_clause(
    library: Library,
) -> None:
    letter = compose(parse_case(_case(facts={"refund": True})), library)
    text = explain(provenance_of(letter))
    assert "placed by outline fees, " in text
    assert "fees.yaml line 14 when facts.refund (facts.refund = true)" in text


@pytest.mark.parametrize(
    ("outline", "message"),
    [
        ("title: t\ncolour: red\nsections: {a: [x]}\n", "o.yaml: line 2: unknown key 'colour'"),
        (
            "title: t\nsections:\n  a:\n    - clause: x\n      when: 'a and'\n",
            "o.yaml: line 5: the condition 'a and' is not an expression",
        ),
        ("title: t\nsections: &s {a: [x]}\nsummary: *s\n", "YAML anchors and aliases"),
        ("sections: {a: [x]}\n", "o.yaml: line 1: the outline needs a 'title'"),
    ],
)
def test_a_broken_outline_names_its_file_and_line(outline: str, message: str) -> None:
    with pytest.raises(LettersError) as raised:
        parse_outline(outline, name="o", path="o.yaml")
    assert message in str(raised.value)


def test_lint_finds_what_is_wrong_with_an_outline(tmp_path: Path) -> None:
    outline = OUTLINE + (
        "  extra:\n"
        "    - decision/refnud\n"
        "    - clause: decision/no-refund\n"
        "      variant: angry\n"
        "    - clause: decision/late\n"
        "      when: facts.urgent\n"
        "    - clause: decision/late\n"
        '      when: "facts.refund and not facts.refund"\n'
    )
    folder = _library(tmp_path / "c", outline=outline)
    found = [str(p) for p in lint(folder) if p.is_error]
    path = folder / "outlines" / "fees.yaml"
    assert found == [
        f"{path}: line 19: section 'extra' has no heading: the library has no clause headings/extra",
        f"{path}: line 20: no clause 'decision/refnud' in the library",
        f"{path}: line 21: clause decision/no-refund has no variant 'angry' (it has: plain, sorry)",
        f"{path}: line 24: facts.urgent in 'facts.urgent': the library declares no fact 'urgent'",
        f"{path}: line 26: the condition 'facts.refund and not facts.refund' can never be true",
    ]


def test_a_new_kind_of_decision_needs_no_code(tmp_path: Path) -> None:
    """A copy of the real library gains an outline, two clauses and a fact; a case uses it."""
    library = tmp_path / "clauses"
    shutil.copytree(ROOT / "clauses", library)
    (library / "facts.yaml").write_text(
        (library / "facts.yaml").read_text(encoding="utf-8")
        + "\nbody_still_considering:\n  kind: yes/no\n  about: the body has not finished its own complaint procedure\n",
        encoding="utf-8",
    )
    (library / "assessment" / "premature-wait.txt").write_text(
        "---\ntitle: premature\n---\n{{ complainant }} should wait for {{ body }} to finish.\n",
        encoding="utf-8",
    )
    (library / "final" / "premature.txt").write_text(
        "---\ntitle: premature final\n---\nThe complaint is premature.\n", encoding="utf-8"
    )
    (library / "outlines" / "premature.yaml").write_text(
        textwrap.dedent(
            """\
            title: Premature complaint
            when: "'premature' in reasons and facts.body_still_considering"
            sections:
              complaint:
                - text
              assessment:
                - clause: assessment/premature-wait
                  when: facts.body_still_considering
              final:
                - final/premature
            """
        ),
        encoding="utf-8",
    )
    case = tmp_path / "case.json"
    case.write_text(
        json.dumps(
            {
                "complainant": {"name": "Mr Q", "pronouns": "he"},
                "complaint": {"about": "about a planning decision"},
                "reasons": ["premature"],
                "facts": {"body_still_considering": True},
                "text": {"complaint": ["Mr Q complains about a planning decision."]},
            }
        )
    )
    target = tmp_path / "letter.docx"
    result = CliRunner().invoke(
        cli, ["render", str(case), "--clauses", str(library), "-o", str(target)]
    )
    assert result.exit_code == 0, result.stderr
    lines = letter_lines(target.read_bytes())
    assert "Mr Q should wait for the Council to finish." in lines
    assert "The complaint is premature." in lines
    lint_result = CliRunner().invoke(cli, ["clauses", "lint", str(library), "--case", str(case)])
    assert lint_result.exit_code == 0, lint_result.stderr


def test_another_organisation_writes_its_own_library_and_template(tmp_path: Path) -> None:
    """A council's complaints team: its own facts, clauses, outline and Word template."""
    library = _library(tmp_path / "clauses")
    template = tmp_path / "council.docx"
    document = docx.Document()
    document.add_paragraph("Borough Council complaints team")
    document.add_paragraph("{{ letter.title }}")
    document.add_paragraph("{%p for section in letter.sections %}")
    document.add_paragraph("{{ section.heading }}")
    document.add_paragraph("{%p for paragraph in section.paragraphs %}")
    document.add_paragraph("{{ paragraph }}")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{{ letter.sign_off }}")
    document.save(str(template))
    case = tmp_path / "fee.json"
    case.write_text(json.dumps(_case(facts={"refund": True, "amount": "£45"})))
    target = tmp_path / "fee.docx"
    result = CliRunner().invoke(
        cli,
        [
            "render",
            str(case),
            "--clauses",
            str(library),
            "--template",
            str(template),
            "-o",
            str(target),
        ],
    )
    assert result.exit_code == 0, result.stderr
    lines = [line for line in letter_lines(target.read_bytes()) if line.strip()]
    assert lines == [
        "Borough Council complaints team",
        "Our decision",
        "The complaint",
        "Ms A complains about a parking fee.",
        "My decision",
        "We will refund £45.",
        "The complaints team",
    ]


def test_the_letters_last_paragraph_keeps_with_the_sign_off(library: Library) -> None:
    letter = compose(parse_case(_case(complaint={"about": "x", "wants": "y"})), library)
    sections = template_context(letter)["letter"]["sections"]
    keeps = [p.keeps_with_next for section in sections for p in section["paragraphs"]]
    assert keeps == [False, False, True]


def test_a_letter_not_numbered_says_so_in_every_format(library: Library) -> None:
    letter = compose(parse_case(_case(numbered=False)), library)
    assert "\n1. " not in plain_text(letter)
    assert "\nMs A complains about a parking fee.\n" in plain_text(letter)


def test_cases_of_one_pattern_share_a_layout_and_keep_their_own_text(library: Library) -> None:
    first = _text(library, text={"complaint": ["She paid twice."]}, facts={"tone": "sorry"})
    second = _text(library, text={"complaint": ["He paid once."]}, facts={"tone": "plain"})
    third = _text(library, text={"complaint": ["A.", ["B", "C"]]}, facts={"refund": True})
    assert first[2] == "She paid twice."
    assert first[-1] == "We are sorry, but we will not refund the fee."
    assert second[2] == "He paid once."  # the same layout, this case's text and variant
    assert second[-1] == "We will not refund the fee."
    assert third[2:4] == ["A.", "B C"]
    assert third[-1] == "We will refund the fee."
    assert (
        len(library.outline("fees").memo["layouts"]) == 2
    )  # the first two cases' pattern, and the third's


def test_a_condition_that_fails_is_tested_alone_and_named(tmp_path: Path) -> None:
    outline = OUTLINE.replace('when: "not facts.refund"', 'when: "not facts.refund and 1 / 0"')
    library = Library.load(_library(tmp_path / "c", outline=outline))
    with pytest.raises(LettersError) as raised:
        compose(parse_case(_case()), library)
    assert "fees.yaml" in str(raised.value)
    assert "division by zero" in str(raised.value)


# The outline language on the fixture library (tests/fixtures/library) ----------------------

FIXTURE_LIBRARY = ROOT / "tests" / "fixtures" / "library"


@pytest.fixture(scope="module")
def fees() -> Library:
    return Library.load(FIXTURE_LIBRARY)


def _fees_case(**changes: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "complainant": {"name": "Ms A", "pronouns": "she"},
        "complaint": {"about": "about a parking fee"},
        "considered": ["Ms A"],
    }
    case.update(changes)
    return case


def _section(library: Library, section: str, **changes: Any) -> list[str]:
    letter = compose(parse_case(_fees_case(**changes), source="case.json"), library)
    found = [s for s in letter.sections if s.id == section]
    return [paragraph.text for paragraph in found[0].paragraphs] if found else []


def test_a_join_runs_a_clause_on_after_the_caseworkers_second_paragraph(fees: Library) -> None:
    assert _section(
        fees, "assessment", facts={"checked": True}, text={"assessment": ["One.", "Two.", "Three."]}
    ) == ["One.", "Two. We checked the Council’s records.", "Three."]


def test_a_join_runs_a_clause_in_before_the_caseworkers_last_paragraph(fees: Library) -> None:
    assert _section(
        fees,
        "assessment",
        facts={"checked": True, "in_short": True},
        text={"assessment": ["One.", "Two.", "Three.", "Four."]},
    ) == ["One.", "Two. We checked the Council’s records.", "Three.", "In short: Four."]


def test_a_join_whose_paragraph_the_case_lacks_loses_none_of_its_text(fees: Library) -> None:
    assert _section(fees, "assessment", facts={"checked": True}, text={"assessment": ["One."]}) == [
        "One.",
        "We checked the Council’s records.",
    ]


def test_a_group_places_its_items_when_its_condition_holds(fees: Library) -> None:
    assert _section(fees, "decision", facts={"refund": True}) == [
        "We will refund the fee.",
        "The refund follows within 28 days.",
    ]


def test_a_groups_otherwise_places_its_items_when_the_condition_fails(fees: Library) -> None:
    assert _section(fees, "decision", facts={"tone": "sorry"}) == [
        "We are sorry, but we will not refund the fee."
    ]
    assert _section(fees, "decision") == ["We will not refund the fee."]


def test_explain_names_a_grouped_items_line_and_its_shared_condition(fees: Library) -> None:
    letter = compose(parse_case(_fees_case(facts={"refund": True})), fees)
    (decision,) = [s for s in letter.sections if s.id == "decision"]
    chosen = decision.paragraphs[1].runs[0].origin.chosen
    assert chosen is not None
    outline = (FIXTURE_LIBRARY / "outlines" / "fees.yaml").read_text(encoding="utf-8")
    assert outline.splitlines()[chosen.line - 1].strip() == "- clause: decision/refund-timing"
    assert chosen.condition == "facts.refund"
    (otherwise,) = [
        s for s in compose(parse_case(_fees_case()), fees).sections if s.id == "decision"
    ]
    assert otherwise.paragraphs[0].runs[0].origin.chosen.condition == "not (facts.refund)"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            "    - group: [decision/refund]\n",
            "line 5: a group needs 'when': the condition its items share",
        ),
        (
            "    - when: facts.refund\n      otherwise: [decision/refund]\n",
            "line 5: 'otherwise' goes with 'group': the items for when the condition holds",
        ),
        (
            "    - join: [{text: 0}]\n",
            "line 5: 'text' takes the number of one of the caseworker's paragraphs (1 for the first) or 'last'",
        ),
    ],
)
def test_a_malformed_group_or_paragraph_number_is_an_error_at_its_line(
    item: str, message: str
) -> None:
    text = "title: t\nwhen: reasons\nsections:\n  decision:\n" + item
    with pytest.raises(LettersError) as raised:
        parse_outline(text, name="t", path="t.yaml")
    assert str(raised.value) == f"t.yaml: {message}"


def test_a_marker_places_a_clause_inside_the_caseworkers_paragraph(fees: Library) -> None:
    text = {"assessment": ["One.", "Two [[final/late]] and so on."]}
    assert _section(fees, "assessment", text=text) == [
        "One.",
        "Two The complaint is late. and so on.",
    ]


def test_a_marker_is_the_only_thing_read_from_the_caseworkers_text(fees: Library) -> None:
    text = {"assessment": ["{{ complainant }} [[ final/late ]] {% if x %} [[Not A Clause]]"]}
    assert _section(fees, "assessment", text=text) == [
        "{{ complainant }} The complaint is late. {% if x %} [[Not A Clause]]"
    ]


def test_a_clause_a_marker_places_is_not_placed_again_by_the_outline(fees: Library) -> None:
    text = {"assessment": ["One [[assessment/checked]]", "Two."]}
    assert _section(fees, "assessment", facts={"checked": True}, text=text) == [
        "One We checked the Council’s records.",
        "Two.",
    ]


def test_a_marker_takes_the_wording_the_outline_gives_its_clause(fees: Library) -> None:
    text = {"assessment": ["In the end: [[decision/no-refund]]"]}
    assert _section(fees, "assessment", facts={"tone": "sorry", "refund": True}, text=text) == [
        "In the end: We are sorry, but we will not refund the fee."
    ]


def test_a_marker_naming_no_clause_is_an_error_at_its_field(fees: Library) -> None:
    case = parse_case(_fees_case(text={"assessment": ["One.", "Two [[final/lat]]."]}))
    with pytest.raises(LettersError) as raised:
        compose(case, fees, source="case.json")
    assert str(raised.value).startswith("case.json: text.assessment[1]: no clause 'final/lat' in ")
    assert str(raised.value).endswith("; did you mean 'final/late'?")


def test_a_choice_fact_takes_its_choices_from_the_variants_of_its_clause(fees: Library) -> None:
    assert fees.facts["tone"].choices == ("plain", "sorry")
    tone = case_schema(fees)["properties"]["facts"]["properties"]["tone"]
    assert tone["enum"] == ["plain", "sorry"]
    assert tone["description"].endswith("(one of the variants of decision/no-refund)")
    with pytest.raises(LettersError) as raised:
        compose(parse_case(_fees_case(facts={"tone": "curt"}), source="case.json"), fees)
    assert "facts.tone: expected one of plain, sorry" in str(raised.value)


def test_a_new_variant_in_the_clause_file_is_a_new_choice(tmp_path: Path) -> None:
    folder = tmp_path / "library"
    shutil.copytree(FIXTURE_LIBRARY, folder)
    clause = folder / "decision" / "no-refund.txt"
    clause.write_text(
        clause.read_text(encoding="utf-8").replace("  sorry: {}\n", "  sorry: {}\n  curt: {}\n")
        + "\n== curt ==\nNo refund.\n",
        encoding="utf-8",
    )
    library = Library.load(folder)
    assert _section(library, "decision", facts={"tone": "curt"}) == ["No refund."]


def test_a_choice_fact_with_no_choices_and_no_clause_is_an_error_at_its_line(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "library"
    shutil.copytree(FIXTURE_LIBRARY, folder)
    facts = folder / "facts.yaml"
    facts.write_text(
        facts.read_text(encoding="utf-8") + "mood:\n  kind: choice\n  about: a mood\n",
        encoding="utf-8",
    )
    with pytest.raises(LettersError) as raised:
        Library.load(folder)
    line = facts.read_text(encoding="utf-8").splitlines().index("mood:") + 1
    assert str(raised.value) == (
        f"{facts}: line {line}: fact 'mood' is a choice: list its 'choices', or let an outline "
        "pick a clause's wording with it (variant: {fact: mood}), whose variants are then its "
        "choices"
    )


def test_lint_says_where_a_choice_fact_takes_its_choices_from() -> None:
    notices = [p.message for p in lint(FIXTURE_LIBRARY) if p.severity.name == "NOTICE"]
    assert "fact 'tone' is one of the variants of decision/no-refund: plain, sorry" in notices


# Facts, reasons and messages on the fixture library ---------------------------------------


def _problem(library: Library, **changes: Any) -> str:
    with pytest.raises(LettersError) as raised:
        compose(parse_case(_fees_case(**changes), source="case.json"), library, source="case.json")
    return str(raised.value)


def test_a_person_fact_fills_a_parameter_with_name_pronouns_and_possessive(
    fees: Library,
) -> None:
    facts = {"representative": {"name": "Mr Jones", "pronouns": "he"}}
    assert _section(fees, "complaint", facts=facts) == [
        "Ms A complains about a parking fee.",
        "Mr Jones complains for Ms A; he sent Mr Jones’s letter.",
    ]


def test_an_empty_placeholder_is_an_error_naming_the_case_field_and_the_clause(
    fees: Library,
) -> None:
    case = _fees_case()
    del case["considered"]
    with pytest.raises(LettersError) as raised:
        compose(parse_case(case, source="case.json"), fees, source="case.json")
    outline = FIXTURE_LIBRARY / "outlines" / "fees.yaml"
    clause = FIXTURE_LIBRARY / "considered" / "information.txt"
    assert str(raised.value) == (
        f"case.json: considered: {outline}: line 16: {clause}: line 4: clause "
        "considered/information: {{ considered }} is empty for this case (considered gives "
        "nothing), and a letter never holds a blank: give it, or leave the clause out with a "
        "condition in the outline"
    )


def test_an_empty_parameter_from_a_fact_names_the_fact(fees: Library) -> None:
    text = {"assessment": ["So: [[assessment/document]]"]}  # placed with no condition
    message = _problem(fees, facts={"document": " "}, text=text)
    assert "clause assessment/document: {{ document }} is empty for this case (facts.document" in (
        message
    )
    assert message.startswith("case.json: text.assessment[0]: ")  # where the clause is


def test_a_clause_the_outlines_condition_leaves_out_needs_no_value(fees: Library) -> None:
    assert _section(fees, "assessment") == []  # assessment/document: when facts.document


def test_validate_reports_an_empty_placeholder(tmp_path: Path) -> None:
    case = _fees_case()
    del case["considered"]
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["validate", str(path), "--clauses", str(FIXTURE_LIBRARY)], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert "{{ considered }} is empty for this case" in result.stderr


def test_a_secondary_reason_places_its_wording_where_the_outline_says(fees: Library) -> None:
    letter = compose(parse_case(_fees_case(reasons=["no-fault", "too-late"])), fees)
    assert letter.summary is not None
    assert letter.summary.text == (
        "We will not investigate this complaint about a parking fee. This is because there is "
        "no sign of fault."
    )
    sections = {s.id: [p.text for p in s.paragraphs] for s in letter.sections}
    assert sections["role"] == [
        "We do not investigate if we decide there is not enough evidence of fault."
    ]
    assert sections["final"] == [
        "We will not investigate because we found no sign of fault. The complaint is late."
    ]


def test_a_wording_no_reason_of_the_case_has_is_an_error(fees: Library) -> None:
    message = _problem(fees, reasons=["too-late"])
    assert "reason 'too-late' has no 'test' wording (no clause reasons/too-late/test; it has: " in (
        message
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"no_such": "x"},
            "case.json: reasons[0].params.no_such: reason 'tribunal-appeal' takes no parameter "
            "'no_such' (it takes: tribunal)",
        ),
        (
            {"tribunl": "x"},
            "case.json: reasons[0].params.tribunl: reason 'tribunal-appeal' takes no parameter "
            "'tribunl' (it takes: tribunal); did you mean 'tribunal'?",
        ),
    ],
)
def test_a_parameter_the_reason_does_not_take_is_an_error(
    fees: Library, params: dict[str, str], message: str
) -> None:
    reasons = [{"reason": "tribunal-appeal", "params": {"tribunal": "a Tribunal", **params}}]
    assert _problem(fees, reasons=reasons) == message


def test_a_reason_parameter_it_takes_fills_its_wording(fees: Library) -> None:
    reasons = [{"reason": "tribunal-appeal", "params": {"tribunal": "a Valuation Tribunal"}}]
    letter = compose(parse_case(_fees_case(reasons=reasons)), fees)
    assert letter.summary is not None
    assert letter.summary.text.endswith("This is because Ms A can appeal to a Valuation Tribunal.")


def _with_clause(tmp_path: Path, clause: str, text: str) -> Library:
    folder = tmp_path / "library"
    shutil.copytree(FIXTURE_LIBRARY, folder)
    (folder / f"{clause}.txt").write_text(text, encoding="utf-8")
    return Library.load(folder)


def test_a_declared_fact_the_clause_does_not_take_says_to_declare_the_parameter(
    tmp_path: Path,
) -> None:
    library = _with_clause(
        tmp_path, "complaint/on-behalf", "---\ntitle: t\n---\n{{ representative }} complains.\n"
    )
    message = _problem(library, facts={"representative": {"name": "Mr B", "pronouns": "he"}})
    assert message.endswith(
        "{{ representative }}: 'representative' is a fact the library declares, and a fact "
        "fills only a parameter of its name: declare 'representative' under the clause's "
        "'params', or write {{ facts.representative }}"
    )
    found = [str(p) for p in lint(tmp_path / "library") if p.is_error]
    assert any(line.endswith("or write {{ facts.representative }}") for line in found), found


def test_a_persons_word_asked_of_plain_text_says_to_use_the_filter(tmp_path: Path) -> None:
    library = _with_clause(
        tmp_path,
        "assessment/document",
        "---\ntitle: t\nparams:\n  document:\n    about: d\n---\nWe read {{ document.possessive }} end.\n",
    )
    assert _problem(library, facts={"document": "the report"}).endswith(
        "line 7: {{ document.possessive }}: document is text here, not a person, and text has no "
        "'possessive'; the filter works on any text: {{ document | possessive }}"
    )
