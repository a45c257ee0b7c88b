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
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs
import pikepdf
import pypdf
import pytest

from letters.composition import Letter, compose
from letters.formats import check_convertible, to_pdf
from letters.library import Library
from letters.loading import load_case, parse_case
from letters.output_formats import PDF_PROFILES
from letters.rendering import Renderer
from letters.word import WordTemplate, find_template
from tests.conftest import EXAMPLES, GOLDEN, normalise
from tests.test_golden import GOLDEN_PAIRS

if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI must have LibreOffice and pdftotext: make libreoffice installs them")
    pytest.skip("LibreOffice is not installed (make libreoffice)", allow_module_level=True)

LETTERS = [sys.executable, "-m", "letters"]
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
def pdfs(live_library: Library) -> dict[str, tuple[Letter, bytes]]:
    """Every example as a PDF, plus a hostile one, converted with one LibreOffice start."""
    template = WordTemplate(find_template(None))
    letters = {
        path.stem: compose(load_case(path), live_library)
        for path in sorted(EXAMPLES.glob("*.json"))
    }
    data = json.loads((EXAMPLES / "tameside-council-tax-valuation-tribunal.json").read_text())
    data["category"] = HOSTILE
    data["text"]["assessment"].append(HOSTILE)
    letters["hostile"] = compose(parse_case(data), live_library)
    converted = to_pdf([template.render(letter) for letter in letters.values()])
    assert all(converted), "LibreOffice converted every letter (it opened each without complaint)"
    return {name: (letters[name], pdf) for name, pdf in zip(letters, converted, strict=True) if pdf}


@pytest.mark.parametrize(("example", "reference"), GOLDEN_PAIRS)
def test_pdf_text_holds_the_reference_decision(
    pdfs: dict[str, tuple[Letter, bytes]], example: str, reference: str
) -> None:
    text = _body_text(pdfs[example][1])
    for line in normalise((GOLDEN / f"{reference}.txt").read_text(encoding="utf-8").splitlines()):
        line = line.translate({0x2019: "'", 0x2018: "'"})  # as _body_text reads the PDF's
        # pdftotext joins a word hyphenated at a line's end and drops its hyphen ("anti-social"
        # broken after "anti-" reads "antisocial"): hyphens are compared by neither side
        assert line.replace("-", "") in text.replace("-", ""), line


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
    assert f"Category : {HOSTILE}" in text
    assert text.count(HOSTILE) == 2


def test_letter_template_sends_a_letter(live_library: Library, tmp_path: Path) -> None:
    letter = compose(load_case(EXAMPLES / "letter-to-complainant.json"), live_library)
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


def test_letter_with_embedded_provenance_opens_as_before(live_library: Library) -> None:
    from letters.provenance import provenance_of
    from letters.word import embed_provenance

    letter = compose(load_case(EXAMPLES / "cpc-report-defamation.json"), live_library)
    plain = WordTemplate(find_template(None)).render(letter)
    carried = embed_provenance(plain, provenance_of(letter))
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


# Tagged, archival and accessible PDF: each property read back from the file with pikepdf.

TEXT_SHOWING = {"Tj", "TJ", "'", '"'}


@pytest.fixture(scope="module")
def profiled(live_library: Library) -> dict[str, tuple[Letter, pikepdf.Pdf]]:
    """The defamation decision in every PDF profile (one LibreOffice start a profile)."""
    letter = compose(load_case(EXAMPLES / "cpc-report-defamation.json"), live_library)
    document = WordTemplate(find_template(None)).render(letter)
    found = {}
    for profile in PDF_PROFILES:
        (pdf,) = to_pdf([document], profile)
        assert pdf is not None
        found[profile] = (letter, pikepdf.open(io.BytesIO(pdf)))
    return found


def _structure_types(pdf: pikepdf.Pdf) -> list[str]:
    """The standard structure types of a tagged PDF's elements in document order, the
    document's own style names mapped through its RoleMap (``Numbered Paragraph`` is ``P``)."""
    root = pdf.Root.StructTreeRoot
    roles = {str(k): str(v) for k, v in root.get("/RoleMap", pikepdf.Dictionary()).items()}
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            kind = str(node.S)
            found.append(roles.get(kind, kind).lstrip("/"))
            if "/K" in node:
                walk(node.K)

    walk(root.K)
    return found


def _untagged_text(pdf: pikepdf.Pdf) -> list[str]:
    """Each text-showing operator on a page that is neither in a marked-content sequence with an
    MCID (so in the structure tree) nor in an artifact (a page header or footer)."""
    untagged = []
    for number, page in enumerate(pdf.pages, start=1):
        marks: list[bool] = []  # for each open marked-content sequence: is it tagged or artifact
        for instruction in pikepdf.parse_content_stream(page):
            operands, name = instruction.operands, str(instruction.operator)
            if name in ("BDC", "BMC"):
                tag = str(operands[0])
                properties = operands[1] if name == "BDC" else None
                has_mcid = isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties
                marks.append(tag == "/Artifact" or has_mcid or any(marks))
            elif name == "EMC":
                marks.pop()
            elif name in TEXT_SHOWING and not any(marks):
                untagged.append(f"page {number}: {name} {operands!r}"[:120])
    return untagged


def _fonts(pdf: pikepdf.Pdf) -> dict[str, pikepdf.Object]:
    """Every font the pages use, by its name, with its font descriptor."""
    fonts = {}
    for page in pdf.pages:
        for font in page.Resources.get("/Font", pikepdf.Dictionary()).values():
            described = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            fonts[str(font.BaseFont)] = described.FontDescriptor
    return fonts


@pytest.mark.parametrize("profile", PDF_PROFILES)
def test_pdf_has_a_structure_tree_and_is_marked(
    profiled: dict[str, tuple[Letter, pikepdf.Pdf]], profile: str
) -> None:
    _, pdf = profiled[profile]
    assert "/StructTreeRoot" in pdf.Root
    assert bool(pdf.Root.MarkInfo.Marked) is True


@pytest.mark.parametrize("profile", PDF_PROFILES)
def test_pdf_has_no_untagged_text(
    profiled: dict[str, tuple[Letter, pikepdf.Pdf]], profile: str
) -> None:
    assert _untagged_text(profiled[profile][1]) == []


def test_untagged_text_is_found_in_a_pdf_without_tags(live_library: Library) -> None:
    """The check above can fail: LibreOffice's PDF without tags has text outside any mark."""
    from letters.formats.pdf import PdfConverter

    letter = compose(load_case(EXAMPLES / "cpc-report-defamation.json"), live_library)
    document = WordTemplate(find_template(None)).render(letter)
    with PdfConverter() as converter, tempfile.TemporaryDirectory() as work:
        source = Path(work) / "letter.docx"
        source.write_bytes(document)
        subprocess.run(
            [
                converter.command,
                f"-env:UserInstallation={converter.profile.as_uri()}",
                "--headless",
                "--convert-to",
                "pdf:writer_pdf_Export",
                "--outdir",
                work,
                str(source),
            ],
            capture_output=True,
            timeout=120,
            check=True,
        )
        plain = pikepdf.open(io.BytesIO(source.with_suffix(".pdf").read_bytes()))
    assert "/StructTreeRoot" not in plain.Root
    assert len(_untagged_text(plain)) > 10


@pytest.mark.parametrize("profile", PDF_PROFILES)
def test_pdf_language_and_title_come_from_the_letter(
    profiled: dict[str, tuple[Letter, pikepdf.Pdf]], profile: str
) -> None:
    letter, pdf = profiled[profile]
    assert str(pdf.Root.Lang) == "en-GB"
    assert str(pdf.docinfo.Title) == (
        f"{letter.title.rstrip(':')}: {letter.body_name} ({letter.reference})"
    )
    assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle) is True


@pytest.mark.parametrize("profile", PDF_PROFILES)
def test_pdf_headings_are_heading_elements_in_reading_order(
    profiled: dict[str, tuple[Letter, pikepdf.Pdf]], profile: str
) -> None:
    letter, pdf = profiled[profile]
    headings = [kind for kind in _structure_types(pdf) if re.fullmatch(r"H\d?", kind)]
    assert headings == ["H1"] + ["H2"] * len(letter.sections)


@pytest.mark.parametrize("profile", PDF_PROFILES)
def test_pdf_numbered_paragraphs_are_list_items(
    profiled: dict[str, tuple[Letter, pikepdf.Pdf]], profile: str
) -> None:
    letter, pdf = profiled[profile]
    kinds = _structure_types(pdf)
    assert kinds.count("LI") == len(list(letter.paragraphs))
    assert kinds.count("L") == len(letter.sections)  # one list under each heading
    assert kinds.count("LBody") == kinds.count("LI")


@pytest.mark.parametrize("profile", ["pdfa-2b", "pdfa-2b+pdfua"])
def test_pdfa_2b_says_so_in_its_xmp_metadata(
    profiled: dict[str, tuple[Letter, pikepdf.Pdf]], profile: str
) -> None:
    _, pdf = profiled[profile]
    with pdf.open_metadata() as xmp:
        assert (xmp.get("pdfaid:part"), xmp.get("pdfaid:conformance")) == ("2", "B")
    assert "/OutputIntents" in pdf.Root


@pytest.mark.parametrize("profile", ["pdfa-2b", "pdfa-2b+pdfua"])
def test_pdfa_2b_embeds_every_font(
    profiled: dict[str, tuple[Letter, pikepdf.Pdf]], profile: str
) -> None:
    fonts = _fonts(profiled[profile][1])
    assert fonts
    missing = [
        name
        for name, descriptor in fonts.items()
        if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    ]
    assert missing == []


@pytest.mark.parametrize("profile", ["pdfua", "pdfa-2b+pdfua"])
def test_pdfua_says_so_in_its_xmp_metadata(
    profiled: dict[str, tuple[Letter, pikepdf.Pdf]], profile: str
) -> None:
    with profiled[profile][1].open_metadata() as xmp:
        assert xmp.get("pdfuaid:part") == "1"


def test_tagged_pdf_claims_no_profile(profiled: dict[str, tuple[Letter, pikepdf.Pdf]]) -> None:
    with profiled["tagged"][1].open_metadata() as xmp:
        assert (xmp.get("pdfaid:part"), xmp.get("pdfuaid:part")) == (None, None)


def test_render_pdf_profile_from_the_command(tmp_path: Path) -> None:
    target = tmp_path / "letter.pdf"
    done = subprocess.run(
        [
            *LETTERS,
            "render",
            str(EXAMPLES / "lambeth-refuse-late-complaint.json"),
            "--format",
            "pdf",
            "--pdf-profile",
            "pdfa-2b",
            "-o",
            str(target),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, f"wrote {target}\n")
    with pikepdf.open(target) as pdf, pdf.open_metadata() as xmp:
        assert xmp.get("pdfaid:part") == "2"
        assert "/StructTreeRoot" in pdf.Root


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--format", "pdf", "--pdf-profile", "pdfx"],
            "Invalid value for '--pdf-profile': 'pdfx' is not one of 'tagged', 'pdfa-2b', 'pdfua', 'pdfa-2b+pdfua'.",
        ),
        (["--pdf-profile", "pdfa-2b"], "--pdf-profile pdfa-2b is for --format pdf"),
    ],
)
def test_pdf_profile_usage_errors(arguments: list[str], message: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [*LETTERS, "render", str(EXAMPLES / "lambeth-refuse-late-complaint.json"), *arguments],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_service_renders_the_pdf_profile_asked_for() -> None:
    import httpx

    from letters.formats.pdf import WarmConverter
    from tests.web.servers import Server

    if not WarmConverter.available():
        pytest.skip("needs LibreOffice and python3-uno (make libreoffice)")
    server = Server()
    try:
        case = (EXAMPLES / "lambeth-refuse-late-complaint.json").read_bytes()
        archival = httpx.post(
            f"{server.url}/render",
            params={"format": "pdf", "pdf_profile": "pdfa-2b"},
            content=case,
            timeout=120,
        )
        assert archival.status_code == 200
        with pikepdf.open(io.BytesIO(archival.content)) as pdf, pdf.open_metadata() as xmp:
            assert xmp.get("pdfaid:part") == "2"
            assert str(pdf.Root.Lang) == "en-GB"
        unknown = httpx.post(
            f"{server.url}/render",
            params={"format": "pdf", "pdf_profile": "pdfx"},
            content=case,
            timeout=60,
        )
        assert unknown.status_code == 400
        assert "no PDF profile 'pdfx'" in unknown.json()["errors"][0]["message"]
    finally:
        server.stop()


def test_letters_made_while_libreoffice_starts_are_all_converted(live_library: Library) -> None:
    """LibreOffice starts once the first letter is written; one written only after it came to
    it (a slow letter, here) is converted by a second run; one that could not be made is not."""
    import time

    from letters.formats.pdf import to_pdf_as_made

    letter = compose(load_case(EXAMPLES / "cpc-report-defamation.json"), live_library)
    document = WordTemplate(find_template(None)).render(letter)

    def maker(number: int) -> Callable[[], bytes | None]:
        def make() -> bytes | None:
            if number == 2:
                time.sleep(4)  # LibreOffice passes over the letters not yet written
            return None if number == 4 else document

        return make

    made = to_pdf_as_made([maker(number) for number in range(6)])
    assert [pdf is not None and pdf.startswith(b"%PDF-") for pdf in made] == [
        True,
        True,
        True,
        True,
        False,
        True,
    ]


def _long_case(folder: Path, paragraphs: int) -> Path:
    """A case whose own text runs to some ``paragraphs`` thousand characters."""
    data = json.loads((EXAMPLES / "cpc-report-defamation.json").read_text(encoding="utf-8"))
    sentence = "The council said it would look at the report again after the meeting. "
    data["text"]["assessment"] = [sentence * 14 for _ in range(paragraphs)]
    path = folder / "long.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_letter_too_long_for_libreoffice_is_refused_before_it_starts(tmp_path: Path) -> None:
    """A 1 MB narrative: before, LibreOffice spent 72 s on it, then failed; now the letter is
    refused as it is made, naming its case, and none is written."""
    case = _long_case(tmp_path, 1100)
    assert case.stat().st_size > 1_000_000
    done = subprocess.run(
        [*LETTERS, "render", str(case), "--format", "pdf", "-o", str(tmp_path / "long.pdf")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1
    assert re.fullmatch(
        rf"{re.escape(str(case))}: the letter is too long to convert to PDF: its Word document "
        r"unpacks to [\d,]+ bytes, more than 400,000 \(LETTERS_PDF_SIZE_LIMIT\); make it as "
        r"\.docx\n",
        done.stderr,
    ), done.stderr
    assert not (tmp_path / "long.pdf").exists()


def test_a_long_letter_within_the_bound_is_convertible(tmp_path: Path) -> None:
    long = Renderer().render(load_case(_long_case(tmp_path, 100)))
    check_convertible(long)  # some 100,000 characters: no error
