"""The cached ICD-10-CM table answers exactly as simple_icd_10_cm does, key for key."""

from __future__ import annotations

import pytest

from service.intake.icd_table import LibraryCodes, TableCodes, build_table


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    path = tmp_path_factory.mktemp("icd") / "icd.db"
    build_table(path)
    return TableCodes(path), LibraryCodes()


def _sample(library: LibraryCodes) -> list[str]:
    keys = list(dict.fromkeys(library._icd.get_all_codes(with_dots=True)))
    picked = keys[::97] + ["1", "A00-A09", "B99", "M54.16", "M54.1", "S72.001A", "Z00.00"]
    undotted = [k.replace(".", "") for k in picked if "." in k]
    invalid = ["M54.99", "Q99.99", "A0", "ZZZ", "M5416X", "72148", "", "M54..16"]
    return picked + undotted + invalid


def test_table_answers_like_the_library(both):
    table, library = both
    for code in _sample(library):
        valid = library.is_valid_item(code)
        assert table.is_valid_item(code) == valid, code
        assert table.is_chapter_or_block(code) == library.is_chapter_or_block(code), code
        if valid:
            assert table.is_leaf(code) == library.is_leaf(code), code
            assert table.get_description(code) == library.get_description(code), code
        else:
            with pytest.raises(ValueError):
                table.get_description(code)
