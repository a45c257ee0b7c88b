"""Fill a Word template with a composed letter, through docxtpl.

A template is an ordinary .docx a user can restyle in Word or LibreOffice. It shows the letter
with docxtpl tags: ``{{ letter.reference }}``, and paragraph loops such as
``{%p for section in letter.sections %}``. Case text reaches it only as values, escaped for XML,
never as template source. The .docx written is deterministic: the same letter and template give
the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import jinja2
from docxtpl import DocxTemplate

from letters.compose import Letter, LetterParagraph
from letters.errors import TemplateError

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
"""The project's own Word templates; ``--template NAME`` looks here."""

DEFAULT_TEMPLATE = "decision"

# Zip entries carry a modification time; a fixed one makes the same letter the same bytes.
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class _DocxTemplate(DocxTemplate):  # type: ignore[misc]
    """docxtpl's template, with document properties rendered as plain text.

    docxtpl renders the core properties (title, subject) with the same Jinja environment as
    the body, so with autoescape on they would be XML-escaped twice: python-docx escapes them
    itself when it writes docProps/core.xml.
    """

    def render_properties(self, context: dict[str, Any], jinja_env: Any = None) -> None:
        super().render_properties(context, _PROPERTIES_ENVIRONMENT)


_BODY_ENVIRONMENT = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
_PROPERTIES_ENVIRONMENT = jinja2.Environment(undefined=jinja2.StrictUndefined)


def find_template(template: str | Path | None = None) -> Path:
    """The template file: a path to a .docx, or the name of one in ``templates/``."""
    name = str(template) if template is not None else DEFAULT_TEMPLATE
    if name.lower().endswith(".docx") or "/" in name or "\\" in name:
        return Path(name)
    path = TEMPLATES / f"{name}.docx"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in TEMPLATES.glob("*.docx"))) or "none"
        raise TemplateError(f"no template named {name!r} (templates in {TEMPLATES}: {known})")
    return path


class WordTemplate:
    """A Word template, read once and used for as many letters as needed."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.data = self.path.read_bytes()
        except FileNotFoundError:
            raise TemplateError("no such template file", source=str(self.path)) from None
        except OSError as error:
            raise TemplateError(
                f"cannot read the template ({error.strerror})", source=str(self.path)
            ) from None
        if not zipfile.is_zipfile(io.BytesIO(self.data)):
            raise TemplateError(
                "not a Word .docx file (it is not a zip package)", source=str(self.path)
            )
        with zipfile.ZipFile(io.BytesIO(self.data)) as package:
            if "word/document.xml" not in package.namelist():
                raise TemplateError(
                    "not a Word .docx file (it has no word/document.xml)", source=str(self.path)
                )

    def render(self, letter: Letter) -> bytes:
        """The letter as .docx bytes."""
        document = _DocxTemplate(io.BytesIO(self.data))
        try:
            document.render(template_context(letter), _BODY_ENVIRONMENT, autoescape=True)
        except jinja2.TemplateSyntaxError as error:
            raise TemplateError(
                f"template syntax: {error.message}", source=str(self.path)
            ) from None
        except jinja2.TemplateError as error:
            raise TemplateError(
                f"the template uses something a letter does not have: {error}",
                source=str(self.path),
            ) from None
        except ValueError as error:
            raise TemplateError(
                f"a document property could not be set: {error}", source=str(self.path)
            ) from None
        output = io.BytesIO()
        document.save(output)
        return _deterministic(output.getvalue())


def template_context(letter: Letter) -> dict[str, Any]:
    """What a template sees as ``letter``: the composed letter as text."""
    return {
        "letter": {
            "body_name": letter.body_name,
            "reference": letter.reference,
            "category": letter.category,
            "decision": letter.decision,
            "decision_date": letter.decision_date,
            "complainant": letter.complainant,
            "about": letter.about,
            "summary": _text(letter.summary),
            "sections": [
                {
                    "id": section.id,
                    "heading": section.heading,
                    "paragraphs": [paragraph.text for paragraph in section.paragraphs],
                }
                for section in letter.sections
            ],
            "sign_off": _text(letter.sign_off),
        }
    }


def _text(paragraph: LetterParagraph | None) -> str | None:
    return paragraph.text if paragraph is not None else None


def _deterministic(docx: bytes) -> bytes:
    """Re-pack a .docx with fixed entry times, so equal letters are equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(docx))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry.filename))
    return output.getvalue()


def render(letter: Letter, template: WordTemplate | str | Path | None = None) -> bytes:
    """Fill a Word template with the letter: a WordTemplate, a path, a name, or the default."""
    if not isinstance(template, WordTemplate):
        template = WordTemplate(find_template(template))
    return template.render(letter)
