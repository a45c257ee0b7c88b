"""The Word document: structure a reader (and Word's navigation pane) relies on."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import attrs
import docx
import pytest

from letters.composition import Letter, LetterParagraph, Origin, Text, compose
from letters.library import Library
from letters.loading import load_case
from letters.problems import TemplateError
from letters.word import TEMPLATES, WordTemplate, find_template, render, template_context
from letters.word.docxtpl_adapter import render_with_docxtpl
from tests.conftest import EXAMPLES, W, document_xml, letter_lines


@pytest.fixture(scope="module")
def letter(live_library: Library) -> Letter:
    return compose(load_case(EXAMPLES / "cpc-report-defamation.json"), live_library)


@pytest.fixture(scope="module")
def document(letter: Letter) -> docx.document.Document:
    return docx.Document(io.BytesIO(render(letter)))


def test_section_headings_use_word_heading_styles(document: docx.document.Document) -> None:
    styled = [(p.style.name if p.style else "", p.text) for p in document.paragraphs]
    headings = [(style, text) for style, text in styled if style.startswith("Heading")]
    assert headings == [
        ("Heading 1", "The Ombudsman's final decision:"),
        ("Heading 2", "The complaint"),
        ("Heading 2", "The Ombudsman’s role and powers"),
        ("Heading 2", "How I considered this complaint"),
        ("Heading 2", "My assessment"),
        ("Heading 2", "Final decision"),
    ]


def test_body_paragraphs_are_numbered_by_word_not_typed(
    document: docx.document.Document, letter: Letter
) -> None:
    numbered = [p for p in document.paragraphs if p.style and p.style.name == "Numbered Paragraph"]
    assert [p.text for p in numbered] == [p.text for p in letter.paragraphs]
    assert len(numbered) == 9
    assert not any(p.text[:1].isdigit() for p in numbered)
    style = document.styles["Numbered Paragraph"].element
    num_id = style.find(f".//{W}numPr/{W}numId").get(f"{W}val")
    definition = document.part.numbering_part.element.find(f"{W}num[@{W}numId='{num_id}']")
    assert definition is not None, "the numbered style points at a numbering definition"
    level = document.part.numbering_part.element.find(
        f"{W}abstractNum[@{W}abstractNumId='{definition.find(W + 'abstractNumId').get(W + 'val')}']/{W}lvl"
    )
    assert level.find(W + "numFmt").get(W + "val") == "decimal"


def test_heading_styles_carry_an_outline_level(document: docx.document.Document) -> None:
    for name, level in (("Heading 1", "0"), ("Heading 2", "1")):
        outline = document.styles[name].element.find(f".//{W}outlineLvl")
        assert outline is not None and outline.get(f"{W}val") == level


def test_page_header_holds_the_reference_and_footer_the_page_number(letter: Letter) -> None:
    data = render(letter)
    header = "".join(t.text or "" for t in document_xml(data, "word/header1.xml").iter(W + "t"))
    footer = document_xml(data, "word/footer1.xml")
    instructions = [t.text.strip() for t in footer.iter(W + "instrText") if t.text]
    assert header == "Reference: 24 018 696"
    assert instructions == ["PAGE", "NUMPAGES"]


def test_document_properties_are_filled(document: docx.document.Document) -> None:
    properties = document.core_properties
    assert (
        properties.title
        == "The Ombudsman's final decision: North Northamptonshire Council (24 018 696)"
    )
    assert properties.subject == (
        "Complaint about the content of a report considered by a Child Protection Conference"
    )


def test_same_letter_gives_byte_identical_documents(letter: Letter) -> None:
    assert render(letter) == render(letter)


def test_optional_header_lines_leave_no_trace(letter: Letter) -> None:
    named = {name: text for name, text in letter.lines.items() if name != "page_header"}
    bare = attrs.evolve(letter, header=letter.header[2:3], reference=None, lines=named)
    lines = [line for line in letter_lines(render(bare)) if line.strip()]
    assert lines[0] == "Decision : Closed after initial enquiries"
    assert lines[1] == "The Ombudsman's final decision:"
    assert not any(line.startswith(("Category", "Decision date", "Reference")) for line in lines)
    header = "".join(
        t.text or "" for t in document_xml(render(bare), "word/header1.xml").iter(W + "t")
    )
    assert header == ""


def test_xml_special_characters_and_tags_appear_literally(letter: Letter) -> None:
    hostile = "Smith & Sons <b>\"quoted\"</b> 'single' {{ letter.reference }} {%p if 1 %}"
    line = LetterParagraph((Text(f"Category : {hostile}", Origin(field="category")),))
    data = render(attrs.evolve(letter, header=(line,), body_name=hostile))
    assert f"Category : {hostile}" in letter_lines(data)
    assert docx.Document(io.BytesIO(data)).core_properties.title.startswith(
        f"The Ombudsman's final decision: {hostile}"
    )


def test_line_breaks_in_a_paragraph_become_word_line_breaks(letter: Letter) -> None:
    section = letter.sections[0]
    paragraph = attrs.evolve(
        section.paragraphs[0], runs=(attrs.evolve(section.paragraphs[0].runs[0], text="one\ntwo"),)
    )
    changed = attrs.evolve(letter, sections=(attrs.evolve(section, paragraphs=(paragraph,)),))
    body = document_xml(render(changed))
    assert any(p.find(f".//{W}br") is not None for p in body.iter(W + "p"))
    assert "one" in letter_lines(render(changed)) and "two" in letter_lines(render(changed))


def test_template_is_found_by_name_or_path(tmp_path: Path) -> None:
    assert find_template(None) == TEMPLATES / "decision.docx"
    assert find_template("decision") == TEMPLATES / "decision.docx"
    assert find_template(tmp_path / "mine.docx") == tmp_path / "mine.docx"
    with pytest.raises(
        TemplateError, match=r"no template named 'letterhead' \(templates in .*: decision"
    ):
        find_template("letterhead")


def test_a_file_that_is_not_a_docx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.docx"
    path.write_text("just text")
    with pytest.raises(TemplateError, match=r"notes.docx: not a Word .docx file"):
        WordTemplate(path)


def test_a_template_that_uses_what_a_letter_lacks_names_itself(
    tmp_path: Path, letter: Letter
) -> None:
    document = docx.Document()
    document.add_paragraph("{{ letter.signature }}")
    path = tmp_path / "odd.docx"
    document.save(str(path))
    with pytest.raises(
        TemplateError,
        match=r"odd.docx: word/document.xml: letter.signature: a letter has no 'signature'",
    ):
        render(letter, path)


def test_restyled_template_keeps_working(tmp_path: Path, letter: Letter) -> None:
    restyled = docx.Document(str(TEMPLATES / "decision.docx"))
    restyled.styles["Normal"].font.name = "Georgia"
    restyled.styles["Heading 2"].font.size = docx.shared.Pt(20)
    path = tmp_path / "restyled.docx"
    restyled.save(str(path))
    original = [line for line in letter_lines(render(letter)) if line.strip()]
    assert [line for line in letter_lines(render(letter, path)) if line.strip()] == original


def test_every_part_of_the_package_is_well_formed(letter: Letter) -> None:
    with zipfile.ZipFile(io.BytesIO(render(letter))) as package:
        assert package.testzip() is None
        for name in package.namelist():
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(package.read(name))


def _canonical(docx: bytes) -> dict[str, bytes]:
    """Each XML part of a package in canonical form, empty core properties left out."""
    from lxml import etree

    parts = {}
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        for name in package.namelist():
            tree = etree.fromstring(package.read(name))
            if name == "docProps/core.xml":
                for element in list(tree):
                    if not element.text and not len(element) and not element.attrib:
                        tree.remove(element)
            parts[name] = etree.tostring(tree, method="c14n")
    return parts


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_prepared_template_fills_as_plain_docxtpl_does(live_library: Library, path: Path) -> None:
    letter = compose(load_case(path), live_library)
    template = WordTemplate(TEMPLATES / "decision.docx")
    plain = render_with_docxtpl(template.data, template_context(letter))
    assert _canonical(template.render(letter)) == _canonical(plain)


def test_template_with_a_table_is_filled_by_docxtpl_itself(tmp_path: Path, letter: Letter) -> None:
    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Reference"
    table.cell(0, 1).text = "{{ letter.reference }}"
    path = tmp_path / "table.docx"
    document.save(str(path))
    assert "24 018 696" in letter_lines(WordTemplate(path).render(letter))


def test_long_document_properties_are_shortened_not_refused(letter: Letter) -> None:
    long = attrs.evolve(letter, body_name="B" * 400)
    title = docx.Document(io.BytesIO(render(long))).core_properties.title
    assert len(title) == 255 and title.endswith("…")


def _png() -> bytes:
    """A 1x1 PNG: a logo for a restyled header."""
    import struct
    import zlib as z

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", z.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", z.compress(b"\x00\x00\x80\xff"))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("name", ["decision", "letter"])
def test_template_restyled_with_a_logo_in_the_header_keeps_working(
    tmp_path: Path, letter: Letter, name: str
) -> None:
    restyled = docx.Document(str(TEMPLATES / f"{name}.docx"))
    restyled.styles["Normal"].font.name = "Georgia"
    restyled.styles["Heading 2"].font.color.rgb = docx.shared.RGBColor(0x80, 0, 0)
    restyled.sections[0].left_margin = docx.shared.Cm(3)
    logo = tmp_path / "logo.png"
    logo.write_bytes(_png())
    restyled.sections[0].header.paragraphs[0].add_run().add_picture(
        str(logo), width=docx.shared.Cm(2)
    )
    path = tmp_path / f"{name}-restyled.docx"
    restyled.save(str(path))
    original = [
        line for line in letter_lines(render(letter, TEMPLATES / f"{name}.docx")) if line.strip()
    ]
    filled = render(letter, path)
    assert [line for line in letter_lines(filled) if line.strip()] == original
    with zipfile.ZipFile(io.BytesIO(filled)) as package:
        assert any(name.startswith("word/media/") for name in package.namelist())
        assert "Reference: 24 018 696" in "".join(
            t.text or ""
            for t in ElementTree.fromstring(package.read("word/header1.xml")).iter(W + "t")
        )


def test_template_with_a_broken_tag_names_itself_and_the_tag(
    tmp_path: Path, letter: Letter
) -> None:
    document = docx.Document(str(TEMPLATES / "decision.docx"))
    document.add_paragraph("Signed: {{ letter.sign_off ")
    path = tmp_path / "broken.docx"
    document.save(str(path))
    with pytest.raises(TemplateError) as raised:
        render(letter, path)
    assert str(raised.value).startswith(f"{path}: word/document.xml paragraph ")
    assert "template syntax: " in str(raised.value)
    assert "in the paragraph 'Signed: {{ letter.sign_off'" in str(raised.value)


def test_docxtpl_markers_and_line_breaks_come_out_as_docxtpl_makes_them(
    tmp_path: Path, letter: Letter
) -> None:
    document = docx.Document(str(TEMPLATES / "decision.docx"))
    document.add_paragraph("Literal: {_{ not a tag }_} and {_% nor this %_}")
    document.add_paragraph("{{ letter.about }}")
    path = tmp_path / "markers.docx"
    document.save(str(path))
    odd = attrs.evolve(letter, about="about {_{ this }_}\nand\tthat")
    template = WordTemplate(path)
    prepared = template.render(odd)
    assert _canonical(prepared) == _canonical(
        render_with_docxtpl(template.data, template_context(odd))
    )
    text = "\n".join(letter_lines(prepared))
    assert "Literal: {{ not a tag }} and {% nor this %}" in text
    assert "about {_{ this }_}" in text  # case text keeps its braces as it gave them


def test_a_template_prints_a_table_row_for_each_record_of_a_fact(
    live_library: Library, tmp_path: Path
) -> None:
    """A template sees the declared facts (``letter.facts``): a row loop over a records fact."""
    document = docx.Document()
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).text = "{%tr for remedy in letter.facts.remedies %}"
    table.cell(1, 0).text = "{{ remedy.kind }}"
    table.cell(1, 1).text = "{{ remedy.amount or '' }} {{ remedy.by }}"
    table.cell(2, 0).text = "{%tr endfor %}"
    path = tmp_path / "findings.docx"
    document.save(str(path))
    letter = compose(load_case(EXAMPLES / "upheld-care-assessment-delay.json"), live_library)
    lines = [line.strip() for line in letter_lines(WordTemplate(path).render(letter))]
    kinds = [remedy["kind"] for remedy in letter.facts["remedies"]]
    assert [line for line in lines if line in kinds] == kinds
    assert "£300 within one month" in lines
