"""The litellm adapter against the scripted local server: each provider failure becomes an
LLMError with a kind, retries and fallback models recover, and nothing loads at import."""

from __future__ import annotations

import subprocess
import sys

import pytest
from fake_llm import case, checker, good
from llm_server import ScriptedServer, Step
from support import REPO

from service.drafting.model import DraftOut, draft_with_model
from service.errors import LLMError
from service.llm.adapter import LiteLLM, build_llm

HI = [{"role": "user", "content": "hi"}]


@pytest.fixture(scope="module")
def server():
    with ScriptedServer() as s:
        yield s


def adapter(server, **kw) -> LiteLLM:
    params = {
        "api_base": server.api_base,
        "api_key": "sk-dummy",
        "timeout": 2.0,
        "max_retries": 0,
        **kw,
    }
    return LiteLLM("openai/scripted-model", **params)


def test_reply_carries_text_tokens_and_model(server):
    server.enqueue("hello")
    reply = adapter(server).complete(HI, response_schema=DraftOut)
    assert reply.text == "hello" and reply.prompt_tokens == 900 and reply.completion_tokens >= 1
    assert reply.model == "scripted-model" and reply.finish_reason == "stop"
    sent = server.requests[-1]
    assert sent["temperature"] == 0 and "response_format" in sent


@pytest.mark.parametrize(
    ("step", "kind"),
    [
        (Step(status=429), "rate_limit"),
        (Step(status=500), "server"),
        (Step(status=503), "server"),
        (Step(status=400), "bad_request"),
        (Step(status=401), "auth"),
        (Step(text="late", delay=1.5), "timeout"),
    ],
)
def test_provider_failures_become_llm_errors_with_a_kind(server, step, kind):
    server.enqueue(step)
    with pytest.raises(LLMError) as err:
        adapter(server, timeout=1.0).complete(HI)
    assert err.value.fields["kind"] == kind


def test_connection_refused_is_its_own_kind():
    closed = LiteLLM(
        "openai/scripted-model",
        api_base="http://127.0.0.1:9/v1",
        api_key="sk-dummy",
        timeout=2.0,
        max_retries=0,
    )
    with pytest.raises(LLMError) as err:
        closed.complete(HI)
    assert err.value.fields["kind"] == "connection"


def test_a_retry_turns_a_500_into_a_success(server):
    server.enqueue(Step(status=500), "second time lucky")
    assert adapter(server, max_retries=1).complete(HI).text == "second time lucky"


def test_fallback_model_answers_when_the_first_fails(server):
    server.enqueue(Step(status=500), "from the fallback")
    llm = adapter(server, fallbacks=["openai/backup-model"])
    reply = llm.complete(HI)
    assert reply.text == "from the fallback"
    assert [r["model"] for r in server.requests[-2:]] == ["scripted-model", "backup-model"]


def test_drafting_through_the_adapter_after_a_429_and_a_timeout_falls_back(server):
    inp = case()
    server.enqueue(Step(status=429))
    result = draft_with_model(inp, llm=adapter(server), check=checker(inp))
    assert result.drafter == "composer" and "rate_limit" in result.notes[0]
    server.enqueue(Step(text=good, delay=1.5))
    result = draft_with_model(inp, llm=adapter(server, timeout=1.0), check=checker(inp))
    assert result.drafter == "composer" and "timeout" in result.notes[0]


def test_no_model_configured_means_no_adapter():
    assert build_llm("") is None
    assert isinstance(build_llm("ollama_chat/llama3.2"), LiteLLM)


def test_importing_the_drafting_modules_does_not_import_litellm():
    code = (
        "import sys, service.llm.adapter, service.drafting.model, service.llm.phi; "
        "print('litellm' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_retries_mean_retries(server):
    server.enqueue(Step(status=500), Step(status=500), Step(status=500), "never reached")
    before = len(server.requests)
    with pytest.raises(LLMError) as err:
        adapter(server, max_retries=1).complete(HI)
    assert err.value.fields["kind"] == "server"
    assert len(server.requests) - before == 2  # one attempt and one retry, not three
    server.steps.clear()


def test_a_429_waits_for_retry_after(server):
    server.enqueue(Step(status=429, headers={"Retry-After": "1"}), "after the wait")
    before = len(server.requests)
    assert adapter(server, max_retries=1).complete(HI).text == "after the wait"
    first, second = server.times[before], server.times[before + 1]
    assert second - first >= 0.95


def test_the_budget_stops_retries_and_waits(server):
    import time

    from service.llm import budget

    server.enqueue(*[Step(status=503, headers={"Retry-After": "30"})] * 3)
    started = time.monotonic()
    with budget.window(5.0), pytest.raises(LLMError):
        adapter(server, max_retries=5).complete(HI)
    assert time.monotonic() - started < 2.0  # a 30 s Retry-After does not fit: stop now
    server.steps.clear()
    with budget.window(0.5), pytest.raises(LLMError) as err:
        adapter(server).complete(HI)
    assert err.value.fields["kind"] == "budget"  # spent before the call: no call at all


def test_a_hanging_model_is_bounded_by_the_budget(server):
    import time

    from service.llm import budget

    server.enqueue(*[Step(text="late", delay=3.0)] * 4)
    started = time.monotonic()
    with budget.window(2.5), pytest.raises(LLMError):
        adapter(server, timeout=60.0, max_retries=3).complete(HI)
    assert time.monotonic() - started < 3.5
    time.sleep(3.0)  # let the server's sleeping handlers finish
    server.steps.clear()
