"""The clause library: standard wording kept as plain-text files that caseworkers edit.

A clause file is front matter between ``---`` lines (YAML: title, parameters, variants) and then
the wording, with placeholders for the facts of a case (``{{ complainant }}``)::

    ---
    title: Data protection: the right to rectification
    params:
      document:
        about: the record the complainant says is wrong, as the letter names it
        default: the report
    ---
    If {{ complainant }} believes {{ document }} contains false information about
    {{ complainant.them }}, {{ complainant.they }} may wish to pursue {{ complainant.their }} right
    to rectification under data protection law.

Lines are joined with spaces, so wording can be wrapped freely; a blank line starts a new
paragraph; a line ending in a backslash keeps its line break. A clause with several wordings
marks each with a ``== name ==`` line; the front matter may say when each was in force, and a
case that does not pick one gets the wording in force on its decision date.

Wording is rendered in the sandbox of ``wording.py``: text from a case file is inserted as data
and never evaluated, and no clause can run for ever or grow without bound.
"""

from __future__ import annotations

import difflib
import re
import traceback
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
import yaml
from attrs import field, frozen

from letters import lists, yaml_lines
from letters.configuration import bundled, settings
from letters.facts import FACT_NAMES, FactDeclaration
from letters.grammar import FILTERS, join_and
from letters.limits import DEFAULT, Limits, read_bounded
from letters.model import ParamValue
from letters.outline import Outline, read_declarations, read_outlines, with_variant_choices
from letters.problems import (
    ClauseError,
    EmptyPlaceholder,
    LettersError,
    LimitError,
    Location,
    combine,
)
from letters.wording import MissingFact, Sandbox, render_bounded

DEFAULT_LIBRARY = bundled("clauses")
"""The clause library that comes with letters: the repository's, or the installed copy."""

SUFFIX = ".txt"
OUTLINES = "outlines"
"""The library's folder of outlines: ``outlines/<name>.yaml``."""
FACTS_FILE = "facts.yaml"
"""The library's declaration of the facts its outlines test and its clauses fill in."""
FRONT_MATTER_KEYS = ("id", "title", "params", "variants")
VARIANT_KEYS = ("from", "until", "about")
PARAM_KEYS = ("about", "default")
NAME = re.compile(r"[a-z][a-z0-9_]*")
CLAUSE_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*(/[a-z0-9][a-z0-9_.-]*)*")
"""What a clause id looks like: lower-case words and folders, easy to type in a case file."""
VARIANT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
VARIANT_MARKER = re.compile(r"==\s*(\S+)\s*==\s*")

# A line break that comes from case data, kept apart from the clause file's own line breaks
# (which only wrap the text) while the rendered clause is reflowed.
_KEPT_BREAK = "\ufdd0"  # a noncharacter: case text cannot hold one (loading refuses them)
_KEPT_BACKSLASH = "\ufdd1"  # a backslash from case data, not the clause file's "keep this break"
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


@frozen
class Param:
    """A value a clause takes from the case that uses it, such as the document in dispute."""

    name: str
    about: str
    default: ParamValue | None = None
    line: int = 0


@frozen
class Variant:
    """One wording of a clause, and when it was in force."""

    name: str
    text: str
    line: int
    in_force_from: date | None = None
    in_force_until: date | None = None
    about: str = ""

    def is_in_force(self, day: date) -> bool:
        after_start = self.in_force_from is None or self.in_force_from <= day
        before_end = self.in_force_until is None or day <= self.in_force_until
        return after_start and before_end


@frozen
class Clause:
    """A piece of standard wording, in one or more variants."""

    id: str
    title: str
    path: str
    variants: tuple[Variant, ...]
    params: Mapping[str, Param] = field(factory=dict)

    def variant(self, name: str | None = None, *, on: date | None = None) -> Variant:
        """The variant named, or else the one in force on the date (the current one if none)."""
        if name is not None:
            for variant in self.variants:
                if variant.name == name:
                    return variant
            raise ClauseError(f"clause {self.id} has no variant {name!r} (it has: {self._names()})")
        if len(self.variants) == 1:
            return self.variants[0]
        if on is None:
            current = [v for v in self.variants if v.in_force_until is None]
            return current[0] if current else self.variants[-1]
        for variant in self.variants:
            if variant.is_in_force(on):
                return variant
        raise ClauseError(
            f"clause {self.id} has no variant in force on {on.isoformat()}; "
            f'pick one with "variant" (it has: {self._names()})'
        )

    def arguments(self, given: Mapping[str, ParamValue]) -> dict[str, ParamValue]:
        """The parameters for one use of the clause: those given, and defaults for the rest.

        A parameter the clause does not take is an error, with the one it most likely meant.
        """
        problems: list[LettersError] = []
        for name in given:
            if name not in self.params:
                declared = ", ".join(self.params) or "none"
                close = difflib.get_close_matches(name, self.params, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                problems.append(
                    ClauseError(
                        f"clause {self.id} takes no parameter {name!r} (it takes: {declared}){hint}"
                    )
                )
        arguments: dict[str, ParamValue] = {}
        for name, param in self.params.items():
            if name in given:
                arguments[name] = given[name]
            elif param.default is not None:
                arguments[name] = param.default
            else:
                problems.append(
                    ClauseError(f"clause {self.id} needs the parameter {name!r} ({param.about})")
                )
        if problems:
            raise combine(problems)
        return arguments

    def as_json(self) -> dict[str, Any]:
        """The clause as ``clauses list --json`` and the HTTP service describe it."""
        return {
            "id": self.id,
            "title": self.title,
            "file": self.path,
            "params": [
                {"name": p.name, "about": p.about, "default": p.default}
                for p in self.params.values()
            ],
            "variants": [
                {
                    "name": v.name,
                    "about": v.about,
                    "from": v.in_force_from.isoformat() if v.in_force_from else None,
                    "until": v.in_force_until.isoformat() if v.in_force_until else None,
                }
                for v in self.variants
            ],
        }

    def _names(self) -> str:
        return ", ".join(variant.name for variant in self.variants)


def parse_clause(text: str, *, clause_id: str, path: str) -> Clause:
    """Read the text of a clause file; ``clause_id`` is the id its place in the library gives it."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ClauseError(
            "expected front matter: a first line '---', the title and parameters, and '---'",
            Location(file=path, line=1),
        )
    try:
        end = next(index for index in range(1, len(lines)) if lines[index].strip() == "---")
    except StopIteration:
        raise ClauseError(
            "the front matter has no closing '---' line", Location(file=path, line=1)
        ) from None
    front = _FrontMatter(lines[1:end], path)
    title = front.text("title", required=True)
    declared_id = front.text("id")
    params = front.params()
    variant_dates = front.variants()
    variants = _read_variants(lines, end + 1, variant_dates, path)
    front.raise_problems()
    return Clause(
        id=declared_id or clause_id, title=title, path=path, variants=variants, params=params
    )


class _FrontMatter:
    """Reads and checks a clause's front matter, collecting every problem with its line.

    Lines come from YAML's own marks on the nodes it read, not from searching the text.
    """

    def __init__(self, lines: list[str], path: str):
        self.path = path
        self.problems: list[LettersError] = []
        self.lines: dict[tuple[str, ...], int] = {}  # ("params", "document") -> file line
        self.header = self._read("\n".join(lines), len(lines))
        for key in self.header:
            if key not in FRONT_MATTER_KEYS:
                self.problem(
                    f"unknown key {key!r} (expected: {', '.join(FRONT_MATTER_KEYS)})", (str(key),)
                )

    def _read(self, text: str, size: int) -> dict[str, Any]:
        loader = yaml_lines.loader(text, self.path, first_line=2)
        try:
            node = loader.get_single_node()
            if node is None:
                return {}
            self._mark(node, ())
            header = loader.construct_document(node)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            # the front matter is the file's lines 2 .. size + 1; libyaml may point past it
            line = min(mark.line + 2, size + 1) if mark is not None else 2
            problem = getattr(error, "problem", None) or str(error)
            raise ClauseError(
                f"the front matter is not valid YAML: {problem}",
                Location(file=self.path, line=line),
            ) from None
        finally:
            loader.dispose()
        if not isinstance(header, dict):
            raise ClauseError(
                "the front matter must be lines of 'name: value'", Location(file=self.path, line=2)
            )
        return header

    def _mark(self, node: yaml.Node, path: tuple[str, ...]) -> None:
        """Note the line of every key of the header, its params and variants; refuse aliases.

        A front matter never needs YAML's anchors and aliases (``&a``, ``*a``), and they are
        how a few lines expand into billions of values.
        """
        if not isinstance(node, yaml.MappingNode):
            return
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                name = (*path, str(key.value))
                self.lines.setdefault(name, key.start_mark.line + 2)
                if len(path) < 2:
                    self._mark(value, name)
            if getattr(value, "anchor", None) or _has_alias(value):
                raise ClauseError(
                    "the front matter uses YAML anchors or aliases (& and *); write values out",
                    Location(file=self.path, line=value.start_mark.line + 2),
                )

    def line_of(self, *key: str) -> int:
        """The file line where a key of the front matter is written (line 1 is the '---')."""
        while key and key not in self.lines:
            key = key[:-1]
        return self.lines.get(key, 2) if key else 1

    def problem(self, message: str, key: tuple[str, ...]) -> None:
        self.problems.append(
            ClauseError(message, Location(file=self.path, line=self.line_of(*key)))
        )

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.header.get(key)
        if value is None:
            if required:
                self.problems.append(
                    ClauseError(
                        f"the front matter has no {key!r}", Location(file=self.path, line=1)
                    )
                )
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(f"{key!r} must be text", (key,))
            return ""
        return value.strip()

    def params(self) -> dict[str, Param]:
        declared = self.header.get("params") or {}
        if not isinstance(declared, dict):
            self.problem("'params' must list each parameter as 'name: what it means'", ("params",))
            return {}
        params: dict[str, Param] = {}
        for name, spec in declared.items():
            name = str(name)
            at = ("params", name)
            if not NAME.fullmatch(name):
                self.problem(
                    f"parameter name {name!r} must be lower-case letters, digits and _", at
                )
                continue
            if name in FACT_NAMES:
                self.problem(
                    f"parameter {name!r} has the name of a case fact; choose another name", at
                )
                continue
            about, default = spec, None
            if isinstance(spec, dict):
                unknown = [key for key in spec if key not in PARAM_KEYS]
                if unknown:
                    self.problem(
                        f"parameter {name!r}: unknown key {unknown[0]!r} (expected: about, default)",
                        at,
                    )
                about, default = spec.get("about"), spec.get("default")
            if not isinstance(about, str) or not about.strip():
                self.problem(f"parameter {name!r} needs 'about': what it means", at)
                continue
            if default is not None:
                default = _param_default(default)
                if default is None:
                    self.problem(
                        f"parameter {name!r}: 'default' must be text or a list of text", at
                    )
                    continue
            params[name] = Param(
                name=name, about=about.strip(), default=default, line=self.line_of(*at)
            )
        return params

    def variants(self) -> dict[str, dict[str, Any]]:
        declared = self.header.get("variants") or {}
        if not isinstance(declared, dict):
            self.problem(
                "'variants' must list each variant as 'name:' with 'from'/'until' dates",
                ("variants",),
            )
            return {}
        variants: dict[str, dict[str, Any]] = {}
        for name, spec in declared.items():
            name = str(name)
            at = ("variants", name)
            spec = spec or {}
            if not isinstance(spec, dict):
                self.problem(f"variant {name!r} must have 'from', 'until' or 'about'", at)
                continue
            checked: dict[str, Any] = {}
            for key, value in spec.items():
                if key not in VARIANT_KEYS:
                    self.problem(
                        f"variant {name!r}: unknown key {key!r} (expected: {', '.join(VARIANT_KEYS)})",
                        at,
                    )
                elif key == "about":
                    checked[key] = str(value)
                elif isinstance(value, date):
                    checked[key] = value
                else:
                    self.problem(f"variant {name!r}: {key!r} must be a date as YYYY-MM-DD", at)
            if "from" in checked and "until" in checked and checked["from"] > checked["until"]:
                self.problem(f"variant {name!r}: 'from' is after 'until'", at)
            variants[name] = checked
        return variants

    def raise_problems(self) -> None:
        if self.problems:
            raise combine(self.problems)


def _has_alias(node: yaml.Node) -> bool:
    """Whether a node is reached twice below itself: the mark of an alias once composed."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            return True
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            stack.extend(item for pair in current.value for item in pair)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return False


def _param_default(value: object) -> ParamValue | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return None


def _read_variants(
    lines: list[str], start: int, declared: dict[str, dict[str, Any]], path: str
) -> tuple[Variant, ...]:
    """Split the wording after the front matter into its ``== name ==`` variants."""
    sections: list[tuple[str, int, list[str]]] = []
    current: tuple[str, int, list[str]] = ("default", start + 1, [])
    problems: list[LettersError] = []
    for index in range(start, len(lines)):
        marker = VARIANT_MARKER.fullmatch(lines[index].strip())
        if marker is None:
            current[2].append(lines[index])
            continue
        if sections or any(line.strip() for line in current[2]):
            sections.append(current)
        name = marker.group(1)
        if not VARIANT_NAME.fullmatch(name):
            problems.append(
                ClauseError(
                    f"variant name {name!r} must be letters, digits, . _ or -",
                    Location(file=path, line=index + 1),
                )
            )
        if any(name == seen for seen, _, _ in sections):
            problems.append(
                ClauseError(
                    f"variant {name!r} is written twice", Location(file=path, line=index + 1)
                )
            )
        current = (name, index + 2, [])
    sections.append(current)
    if (
        len(sections) > 1
        and sections[0][0] == "default"
        and not any(s.strip() for s in sections[0][2])
    ):
        sections.pop(0)
    variants = []
    for name, line, body in sections:
        blank = next((i for i, text in enumerate(body) if text.strip()), 0)
        line += blank
        text = "\n".join(body[blank:]).strip()
        if not text:
            what = (
                "the clause has no wording"
                if name == "default"
                else f"variant {name!r} has no wording"
            )
            problems.append(ClauseError(what, Location(file=path, line=line)))
        dates = declared.get(name, {})
        variants.append(
            Variant(
                name=name,
                text=text,
                line=line,
                in_force_from=dates.get("from"),
                in_force_until=dates.get("until"),
                about=dates.get("about", ""),
            )
        )
    names = {variant.name for variant in variants}
    for name in declared:
        if name not in names:
            problems.append(
                ClauseError(
                    f"variant {name!r} is declared but has no '== {name} ==' wording",
                    Location(file=path, line=1),
                )
            )
    if problems:
        raise combine(problems)
    return tuple(variants)


class _Blank(Exception):
    """A placeholder's value is empty: raised while rendering, said as EmptyPlaceholder."""


_PLACEHOLDER = re.compile(r"\{\{-?\s*([A-Za-z_][\w.]*)")


def _finalize(value: object) -> object:
    """Turn a placeholder's value into text: lists are joined, and the value's line breaks and
    backslashes marked, so that reflowing the clause's own lines leaves them as they are. An
    empty value is refused: a letter never holds a blank."""
    if isinstance(value, (list, tuple)):
        value = join_and(value)
    text = str(value)
    if not text.strip():
        raise _Blank
    return text.replace("\\", _KEPT_BACKSLASH).replace("\n", _KEPT_BREAK)


ENVIRONMENT = Sandbox(
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
    finalize=_finalize,
)
"""The sandbox clause wording is compiled in."""


def reflow(rendered: str) -> tuple[str, ...]:
    """Make the rendered wording into paragraphs: wrapped lines joined, blank lines between.

    Only the clause file's own line breaks and indentation are rewritten: a line break in a
    fact of the case, and a backslash in one, arrive marked and come through as they are.
    """
    paragraphs = []
    for block in _BLANK_LINE.split(rendered):
        text = ""
        for line in block.split("\n"):
            line = line.strip(" \t")
            if not line:
                continue
            if text and not text.endswith("\n") and not line.startswith(_KEPT_BREAK):
                text += " "
            text += line[:-1].rstrip(" \t") + "\n" if line.endswith("\\") else line
        text = text.rstrip("\n")
        if lists.MARK in text:  # a kept line break after a list ends it
            text = lists.ends_lists_at_breaks(text)
        text = text.replace(_KEPT_BREAK, "\n").replace(_KEPT_BACKSLASH, "\\")
        if text:
            paragraphs.append(text)
    return tuple(paragraphs)


class Library:
    """A folder of clause files, each known by its path without ``.txt`` (``reasons/late``)."""

    def __init__(
        self,
        clauses: Mapping[str, Clause],
        *,
        root: str | None = None,
        outlines: Mapping[str, Outline] | None = None,
        facts: Mapping[str, FactDeclaration] | None = None,
    ):
        self.clauses = dict(clauses)
        self.root = root
        self.outlines: dict[str, Outline] = dict(outlines or {})
        """The library's outlines (``outlines/*.yaml``), by name."""
        self.facts: dict[str, FactDeclaration] = dict(facts or {})
        """The facts the library declares (``facts.yaml``), by name."""
        self._templates: dict[tuple[str, str], jinja2.Template] = {}
        self._fixed: dict[tuple[str, str], tuple[str, ...]] = {}
        self._fast: dict[tuple[str, str], jinja2.Template] = {}

    @classmethod
    def load(cls, directory: str | Path | None = None, *, limits: Limits = DEFAULT) -> Library:
        """Read every clause file under a folder; report every broken one together."""
        library, problems = cls.read(directory, limits=limits)
        if problems:
            raise combine(problems)
        return library

    @classmethod
    def read(
        cls, directory: str | Path | None = None, *, limits: Limits = DEFAULT
    ) -> tuple[Library, list[LettersError]]:
        """Read the clause files that can be read, and the problems of those that cannot.

        Each file may hold ``limits.file_size`` bytes, the library ten times that in all.
        """
        root = Path(directory) if directory is not None else default_library()
        if not root.is_dir():
            raise ClauseError("no such clause library folder", Location(file=str(root)))
        clauses: dict[str, Clause] = {}
        problems: list[LettersError] = []
        total = 0
        for path in sorted(root.rglob(f"*{SUFFIX}")):
            clause_id = path.relative_to(root).with_suffix("").as_posix()
            try:
                text = _read(path, limits.file_size)
                total += len(text)
                if total > 10 * limits.file_size:
                    raise LimitError(
                        f"the clause library holds more than {10 * limits.file_size:,} bytes "
                        "(ten times LETTERS_FILE_SIZE_LIMIT)",
                        Location(file=str(root)),
                    )
                clause = parse_clause(text, clause_id=clause_id, path=str(path))
            except LimitError:
                raise
            except LettersError as error:
                problems.append(error)
                continue
            if clause.id in clauses:
                problems.append(
                    ClauseError(
                        f"clause id {clause.id!r} is also used by {clauses[clause.id].path}",
                        Location(file=str(path), line=1),
                    )
                )
                continue
            clauses[clause.id] = clause
        outlines, broken = read_outlines(root / OUTLINES)
        declared, wrong = read_declarations(root / FACTS_FILE)
        facts, unchosen = with_variant_choices(declared, outlines, clauses, str(root / FACTS_FILE))
        library = cls(clauses, root=str(root), outlines=outlines, facts=facts)
        return library, [*problems, *broken, *wrong, *unchosen]

    def __getitem__(self, clause_id: str) -> Clause:
        try:
            return self.clauses[clause_id]
        except KeyError:
            close = difflib.get_close_matches(clause_id, self.clauses, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            where = f" in {self.root}" if self.root else ""
            raise ClauseError(f"no clause {clause_id!r}{where}{hint}") from None

    def __contains__(self, clause_id: object) -> bool:
        return clause_id in self.clauses

    def __iter__(self) -> Iterator[Clause]:
        return iter(self.clauses.values())

    def __len__(self) -> int:
        return len(self.clauses)

    def outline(self, name: str) -> Outline:
        """The outline of that name, or an error naming the ones there are."""
        try:
            return self.outlines[name]
        except KeyError:
            close = difflib.get_close_matches(name, self.outlines, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            known = ", ".join(self.outlines) or "none"
            raise ClauseError(
                f"no outline {name!r} (outlines: {known}){hint}", Location(field="outline")
            ) from None

    def template(self, clause: Clause, variant: Variant) -> jinja2.Template:
        """The compiled wording of a variant, compiled once per library."""
        key = (clause.id, variant.name)
        template = self._templates.get(key)
        if template is None:
            try:
                template = ENVIRONMENT.from_string(_wording(variant.text))
            except jinja2.TemplateSyntaxError as error:
                raise ClauseError(
                    f"template syntax: {error.message}",
                    Location(file=clause.path, line=variant.line + (error.lineno or 1) - 1),
                ) from None
            self._templates[key] = template
        return template

    def _joined(self, clause: Clause, variant: Variant) -> jinja2.Template:
        """The wording compiled for speed: wrapped lines joined first where that changes nothing.

        Wording that is plain text and placeholders (no tags, no kept line breaks, no blank
        lines, no bullets) reflows to its lines joined by spaces; joined before compiling, the
        rendered text needs no reflowing. Other wording is compiled as it is.
        """
        key = (clause.id, variant.name)
        template = self._fast.get(key)
        if template is None:
            lines = [line.strip() for line in variant.text.split("\n")]
            if (
                "{%" in variant.text
                or "{#" in variant.text
                or "bullets" in variant.text  # its items start new lines, which need no space
                or "numbered" in variant.text
                or lists.has_list_lines(variant.text)
                or "" in lines
                or any(line.endswith("\\") for line in lines)
            ):
                template = self.template(clause, variant)
            else:
                self.template(clause, variant)  # its syntax errors name the file's line
                template = ENVIRONMENT.from_string(" ".join(lines))
            self._fast[key] = template
        return template

    def render(
        self, clause: Clause, variant: Variant, context: Mapping[str, Any]
    ) -> tuple[str, ...]:
        """The wording of a clause for one case, as paragraphs.

        Whatever goes wrong in the wording (a missing fact, a refused attribute, a division by
        zero, a date filter given text, wording that calls itself) is a ClauseError at the
        clause file's line.
        """
        if "{" not in variant.text:  # no placeholders: the same for every case
            fixed = self._fixed.get((clause.id, variant.name))
            if fixed is None:
                fixed = self._fixed[(clause.id, variant.name)] = reflow(_wording(variant.text))
            return fixed
        try:
            return reflow(render_bounded(self._joined(clause, variant), context))
        except LimitError as error:
            if error.is_time:  # not run again: place it at the variant
                raise _placed(error, clause, variant.line) from None
        except LettersError:
            raise
        except Exception:
            pass
        # again, the usual way, for Jinja's traceback that says the template's line
        try:
            return reflow(self.template(clause, variant).render(context))
        except LimitError as error:
            raise _placed(error, clause, variant.line + _template_line(error) - 1) from None
        except LettersError:
            raise
        except RecursionError as error:
            raise ClauseError(
                "the wording calls itself too deeply",
                Location(file=clause.path, line=variant.line + _template_line(error) - 1),
            ) from None
        except _Blank as error:
            line = _template_line(error)
            source_line = variant.text.splitlines()[line - 1] if variant.text else ""
            raise EmptyPlaceholder(
                tuple(_PLACEHOLDER.findall(source_line)),
                Location(file=clause.path, line=variant.line + line - 1),
            ) from None
        except Exception as error:
            line = _template_line(error)
            source_line = variant.text.splitlines()[line - 1] if variant.text else ""
            raise ClauseError(
                _explain(error, source_line, self.facts),
                Location(file=clause.path, line=variant.line + line - 1),
            ) from None


def _wording(text: str) -> str:
    """A variant's wording as it is compiled: its list block's lines marked as items."""
    return lists.mark_list_lines(text) if lists.has_list_lines(text) else text


def _placed(error: LimitError, clause: Clause, line: int) -> LimitError:
    """A limit reached while rendering a variant, placed at the clause file's line."""
    error.inside(Location(file=clause.path, line=line))
    return error


def _explain(
    error: Exception, source_line: str, facts: Mapping[str, FactDeclaration] | None = None
) -> str:
    if isinstance(error, MissingFact):
        if not error.is_attribute:
            return unknown_name(error.name, facts or {})
        used = re.search(rf"([A-Za-z_][\w.]*)\.{re.escape(error.name)}\b", source_line)
        expression = f"{used.group(1)}.{error.name}" if used else error.name
        if error.name in FILTERS:  # a person's word, asked of plain text
            subject = used.group(1) if used else "the value"
            return (
                f"{{{{ {expression} }}}}: {subject} is text here, not a person, and text has no "
                f"{error.name!r}; the filter works on any text: "
                f"{{{{ {used.group(1) if used else '...'} | {error.name} }}}}"
            )
        return f"{{{{ {expression} }}}}: this case does not give it"
    if isinstance(error, (jinja2.TemplateError, jinja2.exceptions.SecurityError)):
        return str(error)
    return f"{type(error).__name__}: {error}"


def unknown_name(name: str, facts: Mapping[str, FactDeclaration]) -> str:
    """What is wrong with a name wording uses that is neither a fact every case has nor a
    parameter of the clause."""
    if name in facts:
        return (
            f"{{{{ {name} }}}}: {name!r} is a fact the library declares, and a fact fills only "
            f"a parameter of its name: declare {name!r} under the clause's 'params', or write "
            f"{{{{ facts.{name} }}}}"
        )
    return f"{{{{ {name} }}}} is neither a fact of the case nor a parameter of the clause"


def _template_line(error: Exception) -> int:
    """The wording's line an error was raised at, as Jinja's rewritten traceback gives it."""
    line = 1
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == "<template>" and frame.lineno is not None:
            line = frame.lineno
    return line


def default_library() -> Path:
    """The clause library used when none is named: as configured (``$LETTERS_CLAUSES``,
    ``letters.toml``), else the one that comes with letters."""
    setting = settings()["clauses"]
    return _shown(setting.value) if setting.source == "default" else Path(setting.value)


def _shown(path: Path) -> Path:
    """A path as messages show it: relative to the current folder when it is inside it."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _read(path: Path, limit: int) -> str:
    data = read_bounded(path, limit, ClauseError, "clause file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ClauseError(
            f"not UTF-8 text (byte {error.start})", Location(file=str(path))
        ) from None
