"""The embedded backend behind the protocol: constrained decoding under every grammar engine, mixed-adapter batches."""

from __future__ import annotations

import pytest

pytest.importorskip("outlines")

from conftest import ROOT, read_jsonl  # noqa: E402

from agentft.serving.constrained import GRAMMAR_BACKENDS, constraint_schema  # noqa: E402
from agentft.serving.embedded import EmbeddedBackend  # noqa: E402
from agentft.serving.protocol import Backend, GenerationRequest, SamplingParams, make_completion  # noqa: E402
from agentft.tools import parse_tools  # noqa: E402
from agentft.validation import reply_schema  # noqa: E402

ROWS = (
    read_jsonl(ROOT / "datasets" / "code_tools" / "test.jsonl")[:6]
    + read_jsonl(ROOT / "datasets" / "safety_tools" / "test.jsonl")[:4]
)


@pytest.fixture(scope="module")
def backend(tiny_model, tmp_path_factory):
    """The tiny random model with two random LoRA adapters, `a` and `b`, loaded side by side."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    folders = {}
    for name, seed in (("a", 1), ("b", 2)):
        torch.manual_seed(seed)
        model = get_peft_model(
            AutoModelForCausalLM.from_pretrained(tiny_model),
            LoraConfig(r=4, target_modules="all-linear", init_lora_weights=False),
        )
        folders[name] = tmp_path_factory.mktemp(f"adapter-{name}")
        model.save_pretrained(folders[name])
    return EmbeddedBackend.load(str(tiny_model), folders, batch_size=4, max_string_length=24)


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
def test_constrained_replies_are_always_valid_calls_or_answers(backend, grammar):
    backend.grammar = grammar
    try:
        completions = backend.generate(_requests(constrained=True, adapter="a", allow_answer=False))
    finally:
        backend.grammar = "llguidance"
    # random weights, yet every reply is a call that passes its schema
    bad = [(c.text, c.errors, c.parse_error) for c in completions if not (c.calls and c.valid)]
    assert not bad, "\n".join(map(str, bad))


def test_unconstrained_random_model_is_mostly_not_a_valid_call(backend):
    completions = backend.generate(_requests(constrained=False, adapter="a", max_new_tokens=24))
    assert sum(bool(c.calls) and c.valid for c in completions) < len(completions)


def test_mixed_adapter_batch_equals_single_runs(backend):
    adapters = [None, "a", "b", "a", None, "b", "b", "a", None, "a"]
    mixed = [r for r in _requests(False, max_new_tokens=12)]
    for request, adapter in zip(mixed, adapters, strict=True):
        request.adapter = adapter
    together = backend.generate(mixed)
    alone = [backend.generate([r])[0] for r in mixed]
    assert [c.text for c in together] == [c.text for c in alone]
    assert len({c.text for c, a in zip(together, adapters, strict=True) if a is None} | {together[1].text}) > 1


def test_unknown_adapter_is_a_clear_error(backend):
    request = _requests(False, adapter="nope", max_new_tokens=2)[0]
    with pytest.raises(ValueError, match="unknown adapter 'nope'; loaded: a, b"):
        backend.generate([request])


def test_final_answer_reply_is_not_a_call():
    request = GenerationRequest([{"role": "user", "content": "hi"}], ROWS[0]["tools"])
    completion = make_completion(request, '{"answer": "Hello!"}', 0.0)
    assert completion.valid and completion.calls == []


def test_constraint_schema_drops_regex_format_and_bounds_strings():
    schema = {"type": "object", "properties": {"p": {"type": "string", "format": "regex"}, "e": {"enum": ["x"]}}}
    out = constraint_schema(schema, "llguidance", 10)
    assert out["properties"]["p"] == {"type": "string", "pattern": "^[A-Za-z0-9_ -]*$", "maxLength": 10}
    assert out["properties"]["e"] == {"enum": ["x"]}
