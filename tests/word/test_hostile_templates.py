"""Hostile and broken Word templates: refused when read, with the part (and paragraph) named;
tags evaluated in the sandbox on both paths; every templated part filled alike by both."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from letters.composition import Letter, compose
from letters.library import Library
from letters.limits import Limits
from letters.loading import load_case
from letters.problems import LettersError, TemplateError
from letters.word import TEMPLATES, WordTemplate, check_template, ooxml, template_context
from letters.word.docxtpl_adapter import render_with_docxtpl
from tests.conftest import EXAMPLES

W = ooxml.W
FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
ENDNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml"


@pytest.fixture(scope="module")
def letter() -> Letter:
    return compose(load_case(EXAMPLES / "cpc-report-defamation.json"), Library.load())


def _parts() -> dict[str, bytes]:
    return ooxml.read_package((TEMPLATES / "decision.docx").read_bytes(), source="decision.docx")


def _paragraph(text: str) -> str:
    return f'<w:p xmlns:w="{W}"><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def _add_to_body(parts: dict[str, bytes], xml: str) -> None:
    document = parts[ooxml.DOCUMENT].decode()
    parts[ooxml.DOCUMENT] = document.replace("<w:sectPr", xml + "<w:sectPr", 1).encode()


def _add_to_part(parts: dict[str, bytes], part: str, text: str) -> None:
    content = parts[part].decode()
    closing = content.rindex("</w:")
    parts[part] = (content[:closing] + _paragraph(text) + content[closing:]).encode()


def _notes(kind: str, text: str) -> bytes:
    element = kind[:-1]
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:{kind} xmlns:w="{W}">'
        f'<w:{element} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{element}>'
        f'<w:{element} w:id="1"><w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p></w:{element}>'
        f"</w:{kind}>"
    ).encode()


def _add_notes(parts: dict[str, bytes], kind: str, text: str, content_type: str) -> None:
    name = f"word/{kind}.xml"
    parts[name] = _notes(kind, text)
    relations = etree.fromstring(parts[ooxml.DOCUMENT_RELATIONSHIPS])
    etree.SubElement(
        relations,
        f"{{{ooxml.RELATIONSHIPS}}}Relationship",
        Id=f"rIdTest{kind}",
        Type=ooxml.OFFICE_RELATIONSHIP + kind,
        Target=f"{kind}.xml",
    )
    parts[ooxml.DOCUMENT_RELATIONSHIPS] = etree.tostring(
        relations, xml_declaration=True, encoding="UTF-8"
    )
    types = etree.fromstring(parts[ooxml.CONTENT_TYPES])
    etree.SubElement(
        types,
        f"{{{ooxml.CONTENT_TYPES_NS}}}Override",
        PartName=f"/{name}",
        ContentType=content_type,
    )
    parts[ooxml.CONTENT_TYPES] = etree.tostring(types, xml_declaration=True, encoding="UTF-8")


def _set_title(parts: dict[str, bytes], text: str) -> None:
    core = etree.fromstring(parts[ooxml.CORE_PROPERTIES])
    title = core.find(ooxml.CORE_PROPERTY_TAGS["title"])
    assert title is not None
    title.text = text
    parts[ooxml.CORE_PROPERTIES] = etree.tostring(core, xml_declaration=True, encoding="UTF-8")


def _with_table(parts: dict[str, bytes]) -> None:
    """A table in the body: the template is then filled by docxtpl itself."""
    table = (
        f'<w:tbl xmlns:w="{W}"><w:tblPr/><w:tblGrid><w:gridCol w:w="2000"/></w:tblGrid>'
        f"<w:tr><w:tc><w:tcPr/>{_paragraph('Ref {{ letter.reference }}')}</w:tc></w:tr></w:tbl>"
    )
    _add_to_body(parts, table)


def _save(parts: dict[str, bytes], path: Path) -> Path:
    path.write_bytes(ooxml.write_package(ooxml.compress(n, c) for n, c in parts.items()))
    return path


def _everywhere(tag: str, table: bool = False) -> dict[str, bytes]:
    """The decision template with the tag in the body, header, footer, footnotes, endnotes and
    title property."""
    parts = _parts()
    _add_to_body(parts, _paragraph(f"Body {tag}"))
    _add_to_part(parts, "word/header1.xml", f"Header {tag}")
    _add_to_part(parts, "word/footer1.xml", f"Footer {tag}")
    _add_notes(parts, "footnotes", f"Footnote {tag}", FOOTNOTES_TYPE)
    _add_notes(parts, "endnotes", f"Endnote {tag}", ENDNOTES_TYPE)
    _set_title(parts, f"Title {tag}")
    if table:
        _with_table(parts)
    return parts


def _canonical(docx: bytes) -> dict[str, bytes]:
    """Each XML part in canonical form; the content types in order (python-docx sorts them)."""
    parts = ooxml.read_package(docx, source="letter")
    canonical = {}
    for name, content in parts.items():
        if name.endswith((".xml", ".rels")) and name != ooxml.CORE_PROPERTIES:
            root = etree.fromstring(content)
            if name == ooxml.CONTENT_TYPES:
                root[:] = sorted(root, key=lambda e: (e.tag, sorted(e.attrib.items())))
            canonical[name] = etree.tostring(root, method="c14n")
    return canonical


def _texts(docx: bytes, part: str) -> str:
    root = etree.fromstring(ooxml.read_package(docx, source="letter")[part])
    return "".join(t.text or "" for t in root.iter(f"{{{W}}}t"))


def test_tags_in_every_part_are_filled_alike_by_both_paths(tmp_path: Path, letter: Letter) -> None:
    path = _save(_everywhere("{{ letter.reference }}"), tmp_path / "everywhere.docx")
    template = WordTemplate(path)
    prepared = template.render(letter)
    plain = render_with_docxtpl(template.data, template_context(letter))
    assert _canonical(prepared) == _canonical(plain)
    for part, label in [
        (ooxml.DOCUMENT, "Body"),
        ("word/header1.xml", "Header"),
        ("word/footer1.xml", "Footer"),
        ("word/footnotes.xml", "Footnote"),
        ("word/endnotes.xml", "Endnote"),
    ]:
        assert f"{label} 24 018 696" in _texts(prepared, part)
    core = ooxml.core_property_texts(
        ooxml.read_package(prepared, source="l")[ooxml.CORE_PROPERTIES]
    )
    assert core["title"] == "Title 24 018 696"


@pytest.mark.parametrize("table", [False, True], ids=["prepared", "docxtpl"])
def test_a_sandbox_escape_in_any_part_is_refused_and_named(tmp_path: Path, table: bool) -> None:
    escape = "{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}"
    path = _save(_everywhere(escape, table), tmp_path / "evil.docx")
    found = [str(problem) for problem in check_template(path)]
    for part in [
        "word/document.xml",
        "word/header1.xml",
        "word/footer1.xml",
        "word/footnotes.xml",
        "word/endnotes.xml",
        "docProps/core.xml (title)",
    ]:
        assert (
            f"{path}: {part}: {{{{ cycler }}}}: a letter has no 'cycler' "
            "(a template sees only 'letter')" in found
        ), part
        assert (
            f"{path}: {part}: '__init__': a name that starts with '_' is refused in a template"
            in found
        )
    with pytest.raises(TemplateError):
        WordTemplate(path)
    assert not Path("PWNED").exists()


@pytest.mark.parametrize("table", [False, True], ids=["prepared", "docxtpl"])
def test_a_refused_attribute_at_render_time_is_one_error(
    tmp_path: Path, letter: Letter, table: bool
) -> None:
    parts = _parts()
    _add_to_body(parts, _paragraph("{{ letter.title | attr('__class__') }}"))
    if table:
        _with_table(parts)
    path = _save(parts, tmp_path / "sly.docx")
    with pytest.raises(TemplateError) as raised:
        WordTemplate(path).render(letter)
    assert str(raised.value).startswith(f"{path}: a tag of the template failed: SecurityError")
    assert "\n" not in str(raised.value)


def _zip_with(path: Path, patch: Callable[[bytearray], None]) -> Path:
    data = bytearray((TEMPLATES / "decision.docx").read_bytes())
    patch(data)
    path.write_bytes(bytes(data))
    return path


def _central_entries(data: bytearray) -> list[int]:
    offsets, start = [], 0
    while (found := data.find(b"PK\x01\x02", start)) >= 0:
        offsets.append(found)
        start = found + 4
    return offsets


def _compression_99(data: bytearray) -> None:
    for offset in _central_entries(data):
        name_length = struct.unpack_from("<H", data, offset + 28)[0]
        if data[offset + 46 : offset + 46 + name_length] == b"word/document.xml":
            struct.pack_into("<H", data, offset + 10, 99)
            local = struct.unpack_from("<I", data, offset + 42)[0]
            struct.pack_into("<H", data, local + 8, 99)


def _encrypted(data: bytearray) -> None:
    for offset in _central_entries(data):
        name_length = struct.unpack_from("<H", data, offset + 28)[0]
        if data[offset + 46 : offset + 46 + name_length] == b"word/styles.xml":
            flags = struct.unpack_from("<H", data, offset + 8)[0]
            struct.pack_into("<H", data, offset + 8, flags | 1)


def _rewritten(change: Callable[[dict[str, bytes]], object]) -> Callable[[bytearray], None]:
    def patch(data: bytearray) -> None:
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as package:
            parts = {name: package.read(name) for name in package.namelist()}
        change(parts)
        data[:] = ooxml.write_package(ooxml.compress(n, c) for n, c in parts.items())

    return patch


def _broken_footnotes(parts: dict[str, bytes]) -> None:
    _add_notes(parts, "footnotes", "x", FOOTNOTES_TYPE)
    parts["word/footnotes.xml"] = b"<w:footnotes"


ENTITY_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><w:document xmlns:w="' + W.encode() + b'"><w:body>'
    b"<w:p><w:r><w:t>&c;</w:t></w:r></w:p></w:body></w:document>"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<w:document xmlns:w="' + W.encode() + b'"><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p>'
    b"</w:body></w:document>"
)

BROKEN = {
    "unsupported-compression": (
        _compression_99,
        "word/document.xml: the part uses zip compression method 99",
    ),
    "encrypted-part": (_encrypted, "word/styles.xml: the part is encrypted"),
    "no-content-types": (
        _rewritten(lambda parts: parts.pop(ooxml.CONTENT_TYPES)),
        "not a Word .docx file (it has no [Content_Types].xml)",
    ),
    "document-not-xml": (
        _rewritten(lambda parts: parts.update({ooxml.DOCUMENT: b"<not xml"})),
        "word/document.xml: not well-formed XML",
    ),
    "entity-bomb": (
        _rewritten(lambda parts: parts.update({ooxml.DOCUMENT: ENTITY_BOMB})),
        "word/document.xml: the part declares a DTD (<!DOCTYPE>)",
    ),
    "external-entity": (
        _rewritten(lambda parts: parts.update({ooxml.DOCUMENT: EXTERNAL_ENTITY})),
        "word/document.xml: the part declares a DTD (<!DOCTYPE>)",
    ),
    "broken-footnotes-docxtpl-reads": (
        _rewritten(_broken_footnotes),
        "word/footnotes.xml: not well-formed XML",
    ),
    "unclosed-tag": (
        _rewritten(lambda parts: _add_to_body(parts, _paragraph("{{ letter.title"))),
        "word/document.xml paragraph ",
    ),
    "not-a-zip": (
        lambda data: data.__setitem__(slice(None), b"just text"),
        "not a Word .docx file (it is not a zip package)",
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_template_fails_render_and_check_with_one_line_naming_the_part(
    tmp_path: Path, letter: Letter, name: str
) -> None:
    patch, message = BROKEN[name]
    path = _zip_with(tmp_path / f"{name}.docx", patch)
    with pytest.raises(LettersError) as raised:
        WordTemplate(path).render(letter)
    texts = [str(raised.value)]
    try:  # a package that cannot be read is raised; problems of its tags are listed
        texts.append("\n".join(str(p) for p in check_template(path) if p.is_error))
    except LettersError as error:
        texts.append(str(error))
    for text in texts:
        assert text.startswith(f"{path}: "), text
        assert message in text, text
        assert "Traceback" not in text


def test_a_part_that_unpacks_past_the_limit_is_refused(tmp_path: Path) -> None:
    path = _zip_with(
        tmp_path / "big.docx",
        _rewritten(lambda parts: parts.update({"word/big.bin": b"\0" * 50_000})),
    )
    with pytest.raises(
        TemplateError, match=r"word/big.bin: the part unpacks to more than 40,000 bytes"
    ):
        WordTemplate(path, limits=Limits(file_size=40_000))
