"""Hostile libraries, configurations and cases: work that grew with the square of its input,
conditions that changed the case they test, names and nesting that reached Python's compiler
or recursion limit, keys given twice, `letters init` on a full disk, and the letter size limit
counting what its name says. Each is one clear error at its file and line, or a letter made
within its limits."""

from __future__ import annotations

import errno
import io
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import attrs
import pytest
from click.testing import CliRunner
from jinja2.exceptions import SecurityError

from letters.cli import cli
from letters.composition import compose
from letters.facts import FactDeclaration, read_declarations
from letters.library import Library, parse_clause
from letters.limits import Limits, budget
from letters.loading import parse_case
from letters.model import Addition, Case, ClauseUse, Complaint, Person, Pronouns, SectionPlan
from letters.outline import ENVIRONMENT, condition_context, parse_outline
from letters.outline.planning import with_additions
from letters.problems import ClauseError, LettersError, LimitError, TemplateError
from letters.rendering import Renderer
from letters.word import TEMPLATES, WordTemplate
from tests.conftest import letter_lines, library_of

SMALL = library_of(
    headings__assessment="---\ntitle: h\n---\nMy assessment\n",
    letter__sign_off="---\ntitle: s\n---\nThe complaints team\n",
    letter__title="---\ntitle: t\n---\nOur decision\n",
    found="---\ntitle: f\n---\nWe found fault.\n",
    noted="---\ntitle: n\n---\nWe noted it.\n",
)


def _case(*paragraphs: str, **changes: Any) -> Case:
    """A case of the caseworker's own paragraphs, in one section."""
    base = Case(
        complainant=Person("Mrs X", Pronouns.SHE),
        complaint=Complaint(about="about a report"),
        sections=(SectionPlan("assessment", tuple((text,) for text in paragraphs)),),
    )
    return attrs.evolve(base, **changes)


CLAUSES = {
    "headings/assessment.txt": "---\ntitle: h\n---\nMy assessment\n",
    "letter/title.txt": "---\ntitle: t\n---\nOur decision\n",
    "letter/sign-off.txt": "---\ntitle: s\n---\nThe complaints team\n",
    "found.txt": "---\ntitle: f\n---\nWe found fault.\n",
}
OUTLINE = """\
title: A decision
when: "complaint.about"
sections:
  assessment:
    - found
    - text
"""
FACTS = """\
late:
  kind: yes/no
  about: the complaint came late
"""


def _library(root: Path, *, outline: str = OUTLINE, facts: str = FACTS) -> Path:
    for name, text in CLAUSES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root / "outlines").mkdir(exist_ok=True)
    (root / "outlines" / "decision.yaml").write_text(outline, encoding="utf-8")
    (root / "facts.yaml").write_text(facts, encoding="utf-8")
    return root


def _lint(library: Path) -> Any:
    return CliRunner().invoke(cli, ["clauses", "lint", "--no-warnings", "--clauses", str(library)])


def _refused(result: Any, *expected: str) -> None:
    """The real command refused the input: exit 1, each message on standard error, no
    traceback."""
    assert result.exit_code == 1, result.output
    for message in expected:
        assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr


# 2. Work that grew with the square of its input -----------------------------------------------

T = TypeVar("T")


def _within_the_time_limit(work: Callable[[], T], seconds: float = 5.0) -> T:
    """The work's result, made in less than ``seconds`` of this process's CPU time (half the
    default time limit). Each of these takes well under a second of CPU; the quadratic forms
    took from 20 s to minutes. CPU time, not the clock: on a machine whose cores are busy with
    other work the clock runs on while this process waits, and the test held the clock (the
    letter's own time limit is set far off here, for the same reason; benchmarks/ times it)."""
    started = time.process_time()
    with budget(Limits(time=3600)):
        result = work()
    assert time.process_time() - started < seconds
    return result


def test_forty_thousand_explicit_sections_compose_well_inside_the_time_limit() -> None:
    # each section used to look for itself among all the case's sections: 35 s for 40,000
    sections = tuple(SectionPlan("assessment", ((f"Paragraph {n}.",),)) for n in range(40_000))
    letter = _within_the_time_limit(lambda: compose(_case(sections=sections), SMALL))
    assert len(letter.sections) == 40_000


def test_twenty_thousand_additions_after_one_clause_compose_well_inside_the_time_limit(
    tmp_path: Path,
) -> None:
    # each addition used to search and copy its whole section: killed at 60 s for 20,000
    library = Library.load(_library(tmp_path))
    additions = [{"section": "assessment", "clause": "found", "after": "found"}] * 20_000
    case = parse_case({**_case_json(), "add": additions}, source="case.json")
    letter = _within_the_time_limit(lambda: compose(case, library))
    assert len(letter.sections[0].paragraphs) == 20_001


def test_additions_go_after_the_first_paragraph_with_their_clause_latest_first() -> None:
    plan = SectionPlan(
        "assessment", ((ClauseUse("found"),), ("text",), (ClauseUse("found"), "more"))
    )
    problems: list[LettersError] = []
    sections = with_additions(
        [plan],
        [
            Addition("noted", "assessment", after="found"),
            Addition("extra", "assessment", after="found"),
            Addition("last", "assessment"),
            Addition("after-noted", "assessment", after="noted"),
            Addition("nowhere", "assessment", after="missing"),
        ],
        problems,
    )
    assert [paragraph[0] for paragraph in sections[0].paragraphs] == [
        ClauseUse("found"),
        ClauseUse("extra"),
        ClauseUse("noted"),
        ClauseUse("after-noted"),
        "text",
        ClauseUse("found"),
        ClauseUse("last"),
    ]
    assert [str(problem) for problem in problems] == [
        "add[4]: section 'assessment' has no clause 'missing' to add after"
    ]


def test_a_case_of_a_library_of_sixty_thousand_facts_composes_inside_the_time_limit() -> None:
    # a class of the library's facts was made for reading them: minutes, past the time limit
    facts = {f"fact_{n}": FactDeclaration(f"fact_{n}", "yes/no", "a fact") for n in range(60_000)}
    library = Library(SMALL.clauses, facts=facts)
    letter = _within_the_time_limit(
        lambda: compose(_case("Text.", facts={"fact_7": True}), library)
    )
    assert letter.paragraphs


def _case_json(**changes: Any) -> dict[str, Any]:
    return {
        "complainant": {"name": "Mrs X", "pronouns": "she"},
        "complaint": {"about": "about a report"},
        **changes,
    }


def _many_paragraphs(number: int) -> Case:
    return _case(*(f"Paragraph {n}." for n in range(number)))


TIME_LIMIT = (
    "case.json: the letter took longer than its time limit of 0.05 s (LETTERS_TIME_LIMIT raises it)"
)
"""The time limit reached while the case's own text is composed: no clause is named, as it
was when the limit was first looked at in the sign-off, after all the case's text."""


@pytest.mark.parametrize("output_format", ["docx", "txt", "md"])
def test_the_time_limit_stops_a_letter_of_the_cases_own_text_in_every_format(
    output_format: str,
) -> None:
    renderer = Renderer(SMALL, limits=Limits(time=0.05))
    with pytest.raises(LimitError) as raised:
        renderer.render_as(_many_paragraphs(100_000), output_format, source="case.json")
    assert str(raised.value) == TIME_LIMIT


def test_the_time_limit_stops_an_outline_laying_out_the_cases_own_text(tmp_path: Path) -> None:
    library = Library.load(_library(tmp_path))
    text = {"assessment": [f"Paragraph {n}." for n in range(100_000)]}
    case = parse_case(_case_json(text=text), source="case.json")
    renderer = Renderer(library, limits=Limits(time=0.05))
    with pytest.raises(LimitError) as raised:
        renderer.render_as(case, "txt", source="case.json")
    assert str(raised.value) == TIME_LIMIT


# 13. The letter size limit counts the letter's characters --------------------------------------


def test_a_megabyte_of_braces_renders_within_the_letter_size_limit() -> None:
    # each brace is a six-character reference in the XML: counted as XML, it was refused
    document = Renderer(SMALL).render(_case("{" * 1_000_000))
    assert "{" * 1_000_000 in letter_lines(document)


def test_a_hundred_thousand_short_paragraphs_render_within_the_letter_size_limit() -> None:
    document = Renderer(SMALL).render(_many_paragraphs(100_000))
    assert "Paragraph 99999." in letter_lines(document)


def test_the_letter_size_limit_counts_the_letters_characters_not_its_xml() -> None:
    renderer = Renderer(SMALL, limits=Limits(letter_size=30_000))
    document = renderer.render(_case("x" * 29_000))
    with zipfile.ZipFile(io.BytesIO(document)) as package:
        assert len(package.read("word/document.xml")) > 30_000  # the XML is past the limit
    with pytest.raises(
        LimitError,
        match=r"^case.json: a letter of more than 30,000 characters \(the letter size limit",
    ):
        renderer.render_as(_case("x" * 31_000), "txt", source="case.json")


def test_a_filled_template_has_its_own_bound_named_as_such() -> None:
    renderer = Renderer(SMALL, limits=Limits(letter_size=10_000))
    with pytest.raises(
        LimitError, match=r"of more than 200,000 characters of XML \(the output bound: 20 times"
    ):  # 2,000 characters of text, each a paragraph of Word's markup
        renderer.render(_case(*["{"] * 2_000))


# 5. Conditions only read the case --------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "method"),
    [
        ("reasons.append('late')", "append"),
        ("facts.update({'late': true}) or facts.late", "update"),
        ("text.assessment.pop() and true", "pop"),
        ("(people | list).extend(['Mr Y'])", "extend"),
        ("considered.insert(0, 'x') is none", "insert"),
    ],
)
def test_a_condition_that_would_change_the_case_is_refused_at_its_line(
    condition: str, method: str
) -> None:
    text = f'title: t\nsections:\n  assessment:\n    - clause: found\n      when: "{condition}"\n'
    with pytest.raises(ClauseError) as raised:
        parse_outline(text, name="o", path="o.yaml")
    assert str(raised.value).startswith("o.yaml: line 5: the condition "), str(raised.value)
    assert f"calls {method}(), which would change the case it tests" in str(raised.value)


def test_clauses_lint_refuses_a_condition_that_changes_the_case(tmp_path: Path) -> None:
    outline = OUTLINE.replace(
        "    - found\n", "    - clause: found\n      when: \"reasons.append('late')\"\n"
    )
    library = _library(tmp_path / "clauses", outline=outline)
    _refused(
        _lint(library),
        f"{library / 'outlines' / 'decision.yaml'}: line 6: the condition \"reasons.append('late')\" "
        "calls append(), which would change the case it tests",
    )


def test_a_conditions_values_are_read_only() -> None:
    case = parse_case(
        _case_json(
            reasons=["late"],
            people=[{"name": "Mr Y", "pronouns": "he"}],
            considered=["x"],
            text={"assessment": ["A."]},
        ),
        source="case.json",
    )
    context = condition_context(case, {"late": True})
    for name in ("reasons", "people", "considered"):
        assert isinstance(context[name], tuple), name
    for name in ("facts", "complaint", "body", "text"):
        assert not hasattr(context[name], "__setitem__"), name
        assert not hasattr(context[name], "update"), name
    assert isinstance(context["text"]["assessment"], tuple)


def test_the_condition_sandbox_refuses_a_method_that_changes_a_list() -> None:
    given: list[str] = []
    with pytest.raises(SecurityError, match="append"):
        ENVIRONMENT.compile_expression("values.append('late')")(values=given)
    assert given == []


# 6. Names and nesting that reached Python's compiler or recursion limit ------------------------


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("12", "12"),
        ("True", "True"),
        ("", "''"),
        ("../x", "../x"),
        ("not", "not"),
        ("_hidden", "_hidden"),
        ("has space", "has space"),
    ],
)
def test_a_fact_name_a_condition_cannot_read_is_refused_at_its_line(
    tmp_path: Path, name: str, written: str
) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text(FACTS + f"{written}:\n  kind: yes/no\n  about: odd\n", encoding="utf-8")
    declarations, problems = read_declarations(path)
    assert list(declarations) == ["late"]
    assert [str(problem) for problem in problems] == [
        f"{path}: line 4: the fact name {name!r} cannot be used: a fact's name is letters, "
        "digits and _, starting with a letter, and not a word conditions keep (True, None, "
        "not, and, or ...)"
    ]


def test_render_and_lint_refuse_a_library_with_a_fact_named_by_a_number(tmp_path: Path) -> None:
    library = _library(tmp_path / "clauses", facts=FACTS + "12:\n  kind: yes/no\n  about: x\n")
    expected = f"{library / 'facts.yaml'}: line 4: the fact name '12' cannot be used"
    _refused(_lint(library), expected)
    case = tmp_path / "case.json"
    case.write_text('{"complainant": {"name": "Mrs X"}, "complaint": {"about": "a fee"}}')
    rendered = CliRunner().invoke(
        cli, ["render", str(case), "--clauses", str(library), "-o", str(tmp_path / "l.docx")]
    )
    _refused(rendered, expected)
    assert not (tmp_path / "l.docx").exists()


def test_serve_refuses_at_start_a_library_every_letter_would_fail_on(tmp_path: Path) -> None:
    library = _library(tmp_path / "clauses", facts=FACTS + "True:\n  kind: yes/no\n  about: x\n")
    done = subprocess.run(
        [sys.executable, "-m", "letters", "serve", "--clauses", str(library), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env={name: value for name, value in os.environ.items() if name != "LETTERS_TOKEN"},
    )
    assert done.returncode == 1, done.stderr
    assert f"{library / 'facts.yaml'}: line 4: the fact name 'True' cannot be used" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "condition",
    [
        "(" * 300 + "facts.late" + ")" * 300,
        "not " * 60 + "facts.late",
        "not " * 5_000 + "facts.late",
        " or ".join(["facts.late"] * 60),
        " and ".join(["facts.late"] * 20_000),
        "[" * 2_000 + "1" + "]" * 2_000,
    ],
    ids=["brackets", "not-60", "not-5000", "or-60", "and-20000", "lists"],
)
def test_a_condition_nested_too_deeply_is_refused_at_its_line(condition: str) -> None:
    text = f'title: t\nwhen: "{condition}"\nsections:\n  assessment:\n    - found\n'
    with pytest.raises(ClauseError) as raised:
        parse_outline(text, name="o", path="o.yaml")
    message = str(raised.value)
    assert message.startswith("o.yaml: line 2: the condition "), message
    assert message.endswith(
        "is nested too deeply: at most 50 brackets, 'not's, 'and's and 'or's within each other"
    )


def test_a_condition_nested_as_deep_as_a_real_one_is_read_and_tested() -> None:
    condition = " or ".join(f"'r{n}' in reasons" for n in range(40))
    text = f'title: t\nwhen: "{condition}"\nsections:\n  assessment:\n    - found\n'
    outline = parse_outline(text, name="o", path="o.yaml")
    assert outline.when is not None
    assert outline.when.holds({"reasons": ("r39",)})


def test_a_deeply_nested_letters_toml_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "letters.toml").write_text("clauses = " + "[" * 5_000 + "]" * 5_000 + "\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["clauses", "list"])
    assert result.exit_code == 2, result.output  # a configuration error is a usage error
    assert result.stderr == (
        f"{tmp_path / 'letters.toml'}: the TOML is nested too deeply to be a configuration "
        "(its settings are text, numbers and the [limits] table)\n"
    )


def _utf16_template(path: Path) -> Path:
    with zipfile.ZipFile(TEMPLATES / "decision.docx") as source, zipfile.ZipFile(path, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
                data = text.encode("utf-16")
            out.writestr(info.filename, data)
    return path


def test_a_utf16_document_part_is_a_template_error_naming_the_part(tmp_path: Path) -> None:
    path = _utf16_template(tmp_path / "utf16.docx")
    with pytest.raises(TemplateError) as raised:
        WordTemplate(path)
    assert str(raised.value) == (
        f"{path}: word/document.xml: the part is not UTF-8 text (invalid start byte at byte 0), "
        "as Word writes it; save the file again in Word or LibreOffice"
    )
    _refused(
        CliRunner().invoke(cli, ["templates", "check", str(path)]),
        f"{path}: word/document.xml: the part is not UTF-8 text",
    )


# 11. Keys given twice --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "key", "first"),
    [
        ("title: t\ntitle: u\nsections:\n  a:\n    - found\n", 2, "title", 1),
        ("title: t\nsections:\n  a:\n    - found\n  a:\n    - text\n", 5, "a", 3),
        ("title: t\nsections:\n  a:\n    - clause: found\n      clause: noted\n", 5, "clause", 4),
        ("title: t\nsections: {a: [found], a: [text]}\n", 2, "a", 2),
    ],
    ids=["outline-key", "section", "item-key", "flow-mapping"],
)
def test_a_key_given_twice_in_an_outline_names_both_lines(
    text: str, line: int, key: str, first: int
) -> None:
    with pytest.raises(ClauseError) as raised:
        parse_outline(text, name="o", path="o.yaml")
    assert str(raised.value) == (
        f"o.yaml: line {line}: the key {key!r} is given twice (first at line {first}); "
        "give each key once"
    )


def test_a_fact_declared_twice_names_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text(FACTS + "late:\n  kind: text\n  about: again\n", encoding="utf-8")
    assert [str(problem) for problem in read_declarations(path)[1]] == [
        f"{path}: line 4: the key 'late' is given twice (first at line 1); give each key once"
    ]


def test_yes_and_true_are_the_same_key_to_yaml(tmp_path: Path) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text("yes:\n  kind: text\n  about: a\ntrue:\n  kind: text\n  about: b\n")
    assert [str(problem) for problem in read_declarations(path)[1]] == [
        f"{path}: line 4: the key 'true' is given twice (first at line 1); give each key once"
    ]


@pytest.mark.parametrize(
    ("front", "line", "key", "first"),
    [
        ("title: t\ntitle: u\n", 3, "title", 2),
        ("title: t\nparams:\n  who:\n    about: a\n  who:\n    about: b\n", 6, "who", 4),
    ],
    ids=["title", "parameter"],
)
def test_a_key_given_twice_in_front_matter_names_both_lines(
    front: str, line: int, key: str, first: int
) -> None:
    with pytest.raises(ClauseError) as raised:
        parse_clause(f"---\n{front}---\nWords.\n", clause_id="x", path="x.txt")
    assert str(raised.value) == (
        f"x.txt: line {line}: the key {key!r} is given twice (first at line {first}); "
        "give each key once"
    )


def test_clauses_lint_names_both_lines_of_a_key_given_twice(tmp_path: Path) -> None:
    library = _library(tmp_path / "clauses", outline=OUTLINE + "title: again\n")
    _refused(
        _lint(library),
        f"{library / 'outlines' / 'decision.yaml'}: line 7: the key 'title' is given twice "
        "(first at line 1); give each key once",
    )


# 12. letters init on a full disk ---------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A file system of 200 KB, too small for a library (as root, as CI runs)."""
    mount = tmp_path / "small"
    mount.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("a small file system needs mount, as root (CI runs as root)")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        pytest.skip(f"mounting a small tmpfs is not permitted here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_init_on_a_full_disk_leaves_nothing_and_says_what_the_system_said(
    small_disk: Path,
) -> None:
    target = small_disk / "ours" / "letters"
    result = CliRunner().invoke(cli, ["init", str(target)])
    _refused(result, f"{target}: cannot make the library: No space left on device (ENOSPC), at ")
    assert result.stderr.endswith("; nothing was left behind\n")
    assert "None" not in result.stderr
    assert list(small_disk.iterdir()) == []


def test_init_that_fails_to_write_a_file_removes_all_it_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copied: list[Path] = []
    real_copy = shutil.copy2

    def copy_until_full(source: Path, target: Path) -> Any:
        if len(copied) == 50:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # as a write reports it
        copied.append(target)
        return real_copy(source, target)

    monkeypatch.setattr("letters.starter.shutil.copy2", copy_until_full)
    target = tmp_path / "new" / "letters"
    result = CliRunner().invoke(cli, ["init", str(target)])
    _refused(result, f"{target}: cannot make the library: No space left on device (ENOSPC), at ")
    assert len(copied) == 50 and all(path.is_relative_to(tmp_path) for path in copied)
    assert list(tmp_path.iterdir()) == []  # nor the parent made for it


def test_init_into_an_empty_folder_fills_it(tmp_path: Path) -> None:
    (tmp_path / "ours").mkdir()
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "ours")])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "ours" / "letters.toml").is_file()
    assert [path.name for path in tmp_path.iterdir()] == ["ours"]


def test_a_front_matter_of_200000_keys_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """Before: 20 s and 464 MB of YAML, then 200,000 "unknown key" errors; now one line, at
    once, before YAML reads it (the bound is on its lines and characters)."""
    clause = tmp_path / "clauses" / "big" / "clause.txt"
    clause.parent.mkdir(parents=True)
    keys = "".join(f"k{n}: v\n" for n in range(200_000))
    clause.write_text(f"---\ntitle: Big\n{keys}---\nIt says so.\n", encoding="utf-8")
    with pytest.raises(ClauseError) as raised:
        Library.load(tmp_path / "clauses")
    assert str(raised.value) == (
        f"{clause}: line 1: the front matter is 200,001 lines (2,088,901 characters) long; a "
        "clause's front matter (title, id, params, variants) takes at most 2,000 lines and "
        "100,000 characters"
    )


def test_a_front_matter_on_one_long_line_is_refused_too() -> None:
    keys = ", ".join(f"k{n}: v" for n in range(20_000))
    with pytest.raises(ClauseError, match=r"front matter is 2 lines \(.*\) long"):
        parse_clause(
            f"---\ntitle: Big\n{{{keys}}}\n---\nIt says so.\n", clause_id="big", path="big.txt"
        )
