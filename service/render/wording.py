"""Letter wording: one macro of a partial in templates/partials/, rendered with structured values.

The composers call `phrase("appeal", "opening", service=..., denial_date=...)` and never hold a
sentence themselves, so QA changes what a letter says in the partials (and in the small wording
tables beside them) and nowhere else. The output is not squeezed afterwards: addresses and
verbatim chart quotes must reach the letter byte for byte, so each partial controls its own
whitespace (trim_blocks, lstrip_blocks and `-` markers), and a test renders every macro to check.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import jinja2
import yaml

from service.cache import template_cache
from service.config import shipped

TEMPLATES_DIR = shipped("templates")
PARTIALS = "partials"


def long_date(value: dt.date) -> str:
    """'March 2, 2017': the form a letter uses and the validator reads back."""
    return f"{value:%B} {value.day}, {value.year}"


def verbatim(text: str) -> str:
    """Source text with runs of whitespace collapsed and trailing punctuation dropped, so that a
    quote of it stays a substring of the record the validator reads it back from."""
    return " ".join(text.split()).rstrip(" .;,")


def doc_name(source: str) -> str:
    """A document's name as it reads mid-sentence: 'Progress note' → 'progress note', while a
    name that opens with an acronym ('PT note', 'MRI report') or a proper name stays as written;
    '' if unnamed."""
    source = source.strip()
    if not source or source[1:2].isupper():
        return source
    if sum(w[:1].isupper() for w in source.split()[:3]) >= 2:
        return source  # a proper name: 'Westfield Plastic Surgery - Consultation'
    return source[0].lower() + source[1:]


def capitalize_first(text: str) -> str:
    """The first letter upper case and the rest as written ('the ECG report' -> 'The ECG
    report'), unlike Jinja's `capitalize`, which lowers the rest."""
    return text[:1].upper() + text[1:]


_FRAME = re.compile(
    r"^(?:(?:furthermore|also|in addition|additionally|moreover|finally|and)\s*,?\s+)?"
    r"(?:(?:you|the (?:patient|member|enrollee|beneficiary)|your (?:records?|notes?|doctor))"
    r"\s+(?:also\s+)?(?:must|need(?:s)? to|should|ha(?:s|ve) to)\s+(?:also\s+)?"
    r"(?:(?:be|have|show|get)\s+)?)?",
    re.I,
)
# Where a requirement's first clause may end: a clause mark, a bracket, or an example list.
_CLAUSE_END = re.compile(r"[;:(]|,\s|\s(?:such as|for example|e\.g\.|including)\s", re.I)
HEAD_WORDS = 10  # a heading longer than this is cut at a word boundary
_MIN_CLAUSE = 3  # a clause shorter than this ("Symptoms") runs on to the next boundary
# words a cut heading does not end on ("... 500 grams of")
_DANGLING = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "with",
        "by",
        "and",
        "or",
        "as",
        "than",
        "that",
    ]
)


def head_words(text: str) -> str:
    """A heading from a requirement's own words: its first clause of three words or more, no
    longer than HEAD_WORDS words, ending on no dangling word and no stop ('The surgeon plans
    to remove at least 500 grams of tissue from each breast.' -> 'The surgeon plans to remove
    at least 500 grams')."""
    flat = " ".join(text.split())
    # "Furthermore, you must be willing ..." -> "Willing ...": a heading names the requirement,
    # not the letter's connective or its "you must" frame
    flat = _FRAME.sub("", flat, count=1) or flat
    flat = flat[:1].upper() + flat[1:]
    clause = flat
    for m in _CLAUSE_END.finditer(flat):
        if len(flat[: m.start()].split()) >= _MIN_CLAUSE:
            clause = flat[: m.start()]
            break
    cut = clause.split()[:HEAD_WORDS]
    while len(cut) > 1 and cut[-1].lower().strip(".,;:") in _DANGLING:
        cut.pop()
    return " ".join(cut).rstrip(" .,;:-")


def read_yaml(path: Path) -> Any:
    """A YAML file through libyaml's loader when present (several times faster to start)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (safe loader)


@lru_cache(maxsize=1)
def partials() -> jinja2.Environment:
    """A strict environment over templates/ for the partials, with their wording tables.

    A partial edited while the service runs is reloaded; the tables are read once per process.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        bytecode_cache=template_cache(),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain text; values are inserted as written
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        long_date=long_date,
        verbatim=verbatim,
        doc_name=doc_name,
        capitalize_first=capitalize_first,
        head_words=head_words,
    )
    env.globals["words"] = {
        path.stem: read_yaml(path) for path in sorted((TEMPLATES_DIR / PARTIALS).glob("*.yaml"))
    }
    return env


def phrase(partial: str, macro: str, **values: Any) -> str:
    """Render one macro of templates/partials/<partial>.j2 with keyword values."""
    module = partials().get_template(f"{PARTIALS}/{partial}.j2").module
    return str(getattr(module, macro)(**values))


def words(partial: str) -> dict[str, Any]:
    """The wording table templates/partials/<partial>.yaml (labels a composer keys data by)."""
    tables = cast(dict[str, dict[str, Any]], partials().globals["words"])
    return tables[partial]
