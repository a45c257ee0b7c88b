"""The letters command, run for real: exit codes, standard output and standard error."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from letters.cli import cli
from tests.conftest import EXAMPLES, FIXTURES, ROOT, letter_lines

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
    result = runner.invoke(cli, ["clauses", "list", "--json", "--clauses", str(FIXTURES)])
    clauses = {c["id"]: c for c in json.loads(result.stdout)}
    role = clauses["role/tests"]
    assert role["file"] == str(FIXTURES / "role" / "tests.txt")
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
    result = runner.invoke(cli, ["clauses", "show", "final/late", "--clauses", str(FIXTURES)])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "final/late: Final decision: the complaint is late with no reason it could not have come sooner",
        f"file: {FIXTURES / 'final' / 'late.txt'}",
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


ALL = sorted(str(path) for path in EXAMPLES.glob("*.json"))


def test_render_many_cases_into_a_folder(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["render", *ALL, "--out-dir", str(tmp_path / "out")])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == f"rendered {len(ALL)} of {len(ALL)} letters, 0 failed\n"
    assert len(list((tmp_path / "out").glob("*.docx"))) == len(ALL)


def test_render_batch_with_a_bad_case_reports_it_and_exits_1(
    runner: CliRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    result = runner.invoke(
        cli, ["render", ALL[0], str(bad), "--out-dir", str(tmp_path / "out"), "-j", "2"]
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{bad}: expected a JSON object, got a list",
        "rendered 1 of 2 letters, 1 failed",
    ]


def test_render_json_gives_results_on_standard_output(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"complainant": {"name": "Mrs X", "pronouns": "hers"}}')
    result = runner.invoke(
        cli, ["render", ALL[0], str(bad), "--out-dir", str(tmp_path), "--json", "-q"]
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["ok"], report["rendered"], report["failed"]) == (False, 1, 1)
    assert report["results"][0] == {
        "case": ALL[0],
        "ok": True,
        "output": str(tmp_path / f"{Path(ALL[0]).stem}.docx"),
        "errors": [],
    }
    assert report["results"][1]["errors"][0] == {
        "source": str(bad),
        "where": "complainant.pronouns",
        "message": "expected one of she, he, they",
        "severity": "error",
        "location": {"file": str(bad), "field": "complainant.pronouns"},
    }


def test_render_name_pattern_names_letters_from_case_fields(
    runner: CliRunner, tmp_path: Path
) -> None:
    case = str(EXAMPLES / "tameside-council-tax-valuation-tribunal.json")
    result = runner.invoke(
        cli,
        ["render", case, "--out-dir", str(tmp_path), "--name", "{reference} {complainant.name}"],
    )
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["24 010 629 Mr X.docx"]


def test_render_reads_a_case_from_standard_input(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["render", "-", "-o", "-"], input=Path(ALL[0]).read_text())
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes[:2] == b"PK"


def test_render_usage_errors_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    several = runner.invoke(cli, ["render", *ALL[:2], "-o", str(tmp_path / "x.docx")])
    assert several.exit_code == 2
    assert "one output file (-o) takes one case" in several.stderr
    both = runner.invoke(cli, ["render", ALL[0], "-o", "-", "--json"])
    assert both.exit_code == 2


def test_validate_checks_without_rendering(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["validate", *ALL])
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        *(f"valid: {case}" for case in ALL),
        f"{len(ALL)} of {len(ALL)} cases valid, 0 invalid",
    ]
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"complainant": {"name": "Mrs X", "pronouns": "her"}, "complaint": {"about": "x"}}'
    )
    result = runner.invoke(cli, ["validate", str(bad), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [error["where"] for error in report["results"][0]["errors"]] == ["complainant.pronouns"]


def test_schema_prints_the_json_schema(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["schema"])
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "complainant" in schema["required"]


def test_progress_bar_shows_on_a_terminal_only(tmp_path: Path) -> None:
    import os
    import pty

    command = [sys.executable, "-m", "letters", "render", *ALL, "--out-dir", str(tmp_path / "out")]
    leader, follower = pty.openpty()
    done = subprocess.run(command, stderr=follower, stdout=subprocess.DEVNULL, check=False)
    os.close(follower)
    terminal = os.read(leader, 65536).decode()
    os.close(leader)
    assert done.returncode == 0
    assert "rendered" in terminal and "[" in terminal and "%" in terminal
    piped = subprocess.run(command, capture_output=True, text=True, check=False)
    assert piped.stderr == f"rendered {len(ALL)} of {len(ALL)} letters, 0 failed\n"


@pytest.mark.parametrize(
    ("output_format", "start"), [("txt", "North Northamptonshire"), ("md", "**North")]
)
def test_render_as_text_or_markdown(runner: CliRunner, output_format: str, start: str) -> None:
    result = runner.invoke(cli, ["render", EXAMPLE, "--format", output_format, "-o", "-"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(start)


def test_render_batch_names_letters_for_their_format(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["render", *ALL[:2], "--out-dir", str(tmp_path), "--format", "md"])
    assert result.exit_code == 0, result.stderr
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".md", ".md"]


def test_pdf_without_libreoffice_says_what_to_install(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = runner.invoke(
        cli, ["render", EXAMPLE, "--format", "pdf", "-o", str(tmp_path / "x.pdf")]
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "--format pdf needs LibreOffice: run 'make libreoffice', or 'apt-get install "
        "libreoffice-writer-nogui fonts-liberation2 fonts-crosextra-carlito'\n"
    )
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_render_pdf_batch_in_parallel(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        cli, ["render", *ALL, "--out-dir", str(tmp_path), "--format", "pdf", "-j", "2"]
    )
    assert result.exit_code == 0, result.stderr
    assert all(path.read_bytes().startswith(b"%PDF") for path in tmp_path.iterdir())
    assert len(list(tmp_path.iterdir())) == len(ALL)


def test_templates_check_reports_and_exits(runner: CliRunner, tmp_path: Path) -> None:
    clean = runner.invoke(cli, ["templates", "check", "decision"])
    assert clean.exit_code == 0
    assert clean.stderr.endswith("decision.docx: 0 errors, 0 warnings\n")
    path = tmp_path / "bad.docx"
    document = docx.Document(str(ROOT / "templates" / "decision.docx"))
    document.add_paragraph("{{ letter.nope }}")
    document.save(str(path))
    bad = runner.invoke(cli, ["templates", "check", str(path)])
    assert bad.exit_code == 1
    assert f"{path}: word/document.xml: letter.nope: a letter has no 'nope'" in bad.stderr


def test_clauses_find_ignores_wrapping_quotes_and_case(runner: CliRunner) -> None:
    result = runner.invoke(
        cli, ["clauses", "find", "ONLY THE\n courts can", "--clauses", str(FIXTURES)]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("defamation/courts (default), ")
    assert result.stdout.rstrip().endswith(": Only the courts can do so.")
    curly = runner.invoke(
        cli, ["clauses", "find", "we call 'fault'", "--clauses", str(FIXTURES), "--json"]
    )
    assert {match["clause"] for match in json.loads(curly.stdout)} == {"role/tests"}


def test_clauses_find_with_a_case_searches_the_filled_wording(runner: CliRunner) -> None:
    result = runner.invoke(
        cli, ["clauses", "find", "Mrs X believes the report", "--case", EXAMPLE, "--json"]
    )
    assert result.exit_code == 0, result.stderr
    assert "data-protection/rectification" in {m["clause"] for m in json.loads(result.stdout)}
    none = runner.invoke(
        cli, ["clauses", "find", "no letter says this", "--clauses", str(FIXTURES)]
    )
    assert none.exit_code == 1
    assert none.stderr == "no clause holds 'no letter says this'\n"


def test_validate_says_each_valid_case_is_valid_unless_quiet(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["validate", EXAMPLE])
    assert result.stderr == f"valid: {EXAMPLE}\n"
    assert runner.invoke(cli, ["validate", EXAMPLE, "-q"]).stderr == ""


def test_render_json_lines_prints_a_result_per_case(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    result = runner.invoke(
        cli, ["render", EXAMPLE, str(bad), "--out-dir", str(tmp_path), "--json-lines", "-q"]
    )
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["case"], line["ok"]) for line in lines] == [(EXAMPLE, True), (str(bad), False)]
