"""The ``letters`` command: argument parsing and printing over the Python API, nothing more.

Every problem a user can fix is a LettersError: printed to standard error as one line per
problem, exit code 1 (usage errors 2). A bug of ours is one "internal error" line too, with the
traceback only under ``--debug``. Heavy imports wait until a command runs, so ``letters --help``
starts fast.
"""

from __future__ import annotations

import contextlib
import datetime
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click

from letters.output_formats import FORMATS, PDF_PROFILES

if TYPE_CHECKING:
    from letters.outcomes import Outcome
    from letters.problems import Problem
    from letters.register import IssueOutcome

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
        except BrokenPipeError:  # the reader stopped reading (| head): as cat or grep, quietly
            from letters.output import quiet_stdout

            quiet_stdout()
            sys.exit(141)  # 128 + SIGPIPE, as a process the closed pipe stopped
        except OSError as error:  # standard output full: file errors are LettersErrors
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


LARGEST_ID = 2**63 - 1
"""The largest id a record can have: the register's ids are 64-bit integers (SQLite's and
PostgreSQL's)."""


def record_id(identity: int) -> int:
    """A record's id as given, or one clear error when no record can have it."""
    if identity > LARGEST_ID:
        from letters.problems import RegisterError

        raise RegisterError(f"no record {identity}: a record's id is at most {LARGEST_ID}")
    return identity


def issuer(by: str, source: str) -> str:
    """Who issues, as given by ``source``; one clear error for a name the register cannot
    keep as text (bytes that are not UTF-8, control characters)."""
    if not by.isprintable() or not by.strip():
        from letters.problems import RegisterError

        try:  # the bytes given, as Python writes them: b'\xff'
            shown = repr(by.encode("utf-8", "surrogateescape"))[1:]
        except UnicodeEncodeError:
            shown = ascii(by)
        raise RegisterError(
            f"{source}: {shown} is not a name: who issues must be printable UTF-8 text"
        )
    return by


def jobs_option(what: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """``-j N``: how many processes a batch uses, saying what they do."""

    def add(command: Callable[P, R]) -> Callable[P, R]:
        return click.option(
            "-j",
            "--jobs",
            type=click.IntRange(min=1),
            default=1,
            show_default=True,
            help=f"How many processes {what}.",
        )(command)

    return add


@cli.command()
@click.argument("cases", nargs=-1, required=True, metavar="CASE.json...")
@click.option(
    "-o",
    "--output",
    help="The letter's file, for one case; '-' writes it to standard output, and a device "
    "or FIFO (/dev/null, a named pipe) is written into, never replaced.",
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
@jobs_option("render in parallel")
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
    from letters.word import explain_file

    record = explain_file(target, clauses)
    click.echo(json_text(record) if as_json else explained(record), nl=as_json)


REGISTER_OPTION = click.option(
    "--register",
    "register_at",
    metavar="PATH|URL",
    help="The register: an SQLite file or a postgresql:// URL (default: LETTERS_REGISTER, "
    "letters.toml, else register.sqlite beside letters.toml or here).",
)
DAY = click.DateTime(formats=["%Y-%m-%d"])


@cli.command()
@click.argument("cases", nargs=-1, required=True, metavar="CASE.json...")
@click.option("-o", "--output", help="The letter's file, for one case.")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder for the letters (made if missing; default: the current folder).",
)
@click.option(
    "--name", help="Name each letter from case fields, e.g. '{reference} {complainant.name}'."
)
@click.option(
    "--template", default=None, help="A Word template: a name from templates/ or a .docx."
)
@CLAUSES_OPTION
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["docx", "txt", "md"]),
    default="docx",
    show_default=True,
    help="The letter's format.",
)
@jobs_option("make and write a batch's letters (this one records them)")
@click.option(
    "--by",
    "issued_by",
    help="Who issues the letters (default: LETTERS_ISSUED_BY, else your login name).",
)
@click.option(
    "--replaces",
    type=click.IntRange(min=1),
    help="The record this letter corrects (the new record names it; the old one stays).",
)
@click.option("--note", help="Why the correction was made (with --replaces).")
@REGISTER_OPTION
@JSON_OPTION
@click.option("-q", "--quiet", is_flag=True, help="No summary.")
@reports_errors
def issue(
    cases: tuple[str, ...],
    output: str | None,
    out_dir: Path | None,
    name: str | None,
    template: str | None,
    clauses: Path | None,
    output_format: str,
    jobs: int,
    issued_by: str | None,
    replaces: int | None,
    note: str | None,
    register_at: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Issue the letter for each CASE.json: render it, write it, and record it in the register
    (the case as given, the clauses and library version used, the template, the letter's
    SHA-256, its provenance, who and when). A case that fails is not recorded; an issued
    letter is never written over. Exit code 1 if any case failed."""
    import getpass
    import os

    from letters.batch import stop_on_signals
    from letters.output import json_text
    from letters.register import Register

    stop_on_signals()
    if note is not None and replaces is None:
        raise click.UsageError("--note says why a correction was made: it goes with --replaces")
    if issued_by is not None:
        by = issuer(issued_by, "--by")
    elif os.environ.get("LETTERS_ISSUED_BY"):
        by = issuer(os.environ["LETTERS_ISSUED_BY"], "LETTERS_ISSUED_BY")
    else:
        by = getpass.getuser()
    replaces = record_id(replaces) if replaces is not None else None
    with Register(register_at) as register:
        results = []
        for outcome in register.issue(
            list(cases),
            by=by,
            clauses=clauses,
            template=template,
            out_dir=out_dir,
            output=output,
            name=name,
            output_format=output_format,
            replaces=replaces,
            note=note,
            jobs=jobs,
        ):
            results.append(outcome)
            for problem in outcome.problems:
                echo_error(str(problem))
        shown = register.shown
    failed = sum(1 for outcome in results if not outcome.is_ok)
    if as_json:
        click.echo(
            json_text(
                {
                    "ok": not failed,
                    "issued": len(results) - failed,
                    "failed": failed,
                    "register": shown,
                    "results": [outcome.as_json() for outcome in results],
                }
            )
        )
    elif not quiet:
        for outcome in results:
            if outcome.is_ok and len(results) == 1:
                click.echo(f"issued record {outcome.record}: {outcome.output}", err=True)
        if len(results) > 1:
            click.echo(
                f"issued {len(results) - failed} of {len(results)} letters, {failed} failed "
                f"(register {shown})",
                err=True,
            )
    if failed:
        sys.exit(1)


@cli.group()
def register() -> None:
    """Find, show, reproduce and verify issued letters; follow remedies up, remind a body of
    those overdue and report its compliance; upgrade the register's schema."""


def find_options(command: Callable[P, R]) -> Callable[P, R]:
    """The options that choose records, shared by find and verify."""
    for option in reversed(
        [
            click.option("--reference", help="The decision's reference (case and spacing aside)."),
            click.option("--complainant", help="The complainant's name (case and spacing aside)."),
            click.option("--body", help="The organisation's name (case and spacing aside)."),
            click.option(
                "--since", type=DAY, help="Issued on or after this day (UTC), YYYY-MM-DD."
            ),
            click.option(
                "--until", type=DAY, help="Issued on or before this day (UTC), YYYY-MM-DD."
            ),
            click.option("--clause", help="Letters that took wording from this clause id."),
            click.option("--outline", help="Letters planned by this outline."),
            click.option("--by", "issued_by", help="Issued by this person or service token."),
            click.option(
                "--sha256", help="The letter whose file has this SHA-256 (sha256sum LETTER.docx)."
            ),
            click.option(
                "--from", "first", type=click.IntRange(min=1), help="Records from this id."
            ),
            click.option("--to", "last", type=click.IntRange(min=1), help="Records up to this id."),
        ]
    ):
        command = option(command)
    return command


def query_of(**given: object) -> object:
    """A register Query from the options of find and verify."""
    import datetime

    from letters.register import Query

    days = {
        name: value.date() if isinstance(value, datetime.datetime) else value
        for name, value in given.items()
    }
    for name, value in days.items():
        if name in ("first", "last") and isinstance(value, int):  # no id is past the largest
            days[name] = min(value, LARGEST_ID)
        elif name == "issued_by" and isinstance(value, str):
            days[name] = issuer(value, "--by")
        elif name == "until" and value == datetime.date.max:  # every record is on or before it
            days[name] = None
    return Query(**days)  # type: ignore[arg-type]


@register.command("find")
@find_options
@click.option("--limit", type=click.IntRange(min=1), help="At most this many records.")
@REGISTER_OPTION
@JSON_OPTION
@reports_errors
def find_records(register_at: str | None, as_json: bool, **given: object) -> None:
    """List the issued letters that match every option given (all of them when none is):
    id, day of issue, reference, complainant, body and the letter's file. Exit code 1 if none."""
    from letters.output import json_text
    from letters.register import Query, Register

    query = query_of(**given)
    assert isinstance(query, Query)
    with Register(register_at, create=False) as opened:
        found = opened.find(query)
    if as_json:
        click.echo(json_text([record.as_json() for record in found]))
    else:
        for record in found:
            replaces = f" (replaces {record.replaces})" if record.replaces else ""
            click.echo(
                f"{record.id}\t{record.issued_at:%Y-%m-%d %H:%M}\t{record.reference or '-'}\t"
                f"{record.complainant}\t{record.body or '-'}\t{record.output_path or '-'}{replaces}"
            )
    if not found:
        click.echo("no record matches", err=True)
        sys.exit(1)


@register.command("due")
@click.option(
    "--before",
    type=DAY,
    required=True,
    help="List the remedies due before this day (not on it), YYYY-MM-DD.",
)
@REGISTER_OPTION
@JSON_OPTION
@reports_errors
def due_remedies(before: datetime.datetime, register_at: str | None, as_json: bool) -> None:
    """List the remedies issued letters set out whose deadlines fall before a day, earliest
    first, to follow compliance up: the due day, the letter's record, reference and
    complainant, the kind of remedy and its wording. A remedy done or refused is left out, one
    extended is listed on its new day, and a letter no longer in force (corrected, sent again,
    a draft after its final decision) gives way to the later one. Exit code 1 if none is due."""
    from letters.output import json_text
    from letters.register import Register

    with Register(register_at, create=False) as opened:
        found = opened.due(before.date())
    if as_json:
        click.echo(json_text([remedy.as_json() for remedy in found]))
    else:
        for remedy in found:
            click.echo(
                f"{remedy.due_now}	{remedy.letter}	{remedy.reference or '-'}	"
                f"{remedy.complainant}	{remedy.kind}	{remedy.wording}"
            )
    if not found:
        click.echo(f"no remedy is due before {before.date().isoformat()}", err=True)
        sys.exit(1)


@register.command("remedies")
@click.option("--body", help="The organisation's name (case and spacing aside).")
@click.option("--reference", help="The decision's reference (case and spacing aside).")
@click.option("--kind", help="The kind of remedy: apology, payment, review, ...")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    metavar="STATUS",
    help="Its status on the day: recommended, agreed, accepted, refused, extended, done, "
    "overdue, superseded, or outstanding (still to be done); again for any of several.",
)
@click.option("--overdue", is_flag=True, help="Only the remedies overdue on the day.")
@click.option(
    "--on", "day", type=DAY, help="The day the statuses are as of, YYYY-MM-DD (default: today)."
)
@click.option("--due-from", type=DAY, help="Due on or after this day (as extended), YYYY-MM-DD.")
@click.option("--due-to", type=DAY, help="Due on or before this day (as extended), YYYY-MM-DD.")
@click.option(
    "--record",
    type=click.IntRange(min=1),
    help="The remedies of this record only (a draft's, or one superseded, too).",
)
@click.option("--drafts", is_flag=True, help="The remedies draft decisions propose too.")
@click.option("--superseded", is_flag=True, help="The remedies of letters no longer in force too.")
@REGISTER_OPTION
@JSON_OPTION
@reports_errors
def list_remedies(
    body: str | None,
    reference: str | None,
    kind: str | None,
    statuses: tuple[str, ...],
    overdue: bool,
    day: datetime.datetime | None,
    due_from: datetime.datetime | None,
    due_to: datetime.datetime | None,
    record: int | None,
    drafts: bool,
    superseded: bool,
    register_at: str | None,
    as_json: bool,
) -> None:
    """List the remedies of the final decisions in force that match every option given, as
    they stood on a day: the remedy (RECORD.NUMBER), its status on the day (overdue when it
    is outstanding and the day it was due has passed), the day it is due, the reference, the
    body, the kind, the amount and its wording. Exit code 1 if none matches."""
    from letters.output import json_text
    from letters.register import Register, RemedyQuery

    query = RemedyQuery(
        body=body,
        reference=reference,
        kind=kind,
        statuses=tuple(status.strip().lower() for status in statuses),
        overdue=overdue,
        due_from=due_from.date() if due_from else None,
        due_to=due_to.date() if due_to else None,
        letter=record_id(record) if record is not None else None,
        drafts=drafts,
        superseded=superseded,
    )
    with Register(register_at, create=False) as opened:
        found = opened.remedies(query, on=day.date() if day else None)
    if as_json:
        click.echo(json_text([remedy.as_json() for remedy in found]))
    else:
        for remedy in found:
            due = remedy.due_now
            click.echo(
                f"{remedy.id}\t{remedy.status}\t{due.isoformat() if due else '-'}\t"
                f"{remedy.reference or '-'}\t{remedy.body or '-'}\t{remedy.kind}\t"
                f"{remedy.shown_amount or '-'}\t{remedy.wording}"
            )
    if not found:
        click.echo("no remedy matches", err=True)
        sys.exit(1)


@register.command("remedy")
@click.argument("identity", metavar="ID")
@click.argument(
    "change",
    metavar="[accepted|refused|extended|done]",
    required=False,
    type=click.Choice(["accepted", "refused", "extended", "done"]),
)
@click.option(
    "--by",
    "changed_by",
    help="Who records the change (default: LETTERS_ISSUED_BY, else your login name).",
)
@click.option(
    "--on",
    "day",
    type=DAY,
    help="The day the change took effect, YYYY-MM-DD (default: today); with no change, the "
    "day to show its status on.",
)
@click.option("--to", "new_due", type=DAY, help="extended: the new day it is due, YYYY-MM-DD.")
@click.option("--note", help="Why: what the body said, what the evidence shows.")
@click.option(
    "--evidence",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file that shows it (the body's letter, a receipt, the new procedure); again for "
    "several. Recorded by SHA-256 and kept in the register.",
)
@click.option(
    "--keep/--no-keep",
    default=True,
    show_default=True,
    help="Keep the evidence's content in the register, or record only its hash and where it is.",
)
@REGISTER_OPTION
@JSON_OPTION
@reports_errors
def change_remedy(
    identity: str,
    change: str | None,
    changed_by: str | None,
    day: datetime.datetime | None,
    new_due: datetime.datetime | None,
    note: str | None,
    evidence: tuple[Path, ...],
    keep: bool,
    register_at: str | None,
    as_json: bool,
) -> None:
    """Show a remedy (ID: RECORD.NUMBER, as `letters register remedies` lists it) with its
    history and its status today (or --on a day), or record a change of its status: the body accepted a recommendation or refused
    it, was given until a new day (extended --to DATE), or did it (done --evidence FILE).
    Each change says who made it (--by), the day it took effect (--on) and why (--note);
    refused and extended need a note, done its evidence (or a note saying why there is none)."""
    import getpass
    import os

    from letters.output import json_text
    from letters.register import Register

    given = (changed_by, new_due, note, evidence)
    if change is None and any(value for value in given):
        raise click.UsageError(
            "--by, --to, --note and --evidence go with a change: "
            "accepted, refused, extended or done"
        )
    with Register(register_at, create=False) as opened:
        if change is None:
            found = opened.remedy(identity, on=day.date() if day else None)
        else:
            if changed_by is not None:
                by = issuer(changed_by, "--by")
            elif os.environ.get("LETTERS_ISSUED_BY"):
                by = issuer(os.environ["LETTERS_ISSUED_BY"], "LETTERS_ISSUED_BY")
            else:
                by = getpass.getuser()
            found = opened.change_remedy(
                identity,
                change,
                by=by,
                on=day.date() if day else None,
                to=new_due.date() if new_due else None,
                note=note,
                evidence=evidence,
                keep=keep,
            )
    if as_json:
        click.echo(json_text(found.as_json()))
        return
    due = found.due_now
    lines = [
        f"remedy {found.id}: {found.status}"
        + (f" by record {found.superseded_by}" if found.superseded_by else ""),
        f"record {found.letter} ({found.stage}), {found.field}: {found.reference or '-'}, "
        f"{found.body or '-'}",
        f"{found.kind}: {found.wording}",
        f"due: {due.isoformat() if due else '-'} ({found.deadline})",
        f"as the letter says: {found.started}",
    ]
    for each in found.history:
        lines.append(
            f"{each.day.isoformat()} {each.status}"
            + (f" to {each.due.isoformat()}" if each.due else "")
            + f", recorded by {each.recorded_by} at {each.recorded_at:%Y-%m-%d %H:%M}Z"
            + (f" (on remedy {each.remedy})" if each.remedy != str(found.id) else "")
            + (f": {each.note}" if each.note else "")
        )
        for file in each.evidence:
            how = "kept" if file.kept else f"at {file.location}"
            lines.append(
                f"  evidence: {file.name} ({file.size:,} bytes, sha256 {file.sha256}, {how})"
            )
    click.echo("\n".join(lines))


@register.command("evidence")
@click.argument("digest", metavar="SHA256")
@click.option("-o", "--output", required=True, help="Where to write it, '-' for standard output.")
@REGISTER_OPTION
@reports_errors
def evidence_file(digest: str, output: str, register_at: str | None) -> None:
    """Write evidence the register keeps (a remedy's, by the SHA-256 `letters register remedy
    ID` shows) to a file."""
    from letters.output import STDIN, write_atomic, write_stdout
    from letters.register import Register

    if output == STDIN and sys.stdout.isatty():
        raise click.UsageError("-o -: standard output is a terminal; redirect it to a file or pipe")
    with Register(register_at, create=False) as opened:
        found, content = opened.evidence(digest)
    if output == STDIN:
        write_stdout(content)
    else:
        write_atomic(output, content)
    click.echo(f"wrote {found.name} ({found.size:,} bytes) to {output}", err=True)


def body_letter_options(command: Callable[P, R]) -> Callable[P, R]:
    """The options of the register's letters to a body: where the letter goes, its day, who
    issues it, and what it is made with, as ``letters issue`` takes them."""
    for option in reversed(
        [
            click.option("--body", required=True, help="The body's name (case and spacing aside)."),
            click.option(
                "-o",
                "--output",
                required=True,
                help="The letter's file; its case file is written beside it (NAME.json).",
            ),
            click.option(
                "--on",
                "day",
                type=DAY,
                help="The day the register is read on, and the letter's date, YYYY-MM-DD "
                "(default: today).",
            ),
            click.option(
                "--by",
                "issued_by",
                help="Who issues the letter (default: LETTERS_ISSUED_BY, else your login name).",
            ),
            click.option(
                "--template",
                default=None,
                help="A Word template: a name from templates/ or a .docx (default: the "
                "letter's own, reminder or report).",
            ),
            click.option(
                "--clauses",
                type=click.Path(file_okay=False, path_type=Path),
                default=None,
                help="The register's letters' library (default: the project's clauses/register/).",
            ),
            click.option(
                "--format",
                "output_format",
                type=click.Choice(["docx", "txt", "md"]),
                default="docx",
                show_default=True,
                help="The letter's format.",
            ),
            click.option(
                "--replaces",
                type=click.IntRange(min=1),
                help="The record this letter corrects (the new record names it).",
            ),
            click.option("--note", help="Why the correction was made (with --replaces)."),
            REGISTER_OPTION,
            JSON_OPTION,
        ]
    ):
        command = option(command)
    return command


def issued_by_default(given: str | None) -> str:
    """Who issues: ``--by``, else LETTERS_ISSUED_BY, else the login name."""
    import getpass
    import os

    if given is not None:
        return issuer(given, "--by")
    if os.environ.get("LETTERS_ISSUED_BY"):
        return issuer(os.environ["LETTERS_ISSUED_BY"], "LETTERS_ISSUED_BY")
    return getpass.getuser()


def report_issued(outcome: IssueOutcome, as_json: bool) -> None:
    """Say what became of a letter the register wrote (as ``letters issue`` says it), with its
    case file; exit code 1 if it was not issued."""
    from letters.output import json_text

    for problem in outcome.problems:
        echo_error(str(problem))
    case = outcome.case if outcome.is_ok else None
    if as_json:
        click.echo(json_text({**outcome.as_json(), "case": case}))
    elif outcome.is_ok:
        click.echo(
            f"issued record {outcome.record}: {outcome.output} (its case: {outcome.case})",
            err=True,
        )
    if not outcome.is_ok:
        sys.exit(1)


@register.command("reminder")
@body_letter_options
@reports_errors
def remind_body(
    body: str,
    output: str,
    day: datetime.datetime | None,
    issued_by: str | None,
    template: str | None,
    clauses: Path | None,
    output_format: str,
    replaces: int | None,
    note: str | None,
    register_at: str | None,
    as_json: bool,
) -> None:
    """Write, issue and record a reminder to a body of its remedies overdue on a day (--on,
    default today): each remedy of the final decisions in force still outstanding after the
    day it was due, and the evidence we need by when. Its case, the remedies as the register
    holds them, is written beside the letter. Exit code 1 if none is overdue."""
    issue_register_letter(
        "reminder", register_at, as_json, body, output, day, issued_by, replaces, note,
        clauses=clauses, template=template, output_format=output_format,
    )  # fmt: skip


@register.command("report")
@click.option(
    "--from", "start", type=DAY, required=True, help="The period's first day, YYYY-MM-DD."
)
@click.option("--to", "end", type=DAY, required=True, help="The period's last day, YYYY-MM-DD.")
@body_letter_options
@reports_errors
def report_body(
    start: datetime.datetime,
    end: datetime.datetime,
    body: str,
    output: str,
    day: datetime.datetime | None,
    issued_by: str | None,
    template: str | None,
    clauses: Path | None,
    output_format: str,
    replaces: int | None,
    note: str | None,
    register_at: str | None,
    as_json: bool,
) -> None:
    """Write, issue and record a body's compliance report for a period (--from, --to, both
    included), as the register stood on a day (--on, default today): the final decisions
    dated in the period and how many were upheld, the remedies due in it (done on time,
    done late, still to be done, refused: a table and a chart in the Word letter), and those
    overdue. Its case is written beside the letter."""
    issue_register_letter(
        "report", register_at, as_json, body, output, day, issued_by, replaces, note,
        start=start.date(), end=end.date(),
        clauses=clauses, template=template, output_format=output_format,
    )  # fmt: skip


def issue_register_letter(
    kind: str,
    register_at: str | None,
    as_json: bool,
    body: str,
    output: str,
    day: datetime.datetime | None,
    issued_by: str | None,
    replaces: int | None,
    note: str | None,
    **given: Any,
) -> None:
    """Issue one of the register's own letters to a body (``Register.reminder`` or
    ``Register.report``) and say what was issued."""
    from letters.batch import stop_on_signals
    from letters.register import Register

    stop_on_signals()
    if note is not None and replaces is None:
        raise click.UsageError("--note says why a correction was made: it goes with --replaces")
    with Register(register_at, create=False) as opened:
        outcome = getattr(opened, kind)(
            body,
            by=issued_by_default(issued_by),
            output=output,
            on=day.date() if day else None,
            replaces=record_id(replaces) if replaces is not None else None,
            note=note,
            **given,
        )
    report_issued(outcome, as_json)


@register.command("show")
@click.argument("identity", metavar="ID", type=click.IntRange(min=1))
@REGISTER_OPTION
@JSON_OPTION
@reports_errors
def show_record(identity: int, register_at: str | None, as_json: bool) -> None:
    """Show a record in full: what was issued, by whom and when, from which case, library,
    template and clauses, and where each sentence came from."""
    from letters.output import json_text
    from letters.provenance import explain as explained
    from letters.register import Register

    with Register(register_at, create=False) as opened:
        record = opened.record(record_id(identity))
    if as_json:
        click.echo(json_text(record.as_json()))
        return
    summary = record.summary
    lines = [
        f"record {record.id}",
        f"issued: {summary.issued_at.isoformat()}Z by {summary.issued_by}",
    ]
    if summary.replaces:
        lines.append(
            f"replaces: record {summary.replaces}" + (f" ({record.note})" if record.note else "")
        )
    if record.replaced_by:
        lines.append(f"replaced by: record {record.replaced_by}")
    if record.superseded_by and record.superseded_by != record.replaced_by:
        lines.append(f"superseded by: record {record.superseded_by}")
    if record.draft:
        lines.append(f"draft: record {record.draft}")
    if record.final:
        lines.append(f"final decision: record {record.final}")
    lines += [
        f"case: {summary.case_source} (sha256 {record.case_sha256})",
        f"reference: {summary.reference or '-'}",
        f"complainant: {summary.complainant}",
        f"body: {summary.body or '-'}",
        f"outline: {summary.outline or '-'}",
        f"stage: {record.stage}",
        f"library: {record.library_hash}"
        + (
            f" (git commit {record.git_commit}{', with uncommitted changes' if record.is_dirty else ''})"
            if record.git_commit
            else ""
        ),
        f"template: {record.template} (sha256 {record.template_sha256})",
        f"letter: {summary.output_path or '-'} ({summary.output_format}, {record.output_size} bytes, "
        f"sha256 {summary.output_sha256})",
        f"made by: {record.engine}",
        "clauses:",
        *(f"  {clause} ({variant}) {digest[:12]}" for clause, variant, digest in record.clauses),
        "provenance:",
    ]
    click.echo("\n".join(lines))
    click.echo(explained(record.provenance), nl=False)


@register.command("reproduce")
@click.argument("identity", metavar="ID", type=click.IntRange(min=1))
@click.option(
    "-o",
    "--output",
    required=True,
    help="Where to write the letter made again: a file, '-' for standard output, or a device "
    "or FIFO, written into.",
)
@click.option(
    "--repository",
    type=click.Path(file_okay=False, path_type=Path),
    help="The git repository holding the library's history (default: the configured library's).",
)
@REGISTER_OPTION
@reports_errors
def reproduce_record(
    identity: int, output: str, repository: Path | None, register_at: str | None
) -> None:
    """Make a record's letter again from its recorded inputs (the library at its recorded git
    commit, else the register's copy of its files) and check that its bytes are the ones
    issued. The letter is written only when they are; exit code 1 when they are not."""
    from letters.output import STDIN, write_atomic, write_stdout
    from letters.register import Register

    if output == STDIN and sys.stdout.isatty():
        raise click.UsageError("-o -: standard output is a terminal; redirect it to a file or pipe")
    with Register(register_at, create=False) as opened:
        made = opened.reproduce(record_id(identity), repository=repository)
    if not made.matches:
        echo_error(
            f"record {identity}: the letter made again does not match: sha256 {made.actual}, "
            f"recorded {made.expected} (library from {made.library_source}); not written"
        )
        sys.exit(1)
    assert made.data is not None
    if output == STDIN:
        write_stdout(made.data)
    else:
        write_atomic(output, made.data)
    click.echo(
        f"wrote {'the letter to standard output' if output == STDIN else output}: "
        f"the same bytes as issued (sha256 {made.actual}, library from "
        f"{made.library_source})",
        err=True,
    )


@register.command("checkpoint")
@REGISTER_OPTION
@JSON_OPTION
@reports_errors
def checkpoint_register(register_at: str | None, as_json: bool) -> None:
    """Print the register's checkpoint, COUNT:SEAL/CHANGES:SEAL: how many records it holds
    and the last one's seal (which covers every record before it), then as much of the chain
    of the remedies' changes, signed (:SIGNATURE) when a signing key is configured. Keep it
    elsewhere; `letters register verify --checkpoint` checks the register still holds it."""
    from letters.output import json_text
    from letters.register import Register

    with Register(register_at, create=False) as opened:
        taken = opened.checkpoint()
    click.echo(json_text(taken.as_json()) if as_json else str(taken))


@register.command("verify")
@find_options
@click.option(
    "--repository",
    type=click.Path(file_okay=False, path_type=Path),
    help="The git repository holding the library's history (default: the configured library's).",
)
@click.option(
    "--checkpoint",
    "checkpoint_text",
    metavar="CHECKPOINT",
    help="A checkpoint `letters register checkpoint` printed (COUNT:SEAL/CHANGES:SEAL): the "
    "register must still hold it.",
)
@click.option(
    "--public-key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Check every record's and the checkpoint's signature with this Ed25519 key (PEM; "
    "default: the configured signing_key's, if any).",
)
@REGISTER_OPTION
@JSON_OPTION
@reports_errors
def verify_records(
    repository: Path | None,
    checkpoint_text: str | None,
    public_key: Path | None,
    register_at: str | None,
    as_json: bool,
    **given: object,
) -> None:
    """Check the register: the chain of seals (a record put in, changed, removed or moved
    outside letters), the checkpoint given and the signatures; then make every matching
    record's letter again and read its issued file, each compared with the recorded hash.
    Exit code 1 if anything is found."""
    from letters.output import json_text
    from letters.register import Checkpoint, Query, Register, verifier_of

    query = query_of(**given)
    assert isinstance(query, Query)
    checkpoint = None
    if checkpoint_text is not None:
        try:
            checkpoint = Checkpoint.parse(checkpoint_text)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--checkpoint") from None
    verifier = verifier_of(public_key)
    results = []
    with Register(register_at, create=False) as opened:
        breaks = opened.audit(checkpoint, verifier=verifier)
        for found in breaks:
            echo_error(str(found))
        for made in opened.verify(query, repository=repository):
            results.append(made)
            if not made.matches:
                why = (
                    "; ".join(str(problem) for problem in made.problems)
                    or f"sha256 {made.actual}, recorded {made.expected}"
                )
                echo_error(f"record {made.record}: not the same letter: {why}")
            if made.on_disk not in (None, "the same"):
                echo_error(f"record {made.record}: {ON_DISK[made.on_disk]}: {made.output_path}")
    bad = sum(1 for made in results if not made.matches)
    unsound = sum(1 for made in results if not made.is_sound)
    if as_json:
        click.echo(
            json_text(
                {
                    "ok": not unsound and not breaks,
                    "verified": len(results) - bad,
                    "different": bad,
                    "tampering": [found.as_json() for found in breaks],
                    "results": [made.as_json() for made in results],
                }
            )
        )
    seals = (
        f"the chain of seals holds{' and the checkpoint' if checkpoint else ''}"
        if not breaks
        else f"{len(breaks)} signs of tampering"
    )
    on_disk = sum(1 for made in results if made.on_disk not in (None, "the same"))
    click.echo(
        f"{len(results) - bad} of {len(results)} letters the same, {bad} different; "
        f"{on_disk} issued files not the letter issued; {seals}",
        err=True,
    )
    if unsound or breaks:
        sys.exit(1)


ON_DISK = {
    "changed": "changed on disk: the issued file is not the letter issued",
    "missing": "missing: the issued file is not there",
    "not a file": "not a file: the issued letter's path is not a regular file",
}
"""What verify says of an issued file that is not the letter issued."""


@register.command("upgrade")
@REGISTER_OPTION
@reports_errors
def upgrade_register(register_at: str | None) -> None:
    """Make the register (made if missing) or bring its schema to this version of letters,
    with Alembic's migrations."""
    from letters.register import connect, locate, prepare

    location = locate(register_at)
    engine = connect(location)
    try:
        revision = prepare(engine, upgrade=True)
        shown = engine.url.render_as_string(hide_password=True)
    finally:
        engine.dispose()
    click.echo(f"register {shown} is at revision {revision}", err=True)


@cli.command()
@click.argument("cases", nargs=-1, metavar="[CASE.json...]")
@click.option(
    "--clauses",
    type=click.Path(file_okay=False, path_type=Path),
    help="The edited clause library (required with case files; with --issued, default: the "
    "configured library).",
)
@click.option(
    "--base",
    type=click.Path(file_okay=False, path_type=Path),
    help="The library to compare with (default: the edited one as committed in git, HEAD).",
)
@click.option(
    "--issued",
    type=DAY,
    metavar="SINCE",
    help="Instead of case files: the letters issued on or after this day (YYYY-MM-DD, UTC), "
    "each against the library it was issued with, from the register.",
)
@REGISTER_OPTION
@JSON_OPTION
@reports_errors
def impact(
    cases: tuple[str, ...],
    clauses: Path | None,
    base: Path | None,
    issued: datetime.datetime | None,
    register_at: str | None,
    as_json: bool,
) -> None:
    """Show which letters an edit to the clause library changes, paragraph by paragraph, as a
    word-level diff ([-removed-]{+added+}): of case files against the library committed in git
    (or --base), or, with --issued SINCE, of the letters issued since then against the library
    each was issued with. Exit code 0 when no letter changes, 1 when one does."""
    from letters.library import Library
    from letters.output import json_text

    if issued is not None:
        if cases or base is not None:
            raise click.UsageError("--issued compares issued letters: no case files, no --base")
        issued_impact(issued.date(), clauses, register_at, as_json)
        return
    if not cases:
        raise click.UsageError("name the case files (or --issued SINCE)")
    if clauses is None:
        raise click.UsageError("--clauses names the edited library")
    from letters.impact import committed_library, impact_of

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


def issued_impact(
    since: datetime.date, clauses: Path | None, register_at: str | None, as_json: bool
) -> None:
    """impact --issued: the letters issued since a day that the library would change."""
    from letters.library import Library
    from letters.output import json_text
    from letters.register import Register, impact_since

    edited = Library.load(clauses)
    with Register(register_at, create=False) as opened:
        results = list(impact_since(opened, since, edited, repository=clauses))
    changed = [result for result in results if result.is_changed]
    if as_json:
        click.echo(
            json_text(
                {
                    "changed": len(changed),
                    "issued": len(results),
                    "letters": [result.as_json() for result in changed],
                }
            )
        )
    else:
        for result in changed:
            record = result.record
            click.echo(
                f"record {record.id} ({record.issued_at:%Y-%m-%d}, {record.reference or '-'}, "
                f"{record.complainant}, {record.output_path or record.case_source})"
            )
            for change in result.changes:
                click.echo(f"  {change.part}: {change.diff}")
            for problem in result.problems:
                click.echo(f"  error: {problem}")
    click.echo(
        f"{len(changed)} of {len(results)} letters issued since {since.isoformat()} would change",
        err=True,
    )
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
    from letters.outcomes import summary
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


ALLOWED_HOST_OPTION = click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="A name requests may give in their Host header besides the bound address (and "
    "localhost, over the loopback); repeatable (else LETTERS_ALLOWED_HOSTS, names apart by "
    "spaces, or allowed_hosts in letters.toml).",
)


def allowed_host_names(flags: tuple[str, ...]) -> tuple[str, ...]:
    """The --allowed-host names, else those configured (environment, letters.toml)."""
    from letters.configuration import settings

    return flags or tuple(settings()["allowed_hosts"].value)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to serve on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes, each with its library, template and LibreOffices.",
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
@ALLOWED_HOST_OPTION
@click.option(
    "--header-timeout",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds a client has to send a request's headers.",
)
@click.option(
    "--body-timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds a client has to send a request's body, after its headers.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=1),
    default=256,
    show_default=True,
    help="Connections a worker holds at once; more are answered 503.",
)
@click.option(
    "--max-connections-per-client",
    type=click.IntRange(min=1),
    default=64,
    show_default=True,
    help="Connections a worker holds from one client address; more are answered 503 (behind "
    "a proxy, every client has its address: raise this to --max-connections).",
)
@click.option(
    "--shutdown-timeout",
    type=click.FloatRange(min=1),
    default=10.0,
    show_default=True,
    help="Seconds a stopping server waits for the requests in hand.",
)
@click.option(
    "--converters",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="LibreOffices a worker keeps for PDFs, at most (started as needed).",
)
@click.option(
    "--pdf-timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds one letter's PDF may take; past them its LibreOffice is killed and restarted.",
)
@click.option("--template", default=None, help="The Word template letters are rendered with.")
@CLAUSES_OPTION
@REGISTER_OPTION
@click.option(
    "--token-name",
    help="Who letters issued through POST /issue are recorded as issued by (default: service).",
)
@reports_errors
def serve(
    host: str,
    port: int,
    workers: int,
    token_file: Path | None,
    max_body: int,
    allowed_hosts: tuple[str, ...],
    header_timeout: float,
    body_timeout: float,
    max_connections: int,
    max_connections_per_client: int,
    shutdown_timeout: float,
    converters: int,
    pdf_timeout: float,
    template: str | None,
    clauses: Path | None,
    register_at: str | None,
    token_name: str | None,
) -> None:
    """Serve letters over HTTP: POST a case to /render, /validate, /explain or /issue (rendered
    and recorded in the register); GET /schema,
    /clauses, /openapi.json, /health. Binds to 127.0.0.1 unless --host says otherwise, which
    needs a bearer token. SIGHUP makes the workers read the library and template again."""
    import os

    from letters.web import ConnectionBounds, check_token  # deferred: start-up speed (Starlette)
    from letters.web import serve as run

    token = os.environ.get("LETTERS_TOKEN")
    source = "LETTERS_TOKEN"
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise click.UsageError(f"--token-file {token_file}: {reason}") from None
        source = f"the token file {token_file}"
    if token is not None:
        token = token.strip()
        check_token(token, source)
    names = allowed_host_names(allowed_hosts)  # a broken letters.toml stops it before it starts
    click.echo(f"serving letters on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    run(
        host=host,
        port=port,
        workers=workers,
        clauses=str(clauses) if clauses else None,
        template=template,
        token=token,
        max_body=max_body,
        register=register_at,
        token_name=token_name,
        allowed_hosts=names,
        converters=converters,
        pdf_timeout=pdf_timeout,
        bounds=ConnectionBounds(
            header_timeout=header_timeout,
            body_timeout=body_timeout,
            max_connections=max_connections,
            max_per_client=max_connections_per_client,
            shutdown_timeout=shutdown_timeout,
        ),
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
@ALLOWED_HOST_OPTION
@CLAUSES_OPTION
@reports_errors
def preview(
    cases: tuple[str, ...],
    port: int,
    base: Path | None,
    template: str | None,
    allowed_hosts: tuple[str, ...],
    clauses: Path | None,
) -> None:
    """Show each CASE.json's letter as a web page on 127.0.0.1 (default: the examples), with
    where each sentence came from, updated as clause, outline and case files are saved; the
    library, searchable; and the letters an edit changes. It never writes a file."""
    from letters.linting import case_files, default_cases
    from letters.web import run_preview  # deferred: start-up speed (Starlette)

    files = [str(path) for path in (case_files(list(cases)) if cases else default_cases(None))]
    if not files:
        raise click.UsageError("name the case files to preview")
    run_preview(
        files,
        clauses=str(clauses) if clauses else None,
        template=template,
        base=str(base) if base else None,
        port=port,
        allowed_hosts=allowed_host_names(allowed_hosts),
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

    def shown(value: object) -> object:
        return list(value) if isinstance(value, tuple) else str(value)

    if as_json:
        click.echo(
            json_text(
                {name: {"value": shown(s.value), "source": s.source} for name, s in found.items()}
            )
        )
        return
    width = max(len(name) for name in found)
    for name, setting in found.items():
        value = " ".join(setting.value) if isinstance(setting.value, tuple) else setting.value
        click.echo(f"{name:<{width}}  {value}  ({setting.source})")


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
    chosen: dict[str, list[str]] = {}
    for fact, where in library.choosers(clause.id):
        chosen.setdefault(fact, []).append(where)
    for fact, wheres in chosen.items():
        where = "; ".join(wheres)
        declared = library.facts.get(fact)
        about = f": {' '.join(declared.about.split())}" if declared is not None else ""
        click.echo(f"variant chosen by the fact {fact} ({where}){about}")
    shown = [clause.variant(variant)] if variant else list(clause.variants)
    for each in shown:
        if len(clause.variants) > 1:
            dates = " ".join(
                f"{word} {day.isoformat()}"
                for word, day in (("from", each.in_force_from), ("until", each.in_force_until))
                if day
            )
            click.echo(f"\n== {each.name} == {dates}".rstrip())
            if each.about:
                click.echo(f"# {each.about}")
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
@CLAUSES_OPTION
@reports_errors
def check_template_command(template: str, clauses: Path | None) -> None:
    """Check TEMPLATE (a .docx, or a name from templates/) for tags Word split or mangled,
    names a letter does not provide, facts and lines the clause library does not declare
    (letter.facts.x, a row's field, letter.lines.y), and {%p %} paragraphs that would delete
    other text.

    Exit code 1 when there is any error; warnings (tags split across runs, which docxtpl joins)
    do not fail.
    """
    from letters.library import Library
    from letters.word import check_template, find_template

    path = find_template(template)
    report_problems(check_template(path, library=Library.load(clauses)), prefix=f"{path}: ")


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
