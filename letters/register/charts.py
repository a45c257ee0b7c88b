"""The pictures the register draws for its letters: a compliance report's chart of the remedies
due in its period, by what became of them.

A chart is the one part of a letter no clause can word. It is drawn from the letter as
composed, never from the register directly: its numbers are the report's facts (``on_time``,
``late``, ``outstanding``, ``refused``) and its words the library's named lines (each bar's
name ``figure_on_time`` ..., its title ``chart_title``, its alternative text
``chart_description``). So the same case file gives the same chart, and the same bytes,
whenever its letter is made: when it is issued and when its record is made again.

Drawn with matplotlib's Agg renderer through its object interface (a ``Figure`` of its own,
no pyplot and no global backend), in matplotlib's default style whatever a user's
``matplotlibrc`` says, as a PNG without the version of the software that made it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from letters.composition import Letter
from letters.problems import CaseError, Location
from letters.register.compliance import OUTCOMES
from letters.word import Picture

COMPLIANCE = "compliance"
"""The chart's name, as a template asks for it: ``letter.pictures.compliance``."""
WIDTH = 15.0
"""How wide the chart is on the page, in centimetres (the text's width on A4 is 16)."""
COLOURS = {
    "on_time": "#1b7837",
    "late": "#e08214",
    "outstanding": "#b2182b",
    "refused": "#636363",
}
"""Each bar's colour; the bars are named beside them, so colour is never all that tells them
apart."""


def pictures_of(letter: Letter) -> dict[str, Picture]:
    """The pictures the register draws for a letter: the compliance chart, for a letter whose
    facts give the remedies' outcomes (a compliance report) and count any; none for another."""
    counts = _counts(letter.facts)
    if counts is None or not any(counts):
        return {}
    labels = [letter.lines.get(f"figure_{name}") or name.replace("_", " ") for name in OUTCOMES]
    png = compliance_chart(labels, counts, letter.lines.get("chart_title", ""))
    return {COMPLIANCE: Picture(png, WIDTH, letter.lines.get("chart_description", ""))}


def _counts(facts: Mapping[str, Any]) -> list[int] | None:
    """The remedies' outcomes the facts count, or None where they do not give them all."""
    counts = []
    for name in OUTCOMES:
        value = facts.get(name)
        if not isinstance(value, str):
            return None
        if not value.strip().isdigit():
            raise CaseError(
                f"a count for the chart is a whole number, not {value!r}",
                Location(field=f"facts.{name}"),
            )
        counts.append(int(value))
    return counts


def compliance_chart(labels: Sequence[str], counts: Sequence[int], title: str) -> bytes:
    """A horizontal bar chart of the remedies by outcome, each bar named and numbered: PNG."""
    # deferred: start-up speed (matplotlib takes a third of a second to import, and only a
    # report draws a chart)
    import matplotlib.style  # noqa: PLC0415
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    with matplotlib.style.context("default"):
        figure = Figure(figsize=(6.0, 0.5 + 0.45 * len(counts)), dpi=200)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        places = list(range(len(counts)))[::-1]  # the first outcome at the top
        bars = axes.barh(places, counts, color=[COLOURS[name] for name in OUTCOMES], height=0.6)
        axes.set_yticks(places, labels=labels)
        axes.bar_label(bars, padding=3)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlim(0, max(counts) * 1.15 + 0.5)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        if title:
            axes.set_title(title, loc="left", fontsize="medium")
        figure.tight_layout()
        output = io.BytesIO()
        figure.savefig(output, format="png", metadata={"Software": None})
    return output.getvalue()
