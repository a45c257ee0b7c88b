"""Hostile clause wording and library files: each is one clear error at its file and line,
within the letter's time and size limits, and nothing outside the sandbox is ever reached."""

from __future__ import annotations

from pathlib import Path

import pytest

from letters.facts import Facts
from letters.grammar import PersonWords
from letters.library import Library, parse_clause
from letters.limits import Limits, budget
from letters.model import Pronouns
from letters.problems import ClauseError, LettersError

WORDING = {
    "lipsum": ("{{ lipsum(n=1000000) }}", "{{ lipsum }} is neither a fact"),
    "cycler-escape": (
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "is unsafe",
    ),
    "class-escape": ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "is unsafe"),
    "nested-loops": (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "took longer than its time limit of 1 s",
    ),
    "format-width": ("{{ '%01000000000d' % 1 }}", "a width of 01000000000"),
    "format-method": ("{{ '{:>1000000000}'.format(1) }}", "a width of 1000000000"),
    "format-filter": ("{{ '%01000000000d' | format(1) }}", "a width of 01000000000"),
    "center": ("{{ 'x' | center(1000000000) }}", "the number 1000000000 is larger"),
    "ljust": ("{{ 'x'.ljust(1000000000) }}", "the number 1000000000 is larger"),
    "namespace": (
        "{% set ns = namespace(x='ab') %}{% for i in range(40) %}{% set ns.x = ns.x ~ ns.x %}"
        "{% endfor %}{{ ns.x }}",
        "{{ namespace }} is neither a fact",
    ),
    "doubling-macro": (
        "{% macro f(s, n) %}{{ f(s ~ s, n - 1) if n else s }}{% endmacro %}{{ f('ab', 40) }}",
        "text of more than 5,000,000 characters",
    ),
    "growing-replace": (
        "{{ ('x' * 1000) | replace('x', 'xxxxxxxxxx') | replace('x', 'xxxxxxxxxx')"
        " | replace('x', 'xxxxxxxxxx') | replace('x', 'xxxxxxxxxx') }}",
        "text of more than 5,000,000 characters",
    ),
    "repeat": ("{{ 'ab' * 1000000000 }}", "text made by '*' of more than"),
    "power": ("{{ 2 ** 100000 }}", "a power above 100"),
    "recursion": ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "calls itself too deeply"),
    "division-by-zero": ("{{ 1 / 0 }}", "ZeroDivisionError: division by zero"),
    "huge-range": ("{{ range(10**9) | list }}", "the number 1000000000 is larger"),
    "date-filter-on-text": ("{{ 'text' | long_date }}", "long_date takes a date, not str"),
}


def _render(text: str, limits: Limits) -> None:
    clause = parse_clause(f"---\ntitle: t\n---\nFirst line.\n{text}\n", clause_id="x", path="x.txt")
    library = Library({"x": clause})
    with budget(limits):
        library.render(clause, clause.variants[0], {})


@pytest.mark.parametrize("name", sorted(WORDING))
def test_hostile_wording_is_one_error_at_its_line_within_limits(name: str) -> None:
    text, message = WORDING[name]
    with pytest.raises(LettersError) as raised:  # the 1 s limit ends what would go on
        _render(text, Limits(time=1.0))
    assert str(raised.value).startswith("x.txt: line 5: "), str(raised.value)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_time_limit_can_be_raised_by_the_environment() -> None:
    assert Limits.from_environment({"LETTERS_TIME_LIMIT": "60"}).time == 60
    with pytest.raises(LettersError, match="LETTERS_TIME_LIMIT: time = 'soon': expected a number"):
        Limits.from_environment({"LETTERS_TIME_LIMIT": "soon"})


def test_a_real_letter_is_far_inside_the_default_limits() -> None:
    _render("{{ 'x' * 100000 }} {% for i in range(1000) %}{{ i }}{% endfor %}", Limits())


def test_yaml_alias_bomb_in_front_matter_is_refused() -> None:
    bomb = "\n".join(
        ["---", "title: t", "a: &a [x, x, x, x, x, x, x, x, x]"]
        + [
            f"{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}]"
            for n in range(9)
        ]
        + ["---", "Wording."]
    )
    with pytest.raises(ClauseError, match=r"x.txt: line 4: the front matter uses YAML anchors"):
        parse_clause(bomb, clause_id="x", path="x.txt")


def test_many_front_matter_keys_are_refused_before_yaml_reads_them() -> None:
    keys = "\n".join(f"  p{n}: parameter {n}" for n in range(200_000))
    text = f"---\ntitle: t\nparams:\n{keys}\n---\n{{{{ p0 }}}}\n"
    with pytest.raises(LettersError, match="takes at most 2,000 lines and 100,000 characters"):
        parse_clause(text, clause_id="x", path="x.txt")


def test_front_matter_keys_up_to_the_bound_keep_their_lines() -> None:
    keys = "\n".join(f"  p{n}: parameter {n}" for n in range(1_900))
    text = f"---\ntitle: t\nparams:\n{keys}\n---\n{{{{ p0 }}}}\n"
    clause = parse_clause(text, clause_id="x", path="x.txt")
    assert clause.params["p1899"].line == 1_903


def test_a_clause_file_past_the_size_limit_is_refused(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("---\ntitle: t\n---\n" + "x" * 2000)
    with pytest.raises(ClauseError, match=r"big.txt: the clause file is larger than 1,000 bytes"):
        Library.load(tmp_path, limits=Limits(file_size=1000))


@pytest.mark.parametrize(
    "text",
    [
        "{{ complainant.__class__ }}",
        "{{ complainant.verb.__globals__ }}",
        "{{ facts._facts }}",
        "{{ facts.__class__.__init__.__globals__ }}",
        "{{ complainant.forms.__class__ }}",
    ],
)
def test_the_engines_own_records_show_only_their_plain_values(text: str) -> None:
    clause = parse_clause(f"---\ntitle: t\n---\n{text}\n", clause_id="x", path="x.txt")
    library = Library({"x": clause})
    context = {"complainant": PersonWords("Ms A", Pronouns.SHE), "facts": Facts({"late": True})}
    plain = parse_clause(
        "---\ntitle: t\n---\n{{ complainant.their }} {{ complainant.verb('has', 'have') }}"
        " {{ facts.late }}\n",
        clause_id="y",
        path="y.txt",
    )
    assert Library({"y": plain}).render(plain, plain.variants[0], context) == ("her has True",)
    with pytest.raises(LettersError, match=r"unsafe|neither|does not give"):
        library.render(clause, clause.variants[0], context)
