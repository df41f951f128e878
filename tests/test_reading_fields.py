"""A denial's header fields as a careful reader reads them, one mechanism at a time."""

from __future__ import annotations

import pytest

from service.intake.denial_fields import id_digits


@pytest.mark.parametrize(
    ("printed", "read"),
    [
        ("WVH-2O4-77l8", "WVH-204-7718"),  # O for 0 and l for 1 inside digit groups
        ("KX 0I17 4420 9", "KX 0117 4420 9"),
        ("PO-1234", "PO-1234"),  # letters that are letters stay
        ("A1B2", "A1B2"),
    ],
)
def test_ocr_letters_inside_an_identifiers_digit_groups_are_digits(printed, read):
    assert id_digits(printed) == read
