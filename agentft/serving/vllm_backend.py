"""vLLM multi-LoRA backend: the offline engine (`vllm.LLM`) in this process, one `LoRARequest` per request.

Prompts are rendered with agentft's own chat template and handed to vLLM as token ids, so the vLLM and embedded
backends see exactly the same tokens (greedy outputs must match). Schema constraints use vLLM's structured outputs
(`StructuredOutputsParams(json=...)`, or `grammar=` for the trained call format) with the grammar engine chosen per
engine instance.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from agentft.core.errors import AgentftError
from agentft.serving.constrained import calls_grammar, constraint_schema, with_guidance_options
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

# agentft's grammar names -> vLLM's structured-output backends. Only llguidance is offered on vLLM: its outlines
# engine was seen to put raw newlines inside JSON strings and to ignore some patterns; its xgrammar engine refuses
# common tool schemas (uniqueItems, multipleOf, format + maxLength), and "auto" (xgrammar with a guidance fallback)
# cannot pin whitespace, so a weak model pads with tabs until it runs out of tokens. Both yield invalid calls.
VLLM_GRAMMARS = {"llguidance": "guidance"}
REFUSED_GRAMMARS = {
    "outlines_core": "it lets invalid JSON through on vLLM",
    "xgrammar": "vLLM's xgrammar refuses common tool schemas and cannot pin whitespace",
}
LORA_RANKS = (1, 8, 16, 32, 64, 128, 256, 320, 512)  # the max_lora_rank values vLLM accepts
CPU_DEFAULTS = {
    "VLLM_CPU_KVCACHE_SPACE": "1",  # GiB of KV cache on CPU: plenty for a small base, no 4 GiB default grab
    "VLLM_HOST_IP": "127.0.0.1",
}


def vllm_env(in_process: bool = True) -> None:
    """CPU-friendly defaults for vLLM's environment (a user's own settings win). The offline backend keeps the engine
    core in this process (starts in seconds); the server keeps vLLM's own process layout."""
    for key, value in CPU_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if in_process:
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")


def check_grammar(grammar: str) -> None:
    if grammar not in VLLM_GRAMMARS:
        why = f" ({REFUSED_GRAMMARS[grammar]})" if grammar in REFUSED_GRAMMARS else ""
        raise AgentftError(f"grammar {grammar!r} is not offered on vLLM{why}; choose from {', '.join(VLLM_GRAMMARS)}")


def require_vllm() -> None:
    import importlib.util

    if importlib.util.find_spec("vllm") is None:
        raise AgentftError("vLLM is not installed: `pip install 'agentft[serve-cpu]'` on CPU, 'agentft[serve]' on GPU")


def lora_limits(adapters: dict[str, str | Path]) -> dict[str, Any]:
    """Engine LoRA settings for these adapters. `max_loras` is the number of adapters + 1: with exactly as many slots
    as adapters, vLLM has been seen to give a base-model request batched with adapter requests the last adapter's
    weights (tests compare mixed batches with single requests)."""
    if not adapters:
        return {"enable_lora": False}
    ranks = []
    for name, folder in adapters.items():
        config_path = Path(folder) / "adapter_config.json"
        if not config_path.is_file():
            raise AgentftError(f"adapter {name!r}: no adapter_config.json", file=folder)
        config = json.loads(config_path.read_text())
        if config.get("use_dora"):
            raise AgentftError(
                f"adapter {name!r} is a DoRA adapter, which vLLM cannot serve; use the embedded backend or "
                "`agentft adapters export` to merge it",
                file=folder,
            )
        ranks.append(int(config.get("r", 8)))
    rank = next((r for r in LORA_RANKS if r >= max(ranks)), None)
    if rank is None:
        raise AgentftError(f"LoRA rank {max(ranks)} exceeds vLLM's maximum of {LORA_RANKS[-1]}")
    return {"enable_lora": True, "max_lora_rank": rank, "max_loras": len(adapters) + 1}


class VLLMBackend:
    """`generate(requests)` over vLLM's offline engine with any number of LoRA adapters, mixed freely per batch."""

    constrains_calls = True  # decodes `GenerationRequest.constrain_calls`

    def __init__(
        self,
        llm: Any,
        tokenizer: Any,
        adapters: dict[str, str | Path],
        grammar: str,
        max_string_length: int | None = None,
    ):
        from vllm.lora.request import LoRARequest

        self.llm = llm
        self.tokenizer = tokenizer
        self.grammar = grammar
        self.max_string_length = max_string_length  # bound unbounded strings under constraints
        self._lora = {
            name: LoRARequest(name, index, str(folder)) for index, (name, folder) in enumerate(adapters.items(), 1)
        }
        self._stop_ids = stop_token_ids(tokenizer)

    @classmethod
    def load(
        cls,
        base_model: str,
        adapters: dict[str, str | Path] | None = None,
        *,
        grammar: str = "llguidance",
        max_string_length: int | None = None,
        dtype: str = "auto",
        max_model_len: int | None = None,
        seed: int = 0,
        **engine_kwargs: Any,
    ) -> VLLMBackend:
        """Start the engine on a base (alias, folder or hub id) with adapters `{name: folder}`; extra keyword
        arguments go to `vllm.LLM` (e.g. `tensor_parallel_size=2` on a multi-GPU machine)."""
        from agentft.core.models import load_tokenizer, resolve_base_model

        check_grammar(grammar)
        adapters = dict(adapters or {})
        require_vllm()
        vllm_env()
        from vllm import LLM

        path = resolve_base_model(base_model)
        vllm_grammar = VLLM_GRAMMARS[grammar]
        llm = LLM(
            model=path,
            dtype=dtype,
            seed=seed,
            max_model_len=max_model_len,
            trust_remote_code=False,
            structured_outputs_config={
                "backend": vllm_grammar,
                "disable_any_whitespace": True,  # and GUIDANCE_OPTIONS in each schema pin ", " and ": "
            },
            **lora_limits(adapters),
            **engine_kwargs,
        )
        return cls(llm, load_tokenizer(path), adapters, grammar, max_string_length)

    @property
    def adapters(self) -> list[str]:
        return list(self._lora)

    def _sampling(self, request: GenerationRequest) -> Any:
        from vllm import SamplingParams
        from vllm.sampling_params import StructuredOutputsParams

        sampling = request.sampling
        structured = None
        if request.constrain_calls:
            structured = StructuredOutputsParams(grammar=calls_grammar(request_specs(request), self.max_string_length))
        elif request.schema is not None:
            schema = with_guidance_options(constraint_schema(request.schema, self.grammar, self.max_string_length))
            structured = StructuredOutputsParams(json=schema)
        return SamplingParams(
            max_tokens=sampling.max_new_tokens,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            seed=sampling.seed,
            stop_token_ids=self._stop_ids,
            structured_outputs=structured,
        )

    def _lora_request(self, adapter: str | None) -> Any:
        check_adapter(adapter, self.adapters)
        return None if adapter is None else self._lora[adapter]

    def generate(self, requests: list[GenerationRequest]) -> list[Completion]:
        if not requests:
            return []
        started = time.perf_counter()
        loras = [self._lora_request(r.adapter) for r in requests]
        # token ids, not text: exactly the tokens the embedded backend feeds for the same request
        texts = [render_prompt(self.tokenizer, r) for r in requests]
        prompts = [{"prompt_token_ids": ids} for ids in self.tokenizer(texts, add_special_tokens=False)["input_ids"]]
        outputs = self.llm.generate(prompts, [self._sampling(r) for r in requests], lora_request=loras, use_tqdm=False)
        completions = []
        for request, output in zip(requests, outputs, strict=True):
            text, n_tokens = decode_reply(self.tokenizer, list(output.outputs[0].token_ids), self._stop_ids)
            completions.append(make_completion(request, text, started, n_tokens))
        return completions
