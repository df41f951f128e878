"""Read pasted text safely: size limit, decoding, binary and language checks."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from service import errors

# Dates moved to dates.py; kept importable from here for the readers that still ask here.
from service.intake.dates import DATE_RE as DATE_RE
from service.intake.dates import RANGE_RE as RANGE_RE
from service.intake.dates import parse_date as parse_date

_ALLOWED_CONTROLS = {"\t", "\n", "\r", "\f", "\v"}
_WORD = re.compile(r"[^\W\d_]+")


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Small closed-class word lists: words common in running text of each language and rare in
# English letters, so a handful of hits is a strong signal and OCR noise is not.
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": _set(
        "the and of to is that for you your with this was are not have has be been by from "
        "we our will or which were would their they it an on at"
    ),
    "es": _set(
        "el la los las del que por para con una su sus es está usted según pero como más "
        "fue han sido este esta ser lo le se nos"
    ),
    "de": _set(
        "der die das und ist nicht mit für ein eine den dem des sie ihre ihr wir auf wurde "
        "werden von zu bei sich auch nach"
    ),
    "fr": _set(
        "le les des est une pour que qui dans avec vous votre nous sur pas par ce cette "
        "été sont du au aux"
    ),
    "pt": _set("os da dos das que não para uma seu sua você foi são pelo pela ao em nos este esta"),
    "it": _set(
        "il gli della delle che con una sono è stato lei suo sua questo questa del nel alla"
    ),
}

# Letters of these Unicode script names mark a text as not English when they dominate.
_SCRIPTS = {
    "CJK": "zh",
    "HIRAGANA": "ja",
    "KATAKANA": "ja",
    "HANGUL": "ko",
    "CYRILLIC": "ru",
    "ARABIC": "ar",
    "HEBREW": "he",
    "GREEK": "el",
    "DEVANAGARI": "hi",
    "THAI": "th",
}


def read_text(data: bytes | str, *, max_bytes: int, field: str = "denial") -> str:
    """Decode and check pasted input; return text with normalised newlines."""
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise errors.InputTooLarge(
            f"The {field} is larger than the {max_bytes}-byte limit.",
            limit=max_bytes,
            size=size,
            field=field,
        )
    text = _decode(data, field) if isinstance(data, bytes) else data
    _reject_binary(text, field)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise errors.EmptyInput(f"The {field} is empty.", field=field)
    detected = detect_language(text)
    if detected != "en":
        raise errors.UnsupportedLanguage(
            f"The {field} does not look like English text.", field=field, detected=detected
        )
    return text


def check_sizes(payload: Mapping[str, Any], *, max_bytes: int) -> None:
    """InputTooLarge for any top-level value over the limit, before anything is stored or parsed.

    A request body may be up to twice the limit (a denial and a chart); each pasted text (or
    JSON value) is held to the limit itself, so a refused input is never kept."""
    for field, value in payload.items():
        if isinstance(value, bytes):
            size = len(value)
        elif isinstance(value, str):
            size = len(value.encode("utf-8", "surrogatepass"))
        elif isinstance(value, dict | list):
            size = len(
                json.dumps(value, ensure_ascii=False, default=str).encode("utf-8", "replace")
            )
        else:
            continue
        if size > max_bytes:
            raise errors.InputTooLarge(
                f"The {field} is larger than the {max_bytes}-byte limit.",
                limit=max_bytes,
                size=size,
                field=str(field),
            )


def _decode(data: bytes, field: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 with a BOM (Windows "Unicode" text) is text even though it holds NUL bytes.
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise errors.NotText(f"The {field} is not readable text.", field=field) from exc
    if b"\x00" in data:
        raise errors.NotText(f"The {field} contains binary data.", field=field)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Windows-1252 covers the smart quotes and dashes of text pasted from Word.
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _reject_binary(text: str, field: str) -> None:
    if "\x00" in text:
        raise errors.NotText(f"The {field} contains binary data.", field=field)
    if not text:
        return
    bad = sum(
        1
        for ch in text
        if (unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS) or ch == "\ufffd"
    )
    if bad / len(text) > 0.02:
        raise errors.NotText(f"The {field} contains binary data.", field=field)


def detect_language(text: str) -> str:
    """A deterministic guess: "en", another ISO 639-1 code, or "en" when unsure."""
    script = _dominant_script(text)
    if script:
        return script
    words = [w.lower() for w in _WORD.findall(text[:20000])]
    if not words:
        return "en"
    hits = {lang: sum(1 for w in words if w in stops) for lang, stops in _STOPWORDS.items()}
    best = max(hits, key=lambda lang: hits[lang])
    # Only call it foreign when the evidence is clear; a bilingual tagline must not trip it.
    if best != "en" and hits[best] >= 5 and hits[best] > 2 * hits["en"]:
        return best
    return "en"


def _dominant_script(text: str) -> str | None:
    counts: dict[str, int] = {}
    letters = 0
    for ch in text[:20000]:
        if not ch.isalpha():
            continue
        letters += 1
        if ch.isascii():
            continue
        name = unicodedata.name(ch, "")
        for key, lang in _SCRIPTS.items():
            if name.startswith(key) or f" {key} " in f" {name} ":
                counts[lang] = counts.get(lang, 0) + 1
                break
    if not letters or not counts:
        return None
    lang = max(counts, key=lambda k: counts[k])
    return lang if counts[lang] / letters > 0.3 else None


_SENT_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")
# Periods that do not end a sentence: list numbers ("2."), initials ("Q."), abbreviations.
_NO_CUT = re.compile(
    r"(?:^|\s)(?:\d{1,2}|[A-Za-z]|dr|mr|mrs|ms|st|no|vs|inc|approx|e\.g|i\.e|u\.s)\.[\"')\]]?$",
    re.I,
)
_LABEL_LINE = re.compile(r"^[^\n:]{1,30}:")
_BULLET = re.compile(r"^\s*(?:[•\-*·]|\d{1,2}[.)])\s+")


def segments(text: str) -> list[tuple[int, int]]:
    """Sentence-like spans: split at sentence ends, blank lines, short or label lines and lists."""
    out: list[tuple[int, int]] = []
    start = 0
    lines = text.split("\n")
    pos = 0
    for i, line in enumerate(lines):
        end = pos + len(line)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if _breaks_after(line, nxt):
            out.extend(_sentences(text, start, end))
            start = end + 1
        pos = end + 1
    out.extend(_sentences(text, start, len(text)))
    return out


def _breaks_after(line: str, nxt: str) -> bool:
    s = line.strip()
    if not s or not nxt.strip() or _BULLET.match(nxt):
        return True
    # Headings, "Label: value" lines and list items end their own segment; wrapped prose does not.
    return (
        len(s) < 45
        or s.endswith((";", ":", "; or", "; and"))
        or (bool(_LABEL_LINE.match(s)) and (len(s) < 70 or "  " in s))
        or (bool(_BULLET.match(s)) and not nxt.strip()[:1].islower())
        or (s.upper() == s and any(c.isalpha() for c in s))
    )


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    chunk = text[start:end]
    ends = [m.start() for m in _SENT_END.finditer(chunk) if not _NO_CUT.search(chunk[: m.start()])]
    cuts = [0, *ends, len(chunk)]
    for a, b in zip(cuts, cuts[1:], strict=False):
        piece = chunk[a:b]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece.rstrip())
        if trail > lead:
            out.append((start + a + lead, start + a + trail))
    return out


_PARA_BREAK = re.compile(r"\n[ \t]*\n")
_HEADING_LINE = re.compile(r"^[^a-z\n]{3,80}$")


def prose_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans that follow wrapped lines across line ends, whatever the wrap width.

    Paragraphs end at blank lines and at capitalised heading lines; sentences end at a full
    stop before a capital. Unlike `segments`, a short line does not end a sentence, so a
    letter wrapped at 40 columns reads the same as one wrapped at 90.
    """
    out: list[tuple[int, int]] = []
    pos = 0
    # in a letter printed in capitals every line looks like a heading: none is one
    shouting = sum(c.islower() for c in text) < 0.05 * sum(c.isalpha() for c in text)
    for part in _PARA_BREAK.split(text):
        start = text.index(part, pos) if part else pos
        pos = start + len(part)
        block_start = start
        offset = start
        for line in part.split("\n"):
            if (
                not shouting
                and _HEADING_LINE.match(line.strip())
                and any(c.isalpha() for c in line)
            ):
                out.extend(_sentences(text, block_start, offset))
                block_start = offset + len(line) + 1
            offset += len(line) + 1
        out.extend(_sentences(text, block_start, start + len(part)))
    return [(a, b) for a, b in out if b > a]
