"""letters preview against other sites' pages and odd addresses: a real `letters preview`
process on a free port, and httpx as the browser (with the headers a browser sends)."""

from __future__ import annotations

import email.message
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from email.utils import collapse_rfc2231_value
from pathlib import Path

import httpx
import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.processes import LoggedProcess
from tests.web.servers import converters, needs_libreoffice
from tests.web.servers import offices as running_offices

ODD_NAME = 'a"; filename=evil.exe; x=\u00e9'
"""A case file's name (without .json) that would add a parameter to an unquoted header."""


class Preview(LoggedProcess):
    """A `letters preview` process over two cases, stopped when the test ends."""

    stop_timeout = 20.0

    def __init__(self, folder: Path):
        super().__init__()
        for name in ("cpc-report-defamation", ODD_NAME):
            shutil.copyfile(EXAMPLES / "cpc-report-defamation.json", folder / f"{name}.json")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "letters",
                "preview",
                "cpc-report-defamation.json",
                f"{ODD_NAME}.json",
                "--clauses",
                str(ROOT / "clauses"),
                "--base",
                str(ROOT / "clauses"),
                "--port",
                "0",
            ],
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.startswith("Preview at "), line + self.logged()
        self.url = line.split()[-1].removesuffix("/preview/")


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    running = Preview(tmp_path_factory.mktemp("preview"))
    yield running
    log = running.stop()
    assert "Traceback" not in log


# 8. Letter numbers, download names and suffixes.


@pytest.mark.parametrize(
    "path",
    [
        "/preview/letter/2",
        "/preview/letter/99999999999",
        "/preview/letter/" + "9" * 5000,
        "/preview/letter/" + "9" * 5000 + ".pdf",
        "/preview/letter/" + "9" * 5000 + "/body",
        "/preview/letter/-1",
        "/preview/letter/\u0661",  # an Arabic-Indic digit one: a digit to Python, not a number here
        "/preview/letter/0.exe",
        "/preview/letter/0.docx.exe",
        "/preview/letter/0.DOCX",
        "/preview/letter/0.docx%3B%20filename%3Devil.exe",
        "/preview/letter/0.",
        "/preview/clause/defamation/nothing",
        "/preview/clause/%2e%2e/%2e%2e/etc/passwd",
        "/preview/clause/" + "a/" * 3000,
    ],
)
def test_a_path_naming_no_letter_is_404(preview: Preview, path: str) -> None:
    response = httpx.get(preview.url + path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "content-disposition" not in response.headers


def test_the_download_name_is_one_safely_quoted_filename(preview: Preview) -> None:
    response = httpx.get(f"{preview.url}/preview/letter/1.docx", timeout=60)
    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    assert disposition == (
        'attachment; filename="a___filename_evil.exe__x__.docx"; '
        "filename*=UTF-8''a%22%3B%20filename%3Devil.exe%3B%20x%3D%C3%A9.docx"
    )
    header = email.message.Message()
    header["content-disposition"] = disposition
    params = header.get_params(header="content-disposition") or []
    # one disposition, a plain fallback and the name itself (RFC 2231 decoded): nothing more
    assert [(name, collapse_rfc2231_value(value)) for name, value in params] == [
        ("attachment", ""),
        ("filename", "a___filename_evil.exe__x__.docx"),
        ("filename", f"{ODD_NAME}.docx"),
    ]


def test_a_docx_download_is_a_word_document(preview: Preview) -> None:
    response = httpx.get(f"{preview.url}/preview/letter/0.docx", timeout=60)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert response.content.startswith(b"PK")
    assert 'filename="cpc-report-defamation.docx"' in response.headers["content-disposition"]


# 3. Costly work only for the preview's own pages; one warm LibreOffice, with a queue.


@pytest.mark.parametrize(
    "path",
    [
        "/preview/letter/0.pdf",
        "/preview/letter/0.docx",
        "/preview/impact",
        "/preview/library",
        "/preview/clause/defamation/courts",
        "/preview/?q=courts",
        "/preview/?reason=nothing-significant",
    ],
)
def test_costly_pages_are_refused_to_another_sites_page(preview: Preview, path: str) -> None:
    for site in ("cross-site", "same-site"):
        # a link another site's page follows, or a picture it loads
        for mode in ("navigate", "no-cors"):
            response = httpx.get(
                preview.url + path, headers={"sec-fetch-site": site, "sec-fetch-mode": mode}
            )
            assert response.status_code == 403, (site, mode)
            assert "own pages only" in response.text or "cannot read" in response.text


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/preview/letter/0", "We will not investigate this complaint"),
        ("/preview/", '<a class="name" href="/preview/letter/0">cpc-report-defamation</a>'),
    ],
)
def test_a_letter_page_or_the_index_opens_from_a_link_on_another_site(
    preview: Preview, path: str, shown: str
) -> None:
    response = httpx.get(
        preview.url + path,
        headers={"sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate"},
    )
    assert response.status_code == 200
    assert shown in response.text


def test_a_post_from_another_sites_page_is_refused(preview: Preview) -> None:
    case = (EXAMPLES / "cpc-report-defamation.json").read_bytes()
    for headers in ({"origin": "http://evil.example"}, {"sec-fetch-site": "cross-site"}):
        response = httpx.post(f"{preview.url}/render?format=pdf", content=case, headers=headers)
        assert response.status_code == 403, headers


def test_a_dns_rebinding_page_cannot_read_the_letters(preview: Preview) -> None:
    for path in ("/preview/letter/0", "/clauses", "/preview/"):
        response = httpx.get(preview.url + path, headers={"host": "rebind.evil.example:8001"})
        assert response.status_code == 400, path
        assert "Mrs X" not in response.text
    assert httpx.get(f"{preview.url}/preview/", headers={"host": "localhost"}).status_code == 200


@needs_libreoffice
def test_pdf_downloads_wait_their_turn_for_one_warm_libreoffice(preview: Preview) -> None:
    answers: list[httpx.Response] = []
    seen: set[int] = set()  # every converter seen at work, by pid
    done = threading.Event()

    def count_offices() -> None:
        # the converters, not LibreOffice's own processes: a LibreOffice starting on a new
        # profile restarts itself, and for a moment both it and its restart are there
        while not done.is_set():
            seen.update(converters(preview.process.pid))
            done.wait(0.1)

    def download() -> None:
        answers.append(
            httpx.get(
                f"{preview.url}/preview/letter/0.pdf",
                headers={"sec-fetch-site": "same-origin"},
                timeout=120,
            )
        )

    counter = threading.Thread(target=count_offices)
    counter.start()
    downloads = [threading.Thread(target=download) for _ in range(8)]
    for thread in downloads:
        thread.start()
    for thread in downloads:
        thread.join(timeout=150)
    done.set()
    counter.join()
    statuses = [response.status_code for response in answers]
    assert statuses == [200] * 8, [response.text[:300] for response in answers]
    assert all(response.content.startswith(b"%PDF-") for response in answers)
    assert len(seen) == 1, seen  # one converter, for all eight, none started again
    assert len(running_offices(preview.process.pid)) == 1


def test_pages_cannot_be_framed_sniffed_or_cached(preview: Preview) -> None:
    response = httpx.get(f"{preview.url}/preview/letter/0")
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


def test_an_older_browser_is_refused_a_download_by_the_page_it_names(preview: Preview) -> None:
    """A browser too old for Sec-Fetch-Site: the Referer of another site's page refuses it."""
    url = f"{preview.url}/preview/letter/0.docx"
    assert httpx.get(url, headers={"referer": "https://evil.example/"}).status_code == 403
    own = httpx.get(url, headers={"referer": f"{preview.url}/preview/letter/0"}, timeout=60)
    assert own.status_code == 200
