"""A LibreOffice kept running, converting Word letters to PDF on request.

This script runs under the Python that has LibreOffice's UNO binding (Debian's python3-uno), not
the project's own: ``python3 uno_bridge.py PROFILE_FOLDER``. It starts a headless soffice with a
profile of its own, connects to it, prints ``ready``, and then reads one request a line from
standard input, a JSON object ``{"in": "letter.docx", "out": "letter.pdf", "options": {...}}``
(``options``: writer_pdf_Export's filter data, such as ``{"UseTaggedPDF": true}``), answering each
with one line: ``{"ok": true}`` or ``{"ok": false, "error": "..."}``. It ends, and soffice with
it, when standard input closes. ``letters.formats.pdf.WarmConverter`` drives it.

It imports nothing of letters: it must run under another Python.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]


def _property(name, value):  # type: ignore[no-untyped-def]
    item = PropertyValue()
    item.Name = name
    item.Value = value
    return item


def _filter_data(options):  # type: ignore[no-untyped-def]
    """writer_pdf_Export's options as the sequence of properties storeToURL takes."""
    data = tuple(_property(name, value) for name, value in options.items())
    return uno.Any("[]com.sun.star.beans.PropertyValue", data)


def main() -> None:
    profile = sys.argv[1]
    soffice = sys.argv[2] if len(sys.argv) > 2 else "soffice"
    pipe = f"letters{os.getpid()}"
    office = subprocess.Popen(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    context = None
    deadline = time.monotonic() + 90
    while context is None:
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:  # not listening yet
            if office.poll() is not None or time.monotonic() > deadline:
                print(json.dumps({"ok": False, "error": "LibreOffice did not start"}), flush=True)
                return
            time.sleep(0.1)
    desktop = context.ServiceManager.createInstanceWithContext(
        "com.sun.star.frame.Desktop", context
    )
    print("ready", flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        document = None
        try:
            document = desktop.loadComponentFromURL(
                uno.systemPathToFileUrl(request["in"]),
                "_blank",
                0,
                (_property("Hidden", True), _property("FilterName", "MS Word 2007 XML")),
            )
            if document is None:
                raise RuntimeError("LibreOffice could not open the letter")
            export = (
                _property("FilterName", "writer_pdf_Export"),
                _property("FilterData", _filter_data(request.get("options") or {})),
            )
            uno.invoke(document, "storeToURL", (uno.systemPathToFileUrl(request["out"]), export))
            answer = {"ok": True}
        except Exception as error:
            answer = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        finally:
            if document is not None:
                with contextlib.suppress(Exception):
                    document.close(True)
        print(json.dumps(answer), flush=True)
    with contextlib.suppress(Exception):
        desktop.terminate()
    office.kill()
    # soffice forks soffice.bin; the whole group (this bridge leads it) goes with it
    os.killpg(os.getpgrp(), signal.SIGKILL)


if __name__ == "__main__":
    main()
