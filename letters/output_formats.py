"""What a letter can be asked for as: the output formats, and the kinds of PDF.

Kept apart, with no imports, because the command line offers them as choices before any
command runs (``letters --help`` stays quick).
"""

FORMATS = ("docx", "pdf", "txt", "md")
"""The output formats, by the suffix of their files."""

PDF_PROFILES = ("tagged", "pdfa-2b", "pdfua", "pdfa-2b+pdfua")
"""The kinds of PDF a letter can be: tagged (the default), archival (PDF/A-2b), accessible
(PDF/UA-1), or both; all are tagged. ``letters.formats.pdf`` makes them."""
