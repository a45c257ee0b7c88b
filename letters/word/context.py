"""The letter as a Word template sees it, and the sandboxes a template's tags run in.

A template sees one name, ``letter``: the composed letter as text (its reference, date,
complainant, sections of paragraphs, sign-off ...), and the pictures the edge rendering it drew
for it (``letter.pictures``: ``pictures.py``). A paragraph that holds a list carries its
items, each saying which of the template's list paragraphs shows it. Tags are evaluated in the
wording sandbox (``wording.py``): in the XML parts with every value escaped for XML, in the
document properties as plain text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from letters.code_cache import CODE_CACHE
from letters.composition import PAGE_MARK, PAGES_MARK, Letter, LetterParagraph
from letters.word.pictures import Picture, Pictures
from letters.wording import Fields, Sandbox, plain_values


def _as_text(value: Any) -> Any:
    """A value as text in the document's XML: escaped, with braces as character references.

    After rendering, docxtpl turns "{_{", "}_}", "{_%" and "%_}" anywhere in the XML into tag
    characters (its way of writing a literal tag in a template); case text that held one would
    change. Written as &#123; and &#125; its braces are the same to any reader and safe from that.
    """
    if isinstance(value, str) and ("{" in value or "}" in value) and not hasattr(value, "__html__"):
        return Markup(str(escape(value)).replace("{", "&#123;").replace("}", "&#125;"))
    return value  # autoescape escapes it as usual


BODY_ENVIRONMENT = Sandbox(autoescape=True, finalize=_as_text, bytecode_cache=CODE_CACHE)
"""The sandbox a template's XML parts are rendered in: values escaped for XML."""
PROPERTIES_ENVIRONMENT = Sandbox(bytecode_cache=CODE_CACHE)
"""The sandbox document properties are rendered in: plain text, escaped when written."""


class ParagraphText(str):
    """A paragraph's text (before its list, if it holds one) as a template sees it.
    ``keeps_with_next`` is true for the letter's last paragraph: a template keeps it on the page
    of the sign-off that follows. ``items`` are its list's items, each an ``ItemText``.

    ``label`` is its number as the letter prints it ("3.", "b.", "" for none), by its section's
    numbering. ``label_as_text`` says a template must print that label itself: Word's own
    numbering (a list paragraph that counts 1, 2, 3 across the document) gives every numbered
    paragraph the next number, so it shows a label only while the labels run 1, 2, 3 ... over
    the paragraphs it has numbered; a lettered label, or a count started again, is text."""

    keeps_with_next = False
    items: tuple[ItemText, ...] = ()
    label = ""
    label_as_text = False


class ItemText(str):
    """An item of a paragraph's list as a template sees it: its text, and ``style``, which
    says which of the template's list paragraphs shows it: ``number-0`` (a numbered item,
    "a)"), ``number-1``, ``number-2``; ``unnumbered-0`` to ``unnumbered-2``, the same in a
    letter whose paragraphs are not numbered; ``bullet-0`` to ``bullet-2``; or ``text`` (the
    paragraph going on after its list)."""

    style = "text"


plain_values(ParagraphText, ("keeps_with_next", "items", "label", "label_as_text"))
plain_values(ItemText, ("style",))


def _paragraph_text(paragraph: LetterParagraph, numbered: bool = True) -> ParagraphText:
    """A paragraph as a template sees it; ``numbered``: Word numbers it (its list's numbered
    items go one level down from its number), else they go under a paragraph not numbered."""
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
    sections = []
    counted = 0  # the paragraphs Word's own numbering has numbered so far
    for section in letter.sections:
        texts = []
        for paragraph in section.paragraphs:
            by_word = paragraph.label == f"{counted + 1}."
            counted += by_word
            text = _paragraph_text(paragraph, by_word)
            text.label = paragraph.label
            text.label_as_text = bool(paragraph.label) and not by_word
            texts.append(text)
        sections.append(texts)
    last = next((paragraphs for paragraphs in reversed(sections) if paragraphs), None)
    if last:
        last[-1].keeps_with_next = True
    return sections


def template_context(
    letter: Letter, pictures: Mapping[str, Picture] | None = None
) -> dict[str, Any]:
    """What a template sees as ``letter``: the composed letter as text, and the pictures the
    edge rendering it drew (``letter.pictures``, by name)."""
    texts = _paragraph_texts(letter)
    return {
        "letter": Fields(
            {
                "header": [line.text for line in letter.header],
                "lines": Lines(
                    {
                        name: text.replace(PAGE_MARK, "").replace(PAGES_MARK, "")
                        for name, text in letter.lines.items()
                    }
                ),
                "parts": Parts({name: _parts(text) for name, text in letter.lines.items()}),
                "facts": Fields(
                    {
                        name: [Fields(record) for record in value]
                        if isinstance(value, list) and value and isinstance(value[0], dict)
                        else value
                        for name, value in letter.facts.items()
                    }
                ),
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
                    Fields(
                        {
                            "id": section.id,
                            "heading": section.heading,
                            "numbering": section.numbering,
                            "level": section.level,
                            "paragraphs": paragraphs,
                        }
                    )
                    for section, paragraphs in zip(letter.sections, texts, strict=True)
                ],
                "sign_off": _text(letter.sign_off),
                "numbered": letter.numbered,
                "pictures": Pictures(pictures or {}),
            }
        )
    }


class Lines(Fields):
    """The letter's named lines: a line the library does not declare is printed as nothing (a
    stock template asks for lines, such as the Summary's label, that a library may not have;
    ``letters templates check`` names them)."""

    def __missing__(self, name: str) -> str:
        return ""


class Parts(Fields):
    """The named lines in three parts around the page's number and count (``_parts``)."""

    def __missing__(self, name: str) -> list[str]:
        return ["", "", ""]


plain_values(Lines)
plain_values(Parts)


def _parts(text: str) -> list[str]:
    """A named line in three parts, around the page's number and the count of pages (a page
    footer, "Page {{ page }} of {{ pages }}"), for a template to put Word's PAGE and NUMPAGES
    fields between: ``letter.parts.page_footer[0]``; a line that says neither is its first."""
    before, _, rest = text.partition(PAGE_MARK) if PAGE_MARK in text else (text, "", "")
    between, _, after = rest.partition(PAGES_MARK)
    return [before, between, after]


def _text(paragraph: LetterParagraph | None) -> str | None:
    return paragraph.text if paragraph is not None else None


LETTER_FIELDS = frozenset(
    template_context(Letter(sections=(), sign_off=LetterParagraph(())))["letter"]
)
"""What a template may ask of ``letter``."""
SECTION_FIELDS = frozenset(("id", "heading", "numbering", "level", "paragraphs"))
"""What a template may ask of each of ``letter.sections``."""
