#!/usr/bin/env python3
"""Compare the text of a rendered report (.docx) with its reference text, strictly.

Usage:
    check_reference.py REPORT.docx REFERENCE.txt   # exit 0 when they match, else a diff and exit 1
    check_reference.py --text REPORT.docx          # the report's lines, to start a new reference

The rules are those of the project's seedcheck.py, kept here so that this folder needs nothing
outside itself (the standard library of any Python 3.9+ runs it):
- the report is read as Word shows its body: every paragraph of word/document.xml, tables
  included, in order; w:t as text, w:tab as a space, w:br and w:cr as line breaks (the page
  header and footer are not read);
- on both sides, runs of white space become one space, lines are stripped, empty lines are
  dropped, and a leading "- " marker is dropped. Nothing else: quotes, colons and punctuation
  must be exactly as the reference has them.
Stricter than seedcheck.py in one way: the whole report is judged, its header block included,
since every line of it is our library's wording.
"""

from __future__ import annotations

import difflib
import pathlib
import re
import sys
import zipfile
from xml.etree import ElementTree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def report_lines(path: str) -> list[str]:
    with zipfile.ZipFile(path) as package:
        root = ElementTree.fromstring(package.read("word/document.xml"))
    lines: list[str] = []
    for paragraph in root.iter(W + "p"):
        pieces: list[str] = []
        for element in paragraph.iter():
            if element.tag == W + "t":
                pieces.append(element.text or "")
            elif element.tag == W + "tab":
                pieces.append(" ")
            elif element.tag in (W + "br", W + "cr"):
                pieces.append("\n")
        lines.extend("".join(pieces).split("\n"))
    return lines


def normalise(lines: list[str]) -> list[str]:
    kept = []
    for line in lines:
        line = re.sub(r"\s+", " ", line).strip()
        if line.startswith("- "):
            line = line[2:].strip()
        if line:
            kept.append(line)
    return kept


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--text":
        print("\n".join(normalise(report_lines(argv[1]))))
        return 0
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    report = normalise(report_lines(argv[0]))
    with pathlib.Path(argv[1]).open(encoding="utf-8") as file:
        reference = normalise(file.read().splitlines())
    if report == reference:
        print(f"{argv[0]}: matches {argv[1]} ({len(reference)} lines)")
        return 0
    print(f"{argv[0]}: differs from {argv[1]}:")
    print("\n".join(difflib.unified_diff(reference, report, argv[1], argv[0], lineterm="")))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
