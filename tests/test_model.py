from __future__ import annotations

import attrs
import pytest

from letters.model import Body, Case, Complaint, Person, Pronouns


def test_a_case_needs_only_complainant_complaint_and_sections() -> None:
    case = Case(Person("Mrs X", Pronouns.SHE), Complaint(about="about a report"), sections=())
    assert case.body == Body(name=None, called="the Council")
    assert case.decision_date is None
    assert case.people == ()


def test_cases_are_frozen() -> None:
    case = Case(Person("Mrs X", Pronouns.SHE), Complaint(about="about a report"), sections=())
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        case.reference = "24 000 000"  # type: ignore[misc]
