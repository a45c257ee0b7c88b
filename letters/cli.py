"""The ``letters`` command: argument parsing and printing over the Python API, nothing more.

Every problem a user can fix is a LettersError: printed to standard error as one line per
problem, exit code 1 (usage errors 2). A bug of ours is one "internal error" line too, with the
traceback only under ``--debug``. Heavy imports wait until a command runs, so ``letters --help``
starts fast.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import click

from letters.formats import FORMATS, PDF_PROFILES

if TYPE_CHECKING:
    from letters.batch import Outcome
    from letters.problems import Problem

P = ParamSpec("P")
R = TypeVar("R")


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Print a LettersError as the user should see it and exit with its code; a bug of ours
    as one line too; a stop signal as "interrupted"."""

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        from letters.output import json_text  # noqa: F401 - imported here for the error path
        from letters.problems import LettersError, internal_error

        try:
            return command(*args, **kwargs)
        except LettersError as error:
            if debugging():
                traceback.print_exc()
            echo_error(str(error))
            sys.exit(error.exit_code)
        except click.ClickException:
            raise
        except KeyboardInterrupt:
            echo_error("letters: interrupted")
            sys.exit(130)
        except OSError as error:  # standard output closed or full: file errors are LettersErrors
            from letters.output import quiet_stdout

            quiet_stdout()
            echo_error(f"cannot write the output ({error.strerror})")
            sys.exit(1)
        except Exception as error:
            if debugging():
                traceback.print_exc()
            echo_error(str(internal_error(error, None)))
            sys.exit(1)

    return run


def echo_error(text: str) -> None:
    """A message on standard error, whatever characters it holds."""
    click.echo(text.encode("utf-8", "backslashreplace").decode("utf-8"), err=True)


def debugging() -> bool:
    """Whether ``letters --debug`` was given."""
    context = click.get_current_context(silent=True)
    return bool(context and context.find_root().params.get("debug"))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="letters")
@click.option("--debug", is_flag=True, help="Show the traceback of an error too.")
def cli(debug: bool) -> None:
    """Compose decision letters from JSON case files and a plain-text clause library."""


CLAUSES_OPTION = click.option(
    "--clauses",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The clause library folder (default: the project's clauses/).",
)
JSON_OPTION = click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the results as JSON on standard output (messages stay on standard error).",
)


@cli.command()
@click.argument("cases", nargs=-1, required=True, metavar="CASE.json...")
@click.option(
    "-o",
    "--output",
    help="The letter's file, for one case; '-' writes it to standard output.",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder for the letters (made if missing; default: the current folder).",
)
@click.option(
    "--name",
    help="Name each letter from case fields, e.g. '{reference} {complainant.name}' "
    "(default: the case file's name).",
)
@click.option(
    "--template",
    default=None,
    help="A Word template: a name from templates/ (default: decision) or a path to a .docx.",
)
@CLAUSES_OPTION
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="docx",
    show_default=True,
    help="The letter's format: Word, PDF (through LibreOffice), plain text or Markdown.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="How many processes render in parallel.",
)
@click.option(
    "--pdf-profile",
    type=click.Choice(PDF_PROFILES),
    default="tagged",
    show_default=True,
    help="With --format pdf: a tagged PDF, PDF/A-2b for the record, PDF/UA-1 for "
    "accessibility, or both (every profile is tagged).",
)
@click.option(
    "--cluster",
    metavar="tcp://HOST:8786",
    help="Render on a Dask distributed cluster: its scheduler's address (pip install "
    "'letters[cluster]'). The letters come back here and are written as without it.",
)
@click.option(
    "--workers-write",
    is_flag=True,
    help="With --cluster: the workers write the letters themselves, into a folder they all "
    "see at the same path (a shared file system), rather than sending them back here.",
)
@JSON_OPTION
@click.option(
    "--embed-provenance",
    is_flag=True,
    help="Carry where each sentence came from inside the .docx (read it with letters explain).",
)
@click.option(
    "--json-lines",
    is_flag=True,
    help="Print one JSON result per case, as each finishes, on standard output.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
@reports_errors
def render(
    cases: tuple[str, ...],
    output: str | None,
    out_dir: Path | None,
    name: str | None,
    template: str | None,
    clauses: Path | None,
    output_format: str,
    jobs: int,
    pdf_profile: str,
    cluster: str | None,
    workers_write: bool,
    as_json: bool,
    embed_provenance: bool,
    json_lines: bool,
    quiet: bool,
) -> None:
    """Render the letter for each CASE.json (a JSON case file; '-' reads standard input).

    One failed case does not stop the others; the exit code is 1 if any failed.
    """
    from letters.batch import render_files, stop_on_signals

    stop_on_signals()
    if output == "-" and sys.stdout.isatty():
        raise click.UsageError("-o -: standard output is a terminal; redirect it to a file or pipe")
    if output == "-" and (as_json or json_lines):
        raise click.UsageError("--json prints to standard output, where -o - writes the letter")
    if as_json and json_lines:
        raise click.UsageError("--json and --json-lines: choose one")
    outcomes = render_files(
        list(cases),
        clauses=clauses,
        template=template,
        out_dir=out_dir,
        output=output,
        name=name,
        output_format=output_format,
        jobs=jobs,
        embed_provenance=embed_provenance,
        pdf_profile=pdf_profile,
        cluster=cluster,
        workers_write=workers_write,
    )
    report(outcomes, len(cases), as_json=as_json, quiet=quiet, verb="rendered", lines=json_lines)


@cli.command()
@click.argument("cases", nargs=-1, required=True, metavar="CASE.json...")
@CLAUSES_OPTION
@JSON_OPTION
@click.option(
    "-q", "--quiet", is_flag=True, help="Only the problems: no 'valid' lines, no summary."
)
@reports_errors
def validate(cases: tuple[str, ...], clauses: Path | None, as_json: bool, quiet: bool) -> None:
    """Check each CASE.json against the case model and the clause library, without rendering.

    Says of each valid case that it is valid; every problem of every case is reported; the exit
    code is 1 if any case is invalid.
    """
    from letters.batch import validate_files

    report(
        validate_files(list(cases), clauses=clauses),
        len(cases),
        as_json=as_json,
        quiet=quiet,
        verb="valid",
    )


@cli.command()
@click.argument("target", metavar="CASE.json|LETTER.docx")
@CLAUSES_OPTION
@JSON_OPTION
@reports_errors
def explain(target: str, clauses: Path | None, as_json: bool) -> None:
    """Show where each sentence of a letter comes from: the clause (variant, file, line) or the
    field of the case file. A .docx rendered with --embed-provenance carries its own record."""
    from letters.output import json_text
    from letters.provenance import explain as explained
    from letters.provenance import explain_file

    record = explain_file(target, clauses)
    click.echo(json_text(record) if as_json else explained(record), nl=as_json)


@cli.command()
@click.argument("cases", nargs=-1, required=True, metavar="CASE.json...")
@click.option(
    "--clauses",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The edited clause library.",
)
@click.option(
    "--base",
    type=click.Path(file_okay=False, path_type=Path),
    help="The library to compare with (default: the edited one as committed in git, HEAD).",
)
@JSON_OPTION
@reports_errors
def impact(cases: tuple[str, ...], clauses: Path, base: Path | None, as_json: bool) -> None:
    """Show which letters an edit to the clause library changes, paragraph by paragraph, as a
    word-level diff ([-removed-]{+added+}). Exit code 0 when no letter changes, 1 when one does."""
    from letters.impact import committed_library, impact_of
    from letters.library import Library
    from letters.output import json_text

    edited = Library.load(clauses)
    with contextlib.ExitStack() as stack:
        folder = base if base is not None else stack.enter_context(committed_library(clauses))
        results = list(impact_of(list(cases), edited, Library.load(folder)))
    changed = [result for result in results if result.is_changed]
    new = [result for result in results if result.is_new]
    if as_json:
        record = {
            "changed": len(changed),
            "new": len(new),
            "cases": [result.as_json() for result in changed],
            "new_cases": [result.case for result in new],
        }
        click.echo(json_text(record))
    else:
        for result in changed:
            click.echo(result.case)
            for change in result.changes:
                click.echo(f"  {change.part}: {change.diff}")
            for problem in result.problems:
                click.echo(f"  error: {problem}")
        for result in new:
            click.echo(f"{result.case}\n  new: the base library cannot render it")
    tail = f", {len(new)} new" if new else ""
    click.echo(f"{len(changed)} of {len(results)} letters change{tail}", err=True)
    if changed:
        sys.exit(1)


@cli.command()
@CLAUSES_OPTION
@reports_errors
def schema(clauses: Path | None) -> None:
    """Print the JSON Schema (draft 2020-12) of a case file, for editors and other tools: with
    the facts the clause library declares and the names of its outlines."""
    from letters.library import Library
    from letters.output import json_text
    from letters.schema import case_schema

    click.echo(json_text(case_schema(Library.load(clauses))))


def report(
    outcomes: Iterable[Outcome],
    total: int,
    *,
    as_json: bool,
    quiet: bool,
    verb: str,
    lines: bool = False,
) -> None:
    """Print each failure as it comes, then a summary (or JSON); exit 1 if any case failed."""
    from letters.batch import summary
    from letters.output import json_text

    done: list[Outcome] = []
    show_progress = (
        total > 1 and not quiet and not lines and sys.stderr.isatty() and verb != "valid"
    )
    with (
        click.progressbar(
            outcomes, length=total, file=sys.stderr, label=verb.replace("valid", "checking")
        )
        if show_progress
        else contextlib.nullcontext(outcomes) as progress
    ):
        for outcome in progress:
            done.append(outcome)
            if lines:
                click.echo(json_text(outcome.as_json(), indent=None))
                sys.stdout.flush()
            if outcome.is_ok and verb == "valid" and not quiet and not as_json:
                click.echo(f"valid: {outcome.case}", err=True)
            if not outcome.is_ok:
                if debugging() and outcome.problems[0].trace:
                    echo_error(outcome.problems[0].trace.rstrip())
                for problem in outcome.problems:
                    echo_error(str(problem))
    failed = sum(1 for outcome in done if not outcome.is_ok)
    if as_json:
        click.echo(json_text(summary(done, verb)))
    single = done[0] if len(done) == 1 else None
    if not quiet and total == 1:
        if verb == "rendered" and single is not None and single.is_ok and single.output != "-":
            click.echo(f"wrote {single.output}", err=True)
    elif not quiet:
        if verb == "rendered":
            click.echo(
                f"rendered {len(done) - failed} of {len(done)} letters, {failed} failed", err=True
            )
        else:
            click.echo(
                f"{len(done) - failed} of {len(done)} cases valid, {failed} invalid", err=True
            )
    if failed:
        sys.exit(1)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to serve on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes, each with its library, template and LibreOffice.",
)
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file holding the bearer token requests must give (or LETTERS_TOKEN).",
)
@click.option(
    "--max-body",
    type=click.IntRange(min=1),
    default=2_000_000,
    show_default=True,
    help="The largest request body taken, in bytes.",
)
@click.option("--template", default=None, help="The Word template letters are rendered with.")
@CLAUSES_OPTION
@reports_errors
def serve(
    host: str,
    port: int,
    workers: int,
    token_file: Path | None,
    max_body: int,
    template: str | None,
    clauses: Path | None,
) -> None:
    """Serve letters over HTTP: POST a case to /render, /validate or /explain; GET /schema,
    /clauses, /openapi.json, /health. Binds to 127.0.0.1 unless --host says otherwise, which
    needs a bearer token. SIGHUP makes the workers read the library and template again."""
    import os

    from letters.service import serve as run

    token = os.environ.get("LETTERS_TOKEN") or None
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip() or None
        except OSError as error:
            raise click.UsageError(f"--token-file {token_file}: {error.strerror}") from None
    click.echo(f"serving letters on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    run(
        host=host,
        port=port,
        workers=workers,
        clauses=str(clauses) if clauses else None,
        template=template,
        token=token,
        max_body=max_body,
    )


@cli.command()
@click.argument("cases", nargs=-1, metavar="[CASE.json...]")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8001,
    show_default=True,
    help="0: any free port.",
)
@click.option(
    "--base",
    type=click.Path(file_okay=False, path_type=Path),
    help="The library the impact page compares with (default: the edited one as committed in git).",
)
@click.option("--template", default=None, help="The Word template downloads are rendered with.")
@CLAUSES_OPTION
@reports_errors
def preview(
    cases: tuple[str, ...], port: int, base: Path | None, template: str | None, clauses: Path | None
) -> None:
    """Show each CASE.json's letter as a web page on 127.0.0.1 (default: the examples), with
    where each sentence came from, updated as clause, outline and case files are saved; the
    library, searchable; and the letters an edit changes. It never writes a file."""
    from letters.linting import case_files, default_cases
    from letters.preview import run_preview

    files = [str(path) for path in (case_files(list(cases)) if cases else default_cases(None))]
    if not files:
        raise click.UsageError("name the case files to preview")
    run_preview(
        files,
        clauses=str(clauses) if clauses else None,
        template=template,
        base=str(base) if base else None,
        port=port,
    )


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@reports_errors
def config(as_json: bool) -> None:
    """Print each effective setting and where it came from: a flag, an environment variable,
    letters.toml (in this folder or a parent), or the default."""
    from letters.configuration import settings
    from letters.output import json_text

    found = settings()
    if as_json:
        click.echo(
            json_text(
                {name: {"value": str(s.value), "source": s.source} for name, s in found.items()}
            )
        )
        return
    width = max(len(name) for name in found)
    for name, setting in found.items():
        click.echo(f"{name:<{width}}  {setting.value}  ({setting.source})")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@reports_errors
def init(directory: Path) -> None:
    """Make an organisation's own library in DIRECTORY: the clause library, templates, an
    example case, letters.toml, a README for the people who edit the wording and a CI script.
    Rendering in that folder then uses them with no flag."""
    from letters.starter import start_library

    written = start_library(directory)
    click.echo(f"made {directory} ({len(written)} files); try:", err=True)
    click.echo(f"  cd {directory} && letters render examples/*.json --out-dir out", err=True)


@cli.group()
def clauses() -> None:
    """List, show and check the clause library."""


@clauses.command("list")
@CLAUSES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@reports_errors
def list_clauses(clauses: Path | None, as_json: bool) -> None:
    """List every clause with its id, title and parameters."""
    from letters.library import Library
    from letters.output import json_text

    library = Library.load(clauses)
    if as_json:
        click.echo(json_text([clause.as_json() for clause in library]))
        return
    width = max((len(c.id) for c in library), default=0)
    for clause in library:
        params = f"  [{', '.join(clause.params)}]" if clause.params else ""
        click.echo(f"{clause.id:<{width}}  {clause.title}{params}")


@clauses.command("find")
@click.argument("text")
@click.option(
    "--case",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Search the wording as filled for this case file.",
)
@CLAUSES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@reports_errors
def find_clauses(text: str, case: Path | None, clauses: Path | None, as_json: bool) -> None:
    """List the clauses and variants whose wording holds TEXT, with the sentence that holds it
    (line wrapping, curly or straight quotes and case do not matter). Exit code 1 if none."""
    from letters.library import Library
    from letters.loading import load_case
    from letters.output import json_text
    from letters.search import find_wording

    found = find_wording(Library.load(clauses), text, load_case(case) if case else None)
    if as_json:
        click.echo(json_text([match.as_json() for match in found]))
    else:
        for match in found:
            click.echo(str(match))
    if not found:
        click.echo(f"no clause holds {text!r}", err=True)
        sys.exit(1)


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
    from letters.composition import compose_clause
    from letters.library import Library
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
@click.option(
    "-v", "--verbose", is_flag=True, help="Print notices too (clauses no case file uses)."
)
@CLAUSES_OPTION
@reports_errors
def lint_clauses(
    directory: Path | None,
    cases: tuple[Path, ...],
    no_warnings: bool,
    verbose: bool,
    clauses: Path | None,
) -> None:
    """Check a clause library (DIRECTORY or --clauses; default: the project's) and the case
    files that use it.

    Exit code 1 when there is any error; warnings do not fail, and notices (clauses no case
    file uses) are shown with --verbose.
    """
    from letters.linting import case_files, default_cases, lint

    if directory is not None and clauses is not None and directory != clauses:
        raise click.UsageError("name the library once: DIRECTORY or --clauses")
    directory = directory or clauses
    files = case_files(cases) if cases else default_cases(directory)
    report_problems(lint(directory, files), show_warnings=not no_warnings, show_notices=verbose)


@cli.group()
def templates() -> None:
    """Check Word templates."""


@templates.command("check")
@click.argument("template")
@reports_errors
def check_template_command(template: str) -> None:
    """Check TEMPLATE (a .docx, or a name from templates/) for tags Word split or mangled,
    names a letter does not provide, and {%p %} paragraphs that would delete other text.

    Exit code 1 when there is any error; warnings (tags split across runs, which docxtpl joins)
    do not fail.
    """
    from letters.rendering import find_template
    from letters.template_check import check_template

    path = find_template(template)
    report_problems(check_template(path), prefix=f"{path}: ")


def report_problems(
    problems: Sequence[Problem],
    *,
    show_warnings: bool = True,
    show_notices: bool = False,
    prefix: str = "",
) -> None:
    """Print what a check found and how many of each kind; exit 1 if any is an error."""
    from letters.problems import Severity

    counts = {severity: 0 for severity in Severity}
    for problem in problems:
        counts[problem.severity] += 1
        shown = {
            Severity.ERROR: True,
            Severity.WARNING: show_warnings,
            Severity.NOTICE: show_notices,
        }[problem.severity]
        if shown:
            echo_error(str(problem))
    notices = counts[Severity.NOTICE]
    tail = (
        f", {notices} notices" + ("" if show_notices else " (--verbose shows them)")
        if notices
        else ""
    )
    click.echo(
        f"{prefix}{counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} warnings{tail}",
        err=True,
    )
    if counts[Severity.ERROR]:
        sys.exit(1)


def main() -> None:
    """Run the command line."""
    cli(prog_name="letters")
