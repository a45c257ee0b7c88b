"""Lint finds each fault of a clause library and of the case files using it, with file and line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

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
        f"{folder}/odd.txt: line 3: unknown key 'colour' (expected: id, title, params, variants)"
    ]


def case_file(tmp_path: Path, **changes: Any) -> Path:
    case = json.loads((EXAMPLES / "cpc-report-defamation.json").read_text())
    case.update(changes)
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case, indent=2, ensure_ascii=False))
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "clauses", tmp_path / "clauses")
    return tmp_path / "clauses"


def test_case_using_a_clause_that_does_not_exist_is_found(tmp_path: Path, project: Path) -> None:
    path = case_file(tmp_path, summary=[{"clause": "summary/wil-not-investigate"}])
    assert errors(lint(project, [path])) == [
        f"{path}: line 35: summary: no clause 'summary/wil-not-investigate' in {project}; "
        "did you mean 'summary/will-not-investigate'?"
    ]


def test_case_using_an_unknown_variant_or_parameter_is_found(tmp_path: Path, project: Path) -> None:
    path = case_file(
        tmp_path,
        summary=[
            {"clause": "summary/will-not-investigate", "variant": "those"},
            {"clause": "summary/because", "params": {"becuase": "x"}},
        ],
    )
    assert errors(lint(project, [path])) == [
        f"{path}: line 36: summary[0]: clause summary/will-not-investigate has no variant 'those' "
        "(it has: this, named, because, ombudsman)",
        f"{path}: line 40: summary[1]: clause summary/because takes no parameter 'becuase' (it takes: because); did you mean 'because'?",
    ]


def test_case_with_a_reason_the_library_lacks_is_found(tmp_path: Path, project: Path) -> None:
    path = case_file(tmp_path, reasons=["nothing-signficant"])
    found = errors(lint(project, [path]))
    assert found[0].startswith(
        f"{path}: line 21: reasons[0]: the case's reason 'nothing-signficant' is not in the library"
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
