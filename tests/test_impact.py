"""The impact of a clause edit: exactly the letters that use the clause, word by word."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from letters.cli import cli
from letters.composition import compose
from letters.impact import impact_of, word_diff
from letters.library import Library
from letters.loading import load_case
from letters.provenance import provenance_of
from tests.conftest import EXAMPLES, ROOT

ALL = sorted(str(path) for path in EXAMPLES.glob("*.json"))


def users(live_library: Library, clause_id: str) -> list[str]:
    """The examples whose letters take wording from the clause, by their provenance."""
    found = []
    for case in ALL:
        record = provenance_of(compose(load_case(case), live_library))
        origins = [
            o for part in record["parts"] for run in part["runs"] for o in [run, *run["includes"]]
        ]
        if any(origin.get("clause") == clause_id for origin in origins):
            found.append(case)
    return found


@pytest.fixture
def edited(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "clauses", tmp_path / "clauses")
    return tmp_path / "clauses"


@pytest.mark.parametrize(
    ("clause", "old", "new"),
    [
        ("defamation/courts", "Only the courts", "Only a court"),
        ("reasons/different-outcome/test", "different outcome", "another outcome"),
        ("considered/assessment-code", "Assessment Code.", "Assessment Code (2024)."),
        ("headings/final", "Final decision", "Decision"),
    ],
)
def test_an_edit_is_reported_for_exactly_the_letters_that_use_the_clause(
    live_library: Library, edited: Path, clause: str, old: str, new: str
) -> None:
    path = edited / f"{clause}.txt"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    changed = [
        result.case
        for result in impact_of(ALL, Library.load(edited), live_library)
        if result.is_changed
    ]
    assert changed == users(live_library, clause)
    assert changed


def test_word_diff_shows_removed_and_added_words() -> None:
    assert (
        word_diff("only the courts can", "only a court can")
        == "only [-the courts-] {+a court+} can"
    )


def test_impact_command_exits_1_on_change_and_0_without(edited: Path) -> None:
    runner = CliRunner()
    same = runner.invoke(
        cli, ["impact", *ALL, "--clauses", str(edited), "--base", str(ROOT / "clauses")]
    )
    assert same.exit_code == 0
    assert same.stdout == ""
    assert same.stderr == f"0 of {len(ALL)} letters change\n"
    sign_off = edited / "letter" / "sign-off.txt"
    sign_off.write_text(sign_off.read_text().replace("Investigator's", "Assessor's"))
    changed = runner.invoke(
        cli, ["impact", ALL[0], "--clauses", str(edited), "--base", str(ROOT / "clauses")]
    )
    assert changed.exit_code == 1
    assert (
        changed.stdout
        == f"{ALL[0]}\n  sign-off: [-Investigator's-] {{+Assessor's+}} decision on behalf of the Ombudsman\n"
    )


def test_impact_compares_with_the_library_as_committed_in_git(tmp_path: Path) -> None:
    repository = tmp_path / "team"
    shutil.copytree(ROOT / "clauses", repository / "clauses")
    git = ["git", "-C", str(repository), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "library"], check=True)
    title = repository / "clauses" / "letter" / "title.txt"
    title.write_text(title.read_text().replace("final decision", "decision"))
    result = CliRunner().invoke(cli, ["impact", ALL[0], "--clauses", str(repository / "clauses")])
    assert result.exit_code == 1
    assert "title: The Ombudsman's [-final-] decision" in result.stdout


def test_impact_without_git_or_base_says_what_to_do(edited: Path) -> None:
    result = CliRunner().invoke(cli, ["impact", ALL[0], "--clauses", str(edited)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"{edited}: no committed version to compare with (not in a git repository, or nothing "
        "committed); name one with --base\n"
    )


def test_impact_json_lists_each_changed_case(edited: Path) -> None:
    import json

    heading = edited / "headings" / "final.txt"
    heading.write_text(heading.read_text().replace("Final decision", "Decision"))
    result = CliRunner().invoke(
        cli, ["impact", ALL[0], "--clauses", str(edited), "--base", str(ROOT / "clauses"), "--json"]
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "changed": 1,
        "new": 0,
        "new_cases": [],
        "cases": [
            {
                "case": ALL[0],
                "new": False,
                "changes": [{"part": "heading 'final'", "diff": "[-Final decision-] {+Decision+}"}],
                "errors": [],
            }
        ],
    }


def test_a_case_the_base_cannot_render_is_new_not_changed(edited: Path, tmp_path: Path) -> None:
    import json

    (edited / "final" / "brand-new.txt").write_text("---\ntitle: n\n---\nA new ending.\n")
    case = json.loads(Path(ALL[0]).read_text())
    case["add"] = [{"section": "final", "clause": "final/brand-new"}]
    path = tmp_path / "new.json"
    path.write_text(json.dumps(case))
    result = CliRunner().invoke(
        cli,
        ["impact", str(path), ALL[1], "--clauses", str(edited), "--base", str(ROOT / "clauses")],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{path}\n  new: the base library cannot render it\n"
    assert result.stderr == "0 of 2 letters change, 1 new\n"
