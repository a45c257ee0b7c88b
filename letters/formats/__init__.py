"""What a letter can be written as: Word, PDF (through LibreOffice), plain text, Markdown."""

from __future__ import annotations

FORMATS = ("docx", "pdf", "txt", "md")
"""The output formats, by the suffix of their files."""
