# The public API of letters, each name once, grouped by subject: `letters/__init__.py` loads
# each on first use (lazy_loader reads this file), and type checkers read it as the package's
# types. Code outside a wing imports its face (`.word`, `.batch`, `.register`).
# ruff: noqa: I001

# the case
from .model import (
    Body as Body,
    Case as Case,
    ClauseUse as ClauseUse,
    Complaint as Complaint,
    Person as Person,
    Pronouns as Pronouns,
    Reason as Reason,
    SectionPlan as SectionPlan,
)
from .loading import (
    load_case as load_case,
    parse_case as parse_case,
    read_case_text as read_case_text,
)
from .schema import case_schema as case_schema

# the clause library
from .library import (
    Clause as Clause,
    Library as Library,
    Param as Param,
    Variant as Variant,
    parse_clause as parse_clause,
)
from .linting import lint as lint

# composition
from .composition import (
    Letter as Letter,
    LetterParagraph as LetterParagraph,
    Origin as Origin,
    Section as Section,
    Text as Text,
    compose as compose,
    compose_clause as compose_clause,
)

# Word templates and output
from .word import (
    WordTemplate as WordTemplate,
    find_template as find_template,
    render as render,
    check_template as check_template,
)
from .rendering import Renderer as Renderer
from .outcomes import Outcome as Outcome
from .batch import render_files as render_files, validate_files as validate_files
from .output import write_atomic as write_atomic
from .provenance import provenance_of as provenance_of
from .impact import impact_of as impact_of
from .limits import Limits as Limits

# the register of issued letters (SQLAlchemy is imported on first use)
from .register import (
    Register as Register,
    Query as Query,
    Record as Record,
    Summary as Summary,
    IssueOutcome as IssueOutcome,
    IssuedLetter as IssuedLetter,
    Recorder as Recorder,
    Reproduction as Reproduction,
    IssuedImpact as IssuedImpact,
    impact_since as impact_since,
)
from .problems import RegisterError as RegisterError

# problems
from .problems import (
    Location as Location,
    Problem as Problem,
    Severity as Severity,
    LettersError as LettersError,
    CaseError as CaseError,
    ClauseError as ClauseError,
    TemplateError as TemplateError,
    OutputError as OutputError,
    LimitError as LimitError,
    UsageError as UsageError,
)
