"""Word documents: the OOXML package, the template filled by docxtpl, the template check, the letter's template context.

The face of the word wing: finding, checking and filling a Word template (``WordTemplate``,
``render``), what a template sees of a letter (``template_context``), and the package
functions the rest of letters uses to read and write a .docx (``read_package``,
``write_package`` ...). Importing it imports neither docxtpl nor python-docx.
"""

from letters.word.context import template_context as template_context
from letters.word.ooxml import add_custom_xml as add_custom_xml
from letters.word.ooxml import compress as compress
from letters.word.ooxml import custom_xml_items as custom_xml_items
from letters.word.ooxml import deflate_quickly as deflate_quickly
from letters.word.ooxml import deflates_with_isal as deflates_with_isal
from letters.word.ooxml import read_package as read_package
from letters.word.ooxml import write_package as write_package
from letters.word.template import TEMPLATES as TEMPLATES
from letters.word.template import WordTemplate as WordTemplate
from letters.word.template import check_template as check_template
from letters.word.template import find_template as find_template
from letters.word.template import render as render
