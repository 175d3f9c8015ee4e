"""Distillation from a teacher, two kinds.

- sequence: the teacher (a local model or an OpenAI-compatible endpoint) answers the training queries; answers are
  kept only if they parse, validate against the tool schemas and match the reference call (rejection sampling), then
  the student is SFT-trained on them. The acceptance rate goes into the card.
- logit: TRL's GKD trainer matches the student's token distribution to the teacher's on the dataset conversations
  (lmbda > 0 mixes in student-generated sequences); teacher and student must share a tokenizer.
"""

from __future__ import annotations

from typing import Any

from agentft.core.calls import message_calls
from agentft.core.errors import AgentftError
from agentft.dataset.paraphrase import TeacherParaphraser
from agentft.dataset.queries import states_all_values
from agentft.evaluation.suites import calls_match
from agentft.serving import teacher_backend
from agentft.serving.protocol import Backend, GenerationRequest, SamplingParams
from agentft.training.common import TrainContext, trainer_kwargs, training_args
from agentft.training.data import read_rows, sft_rows
from agentft.training.lora import trainable_model
from agentft.training.sft_trainer import sft_trainer


def _assistant_message(completion: Any) -> dict[str, Any]:
    if completion.calls:
        return {"role": "assistant", "tool_calls": [c.to_openai() for c in completion.calls]}
    return {"role": "assistant", "content": completion.text.strip()}


def teacher_rows(ctx: TrainContext, teacher: Backend) -> list[dict[str, Any]]:
    """Rejection sampling: per query, the first teacher answer that validates and matches the reference."""
    cfg = ctx.config
    settings = cfg.distill
    rows = read_rows(cfg.dataset, "train", cfg.max_train_examples)
    if settings.paraphrase:
        paraphrase = TeacherParaphraser(teacher)
        for row in rows:
            user = row["messages"][-2]
            calls = message_calls(row["messages"][-1])
            if calls:
                rewritten = paraphrase(user["content"], calls, [])
                if states_all_values(rewritten, calls):
                    user["content"] = rewritten
    sampling = SamplingParams(max_new_tokens=cfg.eval.max_new_tokens, temperature=settings.temperature, seed=cfg.seed)
    requests = [
        GenerationRequest(messages=row["messages"][:-1], tools=row.get("tools", []), sampling=sampling)
        for row in rows
        for _ in range(settings.samples)
    ]
    completions = teacher.generate(requests)
    accepted: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        expected = message_calls(row["messages"][-1])
        for completion in completions[index * settings.samples : (index + 1) * settings.samples]:
            answer_ok = bool(completion.calls) or bool(completion.text.strip())
            if completion.valid and answer_ok and calls_match(completion.calls, expected):
                accepted.append({**row, "messages": [*row["messages"][:-1], _assistant_message(completion)]})
                break
    ctx.report["distill"] = {
        "kind": "sequence",
        "teacher": settings.teacher,
        "queries": len(rows),
        "samples": len(requests),
        "accepted": len(accepted),
        "acceptance_rate": len(accepted) / len(rows),
    }
    if not accepted:
        raise AgentftError(f"the teacher {settings.teacher!r} produced no valid answer matching the references")
    return accepted


def _same_tokenizer(student: Any, teacher: Any) -> bool:
    return student.get_vocab() == teacher.get_vocab()


def distill_trainer(ctx: TrainContext) -> Any:
    cfg = ctx.config
    settings = cfg.distill
    assert settings.teacher is not None  # enforced by TrainConfig
    if settings.kind == "sequence":
        teacher = teacher_backend(settings.teacher, settings.teacher_model, settings.api_key_env)
        return sft_trainer(ctx, rows=teacher_rows(ctx, teacher))

    from trl.experimental.gkd import GKDConfig, GKDTrainer

    from agentft.core.models import load_model, load_tokenizer, resolve_base_model

    if settings.teacher.startswith(("http://", "https://")):
        raise AgentftError("logit distillation needs the teacher's weights: set distill.teacher to a model folder")
    teacher_path = resolve_base_model(settings.teacher)
    if not _same_tokenizer(ctx.tokenizer, load_tokenizer(teacher_path)):
        raise AgentftError(
            "logit distillation needs a teacher with the student's tokenizer; use distill.kind: sequence instead"
        )
    train = read_rows(cfg.dataset, "train", cfg.max_train_examples)
    val = read_rows(cfg.dataset, "val", cfg.eval.limit)
    args = GKDConfig(
        **training_args(ctx, has_eval=True),
        lmbda=settings.lmbda,
        beta=settings.beta,
        temperature=max(settings.temperature, 1e-3) if settings.temperature else 1.0,
        max_length=cfg.max_length,
        max_new_tokens=cfg.eval.max_new_tokens,
    )
    model = trainable_model(cfg, ctx.base_path)
    ctx.report["distill"] = {
        "kind": "logit",
        "teacher": settings.teacher,
        "lmbda": settings.lmbda,
        "beta": settings.beta,
    }
    teacher = load_model(teacher_path, "none", cfg.dtype)
    return GKDTrainer(teacher_model=teacher, args=args, **trainer_kwargs(ctx, model, sft_rows(train), sft_rows(val)))
