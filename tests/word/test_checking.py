"""templates check: what Word does to tags, and names a letter does not have."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from letters.library import Library
from letters.problems import Severity, TemplateError
from letters.word import TEMPLATES, WordTemplate, check_template


def template(tmp_path: Path, *paragraphs: str | list[str]) -> Path:
    """The decision template with paragraphs added; a list is one paragraph of several runs."""
    document = docx.Document(str(TEMPLATES / "decision.docx"))
    for paragraph in paragraphs:
        added = document.add_paragraph()
        for run in [paragraph] if isinstance(paragraph, str) else paragraph:
            added.add_run(run)
    path = tmp_path / "t.docx"
    document.save(str(path))
    return path


def messages(path: Path) -> list[str]:
    return [str(finding) for finding in check_template(path)]


@pytest.mark.parametrize("name", ["decision", "letter"])
def test_project_templates_check_clean(name: str) -> None:
    assert check_template(TEMPLATES / f"{name}.docx") == []


def test_tag_split_across_runs_is_a_warning(tmp_path: Path) -> None:
    (finding,) = check_template(template(tmp_path, ["{{ letter.refer", "ence }}"]))
    assert finding.severity is Severity.WARNING
    assert "{{ letter.reference }}: split by Word across 2 runs" in str(finding)


def test_curly_quotes_in_a_tag_are_an_error(tmp_path: Path) -> None:
    found = messages(template(tmp_path, "{{ letter.title or \u201cx\u201d }}"))
    assert any("curly quotes in a tag" in message for message in found)


def test_tag_across_two_paragraphs_is_an_error(tmp_path: Path) -> None:
    found = messages(template(tmp_path, "{{ letter.", "title }}"))
    assert any("ends in a later paragraph" in message for message in found)


def test_names_a_letter_does_not_have_are_errors(tmp_path: Path) -> None:
    path = template(
        tmp_path,
        "{{ case.name }} {{ letter.refrence }}",
        "{%p for s in letter.sections %}",
        "{{ s.headline }}",
        "{%p endfor %}",
    )
    assert messages(path) == [
        f"{path}: word/document.xml: {{{{ case }}}}: a letter has no 'case' (a template sees only 'letter')",
        f"{path}: word/document.xml: letter.refrence: a letter has no 'refrence' (it has: about, address, body_name, "
        "category, complainant, date, decision, decision_date, facts, header, lines, numbered, parts, pictures, reference, "
        "sections, sign_off, "
        "summary, title)",
        f"{path}: word/document.xml: s.headline: a section has no 'headline' (it has: heading, id, level, numbering, paragraphs)",
    ]


def test_paragraph_tag_with_other_text_is_an_error(tmp_path: Path) -> None:
    found = messages(template(tmp_path, "{%p if letter.summary %} Keep this note", "{%p endif %}"))
    assert any("{%p %} paragraph also holds 'Keep this note'" in message for message in found)


def _with_part(tmp_path: Path, part: str, content: bytes) -> Path:
    import zipfile

    path = tmp_path / "broken.docx"
    with (
        zipfile.ZipFile(TEMPLATES / "decision.docx") as source,
        zipfile.ZipFile(path, "w") as target,
    ):
        for info in source.infolist():
            target.writestr(info, content if info.filename == part else source.read(info.filename))
    return path


@pytest.mark.parametrize("part", ["word/document.xml", "docProps/core.xml"])
def test_a_part_that_is_not_xml_is_one_clear_error(tmp_path: Path, part: str) -> None:
    path = _with_part(tmp_path, part, b"<not xml")
    with pytest.raises(TemplateError, match=rf"^{path}: {part}: not well-formed XML \("):
        check_template(path)


def test_rendering_with_a_template_whose_properties_are_not_xml_is_one_clear_error(
    tmp_path: Path,
) -> None:
    path = _with_part(tmp_path, "docProps/core.xml", b"<not xml")
    with pytest.raises(TemplateError, match=rf"^{path}: docProps/core.xml: not well-formed XML \("):
        WordTemplate(path)


def test_facts_fields_and_lines_the_library_does_not_declare_are_named(tmp_path: Path) -> None:
    clauses = tmp_path / "clauses"
    (clauses / "letter").mkdir(parents=True)
    (clauses / "facts.yaml").write_text(
        "document:\n  kind: text\n  about: the document\n"
        "findings:\n  kind: records\n  about: what we found\n"
        "  kinds:\n    upheld:\n      about: fault found\n"
        "  fields:\n    issue:\n      kind: text\n      about: what it is about\n",
        encoding="utf-8",
    )
    (clauses / "layout.yaml").write_text(
        "lines:\n  salutation:\n    - letter/salutation\n", encoding="utf-8"
    )
    (clauses / "letter" / "salutation.txt").write_text(
        "---\ntitle: s\n---\nDear resident\n", encoding="utf-8"
    )
    path = template(
        tmp_path,
        "{{ letter.facts.documnet }} {{ letter.facts.document }} {{ letter.lines.salutaton }}",
        "{{ letter.lines.salutaton }} {{ letter.lines.salutation }}",
        "{%p for row in letter.facts.findings %}",
        "{{ row.kind }} {{ row.issue }} {{ row.isue }}",
        "{%p endfor %}",
    )
    found = [
        str(problem).removeprefix(f"{path}: word/document.xml: ")
        for problem in check_template(path, library=Library.load(clauses))
    ]
    typos = ("documnet", "isue", "salutaton")
    mine = [m for m in found if any(typo in m.split(" (")[0] for typo in typos)]
    assert mine == [
        "letter.facts.documnet: the library declares no fact 'documnet' (it declares: document, "
        "findings)",
        "row.isue: a record of 'findings' has no field 'isue' (it has: issue, kind)",
        "warning: letter.lines.salutaton: the library's layout declares no line 'salutaton', so "
        "it prints nothing (it declares: salutation)",
    ]
    assert check_template(path) == check_template(path, library=None)  # no library: no such check
    assert not any("documnet" in str(problem) for problem in check_template(path))
