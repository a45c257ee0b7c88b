"""One case, one outcome: whatever goes wrong with one case (bad input, a bug of ours, a dead
pipe) is that case's error; the batch goes on, --json stays valid, and a stop signal leaves
nothing behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from letters.cli import cli
from tests.conftest import EXAMPLES, ROOT

EXAMPLE = EXAMPLES / "cpc-report-defamation.json"
LETTERS = [sys.executable, "-m", "letters"]


def _run(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LETTERS, *arguments], capture_output=True, text=True, cwd=ROOT, timeout=120, env=env
    )


def _case(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_bug_of_ours_in_one_case_is_that_cases_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import letters.composition as composition

    real = composition._Composer.letter

    def flaky(self: composition._Composer) -> composition.Letter:
        if self.case.reference == "BOOM":
            raise KeyError("a bug")
        return real(self)

    monkeypatch.setattr(composition._Composer, "letter", flaky)
    data = json.loads(EXAMPLE.read_text())
    bad = _case(tmp_path, "bad.json", json.dumps({**data, "reference": "BOOM"}))
    result = CliRunner().invoke(
        cli,
        [
            "render",
            str(EXAMPLE),
            str(bad),
            str(EXAMPLE),
            "--out-dir",
            str(tmp_path / "o"),
            "--json",
            "-q",
            "--name",
            "{complainant.name} {reference}",
        ],
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [r["ok"] for r in report["results"]] == [True, False, False]  # third: same name
    message = report["results"][1]["errors"][0]["message"]
    assert message.startswith("internal error (KeyError: 'a bug')")
    assert f"{bad}: internal error (KeyError" in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback_of_an_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import letters.composition as composition

    monkeypatch.setattr(composition._Composer, "letter", lambda self: 1 / 0)
    result = CliRunner().invoke(
        cli, ["--debug", "render", str(EXAMPLE), "-o", str(tmp_path / "x.docx")]
    )
    assert result.exit_code == 1
    assert "Traceback" in result.stderr and "ZeroDivisionError" in result.stderr


HOSTILE_CASES = {
    "long-number": (
        '{"reference": ' + "9" * 5000 + "}",
        "not a usable JSON value: Exceeds the limit",
    ),
    "duplicate-key": (
        '{\n  "complainant": {"name": "A", "pronouns": "she"},\n  "complainant": {"name": "B", "pronouns": "he"}\n}',
        ": line 3: the key 'complainant' is given twice in one object",
    ),
    "surrogate-key": ('{"\\ud800": 1}', "unknown field"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_CASES))
def test_a_hostile_case_among_good_ones_is_its_own_error_and_json_stays_valid(
    tmp_path: Path, name: str
) -> None:
    text, message = HOSTILE_CASES[name]
    bad = _case(tmp_path, f"{name}.json", text)
    result = _run(
        "render", str(EXAMPLE), str(bad), "--out-dir", str(tmp_path / "o"), "--json", "-q"
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert [r["ok"] for r in report["results"]] == [True, False]
    assert message in result.stderr, result.stderr
    assert all(line.startswith(f"{bad}: ") for line in result.stderr.splitlines())
    assert (tmp_path / "o" / "cpc-report-defamation.docx").exists()


def test_reading_dev_zero_as_a_case_is_an_error_not_gigabytes() -> None:
    result = _run("validate", "/dev/zero", env={**os.environ, "LETTERS_FILE_SIZE_LIMIT": "1000000"})
    assert result.returncode == 1
    assert result.stderr.startswith("/dev/zero: the case file is larger than 1,000,000 bytes")


@pytest.mark.parametrize("command", [["render", "-o", "-"], ["schema"], ["clauses", "list"]])
def test_writing_to_a_full_device_is_one_line_exit_1(command: list[str]) -> None:
    arguments = [*command[:1], str(EXAMPLE), *command[1:]] if command[0] == "render" else command
    with Path("/dev/full").open("wb") as full:
        result = subprocess.run(
            [*LETTERS, *arguments],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_a_closed_pipe_is_one_line_exit_1() -> None:
    process = subprocess.Popen(
        [*LETTERS, "render", str(EXAMPLE), "-o", "-"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    error = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1
    assert error.strip() == "standard output was closed before the letter was written"


def test_a_letter_never_overwrites_a_case_file_of_the_same_run(tmp_path: Path) -> None:
    case = tmp_path / "notes.txt"
    case.write_text(EXAMPLE.read_text())
    result = _run("render", str(case), "--format", "txt", "--out-dir", str(tmp_path))
    assert result.returncode == 1
    assert "which is the case file" in result.stderr
    assert case.read_text() == EXAMPLE.read_text()


def test_a_long_legal_name_is_not_made_illegal_by_the_temporary_file(tmp_path: Path) -> None:
    name = "x" * 240  # with .docx: 245 bytes, within the 255 a file name may have
    result = _run("render", str(EXAMPLE), "--out-dir", str(tmp_path), "--name", name)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / f"{name}.docx").exists()


def _processes_naming(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().decode(errors="replace")
                state = (entry / "status").read_text()
            except OSError:
                continue
            if text in command and "zombie" not in state:
                found.append(int(entry.name))
    return found


def test_sigterm_during_a_parallel_batch_stops_workers_and_leaves_nothing(tmp_path: Path) -> None:
    cases = []
    for index in range(600):
        case = tmp_path / f"c{index}.json"
        case.write_text(EXAMPLE.read_text())
        cases.append(str(case))
    out = tmp_path / "out"
    process = subprocess.Popen(
        [*LETTERS, "render", *cases, "--out-dir", str(out), "-j", "2", "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not out.exists() or len(list(out.iterdir())) < 20):
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) != 0
    assert process.stderr is not None and b"interrupted" in process.stderr.read()
    written = sorted(p.name for p in out.iterdir())
    assert not [name for name in written if name.endswith(".part")]
    assert 20 <= len(written) < 600
    assert _processes_naming(str(out)) == []  # the workers are gone
    time.sleep(1.0)
    assert sorted(p.name for p in out.iterdir()) == written  # nothing written after the exit


@pytest.fixture
def fake_soffice(tmp_path: Path) -> Path:
    """A folder to put a fake soffice in, first on PATH."""
    folder = tmp_path / "bin"
    folder.mkdir()
    return folder


def _script(folder: Path, body: str) -> None:
    path = folder / "soffice"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


def test_a_hung_converter_is_killed_with_its_children(
    fake_soffice: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pids = tmp_path / "pids"
    _script(fake_soffice, f"sleep 300 & echo $! > {pids}\nsleep 300\n")
    monkeypatch.setenv("PATH", f"{fake_soffice}{os.pathsep}{os.environ['PATH']}")
    import letters.formats.pdf as pdf
    from letters.problems import OutputError

    monkeypatch.setattr(pdf, "TIMEOUT_START", 1)
    monkeypatch.setattr(pdf, "TIMEOUT_PER_LETTER", 0)
    with pytest.raises(OutputError, match="LibreOffice took longer than 1 s"):
        pdf.to_pdf([b"not really a letter"])
    child = int(pids.read_text())
    time.sleep(0.2)
    state = Path(f"/proc/{child}/status")
    assert not state.exists() or "zombie" in state.read_text()


def test_a_converter_that_writes_no_pdf_is_an_error_not_a_letter(
    fake_soffice: Path, tmp_path: Path
) -> None:
    # writes "<name>.pdf" holding text, as a broken converter might
    _script(
        fake_soffice,
        'out=""; while [ $# -gt 0 ]; do case "$1" in --outdir) out="$2"; shift;; *.docx) '
        'echo "not a pdf" > "$out/$(basename "$1" .docx).pdf";; esac; shift; done\n',
    )
    target = tmp_path / "letter.pdf"
    env = {**os.environ, "PATH": f"{fake_soffice}{os.pathsep}{os.environ['PATH']}"}
    result = _run("render", str(EXAMPLE), "--format", "pdf", "-o", str(target), env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == f"{EXAMPLE}: LibreOffice could not convert the letter to PDF"
    assert not target.exists()
