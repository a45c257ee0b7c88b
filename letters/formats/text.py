"""A composed letter as plain text or Markdown: for pasting into case systems and for review.

Both come from the same Letter as the Word document: the header lines, the title, the
Summary, each section's heading and its paragraphs with their labels ("3.", "b.", as the
outline numbers each section: the same labels every format prints), and the sign-off. A paragraph's own line breaks (a bulleted list of tests, a citation
on a line of its own) are kept, indented under the paragraph's number.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from letters.limits import check_time

if TYPE_CHECKING:
    from letters.composition import Letter, LetterParagraph

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<|~])")  # markup wherever it stands
_LINE_START = re.compile(r"^(\s*)([#>+-])", re.MULTILINE)  # markup at the start of a line
_LIST_LIKE = re.compile(r"^(\s*)(\d+)([.)])", re.MULTILINE)
_ENTITY = re.compile(r"&(?=#?\w+;)")


def header(letter: Letter) -> list[str]:
    """The lines above the title, as the library words them (its outline's ``header``)."""
    return [line.text for line in letter.header]


def summary_label(letter: Letter) -> str:
    """What stands before the Summary on its line, as the library words it (its layout's
    ``lines``: ``summary_label``, "Summary:"); nothing where it has none."""
    return letter.lines.get("summary_label", "")


def _labelled(label: str, text: str) -> str:
    return f"{label} {text}" if label else text


def plain_text(letter: Letter) -> str:
    """The letter as plain text."""
    blocks: list[str] = []
    if letter.header:
        blocks.append("\n".join(header(letter)))
    blocks.append(letter.title)
    if letter.summary is not None:
        blocks.append(_labelled(summary_label(letter), letter.summary.text))
    for section in letter.sections:
        check_time()
        blocks.append(section.heading)
        for paragraph in section.paragraphs:
            label = f"{paragraph.label} " if paragraph.label else ""
            blocks.append(label + paragraph.text.replace("\n", "\n" + " " * len(label)))
    blocks.append(letter.sign_off.text)
    return "\n\n".join(block for block in blocks if block) + "\n"


def markdown(letter: Letter) -> str:
    """The letter as Markdown: title and section headings as headings, paragraphs numbered."""
    blocks: list[str] = []
    lines = header(letter)
    if lines:
        first, *rest = [escape(line) for line in lines]
        blocks.append("  \n".join([f"**{first}**", *rest]))
    blocks.append(f"# {escape(letter.title)}")
    if letter.summary is not None:
        label = summary_label(letter)
        text = _lines(escape(letter.summary.text), "")
        blocks.append(_labelled(f"**{escape(label)}**" if label else "", text))
    for section in letter.sections:
        check_time()
        blocks.append(f"{'#' * min(section.level + 1, 6)} {escape(section.heading)}")
        for paragraph in section.paragraphs:
            # "b." starts no Markdown list (only digits do), so a lettered label reads as text
            label = f"{paragraph.label} " if paragraph.label else ""
            blocks.append(label + _lines(escape(paragraph.lead), " " * len(label)))
            if paragraph.items:
                blocks.append(_list(paragraph, " " * len(label)))
    blocks.append(f"*{escape(letter.sign_off.text)}*")
    return "\n\n".join(blocks) + "\n"


def _list(paragraph: LetterParagraph, indent: str) -> str:
    """A paragraph's list as a Markdown list under its number: bullets as ``-``, numbered items
    as an ordered list (Markdown numbers with digits: the letter's a), b) are 1., 2. here), a
    list in an item indented under it, and the text after the list as a paragraph of its own."""
    lines: list[str] = []
    indents = [indent]  # where each level's items start
    for item in paragraph.items:
        if item.kind == "text":
            lines += ["", indent + _lines(escape(item.text), indent)]
            indents = [indent]
            continue
        while len(indents) <= item.level:  # a level given without the one above it
            indents.append(indents[-1] + "  ")
        del indents[item.level + 1 :]
        here = indents[item.level]
        sign = "-" if item.kind == "bullet" else f"{item.number}."
        inside = here + " " * (len(sign) + 1)
        indents.append(inside)
        lines.append(f"{here}{sign} " + _lines(escape(item.text), inside))
    return "\n".join(lines)


def escape(text: str) -> str:
    """Text that Markdown shows as it is: its markup characters escaped."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    text = _LINE_START.sub(r"\1\\\2", text)
    return _LIST_LIKE.sub(r"\1\2\\\3", text)  # "1." at a line's start would start a list


def _lines(text: str, indent: str) -> str:
    """A paragraph's own line breaks, as Markdown hard breaks indented under its number."""
    return text.replace("\n", "  \n" + indent)
