"""What a letter can be written as besides Word: PDF (through LibreOffice), plain text, Markdown.

The face of the formats wing: a letter as plain text or Markdown, and converting Word letters
to PDF, many to one LibreOffice start (a batch) or one at a time to a LibreOffice kept running
(the service). Importing it starts nothing and imports no asyncio. The formats a letter can be
asked for are ``letters.output_formats``.
"""

from letters.formats.pdf import ConverterPool as ConverterPool
from letters.formats.pdf import WarmConverter as WarmConverter
from letters.formats.pdf import export_filter as export_filter
from letters.formats.pdf import find_libreoffice as find_libreoffice
from letters.formats.pdf import to_pdf as to_pdf
from letters.formats.pdf import to_pdf_as_made as to_pdf_as_made
from letters.formats.text import markdown as markdown
from letters.formats.text import plain_text as plain_text
