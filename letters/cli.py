"""The ``letters`` command: argument parsing and printing over the Python API, nothing more.

Every problem a user can fix is a LettersError: printed to standard error as one line per
problem, exit code 1. Usage errors exit with 2 (click's own). Heavy imports wait until a
command runs, so ``letters --help`` starts fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(command: F) -> F:
    """Print a LettersError as the user should see it and exit with its code."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        from letters.errors import LettersError

        try:
            return command(*args, **kwargs)
        except LettersError as error:
            click.echo(str(error), err=True)
            sys.exit(error.exit_code)

    return run  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="letters")
def cli() -> None:
    """Compose decision letters from JSON case files and a plain-text clause library."""


@cli.command()
@click.argument("case", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    help="Where to write the letter; '-' writes it to standard output. "
    "Default: the case file's name with .docx, in the current folder.",
)
@click.option(
    "--template",
    default=None,
    help="A Word template: a name from templates/ (default: decision) or a path to a .docx.",
)
@click.option(
    "--clauses",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The clause library folder (default: the project's clauses/).",
)
@reports_errors
def render(case: Path, output: str | None, template: str | None, clauses: Path | None) -> None:
    """Render the letter for CASE (a JSON case file) as a Word document."""
    from letters.clauses import Library
    from letters.compose import compose
    from letters.errors import OutputError
    from letters.loading import load_case
    from letters.output import write_atomic
    from letters.render import render as render_letter

    if output == "-" and sys.stdout.isatty():
        raise click.UsageError("-o -: standard output is a terminal; redirect it to a file or pipe")
    letter = compose(load_case(case), Library.load(clauses), source=str(case))
    document = render_letter(letter, template)
    if output == "-":
        try:
            sys.stdout.buffer.write(document)
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            raise OutputError("standard output was closed before the letter was written") from None
        return
    target = Path(output) if output else Path(case.with_suffix(".docx").name)
    write_atomic(target, document)
    click.echo(f"wrote {target}", err=True)


CLAUSES_OPTION = click.option(
    "--clauses",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The clause library folder (default: the project's clauses/).",
)


@cli.group()
def clauses() -> None:
    """List, show and check the clause library."""


@clauses.command("list")
@CLAUSES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@reports_errors
def list_clauses(clauses: Path | None, as_json: bool) -> None:
    """List every clause with its id, title and parameters."""
    from letters.clauses import Library

    library = Library.load(clauses)
    if as_json:
        click.echo(json.dumps([clause_summary(c) for c in library], indent=2, ensure_ascii=False))
        return
    width = max((len(c.id) for c in library), default=0)
    for clause in library:
        params = f"  [{', '.join(clause.params)}]" if clause.params else ""
        click.echo(f"{clause.id:<{width}}  {clause.title}{params}")


def clause_summary(clause: Any) -> dict[str, Any]:
    """A clause as ``clauses list --json`` describes it."""
    return {
        "id": clause.id,
        "title": clause.title,
        "file": clause.path,
        "params": [
            {"name": p.name, "about": p.about, "default": p.default} for p in clause.params.values()
        ],
        "variants": [
            {
                "name": v.name,
                "about": v.about,
                "from": v.in_force_from.isoformat() if v.in_force_from else None,
                "until": v.in_force_until.isoformat() if v.in_force_until else None,
            }
            for v in clause.variants
        ],
    }


@clauses.command("show")
@click.argument("clause_id", metavar="ID")
@click.option(
    "--case", type=click.Path(dir_okay=False, path_type=Path), help="Render it for this case file."
)
@click.option("--variant", help="Show this variant (default: all; with --case, the one in force).")
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A parameter for the clause, with --case; repeat for more.",
)
@CLAUSES_OPTION
@reports_errors
def show_clause(
    clause_id: str,
    case: Path | None,
    variant: str | None,
    params: tuple[str, ...],
    clauses: Path | None,
) -> None:
    """Show a clause's wording, or the text it gives for a case."""
    from letters.clauses import Library
    from letters.compose import compose_clause
    from letters.loading import load_case
    from letters.model import ClauseUse

    library = Library.load(clauses)
    clause = library[clause_id]
    if case is not None:
        given = dict(parse_param(param) for param in params)
        use = ClauseUse(clause_id, variant, given)
        for paragraph in compose_clause(load_case(case), library, use, source=str(case)):
            click.echo(paragraph.text)
        return
    if params:
        raise click.UsageError("--param goes with --case")
    click.echo(f"{clause.id}: {clause.title}")
    click.echo(f"file: {clause.path}")
    for param in clause.params.values():
        default = f" (default: {param.default})" if param.default is not None else " (required)"
        click.echo(f"param {param.name}: {param.about}{default}")
    shown = [clause.variant(variant)] if variant else list(clause.variants)
    for each in shown:
        if len(clause.variants) > 1:
            dates = " ".join(
                f"{word} {day.isoformat()}"
                for word, day in (("from", each.in_force_from), ("until", each.in_force_until))
                if day
            )
            click.echo(f"\n== {each.name} == {dates}".rstrip())
        else:
            click.echo()
        click.echo(each.text)


def parse_param(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise click.UsageError(f"--param {text!r}: expected NAME=VALUE")
    return name.strip(), value


@clauses.command("lint")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--case",
    "cases",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="A case file, or a folder of them, whose clause references to check "
    "(default: the project's examples/ when linting the project's library). Repeat for more.",
)
@click.option("--no-warnings", is_flag=True, help="Print errors only.")
@CLAUSES_OPTION
@reports_errors
def lint_clauses(
    directory: Path | None, cases: tuple[Path, ...], no_warnings: bool, clauses: Path | None
) -> None:
    """Check a clause library (DIRECTORY or --clauses; default: the project's) and the case
    files that use it.

    Exit code 1 when there is any error; warnings (clauses no case file uses) do not fail.
    """
    from letters.clauses import DEFAULT_LIBRARY
    from letters.lint import lint

    if directory is not None and clauses is not None and directory != clauses:
        raise click.UsageError("name the library once: DIRECTORY or --clauses")
    directory = directory or clauses
    if not cases and directory is None:
        cases = (DEFAULT_LIBRARY.parent / "examples",)
    files = [
        file
        for path in cases
        for file in (sorted(path.glob("*.json")) if path.is_dir() else [path])
    ]
    findings = lint(directory, files)
    errors = [f for f in findings if not f.is_warning]
    for finding in findings:
        if not (finding.is_warning and no_warnings):
            click.echo(str(finding), err=True)
    warnings = len(findings) - len(errors)
    click.echo(f"{len(errors)} errors, {warnings} warnings", err=True)
    if errors:
        sys.exit(1)


def main() -> None:
    """Run the command line."""
    cli(prog_name="letters")
