"""A second organisation in the repository: organisations/housing, a housing complaints
service's reports, made with ``letters init`` and public commands only.

Its own ``ci.sh`` is what proves its library renders each example word for word (it compares
each report with its reference text); these tests run that script as its CI would, in a copy of
the folder (a fresh checkout of it: no ``out/``), and check what its reports must hold that the
Ombudsman's letters do not: no sign-off, and the table of findings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from letters.composition import compose
from letters.library import Library
from letters.loading import load_case
from tests.conftest import ROOT, W, document_xml, letter_lines

HOUSING = ROOT / "organisations" / "housing"
LETTERS = Path(sys.executable).parent / "letters"
EXAMPLES = sorted(path.stem for path in (HOUSING / "examples").glob("*.json"))


def run_ci(folder: Path) -> subprocess.CompletedProcess[str]:
    """The organisation's ci.sh, run in its folder with the project's letters named by
    ``LETTERS`` and no letters on PATH, as a CI job with only that variable set would."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LETTERS")}
    environment |= {"LETTERS": str(LETTERS), "PYTHON": sys.executable, "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        ["sh", "ci.sh"], cwd=folder, env=environment, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def ci_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """ci.sh run in a copy of the organisation's folder as a fresh checkout has it (no out/):
    the copy, with the reports it rendered in out/, and how the script ended."""
    folder = tmp_path_factory.mktemp("clone") / "housing"
    shutil.copytree(HOUSING, folder, ignore=shutil.ignore_patterns("out"))
    return folder, run_ci(folder)


def test_the_housing_organisations_ci_passes_from_its_own_folder(
    ci_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    _, run = ci_run
    assert run.returncode == 0, run.stdout + run.stderr
    assert EXAMPLES, "organisations/housing/examples holds no case file"
    for name in EXAMPLES:
        assert f"out/{name}.docx: matches references/{name}.txt" in run.stdout


def test_the_housing_ci_fails_when_a_report_differs_from_its_reference(tmp_path: Path) -> None:
    folder = tmp_path / "housing"
    shutil.copytree(HOUSING, folder, ignore=shutil.ignore_patterns("out"))
    reference = folder / "references" / f"{EXAMPLES[0]}.txt"
    lines = reference.read_text(encoding="utf-8").splitlines()
    reference.write_text("\n".join([*lines, "A line no report has."]) + "\n", encoding="utf-8")
    run = run_ci(folder)
    assert run.returncode == 1
    assert "-A line no report has." in run.stdout
    assert "ci: a report differs from its reference" in run.stderr


@pytest.mark.parametrize("name", EXAMPLES)
def test_a_housing_report_has_no_sign_off(
    name: str, ci_run: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    folder, _ = ci_run
    letter = compose(
        load_case(HOUSING / "examples" / f"{name}.json"), Library.load(HOUSING / "clauses")
    )
    assert letter.sign_off.text == ""
    assert not (HOUSING / "clauses" / "letter" / "sign-off.txt").exists()
    styles = {
        style.get(W + "val")
        for style in document_xml((folder / "out" / f"{name}.docx").read_bytes()).iter(W + "pStyle")
    }
    assert not {style for style in styles if style and "sign" in style.lower()}


@pytest.mark.parametrize("name", EXAMPLES)
def test_a_housing_report_holds_a_table_row_for_each_finding(
    name: str, ci_run: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    folder, _ = ci_run
    docx = (folder / "out" / f"{name}.docx").read_bytes()
    tables = list(document_xml(docx).iter(W + "tbl"))
    assert len(tables) == 1
    rows = [
        ["".join(text.text or "" for text in cell.iter(W + "t")) for cell in row.iter(W + "tc")]
        for row in tables[0].iter(W + "tr")
    ]
    findings = json.loads((HOUSING / "examples" / f"{name}.json").read_text())["facts"]["findings"]
    expected = [
        [
            finding["issue"][0].upper() + finding["issue"][1:],
            finding["kind"].replace("-", " ").capitalize(),
        ]
        for finding in findings
    ]
    assert rows == [["What we looked at", "Our finding"], *expected]
    lines = [line.strip() for line in letter_lines(docx)]
    assert lines.index("What we found") < lines.index("What we looked at")
