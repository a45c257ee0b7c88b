"""Convert Word letters to PDF through LibreOffice, many letters to one LibreOffice start.

LibreOffice takes about a second to start and some 60 ms a letter after that, so a batch gives
each converter many letters at once, and each converter (one per worker process) has a profile
folder of its own: two LibreOffices sharing a profile block each other. Metric-compatible fonts
(Liberation for Arial, Carlito for Calibri) keep the layout as Word's.

Every PDF is tagged: a structure tree a screen reader follows (headings as H1, H2, numbered
paragraphs as a list, the header and footer as artifacts), the document language and the title
from the letter's document properties. A profile asks for more: PDF/A-2b for the record (fonts
embedded, XMP metadata saying so) or PDF/UA for accessibility, each through LibreOffice's own
PDF export options.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from letters.output_formats import PDF_PROFILES
from letters.problems import NOWHERE, BusyError, Location, OutputError

if TYPE_CHECKING:
    import asyncio

INSTALL = (
    "--format pdf needs LibreOffice: run 'make libreoffice', or "
    "'apt-get install libreoffice-writer-nogui fonts-liberation2 fonts-crosextra-carlito'"
)
TIMEOUT_START = 60  # seconds for LibreOffice to start, before the letters' own time
TIMEOUT_PER_LETTER = 10

DEFAULT_PROFILE = "tagged"
PDF_SOURCE_LIMIT = 400_000
"""The most bytes a letter's Word document may unpack to for LibreOffice to convert it: some
300,000 characters of text, fifteen times a long decision letter (about 80 KB unpacked).
LibreOffice's time grows faster than a letter's length (a letter of 1 MB of text took it 72 s,
then failed), so a larger one is refused before it starts. ``LETTERS_PDF_SIZE_LIMIT`` (bytes)
raises or lowers it."""
PDF_SIZE_VARIABLE = "LETTERS_PDF_SIZE_LIMIT"


def pdf_source_limit() -> int:
    """``PDF_SOURCE_LIMIT``, or the bytes ``LETTERS_PDF_SIZE_LIMIT`` gives."""
    text = os.environ.get(PDF_SIZE_VARIABLE)
    if text is None:
        return PDF_SOURCE_LIMIT
    try:
        return max(1, int(text))
    except ValueError:
        raise OutputError(
            f"{PDF_SIZE_VARIABLE}: expected a number of bytes, not {text!r}"
        ) from None


def export_options(profile: str = DEFAULT_PROFILE) -> dict[str, bool | int]:
    """LibreOffice's writer_pdf_Export filter data for a profile."""
    if profile not in PDF_PROFILES:
        raise OutputError(f"no PDF profile {profile!r} (profiles: {', '.join(PDF_PROFILES)})")
    options: dict[str, bool | int] = {
        "UseTaggedPDF": True,
        "ExportBookmarks": True,
        "DisplayPDFDocumentTitle": True,  # a viewer shows the letter's title, not a file name
    }
    kinds = profile.split("+")
    if "pdfa-2b" in kinds:
        options["SelectPdfVersion"] = 2  # PDF/A-2b: fonts embedded, XMP pdfaid metadata
    if "pdfua" in kinds:
        options["PDFUACompliance"] = True
    return options


def export_filter(profile: str) -> str:
    """The export filter as ``--convert-to`` takes it, its options as LibreOffice's JSON."""
    typed = {
        name: {
            "type": "boolean" if isinstance(value, bool) else "long",
            "value": str(value).lower(),
        }
        for name, value in export_options(profile).items()
    }
    return "pdf:writer_pdf_Export:" + json.dumps(typed, separators=(",", ":"))


def find_libreoffice() -> str:
    """The LibreOffice command, or an error saying how to install it."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise OutputError(INSTALL)


class PdfConverter:
    """One LibreOffice at a time, with a profile of its own, converting letters in batches.

    The profile is kept between runs (LibreOffice starts faster with one it made before), one
    per converter running at once: a converter takes the first profile no other holds (a lock
    on it), under ``$XDG_CACHE_HOME/letters`` (else ``~/.cache/letters``), or a temporary one.
    """

    def __init__(self) -> None:
        self.command = find_libreoffice()
        self._lock: int | None = None
        self.profile, self._kept = self._take_profile()

    def _take_profile(self) -> tuple[Path, bool]:
        import fcntl  # noqa: PLC0415 - deferred: not on every platform (Windows has no fcntl)

        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "letters"
        for number in range(16):
            folder = cache / f"libreoffice-profile-{number}"
            try:
                folder.mkdir(parents=True, exist_ok=True)
                lock = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:
                break  # no cache here: a temporary profile
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(lock)
                continue
            self._lock = lock
            return folder, True
        return Path(tempfile.mkdtemp(prefix="letters-libreoffice-")), False

    def convert(
        self,
        documents: Sequence[Path],
        folder: Path,
        profile: str = DEFAULT_PROFILE,
        meanwhile: Callable[[], None] | None = None,
    ) -> dict[Path, Path]:
        """Convert .docx files into PDFs of a profile in ``folder``: each document and its PDF,
        for those LibreOffice converted. ``meanwhile`` runs once LibreOffice has started (it
        may write documents LibreOffice will come to)."""
        made: dict[Path, Path] = {}
        # LibreOffice now and then exits having converted none of a run's letters, or only some
        # (seen under load, with nothing on its output), or comes to a letter being written
        # before it is there: the letters it missed get one more run.
        for run in range(2):
            missing = [
                document
                for document in documents
                if document not in made and (run == 0 or document.exists())
            ]
            if not missing:
                break
            command = [
                self.command,
                f"-env:UserInstallation={self.profile.as_uri()}",
                "--headless",
                "--norestore",
                "--nolockcheck",
                "--convert-to",
                export_filter(profile),
                "--outdir",
                str(folder),
                *map(str, missing),
            ]
            timeout = TIMEOUT_START + TIMEOUT_PER_LETTER * len(missing)
            run_bounded(command, timeout, meanwhile if run == 0 else None)
            for document in missing:
                pdf = folder / document.with_suffix(".pdf").name
                if is_pdf(pdf):
                    made[document] = pdf
        return made

    def close(self) -> None:
        if self._kept:
            if self._lock is not None:
                os.close(self._lock)  # the lock goes with it
                self._lock = None
        else:
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> PdfConverter:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def run_bounded(
    command: list[str], timeout: float, meanwhile: Callable[[], None] | None = None
) -> None:
    """Run a converter in a process group of its own, killed whole if it outlives the timeout
    or if this process is stopped meanwhile: no soffice.bin is left behind. ``meanwhile`` is
    done while it runs."""
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
        if meanwhile is not None:
            meanwhile()
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


def check_convertible(document: bytes, case: str | None = None) -> None:
    """Refuse a Word document too large for LibreOffice to convert in reasonable time
    (``PDF_SOURCE_LIMIT``), before LibreOffice spends a minute on it; ``case`` is the case
    file the letter is made from, for the error to name."""
    try:
        with zipfile.ZipFile(io.BytesIO(document)) as archive:
            size = sum(entry.file_size for entry in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not for this check to judge: LibreOffice says what it makes of it
    limit = pdf_source_limit()
    if size > limit:
        raise OutputError(
            f"the letter is too long to convert to PDF: its Word document unpacks to "
            f"{size:,} bytes, more than {limit:,} ({PDF_SIZE_VARIABLE}); make it as .docx",
            Location(file=case) if case is not None else NOWHERE,
        )


def to_pdf(documents: Sequence[bytes], profile: str = DEFAULT_PROFILE) -> list[bytes | None]:
    """Convert Word documents (as bytes) to PDFs of a profile with one LibreOffice start; None
    where it failed."""
    export_options(profile)  # an unknown profile is refused before LibreOffice starts
    with PdfConverter() as converter, tempfile.TemporaryDirectory(prefix="letters-pdf-") as work:
        folder = Path(work)
        paths = []
        for number, document in enumerate(documents):
            path = folder / f"letter-{number:05d}.docx"
            path.write_bytes(document)
            paths.append(path)
        made = converter.convert(paths, folder, profile)
        results: list[bytes | None] = []
        for path in paths:
            pdf = made.get(path)
            results.append(pdf.read_bytes() if pdf else None)
            with contextlib.suppress(OSError):
                path.unlink()
        return results


def to_pdf_as_made(
    makers: Sequence[Callable[[], bytes | None]], profile: str = DEFAULT_PROFILE
) -> list[bytes | None]:
    """Make Word documents and convert them to PDFs with one LibreOffice start, started early:
    once the first document is written, LibreOffice starts (most of a second) while the others
    are made, each written whole (renamed into place) before it comes to them, since it takes
    far longer over a letter than making one takes. Any it came to before it was written is
    converted by a second run (``PdfConverter.convert``). A maker gives None for a document it
    could not make; the result is None where there is no PDF."""
    export_options(profile)
    with PdfConverter() as converter, tempfile.TemporaryDirectory(prefix="letters-pdf-") as work:
        folder = Path(work)
        paths = [folder / f"letter-{number:05d}.docx" for number in range(len(makers))]
        written: list[Path] = []  # in the order they were made
        pending = iter(zip(paths, makers, strict=True))

        def make(until_one: bool) -> None:
            # LibreOffice passes over a missing file at once: were it ever to find the next
            # one missing, it would stay ahead of the writing, so it starts on one written
            for path, maker in pending:
                document = maker()
                if document is not None:
                    part = path.with_suffix(".part")
                    part.write_bytes(document)
                    part.replace(path)
                    written.append(path)
                    if until_one:
                        return

        make(until_one=True)
        made = converter.convert(paths, folder, profile, meanwhile=lambda: make(until_one=False))
        results: list[bytes | None] = []
        for path in paths:
            pdf = made.get(path)
            results.append(pdf.read_bytes() if pdf else None)
        return results


UNO_PYTHONS = ("/usr/bin/python3", "/usr/lib/libreoffice/program/python")
BRIDGE = Path(__file__).resolve().parent / "uno_bridge.py"
_uno_python: list[str | None] = []
LATE = b"(late)"  # what a converter that outlived its time "said"


def find_uno_python() -> str | None:
    """A Python with LibreOffice's UNO binding (Debian's python3-uno), or None."""
    if not _uno_python:
        found = None
        for candidate in UNO_PYTHONS:
            if Path(candidate).exists():
                check = subprocess.run(
                    [candidate, "-c", "import uno"], capture_output=True, timeout=30, check=False
                )
                if check.returncode == 0:
                    found = candidate
                    break
        _uno_python.append(found)
    return _uno_python[0]


class WarmConverter:
    """A LibreOffice kept running, converting one letter at a time to PDF in about 70 ms.

    It is started on first use and restarted when found dead. A letter has ``timeout``
    seconds: past them its LibreOffice is killed with its whole process group, the letter is
    an error, and the next letter starts a new one. ``close`` kills it for good. Calls are
    serialised by a lock, so threads may share a converter; a ``ConverterPool`` gives each
    letter one of several.
    """

    def __init__(self, timeout: float = 30.0, start_timeout: float = 90.0):
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.profile = Path(tempfile.mkdtemp(prefix="letters-libreoffice-"))
        self.work = Path(tempfile.mkdtemp(prefix="letters-pdf-"))
        self.process: subprocess.Popen[bytes] | None = None
        self.lock = threading.Lock()
        self.count = 0
        self.closed = False

    @staticmethod
    def available() -> bool:
        """Whether a warm converter can run here: LibreOffice and a Python with UNO."""
        try:
            find_libreoffice()
        except OutputError:
            return False
        return find_uno_python() is not None

    def _start(self) -> subprocess.Popen[bytes]:
        python = find_uno_python()
        if python is None:
            raise OutputError(INSTALL + " and python3-uno")
        process = subprocess.Popen(
            [python, str(BRIDGE), str(self.profile), find_libreoffice()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            # LibreOffice has no use for letters' settings, and the service's token among them
            env={
                name: value for name, value in os.environ.items() if not name.startswith("LETTERS_")
            },
        )
        if self._read_line(process, self.start_timeout) != b"ready":
            kill_group(process)
            raise OutputError("LibreOffice did not start")
        return process

    def _read_line(self, process: subprocess.Popen[bytes], timeout: float) -> bytes | None:
        """The converter's next line; None if it ended first; ``LATE`` past the timeout."""
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], timeout)
        if not ready:
            return LATE
        return process.stdout.readline().strip() or None

    def convert(self, document: bytes, profile: str = DEFAULT_PROFILE) -> bytes:
        """One Word document as PDF bytes, of a profile."""
        options = export_options(profile)
        check_convertible(document)
        with self.lock:
            for attempt in (1, 2):  # a converter found dead is replaced, and asked once more
                if self.closed:
                    raise OutputError("the PDF converter has stopped (the server is stopping)")
                if self.process is None or self.process.poll() is not None:
                    self.process = self._start()
                process = self.process
                self.count += 1
                source = self.work / f"letter-{self.count}.docx"
                target = source.with_suffix(".pdf")
                try:
                    answer = self._ask(process, document, source, target, options)
                    if answer is None or answer is LATE:  # it died or hung: kill it and its soffice
                        kill_group(process)
                        self.process = None
                        if answer is LATE:
                            raise OutputError(
                                f"LibreOffice did not convert the letter within {self.timeout:g} s"
                            )
                        if attempt == 2 or self.closed:
                            raise OutputError("LibreOffice ended while converting the letter")
                        continue
                    result = json.loads(answer)
                    if not result.get("ok") or not is_pdf(target):
                        raise OutputError(
                            "LibreOffice could not convert the letter to PDF"
                            + (f" ({result['error']})" if result.get("error") else "")
                        )
                    return target.read_bytes()
                finally:
                    for path in (source, target):
                        with contextlib.suppress(OSError):
                            path.unlink()
        raise OutputError("LibreOffice could not convert the letter to PDF")

    def _ask(
        self,
        process: subprocess.Popen[bytes],
        document: bytes,
        source: Path,
        target: Path,
        options: dict[str, bool | int],
    ) -> bytes | None:
        """Hand the converter one letter; its answer line, None if it died, LATE if it hung."""
        try:
            source.write_bytes(document)
            assert process.stdin is not None
            process.stdin.write(
                json.dumps({"in": str(source), "out": str(target), "options": options}).encode()
                + b"\n"
            )
            process.stdin.flush()
        except OSError:  # a broken pipe: it died; or its folder went with close()
            return None
        return self._read_line(process, self.timeout)

    @property
    def pid(self) -> int | None:
        """The process group of the running converter (its bridge and soffice), if any."""
        return (
            self.process.pid if self.process is not None and self.process.poll() is None else None
        )

    def close(self) -> None:
        self.closed = True
        process, self.process = self.process, None
        if process is not None:
            with contextlib.suppress(OSError):
                if process.stdin is not None:
                    process.stdin.close()
            kill_group(process)
        shutil.rmtree(self.profile, ignore_errors=True)
        shutil.rmtree(self.work, ignore_errors=True)

    def __enter__(self) -> WarmConverter:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class ConverterPool:
    """At most ``size`` warm converters for the letters of one process, each converting one
    letter at a time, started as the letters need them.

    A letter waits for a free converter, in turn, for at most ``wait`` seconds (then it is
    refused: `BusyError`); once it has one, it has ``timeout`` seconds before that converter
    is killed and started again. So a slow letter holds one converter for at most its time,
    and never the others; and no number of requests starts more than ``size`` LibreOffices.
    """

    def __init__(self, size: int = 2, *, timeout: float = 30.0, wait: float | None = None):
        self.size = size
        self.timeout = timeout
        self.wait = timeout if wait is None else wait
        self._free: asyncio.Queue[WarmConverter] | None = None
        self._all: list[WarmConverter] = []
        self.closed = False

    def _queue(self) -> asyncio.Queue[WarmConverter]:
        if self._free is None:
            import asyncio  # noqa: PLC0415 - deferred: start-up speed (asyncio; only the service converts so)

            self._free = asyncio.Queue()
            for _ in range(self.size):
                converter = WarmConverter(timeout=self.timeout)
                self._all.append(converter)
                self._free.put_nowait(converter)
        return self._free

    async def convert(self, document: bytes, profile: str = DEFAULT_PROFILE) -> bytes:
        """One Word document as PDF bytes, of a profile, from the first converter free."""
        if self.closed:
            raise OutputError("the PDF converters have stopped (the server is stopping)")
        import asyncio  # noqa: PLC0415 - deferred: start-up speed (asyncio; only the service converts so)

        free = self._queue()
        try:
            converter = await asyncio.wait_for(free.get(), self.wait)
        except TimeoutError:
            raise BusyError(
                f"all {self.size} PDF converters stayed busy for {self.wait:g} s; try again"
            ) from None
        try:
            return await asyncio.to_thread(converter.convert, document, profile)
        finally:
            free.put_nowait(converter)

    @property
    def pids(self) -> list[int]:
        """The process groups of the converters running now."""
        return [converter.pid for converter in self._all if converter.pid is not None]

    def close(self) -> None:
        self.closed = True
        for converter in self._all:
            converter.close()
