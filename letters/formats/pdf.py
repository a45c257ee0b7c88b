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
        import fcntl

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

    def convert(self, documents: Sequence[Path], folder: Path) -> dict[Path, Path]:
        """Convert .docx files into PDFs in ``folder``: each document and its PDF, for those
        LibreOffice converted."""
        made: dict[Path, Path] = {}
        # LibreOffice now and then exits having converted none of a run's letters, or only some
        # (seen under load, with nothing on its output): the letters it missed get one more run.
        for _ in range(2):
            missing = [document for document in documents if document not in made]
            if not missing:
                break
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
                *map(str, missing),
            ]
            run_bounded(command, TIMEOUT_START + TIMEOUT_PER_LETTER * len(missing))
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


UNO_PYTHONS = ("/usr/bin/python3", "/usr/lib/libreoffice/program/python")
BRIDGE = Path(__file__).resolve().parent / "uno_bridge.py"
_uno_python: list[str | None] = []


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

    It is started on first use, restarted when it dies or hangs (a conversion that outlives
    ``timeout`` seconds kills it, with its whole process group), and killed by ``close``. One
    converter serves one process; calls are serialised by a lock, so threads may share it.
    """

    def __init__(self, timeout: float = 30.0, start_timeout: float = 90.0):
        import threading

        self.timeout = timeout
        self.start_timeout = start_timeout
        self.profile = Path(tempfile.mkdtemp(prefix="letters-libreoffice-"))
        self.work = Path(tempfile.mkdtemp(prefix="letters-pdf-"))
        self.process: subprocess.Popen[bytes] | None = None
        self.lock = threading.Lock()
        self.count = 0

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
        )
        if self._read_line(process, self.start_timeout) != b"ready":
            kill_group(process)
            raise OutputError("LibreOffice did not start")
        return process

    def _read_line(self, process: subprocess.Popen[bytes], timeout: float) -> bytes | None:
        import select

        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], timeout)
        if not ready:
            return None
        return process.stdout.readline().strip() or None

    def convert(self, document: bytes) -> bytes:
        """One Word document as PDF bytes."""
        import json

        with self.lock:
            for attempt in (1, 2):  # a converter found dead is replaced, and asked once more
                if self.process is None or self.process.poll() is not None:
                    self.process = self._start()
                self.count += 1
                source = self.work / f"letter-{self.count}.docx"
                target = source.with_suffix(".pdf")
                source.write_bytes(document)
                try:
                    assert self.process.stdin is not None
                    self.process.stdin.write(
                        json.dumps({"in": str(source), "out": str(target)}).encode() + b"\n"
                    )
                    self.process.stdin.flush()
                    answer = self._read_line(self.process, self.timeout)
                except (BrokenPipeError, OSError):
                    answer = None
                try:
                    if answer is None:  # it died or hung: kill it and its soffice
                        kill_group(self.process)
                        self.process = None
                        if attempt == 2:
                            raise OutputError(
                                f"LibreOffice did not convert the letter within {self.timeout:g} s"
                            )
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

    @property
    def pid(self) -> int | None:
        """The process group of the running converter (its bridge and soffice), if any."""
        return (
            self.process.pid if self.process is not None and self.process.poll() is None else None
        )

    def close(self) -> None:
        if self.process is not None:
            with contextlib.suppress(OSError):
                if self.process.stdin is not None:
                    self.process.stdin.close()
            kill_group(self.process)
            self.process = None
        shutil.rmtree(self.profile, ignore_errors=True)
        shutil.rmtree(self.work, ignore_errors=True)

    def __enter__(self) -> WarmConverter:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
