"""Pictures a letter shows: what the edge that renders a letter draws, and wording cannot say.

Every word of a letter is the library's, composed; a picture (the register's compliance chart)
is not composed but drawn, from the letter, by the code that renders it, and handed to the
template by name. A template shows one where a paragraph of its own writes
``{{ letter.pictures.compliance }}``: an inline picture, in the document's own media part,
whose description is its alternative text (what a screen reader says, and a tagged PDF
keeps). A picture the letter has none of shows as nothing, as a line the library does not
declare does: the same template serves a letter made without it (``letters render``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from attrs import frozen

from letters.problems import Location, TemplateError
from letters.wording import Fields, plain_values

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@frozen
class Picture:
    """A picture for a template: a PNG image, how wide it is on the page (centimetres; its
    height follows), and what it shows in words (its alternative text)."""

    png: bytes
    width: float
    description: str = ""

    def __attrs_post_init__(self) -> None:
        if not self.png.startswith(PNG_SIGNATURE):
            raise TemplateError("a picture for a template must be a PNG image")
        if not 0 < self.width <= 50:
            raise TemplateError(
                f"a picture's width is in centimetres, more than 0 and at most 50, not {self.width}"
            )


class Pictures(Fields):
    """The letter's pictures as a template sees them (``letter.pictures.compliance``): a
    picture the letter has none of is nothing."""

    def __missing__(self, name: str) -> str:
        return ""


plain_values(Pictures)


def shown_pictures(pictures: Mapping[str, Picture], show: Callable[[Picture], Any]) -> Pictures:
    """The pictures as the template that fills them shows each (``show``: docxtpl's inline
    image in the document being filled); a value that is not a Picture is refused by name."""
    shown = Pictures()
    for name, picture in pictures.items():
        if not isinstance(picture, Picture):
            raise TemplateError(
                f"the picture {name!r} is not a Picture (a PNG, its width and description)",
                Location(field=f"letter.pictures.{name}"),
            )
        shown[name] = show(picture)
    return shown
