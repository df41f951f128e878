"""The prompt registry: prompts/*.md, each with YAML front matter (id, version, inputs, sample,
changelog) and a body with an optional `# system` and a `# user` section, rendered in a
sandboxed strict Jinja environment so a prompt can neither reach Python nor drop an input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from service.config import shipped
from service.errors import SchemaError

PROMPTS_DIR = shipped("prompts")
REQUIRED_KEYS = ("id", "version", "inputs", "sample")
FENCE_MARKS = ("<<<", ">>>")


@dataclass(frozen=True)
class Prompt:
    id: str
    version: str
    inputs: tuple[str, ...]
    sample: dict[str, Any]
    system: str
    user: str
    changelog: tuple[str, ...] = field(default=())


def as_data(text: object) -> str:
    """Untrusted text for a fenced block: fence marks removed so it cannot close the fence."""
    out = str(text)
    for mark in FENCE_MARKS:
        out = out.replace(mark, " ")
    return out


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    """Sandboxed, strict: an undefined variable is an error, attribute access is restricted."""
    env = SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["data"] = as_data
    return env


def _split(body: str, path: Path) -> tuple[str, str]:
    """The `# system` and `# user` sections of a prompt body."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in body.splitlines():
        head = line.strip().lower()
        if head in ("# system", "# user"):
            current = sections.setdefault(head[2:], [])
        elif current is not None:
            current.append(line)
    if "user" not in sections:
        raise SchemaError("A prompt needs a '# user' section.", field=path.name)
    return "\n".join(sections.get("system", [])).strip(), "\n".join(sections["user"]).strip()


def parse_prompt(text: str, path: Path) -> Prompt:
    """Front matter and body of one prompt file."""
    _, sep, rest = text.partition("---\n")
    head, sep2, body = rest.partition("\n---\n")
    if not (sep and sep2):
        raise SchemaError("A prompt file starts with YAML front matter.", field=path.name)
    meta = yaml.safe_load(head) or {}
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    if missing:
        raise SchemaError("Prompt front matter is missing keys.", field=path.name, keys=missing)
    system, user = _split(body, path)
    return Prompt(
        id=str(meta["id"]),
        version=str(meta["version"]),
        inputs=tuple(meta["inputs"]),
        sample=dict(meta["sample"]),
        system=system,
        user=user,
        changelog=tuple(str(c) for c in meta.get("changelog") or ()),
    )


@lru_cache(maxsize=16)
def load_prompt(prompt_id: str) -> Prompt:
    """The prompt with this id, from prompts/<id>.md."""
    path = PROMPTS_DIR / f"{prompt_id}.md"
    if not path.is_file():
        raise SchemaError("No prompt with this id.", field="prompt_id", prompt_id=prompt_id)
    prompt = parse_prompt(path.read_text(encoding="utf-8"), path)
    if prompt.id != prompt_id:
        raise SchemaError("Prompt id does not match its file name.", field=path.name)
    return prompt


def all_prompts() -> list[Prompt]:
    """Every prompt in prompts/."""
    return [load_prompt(p.stem) for p in sorted(PROMPTS_DIR.glob("*.md"))]


def render(prompt: Prompt, values: dict[str, Any]) -> list[dict[str, str]]:
    """Chat messages for a prompt; exactly the declared inputs must be given."""
    given, declared = set(values), set(prompt.inputs)
    if given != declared:
        raise SchemaError(
            "Prompt inputs do not match its declaration.",
            field=prompt.id,
            missing=sorted(declared - given),
            unexpected=sorted(given - declared),
        )
    env = environment()
    parts = [("system", prompt.system), ("user", prompt.user)]
    return [
        {"role": role, "content": env.from_string(body).render(values)}
        for role, body in parts
        if body
    ]
