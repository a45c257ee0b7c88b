"""Composition is pure: these tests build cases and libraries in memory, no files."""

from __future__ import annotations

import json
import re
from datetime import date

import attrs
import pytest

from letters.composition import Letter, compose
from letters.library import Library
from letters.model import Case, ClauseUse, Complaint, Person, Pronouns, Reason, SectionPlan
from letters.outline.format import parse_layout
from letters.problems import LettersError
from tests.conftest import EXAMPLES, library_of

SMALL = library_of(
    headings__assessment="---\ntitle: h\n---\nMy assessment\n",
    headings__final="---\ntitle: h\n---\nFinal decision\n",
    letter__sign_off="---\ntitle: s\n---\nInvestigator's decision on behalf of the Ombudsman\n",
    letter__title="---\ntitle: t\n---\nThe Ombudsman's final decision\n",
    rectification="""\
        ---
        title: Right to rectification
        params:
          document:
            about: the record in dispute
            default: the report
        ---
        If {{ complainant }} believes {{ document }} contains false information about
        {{ complainant.them }}, {{ complainant.they }} may wish to pursue {{ complainant.their }}
        right to rectification.
        """,
    final__will_not="---\ntitle: f\n---\nWe will not investigate {{ complainant.possessive }} complaint because {{ reason.final }}.\n",
    reasons__late__final="---\ntitle: r\n---\nit is late\n",
    two_paragraphs="---\ntitle: t\n---\nFirst paragraph.\n\nSecond paragraph.\n",
    summary="---\ntitle: s\n---\nWe will not investigate this complaint {{ complaint.about }}.\n",
)


def case(*paragraphs: tuple[str | ClauseUse, ...], **changes: object) -> Case:
    base = Case(
        complainant=Person("Mrs X", Pronouns.SHE),
        complaint=Complaint(about="about a report"),
        sections=(SectionPlan("assessment", paragraphs),),
        reasons=(Reason("late"),),
    )
    return attrs.evolve(base, **changes)  # type: ignore[arg-type]


def texts(letter: Letter) -> list[str]:
    return [paragraph.text for paragraph in letter.paragraphs]


@pytest.mark.parametrize(
    ("pronouns", "name", "expected"),
    [
        (
            Pronouns.SHE,
            "Mrs X",
            "If Mrs X believes the report contains false information about her, she may wish to "
            "pursue her right to rectification.",
        ),
        (
            Pronouns.HE,
            "Mr X",
            "If Mr X believes the report contains false information about him, he may wish to "
            "pursue his right to rectification.",
        ),
        (
            Pronouns.THEY,
            "Mx X",
            "If Mx X believes the report contains false information about them, they may wish to "
            "pursue their right to rectification.",
        ),
    ],
)
def test_clause_inflects_for_the_complainant(pronouns: Pronouns, name: str, expected: str) -> None:
    letter = compose(case((ClauseUse("rectification"),), complainant=Person(name, pronouns)), SMALL)
    assert texts(letter) == [expected]


def test_parameters_of_a_clause_use_replace_defaults() -> None:
    use = ClauseUse("rectification", params={"document": "the case notes"})
    assert "believes the case notes contains" in texts(compose(case((use,)), SMALL))[0]


def test_a_paragraph_joins_own_text_and_clauses() -> None:
    letter = compose(case(("Mrs X is unhappy.", ClauseUse("final/will-not"))), SMALL)
    assert texts(letter) == [
        "Mrs X is unhappy. We will not investigate Mrs X’s complaint because it is late."
    ]


def test_a_clause_of_two_paragraphs_makes_two_numbered_paragraphs() -> None:
    letter = compose(case(("Before.", ClauseUse("two-paragraphs")), ("After.",)), SMALL)
    assert texts(letter) == ["Before. First paragraph.", "Second paragraph.", "After."]


def test_headings_and_sign_off_come_from_the_library() -> None:
    letter = compose(case(("Text.",)), SMALL)
    assert [section.heading for section in letter.sections] == ["My assessment"]
    assert letter.sign_off.text == "Investigator's decision on behalf of the Ombudsman"


def test_every_run_records_its_origin() -> None:
    letter = compose(case(("Own words.", ClauseUse("final/will-not"))), SMALL)
    own, standard = next(letter.paragraphs).runs
    assert own.origin.field == "sections[0].paragraphs[0][0]"
    assert own.origin.clause is None
    assert standard.origin.clause == "final/will-not"
    assert standard.origin.variant == "default"
    assert standard.origin.file == "final/will-not.txt"
    assert standard.origin.line == 4


def test_optional_facts_left_out_leave_no_trace() -> None:
    letter = compose(case(("Text.",)), SMALL)
    assert (letter.body_name, letter.reference, letter.category, letter.decision_date) == (
        None,
        None,
        None,
        None,
    )
    assert letter.summary is None


def test_header_facts_are_formatted_for_the_letter() -> None:
    letter = compose(case(("Text.",), decision_date=date(2025, 3, 23)), SMALL)
    assert letter.decision_date == "23 Mar 2025"


def test_summary_is_composed_like_any_paragraph() -> None:
    letter = compose(case(("Text.",), summary=(ClauseUse("summary"),)), SMALL)
    assert letter.summary is not None
    assert letter.summary.text == "We will not investigate this complaint about a report."


def test_every_problem_names_the_case_field_and_clause_file() -> None:
    bad = case(
        (ClauseUse("rectification", params={"documnet": "x"}),),
        (ClauseUse("no-such-clause"),),
        (ClauseUse("final/will-not"),),
        reasons=(Reason("unheard-of"),),
    )
    with pytest.raises(LettersError) as raised:
        compose(bad, SMALL)
    assert str(raised.value).splitlines() == [
        "sections[0].paragraphs[0]: clause rectification takes no parameter 'documnet' (it takes: document); did you mean 'document'?",
        "sections[0].paragraphs[1]: no clause 'no-such-clause'",
        "sections[0].paragraphs[2]: reasons[0]: the case's reason 'unheard-of' is not in the library (reasons: late)",
    ]


def test_a_fact_the_case_leaves_out_is_an_error_not_a_blank() -> None:
    library = library_of(
        headings__assessment="---\ntitle: h\n---\nMy assessment\n",
        letter__sign_off="---\ntitle: s\n---\nSigned\n",
        letter__title="---\ntitle: t\n---\nDecision\n",
        wants="---\ntitle: w\n---\n{{ complainant }} wants {{ complaint.wants }}.\n",
    )
    with pytest.raises(LettersError) as raised:
        compose(case((ClauseUse("wants"),)), library)
    assert str(raised.value) == (
        "sections[0].paragraphs[0]: wants.txt: line 4: {{ complaint.wants }}: this case does not give it"
    )


def test_examples_hold_none_of_the_standard_wording(live_library: Library) -> None:
    """Standard sentences come from the library: no example repeats a clause's own wording.

    A reason's wordings are phrases, not sentences; a caseworker's own sentence may contain one.
    """
    sentences = set()
    for each in live_library:
        if each.id.startswith("reasons/"):
            continue
        for variant in each.variants:
            literal = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "\0", variant.text.replace("\n", " "))
            for piece in re.split(r"[.\0]", literal):
                if len(piece.split()) >= 6:
                    sentences.add(" ".join(piece.split()))
    for path in EXAMPLES.glob("*.json"):
        text = " ".join(json.dumps(json.loads(path.read_text()), ensure_ascii=False).split())
        found = [sentence for sentence in sentences if sentence in text]
        assert not found, f"{path.name} repeats standard wording: {found}"


def test_wording_joined_before_compiling_reads_as_reflowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The speed-up that joins wrapped lines before compiling changes no letter."""
    from letters.loading import load_case

    cases = [load_case(path) for path in sorted(EXAMPLES.glob("*.json"))]
    fast = [[p.text for p in compose(case, Library.load()).paragraphs] for case in cases]
    monkeypatch.setattr(
        Library, "_joined", lambda self, clause, variant: self.template(clause, variant)
    )
    plain = [[p.text for p in compose(case, Library.load()).paragraphs] for case in cases]
    assert fast == plain


def _laid_out(layout: str, **clauses: str) -> Library:
    """A library in memory with a layout.yaml of its own."""
    built = library_of(**clauses)
    laid = parse_layout(layout, path="layout.yaml")
    return Library({clause.id: clause for clause in built}, layout=laid, terms=dict(laid.terms))


def test_a_library_that_needs_no_complainant_composes_a_case_that_names_none() -> None:
    library = _laid_out(
        "heading:\n  - letter/title\n",
        letter__title="---\ntitle: t\n---\nReport\n",
        headings__assessment="---\ntitle: h\n---\nWhat we found\n",
        findings="---\ntitle: f\n---\nWe looked at the repairs.\n",
    )
    letter = compose(
        Case(sections=(SectionPlan("assessment", ((ClauseUse("findings"),),)),)), library
    )
    assert letter.title == "Report"
    assert texts(letter) == ["We looked at the repairs."]
    assert (letter.complainant, letter.about) == ("", "")


def test_a_case_without_what_the_library_needs_is_refused_by_field_alone() -> None:
    library = _laid_out(
        "needs:\n  - complainant\n  - complaint.about\n",
        summary="---\ntitle: s\n---\n{{ complainant }} complains {{ complaint.about }}.\n",
        headings__s="---\ntitle: h\n---\nS\n",
    )
    with pytest.raises(LettersError) as raised:
        compose(Case(sections=(SectionPlan("s", ((ClauseUse("summary"),),)),)), library)
    assert str(raised.value).splitlines() == [
        "complainant: missing: every case of this library gives it (layout.yaml, line 2: "
        "needs complainant)",
        "complaint.about: missing: every case of this library gives it (layout.yaml, line 3: "
        "needs complaint.about)",
    ]


def test_wording_that_names_a_complainant_the_case_does_not_give_says_so() -> None:
    library = _laid_out(
        "{}\n",
        summary="---\ntitle: s\n---\nWe wrote to {{ complainant }}.\n",
        headings__s="---\ntitle: h\n---\nS\n",
    )
    with pytest.raises(LettersError, match="this case names no complainant"):
        compose(Case(sections=(SectionPlan("s", ((ClauseUse("summary"),),)),)), library)
