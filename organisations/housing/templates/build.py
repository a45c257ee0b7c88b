"""Make templates/report.docx, our report's Word template, from templates/decision.docx.

decision.docx is the stock template `letters init` gave us, kept as it came; this script makes
our own from it, and running it again makes the same file. After that, report.docx is ours to
restyle in Word (fonts, margins, a logo): do not run this script again once it has been.

What it changes:
- under the heading "What we found", a table of the findings: a row for each record of the
  fact "findings" (`{%tr for finding in letter.facts.findings %}`), what it is about and the
  finding in a word: its kind ("service-failure" shown as "Service failure"), since a template
  sees a record's fields and not the clauses that word it; the columns' headings are the
  library's (layout.yaml's lines findings_issue and findings_finding);
- the sub-sections under "What we found" need nothing here: the stock template gives a
  sub-section's heading Heading 3; the page header is the library's line page_header, and a
  report has no sign-off (the layout places none), so the stock template prints none.

Run it with the Python that has letters (and so python-docx): `python templates/build.py`.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

HERE = Path(__file__).resolve().parent
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


def findings_table(document: Document) -> None:
    """Under "What we found": what each finding is about, and the finding in a word."""
    paragraphs = [p.text for p in document.paragraphs]
    first = paragraphs.index("{{ section.heading }}")  # the headings, chosen by level, end at
    after = document.paragraphs[paragraphs.index("{%p endif %}", first)]._p  # their endif
    table = document.add_table(rows=4, cols=2)
    table._tbl.tblPr.append(parse_xml(BORDERS))
    table.cell(0, 0).text = "{{ letter.lines.findings_issue }}"
    table.cell(0, 1).text = "{{ letter.lines.findings_finding }}"
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


def main() -> None:
    document = Document(str(HERE / "decision.docx"))
    findings_table(document)
    document.core_properties.keywords = "report"
    document.save(str(HERE / "report.docx"))
    print(f"wrote {HERE / 'report.docx'}")


if __name__ == "__main__":
    main()
