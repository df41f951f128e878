"""The one LLM adapter: every model call goes through `LLM.complete`; only here is litellm used.

litellm is imported lazily (it costs over a second and fetches a price list unless told not to),
its own cache and retries are never enabled, and its provider errors become `LLMError` with a
`kind` field so callers can decide between a retry, a fallback and a held draft without knowing
litellm. Retries, back-off and fallbacks are ours, bounded by the request's model time budget.
"""

from __future__ import annotations

import email.utils
import os
import random
import time
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel

from service.errors import LLMError
from service.llm import budget

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


RETRYABLE = (TIMEOUT, RATE_LIMIT, SERVER, CONNECTION)
BUDGET = "budget"  # kind of the LLMError raised when the request's model time is spent
BACKOFF_BASE, BACKOFF_CAP = 0.5, 8.0  # seconds: 0.5, 1, 2, 4, 8 ... plus jitter
MIN_CALL_SECONDS = 1.0  # a call with less time than this left is not started


class LiteLLM:
    """litellm behind our interface: a time budget, real retries with back-off, fallbacks.

    `max_retries` is the number of retries after the first attempt of each model; a retry waits
    for the provider's Retry-After, else an exponential back-off, and no wait or call runs past
    the request's budget (service/llm/budget.py; `budget` seconds when no window is open).
    litellm's and the openai SDK's own retries are off, so these are the only ones."""

    def __init__(
        self,
        model: str,
        *,
        api_base: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        fallbacks: list[str] | None = None,
        max_retries: int = 1,
        budget: float = 90.0,
    ) -> None:
        self.model = model
        self.api_base = api_base or None
        self.api_key = api_key or None
        self.timeout = timeout
        self.fallbacks = list(fallbacks or [])
        self.max_retries = max(0, max_retries)
        self.budget = budget

    def _params(self, model: str, timeout: float) -> dict[str, Any]:
        params: dict[str, Any] = {"model": model, "timeout": timeout}
        if self.api_base:
            params["api_base"] = self.api_base
        if self.api_key:
            params["api_key"] = self.api_key
        return params

    def _call(
        self, model: str, messages: Messages, schema: type[BaseModel] | None, timeout: float
    ) -> Any:
        lm = _litellm()
        extra: dict[str, Any] = {"temperature": 0}
        if schema is not None:
            extra["response_format"] = schema
        return lm.completion(
            messages=messages,
            num_retries=0,
            max_retries=0,  # the openai SDK's own retries would multiply ours
            caching=False,
            **self._params(model, timeout),
            **extra,
        )

    def complete(
        self, messages: Messages, *, response_schema: type[BaseModel] | None = None
    ) -> LLMReply:
        """One chat completion; provider failures come back as LLMError(kind=...)."""
        import openai

        last = OTHER
        for model in [self.model, *self.fallbacks]:
            for attempt in range(self.max_retries + 1):
                left = budget.remaining(self.budget)
                if left < MIN_CALL_SECONDS:
                    raise LLMError("The model time budget is spent.", kind=BUDGET, model=model)
                try:
                    resp = self._call(model, messages, response_schema, min(self.timeout, left))
                except openai.OpenAIError as exc:
                    last = error_kind(exc)
                    if last not in RETRYABLE or attempt == self.max_retries:
                        break  # this model is done: the next fallback, if any
                    wait = retry_after(exc) or _backoff(attempt)
                    if wait + MIN_CALL_SECONDS > budget.remaining(self.budget):
                        break
                    time.sleep(wait)
                    continue
                return _reply(resp, model)
        raise LLMError(f"The model call failed ({last}).", kind=last, model=self.model)


def _backoff(attempt: int) -> float:
    return min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt) * random.uniform(0.8, 1.2)


def retry_after(exc: BaseException) -> float | None:
    """Seconds the provider asked us to wait (Retry-After or retry-after-ms), if it said."""
    for node in _chain(exc):
        response = getattr(node, "response", None)
        headers = getattr(response, "headers", None) or getattr(node, "headers", None)
        if not headers:
            continue
        if (ms := headers.get("retry-after-ms")) is not None:
            try:
                return max(0.0, float(ms) / 1000)
            except ValueError:
                pass
        value = headers.get("retry-after")
        if value is None:
            continue
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time()) if when else None
    return None


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
    budget: float = 90.0,
) -> LLM | None:
    """The configured model, or None when no model is set (the offline composer drafts)."""
    if not model:
        return None
    return LiteLLM(
        model,
        api_base=api_base,
        timeout=timeout,
        fallbacks=fallbacks,
        max_retries=max_retries,
        budget=budget,
    )
