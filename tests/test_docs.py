"""Every command the documentation shows is run (#33): each ```sh block of README.md and of the
site's pages (docs/*.md), in order, in one bash shell a page (``set -e``), in a fresh copy of the
project, as a reader pasting them would; where a page shows what its commands print (a ```text
block right after the ```sh block, or ``# prints: ...`` at the end of a command), the output is
compared with it.

What a page may say to this test, in an HTML comment on the line before a block's fence:

- ``<!-- needs: postgresql, soffice -->``: the block runs only where that is here (PostgreSQL:
  the server ``make postgresql`` started, ``out/postgresql.url``; ``soffice``: LibreOffice;
  ``chromium``; ``distributed``: Dask); otherwise the page's other blocks run and the test is
  skipped at the end, naming the block and what it needs.
- ``<!-- not run: REASON -->``: a block that cannot run here, with the reason (``make test``,
  which runs this test).

A ```text block is what the ```sh block before it prints (standard output and error, as a
terminal shows them): each run of its lines between lines of ``...`` appears in that output
whole and in order, and ``...`` within a line stands for any text (a time, a hash). Servers a
block starts must be stopped by it, by their process id: a process of the page's shell still
running when the page is done fails the test. And no command may leave a file that git would
track: the copy's ``git status`` is clean afterwards.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from attrs import evolve, frozen

from tests.conftest import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PAGE_TIME = 900
"""Seconds a page's commands may take, all together, before the test stops them."""
LEFT_RUNNING_GRACE = 20
"""Seconds a process the page stopped may take to end before it counts as left running."""

FENCE = re.compile(r"^(?P<indent>[ ]*)(?P<fence>`{3,})(?P<info>[^`]*)$")
MARKER = re.compile(r"^\s*<!--\s*(?P<kind>needs|not run):\s*(?P<what>.*?)\s*-->\s*$")
PRINTS = re.compile(r"#[^#\n]*\bprints:\s*(?P<text>.+?)\s*$")
SEPARATOR = "@@letters-docs-block"


@frozen
class Block:
    """A fenced block of a page: its language, its text (without the list's indent), where it
    starts, what the comment before it says, and the output shown after it."""

    page: str
    line: int
    language: str
    code: str
    needs: tuple[str, ...] = ()
    not_run: str = ""
    shows: str | None = None

    @property
    def prints(self) -> list[str]:
        """The ``# prints: TEXT`` of its commands, in order."""
        return [found["text"] for found in map(PRINTS.search, self.code.splitlines()) if found]


def fenced_blocks(text: str, page: str) -> Iterator[Block]:
    """Every fenced block of a Markdown page, in order, with the marker comment before it."""
    lines = text.splitlines()
    number = 0
    while number < len(lines):
        opening = FENCE.match(lines[number])
        if not opening:
            number += 1
            continue
        indent, fence = len(opening["indent"]), opening["fence"]
        before = next((line for line in reversed(lines[:number]) if line.strip()), "")
        marker = MARKER.match(before)
        body: list[str] = []
        end = number + 1
        while end < len(lines) and lines[end].strip() != fence:
            line = lines[end]
            body.append(line[indent:] if line[:indent].strip() == "" else line)
            end += 1
        if end == len(lines):
            raise AssertionError(f"{page}: line {number + 1}: a block that is never closed")
        needs = marker["what"] if marker and marker["kind"] == "needs" else ""
        yield Block(
            page=page,
            line=number + 1,
            language=(opening["info"].split() or [""])[0],
            code="\n".join(body) + "\n",
            needs=tuple(need.strip() for need in needs.split(",") if need.strip()),
            not_run=marker["what"] if marker and marker["kind"] == "not run" else "",
        )
        number = end + 1


def commands(text: str, page: str) -> list[Block]:
    """A page's ```sh blocks, each with the ```text block that shows its output, if any."""
    found: list[Block] = []
    previous: Block | None = None
    for block in fenced_blocks(text, page):
        if block.language == "text":
            if previous is None or previous.language != "sh":
                raise AssertionError(
                    f"{page}: line {block.line}: a text block shows what a command prints, "
                    "but the block before it is not a sh block"
                )
            found[-1] = evolve(found[-1], shows=block.code)
        elif block.language == "sh":
            found.append(block)
        previous = block
    return found


def line_pattern(line: str) -> re.Pattern[str]:
    """A line of shown output: ``...`` in it stands for any text."""
    return re.compile(".*?".join(re.escape(part) for part in line.split("...")))


def unshown(shown: str, printed: str) -> str | None:
    """The first part of ``shown`` that ``printed`` lacks, or None when it shows all of it: each
    run of lines between ``...`` lines appears whole, in order."""
    output = [line.rstrip() for line in printed.splitlines()]
    runs: list[list[str]] = [[]]
    for line in shown.splitlines():
        if line.strip() == "...":
            runs.append([])
        else:
            runs[-1].append(line.rstrip())
    start = 0
    for run in runs:
        while run and not run[0]:
            run.pop(0)
        while run and not run[-1]:
            run.pop()
        if not run:
            continue
        patterns = [line_pattern(line) for line in run]
        at = next(
            (
                index
                for index in range(start, len(output) - len(run) + 1)
                if all(
                    pattern.fullmatch(output[index + offset])
                    for offset, pattern in enumerate(patterns)
                )
            ),
            None,
        )
        if at is None:
            return "\n".join(run)
        start = at + len(run)
    return None


def unprinted(prints: list[str], printed: str) -> str | None:
    """The first ``# prints:`` text no line of the output holds (in order), or None."""
    output = printed.splitlines()
    start = 0
    for text in prints:
        pattern = line_pattern(text)
        at = next((i for i in range(start, len(output)) if pattern.search(output[i])), None)
        if at is None:
            return text
        start = at + 1
    return None


def postgresql_home() -> str | None:
    """The folder of the server ``make postgresql`` started for this clone, from the URL it
    wrote; the page's ``make postgresql`` then finds it running and starts no other."""
    url_file = ROOT / "out" / "postgresql.url"
    if not url_file.is_file():
        return None
    query = urllib.parse.urlsplit(url_file.read_text(encoding="utf-8").strip()).query
    hosts = urllib.parse.parse_qs(query).get("host")
    return hosts[0] if hosts else None


def missing(need: str) -> str | None:
    """Why a block that needs this cannot run here, or None when it can."""
    if need == "postgresql":
        return None if postgresql_home() else "no out/postgresql.url (make postgresql)"
    if need in ("soffice", "chromium"):
        return None if shutil.which(need) else f"no {need} on PATH (make libreoffice, chromium)"
    if need == "distributed":
        found = importlib.util.find_spec("distributed")
        return None if found else "no Dask distributed (pip install -e '.[cluster]')"
    raise AssertionError(f"unknown need {need!r}: postgresql, soffice, chromium or distributed")


def fresh_copy(folder: Path) -> Path:
    """The project as git sees it (tracked files and new ones not ignored), with the set-up
    done as ``make letter`` leaves it: ``.venv`` (this one's, shared through links, with stamps
    of its own so that make installs nothing into it) and ``out/``; a git repository of its own."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if not source.exists():  # deleted in the working tree
            continue
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    environment = Path(sys.prefix)
    venv = folder / ".venv"
    venv.mkdir()
    for entry in environment.iterdir():
        if not entry.name.startswith(".installed"):
            (venv / entry.name).symlink_to(entry)
    for stamp in (".installed", ".installed-dev"):
        (venv / stamp).write_bytes(b"")
    (folder / "out").mkdir()
    git = ["git", "-c", "user.name=docs", "-c", "user.email=docs@letters.invalid"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "the docs' copy"]):
        subprocess.run([*git, *command], cwd=folder, check=True, capture_output=True)
    return folder


def shell_environment(folder: Path) -> dict[str, str]:
    """This process's environment without letters' own settings, as a new reader has it; the
    copy's own letters before the one the shared ``.venv`` has installed from this clone, so
    that the copy's library, templates and code are the ones used."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("LETTERS_", "VIRTUAL_ENV", "PYTEST_", "PYTHONPATH"))
    }
    environment["PYTHONPATH"] = str(folder)
    home = postgresql_home()
    if home:
        environment["PG_HOME"] = home
    return environment


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def left_running(group: int, grace: float) -> str:
    """The processes of the page's shell still running ``grace`` seconds after it ended (ended
    here), or ''."""
    deadline = time.monotonic() + grace
    while group_alive(group) and time.monotonic() < deadline:
        time.sleep(0.2)
    if not group_alive(group):
        return ""
    listing = subprocess.run(
        ["ps", "-o", "pid=,args=", "-g", str(group)], capture_output=True, text=True
    ).stdout
    os.killpg(group, signal.SIGKILL)
    return listing.strip() or f"process group {group}"


def run_page(
    blocks: list[Block], folder: Path, grace: float = LEFT_RUNNING_GRACE
) -> tuple[dict[int, str], int]:
    """Run the blocks in one bash shell; each block's output (standard output and error), and
    the shell's exit code."""
    script = ["set -e"]
    for index, block in enumerate(blocks):
        script.append(f"printf '\\n{SEPARATOR} {index}@@\\n'")
        script.append(block.code)
    script.append(f"printf '\\n{SEPARATOR} end@@\\n'")
    (folder / "out" / "page.sh").write_text("\n".join(script), encoding="utf-8")
    log = folder.parent / "page.log"
    with log.open("wb") as output:
        shell = subprocess.Popen(
            ["bash", "out/page.sh"],
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=shell_environment(folder),
            start_new_session=True,
        )
        try:
            code = shell.wait(timeout=PAGE_TIME)
        except subprocess.TimeoutExpired:
            os.killpg(shell.pid, signal.SIGKILL)
            shell.wait()
            code = -1
    stray = left_running(shell.pid, grace)
    printed = log.read_text(encoding="utf-8", errors="replace")
    parts = re.split(rf"\n?{SEPARATOR} (\d+|end)@@\n", printed)
    outputs = {
        int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2) if parts[i] != "end"
    }
    if stray:
        raise AssertionError(
            f"the page's commands left processes running (stop them by their pid):\n{stray}"
        )
    return outputs, code


def describe(block: Block, printed: str) -> str:
    tail = "\n".join(printed.splitlines()[-60:])
    return (
        f"{block.page}: the block at line {block.line}:\n{block.code}\n"
        f"--- what it printed (the end) ---\n{tail}"
    )


@pytest.mark.parametrize("page", PAGES, ids=[str(page.relative_to(ROOT)) for page in PAGES])
def test_every_command_of_the_page_runs_and_prints_what_it_shows(
    page: Path, tmp_path: Path
) -> None:
    name = str(page.relative_to(ROOT))
    blocks = commands(page.read_text(encoding="utf-8"), name)
    runnable: list[Block] = []
    skipped: list[str] = []
    for block in blocks:
        reasons = [reason for need in block.needs if (reason := missing(need))]
        if reasons:
            skipped.append(f"line {block.line}: {'; '.join(reasons)}")
        elif not block.not_run:
            runnable.append(block)
    if not runnable:
        pytest.skip(f"{name}: no command to run" + "".join(f"; {s}" for s in skipped))
    folder = fresh_copy(tmp_path / "project")
    outputs, code = run_page(runnable, folder)
    for index, block in enumerate(runnable):
        printed = outputs.get(index)
        if printed is None:
            break
        last = index + 1 == len(runnable) or (index + 1) not in outputs
        if last and code != 0:
            raise AssertionError(f"exit code {code}\n" + describe(block, printed))
        if block.shows is not None and (lacking := unshown(block.shows, printed)):
            raise AssertionError(
                f"the page shows output its command did not print:\n{lacking}\n"
                + describe(block, printed)
            )
        if lacking_line := unprinted(block.prints, printed):
            raise AssertionError(f"it does not print {lacking_line!r}\n" + describe(block, printed))
    assert code == 0, f"{name}: exit code {code}"
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=folder, capture_output=True, text=True, check=True
    ).stdout
    assert not status, f"{name}: its commands changed or left files git would track:\n{status}"
    if skipped:
        pytest.skip(f"{name}: ran {len(runnable)} blocks; did not run " + ", ".join(skipped))


def test_the_readme_is_a_front_page_and_every_page_is_in_the_site() -> None:
    assert (ROOT / "README.md").stat().st_size < 8 * 1024
    site = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))

    def files(entries: object) -> Iterator[str]:
        if isinstance(entries, str):
            yield entries
        elif isinstance(entries, list):
            for entry in entries:
                yield from files(entry)
        elif isinstance(entries, dict):
            for entry in entries.values():
                yield from files(entry)

    pages = {page.name for page in (ROOT / "docs").glob("*.md")}
    assert sorted(files(site["nav"])) == sorted(pages)


PAGE = """\
# A page

<!-- needs: soffice, distributed -->
  ```sh
  .venv/bin/letters render x.json   # prints: rendered 1 of 1
  ```

Some prose.

```text
first
...
third ... fourth
```

<!-- not run: it would run itself -->
```sh
make test
```

```json
{"shown": "only"}
```
"""


def test_a_page_s_blocks_are_read_with_what_they_need_and_show() -> None:
    first, second = commands(PAGE, "page.md")
    assert first.line == 4
    assert first.code == ".venv/bin/letters render x.json   # prints: rendered 1 of 1\n"
    assert first.needs == ("soffice", "distributed")
    assert first.prints == ["rendered 1 of 1"]
    assert first.shows == "first\n...\nthird ... fourth\n"
    assert second.not_run == "it would run itself"
    assert second.shows is None
    with pytest.raises(AssertionError, match="not a sh block"):
        commands("```json\n{}\n```\n\n```text\nx\n```\n", "page.md")
    with pytest.raises(AssertionError, match="never closed"):
        commands("```sh\nls\n", "page.md")


def test_shown_output_is_compared_in_runs_with_any_text_for_dots() -> None:
    printed = "noise\nfirst\nsecond\nmore noise\nthird: 12:34 fourth\n"
    assert unshown("first\nsecond\n...\nthird: ... fourth\n", printed) is None
    assert unshown("first\nthird: ... fourth\n", printed) == "first\nthird: ... fourth"
    assert unshown("third: ... fourth\n...\nfirst\n", printed) == "first"
    assert unshown("1 of 11 letters change\n", "1 of 13 letters change\n") is not None
    assert unprinted(["second", "fourth"], printed) is None
    assert unprinted(["fourth", "second"], printed) == "second"


def test_a_page_runs_in_one_shell_that_stops_at_a_failing_command(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    blocks = [
        Block(page="p.md", line=1, language="sh", code="greeting=hello\necho $greeting\n"),
        Block(page="p.md", line=5, language="sh", code='echo "$greeting again"\nfalse\n'),
        Block(page="p.md", line=9, language="sh", code="echo never\n"),
    ]
    outputs, code = run_page(blocks, tmp_path)
    assert outputs[0].strip() == "hello"
    assert outputs[1].strip() == "hello again"
    assert 2 not in outputs
    assert code == 1


def test_a_server_a_page_leaves_running_fails_it(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    started = Block(page="p.md", line=1, language="sh", code="sleep 300 &\necho started\n")
    with pytest.raises(AssertionError, match="sleep 300"):
        run_page([started], tmp_path, grace=1)
    stopped = Block(
        page="p.md", line=1, language="sh", code='sleep 300 &\nserver=$!\nkill "$server"\n'
    )
    _, code = run_page([stopped], tmp_path, grace=5)
    assert code == 0


def test_a_block_that_needs_what_is_missing_is_named_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert missing("soffice") == "no soffice on PATH (make libreoffice, chromium)"
    with pytest.raises(AssertionError, match="unknown need"):
        missing("a-cluster")
