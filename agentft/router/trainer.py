"""Train and evaluate a router: embed labeled steps, fit a logistic-regression head (scikit-learn), then fit a
softmax temperature on a held-out slice so that `confidence` means what it says (the threshold acts on it)."""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from agentft.core.errors import AgentftError
from agentft.core.io import iter_jsonl
from agentft.router.config import EncoderSettings, RouterConfig
from agentft.router.encoders import SentenceTransformerEncoder, make_encoder, sentence_encoder
from agentft.router.router import Router
from agentft.router.step import STEP_KEYS, Step

NEAR_COPY_COSINE = 0.8  # frozen MiniLM cosine above which two steps count as one step paraphrased


def load_steps(path: str | Path, *, labeled: bool = True) -> list[dict[str, Any]]:
    """Rows `{"step": Step, "adapter": label}` from JSONL lines `{"request", "tool_result", "adapter", "source"}`."""
    path = Path(path)
    if not path.is_file():
        raise AgentftError("steps file not found", file=path)
    rows = []
    for index, row in enumerate(iter_jsonl(path)):
        unknown = sorted(set(row) - STEP_KEYS) if isinstance(row, dict) else []
        if unknown:  # a typo'd key ("adpater") must not train silently on what is left
            raise AgentftError(
                f"unknown key (known: {', '.join(sorted(STEP_KEYS))})", file=path, path=f"$[{index}].{unknown[0]}"
            )
        step = Step.from_json(row, file=path, index=index)
        if labeled and not isinstance(row.get("adapter"), str):
            raise AgentftError("each line needs a string 'adapter' label", file=path, path=f"$[{index}].adapter")
        rows.append({"step": step, "adapter": row.get("adapter")})
    if not rows:
        raise AgentftError("no steps", file=path)
    return rows


def dataset_steps(adapter: str, dataset_dir: str, limit: int) -> list[dict[str, Any]]:
    """Tool-using queries of a build-dataset output, labeled with the adapter that owns its tools file."""
    path = Path(dataset_dir) / "train.jsonl"
    if not path.is_file():
        raise AgentftError("dataset has no train.jsonl", file=path)
    out = []
    for row in iter_jsonl(path):
        if row.get("kind") != "irrelevance":
            out.append({"step": Step(row["messages"][-2]["content"]), "adapter": adapter})
        if len(out) >= limit:
            break
    return out


def training_steps(config: RouterConfig) -> list[dict[str, Any]]:
    rows = [r for path in config.data.steps for r in load_steps(path)]
    for adapter, folder in config.data.datasets.items():
        rows += dataset_steps(adapter, folder, config.data.max_per_dataset)
    unique = {r["step"]: r["adapter"] for r in rows}
    return [{"step": s, "adapter": a} for s, a in unique.items()]


def near_copies(steps: list[str], held_out: list[str]) -> list[tuple[str, str, float]]:
    """(training step, closest held-out step, cosine) for each training step that paraphrases a held-out one: with
    such a step in training, a held-out file measures recall, not routing of steps never seen."""
    encoder = SentenceTransformerEncoder(EncoderSettings())
    similarity = encoder.encode(steps) @ encoder.encode(held_out).T
    closest = similarity.argmax(axis=1)
    return [
        (step, held_out[j], float(similarity[i, j]))
        for i, (step, j) in enumerate(zip(steps, closest, strict=True))
        if similarity[i, j] > NEAR_COPY_COSINE
    ]


def _fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimizing held-out negative log-likelihood (a 1-D search is all calibration needs)."""
    best, best_nll = 1.0, float("inf")
    for t in np.exp(np.linspace(np.log(0.05), np.log(20), 200)):
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        nll = -log_probs[np.arange(len(labels)), labels].mean()
        if nll < best_nll:
            best, best_nll = float(t), nll
    return best


def train_router(config: RouterConfig, log: Any = print) -> Router:
    from sklearn.linear_model import LogisticRegression

    rows = training_steps(config)
    classes = sorted({r["adapter"] for r in rows})
    if len(classes) < 2:
        raise AgentftError(f"router training needs at least two adapters; got {classes}")
    rng = random.Random(config.seed)
    by_class: dict[str, list[dict[str, Any]]] = {c: [] for c in classes}
    for r in rows:
        by_class[r["adapter"]].append(r)
    fit_rows, cal_rows = [], []
    for items in by_class.values():
        rng.shuffle(items)
        cut = max(1, int(len(items) * config.calibration_fraction))
        cal_rows += items[:cut]
        fit_rows += items[cut:]
    log(f"router: {len(rows)} steps {dict(Counter(r['adapter'] for r in rows))}; encoding with {config.encoder.model}")
    encoder = make_encoder(config.encoder)
    index = {c: i for i, c in enumerate(classes)}
    finetune_s = 0.0
    if config.finetune is not None:
        started = time.perf_counter()
        log(f"router: fine-tuning the encoder on {len(fit_rows)} steps ({config.finetune.epochs:g} epochs)")
        tunable = sentence_encoder(encoder)
        if tunable is None:
            raise AgentftError("router fine-tuning needs a sentence-transformers or static encoder")
        steps = [r["step"] for r in fit_rows]
        pairs = [(s.request, s.tool_result) if config.encoder.split_tool_result else (s.text, "") for s in steps]
        tunable.finetune(pairs, [index[r["adapter"]] for r in fit_rows], config.finetune, config.seed)
        finetune_s = time.perf_counter() - started
    started = time.perf_counter()
    x_fit = encoder.encode([r["step"] for r in fit_rows])
    x_cal = encoder.encode([r["step"] for r in cal_rows])
    encode_s = time.perf_counter() - started
    y_fit = np.array([index[r["adapter"]] for r in fit_rows])
    y_cal = np.array([index[r["adapter"]] for r in cal_rows])

    def fit_head(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        head = LogisticRegression(C=config.C, max_iter=5000, class_weight="balanced", random_state=config.seed)
        head.fit(x, y)
        weights, bias = head.coef_, head.intercept_
        if len(classes) == 2:  # sklearn's binary head has one row; expand to one row per class
            weights = np.vstack([-weights[0] / 2, weights[0] / 2])
            bias = np.array([-bias[0] / 2, bias[0] / 2])
        return weights, bias

    weights, bias = fit_head(x_fit, y_fit)
    logits = x_cal @ weights.T + bias
    temperature = _fit_temperature(logits, y_cal)
    calibration_accuracy = float((logits.argmax(axis=1) == y_cal).mean())
    # the temperature comes from the held-out slice; the final head then learns from every step (same C)
    weights, bias = fit_head(np.vstack([x_fit, x_cal]), np.concatenate([y_fit, y_cal]))
    router = Router(
        classes=classes,
        weights=weights,
        bias=bias,
        temperature=temperature,
        threshold=config.threshold,
        fallback=config.fallback,
        encoder_settings=config.encoder,
        encoder=encoder,
    )
    router.info = {
        "steps": len(rows),
        "per_class": dict(Counter(r["adapter"] for r in rows)),
        "calibration_accuracy": calibration_accuracy,
        "temperature": temperature,
        "encode_seconds": round(encode_s, 2),
        "finetune_seconds": round(finetune_s, 2),
        "config": config.model_dump(),
    }
    log(
        f"router: held-out calibration accuracy {router.info['calibration_accuracy']:.3f}, "
        f"temperature {temperature:.3f}"
    )
    return router


def evaluate_router(router: Router, rows: list[dict[str, Any]], latency_samples: int = 200) -> dict[str, Any]:
    """Accuracy, per-class precision/recall, confusion matrix; latency per step once loaded (single and batched)."""
    steps = [r["step"] for r in rows]
    router.predict(steps[:4])  # warm-up: load the encoder outside the timings
    started = time.perf_counter()
    routes = router.predict(steps)
    batched_ms = 1000 * (time.perf_counter() - started) / len(steps)
    single = []
    # spread over the whole set, not its first files: the newer held-out files have longer steps (tool results)
    for index in np.linspace(0, len(steps) - 1, latency_samples).round().astype(int):
        t0 = time.perf_counter()
        router.predict([steps[index]])
        single.append(1000 * (time.perf_counter() - t0))
    labels = sorted({r["adapter"] for r in rows} | set(router.classes) | {router.fallback})
    confusion = {t: dict.fromkeys(labels, 0) for t in labels}
    for row, route in zip(rows, routes, strict=True):
        confusion[row["adapter"]][route.adapter] += 1
    per_class = {}
    for label in labels:
        tp = confusion[label][label]
        predicted = sum(confusion[t][label] for t in labels)
        actual = sum(confusion[label].values())
        if actual or predicted:
            per_class[label] = {
                "precision": tp / predicted if predicted else 0.0,
                "recall": tp / actual if actual else 0.0,
                "support": actual,
            }
    correct = sum(confusion[t][t] for t in labels)
    return {
        "n": len(rows),
        "accuracy": correct / len(rows),
        "fallbacks": sum(r.fallback for r in routes),
        "per_class": per_class,
        "confusion": confusion,
        "latency_ms": {
            "single_p50": float(np.percentile(single, 50)),
            "single_p95": float(np.percentile(single, 95)),
            "single_mean": float(np.mean(single)),
            "batched_per_step": batched_ms,
        },
        "errors": [
            {**r["step"].to_json(), "expected": r["adapter"], "got": route.adapter, "confidence": route.confidence}
            for r, route in zip(rows, routes, strict=True)
            if route.adapter != r["adapter"]
        ][:20],
    }
