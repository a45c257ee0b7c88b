"""Fill a Word template with a composed letter, through docxtpl's tags and preprocessing.

A template is an ordinary .docx a user can restyle in Word or LibreOffice. It shows the letter
with docxtpl tags: ``{{ letter.reference }}``, and paragraph loops such as
``{%p for section in letter.sections %}``. Case text reaches it only as values, escaped for XML,
never as template source.

A template is prepared once and then fills any number of letters: docxtpl's preprocessing of the
tags (``patch_xml``) and Jinja's compiling are done once per template, and the parts a letter
does not change are compressed once. Plain docxtpl does all of that again for every letter.
Templates with tables or pictures, whose XML docxtpl also rewrites after rendering, are filled by
docxtpl itself. Either way the .docx is deterministic: the same letter gives the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup, escape

from letters.clauses import render_fast
from letters.compose import Letter, LetterParagraph
from letters.errors import TemplateError
from letters.package import Entry, compress, write_package

if TYPE_CHECKING:
    from docxtpl import DocxTemplate

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
"""The project's own Word templates; ``--template NAME`` looks here."""

DEFAULT_TEMPLATE = "decision"

DOCUMENT = "word/document.xml"
CORE_PROPERTIES = "docProps/core.xml"
HEADER_OR_FOOTER = re.compile(r"word/(header|footer)\d*\.xml")
PROPERTY_LIMIT = 255  # python-docx refuses longer core properties; Word shows no more
DC = "{http://purl.org/dc/elements/1.1/}"
PROPERTIES = {  # docxtpl renders these core properties as templates
    "author": DC + "creator",
    "comments": DC + "description",
    "identifier": DC + "identifier",
    "language": DC + "language",
    "subject": DC + "subject",
    "title": DC + "title",
}

_PARAGRAPH = re.compile(r"<w:p([ >])")
_LISTING_CHARACTERS = "\n\t\a\f"
_PARAGRAPH_XML = re.compile(
    r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL
)  # as resolve_listing finds them


def _as_text(value: Any) -> Any:
    """A value as text in the document's XML: escaped, with braces as character references.

    After rendering, docxtpl turns "{_{", "}_}", "{_%" and "%_}" anywhere in the XML into tag
    characters (its way of writing a literal tag in a template); case text that held one would
    change. Written as &#123; and &#125; its braces are the same to any reader and safe from that.
    """
    if isinstance(value, str) and ("{" in value or "}" in value) and not hasattr(value, "__html__"):
        return Markup(str(escape(value)).replace("{", "&#123;").replace("}", "&#125;"))
    return value  # autoescape escapes it as usual


_BODY_ENVIRONMENT = jinja2.Environment(
    undefined=jinja2.StrictUndefined, autoescape=True, finalize=_as_text
)
# Properties are plain text: python-docx and lxml escape them when they are written.
_PROPERTIES_ENVIRONMENT = jinja2.Environment(undefined=jinja2.StrictUndefined)


def find_template(template: str | Path | None = None) -> Path:
    """The template file: a path to a .docx, or the name of one in ``templates/``."""
    name = str(template) if template is not None else DEFAULT_TEMPLATE
    if name.lower().endswith(".docx") or "/" in name or "\\" in name:
        return Path(name)
    path = TEMPLATES / f"{name}.docx"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in TEMPLATES.glob("*.docx"))) or "none"
        raise TemplateError(f"no template named {name!r} (templates in {TEMPLATES}: {known})")
    return path


class WordTemplate:
    """A Word template, read and prepared once, used for as many letters as needed."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.data = _read_docx(self.path)
        self._fill: Callable[[dict[str, Any]], bytes]
        try:
            self._fill = _Prepared(self.data).fill
        except _NeedsDocxtpl:
            self._fill = self._fill_with_docxtpl
        except jinja2.TemplateSyntaxError as error:
            raise TemplateError(
                f"template syntax: {error.message}{_where_in(error)}", source=str(self.path)
            ) from None
        except (ValueError, KeyError, SyntaxError, zipfile.BadZipFile) as error:
            # SyntaxError: lxml's XMLSyntaxError, for a part that is not well-formed XML
            raise TemplateError(
                f"cannot read the template: {error}", source=str(self.path)
            ) from None

    def render(self, letter: Letter) -> bytes:
        """The letter as .docx bytes."""
        try:
            return self._fill(template_context(letter))
        except jinja2.TemplateSyntaxError as error:
            raise TemplateError(
                f"template syntax: {error.message}{_where_in(error)}", source=str(self.path)
            ) from None
        except jinja2.TemplateError as error:
            missing = re.search(r"has no attribute '(.+?)'|'(.+?)' is undefined", str(error))
            what = repr(next(name for name in missing.groups() if name)) if missing else str(error)
            raise TemplateError(
                f"the template uses {what}, which a letter does not have "
                "(letters templates check lists what it has)",
                source=str(self.path),
            ) from None

    def _fill_with_docxtpl(self, context: dict[str, Any]) -> bytes:
        return render_with_docxtpl(self.data, context)


def render_with_docxtpl(template: bytes, context: dict[str, Any]) -> bytes:
    """Fill a template the plain docxtpl way: load, render, save, for this one letter."""
    from docxtpl import DocxTemplate  # docxtpl and python-docx are imported when first needed

    class PlainTextProperties(DocxTemplate):  # type: ignore[misc]
        """docxtpl's template, with document properties rendered as plain text.

        docxtpl renders the core properties (title, subject) with the body's Jinja
        environment, so with autoescape on they would be XML-escaped twice: python-docx
        escapes them itself when it writes docProps/core.xml.
        """

        def render_properties(self, context: dict[str, Any], jinja_env: Any = None) -> None:
            for name in PROPERTIES:
                value = _PROPERTIES_ENVIRONMENT.from_string(
                    getattr(self.docx.core_properties, name)
                )
                setattr(self.docx.core_properties, name, _limit(value.render(context)))

    document = PlainTextProperties(io.BytesIO(template))
    document.render(context, _BODY_ENVIRONMENT, autoescape=True)
    output = io.BytesIO()
    document.save(output)
    with zipfile.ZipFile(io.BytesIO(output.getvalue())) as package:
        return write_package(compress(name, package.read(name)) for name in package.namelist())


class _NeedsDocxtpl(Exception):
    """The template has tables or pictures: docxtpl must fix their XML after rendering."""


class _Prepared:
    """A template's parts, with the tagged ones compiled and the others compressed."""

    def __init__(self, data: bytes):
        from docxtpl import DocxTemplate

        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = {name: package.read(name) for name in package.namelist()}
        self.order = list(parts)
        document = parts[DOCUMENT].decode("utf-8")
        start, end = document.find("<w:body"), document.rfind("</w:body>") + len("</w:body>")
        body = document[start:end]
        if "<w:tbl" in body or "docPr" in body:
            raise _NeedsDocxtpl
        # docxtpl's own tag preprocessing: joins tags Word split across runs, {%p %} and so on.
        # patch_xml and resolve_listing work on the XML text alone: python-docx need not load.
        self.docxtpl: DocxTemplate = DocxTemplate(io.BytesIO(data))
        self.head, self.tail = document[:start], document[end:]
        self.body = self._compile(body)
        self.tagged = {
            name: self._compile(parts[name].decode("utf-8"))
            for name in parts
            if HEADER_OR_FOOTER.fullmatch(name) and b"{" in parts[name]
        }
        self.properties = _prepare_properties(parts.get(CORE_PROPERTIES))
        changing = {DOCUMENT, CORE_PROPERTIES, *self.tagged}
        self.fixed = {
            name: compress(name, content) for name, content in parts.items() if name not in changing
        }

    def _compile(self, xml: str) -> jinja2.Template:
        """Compile an XML part as docxtpl's render_xml_part does, once."""
        source = self.docxtpl.patch_xml(xml)
        return _BODY_ENVIRONMENT.from_string(_PARAGRAPH.sub(r"\n<w:p\1", source))

    def _render(self, template: jinja2.Template, context: dict[str, Any]) -> str:
        """Render a part and undo docxtpl's markers, as docxtpl's render_xml_part does."""
        try:
            xml = render_fast(template, context)
        except jinja2.TemplateError:
            xml = template.render(context)  # raises again, with Jinja's own account of it
        # docxtpl: re.sub(r"\n<w:p([ >])", r"<w:p\1", xml), as two plain replacements
        xml = xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
        xml = (
            xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        )
        # resolve_listing turns line breaks, tabs, \a and \f in text (w:t) into Word's; it
        # walks every paragraph, so it runs only when some text holds one of them.
        if _has_listing_characters(xml):
            # resolve_listing rewrites each paragraph on its own; give it only those that need it
            resolve = self.docxtpl.resolve_listing
            xml = _PARAGRAPH_XML.sub(
                lambda m: resolve(m[0]) if _has_listing_characters(m[0]) else m[0], xml
            )
        return xml

    def _core_properties(self, context: dict[str, Any]) -> bytes:
        assert self.properties is not None
        text = "".join(
            piece if isinstance(piece, str) else _escape(_limit(render_fast(piece, context)))
            for piece in self.properties
        )
        return text.encode("utf-8")

    def fill(self, context: dict[str, Any]) -> bytes:
        body = self.head + self._render(self.body, context) + self.tail
        changed: dict[str, Entry] = {DOCUMENT: compress(DOCUMENT, body.encode("utf-8"))}
        for name, template in self.tagged.items():
            changed[name] = compress(name, self._render(template, context).encode("utf-8"))
        if self.properties is not None:
            changed[CORE_PROPERTIES] = compress(CORE_PROPERTIES, self._core_properties(context))
        return write_package(changed.get(name) or self.fixed[name] for name in self.order)


_SLOT = "\ue001"  # marks where a rendered property goes; a private-use character, valid in XML


def _prepare_properties(core: bytes | None) -> list[str | jinja2.Template] | None:
    """docProps/core.xml as text around its tagged properties, whose templates are compiled.

    A letter's core.xml is that text with each template's rendering, escaped, in its place.
    """
    if core is None:
        return None
    from lxml import etree

    tree = etree.fromstring(core)
    templates = []
    for tag in PROPERTIES.values():
        element = tree.find(tag)
        if element is not None and element.text and "{" in element.text:
            templates.append(_PROPERTIES_ENVIRONMENT.from_string(element.text))
            element.text = f"{_SLOT}{len(templates) - 1}{_SLOT}"
    text = etree.tostring(tree, xml_declaration=True, encoding="UTF-8", standalone=True)
    pieces: list[str | jinja2.Template] = []
    for number, piece in enumerate(text.decode("utf-8").split(_SLOT)):
        pieces.append(templates[int(piece)] if number % 2 else piece)
    return pieces


def _where_in(error: jinja2.TemplateSyntaxError) -> str:
    """The text of the paragraph a template's syntax error is in: it shows the broken tag.

    docxtpl's preprocessing puts each paragraph on a line of its own, so Jinja's line is one.
    """
    lines = (error.source or "").splitlines()
    if not error.lineno or error.lineno > len(lines):
        return ""
    text = " ".join(re.sub(r"<[^>]+>", "", lines[error.lineno - 1]).split())
    return f", in the paragraph {text[:80]!r}" if text else ""


def _has_listing_characters(xml: str) -> bool:
    """Whether a part, past its XML declaration, holds a character resolve_listing turns.

    Word writes no line breaks between tags, so one is nearly always in text; when it is not,
    resolve_listing finds nothing to do, as in plain docxtpl.
    """
    content = xml.split("?>", 1)[-1].lstrip() if xml.startswith("<?xml") else xml
    return any(character in content for character in _LISTING_CHARACTERS)


def _escape(text: str) -> str:
    """Text for an XML element: &, < and > escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _limit(text: str) -> str:
    return text if len(text) <= PROPERTY_LIMIT else text[: PROPERTY_LIMIT - 1] + "…"


def _read_docx(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise TemplateError("no such template file", source=str(path)) from None
    except OSError as error:
        raise TemplateError(
            f"cannot read the template ({error.strerror})", source=str(path)
        ) from None
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise TemplateError("not a Word .docx file (it is not a zip package)", source=str(path))
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        if DOCUMENT not in package.namelist():
            raise TemplateError(
                "not a Word .docx file (it has no word/document.xml)", source=str(path)
            )
    return data


def template_context(letter: Letter) -> dict[str, Any]:
    """What a template sees as ``letter``: the composed letter as text."""
    return {
        "letter": {
            "body_name": letter.body_name,
            "reference": letter.reference,
            "category": letter.category,
            "decision": letter.decision,
            "decision_date": letter.decision_date,
            "date": letter.date,
            "title": letter.title,
            "complainant": letter.complainant,
            "address": list(letter.address),
            "about": letter.about,
            "summary": _text(letter.summary),
            "sections": [
                {
                    "id": section.id,
                    "heading": section.heading,
                    "paragraphs": [paragraph.text for paragraph in section.paragraphs],
                }
                for section in letter.sections
            ],
            "sign_off": _text(letter.sign_off),
        }
    }


def _text(paragraph: LetterParagraph | None) -> str | None:
    return paragraph.text if paragraph is not None else None


def render(letter: Letter, template: WordTemplate | str | Path | None = None) -> bytes:
    """Fill a Word template with the letter: a WordTemplate, a path, a name, or the default."""
    if not isinstance(template, WordTemplate):
        template = WordTemplate(find_template(template))
    return template.render(letter)
