"""The one module that knows OOXML: a .docx's parts, namespaces, relationships and its zip.

A Word document is a zip package of XML parts: the document itself (``word/document.xml``), its
headers, footers, footnotes and endnotes (found through the document's relationships), the core
document properties (``docProps/core.xml``), and ``[Content_Types].xml`` saying what each part
is. The rest of the code asks this module for parts and their paragraphs and never edits XML
text itself.

Packages are untrusted (templates travel by email), so reading one is bounded and checked: each
part's unpacked size is limited and read no further than the limit whatever its header claims,
an encrypted part or an unknown compression method is refused with the part's name, and every
XML part is parsed without a DTD: no entity is ever expanded and nothing outside is fetched.

Writing is fast and deterministic: a letter differs from its template in a few parts, so every
other part is compressed once per template and copied as it is. The standard zipfile module
cannot take data already compressed, so this writes the zip structure itself; entry times are
fixed, so the same parts make the same bytes.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from attrs import frozen
from lxml import etree

from letters.limits import DEFAULT, Limits
from letters.problems import NOWHERE, Location, TemplateError

_isal_zlib: Any
try:  # ISA-L's deflate: several times zlib's speed, for the parts made for each letter
    from isal import isal_zlib as _isal_zlib
except ImportError:  # pragma: no cover - where isal has no wheel
    _isal_zlib = None

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DC = "http://purl.org/dc/elements/1.1/"
RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
OFFICE_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

CONTENT_TYPES = "[Content_Types].xml"
DOCUMENT = "word/document.xml"
DOCUMENT_RELATIONSHIPS = "word/_rels/document.xml.rels"
CORE_PROPERTIES = "docProps/core.xml"

TEMPLATED_RELATIONSHIPS = ("header", "footer", "footnotes", "endnotes")
"""The parts related from the document whose text a template may hold tags in."""

CORE_PROPERTY_TAGS = {  # the core properties docxtpl renders as templates
    "author": f"{{{DC}}}creator",
    "comments": f"{{{DC}}}description",
    "identifier": f"{{{DC}}}identifier",
    "language": f"{{{DC}}}language",
    "subject": f"{{{DC}}}subject",
    "title": f"{{{DC}}}title",
}
CORE_PROPERTY_LIMIT = 255  # python-docx refuses longer core properties; Word shows no more
ENDNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml"
"""The content type of the endnotes part."""

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=False
)
_ENCRYPTED = 0x1
_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def qualified(name: str) -> str:
    """A WordprocessingML name in lxml's form: ``w:p`` -> ``{...main}p``."""
    prefix, _, local = name.partition(":")
    assert prefix == "w", name
    return f"{{{W}}}{local}"


# Reading ------------------------------------------------------------------------------------


def read_package(
    data: bytes, *, source: str, limits: Limits = DEFAULT, what: str = "Word .docx file"
) -> dict[str, bytes]:
    """Every part of a package, checked: a zip, within the size limits, readable, its XML parts
    well-formed and free of DTDs, with a document and a content-types part."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise TemplateError(
            f"not a {what} (it is not a zip package)", Location(file=source)
        ) from None
    parts: dict[str, bytes] = {}
    total = 0
    with package:
        for info in package.infolist():
            where = Location(file=source, part=info.filename)
            if info.flag_bits & _ENCRYPTED:
                raise TemplateError(
                    "the part is encrypted; save the file without a password", where
                )
            if info.compress_type not in _COMPRESSIONS:
                raise TemplateError(
                    f"the part uses zip compression method {info.compress_type}, which Word "
                    "does not write; save the file again in Word or LibreOffice",
                    where,
                )
            content = _read_part(package, info, limits.file_size, where)
            total += len(content)
            if total > 5 * limits.file_size:
                raise TemplateError(
                    f"the package unpacks to more than {5 * limits.file_size:,} bytes "
                    "(five times LETTERS_FILE_SIZE_LIMIT)",
                    Location(file=source),
                )
            parts[info.filename] = content
    for required in (CONTENT_TYPES, DOCUMENT):
        if required not in parts:
            raise TemplateError(f"not a {what} (it has no {required})", Location(file=source))
    for name, content in parts.items():
        if name.endswith((".xml", ".rels")):
            where = Location(file=source, part=name)
            try:
                content.decode("utf-8")
            except UnicodeDecodeError as error:  # UTF-16, say: XML allows it, Word never writes it
                raise TemplateError(
                    f"the part is not UTF-8 text ({error.reason} at byte {error.start}), as "
                    "Word writes it; save the file again in Word or LibreOffice",
                    where,
                ) from None
            parse_xml(content, where)
    return parts


def _read_part(
    package: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, where: Location
) -> bytes:
    if info.file_size > limit:
        raise TemplateError(_too_large(limit), where)
    try:
        with package.open(info) as stream:
            content = stream.read(limit + 1)
    except Exception as error:  # zlib.error, a bad CRC, NotImplementedError, RuntimeError ...
        raise TemplateError(f"the part cannot be unpacked ({error})", where) from None
    if len(content) > limit:
        raise TemplateError(_too_large(limit), where)
    return content


def _too_large(limit: int) -> str:
    return f"the part unpacks to more than {limit:,} bytes (LETTERS_FILE_SIZE_LIMIT)"


def parse_xml(content: bytes | str, where: Location = NOWHERE) -> Any:
    """An XML part parsed safely: no DTD (so no entity, internal or external), no network."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError as error:
        raise TemplateError(f"not well-formed XML ({error})", where) from None
    if root.getroottree().docinfo.doctype:
        raise TemplateError(
            "the part declares a DTD (<!DOCTYPE>), which Word never writes; refused", where
        )
    return root


def templated_parts(parts: Mapping[str, bytes]) -> list[str]:
    """The parts whose text can hold template tags, the document first: the headers, footers,
    footnotes and endnotes the document relates to, in the order it names them."""
    names = [DOCUMENT]
    relations = parts.get(DOCUMENT_RELATIONSHIPS)
    if relations is None:
        return names
    for relation in parse_xml(relations).iter(f"{{{RELATIONSHIPS}}}Relationship"):
        kind = relation.get("Type", "").rsplit("/", 1)[-1]
        if kind in TEMPLATED_RELATIONSHIPS and relation.get("TargetMode") != "External":
            target = posixpath.normpath(posixpath.join("word", relation.get("Target", "")))
            if target in parts and target not in names:
                names.append(target)
    return names


def has_tables_or_pictures(document: str) -> bool:
    """Whether a document's body holds tables or drawings: docxtpl rewrites their XML after
    rendering (fix_tables, fix_docpr_ids), so such a template is filled by docxtpl itself."""
    start, end = document.find("<w:body"), document.rfind("</w:body>")
    body = document[start:end]
    return "<w:tbl" in body or "docPr" in body


_MARKUP = re.compile(rb"<[^>]*>")


def text_of(part: bytes) -> str:
    """A part's text with its markup taken out: its runs' text run together, where a tag Word
    split across runs reads whole."""
    return _MARKUP.sub(b"", part).decode("utf-8", "replace")


def body_bounds(document: str) -> tuple[int, int]:
    """Where the ``w:body`` element of the document's XML text starts and ends."""
    start, end = document.find("<w:body"), document.rfind("</w:body>") + len("</w:body>")
    if start < 0 or end < len("</w:body>"):
        raise TemplateError("the document has no body (w:body)", Location(part=DOCUMENT))
    return start, end


def paragraphs(root: Any) -> Iterator[tuple[int, Any]]:
    """Each paragraph of a part, numbered from 1 in document order."""
    yield from enumerate(root.iter(qualified("w:p")), start=1)


def run_texts(paragraph: Any) -> list[str]:
    """The text of each run of a paragraph, as Word split it."""
    return [
        "".join(t.text or "" for t in run.iter(qualified("w:t")))
        for run in paragraph.iter(qualified("w:r"))
    ]


def core_property_texts(core: bytes) -> dict[str, str]:
    """The core properties docxtpl renders, by their tag's local name, where they hold text."""
    root = parse_xml(core, Location(part=CORE_PROPERTIES))
    texts = {}
    for tag in CORE_PROPERTY_TAGS.values():
        element = root.find(tag)
        if element is not None and element.text:
            texts[etree.QName(element).localname] = element.text
    return texts


def split_core_properties(core: bytes, is_template: Callable[[str], bool]) -> list[str]:
    """docProps/core.xml as text around its templated properties: even items are XML text,
    odd items a property's template text (unescaped), in order."""
    slot = "\ue001"  # a private-use character, valid in XML, marks where each property goes
    tree = parse_xml(core, Location(part=CORE_PROPERTIES))
    found = []
    for tag in CORE_PROPERTY_TAGS.values():
        element = tree.find(tag)
        if element is not None and element.text and is_template(element.text):
            found.append(element.text)
            element.text = f"{slot}{len(found) - 1}{slot}"
    text = etree.tostring(tree, xml_declaration=True, encoding="UTF-8", standalone=True)
    pieces = text.decode("utf-8").split(slot)
    return [found[int(piece)] if number % 2 else piece for number, piece in enumerate(pieces)]


def escape_text(text: str) -> str:
    """Text for an XML element's content: &, < and > escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit_core_property(text: str) -> str:
    """A core property's text cut to the length Word shows, with an ellipsis where it is cut."""
    return text if len(text) <= CORE_PROPERTY_LIMIT else text[: CORE_PROPERTY_LIMIT - 1] + "…"


# docxtpl's paragraph lines -------------------------------------------------------------------
# docxtpl's render_xml_part puts each paragraph on a line of its own before Jinja sees the XML
# (so that a template error's line is a paragraph) and joins them again after.

_PARAGRAPH_START = re.compile(r"<w:p([ >])")
_PARAGRAPH_XML = re.compile(
    r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL
)  # as resolve_listing finds them
_LISTING_CHARACTERS = "\n\t\a\f"


def paragraph_per_line(xml: str) -> str:
    """The XML with each paragraph starting a line, as docxtpl gives it to Jinja."""
    return _PARAGRAPH_START.sub(r"\n<w:p\1", xml)


def join_paragraph_lines(xml: str) -> str:
    """Undo ``paragraph_per_line`` (docxtpl: ``re.sub(r"\\n<w:p([ >])", r"<w:p\\1", xml)``)."""
    return xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")


def paragraph_line_text(line: str) -> str:
    """The text a reader sees in one of docxtpl's paragraph lines: its tags taken out."""
    return " ".join(re.sub(r"<[^>]+>", "", line).split())


def has_listing_characters(xml: str) -> bool:
    """Whether a part, past its XML declaration, holds a character docxtpl's resolve_listing
    turns into Word's (line break, tab, \\a, \\f).

    Word writes no line breaks between tags, so one is nearly always in text; when it is not,
    resolve_listing finds nothing to do, as in plain docxtpl.
    """
    content = xml.split("?>", 1)[-1].lstrip() if xml.startswith("<?xml") else xml
    return any(character in content for character in _LISTING_CHARACTERS)


def each_paragraph(xml: str, change: Callable[[str], str]) -> str:
    """The XML with ``change`` applied to each paragraph that holds a listing character."""
    return _PARAGRAPH_XML.sub(
        lambda match: change(match[0]) if has_listing_characters(match[0]) else match[0], xml
    )


# Custom XML parts ---------------------------------------------------------------------------

_CUSTOM_XML = OFFICE_RELATIONSHIP + "customXml"
_CUSTOM_XML_PROPERTIES = OFFICE_RELATIONSHIP + "customXmlProps"
_PROPERTIES_TYPE = "application/vnd.openxmlformats-officedocument.customXmlProperties+xml"
_ITEM = re.compile(r"customXml/item(\d+)\.xml")


def add_custom_xml(parts: dict[str, bytes], item: bytes, item_id: str) -> None:
    """Add a custom XML part (data Word keeps with the document and never shows) to the parts,
    with its properties part, its relationship from the document and its content type."""
    taken = [int(m[1]) for name in parts if (m := _ITEM.fullmatch(name))]
    number = max(taken, default=0) + 1
    name, properties = f"customXml/item{number}.xml", f"customXml/itemProps{number}.xml"
    parts[name] = item
    parts[properties] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        f'<ds:datastoreItem ds:itemID="{{{item_id}}}" '
        'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml">'
        "<ds:schemaRefs/></ds:datastoreItem>"
    ).encode()
    own = etree.Element(f"{{{RELATIONSHIPS}}}Relationships", nsmap={None: RELATIONSHIPS})
    etree.SubElement(
        own,
        f"{{{RELATIONSHIPS}}}Relationship",
        Id="rId1",
        Type=_CUSTOM_XML_PROPERTIES,
        Target=f"itemProps{number}.xml",
    )
    parts[f"customXml/_rels/item{number}.xml.rels"] = _serialise(own)

    types = parse_xml(parts[CONTENT_TYPES])
    etree.SubElement(
        types,
        f"{{{CONTENT_TYPES_NS}}}Override",
        PartName=f"/{properties}",
        ContentType=_PROPERTIES_TYPE,
    )
    parts[CONTENT_TYPES] = _serialise(types)

    relations = parse_xml(parts.get(DOCUMENT_RELATIONSHIPS) or _empty_relationships())
    ids = {relation.get("Id") for relation in relations}
    identifier = next(
        f"rIdLetters{n}" for n in range(1, len(ids) + 2) if f"rIdLetters{n}" not in ids
    )
    etree.SubElement(
        relations,
        f"{{{RELATIONSHIPS}}}Relationship",
        Id=identifier,
        Type=_CUSTOM_XML,
        Target=f"../{name}",
    )
    parts[DOCUMENT_RELATIONSHIPS] = _serialise(relations)


def custom_xml_items(parts: Mapping[str, bytes]) -> Iterator[Any]:
    """The root element of each custom XML part of a package."""
    for name, content in parts.items():
        if _ITEM.fullmatch(name):
            yield parse_xml(content, Location(part=name))


def _empty_relationships() -> bytes:
    return _serialise(
        etree.Element(f"{{{RELATIONSHIPS}}}Relationships", nsmap={None: RELATIONSHIPS})
    )


def _serialise(root: Any) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)  # type: ignore[no-any-return]


# Writing ------------------------------------------------------------------------------------


_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01, the earliest date a zip can hold
_DOS_TIME = 0
_VERSION = 20  # 2.0: deflate
_STORED, _DEFLATED = 0, 8
_FILE_MODE = 0o100644 << 16
_SMALL = 2048  # parts smaller than this are stored: compressing them costs more than it saves


@frozen
class Entry:
    """One part of the package, ready to write: its local header and data, and the central
    directory's record of it but for the offset, which depends on the parts before it."""

    name: str
    local: bytes
    central: bytes
    name_bytes: bytes


def compress(name: str, content: bytes, *, quick: bool = False) -> Entry:
    """A part as a zip entry: deflated (small parts stored).

    The deflate window is the smallest that holds the part (up to deflate's 32 KB): the same
    output for a small part, at half the cost of setting up a full window. Any reader takes it.
    ``quick``, for the parts made anew for each letter: ISA-L's deflate (the ``isal``
    package), which makes about as few bytes as zlib's default level in a quarter of its time;
    where isal is not installed, zlib's fastest level with a small hash table, for 10% more bytes
    (about 200 in a 15 KB letter) in 40% less time than its default.
    """
    if len(content) < _SMALL:
        method, data = _STORED, content
    elif quick and _isal_zlib is not None:
        method, data = _DEFLATED, _isal_zlib.compress(content, 1, -15)
    else:
        window = max(10, min(15, (len(content) - 1).bit_length()))
        compressor = (
            zlib.compressobj(1, zlib.DEFLATED, -window, 4)
            if quick
            else zlib.compressobj(6, zlib.DEFLATED, -window, 8)
        )
        method, data = _DEFLATED, compressor.compress(content) + compressor.flush()
    encoded = name.encode("utf-8")
    fields = (
        method,
        _DOS_TIME,
        _DOS_DATE,
        zlib.crc32(content),
        len(data),
        len(content),
        len(encoded),
    )
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, _VERSION, 0, *fields, 0) + encoded + data
    central = struct.pack(
        "<IHHHHHHIIIHHHHHI",
        0x02014B50,
        _VERSION | (3 << 8),
        _VERSION,
        0,
        *fields,
        0,
        0,
        0,
        0,
        _FILE_MODE,
    )
    return Entry(name=name, local=local, central=central, name_bytes=encoded)


def deflates_with_isal() -> bool:
    """Whether ISA-L (the ``isal`` package) deflates the parts made for each letter; its bytes
    differ from zlib's, so a letter's bytes depend on it."""
    return _isal_zlib is not None


def deflate_quickly(data: bytes) -> bytes:
    """Data in zlib's format (not a zip entry), deflated quickly: by ISA-L where it is
    installed (``deflates_with_isal``), else by zlib's fastest level."""
    if _isal_zlib is not None:
        return bytes(_isal_zlib.compress(data, 0))
    return zlib.compress(data, 1)


def write_package(entries: Iterable[Entry]) -> bytes:
    """The zip file holding the entries, in the order given."""
    chunks: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    for entry in entries:
        chunks.append(entry.local)
        directory += (entry.central, struct.pack("<I", offset), entry.name_bytes)
        offset += len(entry.local)
    central = b"".join(directory)
    count = len(chunks)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), offset, 0)
    return b"".join([*chunks, central, end])
