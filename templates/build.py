"""Build the stock Word templates from scratch.

The .docx files in this folder are the source users edit: open one in Word or LibreOffice,
restyle it (fonts, margins, heading colours, a logo in the header) and save it; the next letters
follow. This script only made their first version. Running it again overwrites them, so do not
run it once a template has been restyled. Run with ``.venv/bin/python templates/build.py``, or
name the templates to make (``templates/build.py reminder report``) to leave the others be.

What the decision template is made of:
- real heading styles (Heading 1 for the title, Heading 2 for sections), so the navigation pane
  and PDF bookmarks show the letter's outline;
- a paragraph style "Paragraph" for letters whose paragraphs are not numbered, widow and orphan
  control on, headings kept with the paragraph after them and the last paragraph with the
  sign-off;
- a paragraph style "Numbered Paragraph" tied to a Word numbering definition, so paragraphs are
  numbered 1, 2, 3 ... by Word itself, continuing across sections;
- a paragraph style "Labelled Paragraph" for a label Word's numbering cannot give (a section
  lettered a., b., or numbered from 1 again): the letter's label as text, then a tab, hanging
  as a numbered paragraph does;
- the case reference in the page header, "Page N of M" fields in the footer;
- document properties (title, subject) filled from the letter.

The letters the register writes to a body (``reminder.docx``, ``report.docx``) are the same
statement under the body and the date as an address block and "Dear Chief Executive"; the
compliance report's has, under its section "compliance", a table of the remedies due in the
period (the library's words, the register's numbers) and the chart the register draws of them
(``letter.pictures.compliance``): a picture docxtpl puts in the letter when it fills it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
FONT = "Arial"
INK = RGBColor(0x1F, 0x38, 0x64)
NUMBERING_ID = "90"


BULLETS_ID = "91"
UNNUMBERED_ID = "92"  # a letter not numbered: the items of its paragraphs' numbered lists
LEVEL_INDENT = 567  # twentieths of a point: 1 cm, the number's width and each level's step
BULLET_SIGNS = ("\u2022", "\u2013", "\u25aa")


def numbering_definition(document: Document) -> None:
    """Add the lists the letter uses: its paragraphs' "1." with the numbered items of a list in
    a paragraph one level down ("a)", then "i)", then "1."), which start again under each
    numbered paragraph; and the bullets of a list, three levels deep."""
    numbering = document.part.numbering_part.element
    item_levels = "".join(
        f'<w:lvl w:ilvl="{level}"><w:start w:val="1"/><w:numFmt w:val="{form}"/>'
        f'<w:lvlText w:val="%{level + 1}{sign}"/><w:lvlJc w:val="left"/>'
        f'<w:pPr><w:ind w:left="{LEVEL_INDENT * (level + 1)}" w:hanging="{LEVEL_INDENT}"/></w:pPr>'
        "</w:lvl>"
        for level, form, sign in (
            (1, "lowerLetter", ")"),
            (2, "lowerRoman", ")"),
            (3, "decimal", "."),
        )
    )
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{NUMBERING_ID}">'
        '<w:multiLevelType w:val="multilevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        '<w:lvlText w:val="%1."/><w:lvlJc w:val="left"/>'
        f'<w:pPr><w:ind w:left="{LEVEL_INDENT}" w:hanging="{LEVEL_INDENT}"/></w:pPr></w:lvl>'
        f"{item_levels}</w:abstractNum>"
    )
    bullet_levels = "".join(
        f'<w:lvl w:ilvl="{level}"><w:start w:val="1"/><w:numFmt w:val="bullet"/>'
        f'<w:lvlText w:val="{sign}"/><w:lvlJc w:val="left"/>'
        f'<w:pPr><w:ind w:left="{LEVEL_INDENT * (level + 2)}" w:hanging="{LEVEL_INDENT}"/></w:pPr>'
        f'<w:rPr><w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}"/></w:rPr></w:lvl>'
        for level, sign in enumerate(BULLET_SIGNS)
    )
    bullets = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{BULLETS_ID}">'
        f'<w:multiLevelType w:val="hybridMultilevel"/>{bullet_levels}</w:abstractNum>'
    )
    unnumbered_levels = "".join(
        f'<w:lvl w:ilvl="{level}"><w:start w:val="1"/><w:numFmt w:val="{form}"/>'
        f'<w:lvlText w:val="%{level + 1}{sign}"/><w:lvlJc w:val="left"/>'
        f'<w:pPr><w:ind w:left="{LEVEL_INDENT * (level + 1)}" w:hanging="{LEVEL_INDENT}"/></w:pPr>'
        "</w:lvl>"
        for level, form, sign in (
            (1, "lowerLetter", ")"),
            (2, "lowerRoman", ")"),
            (3, "decimal", "."),
        )
    )
    unnumbered = parse_xml(  # its first level is the paragraph itself, with no number shown
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{UNNUMBERED_ID}">'
        '<w:multiLevelType w:val="multilevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="none"/><w:suff w:val="nothing"/>'
        '<w:lvlText w:val=""/><w:lvlJc w:val="left"/>'
        '<w:pPr><w:ind w:left="0" w:firstLine="0"/></w:pPr></w:lvl>'
        f"{unnumbered_levels}</w:abstractNum>"
    )
    first_num = numbering.find(qn("w:num"))
    for definition in (abstract, bullets, unnumbered):
        if first_num is not None:
            first_num.addprevious(definition)
        else:
            numbering.append(definition)
    for number in (NUMBERING_ID, BULLETS_ID, UNNUMBERED_ID):
        numbering.append(
            parse_xml(
                f'<w:num {nsdecls("w")} w:numId="{number}">'
                f'<w:abstractNumId w:val="{number}"/></w:num>'
            )
        )


def use_font(style: object) -> None:
    """Set the style's font for every script, dropping theme fonts that would override it."""
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()  # type: ignore[attr-defined]
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)


def styles(document: Document) -> None:
    normal = document.styles["Normal"]
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(8)
    normal.paragraph_format.line_spacing = 1.15
    normal.paragraph_format.widow_control = True  # no line of a paragraph alone on a page
    use_font(normal)
    # British English for the whole letter: the default run language (w:lang), which a tagged
    # PDF's /Lang and Word's spelling check read
    for lang in document.styles.element.iter(qn("w:lang")):
        for attribute in ("w:val", "w:eastAsia"):
            if lang.get(qn(attribute)) == "en-US":
                lang.set(qn(attribute), "en-GB")

    for name, size, before in (
        ("Heading 1", 16, 12),
        ("Heading 2", 13, 14),
        ("Heading 3", 12, 10),
        ("Heading 4", 11, 8),
    ):
        style = document.styles[name]
        use_font(style)
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = INK
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True

    numbered = paragraph_style(document, "Numbered Paragraph")
    numbered.element.get_or_add_pPr().insert(
        0,
        parse_xml(f'<w:numPr {nsdecls("w")}><w:numId w:val="{NUMBERING_ID}"/></w:numPr>'),
    )
    paragraph_style(document, "Paragraph")  # a body paragraph of a letter not numbered
    labelled = paragraph_style(document, "Labelled Paragraph")  # "b.", a tab, the text
    labelled.paragraph_format.left_indent = Cm(1)
    labelled.paragraph_format.first_line_indent = Cm(-1)
    # The items of a list in a paragraph, and the paragraph going on after its list: each
    # paragraph of the template that shows one names its list and level (w:numPr).
    paragraph_style(document, "List Item", after=4)
    paragraph_style(document, "Continued Paragraph").paragraph_format.left_indent = Cm(1)
    paragraph_style(document, "Case Facts", after=2)
    paragraph_style(document, "Summary", before=6)
    paragraph_style(document, "Address", after=0)
    paragraph_style(document, "Letter Date", before=18)
    paragraph_style(document, "Salutation", before=12)
    paragraph_style(document, "Closing", before=18).paragraph_format.keep_with_next = True
    paragraph_style(document, "Sign-off", before=18).font.italic = True


def paragraph_style(
    document: Document, name: str, *, before: int | None = None, after: int | None = None
) -> Any:
    """A paragraph style of the template's own, built on Normal, shown in Word's style gallery."""
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.quick_style = True
    if before is not None:
        style.paragraph_format.space_before = Pt(before)
    if after is not None:
        style.paragraph_format.space_after = Pt(after)
    return style


def field(paragraph: object, instruction: str) -> None:
    """Append a Word field (PAGE, NUMPAGES) to a paragraph: begin, instruction, result, end."""
    run = paragraph.add_run()  # type: ignore[attr-defined]
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run._r.append(begin)
    run = paragraph.add_run()  # type: ignore[attr-defined]
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    run._r.append(text)
    run = paragraph.add_run()  # type: ignore[attr-defined]
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run._r.append(separate)
    paragraph.add_run("1")  # type: ignore[attr-defined]
    run = paragraph.add_run()  # type: ignore[attr-defined]
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)


def page_furniture(document: Document) -> None:
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, Cm(2.5))

    # the page header and footer as the library words them (layout.yaml's lines page_header
    # and page_footer); the footer's page number and count of pages are Word's fields, put
    # where the library's wording says {{ page }} and {{ pages }}
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    header.add_run("{{ letter.lines.page_header }}")

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("{{ letter.parts.page_footer[0] }}")
    field(footer, "PAGE")
    footer.add_run("{{ letter.parts.page_footer[1] }}")
    field(footer, "NUMPAGES")
    footer.add_run("{{ letter.parts.page_footer[2] }}")


def properties(document: Document) -> None:
    core = document.core_properties
    core.title = (  # the title's own colon ("The Ombudsman's final decision:") goes before ": body"
        '{{ letter.title | trim(":") }}'
        "{% if letter.body_name %}: {{ letter.body_name }}{% endif %}"
        "{% if letter.reference %} ({{ letter.reference }}){% endif %}"
    )
    core.subject = "{{ ('Complaint ' ~ letter.about) | truncate(240) }}"
    core.keywords = "decision"
    core.language = "en-GB"  # dc:language: a tagged PDF's /Lang comes from it and the styles
    core.author = ""
    core.last_modified_by = ""
    core.comments = ""
    core.revision = 1
    core.created = core.modified = datetime(2026, 1, 1)


def optional_line(document: Document, condition: str, text: str, style: str) -> None:
    """A paragraph shown only when the letter has the fact: docxtpl drops the {%p %} lines."""
    document.add_paragraph(f"{{%p if {condition} %}}")
    document.add_paragraph(text, style=style)
    document.add_paragraph("{%p endif %}")


def new_document() -> Document:
    """A blank document with the styles, numbering, page furniture and properties of a letter."""
    document = Document()
    styles(document)
    numbering_definition(document)
    page_furniture(document)
    properties(document)
    return document


def case_facts(document: Document) -> None:
    """The lines above the title, as the library words them (its outline's header: the body and
    reference, "Category : ...", ...), the first in bold; none where the library places none."""
    document.add_paragraph("{%p for line in letter.header %}")
    document.add_paragraph("{%p if loop.first %}")
    document.add_paragraph(style="Case Facts").add_run("{{ line }}").bold = True
    document.add_paragraph("{%p else %}")
    document.add_paragraph("{{ line }}", style="Case Facts")
    document.add_paragraph("{%p endif %}")
    document.add_paragraph("{%p endfor %}")


def statement(
    document: Document,
    after_paragraphs: Callable[[Document], None] | None = None,
    *,
    summary: bool = True,
) -> None:
    """The decision statement: title, Summary (unless ``summary`` is false: a letter with
    none), sections of numbered paragraphs; with ``after_paragraphs``, what it adds after
    each section's paragraphs (the report's table and chart, under a condition on the
    section)."""
    document.add_paragraph("{{ letter.title }}", style="Heading 1")

    # the Summary after its label, as the library words it (layout.yaml's line summary_label)
    if summary:
        document.add_paragraph("{%p if letter.summary %}")
        shown = document.add_paragraph(style="Summary")
        shown.add_run(
            "{% if letter.lines.summary_label %}{{ letter.lines.summary_label }} {% endif %}"
        ).bold = True
        shown.add_run("{{ letter.summary }}")
        document.add_paragraph("{%p endif %}")

    # a section's heading as Heading 2, a sub-section's (an outline's section in a section)
    # as Heading 3, one deeper as Heading 4
    document.add_paragraph("{%p for section in letter.sections %}")
    document.add_paragraph("{%p if section.level == 2 %}")
    document.add_paragraph("{{ section.heading }}", style="Heading 3")
    document.add_paragraph("{%p elif section.level > 2 %}")
    document.add_paragraph("{{ section.heading }}", style="Heading 4")
    document.add_paragraph("{%p else %}")
    document.add_paragraph("{{ section.heading }}", style="Heading 2")
    document.add_paragraph("{%p endif %}")
    document.add_paragraph("{%p for paragraph in section.paragraphs %}")
    # Numbered by Word, labelled as text, or not numbered, as the letter says; the letter's
    # last paragraph keeps with the sign-off, so the sign-off never stands alone at the top of a
    # page. The last paragraph's test first: every other paragraph asks two questions, not three.
    # A paragraph not numbered by Word that holds a numbered list is a member of the
    # unnumbered paragraphs' list, at its unseen first level, so that its items' a), b) start
    # again under it as they do under a numbered paragraph.
    for tests, style, keep, listed in (
        (
            ("{%p if paragraph.keeps_with_next %}", "{%p if paragraph.label_as_text %}"),
            "Labelled Paragraph",
            True,
            True,
        ),
        (("{%p elif paragraph.label %}",), "Numbered Paragraph", True, False),
        (("{%p elif paragraph.items %}",), "Paragraph", True, True),
        (("{%p else %}",), "Paragraph", True, False),
        (
            ("{%p endif %}", "{%p elif paragraph.label_as_text %}"),
            "Labelled Paragraph",
            False,
            True,
        ),
        (("{%p elif paragraph.label %}",), "Numbered Paragraph", False, False),
        (("{%p elif paragraph.items %}",), "Paragraph", False, True),
        (("{%p else %}",), "Paragraph", False, False),
    ):
        for test in tests:
            document.add_paragraph(test)
        if style == "Labelled Paragraph":
            paragraph = document.add_paragraph("{{ paragraph.label }}", style=style)
            paragraph.add_run().add_tab()
            paragraph.add_run("{{ paragraph }}")
        else:
            paragraph = document.add_paragraph("{{ paragraph }}", style=style)
        if keep:
            paragraph.paragraph_format.keep_with_next = True
        if listed:
            paragraph._p.get_or_add_pPr().append(
                parse_xml(
                    f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/>'
                    f'<w:numId w:val="{UNNUMBERED_ID}"/></w:numPr>'
                )
            )
        if style == "Labelled Paragraph":  # its own hanging indent, over the list level's
            indent = paragraph._p.get_or_add_pPr().get_or_add_ind()
            indent.set(qn("w:left"), str(LEVEL_INDENT))
            indent.set(qn("w:hanging"), str(LEVEL_INDENT))
    document.add_paragraph("{%p endif %}")
    list_items(document)
    document.add_paragraph("{%p endfor %}")
    if after_paragraphs is not None:
        after_paragraphs(document)
    document.add_paragraph("{%p endfor %}")


def list_items(document: Document) -> None:
    """The items of a paragraph's list, each a paragraph of a Word list at its level: numbered
    items one level down from the paragraph's own number, bullets in the bullets' list; and
    the paragraph's text going on after its list, indented under its number."""
    document.add_paragraph("{%p for item in paragraph.items %}")
    choices = [
        *((f"number-{level}", NUMBERING_ID, level + 1) for level in range(3)),
        *((f"unnumbered-{level}", UNNUMBERED_ID, level + 1) for level in range(3)),
        *((f"bullet-{level}", BULLETS_ID, level) for level in range(3)),
    ]
    for index, (style, list_id, level) in enumerate(choices):
        document.add_paragraph(
            ("{%p if " if index == 0 else "{%p elif ") + f"item.style == '{style}' %}}"
        )
        paragraph = document.add_paragraph("{{ item }}", style="List Item")
        paragraph._p.get_or_add_pPr().append(
            parse_xml(
                f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/>'
                f'<w:numId w:val="{list_id}"/></w:numPr>'
            )
        )
    document.add_paragraph("{%p else %}")
    document.add_paragraph("{{ item }}", style="Continued Paragraph")
    document.add_paragraph("{%p endif %}")
    document.add_paragraph("{%p endfor %}")


def finish(document: Document) -> Document:
    _drop_thumbnail(document)
    _drop_unused_styles(document)
    return document


def decision_template() -> Document:
    """The published decision statement."""
    document = new_document()
    case_facts(document)
    statement(document)
    optional_line(document, "letter.sign_off", "{{ letter.sign_off }}", "Sign-off")
    return finish(document)


def letter_template() -> Document:
    """The letter sent to the complainant: address, date, reference, "Dear Mrs X", the decision
    statement, and the sign-off."""
    document = new_document()
    document.add_paragraph("{%p if letter.address %}")
    document.add_paragraph("{{ letter.complainant }}", style="Address")
    document.add_paragraph("{%p for line in letter.address %}")
    document.add_paragraph("{{ line }}", style="Address")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{%p endif %}")
    optional_line(document, "letter.date", "{{ letter.date }}", "Letter Date")
    # the reference line, the salutation and the closing as the library words them
    # (layout.yaml's lines reference_line, salutation and closing)
    optional_line(
        document, "letter.lines.reference_line", "{{ letter.lines.reference_line }}", "Case Facts"
    )
    optional_line(
        document, "letter.lines.salutation", "{{ letter.lines.salutation }}", "Salutation"
    )
    statement(document)
    optional_line(document, "letter.lines.closing", "{{ letter.lines.closing }}", "Closing")
    optional_line(document, "letter.sign_off", "{{ letter.sign_off }}", "Sign-off")
    return finish(document)


FIGURES = ("on_time", "late", "outstanding", "refused")
"""The rows of the compliance report's table, between its heading row and its total: each a
fact of the register's letters (clauses/register/facts.yaml) and its name, a line of the
library (``figure_on_time`` ...)."""
BORDERS = (
    f"<w:tblBorders {nsdecls('w')}>"
    + "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="808080"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    + "</w:tblBorders>"
)


def compliance_figures(document: Document) -> None:
    """Under "Compliance with our remedies" (the section ``compliance``), after its
    paragraphs: the remedies due in the period in a table (what each row counts is the
    library's line, the number the register's fact) and the chart the register draws of them
    (``letter.pictures.compliance``), centred, with its alternative text."""
    document.add_paragraph("{%p if section.id == 'compliance' %}")
    table = document.add_table(rows=2 + len(FIGURES), cols=2)
    table._tbl.tblPr.append(parse_xml(BORDERS))
    rows = [
        ("{{ letter.lines.figures_what }}", "{{ letter.lines.figures_count }}", True),
        *(
            (f"{{{{ letter.lines.figure_{name} }}}}", f"{{{{ letter.facts.{name} }}}}", False)
            for name in FIGURES
        ),
        ("{{ letter.lines.figure_due }}", "{{ letter.facts.remedies_due }}", True),
    ]
    for row, (what, count, bold) in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, (what, count), strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.style = document.styles["Table Text"]
            paragraph.add_run(text).bold = bold
        row.cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph("{%p if letter.pictures.compliance %}")
    figure = document.add_paragraph("{{ letter.pictures.compliance }}", style="Figure")
    figure.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph("{%p endif %}")
    document.add_paragraph("{%p endif %}")


def body_letter_template(figures: bool) -> Document:
    """A letter the register writes to a body (letters register reminder, letters register
    report): the body and the date (the library's header lines) as an address block, "Dear
    Chief Executive", the title and sections, the closing and the sign-off; with ``figures``,
    the compliance report's table and chart under its section ``compliance``."""
    document = new_document()
    if figures:
        paragraph_style(document, "Table Text", before=2, after=2)  # a cell of the table
        paragraph_style(document, "Figure", before=12, after=12)  # the chart, on its own line
    core = document.core_properties
    core.title = "{{ letter.title }}{% if letter.body_name %}: {{ letter.body_name }}{% endif %}"
    core.subject = "{{ letter.title }}"
    core.keywords = "report" if figures else "reminder"
    document.add_paragraph("{%p for line in letter.header %}")
    document.add_paragraph("{{ line }}", style="Address")
    document.add_paragraph("{%p endfor %}")
    optional_line(
        document, "letter.lines.salutation", "{{ letter.lines.salutation }}", "Salutation"
    )
    statement(document, compliance_figures if figures else None, summary=False)
    optional_line(document, "letter.lines.closing", "{{ letter.lines.closing }}", "Closing")
    optional_line(document, "letter.sign_off", "{{ letter.sign_off }}", "Sign-off")
    return finish(document)


USED_STYLES = {
    "Normal",
    "Address",
    "Letter Date",
    "Salutation",
    "Closing",
    "Header",
    "Footer",
    "Heading 1",
    "Heading 2",
    "Heading 3",
    "Heading 4",
    "Numbered Paragraph",
    "Labelled Paragraph",
    "Paragraph",
    "List Item",
    "Continued Paragraph",
    "Case Facts",
    "Summary",
    "Sign-off",
    "Table Text",
    "Figure",
}


def _drop_unused_styles(document: Document) -> None:
    """Keep the styles the template uses (and those they build on); drop the blank document's
    hundred others and its Word 2010 copy of them (stylesWithEffects), which Word rebuilds when
    it wants one. Every letter is the smaller for it."""
    styles = document.styles.element
    by_id = {style.get(qn("w:styleId")): style for style in styles.findall(qn("w:style"))}
    keep = {
        style_id
        for style_id, style in by_id.items()
        if style.get(qn("w:default")) == "1"
        # Word stores built-in names in lower case ("heading 1", "header")
        or style.find(qn("w:name")).get(qn("w:val")).lower() in {n.lower() for n in USED_STYLES}
    }
    pending = list(keep)
    while pending:
        style = by_id[pending.pop()]
        for link in ("w:basedOn", "w:link", "w:next"):
            element = style.find(qn(link))
            if (
                element is not None
                and element.get(qn("w:val")) in by_id
                and element.get(qn("w:val")) not in keep
            ):
                keep.add(element.get(qn("w:val")))
                pending.append(element.get(qn("w:val")))
    for style_id, style in by_id.items():
        if style_id not in keep:
            styles.remove(style)
    for rel_id, rel in list(document.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            del document.part.rels[rel_id]


def _drop_thumbnail(document: Document) -> None:
    """python-docx's blank document carries a thumbnail of itself; a template should not."""
    package = document.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package.rels[rel_id]


TEMPLATES: dict[str, Callable[[], Document]] = {
    "decision": decision_template,
    "letter": letter_template,
    "reminder": lambda: body_letter_template(figures=False),
    "report": lambda: body_letter_template(figures=True),
}
"""Each stock template by name: ``templates/NAME.docx``."""


if __name__ == "__main__":
    # the templates named (build.py reminder report), else all of them
    for name in sys.argv[1:] or TEMPLATES:
        target = HERE / f"{name}.docx"
        TEMPLATES[name]().save(str(target))
        print(f"wrote {target}")
