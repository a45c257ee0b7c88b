"""Shared fixtures: the project's library and examples, and reading a letter's text back."""

from __future__ import annotations

import io
import re
import signal
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest

from letters.library import Clause, Library, parse_clause

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    # Started in the background by a shell (`make test &`, nohup), the tests would ignore
    # SIGINT, and so would every process they start: the tests that stop a process with
    # SIGINT, as Ctrl-C does, need it delivered as a terminal delivers it.
    signal.signal(signal.SIGINT, signal.default_int_handler)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "clauses"
"""A small frozen clause library: unit tests of the engine read it, not the live clauses/."""
FIXTURE_LIBRARY = Path(__file__).resolve().parent / "fixtures" / "library"
"""A small frozen library with facts, an outline and reasons: the ``library`` fixture."""
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


@pytest.fixture(scope="session")
def library() -> Library:
    """The small frozen fixture library (tests/fixtures/library): what the engine's tests use,
    so that an ordinary edit of the live clauses/ never breaks one."""
    return Library.load(FIXTURE_LIBRARY)


@pytest.fixture(scope="session")
def live_library() -> Library:
    """The live library (clauses/), for the tests that mean it: the published letters the
    examples must render, and what the live library's own wording and coverage must be."""
    return Library.load()


def clause(text: str, clause_id: str = "test/clause") -> Clause:
    """A clause from its file text (dedented), as if read from clauses/<id>.txt."""
    return parse_clause(
        textwrap.dedent(text).lstrip(), clause_id=clause_id, path=f"{clause_id}.txt"
    )


def library_of(**clauses: str) -> Library:
    """A library in memory: keyword names use __ for / (``headings__final``)."""
    built = {}
    for name, text in clauses.items():
        clause_id = name.replace("__", "/").replace("_", "-")
        built[clause_id] = clause(text, clause_id)
    return Library(built)


def document_xml(docx: bytes, part: str = "word/document.xml") -> ElementTree.Element:
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        return ElementTree.fromstring(package.read(part))


def letter_lines(docx: bytes) -> list[str]:
    """The letter's lines as a reader sees them: each paragraph, w:br as a line break."""
    lines: list[str] = []
    for paragraph in document_xml(docx).iter(W + "p"):
        pieces: list[str] = []
        for element in paragraph.iter():
            if element.tag == W + "t":
                pieces.append(element.text or "")
            elif element.tag == W + "tab":
                pieces.append(" ")
            elif element.tag in (W + "br", W + "cr"):
                pieces.append("\n")
        lines.extend("".join(pieces).split("\n"))
    return lines


def normalise(lines: list[str]) -> list[str]:
    """The comparison rules of the reference decisions, as strict as shared/tools/seedcheck.py:
    only white space and a reference's "- " paragraph markers are normalised; quotes, colons,
    the space in "Category : x" and punctuation must be as published."""
    out = []
    for line in lines:
        if line.startswith("# "):  # a reference's note (tests/test_golden.py), not its text
            continue
        line = re.sub(r"\s+", " ", line).strip()
        if line.startswith("- "):
            line = line[2:].strip()
        if line:
            out.append(line)
    return out


@pytest.fixture(params=["sqlite", "postgresql"])
def register_at(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty register (tests/registers.py): an SQLite file, or a database of its own
    on the tests' PostgreSQL server (``make postgresql``)."""
    from tests.register.registers import fresh_postgresql_database

    if request.param == "sqlite":
        yield str(tmp_path / "register.sqlite")
        return
    with fresh_postgresql_database() as url:
        yield url


@pytest.fixture
def register_clauses(tmp_path: Path) -> Path:
    """The register tests' small clause library, committed in a git repository of its own."""
    from tests.register.registers import write_library

    return write_library(tmp_path / "library")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-references",
        action="store_true",
        help="accept a deliberate wording change: print how each reference letter "
        "(tests/golden/) differs and rewrite it from the letter rendered now",
    )


@pytest.fixture
def update_references(request: pytest.FixtureRequest) -> bool:
    """Whether the golden tests rewrite their references (``--update-references``)."""
    return bool(request.config.getoption("--update-references"))
