"""Rendering many case files: names, clashes, failures that do not stop a batch, parallel work."""

from __future__ import annotations

import io
import json
import shutil
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from letters.batch.running import render_files, validate_files
from letters.output import output_name
from letters.problems import CaseError, UsageError
from letters.rendering import Renderer
from tests.conftest import EXAMPLES, letter_lines

ALL = sorted(str(path) for path in EXAMPLES.glob("*.json"))


def test_each_letter_is_named_after_its_case(tmp_path: Path) -> None:
    outcomes = list(render_files(ALL, out_dir=tmp_path))
    assert all(outcome.is_ok for outcome in outcomes)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(Path(c).stem + ".docx" for c in ALL)


def test_a_name_pattern_uses_case_fields_and_makes_safe_file_names() -> None:
    data = {"reference": "24 018 696", "complainant": {"name": "Mrs X/Y"}}
    assert (
        output_name("a.json", "{reference} {complainant.name}", data) == "24 018 696 Mrs X-Y.docx"
    )


def test_a_name_pattern_needs_the_fields_it_names() -> None:
    with pytest.raises(
        CaseError, match=r"a.json: --name '\{reference\}': the case has no 'reference'"
    ):
        output_name("a.json", "{reference}", {"complainant": {}})


def test_two_cases_that_would_write_one_file_are_both_kept_apart(tmp_path: Path) -> None:
    twin = tmp_path / "twin"
    twin.mkdir()
    shutil.copy(ALL[0], twin / Path(ALL[0]).name)
    outcomes = list(render_files([ALL[0], str(twin / Path(ALL[0]).name)], out_dir=tmp_path / "out"))
    assert [outcome.is_ok for outcome in outcomes] == [True, False]
    assert "as would the letter of" in str(outcomes[1].problems[0])


def test_a_bad_case_does_not_stop_the_others(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"complainant": 1}')
    outcomes = list(render_files([ALL[0], str(bad), ALL[1]], out_dir=tmp_path / "out"))
    assert [outcome.is_ok for outcome in outcomes] == [True, False, True]
    assert (
        str(outcomes[1].problems[0]) == f"{bad}: complainant: expected an object, got the number 1"
    )
    assert len(list((tmp_path / "out").iterdir())) == 2


def test_parallel_rendering_gives_the_same_letters(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    copies = []
    for number in range(24):
        copy = cases / f"case-{number:02d}.json"
        shutil.copy(ALL[number % len(ALL)], copy)
        copies.append(str(copy))
    one = list(render_files(copies, out_dir=tmp_path / "one", jobs=1))
    two = list(render_files(copies, out_dir=tmp_path / "two", jobs=2))
    assert all(o.is_ok for o in one + two)
    for path in (tmp_path / "one").iterdir():
        assert path.read_bytes() == (tmp_path / "two" / path.name).read_bytes()


def test_a_case_can_come_from_standard_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(Path(ALL[0]).read_text()))
    (outcome,) = render_files(["-"], out_dir=tmp_path)
    assert outcome.is_ok
    assert outcome.output == str(tmp_path / "stdin.docx")


def test_one_output_file_takes_one_case() -> None:
    with pytest.raises(UsageError, match="one output file"):
        list(render_files(ALL[:2], output="x.docx"))


def test_validate_reports_every_problem_without_rendering(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    data = json.loads(Path(ALL[0]).read_text())
    data["reasons"] = ["no-such-reason"]
    bad.write_text(json.dumps(data))
    outcomes = list(validate_files([ALL[0], str(bad)]))
    assert [o.is_ok for o in outcomes] == [True, False]
    assert all("no-such-reason" in problem.message for problem in outcomes[1].problems)
    assert not list(tmp_path.glob("*.docx"))


def test_renderer_reads_library_and_template_once_for_many_letters() -> None:
    from letters.loading import load_case

    renderer = Renderer()
    first = renderer.render(load_case(ALL[0]))
    assert renderer.render(load_case(ALL[0])) == first
    assert "Final decision" in letter_lines(first)


def test_renderer_writes_a_letter_to_a_path(tmp_path: Path) -> None:
    Renderer().render_file(ALL[0], tmp_path / "letter.docx")
    assert "Final decision" in letter_lines((tmp_path / "letter.docx").read_bytes())


def test_a_parallel_batch_read_to_its_end_closes_its_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing

    from letters.batch.workers import Workers

    ended: list[bool] = []
    end = Workers._end

    def watched(self: Workers, executor: object, *, abandoned: bool) -> None:
        ended.append(abandoned)
        end(self, executor, abandoned=abandoned)

    monkeypatch.setattr(Workers, "_end", watched)
    outcomes = list(render_files(ALL * 3, out_dir=tmp_path, jobs=2))
    assert len(outcomes) == len(ALL) * 3
    assert ended == [False]  # shut down when its work was done, not ended
    assert multiprocessing.active_children() == []


def test_a_parallel_batch_left_unread_ends_its_workers(tmp_path: Path) -> None:
    import multiprocessing

    outcomes = render_files(ALL * 3, out_dir=tmp_path, jobs=2)
    assert isinstance(outcomes, types.GeneratorType)
    next(outcomes)
    outcomes.close()
    assert multiprocessing.active_children() == []


def test_a_killed_render_worker_costs_its_case_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """render -j: a worker killed outright (as the out-of-memory killer does) fails the case
    it was making; before, the batch waited for it for ever."""
    import os
    import signal

    render_as = Renderer.render_as

    def deadly(self: Renderer, case: Any, *arguments: Any, **options: Any) -> bytes:
        if case.reference == "deadly":
            os.kill(os.getpid(), signal.SIGKILL)
        return render_as(self, case, *arguments, **options)

    monkeypatch.setattr(Renderer, "render_as", deadly)  # the workers are forked: they have it
    cases = []
    for number in range(12):
        data = json.loads(Path(ALL[number % len(ALL)]).read_text())
        data["reference"] = "deadly" if number == 5 else f"R{number}"
        path = tmp_path / "cases" / f"case-{number:02d}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(data))
        cases.append(str(path))
    outcomes = list(render_files(cases, out_dir=tmp_path / "out", jobs=2))
    assert [o.is_ok for o in outcomes] == [n != 5 for n in range(12)]
    assert "stopped abruptly" in str(outcomes[5].problems[0])
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [f"case-{n:02d}.docx" for n in range(12) if n != 5]


def test_a_case_file_reached_through_a_link_is_not_written_over(tmp_path: Path) -> None:
    original = Path(ALL[0]).read_text(encoding="utf-8")
    cases = tmp_path / "cases"
    cases.mkdir()
    case = cases / "a.docx"  # a case file with the name its own letter would have
    case.write_text(original, encoding="utf-8")
    (tmp_path / "linked").symlink_to(cases)  # its folder by another name
    [outcome] = render_files([str(case)], out_dir=tmp_path / "linked")
    assert "which is the case file" in str(outcome.problems[0])
    out = tmp_path / "out"
    out.mkdir()
    (out / "b.docx").symlink_to(case)  # the case file itself by another name
    other = tmp_path / "b.json"
    other.write_text(original, encoding="utf-8")
    outcomes = list(render_files([str(case), str(other)], out_dir=out))
    assert not outcomes[1].is_ok
    assert f"which is the case file {case}" in str(outcomes[1].problems[0])
    assert case.read_text(encoding="utf-8") == original
