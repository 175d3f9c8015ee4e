"""`agentft serve --router`: a real OpenAI-compatible server on 127.0.0.1 (uvicorn, the tiny model with two random
adapters, a router trained on the templated steps), driven over HTTP and by the unmodified OpenAI SDK."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")

from conftest import ROOT, free_port, read_jsonl, train_frozen_router  # noqa: E402

from agentft.core.tools import parse_tools  # noqa: E402
from agentft.core.validation import validate_call  # noqa: E402
from agentft.serving.openai_server import CLARIFY, RoutedServer, running  # noqa: E402

ROW = read_jsonl(ROOT / "datasets" / "code_tools" / "test.jsonl")[0]
TOOLS = ROW["tools"]
CODE_ASK = [{"role": "user", "content": "Run the unit tests in tests/test_api.py and show me what fails."}]
DOCS_ASK = [{"role": "user", "content": "What does our vacation policy document say about unused days?"}]


@pytest.fixture(scope="module")
def router():
    return train_frozen_router()


@pytest.fixture(scope="module")
def backend(tiny_model, tiny_adapters):
    from agentft.serving.embedded import EmbeddedBackend

    adapters = {"code": tiny_adapters["a"], "retrieval": tiny_adapters["b"]}
    return EmbeddedBackend.load(str(tiny_model), adapters, max_string_length=24, batch_size=8)


@pytest.fixture(scope="module")
def url(backend, router):
    with running(RoutedServer(backend, ["code", "retrieval"], router)) as base:
        yield base


def _post(url, body, **kwargs):
    return httpx.post(
        f"{url}/v1/chat/completions", timeout=120, **({"json": body} if body is not None else {}), **kwargs
    )


def test_models_include_auto(url):
    ids = [m["id"] for m in httpx.get(f"{url}/v1/models").json()["data"]]
    assert ids == ["base", "code", "retrieval", "auto"]


@pytest.mark.parametrize("messages", [CODE_ASK, DOCS_ASK], ids=["code", "retrieval"])
def test_auto_routes_each_request_to_its_adapter(url, router, messages):
    expected = router.route(messages).adapter
    reply = _post(url, {"model": "auto", "messages": messages, "tools": TOOLS, "max_tokens": 64})
    assert reply.status_code == 200, reply.text
    served = expected if expected in ("code", "retrieval") else "base"
    assert reply.headers["x-agentft-adapter"] == served
    body = reply.json()
    assert body["agentft"]["route"] == expected and body["agentft"]["routed"] is True
    assert float(reply.headers["x-agentft-confidence"]) == pytest.approx(router.route(messages).confidence, abs=1e-3)


def test_named_adapter_skips_the_router(url):
    reply = _post(url, {"model": "retrieval", "messages": CODE_ASK, "max_tokens": 8})
    assert reply.status_code == 200 and reply.headers["x-agentft-adapter"] == "retrieval"
    assert reply.json()["agentft"]["routed"] is False


def test_tools_are_honoured_and_calls_are_valid(url):
    body = {
        "model": "auto",
        "messages": ROW["messages"][:2],
        "tools": TOOLS,
        "tool_choice": "required",
        "max_tokens": 160,
    }
    message = _post(url, body).json()["choices"][0]["message"]
    specs = parse_tools(TOOLS)
    if message.get("content") == CLARIFY:
        pytest.fail("the constrained retry should yield a valid call")
    from agentft.core.calls import ToolCall

    for call in message["tool_calls"]:
        parsed = ToolCall(name=call["function"]["name"], arguments=json.loads(call["function"]["arguments"]))
        assert validate_call(parsed, specs) == []


@pytest.mark.parametrize(
    ("payload", "status", "fragment"),
    [
        (b"{not json", 400, "not valid JSON"),
        (json.dumps({"model": "auto"}).encode(), 400, "messages"),
        (json.dumps({"model": "gpt-9", "messages": CODE_ASK}).encode(), 404, "unknown model 'gpt-9'"),
        (json.dumps({"model": "auto", "messages": CODE_ASK, "max_tokens": 10**6}).encode(), 400, "max_tokens"),
        (json.dumps({"model": "auto", "messages": CODE_ASK, "top_p": 0}).encode(), 400, "top_p"),
        (json.dumps({"model": "auto", "messages": CODE_ASK, "tools": [{"type": "function"}]}).encode(), 400, "tools"),
        (
            json.dumps({"model": "auto", "messages": [{"role": "user", "content": "x" * (2 << 20)}]}).encode(),
            413,
            "over the",
        ),
        (
            json.dumps(
                {
                    "model": "auto",
                    "messages": CODE_ASK,
                    "tools": TOOLS,
                    "tool_choice": {"type": "function", "function": {"name": "nope"}},
                }
            ).encode(),
            400,
            "nope",
        ),
    ],
    ids=[
        "malformed",
        "no-messages",
        "unknown-model",
        "max-tokens",
        "top-p",
        "bad-tools",
        "oversized",
        "bad-tool-choice",
    ],
)
def test_bad_requests_get_openai_errors_and_the_server_keeps_serving(url, payload, status, fragment):
    reply = httpx.post(
        f"{url}/v1/chat/completions", content=payload, timeout=60, headers={"content-type": "application/json"}
    )
    assert reply.status_code == status
    error = reply.json()["error"]
    assert fragment in error["message"] and error["type"] == "invalid_request_error"
    assert _post(url, {"model": "base", "messages": CODE_ASK, "max_tokens": 4}).status_code == 200


def test_concurrent_requests_all_answer(url):
    bodies = [{"model": "auto", "messages": m, "tools": TOOLS, "max_tokens": 24} for m in [CODE_ASK, DOCS_ASK] * 4]
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda b: _post(url, b), bodies))
    assert [r.status_code for r in replies] == [200] * 8
    assert all(r.json()["choices"][0]["message"]["role"] == "assistant" for r in replies)


def test_streaming_sends_openai_chunks(url):
    with httpx.stream(
        "POST",
        f"{url}/v1/chat/completions",
        timeout=120,
        json={"model": "auto", "messages": CODE_ASK, "max_tokens": 16, "stream": True},
    ) as reply:
        lines = [line for line in reply.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[6:]) for line in lines[:-1]]
    assert chunks[0]["object"] == "chat.completion.chunk" and chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"][0]["finish_reason"] in ("stop", "tool_calls")


def test_unmodified_openai_sdk_drives_a_tool_loop(url):
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused")
    messages = list(ROW["messages"][:2])
    adapters = []
    for _ in range(2):
        raw = client.chat.completions.with_raw_response.create(
            model="auto", messages=messages, tools=TOOLS, max_tokens=96
        )
        adapters.append(raw.headers["x-agentft-adapter"])
        message = raw.parse().choices[0].message
        if not message.tool_calls:
            break
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            messages.append({"role": "tool", "tool_call_id": call.id, "content": "ok: 3 tests passed"})
    assert adapters and all(a in ("base", "code", "retrieval") for a in adapters)


def test_bench_front_measures_auto_beside_the_named_adapter(backend, router):
    from agentft.bench.serve import bench_front
    from agentft.serving.protocol import GenerationRequest, SamplingParams

    requests = [GenerationRequest(m, TOOLS, sampling=SamplingParams(8)) for m in (CODE_ASK, DOCS_ASK)]
    result = bench_front(backend, ["code", "retrieval"], router, requests)
    # The named side asks for the adapter the router picks, so both sides generate the same tokens.
    assert result["requests"] == 2 and result["adapters_picked"] == {"code": 1, "retrieval": 1}
    for row in (result["auto"], result["named"]):
        assert 0 < row["p50_s"] <= row["p95_s"] and row["requests_per_s"] > 0
    assert result["router_ms_p50"] > 0


def test_cli_serves_auto_on_the_embedded_backend(tiny_model, tiny_adapters, router, tmp_path):
    """`agentft serve --router` as a user runs it: a subprocess, then an OpenAI request to model auto."""
    import os
    import signal
    import subprocess
    import sys

    router.save(tmp_path / "router")
    port = free_port()
    args = ["serve", "--base", str(tiny_model), "-a", f"code={tiny_adapters['a']}", "--router", tmp_path / "router"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "agentft", *map(str, args), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        reply = _post(f"http://127.0.0.1:{port}", {"model": "auto", "messages": CODE_ASK, "max_tokens": 8})
        assert reply.status_code == 200, reply.text
        assert reply.headers["x-agentft-adapter"] in ("code", "base")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
