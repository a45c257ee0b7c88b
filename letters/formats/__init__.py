"""What a letter can be written as besides Word: PDF (through LibreOffice), plain text, Markdown.

The face of the formats wing: a letter as plain text or Markdown, and converting Word letters
to PDF, many to one LibreOffice start (a batch) or one at a time to a LibreOffice kept running
(the service). The formats a letter can be asked for are ``letters.output_formats``.

Each name is loaded when first used (``__init__.pyi`` lists them once, for type checkers too):
importing the face imports nothing, so a command that makes Word letters never loads what PDF
conversion needs (subprocess, asyncio) until a name of it is used.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
