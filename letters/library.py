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

import re
import traceback
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import attrs
import jinja2
import yaml
from attrs import field, frozen
from cattrs.gen import override

from letters import lists, yaml_lines
from letters.code_cache import CODE_CACHE
from letters.configuration import bundled, settings
from letters.facts import FACT_NAMES, FactDeclaration, read_declarations, with_variant_choices
from letters.grammar import FILTERS, join_and
from letters.limits import DEFAULT, Limits, read_bounded_text
from letters.model import ParamValue
from letters.outline import FactValueOf, Outline, read_layout, read_outlines
from letters.problems import (
    ClauseError,
    EmptyPlaceholder,
    LettersError,
    LimitError,
    Location,
    combine,
    did_you_mean,
)
from letters.wording import MissingFact, Sandbox, render_bounded
from letters.yaml_lines import (
    Entries,
    Refused,
    Text,
    converter,
    keys_of,
    no_entries,
    structured,
    unknown_keys,
)

DEFAULT_LIBRARY = bundled("clauses")
"""The clause library that comes with letters: the repository's, or the installed copy."""

SUFFIX = ".txt"
OUTLINES = "outlines"
LAYOUT_FILE = "layout.yaml"
"""The letter's own lines every letter of the library has: header, title, sign-off."""
"""The library's folder of outlines: ``outlines/<name>.yaml``."""
FACTS_FILE = "facts.yaml"
"""The library's declaration of the facts its outlines test and its clauses fill in."""
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
    chosen_by: str | None = None
    """A choice fact that picks this clause's variant wherever the clause is used (``chosen_by:
    late_wording`` in its front matter): a reason's wording, say, which no outline places; where
    the case does not give the fact, the variant in force on the decision date (the first)."""

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
                hint = did_you_mean(name, self.params)
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
    _check_front_matter_size(lines[1:end], path)
    front = _FrontMatter(lines[1:end], path)
    variants = _read_variants(lines, end + 1, front.variants, path)
    front.raise_problems()
    return Clause(
        id=front.id or clause_id,
        title=front.title,
        path=path,
        variants=variants,
        params=front.params,
        chosen_by=front.chosen_by.strip() if front.chosen_by else None,
    )


FRONT_MATTER_LINES = 2_000
FRONT_MATTER_SIZE = 100_000
"""The most lines, and characters, a clause's front matter may have: its title, id, parameters
and variants take some dozens; YAML of hundreds of thousands of keys would take seconds and
hundreds of megabytes to read, so it is refused before it is read."""


def _check_front_matter_size(lines: list[str], path: str) -> None:
    size = sum(len(line) + 1 for line in lines)
    if len(lines) > FRONT_MATTER_LINES or size > FRONT_MATTER_SIZE:
        raise ClauseError(
            f"the front matter is {len(lines):,} lines ({size:,} characters) long; a clause's "
            f"front matter (title, id, params, variants) takes at most {FRONT_MATTER_LINES:,} "
            f"lines and {FRONT_MATTER_SIZE:,} characters",
            Location(file=path, line=1),
        )


# A clause's front matter as it is written ------------------------------------------------------


def _date(value: object, _: type) -> date:
    if not isinstance(value, date):
        raise Refused
    return value


def _param_default(value: object, _: type) -> ParamValue | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise Refused


@attrs.define(kw_only=True, eq=False, repr=False, slots=False)  # a file's shape, read and dropped
class _Written:
    """A clause's front matter as it is written."""

    id: Text | None = None
    title: Text
    params: Entries = attrs.field(factory=no_entries)  # of _WrittenParam, each read in turn
    variants: Entries = attrs.field(factory=no_entries)  # of _WrittenVariant, each read in turn
    chosen_by: Text | None = None  # the choice fact that picks the variant


@attrs.define(kw_only=True, eq=False, repr=False, slots=False)  # a file's shape, read and dropped
class _WrittenParam:
    """A parameter, under its name in ``params``: what it means, or that and its default."""

    about: Text
    default: Annotated[ParamValue | None, override(struct_hook=_param_default)] = None


@attrs.define(kw_only=True, eq=False, repr=False, slots=False)  # a file's shape, read and dropped
class _WrittenVariant:
    """A variant, under its name in ``variants``: when it was in force, and what it is."""

    in_force_from: Annotated[date | None, override(rename="from", struct_hook=_date)] = None
    in_force_until: Annotated[date | None, override(rename="until", struct_hook=_date)] = None
    about: Annotated[str, override(struct_hook=lambda value, _: str(value))] = ""


FRONT_MATTER_KEYS = keys_of(_Written)
VARIANT_KEYS = keys_of(_WrittenVariant)
PARAM_KEYS = keys_of(_WrittenParam)

_READER = converter()


class _FrontMatter:
    """A clause's front matter, read by the library files' converter: its title, id,
    parameters and variants, and every problem of it with its line.

    Lines come from YAML's own marks on the nodes it read, not from searching the text.
    """

    def __init__(self, lines: list[str], path: str):
        self.path = path
        self.problems: list[LettersError] = []
        self.lines: dict[tuple[str, ...], int] = {}  # ("params", "document") -> file line
        header = self._read("\n".join(lines), len(lines))
        for key in unknown_keys(header, FRONT_MATTER_KEYS):
            self.problem(
                f"unknown key {key!r} (expected: {', '.join(FRONT_MATTER_KEYS)})", (str(key),)
            )
        front, refused = structured(_READER, header, _Written)
        wrong = {keys[0]: error for keys, error in refused}
        if isinstance(wrong.get("title"), KeyError):
            self.problems.append(
                ClauseError("the front matter has no 'title'", Location(file=self.path, line=1))
            )
        elif "title" in wrong:
            self.problem("'title' must be text", ("title",))
        if "id" in wrong:
            self.problem("'id' must be text", ("id",))
        if "chosen_by" in wrong:
            self.problem("'chosen_by' names the choice fact that picks the variant", ("chosen_by",))
        self.title = front.title if front else ""
        self.id = front.id if front else None
        self.chosen_by = front.chosen_by if front else None
        self.params: dict[str, Param] = {}
        if "params" in wrong:
            self.problem("'params' must list each parameter as 'name: what it means'", ("params",))
        else:
            for name, param in (header.get("params") or {}).items():
                self._param(str(name), param)
        self.variants: dict[str, _WrittenVariant] = {}
        """The variants declared, by name (a variant's dates only when all of them are right)."""
        if "variants" in wrong:
            self.problem(
                "'variants' must list each variant as 'name:' with 'from'/'until' dates",
                ("variants",),
            )
        else:
            for name, variant in (header.get("variants") or {}).items():
                self._variant(str(name), variant)

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

    def _param(self, name: str, written: object) -> None:
        """A parameter, from its name and what is written under it: what it means, alone or
        with its default."""
        at = ("params", name)
        if not NAME.fullmatch(name):
            self.problem(f"parameter name {name!r} must be lower-case letters, digits and _", at)
            return
        if name in FACT_NAMES:
            self.problem(f"parameter {name!r} has the name of a case fact; choose another name", at)
            return
        unknown = unknown_keys(written, PARAM_KEYS)
        if unknown:
            self.problem(
                f"parameter {name!r}: unknown key {unknown[0]!r} "
                f"(expected: {', '.join(PARAM_KEYS)})",
                at,
            )
        written = written if isinstance(written, dict) else {"about": written}
        param, refused = structured(_READER, written, _WrittenParam)
        wrong = {keys[0] for keys, _ in refused}
        if "about" in wrong:
            self.problem(f"parameter {name!r} needs 'about': what it means", at)
        elif "default" in wrong:
            self.problem(f"parameter {name!r}: 'default' must be text or a list of text", at)
        elif param is not None:
            self.params[name] = Param(
                name=name, about=param.about, default=param.default, line=self.line_of(*at)
            )

    def _variant(self, name: str, written: object) -> None:
        """A variant, from its name and what is written under it: when it came into force and
        when it ended (dates), and what it is."""
        at = ("variants", name)
        written = written or {}
        if not isinstance(written, dict):
            self.problem(f"variant {name!r} must have 'from', 'until' or 'about'", at)
            return
        variant, refused = structured(_READER, written, _WrittenVariant)
        wrong = {keys[0] for keys, _ in refused}
        for key in written:
            if key not in VARIANT_KEYS:
                self.problem(
                    f"variant {name!r}: unknown key {key!r} (expected: {', '.join(VARIANT_KEYS)})",
                    at,
                )
            elif {"from": "in_force_from", "until": "in_force_until"}.get(key) in wrong:
                self.problem(f"variant {name!r}: {key!r} must be a date as YYYY-MM-DD", at)
        if variant is None:
            self.variants[name] = _WrittenVariant()
            return
        start, end = variant.in_force_from, variant.in_force_until
        if start is not None and end is not None and start > end:
            self.problem(f"variant {name!r}: 'from' is after 'until'", at)
        self.variants[name] = variant

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


def _read_variants(
    lines: list[str], start: int, declared: Mapping[str, _WrittenVariant], path: str
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
        written = declared.get(name) or _WrittenVariant()
        variants.append(
            Variant(
                name=name,
                text=text,
                line=line,
                in_force_from=written.in_force_from,
                in_force_until=written.in_force_until,
                about=written.about,
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
    if value is None:  # a field the case leaves out (a complaint's "about")
        raise _Blank
    if isinstance(value, (list, tuple)):
        value = join_and(value)
    text = str(value)
    if not text.strip():
        raise _Blank
    return text.replace("\\", _KEPT_BACKSLASH).replace("\n", _KEPT_BREAK)


ENVIRONMENT = Sandbox(
    bytecode_cache=CODE_CACHE,
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
        layout: Outline | None = None,
        terms: Mapping[str, str] | None = None,
    ):
        self.clauses = dict(clauses)
        self.root = root
        self.outlines: dict[str, Outline] = dict(outlines or {})
        """The library's outlines (``outlines/*.yaml``), by name."""
        self.facts: dict[str, FactDeclaration] = dict(facts or {})
        """The facts the library declares (``facts.yaml``), by name."""
        self.layout = layout
        self.terms: dict[str, str] = dict(terms or {})
        """The library's own words for what the engine says of a letter (layout.yaml's
        ``terms``): ``decision`` ("final decision", "determination")."""
        """The letter's own lines (``layout.yaml``: header, title, sign-off) where an outline
        does not place its own; None where the library has no layout."""
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
        nested = nested_libraries(root)
        for path in sorted(root.rglob(f"*{SUFFIX}")):
            if any(path.is_relative_to(folder) for folder in nested):
                continue  # a library of its own (the register's letters, say)
            clause_id = path.relative_to(root).with_suffix("").as_posix()
            try:
                text = read_bounded_text(path, limits.file_size, ClauseError, "clause file")
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
        layout, unread = read_layout(root / LAYOUT_FILE)
        declared, wrong = read_declarations(root / FACTS_FILE)
        laid = {**outlines, "": layout} if layout is not None else outlines
        picks = _variant_picks(laid, clauses)
        facts, unchosen = with_variant_choices(
            declared, picks, str(root / FACTS_FILE), all_read=not (broken or unread)
        )
        terms = dict(layout.terms) if layout is not None else {}
        library = cls(
            clauses, root=str(root), outlines=outlines, facts=facts, layout=layout, terms=terms
        )
        return library, [*problems, *broken, *unread, *wrong, *unchosen]

    def choosers(self, clause_id: str) -> list[tuple[str, str]]:
        """The facts that pick a clause's variant, each with where it is said to: the clause's
        own ``chosen_by``, and each outline item that places it with ``variant: {fact: x}``."""
        found: list[tuple[str, str]] = []
        clause = self.clauses.get(clause_id)
        if clause is not None and clause.chosen_by is not None:
            found.append((clause.chosen_by, f"{clause.path} (chosen_by), wherever it is used"))
        laid = [*self.outlines.values(), *([self.layout] if self.layout else [])]
        for outline in laid:
            for _, item in outline.items():
                if item.clause == clause_id and isinstance(item.variant, FactValueOf):
                    found.append((item.variant.fact, f"{outline.path}, line {item.line}"))
        return found

    def term(self, name: str) -> str:
        """The library's word for ``name`` (layout.yaml's ``terms``), else the name itself."""
        return self.terms.get(name, name)

    def __getitem__(self, clause_id: str) -> Clause:
        try:
            return self.clauses[clause_id]
        except KeyError:
            hint = did_you_mean(clause_id, self.clauses)
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
            hint = did_you_mean(name, self.outlines)
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
    if name == "complainant":
        return (
            '{{ complainant }}: this case names no complainant (a case gives "complainant"; '
            "layout.yaml's 'needs' can make every case give one)"
        )
    return f"{{{{ {name} }}}} is neither a fact of the case nor a parameter of the clause"


def _template_line(error: Exception) -> int:
    """The wording's line an error was raised at, as Jinja's rewritten traceback gives it."""
    line = 1
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == "<template>" and frame.lineno is not None:
            line = frame.lineno
    return line


def _variant_picks(
    outlines: Mapping[str, Outline], clauses: Mapping[str, Clause]
) -> dict[str, dict[str, tuple[str, ...]]]:
    """For each fact an outline picks a clause's wording with (``variant: {fact: NAME}``), or a
    clause names as the fact that picks its wording (``chosen_by``), the clauses it picks from, each with its variants: a choice fact that lists no ``choices`` has
    these for its choices."""
    picks: dict[str, dict[str, tuple[str, ...]]] = {}
    for outline in outlines.values():
        for _, item in outline.items():
            clause = clauses.get(item.clause) if item.clause else None
            if isinstance(item.variant, FactValueOf) and clause is not None:
                picked = picks.setdefault(item.variant.fact, {})
                picked[clause.id] = tuple(variant.name for variant in clause.variants)
    for clause in clauses.values():  # a clause's own "chosen_by"
        if clause.chosen_by is not None:
            picks.setdefault(clause.chosen_by, {})[clause.id] = tuple(
                variant.name for variant in clause.variants
            )
    return picks


def nested_libraries(root: Path) -> list[Path]:
    """The folders in a library that are libraries of their own, each with its own
    ``layout.yaml`` (``clauses/register/``: the register's letters to a body, which name no
    complainant): read on their own (``--clauses clauses/register``), never as the outer
    library's clauses."""
    return [layout.parent for layout in root.rglob(f"*/{LAYOUT_FILE}")]


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
