from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from letters.grammar import PersonWords
from letters.library import Library, parse_clause, reflow
from letters.loading import load_case
from letters.model import Pronouns
from letters.problems import CaseError, ClauseError, LettersError
from tests.conftest import FIXTURES, clause

ROLE = """\
    ---
    title: Role and powers
    params:
      tests:
        about: the tests that apply
        default: further investigation would not lead to a different outcome
    variants:
      "2023":
        from: 2023-01-01
      2021-22:
        until: 2022-12-31
    ---
    == 2023 ==
    We do not start or continue an investigation if we decide
    {{ tests }}.

    == 2021-22 ==
    We do not start or may decide not to continue with an investigation if we decide {{ tests }}.
    """


def render(text: str, variant: str | None = None, **context: object) -> tuple[str, ...]:
    parsed = clause(text)
    return Library({parsed.id: parsed}).render(parsed, parsed.variant(variant), context)


def test_clause_reads_title_params_and_variants() -> None:
    role = clause(ROLE)
    assert role.title == "Role and powers"
    assert (
        role.params["tests"].default
        == "further investigation would not lead to a different outcome"
    )
    assert [v.name for v in role.variants] == ["2023", "2021-22"]
    assert role.variants[0].in_force_from == date(2023, 1, 1)
    assert role.variants[1].line == 18


def test_variant_in_force_on_the_decision_date_is_chosen() -> None:
    role = clause(ROLE)
    assert role.variant(on=date(2022, 6, 1)).name == "2021-22"
    assert role.variant(on=date(2025, 3, 23)).name == "2023"


def test_without_a_date_the_current_variant_is_chosen() -> None:
    assert clause(ROLE).variant().name == "2023"


def test_a_named_variant_wins_over_the_date() -> None:
    assert clause(ROLE).variant("2021-22", on=date(2025, 1, 1)).name == "2021-22"


def test_unknown_variant_lists_the_ones_there_are() -> None:
    with pytest.raises(
        ClauseError, match=r"clause test/clause has no variant '2019' \(it has: 2023, 2021-22\)"
    ):
        clause(ROLE).variant("2019")


def test_wrapped_lines_join_and_blank_lines_make_paragraphs() -> None:
    assert reflow("One\n  two.\n\nThree\\\n(four)\n") == ("One two.", "Three\n(four)")


def test_parameters_fill_defaults_and_reject_unknown_ones() -> None:
    role = clause(ROLE)
    assert role.arguments({}) == {
        "tests": "further investigation would not lead to a different outcome"
    }
    with pytest.raises(ClauseError, match=r"takes no parameter 'test' \(it takes: tests\)"):
        role.arguments({"test": "x"})


def test_a_required_parameter_must_be_given() -> None:
    needs = clause(
        "---\ntitle: t\nparams:\n  document: the document in dispute\n---\n{{ document }}\n"
    )
    with pytest.raises(
        ClauseError, match=r"needs the parameter 'document' \(the document in dispute\)"
    ):
        needs.arguments({})


def test_clause_renders_with_grammar_filters() -> None:
    text = (
        "---\ntitle: t\n---\n{{ complainant | possessive }} views; {{ considered | join_and }}.\n"
    )
    got = render(text, complainant=PersonWords("Mrs X", Pronouns.SHE), considered=["A", "B", "C"])
    assert got == ("Mrs X’s views; A, B and C.",)


def test_case_text_is_never_evaluated_as_a_template() -> None:
    text = "---\ntitle: t\n---\nIt said {{ statement }}.\n"
    got = render(text, statement="{{ 7 * 7 }} {% if 1 %}x{% endif %} {# c #}")
    assert got == ("It said {{ 7 * 7 }} {% if 1 %}x{% endif %} {# c #}.",)


def test_line_breaks_in_case_text_are_kept() -> None:
    assert render("---\ntitle: t\n---\nA\n{{ v }}\nB\n", v="one\ntwo") == ("A one\ntwo B",)


def test_undefined_placeholder_names_clause_file_and_line() -> None:
    with pytest.raises(ClauseError) as raised:
        render("---\ntitle: t\n---\nFirst line.\nThen {{ compliant }}.\n")
    assert str(raised.value) == (
        "test/clause.txt: line 5: {{ compliant }} is neither a fact of the case nor a parameter of the clause"
    )


def test_missing_attribute_names_the_expression() -> None:
    with pytest.raises(ClauseError) as raised:
        render("---\ntitle: t\n---\nIt says {{ complaint.wants }}.\n", complaint={})
    assert (
        str(raised.value)
        == "test/clause.txt: line 4: {{ complaint.wants }}: this case does not give it"
    )


def test_sandbox_refuses_python_internals() -> None:
    with pytest.raises(ClauseError, match=r"line 4: .*unsafe"):
        render(
            "---\ntitle: t\n---\n{{ complainant.__class__.__mro__ }}\n",
            complainant=PersonWords("Mrs X", Pronouns.SHE),
        )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Just wording.\n", "line 1: expected front matter: a first line '---'"),
        ("---\ntitle: t\nWording\n", "line 1: the front matter has no closing '---' line"),
        ("---\ntitle: [unclosed\n---\nx\n", "line 2: the front matter is not valid YAML"),
        ("---\ntitle: t\ncolour: red\n---\nx\n", "line 3: unknown key 'colour'"),
        ("---\nid: x\n---\nx\n", "line 1: the front matter has no 'title'"),
        ("---\ntitle: t\n---\n\n", "line 4: the clause has no wording"),
        (
            "---\ntitle: t\n---\n{% if x %}open\n",
            "line 4: template syntax: Unexpected end of template",
        ),
        (
            "---\ntitle: t\nparams:\n  reason: why\n---\n{{ reason }}\n",
            "line 4: parameter 'reason' has the name of a case fact",
        ),
        (
            "---\ntitle: t\nvariants:\n  old:\n    until: soon\n---\n== old ==\nx\n",
            "line 4: variant 'old': 'until' must be a date as YYYY-MM-DD",
        ),
        (
            "---\ntitle: t\nvariants:\n  old: {}\n---\n== new ==\nx\n",
            "line 1: variant 'old' is declared but has no '== old ==' wording",
        ),
        ("---\ntitle: t\n---\n== a ==\nx\n== a ==\ny\n", "line 6: variant 'a' is written twice"),
    ],
)
def test_broken_clause_file_names_file_and_line(text: str, message: str) -> None:
    with pytest.raises(LettersError) as raised:
        parsed = clause(text)
        Library({parsed.id: parsed}).template(parsed, parsed.variants[0])
    assert str(raised.value).startswith(f"test/clause.txt: {message}")


def write(root: Path, clause_id: str, text: str) -> None:
    path = root / f"{clause_id}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_library_knows_clauses_by_their_path(tmp_path: Path) -> None:
    write(tmp_path, "reasons/late/final", "---\ntitle: t\n---\nit is late\n")
    library = Library.load(tmp_path)
    assert "reasons/late/final" in library
    assert library["reasons/late/final"].path == str(tmp_path / "reasons/late/final.txt")


def test_library_reports_duplicate_ids(tmp_path: Path) -> None:
    write(tmp_path, "a", "---\ntitle: t\n---\nx\n")
    write(tmp_path, "b", "---\nid: a\ntitle: t\n---\ny\n")
    with pytest.raises(ClauseError, match=r"b.txt: line 1: clause id 'a' is also used by .*a.txt"):
        Library.load(tmp_path)


def test_library_reports_every_broken_file(tmp_path: Path) -> None:
    write(tmp_path, "a", "no front matter\n")
    write(tmp_path, "b", "---\ntitle: t\n---\n\n")
    with pytest.raises(LettersError) as raised:
        Library.load(tmp_path)
    assert len(str(raised.value).splitlines()) == 2


def test_unknown_clause_suggests_a_close_one() -> None:
    library = Library.load(FIXTURES.parent / "library")
    with pytest.raises(
        ClauseError, match=r"no clause 'final/decison' .*did you mean 'final/decision'"
    ):
        library["final/decison"]


def test_missing_library_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(ClauseError, match=r"nowhere: no such clause library folder"):
        Library.load(tmp_path / "nowhere")


def test_project_library_loads_and_every_clause_compiles(live_library: Library) -> None:
    assert len(live_library) > 20
    for each in live_library:
        for variant in each.variants:
            live_library.template(each, variant)


@pytest.mark.parametrize(
    ("front_matter", "problems"),
    [
        (
            "title: 5\n",
            ["line 2: 'title' must be text"],
        ),
        (
            "title: T\nid: ''\n",
            ["line 3: 'id' must be text"],
        ),
        (
            "title: T\nparams: [a]\n",
            ["line 3: 'params' must list each parameter as 'name: what it means'"],
        ),
        (
            "title: T\nparams:\n  document:\n    about: x\n    default: 5\n",
            ["line 4: parameter 'document': 'default' must be text or a list of text"],
        ),
        (
            "title: T\nparams:\n  document:\n    about: x\n    colour: red\n",
            ["line 4: parameter 'document': unknown key 'colour' (expected: about, default)"],
        ),
        (
            "title: T\nparams:\n  Document: x\n",
            ["line 4: parameter name 'Document' must be lower-case letters, digits and _"],
        ),
        (
            "title: T\nparams:\n  document: ''\n",
            ["line 4: parameter 'document' needs 'about': what it means"],
        ),
        (
            "title: T\nvariants: [old]\n",
            ["line 3: 'variants' must list each variant as 'name:' with 'from'/'until' dates"],
        ),
        (
            "title: T\nvariants:\n  old: x\n",
            ["line 4: variant 'old' must have 'from', 'until' or 'about'"],
        ),
        (
            "title: T\nvariants:\n  old:\n    from: 2021-01-01\n    until: 2020-01-01\n",
            ["line 4: variant 'old': 'from' is after 'until'"],
        ),
        (
            "title: T\nvariants:\n  old:\n    until: soon\n    colour: red\n    from: never\n",
            [
                "line 4: variant 'old': 'until' must be a date as YYYY-MM-DD",
                "line 4: variant 'old': unknown key 'colour' (expected: from, until, about)",
                "line 4: variant 'old': 'from' must be a date as YYYY-MM-DD",
            ],
        ),
    ],
)
def test_every_problem_of_the_front_matter_is_said_at_its_line(
    front_matter: str, problems: list[str]
) -> None:
    wording = "== old ==\nOld.\n" if "old" in front_matter else "Wording.\n"
    with pytest.raises(LettersError) as raised:
        parse_clause("---\n" + front_matter + "---\n" + wording, clause_id="c", path="c.txt")
    assert [str(problem).replace("c.txt: ", "") for problem in raised.value.problems] == problems


def test_a_clause_file_that_is_not_utf8_says_which_byte_as_a_case_file_does(
    tmp_path: Path,
) -> None:
    text = "---\ntitle: Caf\xe9\n---\nx\n".encode("latin-1")
    (tmp_path / "clauses").mkdir()
    (tmp_path / "clauses" / "c.txt").write_bytes(text)
    (tmp_path / "case.json").write_bytes(text)
    _, problems = Library.read(tmp_path / "clauses")
    with pytest.raises(CaseError) as case:
        load_case(tmp_path / "case.json")
    said = "not UTF-8 text (invalid continuation byte at byte 14)"
    assert [str(problem) for problem in problems] == [f"{tmp_path / 'clauses' / 'c.txt'}: {said}"]
    assert str(case.value) == f"{tmp_path / 'case.json'}: {said}"


def _chosen_library(folder: Path, fact: str = "late_wording: {kind: choice, about: how}") -> Path:
    """A library whose reason wording a fact picks (``chosen_by``), placed by no outline."""
    (folder / "reasons" / "late").mkdir(parents=True)
    (folder / "headings").mkdir()
    (folder / "facts.yaml").write_text(fact + "\n", encoding="utf-8")
    (folder / "headings" / "s.txt").write_text("---\ntitle: h\n---\nS\n", encoding="utf-8")
    (folder / "final.txt").write_text(
        "---\ntitle: f\n---\nWe will not investigate because {{ reason.final }}.\n",
        encoding="utf-8",
    )
    (folder / "reasons" / "late" / "final.txt").write_text(
        "---\ntitle: r\nchosen_by: late_wording\nvariants:\n  sooner:\n    about: the default\n"
        "  grounds:\n    about: no grounds\n---\n== sooner ==\nit is late\n\n"
        "== grounds ==\nthere are no grounds to investigate\n",
        encoding="utf-8",
    )
    return folder


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (
            {"late_wording": "grounds"},
            "We will not investigate because there are no grounds to investigate.",
        ),
        ({}, "We will not investigate because it is late."),
    ],
)
def test_a_clause_chosen_by_a_fact_takes_the_variant_it_names_wherever_it_is_used(
    tmp_path: Path, facts: dict[str, str], expected: str
) -> None:
    from letters.composition import compose
    from letters.model import Case, ClauseUse, Reason, SectionPlan

    library = Library.load(_chosen_library(tmp_path / "clauses"))
    assert library.facts["late_wording"].choices == ("sooner", "grounds")  # from the variants
    case = Case(
        reasons=(Reason("late"),),
        facts=facts,
        sections=(SectionPlan("s", ((ClauseUse("final"),),)),),
    )
    assert [p.text for p in compose(case, library).paragraphs] == [expected]
    assert library.choosers("reasons/late/final") == [
        (
            "late_wording",
            f"{tmp_path}/clauses/reasons/late/final.txt (chosen_by), wherever it is used",
        )
    ]


def test_chosen_by_a_fact_that_is_no_choice_is_a_lint_error(tmp_path: Path) -> None:
    from letters.linting import lint

    folder = _chosen_library(tmp_path / "clauses", "late_wording: {kind: text, about: how}")
    found = [str(problem) for problem in lint(folder, []) if problem.is_error]
    assert found == [
        f"{folder}/reasons/late/final.txt: line 1: 'chosen_by' names 'late_wording', which is no "
        "choice fact of the library (facts.yaml)"
    ]


def test_a_folder_with_a_layout_of_its_own_is_a_library_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "register").mkdir()
    (tmp_path / "a.txt").write_text("---\ntitle: a\n---\nA.\n", encoding="utf-8")
    (tmp_path / "register" / "layout.yaml").write_text("heading: [b]\n", encoding="utf-8")
    (tmp_path / "register" / "b.txt").write_text("---\ntitle: b\n---\nB.\n", encoding="utf-8")
    assert [clause.id for clause in Library.load(tmp_path)] == ["a"]
    assert [clause.id for clause in Library.load(tmp_path / "register")] == ["b"]
