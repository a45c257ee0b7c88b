"""A template prepared once to fill any number of letters: docxtpl's work done once, not per letter.

Plain docxtpl reads the package, preprocesses the tags (``patch_xml``), compiles each part with
Jinja and compresses every part again for each letter. A prepared template does the
preprocessing and the compiling once, compresses once the parts a letter does not change, and
for each letter renders only the tagged parts and writes the package around them. The result
is the XML docxtpl would make, and the same letter gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2

from letters.word import ooxml
from letters.word.context import BODY_ENVIRONMENT, PROPERTIES_ENVIRONMENT
from letters.word.docxtpl_adapter import finish_part, patch_xml, syntax_error
from letters.wording import render_bounded


class PreparedTemplate:
    """A template's parts, with the tagged ones compiled and the others compressed."""

    def __init__(self, parts: Mapping[str, bytes]):
        self.order = list(parts)
        document = parts[ooxml.DOCUMENT].decode("utf-8")
        start, end = ooxml.body_bounds(document)
        self.head, self.tail = document[:start], document[end:]
        self.body = self._compile(document[start:end], ooxml.DOCUMENT)
        self.tagged = {
            name: self._compile(parts[name].decode("utf-8"), name)
            for name in ooxml.templated_parts(parts)[1:]
            if b"{" in parts[name]
        }
        core = parts.get(ooxml.CORE_PROPERTIES)
        self.properties: list[str | jinja2.Template] | None = None
        if core is not None:
            pieces = ooxml.split_core_properties(core, lambda text: "{" in text)
            self.properties = [
                PROPERTIES_ENVIRONMENT.from_string(piece) if number % 2 else piece
                for number, piece in enumerate(pieces)
            ]
        changing = {ooxml.DOCUMENT, ooxml.CORE_PROPERTIES, *self.tagged}
        self.fixed = {
            name: ooxml.compress(name, content)
            for name, content in parts.items()
            if name not in changing
        }

    def _compile(self, xml: str, part: str) -> jinja2.Template:
        """Compile an XML part as docxtpl's render_xml_part does, once.

        docxtpl puts each paragraph on a line of its own for Jinja, so that an error's line is a
        paragraph, and takes the line breaks out again after rendering. Compiled without them,
        the same template renders the same XML with no line breaks to take out; they are put in
        only to say where a syntax error is.
        """
        source = patch_xml(xml)
        try:
            return BODY_ENVIRONMENT.from_string(source)
        except jinja2.TemplateSyntaxError as error:
            found = error
        try:  # again, a paragraph a line, for the paragraph the error is in
            BODY_ENVIRONMENT.from_string(ooxml.paragraph_per_line(source))
        except jinja2.TemplateSyntaxError as error:
            found = error
        raise syntax_error(found, part) from None

    def _render(self, template: jinja2.Template, context: dict[str, Any]) -> str:
        """Render a part and undo docxtpl's markers, as docxtpl's render_xml_part does."""
        return finish_part(render_bounded(template, context, xml=True))

    def _core_properties(self, context: dict[str, Any]) -> bytes:
        assert self.properties is not None
        text = "".join(
            piece
            if isinstance(piece, str)
            else ooxml.escape_text(
                ooxml.fit_core_property(render_bounded(piece, context, xml=True))
            )
            for piece in self.properties
        )
        return text.encode("utf-8")

    def fill(self, context: dict[str, Any]) -> bytes:
        """The letter's package: the tagged parts rendered with ``context``, the others as they are."""
        body = self.head + self._render(self.body, context) + self.tail
        changed = {ooxml.DOCUMENT: ooxml.compress(ooxml.DOCUMENT, body.encode("utf-8"), quick=True)}
        for name, template in self.tagged.items():
            xml = self._render(template, context).encode("utf-8")
            changed[name] = ooxml.compress(name, xml, quick=True)
        if self.properties is not None:
            changed[ooxml.CORE_PROPERTIES] = ooxml.compress(
                ooxml.CORE_PROPERTIES, self._core_properties(context), quick=True
            )
        return ooxml.write_package(changed.get(name) or self.fixed[name] for name in self.order)
