"""Fill a Word template with a composed letter, through docxtpl's tags and preprocessing.

A template is an ordinary .docx a user can restyle in Word or LibreOffice. It shows the letter
with docxtpl tags: ``{{ letter.reference }}``, and paragraph loops such as
``{%p for section in letter.sections %}``. Case text reaches it only as values, escaped for XML,
never as template source. Tags are evaluated in the wording sandbox (``wording.py``), in every
part docxtpl fills, and a template is checked before it is trusted: one whose tags would not
work, or whose package is not a sound Word file, is refused when it is read.

A template is prepared once and then fills any number of letters: docxtpl's preprocessing of the
tags (``patch_xml``) and Jinja's compiling are done once per template, and the parts a letter
does not change are compressed once. Plain docxtpl does all of that again for every letter.
Templates with tables or pictures in the body, whose XML docxtpl also rewrites after rendering,
are filled by docxtpl itself. Either way the .docx is deterministic: the same letter gives the
same bytes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup, escape

from letters.composition import Letter, LetterParagraph
from letters.configuration import bundled, settings
from letters.limits import DEFAULT, Limits, read_bounded
from letters.problems import LettersError, Location, TemplateError
from letters.word import ooxml
from letters.wording import Fields, MissingFact, Sandbox, plain_values, render_bounded

if TYPE_CHECKING:
    pass

TEMPLATES = bundled("templates")
"""The Word templates that come with letters; ``--template NAME`` looks here by default."""

DEFAULT_TEMPLATE = "decision"
PROPERTY_LIMIT = 255  # python-docx refuses longer core properties; Word shows no more


def _as_text(value: Any) -> Any:
    """A value as text in the document's XML: escaped, with braces as character references.

    After rendering, docxtpl turns "{_{", "}_}", "{_%" and "%_}" anywhere in the XML into tag
    characters (its way of writing a literal tag in a template); case text that held one would
    change. Written as &#123; and &#125; its braces are the same to any reader and safe from that.
    """
    if isinstance(value, str) and ("{" in value or "}" in value) and not hasattr(value, "__html__"):
        return Markup(str(escape(value)).replace("{", "&#123;").replace("}", "&#125;"))
    return value  # autoescape escapes it as usual


BODY_ENVIRONMENT = Sandbox(autoescape=True, finalize=_as_text)
"""The sandbox a template's XML parts are rendered in: values escaped for XML."""
PROPERTIES_ENVIRONMENT = Sandbox()
"""The sandbox document properties are rendered in: plain text, escaped when written."""


def templates_folder() -> Path:
    """Where ``--template NAME`` looks: as configured (``$LETTERS_TEMPLATES``,
    ``letters.toml``), else the templates that come with letters."""
    return Path(settings()["templates"].value)


def find_template(template: str | Path | None = None) -> Path:
    """The template file: a path to a .docx, or the name of one in the templates folder;
    by default the configured template (``$LETTERS_TEMPLATE``, ``letters.toml``: decision)."""
    name = str(template) if template is not None else str(settings()["template"].value)
    if name.lower().endswith(".docx") or "/" in name or "\\" in name:
        return Path(name)
    folder = templates_folder()
    path = folder / f"{name}.docx"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.docx"))) or "none"
        raise TemplateError(f"no template named {name!r} (templates in {folder}: {known})")
    return path


class WordTemplate:
    """A Word template, read, checked and prepared once, used for as many letters as needed."""

    def __init__(self, path: str | Path, *, limits: Limits = DEFAULT):
        from letters.word.checking import problems_in

        self.path = Path(path)
        self.data = read_docx(self.path, limits)
        source = str(self.path)
        parts = ooxml.read_package(self.data, source=source, limits=limits)
        errors = [problem for problem in problems_in(parts, compiling=False) if problem.is_error]
        if errors:
            raise TemplateError(problems=[problem.at(source) for problem in errors])
        self._fill: Callable[[dict[str, Any]], bytes]
        try:
            if ooxml.has_tables_or_pictures(parts[ooxml.DOCUMENT].decode("utf-8")):
                self._fill = self._fill_with_docxtpl
            else:
                self._fill = _Prepared(self.data, parts).fill
        except LettersError as error:
            raise error.at(source) from None

    def render(self, letter: Letter) -> bytes:
        """The letter as .docx bytes."""
        try:
            return self._fill(template_context(letter))
        except LettersError as error:
            raise error.at(str(self.path)) from None
        except MissingFact as error:
            raise TemplateError(
                f"the template uses {error.name!r}, which a letter does not have "
                "(letters templates check lists what it has)",
                Location(file=str(self.path)),
            ) from None
        except jinja2.TemplateSyntaxError as error:
            raise _syntax_error(error).at(str(self.path)) from None
        except RecursionError:
            raise TemplateError(
                "the template's tags call themselves too deeply", Location(file=str(self.path))
            ) from None
        except Exception as error:  # refused by the sandbox, or a filter given the wrong value
            raise TemplateError(
                f"a tag of the template failed: {type(error).__name__}: {error}",
                Location(file=str(self.path)),
            ) from None

    def _fill_with_docxtpl(self, context: dict[str, Any]) -> bytes:
        return render_with_docxtpl(self.data, context)


def _syntax_error(error: jinja2.TemplateSyntaxError, part: str = ooxml.DOCUMENT) -> TemplateError:
    """A template's syntax error at its part and paragraph, showing the paragraph's text.

    docxtpl's preprocessing puts each paragraph on a line of its own, so Jinja's line is one.
    """
    lines = (error.source or "").splitlines()
    shown = ""
    if error.lineno and error.lineno <= len(lines):
        text = ooxml.paragraph_line_text(lines[error.lineno - 1])
        shown = f", in the paragraph {text[:80]!r}" if text else ""
    return TemplateError(f"template syntax: {error.message}{shown}", Location(part=part))


def render_with_docxtpl(template: bytes, context: dict[str, Any]) -> bytes:
    """Fill a template the plain docxtpl way: load, render, save, for this one letter.

    docxtpl renders the body, headers, footers, footnotes and core properties; endnotes too here,
    as the prepared path does. Every tag is evaluated in the same sandbox as the prepared path's.
    """
    from docxtpl import DocxTemplate  # docxtpl and python-docx are imported when first needed

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
                    _limit(render_bounded(value, context, xml=True)),
                )

        def render_footnotes(self, context: dict[str, Any], jinja_env: Any = None) -> None:
            super().render_footnotes(context, jinja_env)
            for part in self.docx.part.package.parts:
                if part.content_type == _ENDNOTES:
                    xml = self.patch_xml(part.blob.decode("utf-8"))
                    part._blob = self.render_xml_part(xml, part, context, jinja_env).encode("utf-8")

    document = SandboxedTemplate(io.BytesIO(template))
    document.render(context, BODY_ENVIRONMENT, autoescape=True)
    output = io.BytesIO()
    document.save(output)
    parts = ooxml.read_package(output.getvalue(), source="<rendered>")
    return ooxml.write_package(ooxml.compress(name, content) for name, content in parts.items())


_ENDNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml"


class _Prepared:
    """A template's parts, with the tagged ones compiled and the others compressed."""

    def __init__(self, data: bytes, parts: Mapping[str, bytes]):
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
        raise _syntax_error(found, part) from None

    def _render(self, template: jinja2.Template, context: dict[str, Any]) -> str:
        """Render a part and undo docxtpl's markers, as docxtpl's render_xml_part does.

        Each step first looks for a character it needs, which is quick: most letters have
        none of them.
        """
        xml = render_bounded(template, context, xml=True)
        if "\n" in xml:  # a line break before a paragraph, as docxtpl would take out
            xml = ooxml.join_paragraph_lines(xml)
        if "_" in xml:  # docxtpl's markers for a literal {{ and }}, {% and %}
            xml = (
                xml.replace("{_{", "{{")
                .replace("}_}", "}}")
                .replace("{_%", "{%")
                .replace("%_}", "%}")
            )
        # resolve_listing turns line breaks, tabs, \a and \f in text (w:t) into Word's; it
        # walks every paragraph, so it runs only on the paragraphs that hold one of them.
        if ooxml.has_listing_characters(xml):
            xml = ooxml.each_paragraph(xml, resolve_listing)
        return xml

    def _core_properties(self, context: dict[str, Any]) -> bytes:
        assert self.properties is not None
        text = "".join(
            piece
            if isinstance(piece, str)
            else ooxml.escape_text(_limit(render_bounded(piece, context, xml=True)))
            for piece in self.properties
        )
        return text.encode("utf-8")

    def fill(self, context: dict[str, Any]) -> bytes:
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


def patch_xml(xml: str) -> str:
    """docxtpl's preprocessing of a part's tags (``DocxTemplate.patch_xml``: tags Word split
    across runs joined, ``{%p %}`` and the like), kept in the code folder between runs for this
    part and this docxtpl, so that a command need not import docxtpl and python-docx (a tenth
    of a cold start) for a template it has prepared before."""
    from letters.wording import code_folder

    folder = code_folder()
    if folder is None:
        return _docxtpl_patch(xml)
    key = hashlib.sha256(xml.encode("utf-8", "surrogatepass"))
    key.update(_docxtpl_stamp().encode())
    path = folder / f"patched-{key.hexdigest()}.xml"
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        pass
    patched = _docxtpl_patch(xml)
    with contextlib.suppress(OSError):
        temporary = path.with_name(f"{path.name}.{os.getpid()}.part")
        temporary.write_text(patched, encoding="utf-8")
        temporary.replace(path)
    return patched


def _docxtpl_patch(xml: str) -> str:
    from docxtpl import DocxTemplate

    patched: str = DocxTemplate.patch_xml(None, xml)  # it reads nothing of the template
    return patched


def resolve_listing(xml: str) -> str:
    """docxtpl's ``resolve_listing``: line breaks, tabs, \\a and \\f in text as Word's."""
    from docxtpl import DocxTemplate

    resolved: str = DocxTemplate.resolve_listing(None, xml)  # it reads nothing of the template
    return resolved


@functools.cache
def _docxtpl_stamp() -> str:
    """Which docxtpl is installed, without importing it: its template module's size and time."""
    import importlib.util

    spec = importlib.util.find_spec("docxtpl")
    if spec is None or spec.origin is None:
        return "none"
    found = Path(spec.origin).with_name("template.py").stat()
    return f"{found.st_size}:{found.st_mtime_ns}"


def _limit(text: str) -> str:
    return text if len(text) <= PROPERTY_LIMIT else text[: PROPERTY_LIMIT - 1] + "…"


def read_docx(path: Path, limits: Limits) -> bytes:
    """A template file's bytes: five times the file size limit at most, as its parts may be."""
    return read_bounded(
        path, 5 * limits.file_size, TemplateError, "template file", times="five times "
    )


class ParagraphText(str):
    """A paragraph's text (before its list, if it holds one) as a template sees it.
    ``keeps_with_next`` is true for the letter's last paragraph: a template keeps it on the page
    of the sign-off that follows. ``items`` are its list's items, each an ``ItemText``."""

    keeps_with_next = False
    items: tuple[ItemText, ...] = ()


class ItemText(str):
    """An item of a paragraph's list as a template sees it: its text, and ``style``, which
    says which of the template's list paragraphs shows it: ``number-0`` (a numbered item,
    "a)"), ``number-1``, ``number-2``; ``unnumbered-0`` to ``unnumbered-2``, the same in a
    letter whose paragraphs are not numbered; ``bullet-0`` to ``bullet-2``; or ``text`` (the
    paragraph going on after its list)."""

    style = "text"


plain_values(ParagraphText, ("keeps_with_next", "items"))
plain_values(ItemText, ("style",))


def _paragraph_text(paragraph: LetterParagraph, numbered: bool = True) -> ParagraphText:
    if not paragraph.items:
        return ParagraphText(paragraph.text)
    text = ParagraphText(paragraph.lead)
    shown = []
    for item in paragraph.items:
        item_text = ItemText(item.text)
        kind = item.kind if item.kind != "number" or numbered else "unnumbered"
        item_text.style = "text" if kind == "text" else f"{kind}-{item.level}"
        shown.append(item_text)
    text.items = tuple(shown)
    return text


def _paragraph_texts(letter: Letter) -> list[list[ParagraphText]]:
    sections = [
        [_paragraph_text(paragraph, letter.numbered) for paragraph in section.paragraphs]
        for section in letter.sections
    ]
    last = next((paragraphs for paragraphs in reversed(sections) if paragraphs), None)
    if last:
        last[-1].keeps_with_next = True
    return sections


def template_context(letter: Letter) -> dict[str, Any]:
    """What a template sees as ``letter``: the composed letter as text."""
    texts = _paragraph_texts(letter)
    return {
        "letter": Fields(
            {
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
                    Fields({"id": section.id, "heading": section.heading, "paragraphs": paragraphs})
                    for section, paragraphs in zip(letter.sections, texts, strict=True)
                ],
                "sign_off": _text(letter.sign_off),
                "numbered": letter.numbered,
            }
        )
    }


def _text(paragraph: LetterParagraph | None) -> str | None:
    return paragraph.text if paragraph is not None else None


LETTER_FIELDS = frozenset(
    template_context(Letter(sections=(), sign_off=LetterParagraph(())))["letter"]
)
"""What a template may ask of ``letter``."""
SECTION_FIELDS = frozenset(("id", "heading", "paragraphs"))
"""What a template may ask of each of ``letter.sections``."""


def render(letter: Letter, template: WordTemplate | str | Path | None = None) -> bytes:
    """Fill a Word template with the letter: a WordTemplate, a path, a name, or the default."""
    if not isinstance(template, WordTemplate):
        template = WordTemplate(find_template(template))
    return template.render(letter)
