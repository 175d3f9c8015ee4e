"""Tiny offline models for tests, examples and benchmarks: a BPE tokenizer trained here and random Llama weights.

head_dim is 32 so vLLM's CPU attention can load the same folder. Nothing is downloaded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from agentft.core.chat_template import END_OF_TURN, apply_tool_template, chat_messages

SPECIAL_TOKENS = ["<|im_start|>", END_OF_TURN, "<unk>"]


def _corpus(rows: Iterable[dict]) -> Iterable[str]:
    for row in rows:
        for message in chat_messages(row["messages"], row.get("tools")):
            yield f"<|im_start|>{message['role']}\n{message['content']}{END_OF_TURN}\n"


def build_tiny_model(out_dir: str | Path, rows: Iterable[dict], *, vocab_size: int = 1024, seed: int = 0) -> Path:
    """Train a byte-level BPE tokenizer on `rows` (dataset rows) and save it beside a random 2-layer Llama."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(_corpus(rows), trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<|im_start|>", eos_token=END_OF_TURN, unk_token="<unk>", pad_token=END_OF_TURN
    )
    apply_tool_template(tokenizer)
    tokenizer.save_pretrained(out)
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        head_dim=32,
        max_position_embeddings=2048,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    model = LlamaForCausalLM(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(out, safe_serialization=True)
    (out / "agentft_tiny.json").write_text(json.dumps({"vocab_size": len(tokenizer), "seed": seed}))
    return out
