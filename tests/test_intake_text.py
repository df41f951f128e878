"""read_text: decoding, size limit, binary, empty and language checks."""

from __future__ import annotations

import pytest
from support import REAL_LETTERS, shared

from service import errors
from service.intake.text import detect_language, parse_date, read_text, segments

LIMIT = 1_000_000
ENGLISH = "This request is denied as not medically necessary because the notes do not show it."


def test_utf8_bytes_and_str_read_the_same():
    assert read_text(ENGLISH.encode(), max_bytes=LIMIT) == read_text(ENGLISH, max_bytes=LIMIT)


def test_newlines_are_normalised():
    out = read_text("Claim denied.\r\nCO-50 applies.\rSee below.", max_bytes=LIMIT)
    assert "\r" not in out
    assert out.count("\n") == 2


def test_utf8_bom_is_dropped():
    assert read_text(b"\xef\xbb\xbf" + ENGLISH.encode(), max_bytes=LIMIT) == ENGLISH


def test_windows_1252_smart_quotes_decode():
    raw = "The member\u2019s claim was denied \u2013 CO-50.".encode("cp1252")
    assert "\u2019" in read_text(raw, max_bytes=LIMIT)


def test_utf16_with_bom_is_text_not_binary():
    assert read_text(ENGLISH.encode("utf-16"), max_bytes=LIMIT) == ENGLISH


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        b"%PDF-1.7\n" + bytes(200),
        "Denied\x00 claim",
        "".join(chr(c) for c in range(1, 9)) * 20 + ENGLISH,
    ],
)
def test_binary_input_is_rejected(data):
    with pytest.raises(errors.NotText) as exc:
        read_text(data, max_bytes=LIMIT, field="denial")
    assert exc.value.fields["field"] == "denial"


@pytest.mark.parametrize("data", [b"", "", "   \n\t  \n", b"\r\n\r\n"])
def test_empty_input_is_rejected(data):
    with pytest.raises(errors.EmptyInput):
        read_text(data, max_bytes=LIMIT)


def test_five_megabytes_is_too_large_and_says_so_in_fields():
    data = (ENGLISH + "\n").encode() * (5 * 1024 * 1024 // (len(ENGLISH) + 1) + 1)
    with pytest.raises(errors.InputTooLarge) as exc:
        read_text(data, max_bytes=LIMIT, field="chart")
    assert exc.value.fields == {"limit": LIMIT, "size": len(data), "field": "chart"}


def test_size_is_counted_in_bytes_for_str_input():
    text = "é" * 600  # 1200 bytes in UTF-8
    with pytest.raises(errors.InputTooLarge):
        read_text(text, max_bytes=1000)
    assert read_text("é" * 400 + " denied", max_bytes=1000)


SPANISH = (
    "Estimado miembro: Le informamos que su solicitud de cobertura para la resonancia magnética "
    "ha sido denegada porque no es médicamente necesaria según la política del plan. Usted puede "
    "apelar esta decisión dentro de los 180 días."
)
GERMAN = (
    "Sehr geehrte Versicherte, wir teilen Ihnen mit, dass die Kostenübernahme für die MRT nicht "
    "genehmigt wurde, da die medizinische Notwendigkeit nicht belegt ist. Sie können gegen die "
    "Entscheidung Widerspruch einlegen."
)
CHINESE = (
    "尊敬的会员：您的磁共振检查申请已被拒绝，因为根据您的保险计划政策，该服务不具有医疗必要性。"
)


@pytest.mark.parametrize(("text", "lang"), [(SPANISH, "es"), (GERMAN, "de"), (CHINESE, "zh")])
def test_non_english_denials_are_unsupported(text, lang):
    with pytest.raises(errors.UnsupportedLanguage) as exc:
        read_text(text, max_bytes=LIMIT)
    assert exc.value.fields == {"field": "denial", "detected": lang}


def test_english_with_spanish_tagline_passes():
    text = (
        "We have not approved this service because it is not medically necessary. You have the "
        "right to appeal this decision within 180 days. Si necesita ayuda en español, llame al "
        "número que aparece en su tarjeta."
    )
    assert detect_language(text) == "en"


def test_ocr_noise_in_english_passes():
    text = "N0TICE 0F ADVERSE DETERMlNATION\nTbe request was denled as not medlcally necessary."
    assert read_text(text, max_bytes=LIMIT).startswith("N0TICE")


@pytest.mark.parametrize("name", REAL_LETTERS)
def test_real_letters_are_read(name):
    path = shared("denial_letters", f"{name}.txt")
    assert read_text(path.read_bytes(), max_bytes=LIMIT).strip()


def test_error_messages_do_not_quote_the_input():
    secret = "Jane Q Doe member XKJ4402918 " * 3
    for data, kind in (
        (secret + "\x00", errors.NotText),
        (secret * 100, errors.InputTooLarge),
    ):
        with pytest.raises(kind) as exc:
            read_text(data, max_bytes=500)
        assert "Jane" not in str(exc.value) and "XKJ" not in str(exc.value)


def test_parse_date_formats():
    assert str(parse_date("7/31/2017")) == "2017-07-31"
    assert str(parse_date("January 31, 2018")) == "2018-01-31"
    assert str(parse_date("Sept. 4, 2023")) == "2023-09-04"
    assert str(parse_date("2024-03-02")) == "2024-03-02"
    assert parse_date("13/45/2020") is None


def test_segments_split_label_lines_from_prose():
    text = "Service/Item: 70336 MRI\nThis request is denied. You must try a guard.\n\nNext."
    assert [text[a:b] for a, b in segments(text)] == [
        "Service/Item: 70336 MRI",
        "This request is denied.",
        "You must try a guard.",
        "Next.",
    ]
