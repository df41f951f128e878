"""Names as forms print them: surname first, with honorifics and credentials."""

from __future__ import annotations

import pytest

from service.intake.names import last_first, person_name


@pytest.mark.parametrize(
    ("printed", "ordered"),
    [
        ("KOWALCZYK, DANUTA", "DANUTA KOWALCZYK"),
        ("MCALLISTER, DONOVAN R", "DONOVAN R MCALLISTER"),
        ("OYELARAN-BRISCOE, DESMOND MD", "DESMOND OYELARAN-BRISCOE, MD"),
        ("Lindqvist, Paul J. (spouse)", "Paul J. Lindqvist (spouse)"),
        ("Ingrid Solvang, MD", "Ingrid Solvang, MD"),  # already in reading order
        ("Solvang, MD", "Solvang, MD"),
    ],
)
def test_surname_first_is_put_in_reading_order_in_the_printed_case(printed, ordered):
    assert last_first(printed) == ordered


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("Dr. Jane Roe, MD (Cardiology)", "Jane Roe"),
        ("ROE, JANE A", "JANE A ROE"),
        ("Jonah Whitfield, OD", "Jonah Whitfield"),
        ("Jordan Valdés-Pryor", "Jordan Valdés-Pryor"),
        ("Marguerite Osei-Lindqvist (spouse)", "Marguerite Osei-Lindqvist"),
        ("ending in 4471", None),
        ("06/02/2025", None),
    ],
)
def test_a_person_name_is_the_name_alone(value, name):
    assert person_name(value) == name
