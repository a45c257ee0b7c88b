"""letters: compose decision letters from a plain-text clause library and JSON case files.

The whole pipeline, from case file to Word document::

    import letters

    case = letters.load_case("examples/cpc-report-defamation.json")
    letter = letters.compose(case, letters.Library.load())
    letters.write_atomic("letter.docx", letters.render(letter))

or, for many letters, ``letters.Renderer`` (the library and template read once) and
``letters.render_files`` (case files to letter files, in parallel if asked).

Every problem a user can fix raises a ``LettersError`` whose ``problems`` say where (a
``Location``: file, line, field, template part) and what.

The public API is ``letters/__init__.pyi``: each name once, with the module that defines it.
Names are imported on first use (``lazy_loader`` reads that file), so that ``letters --help``
need not load the template and clause machinery; type checkers read it as the package's types.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
