"""The one LLM adapter: every model call goes through `LLM.complete`; only here is litellm used.

litellm is imported lazily (it costs over a second and fetches a price list unless told not to),
its own cache is never enabled, and its provider errors become `LLMError` with a `kind` field
so callers can decide between a retry, a fallback and a held draft without knowing litellm.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel

from service.errors import LLMError

Messages = list[dict[str, str]]

# kind values carried by LLMError.fields["kind"]
TIMEOUT = "timeout"
RATE_LIMIT = "rate_limit"
SERVER = "server"
CONNECTION = "connection"
BAD_REQUEST = "bad_request"
AUTH = "auth"
OTHER = "other"


@dataclass(frozen=True)
class LLMReply:
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    model: str = ""
    finish_reason: str = "stop"  # "length" means the output was cut off


class LLM(Protocol):
    """Anything that can answer a chat: the litellm adapter here, a scripted fake in tests."""

    model: str

    def complete(
        self, messages: Messages, *, response_schema: type[BaseModel] | None = None
    ) -> LLMReply: ...


def _litellm() -> Any:
    """Import litellm on first use, without the network price-list fetch."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.telemetry = False
    litellm.suppress_debug_info = True
    return litellm


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and what it wraps: litellm reports a refused connection as a 500."""
    out: list[BaseException] = []
    node: BaseException | None = exc
    while node is not None and node not in out and len(out) < 12:
        out.append(node)
        node = node.__cause__ or node.__context__
    return out


def error_kind(exc: BaseException) -> str:
    """Name a provider failure by what the caller can do about it."""
    import openai  # litellm's exceptions subclass the openai SDK's; loaded with litellm

    lm = _litellm()
    wrapped = _chain(exc)[1:]
    if any(isinstance(e, openai.APITimeoutError | TimeoutError) for e in wrapped):
        return TIMEOUT
    if any(isinstance(e, openai.APIConnectionError | ConnectionError) for e in wrapped):
        return CONNECTION
    table: list[tuple[type[BaseException] | tuple[type[BaseException], ...], str]] = [
        ((lm.Timeout, openai.APITimeoutError), TIMEOUT),
        (lm.RateLimitError, RATE_LIMIT),
        ((lm.AuthenticationError, lm.PermissionDeniedError), AUTH),
        ((lm.BadRequestError, lm.NotFoundError, lm.UnprocessableEntityError), BAD_REQUEST),
        ((lm.InternalServerError, lm.ServiceUnavailableError, lm.BadGatewayError), SERVER),
        (lm.APIConnectionError, CONNECTION),
    ]
    for types, kind in table:
        if isinstance(exc, types):
            return kind
    status = getattr(exc, "status_code", None)
    if isinstance(status, int) and status >= 500:
        return SERVER
    return OTHER


class LiteLLM:
    """litellm behind our interface: timeout, bounded retries, fallback models via its Router."""

    def __init__(
        self,
        model: str,
        *,
        api_base: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        fallbacks: list[str] | None = None,
        max_retries: int = 1,
    ) -> None:
        self.model = model
        self.api_base = api_base or None
        self.api_key = api_key or None
        self.timeout = timeout
        self.fallbacks = list(fallbacks or [])
        self.max_retries = max_retries
        self._router: Any = None

    def _params(self, model: str) -> dict[str, Any]:
        params: dict[str, Any] = {"model": model, "timeout": self.timeout}
        if self.api_base:
            params["api_base"] = self.api_base
        if self.api_key:
            params["api_key"] = self.api_key
        return params

    def _router_for(self, lm: Any) -> Any:
        """One Router per adapter, built on first use: primary model, then each fallback."""
        if self._router is None:
            names = [self.model, *self.fallbacks]
            self._router = lm.Router(
                model_list=[{"model_name": n, "litellm_params": self._params(n)} for n in names],
                fallbacks=[{self.model: self.fallbacks}],
                num_retries=self.max_retries,
                timeout=self.timeout,
                cache_responses=False,
            )
        return self._router

    def _call(self, messages: Messages, response_schema: type[BaseModel] | None) -> Any:
        lm = _litellm()
        extra: dict[str, Any] = {"temperature": 0}
        if response_schema is not None:
            extra["response_format"] = response_schema
        if self.fallbacks:
            return self._router_for(lm).completion(model=self.model, messages=messages, **extra)
        return lm.completion(
            messages=messages,
            num_retries=self.max_retries,
            max_retries=0,  # the openai SDK's own retries would multiply ours
            caching=False,
            **self._params(self.model),
            **extra,
        )

    def complete(
        self, messages: Messages, *, response_schema: type[BaseModel] | None = None
    ) -> LLMReply:
        """One chat completion; provider failures come back as LLMError(kind=...)."""
        import openai

        try:
            resp = self._call(messages, response_schema)
        except openai.OpenAIError as exc:
            kind = error_kind(exc)
            raise LLMError(f"The model call failed ({kind}).", kind=kind, model=self.model) from exc
        return _reply(resp, self.model)


def _cost(resp: Any) -> float:
    """Cost from litellm's price table; 0 for a model it has no price for (local servers)."""
    hidden = getattr(resp, "_hidden_params", None) or {}
    cost = hidden.get("response_cost")
    return float(cost) if isinstance(cost, int | float) else 0.0


def _reply(resp: Any, requested: str) -> LLMReply:
    choice = resp.choices[0]
    usage = getattr(resp, "usage", None)
    return LLMReply(
        text=choice.message.content or "",
        prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        cost=_cost(resp),
        model=getattr(resp, "model", None) or requested,
        finish_reason=choice.finish_reason or "stop",
    )


def build_llm(
    model: str,
    *,
    api_base: str = "",
    timeout: float = 60.0,
    fallbacks: list[str] | None = None,
    max_retries: int = 1,
) -> LLM | None:
    """The configured model, or None when no model is set (the offline composer drafts)."""
    if not model:
        return None
    return LiteLLM(
        model, api_base=api_base, timeout=timeout, fallbacks=fallbacks, max_retries=max_retries
    )
