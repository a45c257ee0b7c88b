"""Check a Word template before letters are filled with it.

Word changes what a user types: it splits a tag across runs as the text is edited, turns the
straight quotes in a tag into curly ones, and a tag can end up across two paragraphs. docxtpl
mends split tags; it cannot mend the rest. This reports, for each part of the template and the
paragraph in it: tags split or mangled by Word, names a letter does not provide, and ``{%p %}``
paragraphs that hold other text, which docxtpl deletes along with the tag.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import jinja2
from attrs import frozen
from jinja2 import meta, nodes

from letters.compose import Letter, LetterParagraph
from letters.errors import TemplateError
from letters.render import CORE_PROPERTIES, DOCUMENT, HEADER_OR_FOOTER, template_context

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
OPENING = re.compile(r"\{[{%#]")
CURLY = "\u201c\u201d\u2018\u2019"
LETTER_FIELDS = frozenset(
    template_context(Letter(sections=(), sign_off=LetterParagraph(())))["letter"]
)
SECTION_FIELDS = frozenset(("id", "heading", "paragraphs"))
_ENVIRONMENT = jinja2.Environment()


@frozen
class TemplateFinding:
    """A problem of a template: where (part and paragraph) and what."""

    part: str
    paragraph: int | None
    message: str
    is_warning: bool = False

    def __str__(self) -> str:
        where = f"{self.part} paragraph {self.paragraph}" if self.paragraph else self.part
        return f"{where}: {'warning: ' if self.is_warning else ''}{self.message}"


def check_template(path: str | Path) -> list[TemplateFinding]:
    """Every problem found in a template, errors first."""
    from docxtpl import DocxTemplate
    from lxml import etree

    path = Path(path)
    try:
        data = path.read_bytes()
        package = zipfile.ZipFile(io.BytesIO(data))
    except OSError as error:
        raise TemplateError(
            f"cannot read the template ({error.strerror})", source=str(path)
        ) from None
    except zipfile.BadZipFile:
        raise TemplateError(
            "not a Word .docx file (it is not a zip package)", source=str(path)
        ) from None
    names = [n for n in package.namelist() if n == DOCUMENT or HEADER_OR_FOOTER.fullmatch(n)]
    if DOCUMENT not in names:
        raise TemplateError("not a Word .docx file (it has no word/document.xml)", source=str(path))
    findings: list[TemplateFinding] = []
    docxtpl = DocxTemplate(io.BytesIO(data))
    for name in names:
        xml = package.read(name)
        root = _parse(etree, xml, name, path)
        findings += _paragraphs(name, root)
        findings += _names(name, docxtpl.patch_xml(xml.decode("utf-8")))
    if CORE_PROPERTIES in package.namelist():
        core = _parse(etree, package.read(CORE_PROPERTIES), CORE_PROPERTIES, path)
        for element in core:
            if element.text and OPENING.search(element.text):
                findings += _names(
                    f"{CORE_PROPERTIES} ({etree.QName(element).localname})", element.text
                )
    return sorted(
        findings,
        key=lambda f: (
            f.is_warning,
            names.index(f.part) if f.part in names else 99,
            f.paragraph or 0,
        ),
    )


def _parse(etree: Any, xml: bytes, part: str, path: Path) -> Any:
    try:
        return etree.fromstring(xml)
    except etree.XMLSyntaxError as error:
        raise TemplateError(f"{part} is not well-formed XML ({error})", source=str(path)) from None


def _paragraphs(part: str, root: object) -> list[TemplateFinding]:
    findings = []
    opened: int | None = None
    for number, paragraph in enumerate(root.iter(W + "p"), start=1):  # type: ignore[attr-defined]
        runs = [
            ("".join(t.text or "" for t in run.iter(W + "t"))) for run in paragraph.iter(W + "r")
        ]
        text = "".join(runs)
        if opened is not None and not OPENING.search(text) and re.search(r"\}\}|%\}|#\}", text):
            findings.append(
                TemplateFinding(
                    part,
                    opened,
                    "a tag starts here and ends in a later paragraph; docxtpl cannot join them",
                )
            )
            opened = None
        for tag in TAG.finditer(text):
            findings += _tag(part, number, tag, runs)
        unclosed = re.search(r"\{\{(?!.*\}\})|\{%(?!.*%\})", text, re.DOTALL)
        if unclosed:
            opened = number
        if "{%p" in text:
            rest = TAG.sub("", text).strip()
            if rest:
                findings.append(
                    TemplateFinding(
                        part,
                        number,
                        f"the {{%p %}} paragraph also holds {rest[:40]!r}, which docxtpl deletes with it",
                    )
                )
    if opened is not None:
        findings.append(TemplateFinding(part, opened, "a tag here is never closed"))
    return findings


def _tag(part: str, number: int, tag: re.Match[str], runs: list[str]) -> list[TemplateFinding]:
    findings = []
    shown = tag[0] if len(tag[0]) <= 50 else tag[0][:47] + "..."
    if any(quote in tag[0] for quote in CURLY):
        findings.append(
            TemplateFinding(
                part,
                number,
                f"{shown}: curly quotes in a tag (Word's AutoFormat); type straight quotes",
            )
        )
    start = 0
    spans = []
    for index, run in enumerate(runs):
        spans.append((start, start + len(run), index))
        start += len(run)
    touched = {
        index
        for begin, end, index in spans
        if begin < tag.end() and end > tag.start() and end > begin
    }
    if len(touched) > 1:
        findings.append(
            TemplateFinding(
                part,
                number,
                f"{shown}: split by Word across {len(touched)} runs (docxtpl joins it; retyped in one go it stays whole)",
                is_warning=True,
            )
        )
    return findings


def _names(part: str, source: str) -> list[TemplateFinding]:
    """Names the template uses that a letter does not provide, and Jinja syntax errors."""
    try:
        tree = _ENVIRONMENT.parse(source)
    except jinja2.TemplateSyntaxError as error:
        return [TemplateFinding(part, None, f"template syntax: {error.message}")]
    findings = []
    for name in sorted(meta.find_undeclared_variables(tree) - {"letter"}):
        findings.append(
            TemplateFinding(
                part,
                None,
                f"{{{{ {name} }}}}: a letter has no {name!r} (a template sees only 'letter')",
            )
        )
    section_names = {
        loop.target.name
        for loop in tree.find_all(nodes.For)
        if isinstance(loop.target, nodes.Name) and _is_letter_field(loop.iter, "sections")
    }
    for node in tree.find_all(nodes.Getattr):
        if not isinstance(node.node, nodes.Name):
            continue
        if node.node.name == "letter" and node.attr not in LETTER_FIELDS:
            known = ", ".join(sorted(LETTER_FIELDS))
            findings.append(
                TemplateFinding(
                    part,
                    None,
                    f"letter.{node.attr}: a letter has no {node.attr!r} (it has: {known})",
                )
            )
        if node.node.name in section_names and node.attr not in SECTION_FIELDS:
            findings.append(
                TemplateFinding(
                    part,
                    None,
                    f"{node.node.name}.{node.attr}: a section has no {node.attr!r} (it has: heading, id, paragraphs)",
                )
            )
    return findings


def _is_letter_field(node: nodes.Node, field: str) -> bool:
    return (
        isinstance(node, nodes.Getattr)
        and isinstance(node.node, nodes.Name)
        and node.node.name == "letter"
        and node.attr == field
    )
