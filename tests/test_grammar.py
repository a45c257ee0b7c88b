from __future__ import annotations

from datetime import date

import pytest

from letters.grammar import (
    PersonWords,
    bullets,
    each_or,
    join_and,
    join_or,
    long_date,
    possessive,
    sentence,
    short_date,
)
from letters.lists import split
from letters.model import Pronouns


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Mrs X", "Mrs X’s"),
        ("Mr and Mrs X", "Mr and Mrs X’s"),
        ("the Council", "the Council’s"),
    ],
)
def test_possessive_adds_apostrophe_s(name: str, expected: str) -> None:
    assert possessive(name) == expected


def test_possessive_of_name_ending_in_s() -> None:
    assert possessive("Mr Jones") == "Mr Jones’s"


def test_possessive_leaves_a_plural_possessive_alone() -> None:
    assert possessive("the residents’") == "the residents’"


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], ""),
        (["the complainant"], "the complainant"),
        (["the complainant", "the Council"], "the complainant and the Council"),
        (["A", "B", "C"], "A, B and C"),
    ],
)
def test_join_and_joins_as_english_does(items: list[str], expected: str) -> None:
    assert join_and(items) == expected


def test_join_or_uses_or() -> None:
    assert join_or(["A", "B", "C"]) == "A, B or C"


def test_sentence_capitalises_only_the_first_letter() -> None:
    assert sentence("the Council has apologised to Mr X") == "The Council has apologised to Mr X"
    assert sentence("‘fault’ means") == "‘Fault’ means"


def test_dates_in_header_and_body_forms() -> None:
    assert short_date(date(2025, 3, 3)) == "03 Mar 2025"
    assert long_date(date(2022, 9, 9)) == "9 September 2022"


@pytest.mark.parametrize(
    ("pronouns", "forms"),
    [
        (Pronouns.SHE, ("she", "her", "her", "hers", "herself", "has")),
        (Pronouns.HE, ("he", "him", "his", "his", "himself", "has")),
        (Pronouns.THEY, ("they", "them", "their", "theirs", "themselves", "have")),
    ],
)
def test_person_words_inflect_for_pronouns(pronouns: Pronouns, forms: tuple[str, ...]) -> None:
    person = PersonWords("Mx X", pronouns)
    got = (person.they, person.them, person.their, person.theirs, person.themselves)
    assert (*got, person.verb("has", "have")) == forms
    assert str(person) == "Mx X"
    assert person.possessive == "Mx X’s"


def test_each_or_ends_every_item_but_the_last_with_or() -> None:
    assert each_or(["A", "B", "C"]) == ["A, or", "B, or", "C"]
    assert each_or(["A"]) == ["A"]


def test_bullets_set_items_out_as_the_items_of_a_bulleted_list() -> None:
    pieces = list(split(bullets(["A, or", "B"])))
    assert [(piece.text, piece.kind, piece.level) for piece in pieces] == [
        ("", None, 0),
        ("A, or", "bullet", 0),
        ("B", "bullet", 0),
    ]
