"""Patient identity and treating-provider lines in chart notes (names, DOB, member id, NPI)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from service.intake.chart_dates import find_dates
from service.intake.dates import DATE_RE, parse_date
from service.intake.labels import labelled_values
from service.intake.names import last_first, person_name
from service.models import Person, Provider


def npi_is_valid(npi: str) -> bool:
    """True for 10 digits whose last is the Luhn check digit over '80840' + the first nine."""
    if not re.fullmatch(r"\d{10}", npi):
        return False
    total = 0
    for i, ch in enumerate(reversed("80840" + npi)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


_NAME = r"(?:[A-Z][A-Za-z'\-]+,[ ]?)?[A-Z][A-Za-z'\-]*\.?(?:[ ][A-Z][A-Za-z'\-]*\.?){0,4}"
_ID_LINE_RE = re.compile(
    r"(?i)^\s*(?:patient(?:'s)?\s+name|patient|pt\.?\s+name|name|dob|d\.o\.b\.?|date of birth"
    r"|birth\s*date|member\s*(?:id|#|number|no\.?)|subscriber\s*(?:id|#|number)|mrn"
    r"|medical record\s*(?:number|#|no\.?)|acct\.?|account\s*(?:#|number|no\.?)?|sex|gender"
    r"|age|insurance|payer|ssn|phone|address)\s*[:#]"
)
_PATIENT_NAME_RE = re.compile(
    rf"(?i:patient(?:'s)?\s+name|patient|pt\.?\s+name|name)\s*:\s*(?P<name>{_NAME})"
)
DOB_RE = re.compile(r"(?i)\b(?:dob|d\.o\.b\.?|date of birth|birth\s*date)\s*[:#]?\s*")
_MEMBER_RE = re.compile(
    r"(?i)\b(?:member|subscriber|insurance|policy)\s*(?:id|#|number|no\.?)\s*[:#]?\s*"
    r"(?P<v>[A-Za-z0-9][A-Za-z0-9-]{3,})"
)
_STOP_TOKENS = {"DOB", "MRN", "MEMBER", "DATE", "SEX", "AGE", "ID", "GENDER", "INSURANCE"}


def _words(text: str) -> frozenset[str]:
    """The space-separated words of text, as a set (keeps word tables one line each)."""
    return frozenset(text.split())


_PRESCRIBERS = _words("MD DO DDS DMD NP FNP FNP-C FNP-BC APRN CNP CRNP DNP PA PA-C DPM")
_CREDS = _PRESCRIBERS | _words(
    "PT DPT MPT MSPT OT OTR OTR/L DC PHD RN MS MSC OCS FACS FAAOS FACP MBBS PSYD LCSW OD ATC CHT"
    " SCS"
)
_SIGNED_RE = re.compile(
    r"(?i)^\s*(?:electronically\s+)?(?:signed|authenticated|attested|dictated|signature)"
    r"(?:\s+electronically)?(?:\s+by)?\s*[:\-]?\s*(?P<rest>.+)$"
)
# The clinician who ordered, treats or attends signs the letter; role words as printed.
_LABELED_RE = re.compile(
    r"(?i)^\s*(?:(?P<kind>treating|rendering|attending|ordering|performing|consulting"
    r"|servicing|prescribing)\s+)?(?:provider|physician|dentist|surgeon|therapist|clinician"
    r"|doctor|practitioner|prescriber|author)(?:\s+(?:name|of\s+record))?\s*:\s*(?P<rest>.+)$"
    r"|^\s*(?P<kind2>attending|ordering\s+md|treating\s+md)(?:\s+(?:physician|of\s+record))?"
    r"\s*:\s*(?P<rest2>.+)$"
)
# People named with a role that never signs for the patient's own clinician.
_OTHER_PERSON_RE = re.compile(
    r"(?i)^\s*(?:referring|referred\s+by|primary\s+care|pcp|cc|copy\s+to|scribe|nurse"
    r"|sonographer|technologist|radiologist|read\s+by|vitals\s+taken\s+by)\b[^:]{0,30}:"
)
_BARE_SIG_RE = re.compile(
    r"^\s*(?P<rest>(?:Dr\.?\s+)?[A-Z][A-Za-z'.\-]+(?:\s+[A-Z][A-Za-z'.\-]*)"
    r"{1,3}(?:,\s*[A-Z][A-Za-z/.\-]*)+)\s*$"
)
_DR_ONLY_RE = re.compile(
    r"^\s*(?P<rest>Dr\.?\s+[A-Z][A-Za-z'.\-]+(?:\s+[A-Z][A-Za-z'.\-]+){1,3})"
    r"\s*$"
)
_NPI_RE = re.compile(r"(?i)\bNPI\b\s*(?:#|number|no\.?)?\s*[:#]?\s*(?P<npi>\d{9,11})\b")
_PHONE_RE = re.compile(
    r"(?i)\b(?P<label>phone|tel|telephone|ph|office|p|t|fax|fx|f|facsimile)\b\.?\s*[:#]?\s*"
    r"(?P<num>\(?\d{3}\)?[\s.\-]*\d{3}[\s.\-]*\d{4}(?:\s*(?:x|ext\.?)\s*\d+)?)"
)
_STREET_RE = re.compile(
    r"(?i)^\s*\d+\s+[\w .'\-]+\b(?:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln"
    r"|way|parkway|pkwy|court|ct|place|pl|suite|ste|highway|hwy)\b.*$"
)
_CITY_RE = re.compile(r"^\s*[A-Za-z .'\-]+,\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?\s*$")
_PRACTICE_LABEL_RE = re.compile(
    r"(?i)^\s*(?:practice(?:\s+name)?|clinic|facility|organization)\s*:\s*(?P<v>.+?)\s*$"
)
_ORG_RE = re.compile(
    r"^(?:[A-Z][\w'.\-]*,?|&|and|of|the|for)(?:\s+(?:[A-Z][\w'.\-]*,?|&|and|of|the|for)){1,7}\s*$"
)
_ORG_END_RE = re.compile(
    r"(?i)\b(?:surgery|clinic|associates|dentistry|dental|center|centre|group|llc|pc|p\.c\.|pllc"
    r"|inc\.?|orthopa?edics|physical therapy|hospital|health|practice|partners|specialists"
    r"|medicine|rehabilitation|rehab|physicians|surgeons|healthcare|care|cardiology|dermatology"
    r"|endocrinology|gastroenterology|neurology|oncology|hematology|nephrology|pulmonology"
    r"|pulmonary|rheumatology|urology|ophthalmology|optometry|otolaryngology|psychiatry"
    r"|pediatrics|obstetrics|gynecology|radiology|imaging|podiatry|chiropractic|metabolism"
    r"|allergy|immunology)\b"
)


@dataclass
class _Candidate:
    """One provider named in the notes; the best-scoring one becomes Chart.provider."""

    order: int
    labeled: bool = False
    name: str | None = None
    credentials: str | None = None
    npi: str | None = None
    practice: str | None = None
    address: str | None = None
    phone: str | None = None
    fax: str | None = None

    def score(self) -> tuple[bool, bool, bool, int]:
        # a prescriber's signature beats a therapist's, an NPI beats none, later beats earlier
        creds = {c.strip().upper() for c in (self.credentials or "").split(",")}
        return (bool(creds & _PRESCRIBERS), bool(self.npi), self.labeled, self.order)


@dataclass
class People:
    patient: Person = field(default_factory=Person)
    candidates: list[_Candidate] = field(default_factory=list)
    letterhead: str | None = None
    warnings: list[str] = field(default_factory=list)
    block_left: int = 0  # lines after a signature still read as its block

    head: _Candidate = field(default_factory=lambda: _Candidate(order=-1))

    def letterhead_phones(self) -> bool:
        """Whether phone lines still belong to the letterhead (no phone read there yet)."""
        return not (self.head.phone and self.head.fax)

    def provider(self) -> Provider:
        practice = {"practice": self.letterhead, "phone": self.head.phone, "fax": self.head.fax}
        if not self.candidates:
            return Provider(**practice)
        best = max(self.candidates, key=_Candidate.score)
        values = {k: v for k, v in vars(best).items() if k not in ("order", "labeled")}
        # the same clinician named twice ("Attending: ..." and a signature with the NPI)
        for other in self.candidates:
            if other.name == best.name:
                for key, value in values.items():
                    values[key] = value or getattr(other, key)
        # the letterhead names the practice; a signature's trailing words may be a specialty
        values["practice"] = self.letterhead or values["practice"]
        for key, value in practice.items():
            values[key] = values[key] or value
        return Provider(**values)


def _norm_cred(part: str) -> str:
    return part.replace(".", "").strip().upper()


def _name_and_creds(rest: str) -> tuple[str | None, list[str], list[str]]:
    """'Dr. Maria Lopez, DDS, MS, Lakeside Surgery' -> (name, credentials, other parts)."""
    parts = [p.strip() for p in rest.split(",") if p.strip()]
    if not parts:
        return None, [], []
    tokens = re.sub(r"^Dr\.?\s+", "", parts[0]).split()
    creds = [t for t in tokens if _norm_cred(t) in _CREDS]
    name_tokens = [t for t in tokens if _norm_cred(t) not in _CREDS]
    joined = " ".join(name_tokens)
    name = joined if 2 <= len(name_tokens) <= 5 and re.fullmatch(_NAME, joined) else None
    others: list[str] = []
    for part in parts[1:]:
        (creds if _norm_cred(part) in _CREDS else others).append(part)
    return name, [_norm_cred(c) if c.isupper() or "." in c else c for c in creds], others


def _read_npi(line: str, cand: _Candidate, people: People) -> None:
    m = _NPI_RE.search(line)
    if not m:
        return
    if npi_is_valid(m.group("npi")):
        cand.npi = cand.npi or m.group("npi")
    else:
        people.warnings.append(
            "provider NPI in the notes fails the NPI check-digit rule; it was not kept"
        )


def provider_line(line: str, people: People) -> bool:
    """Read a signature or 'Provider:' line; True when the line named a provider."""
    m = (
        _SIGNED_RE.match(line)
        or _LABELED_RE.match(line)
        or _BARE_SIG_RE.match(line)
        or _DR_ONLY_RE.match(line)
    )
    if not m or _OTHER_PERSON_RE.match(line):
        return False
    raw_rest = m.group("rest") if m.re is not _LABELED_RE else (m.group("rest") or m.group("rest2"))
    rest = _NPI_RE.sub("", raw_rest)
    rest = re.split(r"(?i)\s+(?:on|at)\s+\d|\s+\d{1,2}/\d{1,2}/\d{2,4}|\s+\(", rest)[0]
    rest = re.sub(r"\s{2,}", ", ", last_first(rest.strip()))  # "ROE, JANE MD": Jane Roe, MD
    name, creds, others = _name_and_creds(rest)
    bare = m.re in (_BARE_SIG_RE, _DR_ONLY_RE)
    if name is None and not _NPI_RE.search(line):
        return False
    if bare and not (creds or line.strip().startswith("Dr")):
        return False  # "Jane Roe, Chicago" is not a signature
    cand = _Candidate(
        order=len(people.candidates),
        labeled=m.re is _LABELED_RE,
        name=name,
        credentials=", ".join(creds) or None,
    )
    cand.practice = next((o for o in others if _ORG_END_RE.search(o)), None)
    _read_npi(line, cand, people)
    people.candidates.append(cand)
    people.block_left = 4
    return True


def _phones(line: str, into: _Candidate) -> None:
    for p in _PHONE_RE.finditer(line):
        slot = "fax" if p.group("label").lower() in ("fax", "fx", "f", "facsimile") else "phone"
        setattr(into, slot, getattr(into, slot) or p.group("num").strip())


def _letterhead_name(line: str) -> str | None:
    """A practice name at the head of the notes ("Quarry Hill Neurology Clinic - Headache ...")."""
    cell = re.split(r"\s+[-|·–]\s+| {3,}", line.strip())[0].strip()
    if _ORG_RE.match(cell) and _ORG_END_RE.search(cell):
        return cell
    return None


def block_line(line: str, people: People) -> bool:
    """Phone, fax, NPI, address or practice lines under a signature, or labeled anywhere."""
    labeled = _PRACTICE_LABEL_RE.match(line)
    if _OTHER_PERSON_RE.match(line):
        people.block_left = 0  # another person's line: their NPI and phone are not the signer's
        return False
    if not people.candidates:
        head = _letterhead_name(line)
        if labeled or head:
            people.letterhead = people.letterhead or (labeled.group("v") if labeled else head)
            return True
        if people.letterhead and _PHONE_RE.search(line) and people.letterhead_phones():
            _phones(line, people.head)
            return True
        return False
    cand = people.candidates[-1]
    in_block = people.block_left > 0
    if labeled or (in_block and _ORG_RE.match(line.strip()) and _ORG_END_RE.search(line)):
        cand.practice = cand.practice or (labeled.group("v") if labeled else line.strip())
    elif re.match(r"(?i)^\s*NPI\b", line) or in_block and _NPI_RE.search(line):
        _read_npi(line, cand, people)
    elif in_block and _PHONE_RE.search(line):
        _phones(line, cand)
        # "Bayview Oral Surgery, phone 555-..., fax 555-...": the practice before its numbers
        lead = re.split(r",|\s+[-|·–]\s+", line.strip(), maxsplit=1)[0].strip()
        if not cand.practice and _ORG_RE.match(lead) and _ORG_END_RE.search(lead):
            cand.practice = lead
    elif in_block and (_STREET_RE.match(line) or _CITY_RE.match(line)):
        part = line.strip()
        cand.address = f"{cand.address}, {part}" if cand.address else part
    elif in_block and all(_norm_cred(p) in _CREDS for p in line.split(",") if p.strip()):
        cand.credentials = cand.credentials or ", ".join(_norm_cred(p) for p in line.split(","))
    else:
        return False
    return True


_IDENTITY_FIELDS = ("patient_name", "member_id", "date_of_birth")
# A letter's subject line names its patient ("Re: Valentina Iordache, born 22 May 1990").
_REGARDING = re.compile(r"(?i)^\s*(?:re|regarding)\s*:\s*(?P<v>.+)$")
_BORN = re.compile(rf"(?i)\s*(?:born\s+(?:on\s+)?)?(?P<d>{DATE_RE.pattern})")
_BORN_IN_LINE = re.compile(rf"(?i)\bborn\s+(?:on\s+)?{DATE_RE.pattern}")
_ID_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*(?: [A-Z0-9][A-Z0-9-]*)*")


def _birth_date(value: str) -> dt.date | None:
    """The date a DOB field or a 'born ...' phrase starts with, in any common form."""
    m = _BORN.match(value)
    return parse_date(m["d"]) if m else None


def _labelled_identity(line: str, people: People) -> bool:
    """Identity read by the shared label families ("Health plan member ID:", "Pt:", "Born:"),
    and a letter's "Re:" line naming its patient ("Re: Jane Roe, born 22 May 1990")."""
    p = people.patient
    found = [v for v in labelled_values(line) if v.field in _IDENTITY_FIELDS]
    for v in found:
        value = v.value.strip()
        if v.field == "member_id" and (m := _ID_VALUE.match(value)) and re.search(r"\d", m[0]):
            p.member_id = p.member_id or m.group()
        elif v.field == "date_of_birth":
            p.date_of_birth = p.date_of_birth or _birth_date(value)
        elif v.field == "patient_name":
            p.name = p.name or person_name(value)
    regarding = _REGARDING.match(line)
    if regarding:
        p.name = p.name or person_name(regarding["v"])
    if born := _BORN_IN_LINE.search(line):
        p.date_of_birth = p.date_of_birth or _birth_date(born.group())
    return (bool(found) or bool(regarding)) and bool(re.match(r"(?i)^\s*(?:[\w' ]{0,30}):", line))


def identity_line(line: str, people: People) -> bool:
    """Read 'Patient: / DOB: / Member ID:' lines; True when the line is identity, not a fact."""
    labelled = _labelled_identity(line, people)
    if not _ID_LINE_RE.match(line):
        return labelled or bool(re.match(r"(?i)^\s*demographics\s*:", line))
    name = _PATIENT_NAME_RE.search(line)
    tokens = name.group("name").split() if name else []
    while tokens and tokens[-1].strip(".,:").upper() in _STOP_TOKENS:
        tokens.pop()
    if re.match(r"(?i)^\s*(?:patient|name)\s*:", line) and len(tokens) < 2:
        return False  # "Patient: 45 yo F with jaw pain" is a sentence, not a name
    if len(tokens) >= 2:
        people.patient.name = people.patient.name or " ".join(tokens).rstrip(",")
    dob = DOB_RE.search(line)
    dates = find_dates(line[dob.end() :]) if dob else []
    if dates and dates[0].start <= 2 and not dates[0].month_only:
        people.patient.date_of_birth = people.patient.date_of_birth or dates[0].first
    member = _MEMBER_RE.search(line)
    if member and re.search(r"\d", member.group("v")):
        people.patient.member_id = people.patient.member_id or member.group("v")
    return True  # MRN, sex, phone and the like are identity too, but not kept
