"""The letters command, run for real: exit codes, standard output and standard error."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from letters.cli import cli
from tests.conftest import EXAMPLES, ROOT, letter_lines

EXAMPLE = str(EXAMPLES / "cpc-report-defamation.json")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_render_writes_the_letter_where_asked(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "letter.docx"
    result = runner.invoke(cli, ["render", EXAMPLE, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == f"wrote {target}\n"
    assert "Final decision" in letter_lines(target.read_bytes())


def test_render_defaults_to_the_case_name_in_the_current_folder(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["render", EXAMPLE])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cpc-report-defamation.docx").stat().st_size > 0


def test_render_to_standard_output_writes_only_the_document(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["render", EXAMPLE, "-o", "-"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes[:2] == b"PK"
    assert result.stderr == ""


def test_bad_case_is_one_line_per_problem_exit_1_and_no_file(
    runner: CliRunner, tmp_path: Path
) -> None:
    case = tmp_path / "case.json"
    case.write_text(
        '{"complainant": {"name": "Mrs X", "pronouns": "it"}, "complaint": {"about": "x"}}'
    )
    target = tmp_path / "letter.docx"
    result = runner.invoke(cli, ["render", str(case), "-o", str(target)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{case}: complainant.pronouns: expected one of she, he, they",
        f"{case}: sections: missing (this field is required)",
    ]
    assert result.stdout == ""
    assert not target.exists()


def test_failed_render_keeps_the_earlier_letter(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "letter.docx"
    target.write_bytes(b"earlier letter")
    case = tmp_path / "case.json"
    case.write_text("{not json")
    result = runner.invoke(cli, ["render", str(case), "-o", str(target)])
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"{case}: line 1 column 2: not valid JSON: Expecting property name enclosed in double quotes\n"
    )
    assert target.read_bytes() == b"earlier letter"


def test_usage_error_exits_2(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["render"])
    assert result.exit_code == 2
    assert "Missing argument 'CASE.json...'" in result.stderr


def test_edited_clause_changes_the_next_letter(runner: CliRunner, tmp_path: Path) -> None:
    clauses = tmp_path / "clauses"
    shutil.copytree(ROOT / "clauses", clauses)
    sign_off = clauses / "letter" / "sign-off.txt"
    sign_off.write_text(sign_off.read_text().replace("Investigator's", "Assessor's"))
    result = runner.invoke(cli, ["render", EXAMPLE, "--clauses", str(clauses), "-o", "-"])
    assert result.exit_code == 0, result.stderr
    assert letter_lines(result.stdout_bytes)[-1] == "Assessor's decision on behalf of the Ombudsman"


def test_broken_clause_library_names_file_and_line(runner: CliRunner, tmp_path: Path) -> None:
    clauses = tmp_path / "clauses"
    shutil.copytree(ROOT / "clauses", clauses)
    (clauses / "letter" / "sign-off.txt").write_text("---\ntitle: s\n---\n{{ signer }\n")
    result = runner.invoke(cli, ["render", EXAMPLE, "--clauses", str(clauses), "-o", "-"])
    assert result.exit_code == 1
    assert result.stdout_bytes == b""
    assert result.stderr.startswith(
        f"{EXAMPLE}: sign-off: {clauses / 'letter' / 'sign-off.txt'}: line 4: template syntax:"
    )


def test_template_option_takes_a_path(runner: CliRunner, tmp_path: Path) -> None:
    template = tmp_path / "mine.docx"
    shutil.copy(ROOT / "templates" / "decision.docx", template)
    result = runner.invoke(cli, ["render", EXAMPLE, "--template", str(template), "-o", "-"])
    assert result.exit_code == 0, result.stderr


def test_python_dash_m_runs_the_same_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "letters", "render", EXAMPLE, "-o", "-"],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout[:2] == b"PK"
    assert done.stderr == b""


def test_clauses_list_shows_id_title_and_parameters(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["clauses", "list"])
    assert result.exit_code == 0
    line = next(
        x for x in result.stdout.splitlines() if x.startswith("assessment/dissenting-views ")
    )
    assert line.split(None, 1)[1] == (
        "Assessment: a record of the complainant's dissenting views is the most we would seek"
        "  [document, recorded_in]"
    )


def test_clauses_list_json_is_for_scripts(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["clauses", "list", "--json"])
    clauses = {c["id"]: c for c in json.loads(result.stdout)}
    role = clauses["role/tests"]
    assert role["file"] == "clauses/role/tests.txt" or role["file"].endswith(
        "/clauses/role/tests.txt"
    )
    assert [v["name"] for v in role["variants"]] == [
        "2023",
        "2023-effect",
        "2023-bullets",
        "2023-colon",
        "2021-22",
    ]
    assert role["variants"][4]["until"] == "2022-12-31"
    assert clauses["defamation/courts"]["params"] == [
        {
            "name": "document",
            "about": "the document said to be defamatory, as the letter names it",
            "default": "the report",
        }
    ]


def test_clauses_show_prints_the_wording(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["clauses", "show", "final/late"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "final/late: Final decision: the complaint is late with no reason it could not have come sooner",
        "file: clauses/final/late.txt",
        "",
        "This complaint is late and we have seen no reason why {{ complainant.they }} could not have come",
        "to us much sooner.",
    ]


def test_clauses_show_renders_for_a_case_with_variant_and_param(runner: CliRunner) -> None:
    result = runner.invoke(
        cli,
        [
            "clauses",
            "show",
            "data-protection/rectification",
            "--case",
            str(EXAMPLES / "case-records-misrepresented.json"),
            "--param",
            "document=the case notes",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(
        "If Mr X believes the case notes contains false information about him, he may wish to pursue his right"
    )


def test_clauses_show_bulleted_tests_for_a_case(runner: CliRunner) -> None:
    case = str(EXAMPLES / "stratford-asb-no-evidence-of-fault.json")
    result = runner.invoke(
        cli, ["clauses", "show", "role/tests", "--case", case, "--variant", "2023-bullets"]
    )
    assert result.stdout.splitlines()[1:] == [
        "• there is not enough evidence of fault to justify investigating, or",
        "• any fault has not caused injustice to the person who complained.",
        "(Local Government Act 1974, section 24A(6), as amended, section 34(B))",
    ]


def test_clauses_show_unknown_clause_is_an_error(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["clauses", "show", "final/lat"])
    assert result.exit_code == 1
    assert "no clause 'final/lat'" in result.stderr and "did you mean 'final/late'" in result.stderr


def test_clauses_lint_passes_on_the_project_library(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["clauses", "lint", "--no-warnings"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("0 errors, ")


def test_clauses_lint_fails_on_a_broken_library(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "clauses"
    folder.mkdir()
    (folder / "odd.txt").write_text("---\ntitle: t\n---\n{{ complaint.wnats }}\n")
    result = runner.invoke(cli, ["clauses", "lint", str(folder)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{folder}/odd.txt: line 4: {{{{ complaint.wnats }}}}: complaint has no 'wnats' (it has: about, statement, wants)",
        "1 errors, 0 warnings",
    ]
