"""The preview's pages, made from the Jinja templates of ``letters/web/pages/`` (shipped with
the package) with autoescape on: every value a page shows, from a case file, a clause or a
problem, is escaped as the page is made."""

from __future__ import annotations

from typing import Any

import jinja2

ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("letters.web", "pages"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
"""The pages' templates: read when first used, escaping every value, and failing on a value
a template names that it is not given (a mistake of ours, not of the files shown)."""


def page(template: str, **values: Any) -> str:
    """The page (or piece of one) a template of ``letters/web/pages/`` makes from ``values``."""
    return ENVIRONMENT.get_template(template).render(**values)


def piece(macro: str, *values: Any) -> str:
    """A piece of a page, made by a macro of ``letters/web/pages/macros.html``."""
    made: str = getattr(ENVIRONMENT.get_template("macros.html").module, macro)(*values)
    return made
