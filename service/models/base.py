"""The base of every domain type: unknown fields are refused."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Span(_Model):
    """Character offsets [start, end) of an extracted value in the pasted source text."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
