"""Letters as a reader sees them: converted to PDF by LibreOffice and read back as text.

LibreOffice comes with `make test` (make libreoffice); these tests need it. They are skipped
only outside CI on a machine without it.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import attrs
import pypdf
import pytest

from letters.composition import Letter, compose
from letters.formats.pdf import to_pdf
from letters.library import Library
from letters.loading import load_case, parse_case
from letters.rendering import WordTemplate, find_template
from tests.conftest import EXAMPLES, GOLDEN, normalise
from tests.test_golden import GOLDEN_PAIRS

if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI must have LibreOffice and pdftotext: make libreoffice installs them")
    pytest.skip("LibreOffice is not installed (make libreoffice)", allow_module_level=True)

HOSTILE = "Smith & Sons <Ltd> \"quoted\" 'single' {{ letter.reference }}"


def _pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def _body_text(pdf: bytes) -> str:
    """The letter's text as one line: page headers and footers left out, straight quotes."""
    furniture = re.compile(r"^(Page \d+ of \d+|Reference: .*)$")
    lines = [
        line
        for line in _pdf_text(pdf).replace("\f", "\n").splitlines()
        if not furniture.match(line)
    ]
    return " ".join(" ".join(lines).translate({0x2019: "'", 0x2018: "'"}).split())


@pytest.fixture(scope="module")
def pdfs(library: Library) -> dict[str, tuple[Letter, bytes]]:
    """Every example as a PDF, plus a hostile one, converted with one LibreOffice start."""
    template = WordTemplate(find_template(None))
    letters = {
        path.stem: compose(load_case(path), library) for path in sorted(EXAMPLES.glob("*.json"))
    }
    data = json.loads((EXAMPLES / "tameside-council-tax-valuation-tribunal.json").read_text())
    data["category"] = HOSTILE
    data["text"]["assessment"].append(HOSTILE)
    letters["hostile"] = compose(parse_case(data), library)
    converted = to_pdf([template.render(letter) for letter in letters.values()])
    assert all(converted), "LibreOffice converted every letter (it opened each without complaint)"
    return {name: (letters[name], pdf) for name, pdf in zip(letters, converted, strict=True) if pdf}


@pytest.mark.parametrize(("example", "reference"), GOLDEN_PAIRS)
def test_pdf_text_holds_the_reference_decision(
    pdfs: dict[str, tuple[Letter, bytes]], example: str, reference: str
) -> None:
    text = _body_text(pdfs[example][1])
    for line in normalise((GOLDEN / f"{reference}.txt").read_text(encoding="utf-8").splitlines()):
        assert line.replace(" :", ":") in text.replace(" :", ":"), line


@pytest.mark.parametrize("example", [pair[0] for pair in GOLDEN_PAIRS])
def test_pdf_numbers_paragraphs_in_order(
    pdfs: dict[str, tuple[Letter, bytes]], example: str
) -> None:
    letter, pdf = pdfs[example]
    numbers = [int(n) for n in re.findall(r"^(\d{1,3})\.\s", _pdf_text(pdf), re.MULTILINE)]
    assert numbers == list(range(1, len(list(letter.paragraphs)) + 1))


def test_pdf_has_the_reference_in_the_header_and_page_numbers(
    pdfs: dict[str, tuple[Letter, bytes]],
) -> None:
    text = _pdf_text(pdfs["cpc-report-defamation"][1])
    pages = len(pypdf.PdfReader(io.BytesIO(pdfs["cpc-report-defamation"][1])).pages)
    assert text.count("Reference: 24 018 696") == pages
    assert [f"Page {n} of {pages}" in text for n in range(1, pages + 1)] == [True] * pages


def test_pdf_bookmarks_are_the_headings(pdfs: dict[str, tuple[Letter, bytes]]) -> None:
    letter, pdf = pdfs["cpc-report-defamation"]

    def titles(outline: Sequence[object]) -> list[str]:
        found: list[str] = []
        for item in outline:
            found.extend(
                titles(item) if isinstance(item, list) else [str(getattr(item, "title", ""))]
            )
        return found

    expected = [letter.title, *(section.heading for section in letter.sections)]
    assert titles(pypdf.PdfReader(io.BytesIO(pdf)).outline) == expected


def test_special_characters_come_through_as_written(pdfs: dict[str, tuple[Letter, bytes]]) -> None:
    text = " ".join(_pdf_text(pdfs["hostile"][1]).split())
    assert f"Category: {HOSTILE}" in text
    assert text.count(HOSTILE) == 2


def test_letter_template_sends_a_letter(library: Library, tmp_path: Path) -> None:
    letter = compose(load_case(EXAMPLES / "letter-to-complainant.json"), library)
    bare = attrs.evolve(letter, address=(), date=None)
    template = WordTemplate(find_template("letter"))
    full, without = (
        " ".join(_pdf_text(pdf or b"").split())
        for pdf in to_pdf([template.render(letter), template.render(bare)])
    )
    assert (
        "Mrs X 12 Example Road London SW2 1AA 13 December 2024 Our reference: 24 006 106 Dear Mrs X"
        in full
    )
    assert "Yours sincerely Investigator's decision on behalf of the Ombudsman" in full
    assert "Our reference: 24 006 106 Dear Mrs X" in without and "Example Road" not in without


def test_letter_with_embedded_provenance_opens_as_before(library: Library) -> None:
    from letters.provenance import embed, provenance_of

    letter = compose(load_case(EXAMPLES / "cpc-report-defamation.json"), library)
    plain = WordTemplate(find_template(None)).render(letter)
    carried = embed(plain, provenance_of(letter))
    with_record, without = to_pdf([carried, plain])
    assert with_record is not None and without is not None
    assert _body_text(with_record) == _body_text(without)


@pytest.mark.parametrize("example", sorted(path.stem for path in EXAMPLES.glob("*.json")))
def test_the_sign_off_shares_its_page_with_the_last_paragraph(
    pdfs: dict[str, tuple[Letter, bytes]], example: str
) -> None:
    letter, pdf = pdfs[example]
    pages = [
        " ".join((page.extract_text() or "").split())
        for page in pypdf.PdfReader(io.BytesIO(pdf)).pages
    ]
    last = " ".join(list(letter.paragraphs)[-1].text.split()[-4:])
    sign_off = " ".join(letter.sign_off.text.split()[:3])
    (page,) = [text for text in pages if sign_off.replace("'", "’") in text.replace("'", "’")]
    assert last.replace("'", "’") in page.replace("'", "’")
