"""Render a LetterDraft to text with the Jinja2 template named by its letter type."""

from __future__ import annotations

import re
from functools import lru_cache

import jinja2

from service.cache import template_cache
from service.config import Settings
from service.models import LetterDraft
from service.render.wording import TEMPLATES_DIR, long_date, phrase, read_yaml

_VERSION = re.compile(r"\{#-?\s*version:\s*(\S+)\s*-?#\}")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """A strict environment over templates/: an undefined variable is an error."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        bytecode_cache=template_cache(),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain-text letters; HTML output escapes in its own template
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    env.filters["long_date"] = long_date
    return env


@lru_cache(maxsize=16)
def load_spec(letter_type: str) -> dict:
    """The required-elements spec beside a letter template."""
    path = TEMPLATES_DIR / f"{letter_type}.elements.yaml"
    return read_yaml(path)


def spec_requires(letter_type: str, element_id: str) -> bool:
    """True when the letter type's spec lists this element."""
    return any(el["id"] == element_id for el in load_spec(letter_type)["elements"])


def template_name(letter_type: str, fmt: str = "txt") -> str:
    """The template file for a letter type and format."""
    return f"{letter_type}.{fmt}.j2"


def template_version(letter_type: str, fmt: str = "txt") -> str:
    """The version a template declares in its header comment."""
    source = (TEMPLATES_DIR / template_name(letter_type, fmt)).read_text(encoding="utf-8")
    m = _VERSION.search(source)
    return m.group(1) if m else "0"


def letterhead(settings: Settings) -> str:
    """The practice letterhead from config, one line each, or '' when unset."""
    return phrase(
        "common",
        "letterhead",
        name=settings.practice_name,
        address=settings.practice_address,
        phone=settings.practice_phone,
        fax=settings.practice_fax,
    )


def render_text(letter: LetterDraft, settings: Settings) -> str:
    """The letter as plain text."""
    tpl = environment().get_template(template_name(letter.letter_type))
    text = tpl.render(letter=letter, letterhead=letterhead(settings))
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
