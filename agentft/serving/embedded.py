"""The default backend: transformers + PEFT in this process, no server.

Rows of one batch may each use a different adapter (PEFT's `adapter_names=`, `"__base__"` for none), so a router
can send code, retrieval and safety steps through one forward pass.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from agentft.serving.protocol import (
    Completion,
    GenerationRequest,
    check_adapter,
    decode_reply,
    make_completion,
    render_prompt,
    request_specs,
    stop_token_ids,
)

BASE_ADAPTER = "__base__"


class EmbeddedBackend:
    """`generate(requests)` over a causal LM with any number of named LoRA adapters loaded side by side."""

    constrains_calls = True  # decodes `GenerationRequest.constrain_calls`

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        batch_size: int = 8,
        grammar: str = "llguidance",
        max_string_length: int | None = None,
    ):
        self.model = model
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.grammar = grammar  # Outlines grammar backend for requests that carry a schema
        self.max_string_length = max_string_length  # bound unbounded strings under constraints
        self._grammars: Any = None
        self._stop_ids = stop_token_ids(tokenizer)
        self.mask_seconds = 0.0  # time spent computing grammar masks, all runs (`agentft bench serve` reads it)

    @classmethod
    def load(
        cls,
        base_model: str,
        adapters: dict[str, str | Path] | None = None,
        *,
        quantization: str = "none",
        dtype: str = "float32",
        **kwargs: Any,
    ) -> EmbeddedBackend:
        """Load a base (alias, folder or hub id) and adapters `{name: folder}` from the registry or disk."""
        from agentft.core.models import load_model, load_tokenizer, resolve_base_model

        path = resolve_base_model(base_model)
        tokenizer = load_tokenizer(path)
        model = load_model(path, quantization, dtype)  # type: ignore[arg-type]
        if adapters:
            from peft import PeftModel

            items = list(adapters.items())
            name, folder = items[0]
            model = PeftModel.from_pretrained(model, str(folder), adapter_name=name)
            for name, folder in items[1:]:
                model.load_adapter(str(folder), adapter_name=name)
        model.eval()
        return cls(model, tokenizer, **kwargs)

    @property
    def adapters(self) -> list[str]:
        return list(getattr(self.model, "peft_config", {}) or {})

    def generate(self, requests: list[GenerationRequest]) -> list[Completion]:
        if any(r.schema is not None or r.constrain_calls for r in requests):
            from agentft.serving.constrained import generate_constrained

            return generate_constrained(self, requests)
        results: list[Completion | None] = [None] * len(requests)
        # Sorting by prompt length keeps left padding (and wasted compute) small: on 2 cores a batch costs its prefill.
        lengths = [len(render_prompt(self.tokenizer, r)) for r in requests]
        order = sorted(range(len(requests)), key=lengths.__getitem__)
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            for index, completion in zip(chunk, self._generate_batch([requests[i] for i in chunk]), strict=True):
                results[index] = completion
        return [r for r in results if r is not None]

    def _check_adapters(self, requests: list[GenerationRequest]) -> set[str | None]:
        wanted = {r.adapter for r in requests}
        for name in wanted:
            check_adapter(name, self.adapters)
        return wanted

    def _mixable(self, wanted: set[str | None]) -> bool:
        """PEFT mixes adapters per row for plain LoRA; DoRA's weight norm cannot be mixed within a batch."""
        config = getattr(self.model, "peft_config", {})
        return not any(getattr(config.get(name), "use_dora", False) for name in wanted if name)

    def _adapter_context(self, adapter: str | None) -> Any:
        if not self.adapters:
            return contextlib.nullcontext()
        if adapter is None:
            return self.model.disable_adapter()
        self.model.set_adapter(adapter)
        return self._merged()

    @contextlib.contextmanager
    def _merged(self) -> Iterator[None]:
        """The active adapter folded into the base weights for one batch, then taken out again.

        On a CPU a batch costs its prefill, and an unmerged LoRA adds its own small matmuls to every linear layer:
        ~13% of the safety suite's time (SmolLM2-135M, r=16 on all linear layers: 124 s unmerged, 108 s merged).
        A quantized base keeps the adapter apart: folding it into 4- or 8-bit weights would round it away.
        """
        if getattr(self.model, "hf_quantizer", None) is not None:
            yield
            return
        self.model.merge_adapter()
        try:
            yield
        finally:
            self.model.unmerge_adapter()

    def _generate_batch(
        self, requests: list[GenerationRequest], make_processor: Callable[[], Any] | None = None
    ) -> list[Completion]:
        """`make_processor`: a fresh grammar processor for each decoded batch (it keeps per-row parser state)."""
        wanted = self._check_adapters(requests)
        if len(wanted) > 1 and not self._mixable(wanted):
            groups: dict[str | None, list[int]] = {}
            for i, r in enumerate(requests):
                groups.setdefault(r.adapter, []).append(i)
            out: list[Completion | None] = [None] * len(requests)
            for indices in groups.values():
                part = self._generate_batch([requests[i] for i in indices], make_processor)
                for i, c in zip(indices, part, strict=True):
                    out[i] = c
            return [c for c in out if c is not None]
        if make_processor is None:
            return self._run(requests, wanted)
        from transformers import LogitsProcessorList

        return self._run(requests, wanted, LogitsProcessorList([self._timed(make_processor())]))

    def run_constrained(self, requests: list[GenerationRequest], grammar: str) -> list[Completion]:
        """One batch sharing one constraint (and, under a schema, one adapter), decoded under that constraint."""
        first = requests[0]
        if first.schema is None and not first.constrain_calls:
            return self._generate_batch(requests)
        from transformers import LogitsProcessorList

        from agentft.serving.constrained import DEFAULT_GRAMMAR, GrammarCache, calls_grammar, constraint_schema

        if self._grammars is None:
            self._grammars = GrammarCache(self.model, self.tokenizer)
        if first.constrain_calls:  # rows on different adapters stay one batch, as unconstrained ones do
            lark = calls_grammar(request_specs(first), self.max_string_length)
            return self._generate_batch(requests, lambda: self._grammars.grammar_processor(lark))
        schema = constraint_schema(requests[0].schema, grammar, self.max_string_length)
        try:
            processor = self._grammars.processor(grammar, schema)
        except (ValueError, NotImplementedError, RuntimeError):
            # e.g. outlines_core rejects some valid structures (a bare {"minimum": 20}); llguidance takes them
            schema = constraint_schema(requests[0].schema, DEFAULT_GRAMMAR, self.max_string_length)
            processor = self._grammars.processor(DEFAULT_GRAMMAR, schema)
        return self._run(requests, self._check_adapters(requests), LogitsProcessorList([self._timed(processor)]))

    def _timed(self, processor: Any) -> Any:
        """The grammar's logits processor, its time added to `mask_seconds` (one call per decode step)."""

        def masked(input_ids: Any, scores: Any) -> Any:
            started = time.perf_counter()
            try:
                return processor(input_ids, scores)
            finally:
                self.mask_seconds += time.perf_counter() - started

        return masked

    def _run(
        self, requests: list[GenerationRequest], wanted: set[str | None], logits_processor: Any = None
    ) -> list[Completion]:
        import torch

        started = time.perf_counter()
        prompts = [render_prompt(self.tokenizer, r) for r in requests]
        inputs = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        inputs = inputs.to(self.model.device)
        sampling = requests[0].sampling
        gen_kwargs: dict[str, Any] = {
            "max_new_tokens": max(r.sampling.max_new_tokens for r in requests),
            "eos_token_id": self._stop_ids,
            "pad_token_id": self.tokenizer.pad_token_id,
        }
        if logits_processor is not None:
            gen_kwargs["logits_processor"] = logits_processor
        if sampling.temperature > 0:
            gen_kwargs.update(do_sample=True, temperature=sampling.temperature, top_p=sampling.top_p)
            if sampling.seed is not None:
                torch.manual_seed(sampling.seed)
        else:
            gen_kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if len(wanted) > 1:  # one forward pass, each row with its own adapter
            context: Any = contextlib.nullcontext()
            gen_kwargs["adapter_names"] = [r.adapter or BASE_ADAPTER for r in requests]
        else:
            context = self._adapter_context(next(iter(wanted)))
        with torch.inference_mode(), context:
            output = self.model.generate(**inputs, **gen_kwargs)
        new = output[:, inputs["input_ids"].shape[1] :]
        completions = []
        for request, row in zip(requests, new, strict=True):
            text, n_tokens = decode_reply(self.tokenizer, row.tolist(), self._stop_ids)
            completions.append(make_completion(request, text, started, n_tokens))
        return completions
