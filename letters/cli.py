"""The ``letters`` command: argument parsing and printing over the Python API, nothing more.

Every problem a user can fix is a LettersError: printed to standard error as one line per
problem, exit code 1. Usage errors exit with 2 (click's own). Heavy imports wait until a
command runs, so ``letters --help`` starts fast.
"""

from __future__ import annotations

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


def main() -> None:
    """Run the command line."""
    cli(prog_name="letters")
