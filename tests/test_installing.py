"""letters installed anywhere: a wheel that carries its library and templates, `letters init`
for an organisation's own library, and the configuration that points letters at it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from letters.cli import cli
from letters.configuration import settings
from letters.problems import UsageError
from tests.conftest import EXAMPLES, GOLDEN, ROOT, letter_lines, normalise


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "-w",
            str(folder),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = folder.glob("letters-*.whl")
    return built


def test_the_wheel_carries_the_library_templates_and_types(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "letters/data/clauses/facts.yaml" in names
    assert "letters/data/clauses/outlines/will-not-investigate.yaml" in names
    assert "letters/data/templates/decision.docx" in names
    assert "letters/data/examples/cpc-report-defamation.json" in names
    assert "letters/py.typed" in names


def test_the_installed_wheel_renders_a_published_decision_outside_the_repository(
    wheel: Path, tmp_path: Path
) -> None:
    """A fresh virtual environment with only the wheel installed (its dependencies are taken
    from this one, so the test needs no network), used from a folder far from the clone."""
    fresh = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True, timeout=120
    )
    python = fresh / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    case = elsewhere / "case.json"
    case.write_text((EXAMPLES / "cpc-report-defamation.json").read_text(encoding="utf-8"))
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("LETTERS_")
    }
    where = subprocess.run(
        [str(python), "-c", "import letters; print(letters.__file__)"],
        cwd=elsewhere,
        check=True,
        capture_output=True,
        text=True,
        env=environment,
    ).stdout
    assert where.startswith(site), where
    done = subprocess.run(
        [str(fresh / "bin" / "letters"), "render", "case.json", "-o", "x.docx"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    letter = normalise(letter_lines((elsewhere / "x.docx").read_bytes()))
    expected = normalise(
        (GOLDEN / "cpc-report-defamation.txt").read_text(encoding="utf-8").splitlines()
    )
    assert letter[letter.index(expected[0]) :] == expected


def test_init_makes_a_library_that_renders_with_no_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = tmp_path / "our-letters"
    result = CliRunner().invoke(cli, ["init", str(library)])
    assert result.exit_code == 0, result.stderr
    for name in [
        "letters.toml",
        "README.md",
        "ci.sh",
        "clauses/facts.yaml",
        "templates/decision.docx",
        "examples/cpc-report-defamation.json",
    ]:
        assert (library / name).is_file(), name
    # the organisation changes its wording; rendering in its folder (or below) uses it
    sign_off = library / "clauses" / "letter" / "sign-off.txt"
    sign_off.write_text("---\ntitle: Sign-off\n---\nThe Complaints Team\n", encoding="utf-8")
    (library / "examples" / "deeper").mkdir()
    monkeypatch.chdir(library / "examples" / "deeper")
    for variable in ("LETTERS_CLAUSES", "LETTERS_TEMPLATES", "LETTERS_TEMPLATE"):
        monkeypatch.delenv(variable, raising=False)
    result = CliRunner().invoke(
        cli, ["render", "../cpc-report-defamation.json", "-o", "letter.docx"]
    )
    assert result.exit_code == 0, result.stderr
    assert "The Complaints Team" in letter_lines(Path("letter.docx").read_bytes())
    assert settings()["clauses"].source == str(library / "letters.toml")


def test_ci_script_of_a_new_library_passes(tmp_path: Path) -> None:
    library = tmp_path / "ours"
    assert CliRunner().invoke(cli, ["init", str(library)]).exit_code == 0
    bin_folder = Path(sys.executable).parent
    done = subprocess.run(
        ["sh", str(library / "ci.sh")],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": f"{bin_folder}{os.pathsep}{os.environ['PATH']}"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (library / "out" / "cpc-report-defamation.docx").is_file()


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert (
        result.stderr == f"{tmp_path}: the folder is not empty; name a new folder for the library\n"
    )


def test_configuration_order_flag_environment_file_default(tmp_path: Path) -> None:
    (tmp_path / "letters.toml").write_text(
        'clauses = "mine"\ntemplate = "letter"\n[limits]\ntime = 30\n'
    )
    found = settings(start=tmp_path, environ={"LETTERS_TEMPLATE": "decision"}, flags={"time": 5.0})
    assert (found["clauses"].value, found["clauses"].source) == (
        tmp_path / "mine",
        str(tmp_path / "letters.toml"),
    )
    assert (found["template"].value, found["template"].source) == (
        "decision",
        "environment LETTERS_TEMPLATE",
    )
    assert (found["time"].value, found["time"].source) == (5.0, "flag --time")
    assert found["file_size"].source == "default"


def test_allowed_hosts_come_from_letters_toml_or_the_environment(tmp_path: Path) -> None:
    (tmp_path / "letters.toml").write_text('allowed_hosts = ["letters.example.org", "letters"]\n')
    found = settings(start=tmp_path, environ={})
    assert found["allowed_hosts"].value == ("letters.example.org", "letters")
    spaced = settings(start=tmp_path, environ={"LETTERS_ALLOWED_HOSTS": " a.example  b "})
    assert spaced["allowed_hosts"].value == ("a.example", "b")


def test_allowed_hosts_that_are_not_names_are_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "letters.toml").write_text("allowed_hosts = [1, 2]\n")
    with pytest.raises(
        UsageError, match=r"allowed_hosts = \[1, 2\]: expected a list of host names"
    ):
        settings(start=tmp_path, environ={})


def test_serve_with_allowed_hosts_that_are_not_names_stops_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "letters.toml").write_text("allowed_hosts = [1, 2]\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["serve", "--port", "0"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"{tmp_path / 'letters.toml'}: allowed_hosts = [1, 2]: expected a list of host names\n"
    )


def test_config_prints_each_value_and_its_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "letters.toml").write_text("[limits]\nfile_size = 1000\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LETTERS_TIME_LIMIT", "20")
    result = CliRunner().invoke(cli, ["config", "--json"])
    report = json.loads(result.stdout)
    assert report["time"] == {"value": "20.0", "source": "environment LETTERS_TIME_LIMIT"}
    assert report["file_size"] == {"value": "1000", "source": str(tmp_path / "letters.toml")}
    assert report["template"]["source"] == "default"


def test_a_broken_configuration_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "letters.toml").write_text("colour = 'red'\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["config"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{tmp_path / 'letters.toml'}: unknown setting 'colour'")
