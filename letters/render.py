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

import copy
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

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
_PARAGRAPH_MARK = re.compile(r"\n<w:p([ >])")
_LISTING_CHARACTERS = re.compile(r"[\n\t\a\f]")

_BODY_ENVIRONMENT = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
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
                f"template syntax: {error.message}", source=str(self.path)
            ) from None

    def render(self, letter: Letter) -> bytes:
        """The letter as .docx bytes."""
        try:
            return self._fill(template_context(letter))
        except jinja2.TemplateSyntaxError as error:
            raise TemplateError(
                f"template syntax: {error.message}", source=str(self.path)
            ) from None
        except jinja2.TemplateError as error:
            raise TemplateError(
                f"the template uses something a letter does not have: {error}",
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
        from lxml import etree

        self.etree = etree
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
        self.properties = (
            etree.fromstring(parts[CORE_PROPERTIES]) if CORE_PROPERTIES in parts else None
        )
        self.property_templates = self._property_templates()
        changing = {DOCUMENT, CORE_PROPERTIES, *self.tagged}
        self.fixed = {
            name: compress(name, content) for name, content in parts.items() if name not in changing
        }

    def _compile(self, xml: str) -> jinja2.Template:
        """Compile an XML part as docxtpl's render_xml_part does, once."""
        source = self.docxtpl.patch_xml(xml)
        return _BODY_ENVIRONMENT.from_string(_PARAGRAPH.sub(r"\n<w:p\1", source))

    def _property_templates(self) -> dict[str, jinja2.Template]:
        templates = {}
        if self.properties is not None:
            for tag in PROPERTIES.values():
                element = self.properties.find(tag)
                if element is not None and element.text and "{" in element.text:
                    templates[tag] = _PROPERTIES_ENVIRONMENT.from_string(element.text)
        return templates

    def _render(self, template: jinja2.Template, context: dict[str, Any]) -> str:
        """Render a part and undo docxtpl's markers, as docxtpl's render_xml_part does."""
        xml = _PARAGRAPH_MARK.sub(r"<w:p\1", template.render(context))
        xml = (
            xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        )
        # resolve_listing turns line breaks, tabs, \a and \f in text into Word's; it walks every
        # paragraph, so it runs only when there is one of them to turn.
        if _LISTING_CHARACTERS.search(xml):
            xml = self.docxtpl.resolve_listing(xml)
        return xml

    def _core_properties(self, context: dict[str, Any]) -> bytes:
        assert self.properties is not None
        properties = copy.deepcopy(self.properties)
        for tag, template in self.property_templates.items():
            element = properties.find(tag)
            assert element is not None
            element.text = _limit(template.render(context))
        return bytes(
            self.etree.tostring(properties, xml_declaration=True, encoding="UTF-8", standalone=True)
        )

    def fill(self, context: dict[str, Any]) -> bytes:
        changed: dict[str, Entry] = {
            DOCUMENT: compress(
                DOCUMENT, (self.head + self._render(self.body, context) + self.tail).encode("utf-8")
            )
        }
        for name, template in self.tagged.items():
            changed[name] = compress(name, self._render(template, context).encode("utf-8"))
        if self.properties is not None:
            changed[CORE_PROPERTIES] = compress(CORE_PROPERTIES, self._core_properties(context))
        return write_package(changed.get(name) or self.fixed[name] for name in self.order)


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
            "complainant": letter.complainant,
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
