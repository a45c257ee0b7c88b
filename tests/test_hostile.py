"""Hostile and broken case files: each gets its exact error, or appears in the letter as written.

The corpus is tests/hostile/: each NAME.json has a NAME.expected whose first line says which:
"error" and the lines printed on standard error (CASE stands for the case file), or "literal"
and lines the rendered letter must show exactly. A failed render keeps the earlier letter.

A message naming a line of a clause file of the live library (``clauses/...txt: line 28:
{{ complaint.statement }}``) is expected with ``line N``: the test checks that the line named
holds the placeholder quoted (a field layout.yaml ``needs``: ``line N: needs complainant``,
that its line names the field), so that an edit to the library that moves the wording (a comment
line, a new variant) does not break the test; ``REASONS`` stands for the live library's list
of reasons and ``VARIANTS(role/tribunal)`` for a clause's variants, so that a new reason
folder or variant does not either.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from letters.cli import cli
from letters.composition import reason_names
from letters.library import Library
from tests.conftest import EXAMPLES, ROOT, letter_lines

pytestmark = pytest.mark.golden

HOSTILE = Path(__file__).resolve().parent / "hostile"
CORPUS = sorted(HOSTILE.glob("*.json"))


@pytest.fixture(autouse=True)
def in_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # messages name the library as clauses/


LIVE_LINE = re.compile(r"(clauses/[^:]+\.txt): line (\d+): (\{\{.+?\}\})")
LIVE_NEED = re.compile(r"(clauses/layout\.yaml), line (\d+): needs ([\w.]+)")


def with_live_lines_checked(message: str) -> str:
    """The message with each line number of a live clause file checked and written ``N``."""

    root = Path(Library.load().root or "clauses")

    def checked(found: re.Match[str]) -> str:
        path, number, placeholder = found.groups()
        lines = (root / path.removeprefix("clauses/")).read_text(encoding="utf-8").splitlines()
        assert placeholder in lines[int(number) - 1], f"{path}: line {number} has no {placeholder}"
        return f"{path}: line N: {placeholder}"

    def needed(found: re.Match[str]) -> str:
        path, number, field = found.groups()
        lines = (root / path.removeprefix("clauses/")).read_text(encoding="utf-8").splitlines()
        assert field in lines[int(number) - 1], f"{path}: line {number} does not need {field}"
        return f"{path}, line N: needs {field}"

    return LIVE_NEED.sub(needed, LIVE_LINE.sub(checked, message))


def as_in_project(line: str) -> str:
    """A message as it names the project's own library (``clauses``), whichever copy of it is
    in use (``LETTERS_CLAUSES``: tests/test_library_edits.py runs this on an edited copy)."""
    root = Library.load().root or "clauses"
    return line if root == "clauses" else line.replace(root, "clauses")


VARIANTS = re.compile(r"VARIANTS\(([^)]+)\)")


def live(line: str) -> str:
    """An expected line with ``REASONS`` standing for the live library's reasons, and
    ``VARIANTS(clause)`` for a live clause's variants: an editor who adds a reason folder or a
    variant changes no expected message."""
    library = Library.load()
    line = line.replace("REASONS", ", ".join(reason_names(library)))
    return VARIANTS.sub(lambda m: ", ".join(v.name for v in library[m.group(1)].variants), line)


@pytest.mark.parametrize("case", CORPUS, ids=lambda path: path.stem)
def test_hostile_case_gets_its_exact_error_or_literal_text(case: Path, tmp_path: Path) -> None:
    kind, *expected = case.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    target = tmp_path / "letter.docx"
    target.write_bytes(b"an earlier letter")
    result = CliRunner().invoke(cli, ["render", str(case), "-o", str(target)])
    if kind == "error":
        assert result.exit_code == 1, result.output
        printed = [
            with_live_lines_checked(as_in_project(line)) for line in result.stderr.splitlines()
        ]
        assert printed == [live(line).replace("CASE", str(case)) for line in expected]
        assert "Traceback" not in result.output
        assert target.read_bytes() == b"an earlier letter"
        assert [p.name for p in tmp_path.iterdir()] == ["letter.docx"]
    else:
        assert kind == "literal"
        assert result.exit_code == 0, result.stderr
        lines = letter_lines(target.read_bytes())
        for line in expected:
            assert line in lines, line


def test_corpus_covers_errors_and_literal_text() -> None:
    kinds = [p.with_suffix(".expected").read_text().split("\n", 1)[0] for p in CORPUS]
    assert kinds.count("error") >= 15 and kinds.count("literal") >= 6


def test_a_megabyte_narrative_renders(tmp_path: Path) -> None:
    data = json.loads((EXAMPLES / "tameside-council-tax-valuation-tribunal.json").read_text())
    narrative = ("The Council wrote again about the premium. " * 24000)[:1_000_000]
    data["text"]["assessment"][0] = narrative
    case = tmp_path / "big.json"
    case.write_text(json.dumps(data))
    result = CliRunner().invoke(cli, ["render", str(case), "-o", str(tmp_path / "big.docx")])
    assert result.exit_code == 0, result.stderr
    assert narrative.strip() in letter_lines((tmp_path / "big.docx").read_bytes())


def test_a_batch_with_bad_cases_renders_the_rest(tmp_path: Path) -> None:
    cases = [str(p) for p in sorted(EXAMPLES.glob("*.json"))] + [
        str(HOSTILE / "wrong-type.json"),
        str(HOSTILE / "malformed-json.json"),
    ]
    result = CliRunner().invoke(cli, ["render", *cases, "--out-dir", str(tmp_path / "out")])
    assert result.exit_code == 1
    good = len(cases) - 2
    assert result.stderr.splitlines()[-1] == f"rendered {good} of {len(cases)} letters, 2 failed"
    assert len(list((tmp_path / "out").iterdir())) == good


def test_an_output_folder_that_cannot_be_made_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(
        cli,
        ["render", str(EXAMPLES / "cpc-report-defamation.json"), "--out-dir", str(blocker / "out")],
    )
    assert result.exit_code == 1
    assert result.stderr == f"{blocker / 'out'}: cannot make the folder (Not a directory)\n"


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--debug", "render", str(HOSTILE / "wrong-type.json"), "-o", str(tmp_path / "x.docx")]
    )
    assert result.exit_code == 1
    assert "Traceback" in result.stderr
