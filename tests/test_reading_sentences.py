"""Who a letter is to and when and by whom the service was given, read from its sentences
when no field gives them."""

from __future__ import annotations

import datetime as dt

import pytest

from service.intake.denial_text import parse_denial_text

PLAN = "Fernhollow Health Plan\n\nMay 4, 2025\n\n"
DENIED = "\n\nWe will not pay for the knee arthroscopy (29881). It was not medically necessary.\n"


@pytest.mark.parametrize(
    ("head", "patient"),
    [
        ("Dear Odile Ferrante,", "Odile Ferrante"),
        (
            "Odile Ferrante\n2291 Portage Trail\nCuyahoga Falls, OH 44223\n\nDear Member,",
            "Odile Ferrante",
        ),
        ("Dear Dr. Odile Ferrante,", None),
        ("Dear Valued Member,", None),  # a letter to a doctor names no patient this way
    ],
)
def test_the_patient_from_the_salutation_or_the_addressee_block(head, patient):
    assert parse_denial_text(PLAN + head + DENIED).patient_name == patient


@pytest.mark.parametrize(
    ("sentence", "day", "performer"),
    [
        (
            "The claim is for services that your surgeon, Dr. Ines Albescu of Lakeview "
            "Orthopedics, gave you on June 3, 2025.",
            dt.date(2025, 6, 3),
            "Ines Albescu",
        ),
        (
            "We received a claim for transport provided to you by Summit Valley Ambulance "
            "Service on 05/29/2025.",
            dt.date(2025, 5, 29),
            "Summit Valley Ambulance Service",
        ),
        (
            "The surgeon who would do the repair, Dr. Ines Albescu, had scheduled it for the "
            "12th of August, 2025.",
            dt.date(2025, 8, 12),
            "Ines Albescu",
        ),
        (
            "Your doctor, Dr. Ines Albescu, asked us to approve it for the repair planned for "
            "August 12, 2025.",
            dt.date(2025, 8, 12),
            None,  # asked for the service: not said to perform it
        ),
    ],
)
def test_when_and_by_whom_from_a_sentence(sentence, day, performer):
    d = parse_denial_text(PLAN + sentence + DENIED)
    assert d.dates_of_service == [day]
    assert d.rendering_provider == performer


def test_a_labelled_provider_is_its_name_without_where_it_is():
    letter = PLAN + "Provided by: Capitol Heart Rehabilitation Center, Bethesda, MD" + DENIED
    assert parse_denial_text(letter).rendering_provider == "Capitol Heart Rehabilitation Center"
