# The face of the formats wing, each name once: loaded on first use by __init__.py.

from .pdf import ConverterPool as ConverterPool
from .pdf import WarmConverter as WarmConverter
from .pdf import check_convertible as check_convertible
from .pdf import export_filter as export_filter
from .pdf import find_libreoffice as find_libreoffice
from .pdf import to_pdf as to_pdf
from .pdf import to_pdf_as_made as to_pdf_as_made
from .text import markdown as markdown
from .text import plain_text as plain_text
