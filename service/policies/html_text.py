"""An HTML policy page as the Markdown body the chunker reads: headings marked, list items
numbered and indented by depth, a table of label/value pairs as "Label: value" lines and any
other table's rows as cells joined by " | "; scripts, styles, comments and the site's chrome
(navigation menus, search forms, buttons) left out. The page's title and its images' alt
texts are kept aside: a page often names its payer only in its logo and its title.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from service.policies.corpus import REQUIRED_KEYS

META_KEYS = (
    *REQUIRED_KEYS, "effective_date", "superseded_date", "revision_date", "plan_types", "codes",
    "cpt", "hcpcs", "icd10", "payer",
)  # fmt: skip
SKIPPED_TAGS = {
    "script", "style", "noscript", "template", "svg", "iframe", "object", "canvas", "nav",
    "form", "button", "select",
}  # fmt: skip
BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "blockquote",
    "pre", "table", "tr", "dl", "dt", "dd", "figure", "figcaption", "address", "form", "hr",
    "h5", "h6", "body", "html",
}  # fmt: skip
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}


class _HtmlText(HTMLParser):
    """Collects headings, lines and list items from HTML; scripts, styles and comments vanish."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self.blocks: list[tuple[str, int, str]] = []  # ("heading", level, text) | ("line", ...)
        self._buffer: list[str] = []
        self._skip = 0
        self._in_title = False
        self._heading = 0
        self._lists: list[list] = []  # [tag, next number, numbering type] per open list
        self._prefix = ""  # the marker of the list item being read, until its first line
        self._row: list[tuple[str, str]] | None = None  # the table row's cells so far
        self._cell = ""  # the tag of the cell being read (td or th)
        self.images: list[str] = []  # alt texts, in order

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            self._skip += 1
        elif tag == "meta":
            self._meta(dict(attrs))
        elif tag == "img" and not self._skip:
            alt = (dict(attrs).get("alt") or "").strip()
            if alt:
                self.images.append(_squash(alt))
        elif tag == "title":
            self._in_title = True
        elif tag in HEADINGS:
            self._flush()
            self._heading = HEADINGS[tag]
        elif tag in ("ol", "ul"):
            self._flush()
            start = dict(attrs).get("start") or "1"
            kind = dict(attrs).get("type") or ("1" if not self._lists else "a")
            self._lists.append([tag, int(start) if start.isdigit() else 1, kind])
        elif tag == "li":
            self._flush()
            self._prefix = self._marker()
        elif tag == "br":
            self._flush()
        elif tag == "tr":
            self._flush()
            self._row = []
        elif tag in ("td", "th"):
            self._end_cell()
            self._cell = tag
        elif tag in BLOCK_TAGS:
            self._flush(blank=not self._lists)

    def _end_cell(self) -> None:
        if self._row is not None and self._cell:
            self._row.append((self._cell, _squash("".join(self._buffer))))
            self._buffer.clear()
        self._cell = ""

    def _end_row(self) -> None:
        """A row of a label and its value reads "Label: value"; any other, its cells by " | "."""
        self._end_cell()
        row, self._row = self._row or [], None
        cells = [text for _, text in row]
        marker = (
            re.fullmatch(r"\(?(\d{1,2}|[A-Ha-h]|[ivxIVX]{1,4})[.)]?", cells[0]) if cells else None
        )
        if len(row) >= 2 and marker and row[1][1]:  # a criteria table: "1 | The member ..."
            self.blocks.append(("line", 0, f"{marker[1]}. " + " | ".join(cells[1:])))
        elif len(row) == 2 and row[1][1] and (row[0][0] == "th" or _label_cell(cells[0])):
            self.blocks.append(("line", 0, f"{cells[0].rstrip(':')}: {cells[1]}"))
        elif any(cells):
            self.blocks.append(("line", 0, " | ".join(cells)))

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in HEADINGS and self._heading:
            text = _squash("".join(self._buffer))
            self._buffer.clear()
            if text:
                self.blocks.append(("heading", self._heading, text))
            self._heading = 0
        elif tag in ("ol", "ul") and self._lists:
            self._flush()
            self._lists.pop()
            if not self._lists:  # a blank line ends the list, so a paragraph after is a note
                self.blocks.append(("line", 0, ""))
        elif tag == "li":
            self._flush()
        elif tag == "tr" and self._row is not None:
            self._end_row()
        elif tag in ("td", "th"):
            self._end_cell()
        elif tag in BLOCK_TAGS:
            self._flush(blank=not self._lists)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_title:
            self.title += data
        else:
            self._buffer.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

    def _meta(self, attrs: dict[str, str | None]) -> None:
        key = (attrs.get("name") or attrs.get("property") or "").strip().lower()
        key = key.removeprefix("policy:").removeprefix("og:").replace("-", "_")
        if key in (*META_KEYS, "site_name") and attrs.get("content"):
            self.meta[key] = str(attrs["content"]).strip()

    def _marker(self) -> str:
        if not self._lists:
            return ""
        depth = len(self._lists) - 1
        tag, number, kind = self._lists[-1]
        self._lists[-1][1] += 1
        if tag == "ul":
            return "   " * depth + "- "
        # sub-items are indented, as in the corpus, so they stay with their criterion
        return "   " * depth + f"{_numbering(number, kind)}. "

    def _flush(self, blank: bool = False) -> None:
        text = _squash("".join(self._buffer))
        self._buffer.clear()
        if text:
            if self._prefix:
                line, self._prefix = self._prefix + text, ""
            elif self._lists:  # more text of an item (a <p> inside an <li>)
                line = "   " * len(self._lists) + text
            else:
                line = text
            self.blocks.append(("line", 0, line))
        if blank:
            self.blocks.append(("line", 0, ""))


_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")


def _numbering(number: int, kind: str) -> str:
    """An <ol> item's number in its list's type: 1, a, A, i or I."""
    if kind in ("i", "I") and number <= len(_ROMAN):
        roman = _ROMAN[number - 1]
        return roman.upper() if kind == "I" else roman
    if kind in ("a", "A"):
        letter = chr(ord("a") + (number - 1) % 26)
        return letter.upper() if kind == "A" else letter
    return str(number)


def _label_cell(text: str) -> bool:
    """A short cell of words that labels the cell beside it ("Policy #", "Effective")."""
    return 0 < len(text) <= 40 and not re.search(r"\d", text) and len(text.split()) <= 5


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def html_body(text: str) -> tuple[dict, str]:
    """(metadata from <meta> tags and <title>, Markdown body) of an HTML policy."""
    parser = _HtmlText()
    parser.feed(text)
    parser.close()
    meta: dict[str, Any] = dict(parser.meta)
    levels = [level for kind, level, _ in parser.blocks if kind == "heading"]
    first = next((b for b in parser.blocks if b[0] == "heading"), None)
    # a single <h1> at the top is the document's title, not a section
    title_h1 = first is not None and first[1] == 1 and levels.count(1) == 1
    if title_h1 and first:
        meta.setdefault("title", first[2])
        levels.remove(1)
    if parser.title.strip():
        meta.setdefault("title", _squash(parser.title))
    hints = [_squash(parser.title)] if parser.title.strip() else []
    hints += parser.images + [v for k, v in parser.meta.items() if k == "site_name"]
    meta["payer_hints"] = hints
    top = min(levels, default=2)
    lines: list[str] = []
    for kind, level, line in parser.blocks:
        if kind == "line":
            lines.append(line)
        elif title_h1 and level == 1:
            lines.append(f"# {line}")
        else:
            lines += ["", ("## " if level == top else "### ") + line]
    return meta, "\n".join(lines) + "\n"
