"""Run the transformer of a sentence-transformers model with ONNX Runtime, optionally with int8 weights.

Why: on this project's 2-core CPU, PyTorch eager spends ~10 ms on one 20-token MiniLM forward (dozens of small
matmuls, each paying per-op overhead); ONNX Runtime runs the fused graph in ~3 ms, ~1.3 ms with int8 weights
(`agentft bench router` compares them side by side). sentence-transformers' own ONNX backend needs optimum-onnx,
which pins transformers<4.58, so the graph is exported with torch's own exporter instead; tokenization, pooling
and normalization stay sentence-transformers' own modules. The exported graph is cached by a digest of the weights,
so a router loads it in milliseconds after the first export (~10 s)."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from agentft.core.errors import AgentftError

# what each graph input is called on a `tokenizers.Encoding`
TOKENIZER_FIELDS = {"input_ids": "ids", "token_type_ids": "type_ids", "attention_mask": "attention_mask"}
GRAPH_FORMAT = 2  # part of the cache key: bump when `export_transformer` changes the graph it writes


def _digest(module: Any, quantize: bool) -> str:
    import onnxruntime
    import torch

    digest = hashlib.sha256(f"{GRAPH_FORMAT} {quantize} {torch.__version__} {onnxruntime.__version__}".encode())
    for name, tensor in module.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().contiguous().view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:20]


@contextlib.contextmanager
def _quiet_loggers(*names: str):
    """The exporter warns about every torchvision op it skips, the quantizer (through the root logger) advises
    pre-processing: every time, and nothing to act on."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def export_transformer(model: Any, path: Path, quantize: bool) -> None:
    """The model's first module (a Hugging Face transformer) as an ONNX graph: tokenizer outputs in, token
    embeddings out, batch and sequence dimensions dynamic; written to a temporary file, then renamed.

    Exported with eager attention by torch's TorchScript exporter, because onnxruntime's transformer optimizer
    recognizes that graph and fuses each layer's attention, skip + LayerNorm and bias + GELU into single kernels
    (the dynamo exporter's graph keeps attention as ~20 small ops): ~1.5x faster on this CPU. int8 weights are
    quantized per output channel: per-tensor scales bent embeddings to cosine 0.96 of fp32, per channel 0.99."""
    import torch
    from onnxruntime.transformers import optimizer

    transformer = model[0].auto_model.eval()
    sample = model.tokenizer(["an example sentence", "another"], padding=True, return_tensors="pt")
    names = list(sample.keys())

    class Graph(torch.nn.Module):  # positional inputs in the tokenizer's order
        def __init__(self) -> None:
            super().__init__()
            self.inner = transformer

        def forward(self, *inputs: Any) -> Any:
            return self.inner(**dict(zip(names, inputs, strict=True))).last_hidden_state

    path.parent.mkdir(parents=True, exist_ok=True)
    attention = transformer.config._attn_implementation
    dynamic = {0: "batch", 1: "sequence"}
    with (
        tempfile.TemporaryDirectory(dir=path.parent, prefix=".export-") as scratch,
        _quiet_loggers("torch.onnx", ""),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")  # tracer warnings about shapes the dynamic axes cover
        graph = Path(scratch) / "model.onnx"
        transformer.set_attn_implementation("eager")
        try:
            torch.onnx.export(
                Graph().eval(),
                tuple(sample[name] for name in names),
                str(graph),
                dynamo=False,
                input_names=names,
                output_names=["token_embeddings"],
                dynamic_axes={name: dynamic for name in [*names, "token_embeddings"]},
                opset_version=17,
            )
        finally:
            transformer.set_attn_implementation(attention)
        config = transformer.config
        fused = optimizer.optimize_model(
            str(graph), model_type="bert", num_heads=config.num_attention_heads, hidden_size=config.hidden_size
        )
        fused.save_model_to_file(str(graph))
        if quantize:
            import onnx
            from onnxruntime.quantization import QuantType, quantize_dynamic

            quantize_dynamic(
                str(graph),
                str(graph.with_suffix(".int8.onnx")),
                weight_type=QuantType.QInt8,
                per_channel=True,
                # the fused ops are onnxruntime's own: shape inference cannot type their outputs
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
            graph = graph.with_suffix(".int8.onnx")
        os.replace(graph, path)


class OnnxTransformer:
    """Encodes like `SentenceTransformer.encode(normalize_embeddings=True)`, with the transformer run by ONNX
    Runtime. The first module must be a Hugging Face transformer (static embeddings need no runtime)."""

    def __init__(self, model: Any, quantize: bool):
        from agentft.core.models import cache_dir

        try:
            import onnxruntime
        except ImportError as exc:
            raise AgentftError("encoder.runtime onnx needs onnxruntime: pip install 'agentft[router]'") from exc
        import torch

        self.model = model  # tokenizer, max_seq_length and the pooling modules after the transformer
        path = cache_dir() / "onnx" / f"{_digest(model[0].auto_model, quantize)}{'-int8' if quantize else ''}.onnx"
        if not path.is_file():
            export_transformer(model, path, quantize)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = [node.name for node in self.session.get_inputs()]
        self.quantized = quantize
        # the Rust tokenizer behind the model's own, called directly: the Python wrapper costs ~0.1 ms a call, a
        # tenth of an int8 forward; a copy, so the model's tokenizer keeps its own padding and truncation settings
        from tokenizers import Tokenizer

        wrapper = model.tokenizer
        self.tokenizer = Tokenizer.from_str(wrapper.backend_tokenizer.to_str())
        self.tokenizer.enable_truncation(model.max_seq_length)
        self.tokenizer.enable_padding(pad_id=wrapper.pad_token_id, pad_token=wrapper.pad_token)

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        import torch

        if self.quantized:
            # dynamic int8 scales activations per batch: batched, a step's embedding would depend on its batchmates
            # (cosine down to 0.98) and its route could flip; one text per run keeps every route reproducible
            batch_size = 1
        order = np.argsort([len(text) for text in texts], kind="stable")  # similar lengths batch with less padding
        chunks = []
        for start in range(0, len(texts), batch_size):
            encodings = self.tokenizer.encode_batch([texts[i] for i in order[start : start + batch_size]])
            batch = {n: np.array([getattr(e, TOKENIZER_FIELDS[n]) for e in encodings], np.int64) for n in self.inputs}
            tokens = self.session.run(None, batch)[0]
            features = {
                "token_embeddings": torch.from_numpy(tokens),
                "attention_mask": torch.from_numpy(batch["attention_mask"]),
            }
            for module in list(self.model)[1:]:  # sentence-transformers' pooling (and normalization) modules
                features = module(features)
            chunks.append(torch.nn.functional.normalize(features["sentence_embedding"], dim=-1).numpy())
        return np.concatenate(chunks)[np.argsort(order)] if chunks else np.empty((0, 0), np.float32)
