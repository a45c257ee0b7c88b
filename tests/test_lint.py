"""Lint finds each fault of a clause library and of the case files using it, with file and line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from letters.cli import cli
from letters.linting import lint
from letters.problems import Problem, Severity
from tests.conftest import EXAMPLES, ROOT

GOOD = "---\ntitle: t\n---\nWording.\n"


def library(root: Path, **files: str) -> Path:
    """A library folder; keyword names use __ for / and _ for -."""
    for name, text in files.items():
        path = root / "clauses" / f"{name.replace('__', '/').replace('_', '-')}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "clauses"


def errors(findings: list[Problem]) -> list[str]:
    return [str(f) for f in findings if f.is_error]


def test_project_library_lints_clean_with_every_example() -> None:
    findings = lint(ROOT / "clauses", sorted(EXAMPLES.glob("*.json")))
    assert errors(findings) == []


def test_syntax_error_is_found_with_file_and_line(tmp_path: Path) -> None:
    folder = library(tmp_path, broken="---\ntitle: t\n---\nFine line.\n{% if complainant %}open\n")
    (found,) = errors(lint(folder))
    assert found.startswith(
        f"{folder}/broken.txt: line 5: template syntax: Unexpected end of template."
    )


def test_placeholder_neither_fact_nor_parameter_is_found(tmp_path: Path) -> None:
    folder = library(tmp_path, odd="---\ntitle: t\n---\nOne.\nTwo {{ compliant }}.\n")
    assert errors(lint(folder)) == [
        f"{folder}/odd.txt: line 5: {{{{ compliant }}}} is neither a fact of the case nor a parameter of the clause"
    ]


def test_unknown_field_of_a_fact_is_found(tmp_path: Path) -> None:
    folder = library(tmp_path, odd="---\ntitle: t\n---\n{{ complaint.wnats }}\n")
    assert errors(lint(folder)) == [
        f"{folder}/odd.txt: line 4: {{{{ complaint.wnats }}}}: complaint has no 'wnats' "
        "(it has: about, statement, wants)"
    ]


def test_parameter_declared_but_unused_is_found(tmp_path: Path) -> None:
    folder = library(
        tmp_path, odd="---\ntitle: t\nparams:\n  document:\n    about: the document\n---\nNo use.\n"
    )
    assert errors(lint(folder)) == [
        f"{folder}/odd.txt: line 4: parameter 'document' is declared but no wording uses it"
    ]


def test_duplicate_ids_are_found(tmp_path: Path) -> None:
    folder = library(tmp_path, a=GOOD, b="---\nid: a\ntitle: t\n---\nOther.\n")
    assert errors(lint(folder)) == [
        f"{folder}/b.txt: line 1: clause id 'a' is also used by {folder}/a.txt"
    ]


def test_broken_front_matter_is_found(tmp_path: Path) -> None:
    folder = library(tmp_path, odd="---\ntitle: t\ncolour: red\n---\nx\n")
    assert errors(lint(folder)) == [
        f"{folder}/odd.txt: line 3: unknown key 'colour' (expected: id, title, params, variants, chosen_by)"
    ]


FIXTURES = Path(__file__).resolve().parent / "fixtures" / "library"


def case_file(tmp_path: Path, **changes: Any) -> Path:
    """A case of the fixture library (tests/fixtures/library), with changes."""
    case: dict[str, Any] = {
        "complainant": {"name": "Ms A", "pronouns": "she"},
        "complaint": {"about": "about a parking fee"},
        "considered": ["Ms A"],
        "reasons": ["no-fault"],
    }
    case.update(changes)
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case, indent=2, ensure_ascii=False))
    return path


def line_in(path: Path, text: str) -> int:
    """The line of a file that first holds the text."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES, tmp_path / "clauses")
    return tmp_path / "clauses"


def test_case_using_a_clause_that_does_not_exist_is_found(tmp_path: Path, project: Path) -> None:
    path = case_file(tmp_path, summary=[{"clause": "summary/wil-not"}])
    assert errors(lint(project, [path])) == [
        f"{path}: line {line_in(path, 'summary')}: summary: no clause 'summary/wil-not' in "
        f"{project}; did you mean 'summary/will-not'?"
    ]


def test_case_using_an_unknown_variant_or_parameter_is_found(tmp_path: Path, project: Path) -> None:
    path = case_file(
        tmp_path,
        summary=[
            {"clause": "decision/no-refund", "variant": "those"},
            {"clause": "assessment/document", "params": {"documnet": "x"}},
        ],
    )
    first, second = line_in(path, "no-refund") - 1, line_in(path, "assessment/document") - 1
    assert errors(lint(project, [path])) == [  # at the line each clause use opens
        f"{path}: line {first}: summary[0]: clause decision/no-refund has "
        "no variant 'those' (it has: plain, sorry)",
        f"{path}: line {second}: summary[1]: clause "
        "assessment/document needs the parameter 'document' (the document complained about)",
        f"{path}: line {second}: summary[1]: clause "
        "assessment/document takes no parameter 'documnet' (it takes: document); did you mean "
        "'document'?",
    ]


def test_case_with_a_reason_the_library_lacks_is_found(tmp_path: Path, project: Path) -> None:
    path = case_file(tmp_path, reasons=["no-falt"])
    found = errors(lint(project, [path]))
    assert found[0].startswith(
        f"{path}: line {line_in(path, 'no-falt')}: reasons[0]: the case's reason 'no-falt' is "
        "not in the library"
    )


def test_clause_nothing_uses_is_a_notice(tmp_path: Path, project: Path) -> None:
    (project / "spare.txt").write_text(GOOD)
    path = case_file(tmp_path)
    findings = lint(project, [path])
    assert errors(findings) == []
    assert f"{project}/spare.txt: notice: no case file uses clause spare" in [
        str(f) for f in findings
    ]
    assert not any("uses clause summary/because" in str(f) for f in findings)


def test_a_clause_no_outline_places_is_a_notice(tmp_path: Path, project: Path) -> None:
    """A library editor learns that a new clause is in no outline: only a case file that names
    it would ever use it."""
    (project / "decision" / "spare.txt").write_text(GOOD)
    findings = [str(f) for f in lint(project)]
    assert (
        f"{project}/decision/spare.txt: notice: no outline places clause decision/spare: a "
        "letter made from facts alone never uses it (a case file can still name it); place it "
        "in an outline (outlines/*.yaml) under the facts that call for it"
    ) in findings
    # the clauses the fixture's outline places, their headings and the reasons' wordings
    # they take in are placed
    assert [f for f in findings if "no outline places" in f] == [
        f for f in findings if "no outline places clause decision/spare" in f
    ]


def test_a_clause_id_that_is_awkward_to_type_is_a_warning(tmp_path: Path) -> None:
    folder = library(tmp_path)
    folder.mkdir()
    (folder / "My Clause.txt").write_text(GOOD)
    (finding,) = lint(folder)
    assert finding.severity is Severity.WARNING
    assert (
        str(finding)
        == f"{folder}/My Clause.txt: warning: clause id 'My Clause' is not lower-case letters, digits, - _ . and /"
    )


# Lint on the fixture library (tests/fixtures/library) -------------------------------------

FIXTURE_LIBRARY = FIXTURES


def _fixture_case(tmp_path: Path, name: str = "case.json", **changes: object) -> Path:
    case: dict[str, object] = {
        "complainant": {"name": "Ms A", "pronouns": "she"},
        "complaint": {"about": "about a parking fee"},
        "considered": ["Ms A"],
    }
    case.update(changes)
    path = tmp_path / name
    path.write_text(json.dumps(case), encoding="utf-8")
    return path


def _fixture_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    shutil.copytree(FIXTURE_LIBRARY, folder)
    return folder


def test_two_items_placing_one_clause_for_one_case_are_a_warning(tmp_path: Path) -> None:
    folder = _fixture_copy(tmp_path)
    outline = folder / "outlines" / "fees.yaml"
    outline.write_text(
        outline.read_text(encoding="utf-8")
        + "    - clause: final/late\n      when: facts.refund\n",
        encoding="utf-8",
    )
    line = len(outline.read_text(encoding="utf-8").splitlines()) - 1
    warnings = [str(p) for p in lint(folder) if p.severity is Severity.WARNING]
    assert warnings == [
        f"{outline}: line {line}: warning: clause final/late is placed here and at line 43: a "
        "case can have both (when ('too-late' in reasons) and (facts.refund)), and its letter "
        "says it twice"
    ]


def test_two_items_placing_one_clause_under_exclusive_conditions_are_no_warning() -> None:
    # decision/no-refund and decision/refund sit in a group and its otherwise: never together
    assert [p for p in lint(FIXTURE_LIBRARY) if p.severity is Severity.WARNING] == []


def test_a_letter_that_says_a_clause_twice_is_a_warning(tmp_path: Path) -> None:
    path = _fixture_case(
        tmp_path,
        reasons=["no-fault", "too-late"],
        add=[{"section": "final", "clause": "final/late"}],
    )
    warnings = [str(p) for p in lint(FIXTURE_LIBRARY, [path]) if p.severity is Severity.WARNING]
    assert f"{path}: warning: the letter says clause final/late 2 times" in warnings


def test_two_summary_sentences_that_say_the_same_thing_are_a_warning(tmp_path: Path) -> None:
    path = _fixture_case(
        tmp_path,
        reasons=["no-fault"],
        text={"summary": ["This is because there is no sign of any fault."]},
    )
    warnings = [str(p) for p in lint(FIXTURE_LIBRARY, [path]) if p.severity is Severity.WARNING]
    assert warnings == [
        f"{path}: summary: warning: two sentences of the Summary say the same thing: 'This is "
        "because there is no sign of fault.' and 'This is because there is no sign of any fault.'"
    ]


def test_an_outline_rule_no_case_file_exercises_is_a_notice(tmp_path: Path) -> None:
    path = _fixture_case(tmp_path, facts={"refund": True})
    outline = FIXTURE_LIBRARY / "outlines" / "fees.yaml"
    notices = [str(p) for p in lint(FIXTURE_LIBRARY, [path]) if p.severity is Severity.NOTICE]
    rules = [n for n in notices if "exercises" in n]
    assert (
        f"{outline}: line 37: notice: no case file exercises this rule: clause decision/no-refund when not (facts.refund)"
        in rules
    )
    assert not any("decision/refund-timing" in n for n in rules)  # the case's refund placed it


def test_clauses_show_with_a_case_uses_the_outlines_variant_and_parameters(tmp_path: Path) -> None:
    path = _fixture_case(tmp_path, facts={"tone": "sorry"})
    result = CliRunner().invoke(
        cli,
        [
            "clauses",
            "show",
            "decision/no-refund",
            "--case",
            str(path),
            "--clauses",
            str(FIXTURE_LIBRARY),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "We are sorry, but we will not refund the fee.\n"
    chosen = CliRunner().invoke(
        cli,
        [
            "clauses",
            "show",
            "decision/no-refund",
            "--case",
            str(path),
            "--variant",
            "plain",
            "--clauses",
            str(FIXTURE_LIBRARY),
        ],
    )
    assert chosen.stdout == "We will not refund the fee.\n"


# What library editors tripped on (#30) ------------------------------------------------------


def warnings_of(findings: list[Problem]) -> list[str]:
    return [str(f) for f in findings if f.severity is Severity.WARNING]


def test_a_caseworker_paragraph_repeating_a_standard_sentence_is_a_warning(
    tmp_path: Path, project: Path
) -> None:
    # the clause's curly quote and single spaces; the caseworker's straight quote, two spaces
    path = case_file(
        tmp_path,
        facts={"checked": True},
        text={"assessment": ["We checked the Council's  records. It was all in order."]},
    )
    assert warnings_of(lint(project, [path])) == [
        f"{path}: line {line_in(path, 'all in order')}: text.assessment[0]: warning: this "
        "paragraph repeats the standard sentence 'We checked the Council’s records.' that "
        "clause assessment/checked already gives this letter"
    ]


def test_a_reason_ending_in_its_own_full_stop_is_an_error_at_the_reason(
    tmp_path: Path, project: Path
) -> None:
    reason = project / "reasons" / "no-fault" / "summary.txt"
    reason.write_text("---\ntitle: no fault\n---\nthere is no sign of fault.\n")
    path = case_file(tmp_path)  # its letter prints "no sign of fault..": said once, at the reason
    assert errors(lint(project, [path])) == [
        f"{reason}: line 4: this reason's wording ends in a full stop where clause "
        "summary/because adds its own: the letter prints '..'; leave this full stop out"
    ]


def test_a_value_ending_in_a_full_stop_the_wording_adds_again_is_an_error(
    tmp_path: Path, project: Path
) -> None:
    path = case_file(tmp_path, complaint={"about": "about a parking fee."})
    at = f"{path}: line {line_in(path, 'parking fee.')}: complaint.about"
    assert errors(lint(project, [path])) == [
        f"{at}: the letter prints '..' in 'Ms A complains about a parking fee..': the case's "
        "complaint.about ends in a full stop where the wording of clause complaint/about adds "
        "its own",
        f"{at}: the letter prints '..' in 'We will not investigate this complaint about a "
        "parking fee..': the case's complaint.about ends in a full stop where the wording of "
        "clause summary/will-not adds its own",
    ]


def test_two_full_stops_the_wording_writes_itself_are_no_error(
    tmp_path: Path, project: Path
) -> None:
    (project / "final" / "decision.txt").write_text(
        "---\ntitle: t\n---\nWe will not investigate because {{ reason.final }}..\n"
    )
    path = case_file(tmp_path)
    assert errors(lint(project, [path])) == []


def test_a_choice_list_gone_stale_against_the_clause_variants_is_a_warning(
    project: Path,
) -> None:
    facts = project / "facts.yaml"
    facts.write_text(
        facts.read_text().replace("  kind: choice\n", "  kind: choice\n  choices: [plain, sory]\n")
    )
    line = line_in(facts, "tone:")
    advice = "leave out 'choices': the variants of decision/no-refund are then its choices"
    assert warnings_of(lint(project)) == [
        f"{facts}: line {line}: warning: fact 'tone' does not list 'sorry', one of the variants "
        f"of decision/no-refund, so no case can choose it; {advice}",
        f"{facts}: line {line}: warning: fact 'tone' lists the choice 'sory', which is none of "
        f"the variants of decision/no-refund (plain, sorry); {advice}",
    ]


def test_a_choice_list_the_clause_variants_give_is_a_notice_that_it_can_go(
    project: Path,
) -> None:
    facts = project / "facts.yaml"
    facts.write_text(
        facts.read_text().replace("  kind: choice\n", "  kind: choice\n  choices: [plain, sorry]\n")
    )
    findings = lint(project)
    assert warnings_of(findings) == []
    assert (
        f"{facts}: line {line_in(facts, 'tone:')}: notice: fact 'tone' lists the variants of "
        "decision/no-refund by hand; leave out 'choices': the variants of decision/no-refund are "
        "then its choices, and stay up to date"
    ) in [str(f) for f in findings]


def test_a_letter_that_states_no_decision_is_a_warning(tmp_path: Path, project: Path) -> None:
    path = case_file(tmp_path, reasons=[])  # no reason: the outline places no final/ clause
    assert warnings_of(lint(project, [path])) == [
        f"{path}: warning: the letter states no decision: it has no clause from final/ and no "
        "caseworker text in text.decision or text.final"
    ]


def test_a_letter_whose_decision_is_the_caseworkers_text_states_one(
    tmp_path: Path, project: Path
) -> None:
    outline = project / "outlines" / "fees.yaml"
    outline.write_text(outline.read_text().replace("  final:\n", "  final:\n    - text\n"))
    path = case_file(tmp_path, reasons=[], text={"final": ["We will not investigate."]})
    assert warnings_of(lint(project, [path])) == []


def test_a_broken_outline_is_one_error_not_also_its_choice_facts(tmp_path: Path) -> None:
    library = tmp_path / "library"
    shutil.copytree(FIXTURES, library)
    with (library / "outlines" / "fees.yaml").open("a", encoding="utf-8") as outline:
        outline.write("sections: [\n")  # the outline that picks "tone" can no longer be read
    errors = [str(problem) for problem in lint(library, []) if problem.is_error]
    assert len(errors) == 1
    assert errors[0].startswith(f"{library / 'outlines' / 'fees.yaml'}: line ")
