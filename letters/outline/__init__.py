"""Outlines: the rules, kept as plain text beside the clauses, that turn a case's facts into a
letter's plan.

An outline says, for one kind of decision, which sections come in which order and which clauses
fill them, each under a condition on the case's facts. ``format`` reads an outline file;
``conditions`` is the sandbox its conditions run in; ``planning`` gives a case its letter's
plan; ``lint`` says what is wrong with an outline against its library.
"""

from letters.outline.conditions import ENVIRONMENT as ENVIRONMENT
from letters.outline.conditions import Condition as Condition
from letters.outline.conditions import can_be_true as can_be_true
from letters.outline.conditions import condition_context as condition_context
from letters.outline.format import FactValueOf as FactValueOf
from letters.outline.format import Item as Item
from letters.outline.format import Outline as Outline
from letters.outline.format import parse_outline as parse_outline
from letters.outline.format import read_layout as read_layout
from letters.outline.format import read_outlines as read_outlines
from letters.outline.lint import outline_problems as outline_problems
from letters.outline.planning import FILLS as FILLS
from letters.outline.planning import MARKER as MARKER
from letters.outline.planning import Choice as Choice
from letters.outline.planning import Plan as Plan
from letters.outline.planning import choose as choose
from letters.outline.planning import furnished as furnished
from letters.outline.planning import plan_letter as plan_letter
