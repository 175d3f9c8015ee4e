"""A trained router: encoder + linear head + temperature, saved as safetensors and JSON (no pickle)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agentft.core.errors import AgentftError
from agentft.router.config import EncoderSettings
from agentft.router.encoders import StepEncoder, make_encoder, sentence_encoder
from agentft.router.step import Step

DERIVED_ENCODER = "encoder"  # folder, inside a router folder, of a distilled or fine-tuned sentence encoder


@dataclass
class Route:
    adapter: str
    confidence: float
    scores: dict[str, float]
    fallback: bool = False  # True when confidence fell below the threshold

    def to_json(self) -> dict[str, Any]:
        return {
            "adapter": self.adapter,
            "confidence": self.confidence,
            "scores": self.scores,
            "fallback": self.fallback,
        }


@dataclass
class Router:
    classes: list[str]
    weights: np.ndarray  # (classes, dim)
    bias: np.ndarray  # (classes,)
    temperature: float
    threshold: float
    fallback: str  # "base" (no adapter) or an adapter name, e.g. "safety" to fail closed
    encoder_settings: EncoderSettings
    info: dict[str, Any] = field(default_factory=dict)
    encoder: StepEncoder | None = None
    folder: Path | None = None  # where it was loaded from, for error messages

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        logits = (embeddings @ self.weights.T + self.bias) / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def _encoder(self) -> StepEncoder:
        if self.encoder is None:
            self.encoder = make_encoder(self.encoder_settings)
        return self.encoder

    def predict(self, steps: list[Step]) -> list[Route]:
        if not steps:
            return []
        embeddings = self._encoder().encode(steps)
        if embeddings.shape[1] != self.weights.shape[1]:  # e.g. a router saved by an agentft with another layout
            raise AgentftError(
                f"the router's head expects {self.weights.shape[1]} features, its encoder gives {embeddings.shape[1]};"
                " retrain it with `agentft router train`",
                file=self.folder,
            )
        probs = self.probabilities(embeddings)
        routes = []
        for row in probs:
            best = int(row.argmax())
            scores = {c: round(float(p), 6) for c, p in zip(self.classes, row, strict=True)}
            confidence = float(row[best])
            if confidence < self.threshold:
                routes.append(Route(self.fallback, confidence, scores, fallback=True))
            else:
                routes.append(Route(self.classes[best], confidence, scores))
        return routes

    def route(self, messages: list[dict[str, Any]]) -> Route:
        return self.predict([Step.of(messages)])[0]

    def save(self, out: Path) -> None:
        from safetensors.numpy import save_file

        from agentft.core.io import atomic_directory, write_json_atomic

        with atomic_directory(out) as tmp:
            # sklearn keeps coef_ Fortran-ordered; safetensors writes raw bytes, so make them C-ordered first
            head = {
                "weights": np.ascontiguousarray(self.weights, np.float32),
                "bias": np.ascontiguousarray(self.bias, np.float32),
            }
            save_file(head, tmp / "head.safetensors")
            settings = self.encoder_settings
            derived = sentence_encoder(self._encoder())
            if derived is not None and derived.derived:  # a distilled or tuned encoder travels with the router
                derived.save(tmp / DERIVED_ENCODER)
                settings = settings.model_copy(update={"model": DERIVED_ENCODER})
            write_json_atomic(
                tmp / "router.json",
                {
                    "classes": self.classes,
                    "temperature": self.temperature,
                    "threshold": self.threshold,
                    "fallback": self.fallback,
                    "encoder": settings.model_dump(),
                    "info": self.info,
                },
            )

    @classmethod
    def load(cls, folder: str | Path, **overrides: Any) -> Router:
        from safetensors.numpy import load_file

        folder = Path(folder)
        meta_path = folder / "router.json"
        if not meta_path.is_file():
            raise AgentftError("not a trained router (no router.json); run `agentft router train`", file=folder)
        meta = json.loads(meta_path.read_text())
        head = load_file(str(folder / "head.safetensors"))
        encoder = meta["encoder"]
        if encoder["model"] == DERIVED_ENCODER:  # saved beside the head: resolve against this folder
            encoder = {**encoder, "model": str(folder / DERIVED_ENCODER)}
        settings = {
            "classes": meta["classes"],
            "weights": head["weights"],
            "bias": head["bias"],
            "temperature": meta["temperature"],
            "threshold": meta["threshold"],
            "fallback": meta["fallback"],
            "encoder_settings": EncoderSettings(**encoder),
            "info": meta.get("info", {}),
            "folder": folder,
        }
        return cls(**{**settings, **overrides})
