"""Start-up: a command imports only what it uses, and what a run compiled the next run reuses.

These are facts about modules and files, not timings: `benchmarks/bench.py` times a cold start.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES

CASE = str(EXAMPLES / "cpc-report-defamation.json")
HEAVY = ("starlette", "uvicorn", "yaml", "sqlalchemy", "distributed", "docxtpl", "docx")


def _imported_by(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The top-level packages a fresh Python has imported after running ``code``."""
    probe = f"{code}\nimport json, sys; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize("code", ["import letters", "import letters.cli"])
def test_importing_the_command_line_imports_no_service_yaml_database_or_cluster(
    code: str,
) -> None:
    assert _imported_by(code) & set(HEAVY) == set()


def test_letters_help_imports_no_service_yaml_database_or_cluster() -> None:
    code = (
        "import sys; from letters.cli import cli\n"
        "try:\n    cli(['--help'], prog_name='letters')\nexcept SystemExit:\n    pass"
    )
    assert _imported_by(code) & set(HEAVY) == set()


def test_rendering_a_docx_imports_no_service_database_cluster_or_pdf(tmp_path: Path) -> None:
    render = (
        "from letters.cli import cli\n"
        f"try:\n    cli(['render', {CASE!r}, '-o', {str(tmp_path / 'x.docx')!r}, '-q'])\n"
        "except SystemExit as stop:\n    assert not stop.code, stop.code"
    )
    cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = _imported_by(render, cache)
    again = _imported_by(render, cache)  # the template's parts prepared by the first run
    for imported in (first, again):
        assert imported & {"starlette", "uvicorn", "sqlalchemy", "distributed"} == set()
        assert "yaml" in imported  # the library's outlines are YAML
    assert {"docxtpl", "docx"} <= first
    assert again & {"docxtpl", "docx"} == set()


def test_a_letter_rendered_from_the_code_cache_is_the_same_letter(tmp_path: Path) -> None:
    outputs = []
    for run, env in enumerate(
        [
            {"LETTERS_CODE_CACHE": "off"},
            {"XDG_CACHE_HOME": str(tmp_path / "cache")},  # compiled and kept
            {"XDG_CACHE_HOME": str(tmp_path / "cache")},  # read back
        ]
    ):
        target = tmp_path / f"letter-{run}.docx"
        subprocess.run(
            [sys.executable, "-m", "letters", "render", CASE, "-o", str(target), "-q"],
            check=True,
            env={**os.environ, **env},
        )
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    kept = sorted(path.suffix for path in (tmp_path / "cache" / "letters" / "code").iterdir())
    assert ".code" in kept and ".xml" in kept


def test_a_code_folder_others_can_write_to_is_not_used(tmp_path: Path) -> None:
    folder = tmp_path / "cache" / "letters" / "code"
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    subprocess.run(
        [sys.executable, "-m", "letters", "render", CASE, "-o", str(tmp_path / "x.docx"), "-q"],
        check=True,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert list(folder.iterdir()) == []
    assert stat.S_IMODE(folder.stat().st_mode) == 0o777
