"""Make templates/report.docx, our report's Word template, from templates/decision.docx.

decision.docx is the stock template `letters init` gave us, kept as it came; this script makes
our own from it, and running it again makes the same file. After that, report.docx is ours to
restyle in Word (fonts, margins, a logo): do not run this script again once it has been.

What it changes:
- the sub-sections under "What we found" (The landlord's handling of repairs, ... of the
  complaint) take Heading 3, the other sections Heading 2;
- under the heading "What we found", a table of the findings: a row for each record of the
  fact "findings" (`{%tr for finding in letter.facts.findings %}`), what it is about and the
  finding in a word: its kind ("service-failure" shown as "Service failure"), since a template
  sees a record's fields and not the clauses that word it;
- no sign-off: a report has none, so the template has no paragraph for one;
- the page header says "Complaint" and the reference.

Run it with the Python that has letters (and so python-docx): `python templates/build.py`.
"""

from __future__ import annotations

import copy
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Pt

HERE = Path(__file__).resolve().parent
SUB_SECTIONS = ("repairs", "complaint-handling")  # the sections under "What we found"
BORDERS = (
    f"<w:tblBorders {nsdecls('w')}>"
    + "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="808080"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    + "</w:tblBorders>"
)


def tag(text: str) -> object:
    """A paragraph holding one docxtpl tag, as the stock template writes them."""
    paragraph = Document().add_paragraph(text)
    return paragraph._p


def sub_heading_style(document: Document) -> None:
    heading = document.styles["Heading 2"]
    style = document.styles.add_style("Heading 3", WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = heading
    style.font.size = Pt(11.5)
    style.quick_style = True


def headings(document: Document) -> object:
    """The section's heading: Heading 3 for a sub-section, Heading 2 for the others. Returns
    the last paragraph placed, for what follows the heading."""
    heading = next(p for p in document.paragraphs if p.text == "{{ section.heading }}")
    sub = copy.deepcopy(heading._p)
    heading._p.addprevious(tag(f"{{%p if section.id in {SUB_SECTIONS!r} %}}"))
    heading._p.addprevious(sub)
    heading._p.addprevious(tag("{%p else %}"))
    end = tag("{%p endif %}")
    heading._p.addnext(end)
    for paragraph in document.paragraphs:
        if paragraph._p is sub:
            paragraph.style = document.styles["Heading 3"]
    return end


def findings_table(document: Document, after: object) -> None:
    """Under "What we found": what each finding is about, and the finding in a word."""
    table = document.add_table(rows=4, cols=2)
    table._tbl.tblPr.append(parse_xml(BORDERS))
    table.cell(0, 0).text = "What we looked at"
    table.cell(0, 1).text = "Our finding"
    for cell in table.rows[0].cells:
        cell.paragraphs[0].runs[0].bold = True
    table.cell(1, 0).text = "{%tr for finding in letter.facts.findings %}"
    table.cell(2, 0).text = "{{ finding.issue | sentence }}"
    table.cell(2, 1).text = "{{ finding.kind | replace('-', ' ') | sentence }}"
    table.cell(3, 0).text = "{%tr endfor %}"
    start = tag("{%p if section.id == 'findings' %}")
    end = tag("{%p endif %}")
    after.addnext(start)
    start.addnext(table._tbl)
    table._tbl.addnext(end)


def without_sign_off(document: Document) -> None:
    for paragraph in document.paragraphs:
        if "letter.sign_off" in paragraph.text:
            paragraph._p.getparent().remove(paragraph._p)


def page_header(document: Document) -> None:
    header = document.sections[0].header.paragraphs[0]
    for run in header.runs[1:]:
        run._r.getparent().remove(run._r)
    header.runs[0].text = "{% if letter.reference %}Complaint {{ letter.reference }}{% endif %}"


def main() -> None:
    document = Document(str(HERE / "decision.docx"))
    sub_heading_style(document)
    findings_table(document, headings(document))
    without_sign_off(document)
    page_header(document)
    document.core_properties.keywords = "report"
    document.save(str(HERE / "report.docx"))
    print(f"wrote {HERE / 'report.docx'}")


if __name__ == "__main__":
    main()
