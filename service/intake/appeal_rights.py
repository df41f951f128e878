"""How to appeal, as the notice states it: the filing deadline, the appeals address and fax,
and whether the provider was in the plan's network.

A notice states several windows: the time to file an appeal, the time the plan takes to decide,
a peer-to-peer window, a window to keep services during the appeal, a fair-hearing window.
Only the first is the filing deadline; the others are told apart by the words around the
number, kept as data (data/notice_phrases.yaml).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

from service.intake.addresses import blocks, inline_after, trimmed
from service.models import AppealInstructions, Span

_DATA = Path(__file__).with_name("data") / "notice_phrases.yaml"
# "within 60 days", "you have 180 calendar days", and the legal "within sixty (60) days".
_NUMBER = r"(?:[a-z-]+\s+){{0,3}}\(?(?P<{g}>\d{{1,3}})\)?"
_DAYS = re.compile(
    r"\b(?:within|no\s+later\s+than|in)\s+" + _NUMBER.format(g="n")
    + r"\s+(?:calendar\s+|business\s+)?days\b"
    r"|\b(?:you\s+have|allows?\s+you)\s+" + _NUMBER.format(g="m")
    + r"\s+(?:calendar\s+)?days\b",
    re.I,
)  # fmt: skip
# A sentence that speaks of the request the one before it named ("Your request must ...").
_ANAPHOR = re.compile(r"(?i)(?:your|the|this|such\s+a)\s+(?:request|appeal)\b|it\b")
_PHONE = r"(?<!\d)(?:1[\s.-]*)?\(?\d{3}\)?[\s.-]*\d{3}[\s.-]*\d{4}(?!\d)"
_FAX = re.compile(r"\bfax(?:ing)?\b(?:[^\d\n]|\n(?![ \t]*\n)){0,30}?(?P<v>" + _PHONE + ")", re.I)
# "(402) 555-0133 (appeals fax)": the label after the number.
_FAX_AFTER = re.compile(r"(?P<v>" + _PHONE + r")[ \t]*\((?:[^()\n]*\s)?fax\)", re.I)
# A fax labelled for appeals, before or after its number ("Appeals fax 1-312-555-0163").
_FAX_FOR_APPEALS = re.compile(
    r"\bappeals?\s+fax\b[^\d\n]{0,20}?(?P<v>" + _PHONE + r")"
    r"|(?P<w>" + _PHONE + r")[ \t]*\((?:[^()\n]*\s)?appeals?\s+fax\)",
    re.I,
)


@cache
def _phrases() -> dict[str, re.Pattern[str]]:
    raw = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    return {
        key: re.compile(r"\b(?:" + "|".join(words) + r")", re.I)
        for key, words in raw.items()
        if isinstance(words, list)
    }


def notice(key: str) -> re.Pattern[str]:
    """A compiled family of notice phrases (data/notice_phrases.yaml)."""
    return _phrases()[key]


def filing_deadline(text: str, segs: list[tuple[int, int]]) -> tuple[int, int, int] | None:
    """(days, start, end) of the notice's own time to file an appeal, or None.

    The window's sentence names the act of filing, or follows one that does in the same
    paragraph ("You may ask us to reconsider it. Your request must reach us within 180 days")."""
    for k, (a, b) in enumerate(segs):
        s = text[a:b]
        m = _DAYS.search(s)
        if not m or notice("not_filing").search(s):
            continue
        prev = segs[k - 1] if k else None
        same_paragraph = prev is not None and "\n\n" not in text[prev[1] : a]
        led = (
            same_paragraph
            and prev is not None
            and _ANAPHOR.match(s)
            and notice("filing").search(text[prev[0] : prev[1]])
        )
        if not notice("filing").search(s) and not led:
            continue
        group = "n" if m["n"] else "m"
        return int(m[group]), a + m.start(group), a + m.end(group)
    return None


def appeal_address(text: str) -> tuple[str, Span, int] | None:
    """(one-line address, span, end) the notice says to send an appeal to: a block of lines
    after the words that lead to it, else a run-on address right after them."""
    for start, end, parts in blocks(text):
        lead = " ".join(text[max(0, start - 200) : start].split())  # wrapped at any width
        if len(parts) < 2 or not notice("send_to").search(lead):
            continue
        if notice("not_appeal_address").search(lead[-150:]):
            continue
        pieces = [text[x:y].strip(" ,") for x, y in (trimmed(text, *p) for p in parts)]
        a, _ = trimmed(text, *parts[0])
        return ", ".join(pieces), Span(start=a, end=end), end
    for cue in notice("send_to").finditer(text):
        lead = " ".join(text[max(0, cue.start() - 150) : cue.end()].split())
        if notice("not_appeal_address").search(lead):
            continue
        # The cue runs to its last "to"; the address may follow an earlier one ("Mail it to
        # <address>, or fax it to <number>").
        tos = [m.end() for m in re.finditer(r"\bto\b", text[cue.start() : cue.end()], re.I)]
        for end in [cue.end()] + [cue.start() + x for x in tos[:-1]]:
            found = inline_after(text, end)
            if found and notice("send_to").search(found[0].split(", ")[0]):
                break  # "Appeals: Send ... to <address>": the sentence's own cue leads to it
            if found:
                return found[0], Span(start=found[1], end=found[2]), found[2]
    return None


def appeal_fax(text: str, after: int | None) -> tuple[str, Span] | None:
    """The fax number labelled for appeals, else the one given with the appeals address, else
    one in an appeal sentence."""
    labelled = _FAX_FOR_APPEALS.search(text)
    if labelled:
        g = "v" if labelled["v"] else "w"
        return labelled[g], Span(start=labelled.start(g), end=labelled.end(g))
    if after is not None:
        m = _FAX.search(text, after, after + 200) or _FAX_AFTER.search(text, after, after + 250)
        if m:
            return m["v"], Span(start=m.start("v"), end=m.end("v"))
    for m in _FAX.finditer(text):
        around = " ".join(text[max(0, m.start() - 200) : m.end() + 40].split())
        if notice("filing").search(around) or notice("send_to").search(around):
            return m["v"], Span(start=m.start("v"), end=m.end("v"))
    return None


_PHONE_RE = re.compile(_PHONE)
_NOT_VOICE = re.compile(r"(?i)\b(?:fax(?:ing)?|tty|tdd)\b\W*$")


def _appeal_phone(text: str, segs: list[tuple[int, int]]) -> tuple[str, Span] | None:
    """A phone number given in a sentence about appealing (not a fax or TTY number)."""
    for a, b in segs:
        s = text[a:b]
        if not notice("filing").search(s):
            continue
        for m in _PHONE_RE.finditer(s):
            if not re.search(
                r"(?i)\b(?:fax(?:ing)?|tty|tdd)\b\W*$", s[max(0, m.start() - 20) : m.start()]
            ):
                return m.group(), Span(start=a + m.start(), end=a + m.end())
    return None


def format_phone(raw: str) -> str:
    """A phone or fax number as 1-800-555-0100 or 800-555-0100."""
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 11:
        return f"{digits[0]}-{digits[1:4]}-{digits[4:7]}-{digits[7:]}"
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


_STATUS_IN = re.compile(r"(?i)^\W*(?:participating|par|in|preferred|contracted)\b")


def network_status(text: str, labelled: str | None = None) -> str | None:
    """'in' or 'out' when the notice says where the provider stands with the network; a
    labelled status ("Payee status: PARTICIPATING") says it first."""
    if labelled:
        said = network_status(labelled)
        if said or _STATUS_IN.match(labelled):
            return said or "in"
    outs = [m.span() for m in notice("out_of_network").finditer(text)]
    # "not in the network" also holds "in the network": only mentions outside an "out" count
    ins = [
        m
        for m in notice("in_network").finditer(text)
        if not any(a <= m.start() < b for a, b in outs)
    ]
    outside, inside = len(outs), len(ins)
    if outside > inside:
        return "out"
    if inside > outside:
        return "in"
    return None


def read_appeal_rights(
    text: str, segs: list[tuple[int, int]], sources: dict[str, Span]
) -> AppealInstructions:
    """The deadline, address and fax of the appeal, with their spans recorded in `sources`."""
    out = AppealInstructions()
    deadline = filing_deadline(text, segs)
    if deadline:
        out.deadline_days = deadline[0]
        sources["appeal_instructions.deadline_days"] = Span(start=deadline[1], end=deadline[2])
        seg = next((s for s in segs if s[0] <= deadline[1] < s[1]), None)
        if seg:
            out.deadline_text = " ".join(text[seg[0] : seg[1]].split())
            sources["appeal_instructions.deadline_text"] = Span(start=seg[0], end=seg[1])
    phone = _appeal_phone(text, segs)
    if phone:
        out.phone = format_phone(phone[0])
        sources["appeal_instructions.phone"] = phone[1]
    address = appeal_address(text)
    if address:
        out.address = address[0]
        sources["appeal_instructions.address"] = address[1]
    fax = appeal_fax(text, address[1].start if address else None)
    if fax:
        out.fax = format_phone(fax[0])
        sources["appeal_instructions.fax"] = fax[1]
    return out
