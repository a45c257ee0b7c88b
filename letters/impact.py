"""Which letters a change to the clause library changes, and how, before it goes live.

Each case is composed with both libraries, the edited one and the base (by default the library
as committed in git), and every part of the letter that reads differently is shown as a
word-level diff: ``[-removed words-]{+added words+}``.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from attrs import frozen

from letters.composition import Letter, compose
from letters.library import Library
from letters.limits import Limits, budget
from letters.loading import load_case
from letters.outcomes import contained
from letters.problems import ClauseError, LettersError, Location, Problem

_CONTEXT = 6  # words kept on each side of a change


@frozen
class Change:
    """A part of a letter that reads differently: which, and the word-level difference."""

    part: str
    diff: str


@frozen
class CaseImpact:
    """What a library change does to one case's letter."""

    case: str
    changes: tuple[Change, ...] = ()
    problems: tuple[Problem, ...] = ()
    is_new: bool = False  # the base library cannot render it: a new letter, not a changed one

    @property
    def is_changed(self) -> bool:
        return bool(self.changes or self.problems)

    def as_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "new": self.is_new,
            "changes": [{"part": change.part, "diff": change.diff} for change in self.changes],
            "errors": [problem.as_json() for problem in self.problems],
        }


def parts(letter: Letter) -> list[tuple[str, str]]:
    """The letter's parts in order, each with the name a reader knows it by."""
    named = [("title", letter.title)]
    if letter.summary is not None:
        named.append(("Summary", letter.summary.text))
    number = 0
    for section in letter.sections:
        named.append((f"heading '{section.id}'", section.heading))
        for paragraph in section.paragraphs:
            number += 1
            named.append((f"paragraph {number}", paragraph.text))
    named.append(("sign-off", letter.sign_off.text))
    return named


def word_diff(old: str, new: str) -> str:
    """The words removed and added between two texts, in wdiff style."""
    before, after = old.split(" "), new.split(" ")
    pieces = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        a=before, b=after, autojunk=False
    ).get_opcodes():
        if tag == "equal":
            same = before[i1:i2]
            if len(same) > 2 * _CONTEXT + 4:  # long stretches the same: only their ends
                first = same[:_CONTEXT] if i1 else []
                last = same[-_CONTEXT:] if i2 < len(before) else []
                same = [*first, "…", *last]
            pieces.append(" ".join(same))
            continue
        if i2 > i1:
            pieces.append(f"[-{' '.join(before[i1:i2])}-]")
        if j2 > j1:
            pieces.append(f"{{+{' '.join(after[j1:j2])}+}}")
    return " ".join(pieces)


def differences(old: Letter, new: Letter) -> list[Change]:
    """Every part that reads differently, paired across the two letters as best they match."""
    before, after = parts(old), parts(new)
    matcher = difflib.SequenceMatcher(
        a=[t for _, t in before], b=[t for _, t in after], autojunk=False
    )
    changes = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        pairs = max(i2 - i1, j2 - j1)
        for offset in range(pairs):
            was = before[i1 + offset] if i1 + offset < i2 else None
            now = after[j1 + offset] if j1 + offset < j2 else None
            if was and now:
                changes.append(Change(now[0], word_diff(was[1], now[1])))
            elif now:
                changes.append(Change(f"{now[0]} (new)", f"{{+{now[1]}+}}"))
            elif was:
                changes.append(Change(f"{was[0]} (gone)", f"[-{was[1]}-]"))
    return changes


def impact_of(
    cases: Sequence[str], edited: Library, base: Library, *, limits: Limits | None = None
) -> Iterator[CaseImpact]:
    """What the edited library changes in each case's letter, against the base library.

    A case the base library cannot render is reported apart (``is_new``): its letter does not
    change, it is new. A case the edited library cannot render is reported with its problems.
    """
    limits = limits if limits is not None else Limits.from_environment()
    for case in cases:

        def compare(case: str = case) -> CaseImpact:
            loaded = load_case(case, limits=limits)
            with budget(limits):
                new = compose(loaded, edited, source=case)
            try:
                with budget(limits):
                    old = compose(loaded, base, source=case)
            except LettersError:
                return CaseImpact(case, is_new=True)
            return CaseImpact(case, tuple(differences(old, new)))

        result = contained(case, compare)
        yield (
            result if isinstance(result, CaseImpact) else CaseImpact(case, problems=result.problems)
        )


@contextlib.contextmanager
def committed_library(directory: str | Path) -> Iterator[Path]:
    """The clause library as committed in git (HEAD), in a temporary folder."""
    folder = Path(directory).resolve()
    try:
        top = _git(folder, "rev-parse", "--show-toplevel").decode().strip()
        archive = _git(
            Path(top), "archive", "--format=tar", "HEAD", "--", str(folder.relative_to(top))
        )
    except (OSError, subprocess.CalledProcessError, ValueError):
        raise ClauseError(
            "no committed version to compare with (not in a git repository, or nothing committed); "
            "name one with --base",
            Location(file=str(directory)),
        ) from None
    with tempfile.TemporaryDirectory(prefix="letters-base-") as work:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(work, filter="data")
        yield Path(work) / folder.relative_to(top)


def _git(folder: Path, *arguments: str) -> bytes:
    done = subprocess.run(["git", "-C", str(folder), *arguments], capture_output=True, check=True)
    return done.stdout
