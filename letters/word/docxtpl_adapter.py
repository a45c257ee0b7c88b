"""docxtpl, the engine Word templates are filled with: its own path, and what it does to a part.

docxtpl fills a template in three steps for each XML part: it preprocesses the part's tags
(``patch_xml``), renders the part with Jinja, and undoes its markers after (``finish_part``).
The preprocessing edits the XML text by regular expressions: it joins tags Word split across
runs and turns ``{%p %}``, ``{%tr %}`` and the like into tags around the whole paragraph or row
("docxtpl deletes the whole paragraph around {%p %}"). That is docxtpl's tag language, not
knowledge of OOXML, so it is not in ``ooxml.py``; nor is it written again here: docxtpl's own
functions are called, so that a template means exactly what it means to docxtpl.

docxtpl and python-docx are imported only when first needed: a tenth of a cold start, which a
command rendering with a template it prepared before does without.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import io
from pathlib import Path
from typing import Any

import jinja2

from letters.code_cache import CODE_CACHE
from letters.problems import Location, TemplateError
from letters.word import ooxml
from letters.word.context import BODY_ENVIRONMENT, PROPERTIES_ENVIRONMENT
from letters.word.pictures import Picture, Pictures, shown_pictures
from letters.wording import Fields, render_bounded


def render_with_docxtpl(template: bytes, context: dict[str, Any]) -> bytes:
    """Fill a template the plain docxtpl way: load, render, save, for this one letter.

    docxtpl renders the body, headers, footers, footnotes and core properties; endnotes too here,
    as the prepared path does. Every tag is evaluated in the same sandbox as the prepared path's.
    """
    from docxtpl import DocxTemplate  # noqa: PLC0415 - deferred: start-up speed (docxtpl, python-docx)

    class SandboxedTemplate(DocxTemplate):  # type: ignore[misc]
        """docxtpl's template with document properties as plain text, and endnotes rendered.

        docxtpl renders the core properties with the body's environment, so with autoescape on
        they would be XML-escaped twice: python-docx escapes them itself when it writes them.
        """

        def render_properties(self, context: dict[str, Any], jinja_env: Any = None) -> None:
            for name in ooxml.CORE_PROPERTY_TAGS:
                value = PROPERTIES_ENVIRONMENT.from_string(getattr(self.docx.core_properties, name))
                setattr(
                    self.docx.core_properties,
                    name,
                    ooxml.fit_core_property(render_bounded(value, context, xml=True)),
                )

        def render_footnotes(self, context: dict[str, Any], jinja_env: Any = None) -> None:
            super().render_footnotes(context, jinja_env)
            for part in self.docx.part.package.parts:
                if part.content_type == ooxml.ENDNOTES_TYPE:
                    xml = self.patch_xml(part.blob.decode("utf-8"))
                    part._blob = self.render_xml_part(xml, part, context, jinja_env).encode("utf-8")

    document = SandboxedTemplate(io.BytesIO(template))
    document.render(_with_pictures(context, document), BODY_ENVIRONMENT, autoescape=True)
    output = io.BytesIO()
    document.save(output)
    parts = ooxml.read_package(output.getvalue(), source="<rendered>")
    return ooxml.write_package(ooxml.compress(name, content) for name, content in parts.items())


def _with_pictures(context: dict[str, Any], document: Any) -> dict[str, Any]:
    """The context with each of the letter's pictures as docxtpl's inline image in the
    document being filled (``letter.pictures``): docxtpl adds its media part and relationship
    when the template shows it."""
    letter = context.get("letter")
    if not isinstance(letter, Fields):
        return context
    pictures = letter.get("pictures")
    if not isinstance(pictures, Pictures) or not pictures:
        return context
    inline = _inline_picture_class()
    shown = shown_pictures(pictures, lambda picture: inline(document, picture))
    return {**context, "letter": Fields({**letter, "pictures": shown})}


@functools.cache
def _inline_picture_class() -> type:
    """docxtpl's InlineImage with the picture's description as its alternative text (the
    drawing's ``wp:docPr/@descr``, which Word shows as "Alt Text" and a tagged PDF keeps)."""
    from docxtpl import InlineImage  # noqa: PLC0415 - deferred: start-up speed (docxtpl, python-docx)

    class InlinePicture(InlineImage):  # type: ignore[misc]
        def __init__(self, document: Any, picture: Picture):
            # a picture's width in EMUs, Word's unit: 360,000 to the centimetre
            super().__init__(document, None, width=round(picture.width * 360_000))
            self.picture = picture

        def _insert_image(self) -> str:
            # a stream of its own each time: a template may show the picture twice
            self.image_descriptor = io.BytesIO(self.picture.png)
            inline = self.tpl.current_rendering_part.new_pic_inline(
                self.image_descriptor, self.width, self.height
            )
            if self.picture.description:
                inline.docPr.set("descr", self.picture.description)
            # docxtpl's own way out of the run the tag is in, and back into one after it
            return (
                f"</w:t></w:r><w:r><w:drawing>{inline.xml}</w:drawing></w:r><w:r>"
                '<w:t xml:space="preserve">'
            )

    return InlinePicture


def syntax_error(error: jinja2.TemplateSyntaxError, part: str = ooxml.DOCUMENT) -> TemplateError:
    """A template's syntax error at its part and paragraph, showing the paragraph's text.

    docxtpl's preprocessing puts each paragraph on a line of its own, so Jinja's line is one.
    """
    lines = (error.source or "").splitlines()
    shown = ""
    if error.lineno and error.lineno <= len(lines):
        text = ooxml.paragraph_line_text(lines[error.lineno - 1])
        shown = f", in the paragraph {text[:80]!r}" if text else ""
    return TemplateError(f"template syntax: {error.message}{shown}", Location(part=part))


def patch_xml(xml: str) -> str:
    """docxtpl's preprocessing of a part's tags (``DocxTemplate.patch_xml``: tags Word split
    across runs joined, ``{%p %}`` and the like), kept in the code folder between runs for this
    part and this docxtpl, so that a command need not import docxtpl and python-docx (a tenth
    of a cold start) for a template it has prepared before."""
    key = hashlib.sha256(xml.encode("utf-8", "surrogatepass"))
    key.update(_docxtpl_stamp().encode())
    return CODE_CACHE.kept_text(f"patched-{key.hexdigest()}.xml", lambda: _docxtpl_patch(xml))


def finish_part(xml: str) -> str:
    """A rendered part with docxtpl's markers undone, as docxtpl's render_xml_part leaves it.

    Each step first looks for a character it needs, which is quick: most letters have
    none of them.
    """
    if "\n" in xml:  # a line break before a paragraph, as docxtpl would take out
        xml = ooxml.join_paragraph_lines(xml)
    if "_" in xml:  # docxtpl's markers for a literal {{ and }}, {% and %}
        xml = (
            xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        )
    # resolve_listing turns line breaks, tabs, \a and \f in text (w:t) into Word's; it
    # walks every paragraph, so it runs only on the paragraphs that hold one of them.
    if ooxml.has_listing_characters(xml):
        xml = ooxml.each_paragraph(xml, _resolve_listing)
    return xml


def _docxtpl_patch(xml: str) -> str:
    from docxtpl import DocxTemplate  # noqa: PLC0415 - deferred: start-up speed (docxtpl, python-docx)

    patched: str = DocxTemplate.patch_xml(None, xml)  # it reads nothing of the template
    return patched


def _resolve_listing(xml: str) -> str:
    """docxtpl's ``resolve_listing``: line breaks, tabs, \\a and \\f in text as Word's."""
    from docxtpl import DocxTemplate  # noqa: PLC0415 - deferred: start-up speed (docxtpl, python-docx)

    resolved: str = DocxTemplate.resolve_listing(None, xml)  # it reads nothing of the template
    return resolved


@functools.cache
def _docxtpl_stamp() -> str:
    """Which docxtpl is installed, without importing it: its template module's size and time."""
    spec = importlib.util.find_spec("docxtpl")
    if spec is None or spec.origin is None:
        return "none"
    found = Path(spec.origin).with_name("template.py").stat()
    return f"{found.st_size}:{found.st_mtime_ns}"
