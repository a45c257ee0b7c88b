"""Word documents: the OOXML package, templates filled by docxtpl, checked, and what they see.

The face of the word wing: finding, checking and filling a Word template (``WordTemplate``,
``render``), what a template sees of a letter (``template_context``) and the pictures the edge
rendering it draws for it (``Picture``, ``letter.pictures``), a letter's provenance
carried inside it (``embed_provenance``, ``read_provenance``, ``explain_file``), and the quick
deflate the register compresses its records with. Importing it imports neither docxtpl nor
python-docx.
"""

from letters.word.context import template_context as template_context
from letters.word.ooxml import deflate_quickly as deflate_quickly
from letters.word.ooxml import deflates_with_isal as deflates_with_isal
from letters.word.pictures import Picture as Picture
from letters.word.provenance import embed_provenance as embed_provenance
from letters.word.provenance import explain_file as explain_file
from letters.word.provenance import read_provenance as read_provenance
from letters.word.template import TEMPLATES as TEMPLATES
from letters.word.template import WordTemplate as WordTemplate
from letters.word.template import check_template as check_template
from letters.word.template import find_template as find_template
from letters.word.template import render as render
