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
SCREENSHOT = os.environ.get("LETTERS_SCREENSHOT")
"""Where the picture of the preview goes (``make docs/preview.png`` sets it); by default a
temporary file, so that the tests write nothing the repository tracks."""


class Running:
    """A `letters preview` process on a free port, stopped when the test ends."""

    def __init__(self, library: Path, base: Path):
        # run in the library copy's folder, so pages name files as a caseworker sees them
        folder = library.parent
        case = folder / "examples" / "cpc-report-defamation.json"
        case.parent.mkdir(exist_ok=True)
        shutil.copyfile(EXAMPLES / case.name, case)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "letters",
                "preview",
                "examples/cpc-report-defamation.json",
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
    assert page.get_attribute("a[href$='.docx']", "download") is not None


def test_focusing_a_sentence_shows_its_clause(
    browser: object, running: Running, tmp_path: Path
) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{running.url}letter/0")
    sentence = page.locator(".run[data-clause='defamation/courts']").first
    sentence.focus()
    origin = sentence.locator(".origin")
    assert origin.is_visible()
    assert "clause defamation/courts (default), clauses/defamation/courts.txt line" in (
        origin.inner_text()
    )
    assert "placed by outline will-not-investigate" in origin.inner_text()
    picture = Path(SCREENSHOT) if SCREENSHOT else tmp_path / "preview.png"
    picture.parent.mkdir(parents=True, exist_ok=True)
    sentence.scroll_into_view_if_needed()
    page.set_viewport_size({"width": 1000, "height": 700})
    page.screenshot(path=str(picture))
    assert picture.read_bytes().startswith(b"\x89PNG")


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
    row = page.inner_text("tr[id='defamation/courts']")
    assert "cpc-report-defamation" in row  # the example letters that use it


def test_the_impact_page_shows_the_changed_letter(
    browser: object, running: Running, library: Path
) -> None:
    heading = library / "headings" / "final.txt"
    heading.write_text(heading.read_text().replace("Final decision", "Our decision"))
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{running.url}impact")
    text = page.inner_text("main")
    assert "1 of 1 letters change." in text
    assert page.inner_text("del >> nth=0") == "Final"
    assert page.inner_text("ins >> nth=0") == "Our"
