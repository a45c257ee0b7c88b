"""The preview sets out each section's paragraphs as the letter numbers them: one list a
section, numbered from its first label, lettered, or plain."""

from __future__ import annotations

import json
import re
from pathlib import Path

from letters.web.preview import Preview, letter_html
from tests.formats.test_numbering import report_library


def test_each_sections_list_starts_at_its_first_label(tmp_path: Path) -> None:
    library = report_library(tmp_path / "library")
    case = tmp_path / "case.json"
    case.write_text(
        json.dumps(
            {
                "complainant": {"name": "Ms A", "pronouns": "she"},
                "complaint": {"about": "repairs"},
                "outline": "report",
            }
        ),
        encoding="utf-8",
    )
    html = letter_html(Preview([str(case)], clauses=str(library)), 0)
    lists = re.findall(r"</h2>\s*<(ol[^>]*)>", html)
    assert lists == [
        'ol class="paragraphs plain" start="1"',  # approach: not numbered
        'ol class="paragraphs numbers" start="1"',  # findings: 1., 2.
        'ol class="paragraphs letters" start="1" type="a"',  # orders: a., b.
        'ol class="paragraphs numbers" start="1"',  # more: from 1 again
    ]
    assert re.search(r">Report</span></h2>\s*<h2", html)  # only a heading: no list under it
