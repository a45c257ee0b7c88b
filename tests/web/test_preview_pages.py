"""The preview's pages as its routes answer them (no browser, no server process): the index's
search and filters, a clause's page, the links between letters, clauses and the library, every
value escaped, a file's edit seen at once; over a small library of the test's own."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from letters.web.preview import Preview, preview_routes
from letters.web.preview_views import diff_pieces, paragraph_view
from tests.conftest import ROOT

FILES = {
    "facts.yaml": """\
tone:
  kind: choice
  about: how the Summary opens
defamation:
  kind: yes/no
  about: the complainant says they were defamed
""",
    "outlines/plain.yaml": """\
title: "Plain"
when: "true"
summary:
  - clause: summary/opening
    variant: {fact: tone}
sections:
  findings:
    - clause: findings/courts
      when: facts.defamation
    - clause: findings/late
      when: "'late' in reasons"
    - text
""",
    "summary/opening.txt": """\
---
title: "Summary: the opening"
variants:
  warm:
    about: "a warm opening"
  cold:
    about: "a cold opening"
---
== warm ==
Thank you for your complaint {{ complaint.about }}.

== cold ==
We have your complaint {{ complaint.about }}.
""",
    "findings/courts.txt": """\
---
title: "Only the courts <i>decide</i>"
---
Only the courts can decide <b>this</b>.
""",
    "findings/late.txt": """\
---
title: "Late"
---
The complaint is late: {{ reason.summary }}.
""",
    "reasons/late/summary.txt": """\
---
title: "Late: the Summary's reason"
---
it came more than a year after the events
""",
    "headings/findings.txt": "---\ntitle: h\n---\nWhat I found\n",
}

HOSTILE = '"><script>alert(1)</script>'
"""Text from a case file, a query or a clause that would run as a script if a page did not
escape it."""


def _library(folder: Path) -> Path:
    for name, text in FILES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def _case(path: Path, **fields: object) -> str:
    path.write_text(
        json.dumps(
            {
                "complainant": {"name": "Ms A", "pronouns": "she"},
                "complaint": {"about": "about the repairs"},
                **fields,
            }
        ),
        encoding="utf-8",
    )
    return str(path)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    return _library(tmp_path / "library")


@pytest.fixture
def client(tmp_path: Path, library: Path) -> TestClient:
    cases = [
        _case(
            tmp_path / "eastford-courts.json",
            body={"name": "Eastford Council"},
            decision="Not upheld",
            facts={"tone": "cold", "defamation": True},
            text={"findings": ["Ms A says the report is wrong."]},
        ),
        _case(
            tmp_path / "westshire-late.json",
            body={"name": "Westshire Council"},
            decision="Upheld",
            reasons=["late"],
            facts={"tone": "warm"},
        ),
    ]
    preview = Preview(cases, clauses=str(library))
    return TestClient(Starlette(routes=preview_routes(preview)))


def _names(html: str) -> list[str]:
    """The letters an index page lists, in order."""
    return re.findall(r'<a class="name" href="/preview/letter/\d+">([^<]*)</a>', html)


def test_the_index_lists_each_letters_body_outline_reasons_and_decision(
    client: TestClient,
) -> None:
    html = client.get("/preview/").text
    assert _names(html) == ["eastford-courts", "westshire-late"]
    row = html[html.index('id="letter-1"') :]
    row = row[: row.index("</tr>")]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)
    assert [cell.strip() for cell in cells[1:5]] == [
        "Westshire Council",
        "plain",
        "late",
        "Upheld",
    ]
    for value in ("Eastford Council", "Westshire Council", "Not upheld", "Upheld", "late"):
        assert f"<option>{value}</option>" in html  # each filter offers the letters' values


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({"body": "Westshire Council"}, ["westshire-late"]),
        ({"outline": "plain"}, ["eastford-courts", "westshire-late"]),
        ({"reason": "late"}, ["westshire-late"]),
        ({"decision": "Not upheld"}, ["eastford-courts"]),
        ({"decision": "Not upheld", "reason": "late"}, []),
        ({"q": "WESTSHIRE"}, ["westshire-late"]),  # a file's name
        ({"q": "more than a   year"}, ["westshire-late"]),  # a reason's wording, taken in
        ({"q": "only the courts"}, ["eastford-courts"]),
    ],
)
def test_the_index_is_searched_and_filtered(
    client: TestClient, query: dict[str, str], shown: list[str]
) -> None:
    html = client.get("/preview/", params=query).text
    assert _names(html) == shown
    assert f"{len(shown)} of 2 letters" in html
    for name, value in query.items():
        if name != "q":
            assert f"<option selected>{value}</option>" in html  # the filter stays chosen


def test_a_search_shows_each_sentence_found_linked_to_its_paragraph(client: TestClient) -> None:
    html = client.get("/preview/", params={"q": "courts can DECIDE"}).text
    (hit,) = re.findall(r'<ul class="hits">\s*<li>(.*?)</li>', html, re.DOTALL)
    assert hit == (
        '<a href="/preview/letter/0#part-3">Only the <mark>courts can decide</mark> '
        "&lt;b&gt;this&lt;/b&gt;.</a>"
    )
    letter = client.get("/preview/letter/0").text
    assert re.search(r'<li id="part-3">.*?Only the courts can decide', letter)


def test_every_value_a_page_shows_is_escaped(tmp_path: Path, library: Path) -> None:
    (library / "findings" / "courts.txt").write_text(
        f"---\ntitle: '{HOSTILE}'\n---\nOnly the courts {HOSTILE}.\n", encoding="utf-8"
    )
    case = _case(
        tmp_path / "hostile.json",
        complaint={"about": f"about {HOSTILE}"},
        body={"name": HOSTILE},
        decision=HOSTILE,
        facts={"tone": "cold", "defamation": True},
        text={"findings": [f"Ms A says {HOSTILE}."]},
    )
    client = TestClient(Starlette(routes=preview_routes(Preview([case], clauses=str(library)))))
    pages = [
        client.get("/preview/").text,
        client.get("/preview/", params={"q": HOSTILE, "body": HOSTILE}).text,
        client.get("/preview/", params={"q": "only the courts"}).text,
        client.get("/preview/letter/0", params={"clause": HOSTILE}).text,
        client.get("/preview/letter/0/body").text,
        client.get("/preview/clause/findings/courts").text,
        client.get("/preview/library", params={"q": HOSTILE}).text,
        client.get("/preview/library", params={"q": "only the courts"}).text,
    ]
    for html in pages:
        assert "<script>alert" not in html
        assert HOSTILE not in html
        assert "&amp;lt;" not in html  # escaped once, not twice
    assert "Only the courts &#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;." in pages[4]


def test_a_clause_page_shows_each_wording_what_picks_it_and_the_letters_that_use_it(
    client: TestClient,
) -> None:
    html = client.get("/preview/clause/summary/opening").text
    warm = html[html.index('id="variant-warm"') : html.index('id="variant-cold"')]
    cold = html[html.index('id="variant-cold"') :]
    assert "Thank you for your complaint {{ complaint.about }}." in warm  # the wording as written
    assert "a case whose facts give &#34;tone&#34;: &#34;warm&#34; (how the Summary opens)" in warm
    assert "a case where nothing names a wording (the default)" in warm
    assert (
        '<a href="/preview/letter/1?clause=summary/opening">westshire-late</a>: '
        "the case&#39;s fact tone is &#34;warm&#34;"
    ) in warm
    assert "eastford-courts" not in warm
    assert '<a href="/preview/letter/0?clause=summary/opening">eastford-courts</a>' in cold
    assert "westshire-late" not in cold[: cold.index('id="placements"')]
    placements = html[html.index('id="placements"') :]
    assert "the wording the fact tone names" in placements
    assert "outlines/plain.yaml line 4" in placements


def test_a_clause_page_says_when_a_reasons_wording_comes_in_and_where(
    client: TestClient,
) -> None:
    html = client.get("/preview/clause/reasons/late/summary").text
    assert "A wording of the reason <strong>late</strong>" in html
    assert "westshire-late</a>: the clause&#39;s only wording, in the wording of " in html
    assert '<a href="/preview/clause/findings/late">findings/late</a>' in html


def test_a_letter_points_out_the_clause_it_was_opened_for(client: TestClient) -> None:
    html = client.get("/preview/letter/0", params={"clause": "findings/courts"}).text
    picked = re.findall(r'<span class="run picked"[^>]*data-clause="([^"]*)"', html)
    assert picked == ["findings/courts"]
    assert 'data-body="/preview/letter/0/body?clause=findings/courts"' in html  # kept live
    body = client.get("/preview/letter/0/body", params={"clause": "findings/courts"}).text
    assert body.count('class="run picked"') == 1


def test_letters_clauses_and_the_library_link_to_each_other(client: TestClient) -> None:
    letter = client.get("/preview/letter/1").text
    # each origin links to its clause's wording, and the letter lists the clauses it uses
    assert '<a href="/preview/clause/findings/late#variant-default">findings/late</a>' in letter
    assert '<a href="/preview/clause/reasons/late/summary#variant-default">' in letter
    assert '<a href="/preview/?reason=late">late</a>' in letter  # the letters with its reason
    assert '<a href="/preview/?body=Westshire%20Council">Westshire Council</a>' in letter
    assert '<a href="/preview/impact#letter-1">' in letter
    library = client.get("/preview/library").text
    row = library[library.index('<tr id="findings/courts">') :]
    row = row[: row.index("</tr>")]
    assert '<a href="/preview/clause/findings/courts">findings/courts</a>' in row
    assert '<a href="/preview/letter/0">eastford-courts</a>' in row
    found = client.get("/preview/library", params={"q": "more than a year"}).text
    assert (
        '<a href="/preview/clause/reasons/late/summary#variant-default">reasons/late/summary</a>'
    ) in found


def test_a_saved_edit_is_on_the_next_page(client: TestClient, library: Path) -> None:
    assert "Only the courts can decide" in client.get("/preview/letter/0").text
    courts = library / "findings" / "courts.txt"
    courts.write_text("---\ntitle: t\n---\nA court decides that, and no one else.\n")
    html = client.get("/preview/letter/0").text
    assert "A court decides that, and no one else." in re.sub(r"<[^>]+>", "", html)
    assert "Only the courts" not in html
    assert "<mark>decides</mark>" in html  # the words changed since the page was last made
    assert _names(client.get("/preview/", params={"q": "no one else"}).text) == ["eastford-courts"]


def test_a_broken_file_shows_its_problem_where_the_page_needs_the_library(
    client: TestClient, library: Path
) -> None:
    (library / "findings" / "courts.txt").write_text("---\ntitle: 'unclosed\n---\nText\n")
    for path in ("/preview/library", "/preview/clause/findings/late", "/preview/letter/0"):
        html = client.get(path).text
        assert 'role="alert"' in html, path
        assert "courts.txt: line 2" in html, path
    index = client.get("/preview/").text
    assert index.count('class="problem" role="alert"') == 2  # on each letter's row


def test_a_path_that_names_no_clause_or_letter_is_404(client: TestClient) -> None:
    for path, said in (
        ("/preview/clause/findings/nothing", "no clause &#x27;findings/nothing&#x27;"),
        ("/preview/clause/", "no clause &#x27;&#x27;"),
        ("/preview/letter/2", "the letters are numbered 0 to 1"),
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert said in response.text, path


def test_a_paragraphs_list_nests_each_item_under_the_one_before() -> None:
    def run(text: str, item: int | None = None) -> dict[str, object]:
        made: dict[str, object] = {"text": text, "field": "text.x[0]", "includes": []}
        if item is not None:
            made["item"] = item
        return made

    items = [("number", 0), ("bullet", 1), ("bullet", 3), ("number", 0), ("text", 0)]
    part = {
        "runs": [run("Lead"), *(run(f"item {n}", n) for n in range(len(items)))],
        "items": [{"kind": kind, "level": level} for kind, level in items],
    }
    view = paragraph_view(part)
    assert [piece.kind for piece in view.pieces] == ["runs", "list", "after"]
    top = view.pieces[1].list
    assert top is not None and top.numbered
    assert [len(item.lists) for item in top.items] == [1, 0]
    (inner,) = top.items[0].lists
    assert not inner.numbered and len(inner.items) == 1
    # a level too deep goes one level under the item before, no deeper
    (deeper,) = inner.items[0].lists
    assert len(deeper.items) == 1 and not deeper.items[0].lists
    assert view.pieces[2].runs[0].lines[0][0].text == "item"


def test_a_word_difference_is_pieces_same_removed_and_added() -> None:
    assert [
        (piece.kind, piece.text) for piece in diff_pieces("the [-Final-] {+Our+} decision")
    ] == [("same", "the "), ("del", "Final"), ("same", " "), ("ins", "Our"), ("same", " decision")]


def test_the_wheel_carries_the_pages(tmp_path: Path) -> None:
    """The templates are files of the package, not Python: the wheel has to carry them."""
    from hatchling.builders.wheel import WheelBuilder

    pages = {path.relative_to(ROOT).as_posix() for path in (ROOT / "letters/web/pages").iterdir()}
    assert "letters/web/pages/letter.html" in pages
    (wheel,) = WheelBuilder(str(ROOT)).build(directory=str(tmp_path), versions=["standard"])
    assert pages <= set(zipfile.ZipFile(wheel).namelist())
