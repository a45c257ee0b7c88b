"""Convert Word letters to PDF through LibreOffice, many letters to one LibreOffice start.

LibreOffice takes about a second to start and some 60 ms a letter after that, so a batch gives
each converter many letters at once, and each converter (one per worker process) has a profile
folder of its own: two LibreOffices sharing a profile block each other. Metric-compatible fonts
(Liberation for Arial, Carlito for Calibri) keep the layout as Word's.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from letters.problems import OutputError

INSTALL = (
    "--format pdf needs LibreOffice: run 'make libreoffice', or "
    "'apt-get install libreoffice-writer-nogui fonts-liberation2 fonts-crosextra-carlito'"
)
TIMEOUT_START = 60  # seconds for LibreOffice to start, before the letters' own time
TIMEOUT_PER_LETTER = 10


def find_libreoffice() -> str:
    """The LibreOffice command, or an error saying how to install it."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise OutputError(INSTALL)


class PdfConverter:
    """One LibreOffice at a time, with a profile of its own, converting letters in batches."""

    def __init__(self) -> None:
        self.command = find_libreoffice()
        self.profile = Path(tempfile.mkdtemp(prefix="letters-libreoffice-"))

    def convert(self, documents: Sequence[Path], folder: Path) -> dict[Path, Path]:
        """Convert .docx files into PDFs in ``folder``: each document and its PDF, for those
        LibreOffice converted."""
        if not documents:
            return {}
        command = [
            self.command,
            f"-env:UserInstallation={self.profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(folder),
            *map(str, documents),
        ]
        timeout = TIMEOUT_START + TIMEOUT_PER_LETTER * len(documents)
        run_bounded(command, timeout)
        made = {}
        for document in documents:
            pdf = folder / document.with_suffix(".pdf").name
            if is_pdf(pdf):
                made[document] = pdf
        return made

    def close(self) -> None:
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> PdfConverter:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def run_bounded(command: list[str], timeout: float) -> None:
    """Run a converter in a process group of its own, killed whole if it outlives the timeout
    or if this process is stopped meanwhile: no soffice.bin is left behind."""
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as error:
        raise OutputError(f"LibreOffice did not start ({error.strerror})") from None
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise OutputError(
            f"LibreOffice took longer than {timeout:g} s to convert the letters"
        ) from None
    finally:
        kill_group(process)


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill a process and every process of its group (LibreOffice forks soffice.bin)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def is_pdf(path: Path) -> bool:
    """Whether a file the converter wrote is a PDF: it starts as every PDF does."""
    try:
        with path.open("rb") as file:
            return file.read(5) == b"%PDF-"
    except OSError:
        return False


def to_pdf(documents: Sequence[bytes]) -> list[bytes | None]:
    """Convert Word documents (as bytes) to PDF with one LibreOffice start; None where it failed."""
    with PdfConverter() as converter, tempfile.TemporaryDirectory(prefix="letters-pdf-") as work:
        folder = Path(work)
        paths = []
        for number, document in enumerate(documents):
            path = folder / f"letter-{number:05d}.docx"
            path.write_bytes(document)
            paths.append(path)
        made = converter.convert(paths, folder)
        results: list[bytes | None] = []
        for path in paths:
            pdf = made.get(path)
            results.append(pdf.read_bytes() if pdf else None)
            with contextlib.suppress(OSError):
                path.unlink()
        return results
