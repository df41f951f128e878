"""The appeals address and fax as notices give them: a block of lines, one run-on line in a
sentence or a footer cell, a fax labelled before or after its number."""

from __future__ import annotations

from service.intake.addresses import inline_after
from service.intake.appeal_rights import appeal_address, appeal_fax


def test_a_run_on_address_after_the_words_that_lead_to_it():
    text = (
        "Where do I send it?  Linden Vale Health, Attn: Member Appeals, PO Box 26015,\n"
        "Akron, OH 44319-6015, or fax 1-330-555-0179.\n"
    )
    found = appeal_address(text)
    assert found and found[0] == (
        "Linden Vale Health, Attn: Member Appeals, PO Box 26015, Akron, OH 44319-6015"
    )
    assert text[found[1].start : found[1].end].startswith("Linden Vale Health")
    said = "Our address for appeals is Linden Vale Health, PO Box 4087, Madison, WI 53744-0871."
    assert appeal_address(said)[0] == "Linden Vale Health, PO Box 4087, Madison, WI 53744-0871"


def test_a_footer_cell_labelled_appeals_is_the_appeal_address_not_the_claims_one():
    footer = (
        "Linden Vale Health | 1200 N. Lake Drive, Chicago, IL 60611\n"
        "Claims: PO Box 80410, Chicago, IL 60680-0410 | Claims fax 1-312-555-0162\n"
        "Appeals: Linden Vale Health, Appeals Unit, PO Box 80455,\n"
        "Chicago, IL 60680-0455 | Appeals fax 1-312-555-0163\n"
    )
    found = appeal_address(footer)
    assert (
        found
        and found[0] == "Linden Vale Health, Appeals Unit, PO Box 80455, Chicago, IL 60680-0455"
    )
    fax = appeal_fax(footer, found[1].start)
    assert fax and fax[0] == "1-312-555-0163"


def test_a_block_keeps_a_name_ending_in_inc_and_a_fax_labelled_after_its_number():
    text = (
        "Send it, with any records, to:\n\n"
        "  Orrin Vision Benefits, Inc.\n  Attn: Appeals\n  PO Box 24190\n  Omaha, NE 68124-0190\n\n"
        "  (402) 555-0133 (appeals fax)\n  1-800-555-0132 (customer service)\n"
    )
    found = appeal_address(text)
    assert found and found[0] == (
        "Orrin Vision Benefits, Inc., Attn: Appeals, PO Box 24190, Omaha, NE 68124-0190"
    )
    assert appeal_fax(text, found[1].start)[0] == "(402) 555-0133"


def test_no_run_on_address_without_a_box_or_street_or_a_zip():
    assert inline_after("to the appeals address at the bottom of each page.", 0) is None
    assert inline_after(" Linden Vale Health, Chicago, IL 60611", 0) is None
