"""PHI placeholders: identifiers we already know are swapped for stable tokens before a remote
model call and swapped back in its reply.

No NER: the denial and chart already name the patient, member id, claim and reference numbers
and date of birth, so exact (case-insensitive, word-bounded) matching of those values and their
usual spellings never mistakes a diagnosis code for a name. A parser can miss a value (an OCR'd
header, an odd label), so a second sweep also replaces whatever follows a label that announces
an identifier ("Member ID:", "DOB", "Claim #", "MRN", "Patient:") and anything shaped like a
social security number. Provider names and NPIs are not the patient's PHI and stay as written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable

from service.llm import phi_detect
from service.models import Chart, Denial

OPEN, CLOSE = "\u27e6", "\u27e7"  # ⟦ ⟧: never in clinical text, survive JSON untouched
TOKEN = re.compile(f"{OPEN}[A-Z_]+_\\d+{CLOSE}")
_QUOTE = re.compile('\u201c[^\u201d]*\u201d|"[^"]*"')
MIN_NAME_PART = 3  # shorter values (a two-letter given name) would hit ordinary words
_ID_VALUE = r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,}"  # has a digit: "pending" is not an id
_DATE_VALUE = r"\d{1,2}[/-]\d{1,2}[/-]\d{2,4}|\d{4}-\d{2}-\d{2}|[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4}"
_NAME_WORD = r"[A-Z](?:[A-Za-z'\u2019-]+\.?|\.)?"  # Doe, O'Neil, Q., Q
# (kind, pattern whose group 1 is the identifier): the labels payers and charts put before one
LABELLED = [
    (
        "MEMBER_ID",
        rf"(?:member|subscriber|insured|enrollee|policy(?:holder)?)[ \t]*"
        rf"(?:id|identification|#|number|no\.?)[ \t]*(?:#|number|no\.?)?[ \t]*[:#]?"
        rf"[ \t]*({_ID_VALUE})",
    ),
    ("CLAIM", rf"claim[ \t]*(?:id|#|number|no\.?)[ \t]*[:#]?[ \t]*({_ID_VALUE})"),
    ("MRN", rf"(?:mrn|medical[ \t]+record[ \t]+(?:number|#|no\.?))[ \t]*[:#]?[ \t]*({_ID_VALUE})"),
    (
        "DOB",
        rf"(?:dob|d\.o\.b\.|date[ \t]+of[ \t]+birth|birth[ \t]*date)[ \t]*[:#]?[ \t]*"
        rf"({_DATE_VALUE})",
    ),
    (
        "PATIENT",
        rf"(?i:patient(?:[ \t]+name)?|member[ \t]+name|insured[ \t]+name)[ \t]*:[ \t]*"
        rf"((?:{_NAME_WORD}[ \t,]{{1,2}}){{0,3}}{_NAME_WORD})",
    ),
    ("SSN", r"(?<!\d)(\d{3}-\d{2}-\d{4})(?!\d)"),
]
_LABELLED = [
    (kind, re.compile(pattern, re.IGNORECASE if kind != "PATIENT" else 0))
    for kind, pattern in LABELLED
]
# Words a "Patient:" line runs into that are labels, not the name
_NOT_NAME = {"dob", "date", "member", "id", "mrn", "claim", "sex", "age", "birth", "gender"}


def date_spellings(day: dt.date) -> list[str]:
    """The ways a date of birth is usually written in letters and notes."""
    month, mon = day.strftime("%B"), day.strftime("%b")
    return [
        day.isoformat(),
        f"{day.month:02d}/{day.day:02d}/{day.year}",
        f"{day.month}/{day.day}/{day.year}",
        f"{day.month:02d}-{day.day:02d}-{day.year}",
        f"{day.month}-{day.day}-{day.year}",
        f"{day.month:02d}/{day.day:02d}/{day.year % 100:02d}",
        f"{month} {day.day}, {day.year}",
        f"{mon} {day.day}, {day.year}",
        f"{mon}. {day.day}, {day.year}",
        f"{day.day} {month} {day.year}",
        f"{day.day} {mon} {day.year}",
    ]


def _name_forms(name: str) -> list[str]:
    """The full name, 'Last, First', and each part long enough to match safely."""
    parts = [p for p in re.split(r"[\s,]+", name.strip()) if p]
    forms = [" ".join(parts)]
    if len(parts) >= 2:
        forms.append(f"{parts[-1]}, {' '.join(parts[:-1])}")
    forms += [p for p in parts if len(p.rstrip(".")) >= MIN_NAME_PART]
    return forms


class Redactor:
    """Replace known identifiers by ⟦KIND_n⟧ and restore them; one instance per case."""

    def __init__(self, values: Iterable[tuple[str, str]] = (), *, enabled: bool = True) -> None:
        self.enabled = enabled
        self._kinds: list[tuple[str, str]] = []  # (kind, value), longest value first
        seen: set[str] = set()
        for kind, value in values:
            value = value.strip()
            if len(value) >= MIN_NAME_PART and value.lower() not in seen:
                seen.add(value.lower())
                self._kinds.append((kind, value))
        self._kinds.sort(key=lambda kv: -len(kv[1]))
        self._token: dict[str, str] = {}  # surface form as found -> token
        self._surface: dict[str, str] = {}  # token -> surface form
        self._count: dict[str, int] = {}
        self._patterns = [
            (kind, re.compile(rf"(?<![\w]){re.escape(v)}(?![\w])", re.IGNORECASE))
            for kind, v in self._kinds
        ]

    @classmethod
    def for_case(cls, denial: Denial, chart: Chart, *, enabled: bool = True) -> Redactor:
        """Collect the patient identifiers a denial and a chart name."""
        values: list[tuple[str, str]] = []
        for name in {n for n in (denial.patient_name, chart.patient.name) if n}:
            values += [("PATIENT", form) for form in _name_forms(name)]
        for member in (denial.member_id, chart.patient.member_id):
            values.append(("MEMBER_ID", member or ""))
        values.append(("CLAIM", denial.claim_number or ""))
        values.append(("REFERENCE", denial.reference_number or ""))
        for dob in {d for d in (denial.date_of_birth, chart.patient.date_of_birth) if d}:
            values += [("DOB", s) for s in date_spellings(dob)]
        # what the parsers did not label: found by shape, whatever the letter's layout
        for text in (denial.source_text, chart.source_text):
            for kind, value in phi_detect.detect(text or ""):
                forms = _name_forms(value) if kind == "PATIENT" else [value]
                values += [(kind, form) for form in forms]
        return cls(values, enabled=enabled)

    def _token_for(self, kind: str, surface: str) -> str:
        if surface not in self._token:
            n = self._count.get(kind, 0) + 1
            self._count[kind] = n
            token = f"{OPEN}{kind}_{n}{CLOSE}"
            self._token[surface], self._surface[token] = token, surface
        return self._token[surface]

    def redact(self, text: str) -> str:
        """Outgoing text with every known identifier replaced by its stable token."""
        if not self.enabled:
            return text
        for kind, pattern in self._patterns:
            text = pattern.sub(self._replacer(kind), text)
        for kind, pattern in _LABELLED:
            text = pattern.sub(self._labelled_replacer(kind), text)
        for kind, pattern in phi_detect.PATTERNS:
            text = pattern.sub(self._replacer(kind), text)
        return text

    def _labelled_replacer(self, kind: str) -> Callable[[re.Match[str]], str]:
        def replace(match: re.Match[str]) -> str:
            value = match.group(1)
            if kind == "PATIENT":
                value = _name_only(value)
            if not value or TOKEN.search(value):
                return match.group(0)
            start = match.start(1) - match.start(0)
            head, tail = match.group(0)[:start], match.group(0)[start + len(value) :]
            return head + self._token_for(kind, value) + tail

        return replace

    def _replacer(self, kind: str) -> Callable[[re.Match[str]], str]:
        return lambda m: self._token_for(kind, m.group(0))

    def restore(self, text: str) -> str:
        """Incoming text with each token we issued put back exactly as it was written."""
        return TOKEN.sub(lambda m: self._surface.get(m.group(0), m.group(0)), text)

    def restore_quoted(self, text: str) -> str:
        """Restore tokens only inside quotations (a chart note quoted word for word).

        Identifiers belong in the letter's identity block, which the composer fills from the
        parsed fields; a token the model put in its own prose stays a token, and the drafter
        refuses the answer for it, so no identifier reaches prose through the model."""
        return _QUOTE.sub(lambda m: self.restore(m.group(0)), text)

    def restore_obj(self, obj: object, *, quoted_only: bool = False) -> object:
        """Restore tokens inside every string of a parsed JSON value (or only in its quotes)."""
        if isinstance(obj, str):
            return self.restore_quoted(obj) if quoted_only else self.restore(obj)
        if isinstance(obj, list):
            return [self.restore_obj(x, quoted_only=quoted_only) for x in obj]
        if isinstance(obj, dict):
            return {k: self.restore_obj(v, quoted_only=quoted_only) for k, v in obj.items()}
        return obj

    def redact_messages(self, messages: list[dict[str, str]]) -> list[dict[str, str]]:
        """A chat request with each message's content redacted."""
        return [{**m, "content": self.redact(m["content"])} for m in messages]

    @property
    def known_values(self) -> list[str]:
        """Every identifier value this redactor looks for (for tests and audits, never logs)."""
        return [v for _, v in self._kinds]


def _name_only(value: str) -> str:
    """The leading words of a "Patient:" value up to the first label word ("DOB", "Member")."""
    words = re.split(r"([ \t,]+)", value)
    kept: list[str] = []
    for word in words:
        if word.strip(" \t,.").lower() in _NOT_NAME:
            break
        kept.append(word)
    return "".join(kept).rstrip(" \t,")


def leftover_tokens(text: str) -> list[str]:
    """Tokens still in a restored text: the model invented or mangled one."""
    return TOKEN.findall(text) + re.findall(f"{OPEN}[^{CLOSE}]*{CLOSE}?", TOKEN.sub("", text))
