"""What a letter can be written as: Word, PDF (through LibreOffice), plain text, Markdown."""

from __future__ import annotations

FORMATS = ("docx", "pdf", "txt", "md")
"""The output formats, by the suffix of their files."""

PDF_PROFILES = ("tagged", "pdfa-2b", "pdfua", "pdfa-2b+pdfua")
"""The kinds of PDF a letter can be: tagged (the default), archival (PDF/A-2b), accessible
(PDF/UA-1), or both; all are tagged. ``letters.formats.pdf`` makes them."""
