"""letters: compose decision letters from a plain-text clause library and JSON case files.

The whole pipeline, from case file to Word document::

    import letters

    case = letters.load_case("examples/cpc-report-defamation.json")
    letter = letters.compose(case, letters.Library.load())
    letters.write_atomic("letter.docx", letters.render(letter))

Every problem a user can fix raises a LettersError whose message names the file and the field.
"""

from letters.clauses import Clause, Library, Param, Variant, parse_clause
from letters.compose import Letter, LetterParagraph, Origin, Section, Text, compose
from letters.errors import (
    CaseError,
    ClauseError,
    LettersError,
    LettersErrors,
    OutputError,
    TemplateError,
)
from letters.loading import load_case, parse_case, read_case_text
from letters.model import Body, Case, ClauseUse, Complaint, Person, Pronouns, SectionPlan
from letters.output import write_atomic
from letters.render import WordTemplate, find_template, render

__all__ = [
    "Body",
    "Case",
    "CaseError",
    "Clause",
    "ClauseError",
    "ClauseUse",
    "Complaint",
    "Letter",
    "LetterParagraph",
    "LettersError",
    "LettersErrors",
    "Library",
    "Origin",
    "OutputError",
    "Param",
    "Person",
    "Pronouns",
    "Section",
    "SectionPlan",
    "TemplateError",
    "Text",
    "Variant",
    "WordTemplate",
    "compose",
    "find_template",
    "load_case",
    "parse_case",
    "parse_clause",
    "read_case_text",
    "render",
    "write_atomic",
]
