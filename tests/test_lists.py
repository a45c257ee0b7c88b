"""Lists in paragraphs: from a clause's list block, the list filters and the caseworker's text,
as Word lists in the template's numbering, and as text and Markdown."""

from __future__ import annotations

from typing import Any

import pytest

from letters.composition import Letter, compose
from letters.formats import markdown, plain_text
from letters.loading import parse_case
from letters.word import render
from tests.conftest import W, document_xml, library_of

LIBRARY = library_of(
    headings__action="---\ntitle: h\n---\nAgreed action\n",
    letter__sign_off="---\ntitle: s\n---\nSigned\n",
    letter__title="---\ntitle: t\n---\nThe Ombudsman's final decision\n",
    agreed="""\
        ---
        title: agreed
        params:
          what:
            about: what the body does
            default: "a) not a list"
        ---
        Within one month of my final decision, the Council has agreed to:
        a) apologise to {{ complainant }} for the
        delay;
          - by letter, and
          - in person
        b) {{ what }}.\\
        The Council should provide us with evidence it has complied.
        """,
    tests="""\
        ---
        title: tests
        ---
        We do not start an investigation if we decide:
        {{ ["A, or", "B"] | bullets }}.\\
        (Local Government Act 1974)
        """,
    remedies="---\ntitle: r\n---\nThe Council will:\n{{ ['apologise', 'pay'] | numbered }}\n",
)


def case(*paragraphs: Any, numbered: bool = True) -> dict[str, Any]:
    return {
        "complainant": {"name": "Mr X", "pronouns": "he"},
        "complaint": {"about": "about the delay"},
        "numbered": numbered,
        "sections": [{"section": "action", "paragraphs": list(paragraphs)}],
    }


def composed(*paragraphs: Any, numbered: bool = True) -> Letter:
    return compose(parse_case(case(*paragraphs, numbered=numbered), source="case.json"), LIBRARY)


def test_a_clause_list_block_makes_numbered_items_with_a_list_inside_one() -> None:
    (paragraph,) = composed({"clause": "agreed"}).paragraphs
    assert paragraph.lead == "Within one month of my final decision, the Council has agreed to:"
    assert [(item.kind, item.level, item.label, item.text) for item in paragraph.items] == [
        ("number", 0, "a)", "apologise to Mr X for the delay;"),
        ("bullet", 1, "–", "by letter, and"),
        ("bullet", 1, "–", "in person"),
        ("number", 0, "b)", "a) not a list."),
        ("text", 0, "", "The Council should provide us with evidence it has complied."),
    ]


def test_a_fact_that_starts_like_a_list_item_is_not_one() -> None:
    (paragraph,) = composed({"clause": "agreed", "params": {"what": "- b) pay £300"}}).paragraphs
    assert paragraph.items[3].text == "- b) pay £300."


def test_bullets_filter_and_kept_break_after_the_list() -> None:
    (paragraph,) = composed({"clause": "tests"}).paragraphs
    assert paragraph.text == (
        "We do not start an investigation if we decide:\n• A, or\n• B.\n(Local Government Act 1974)"
    )
    assert [item.kind for item in paragraph.items] == ["bullet", "bullet", "text"]


def test_numbered_filter_numbers_items_a_b() -> None:
    (paragraph,) = composed({"clause": "remedies"}).paragraphs
    assert paragraph.text == "The Council will:\na) apologise\nb) pay"


def test_caseworker_list_in_a_paragraph_with_a_list_inside_an_item() -> None:
    (paragraph,) = composed(
        [
            "The Council failed to:",
            {"list": ["reply", {"list": ["by letter", "by email"], "numbered": True}, "visit"]},
        ]
    ).paragraphs
    assert paragraph.text == (
        "The Council failed to:\n• reply\n  i) by letter\n  ii) by email\n• visit"
    )
    assert [item.runs[0].origin.field for item in paragraph.items] == [
        "sections[0].paragraphs[0][1].list[0]",
        "sections[0].paragraphs[0][1].list[1].list[0]",
        "sections[0].paragraphs[0][1].list[1].list[1]",
        "sections[0].paragraphs[0][1].list[2]",
    ]


def test_a_list_that_is_a_whole_paragraph_credits_each_item_to_its_own_field() -> None:
    (paragraph,) = composed({"list": ["reply", "visit"], "numbered": True}).paragraphs
    assert [(item.text, item.runs[0].origin.field) for item in paragraph.items] == [
        ("reply", "sections[0].paragraphs[0].list[0]"),
        ("visit", "sections[0].paragraphs[0].list[1]"),
    ]


def test_caseworker_list_items_are_data_never_template_code() -> None:
    (paragraph,) = composed(["x", {"list": ["{{ complainant }}", "a) b"]}]).paragraphs
    assert [item.text for item in paragraph.items] == ["{{ complainant }}", "a) b"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"list": "reply"}, "sections[0].paragraphs[0].list: expected a list, got 'reply'"),
        ({"list": [3]}, "sections[0].paragraphs[0].list[0]: expected an item's text or a list"),
        (
            {"list": ["a"], "bulleted": True},
            "sections[0].paragraphs[0].bulleted: unknown field (expected one of: list, numbered)",
        ),
    ],
)
def test_a_bad_caseworker_list_names_its_field(value: Any, message: str) -> None:
    from letters.problems import CaseError

    with pytest.raises(CaseError) as raised:
        parse_case(case(value), source="case.json")
    assert f"case.json: {message}" in str(raised.value)


def _list_paragraphs(docx: bytes) -> list[tuple[str, str | None, str | None]]:
    """Each body paragraph's text, list level and list id (None where it is no list item)."""
    found = []
    for paragraph in document_xml(docx).iter(W + "p"):
        text = "".join(t.text or "" for t in paragraph.iter(W + "t"))
        level = paragraph.find(f"{W}pPr/{W}numPr/{W}ilvl")
        number = paragraph.find(f"{W}pPr/{W}numPr/{W}numId")
        found.append(
            (
                text,
                None if level is None else level.get(W + "val"),
                None if number is None else number.get(W + "val"),
            )
        )
    return found


def test_items_are_word_list_paragraphs_in_the_templates_numbering() -> None:
    docx = render(composed({"clause": "agreed"}))
    paragraphs = _list_paragraphs(docx)
    lead = paragraphs.index(
        ("Within one month of my final decision, the Council has agreed to:", None, None)
    )
    assert paragraphs[lead + 1 : lead + 6] == [
        ("apologise to Mr X for the delay;", "1", "90"),  # a) under the paragraph's "1."
        ("by letter, and", "1", "91"),  # bullets, one level in
        ("in person", "1", "91"),
        ("a) not a list.", "1", "90"),
        ("The Council should provide us with evidence it has complied.", None, None),
    ]
    numbering = document_xml(docx, "word/numbering.xml")
    levels = {
        (abstract.get(W + "abstractNumId"), level.get(W + "ilvl")): (
            level.find(W + "numFmt").get(W + "val"),  # type: ignore[union-attr]
            level.find(W + "lvlText").get(W + "val"),  # type: ignore[union-attr]
        )
        for abstract in numbering.iter(W + "abstractNum")
        for level in abstract.iter(W + "lvl")
    }
    assert levels[("90", "0")] == ("decimal", "%1.")
    assert levels[("90", "1")] == ("lowerLetter", "%2)")
    assert levels[("91", "1")][0] == "bullet"
    assert "\u2022" not in docx.decode("latin-1")  # no typed bullet: Word draws it


def test_plain_text_indents_items_under_the_paragraph_number() -> None:
    text = plain_text(composed({"clause": "remedies"}))
    assert "1. The Council will:\n   a) apologise\n   b) pay\n" in text


def test_markdown_sets_items_out_as_a_list_under_the_paragraph() -> None:
    text = markdown(composed({"clause": "agreed"}))
    assert (
        "1. Within one month of my final decision, the Council has agreed to:\n\n"
        "   1. apologise to Mr X for the delay;\n"
        "      - by letter, and\n"
        "      - in person\n"
        "   2. a) not a list.\n\n"
        "   The Council should provide us with evidence it has complied.\n"
    ) in text


def test_preview_sets_a_paragraphs_list_out_as_html_lists() -> None:
    import re

    from letters.provenance import provenance_of
    from letters.web.preview import list_html

    record = provenance_of(composed({"clause": "agreed"}))
    (part,) = [part for part in record["parts"] if part.get("items")]
    html = re.sub(
        r"<span[^>]*>|</span>",
        "",
        re.sub(r"<span class=origin.*?</span>", "", list_html(part, set(), [0])),
    )
    assert html == (
        "Within one month of my final decision, the Council has agreed to:"
        "<ol type=a><li>apologise to Mr X for the delay;"
        "<ul><li>by letter, and</li><li>in person</li></ul></li>"
        "<li>a) not a list.</li></ol>"
        "<br>The Council should provide us with evidence it has complied."
    )


def test_numbered_items_start_again_under_each_paragraph_of_a_letter_not_numbered() -> None:
    docx = render(
        composed(
            ["The Council failed to:", {"list": ["reply", "visit"], "numbered": True}],
            "A plain paragraph.",
            ["It also failed to:", {"list": ["apologise"], "numbered": True}],
            numbered=False,
        )
    )
    paragraphs = _list_paragraphs(docx)
    start = paragraphs.index(("The Council failed to:", "0", "92"))  # the list's unseen level
    assert paragraphs[start : start + 6] == [
        ("The Council failed to:", "0", "92"),
        ("reply", "1", "92"),
        ("visit", "1", "92"),
        ("A plain paragraph.", None, None),  # a paragraph with no list is no list's
        ("It also failed to:", "0", "92"),  # so its a) is a) again
        ("apologise", "1", "92"),
    ]
    numbering = document_xml(docx, "word/numbering.xml")
    (unseen,) = [
        level
        for abstract in numbering.iter(W + "abstractNum")
        if abstract.get(W + "abstractNumId") == "92"
        for level in abstract.iter(W + "lvl")
        if level.get(W + "ilvl") == "0"
    ]
    assert unseen.find(W + "numFmt").get(W + "val") == "none"  # type: ignore[union-attr]
