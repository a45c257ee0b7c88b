"""letters preview in a real browser: Chromium, driven by Playwright, against a real
`letters preview` process serving a copy of the library."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT

playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGUMENTS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = os.environ.get("LETTERS_SCREENSHOTS")
"""The folder the pictures of the preview go to (``make preview-screenshots`` sets it to
out/preview/, which git ignores); by default a test's temporary folder: the tests write
nothing the repository tracks."""

COVERED = """
(origin) => {
  // the letter's words (not the origin's own) whose boxes the origin's box overlaps
  const box = origin.getBoundingClientRect();
  const letter = document.getElementById("letter");
  const walker = document.createTreeWalker(letter, NodeFilter.SHOW_TEXT);
  const covered = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest(".origin") || !node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.right > box.left && r.left < box.right && r.bottom > box.top && r.top < box.bottom) {
        covered.push(node.textContent.trim().slice(0, 40));
      }
    }
  }
  return covered;
}
"""
"""A script that says which words of the letter an origin, shown, covers: none, it stands
beside them."""


def picture(page: object, name: str, folder: Path) -> None:
    """A picture of the page as it is, in ``$LETTERS_SCREENSHOTS`` (else ``folder``)."""
    path = Path(SCREENSHOTS or folder) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))  # type: ignore[attr-defined]
    assert path.read_bytes().startswith(b"\x89PNG")


class Running:
    """A `letters preview` process on a free port over two cases, stopped when the test ends."""

    def __init__(self, library: Path, base: Path):
        # run in the library copy's folder, so pages name files as a caseworker sees them
        folder = library.parent
        (folder / "examples").mkdir(exist_ok=True)
        for name in CASES:
            shutil.copyfile(EXAMPLES / name, folder / "examples" / name)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "letters",
                "preview",
                *(f"examples/{name}" for name in CASES),
                "--clauses",
                "clauses",
                "--base",
                str(base),
                "--port",
                "0",
            ],
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        stderr = self.process.stderr.read() if self.process.stderr and not line else ""
        assert line.startswith("Preview at "), line + stderr
        self.url = line.split()[-1]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


CASES = ("cpc-report-defamation.json", "not-upheld-parking-permit.json")
"""The letters the preview shows: 0, a decision not to investigate that names the courts; 1,
an investigation's decision."""


@pytest.fixture
def library(tmp_path: Path) -> Path:
    copy = tmp_path / "clauses"
    shutil.copytree(ROOT / "clauses", copy)
    return copy


@pytest.fixture
def running(library: Path) -> Iterator[Running]:
    server = Running(library, ROOT / "clauses")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run make chromium")
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=ARGUMENTS)
        yield launched
        launched.close()


def test_a_seed_letter_reads_as_published(browser: object, running: Running) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{running.url}letter/0")
    text = page.inner_text("#letter")
    assert "We will not investigate this complaint about the content of a report" in text
    assert "Only the courts can do so." in text
    assert "clause defamation/courts" not in text  # the origins show only when asked
    assert page.get_attribute("a[href$='.docx']", "download") is not None


def test_focusing_a_sentence_shows_its_origin_beside_it_not_over_it(
    browser: object, running: Running, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 760})  # type: ignore[attr-defined]
    page.goto(f"{running.url}letter/0")
    sentence = page.locator(".run[data-clause='defamation/courts']").first
    origin = sentence.locator(".origin")
    assert not origin.is_visible()
    sentence.focus()
    assert origin.is_visible()
    assert "clause defamation/courts (default), clauses/defamation/courts.txt line" in (
        origin.inner_text()
    )
    assert "placed by outline will-not-investigate" in origin.inner_text()
    assert page.evaluate(COVERED, origin.element_handle()) == []
    note, letter = origin.bounding_box(), page.locator("#letter").bounding_box()
    assert note["x"] >= letter["x"] + letter["width"]  # in the margin, beside the letter
    assert note["x"] + note["width"] <= 1280
    runs = sentence.bounding_box()
    assert abs(note["y"] - runs["y"]) < 30  # at the passage's first line
    sentence.scroll_into_view_if_needed()
    picture(page, "letter", tmp_path)
    # a narrow window has no margin: the origin opens above the passage, and covers nothing
    page.set_viewport_size({"width": 700, "height": 760})
    sentence.focus()
    assert origin.is_visible()
    assert page.evaluate(COVERED, origin.element_handle()) == []


def test_each_sentence_shows_it_can_be_inspected_and_a_click_or_hover_opens_it(
    browser: object, running: Running
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 760})  # type: ignore[attr-defined]
    page.goto(f"{running.url}letter/0")
    assert page.locator(".margin .hint").is_visible()
    assert "Click a passage" in page.inner_text(".margin .hint")
    runs = page.locator("#letter .run")
    assert runs.count() > 10
    for index in range(runs.count()):  # every run is marked as something to look into
        style = runs.nth(index).evaluate(
            "run => [getComputedStyle(run).textDecorationLine, getComputedStyle(run).cursor,"
            " run.tabIndex]"
        )
        assert style == ["underline", "pointer", 0], index
    own = page.locator("#letter .run.own").first  # the case's own words look different
    assert own.evaluate("run => getComputedStyle(run).textDecorationColor") != runs.first.evaluate(
        "run => getComputedStyle(run).textDecorationColor"
    )
    sentence = page.locator(".run[data-clause='defamation/courts']").first
    sentence.hover()
    assert sentence.locator(".origin").is_visible()
    own.click()
    assert own.locator(".origin").is_visible()
    assert "your words: case file field text.assessment" in own.locator(".origin").inner_text()
    assert not sentence.locator(".origin").is_visible()  # one origin at a time
    assert not page.locator(".margin .hint").is_visible()  # the margin is the origin's now


def test_an_origin_links_to_its_clause_whose_page_links_back_to_the_letters_using_it(
    browser: object, running: Running, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page.goto(f"{running.url}letter/0")
    sentence = page.locator(".run[data-clause='defamation/courts']").first
    sentence.focus()
    sentence.locator(".origin a").click()
    page.wait_for_url("**/preview/clause/defamation/courts#variant-default")
    assert page.inner_text("h1") == "Defamation: only the courts can decide"
    variant = page.locator("#variant-default")
    assert "Only the courts" in variant.locator("pre.wording").inner_text()
    assert "{{ document }}" in variant.locator("pre.wording").inner_text()  # as written
    uses = variant.locator("ul.uses").inner_text()
    assert "cpc-report-defamation" in uses
    assert "not-upheld-parking-permit" not in uses
    assert "placed by outline will-not-investigate" in uses
    page.goto(f"{running.url}clause/summary/will-not-investigate")
    named = page.inner_text("#variant-named")
    assert '"summary_opening": "named"' in named  # the fact that picks it
    picture(page, "clause", tmp_path)
    page.goto(f"{running.url}clause/defamation/courts")
    page.click("#variant-default ul.uses a")
    page.wait_for_url("**/preview/letter/0?clause=defamation/courts")
    picked = page.locator(".run.picked")
    assert picked.count() >= 1
    clauses = {picked.nth(n).get_attribute("data-clause") for n in range(picked.count())}
    assert clauses == {"defamation/courts"}


def test_the_index_is_searched_and_filtered_and_its_hits_open_their_paragraph(
    browser: object, running: Running, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 700})  # type: ignore[attr-defined]
    page.goto(running.url)
    names = page.locator("table.letters a.name")
    assert names.all_inner_texts() == ["cpc-report-defamation", "not-upheld-parking-permit"]
    picture(page, "index", tmp_path)
    page.select_option("select[name=outline]", "investigation")  # chosen: shown at once
    page.wait_for_url("**/preview/?*outline=investigation*")
    assert names.all_inner_texts() == ["not-upheld-parking-permit"]
    assert "1 of 2 letters" in page.inner_text(".count")
    page.goto(running.url)
    page.fill("input[name=q]", "only the COURTS can")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/preview/?q=*")
    assert names.all_inner_texts() == ["cpc-report-defamation"]
    hit = page.locator("ul.hits a").first
    assert page.locator("ul.hits mark").first.inner_text() == "Only the courts can"
    hit.click()
    page.wait_for_url("**/preview/letter/0#part-*")
    anchor = page.url.rsplit("#", 1)[1]
    assert "Only the courts can do so." in page.inner_text(f"[id='{anchor}']")


def test_saving_a_clause_updates_the_open_page_and_marks_the_change(
    browser: object, running: Running, library: Path
) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{running.url}letter/0")
    page.wait_for_timeout(300)  # the page is following changes
    sign_off = library / "letter" / "sign-off.txt"
    sign_off.write_text("---\ntitle: Sign-off\n---\nDecided by the Complaints Team\n")
    page.wait_for_selector("text=Decided by the Complaints Team", timeout=3000)
    marked = " ".join(page.locator("mark").all_inner_texts())
    assert "Complaints Team" in marked


def test_a_broken_clause_shows_its_problem_and_keeps_the_last_letter(
    browser: object, running: Running, library: Path
) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{running.url}letter/0")
    page.wait_for_timeout(300)
    broken = library / "defamation" / "courts.txt"
    broken.write_text("---\ntitle: t\n---\n{% if %}\n")
    page.wait_for_selector("[role=alert]", timeout=3000)
    alert = page.inner_text("[role=alert]")
    assert "clauses/defamation/courts.txt: line 4" in alert
    assert "We will not investigate this complaint" in page.inner_text("#letter")


def test_search_finds_the_clause_that_holds_a_sentence(browser: object, running: Running) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{running.url}library")
    page.fill("#q", "only the COURTS can")
    page.press("#q", "Enter")
    page.wait_for_selector("ul.found")
    assert "defamation/courts" in page.inner_text("ul.found")
    row = page.locator("tr[id='defamation/courts']")
    assert "cpc-report-defamation" in row.inner_text()  # the example letters that use it
    row.locator("a", has_text="defamation/courts").click()  # the row links to its wording
    page.wait_for_url("**/preview/clause/defamation/courts")
    page.goto(f"{running.url}library")
    page.locator("tr[id='defamation/courts'] a", has_text="cpc-report-defamation").click()
    page.wait_for_url("**/preview/letter/0")


def test_the_impact_page_shows_the_changed_letter(
    browser: object, running: Running, library: Path
) -> None:
    heading = library / "headings" / "final.txt"
    heading.write_text(heading.read_text().replace("Final decision", "Our decision"))
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{running.url}impact")
    text = page.inner_text("main")
    assert "2 of 2 letters change." in text  # both letters have a final decision
    assert page.inner_text("del >> nth=0") == "Final"
    assert page.inner_text("ins >> nth=0") == "Our"
    assert page.locator("ul.impact h2 a").all_inner_texts() == [Path(name).stem for name in CASES]
    page.click("ul.impact h2 a >> nth=1")  # to the letter that changes
    page.wait_for_url("**/preview/letter/1")
    assert "Our decision" in page.inner_text("#letter")
