"""`agentft train` on a tiny offline Llama: every stage and method, masks, QLoRA, resume, registry, bad configs."""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytest.importorskip("trl")

import torch  # noqa: E402
import yaml  # noqa: E402
from conftest import ROOT, read_jsonl, run_cli  # noqa: E402
from safetensors.torch import load_file  # noqa: E402

from agentft.adapters.registry import AdapterRegistry  # noqa: E402
from agentft.adapters.safety_gate import safety_gate  # noqa: E402
from agentft.core.chat_template import chat_messages, format_tool_calls  # noqa: E402
from agentft.core.config import apply_overrides  # noqa: E402
from agentft.core.errors import AgentftError  # noqa: E402
from agentft.core.models import load_tokenizer  # noqa: E402
from agentft.training.common import TrainContext  # noqa: E402
from agentft.training.config import load_config  # noqa: E402
from agentft.training.job import run_job  # noqa: E402
from agentft.training.sft_trainer import sft_trainer  # noqa: E402

CODE = ROOT / "datasets" / "code_tools"


def _job(overrides, *extra, **kwargs):
    return run_job(load_config(None, [*overrides, *extra]), log=lambda _: None, post_train=safety_gate, **kwargs)


def _lora_b_norm(adapter_dir) -> float:
    weights = load_file(adapter_dir / "adapter_model.safetensors")
    return sum(float(v.float().norm()) for k, v in weights.items() if "lora_B" in k)


# --- the chat template ---------------------------------------------------------------------------------------


def test_template_tools_argument_equals_inlined_tools(tiny_model):
    tokenizer = load_tokenizer(str(tiny_model))
    for row in read_jsonl(CODE / "train.jsonl")[:20]:
        direct = tokenizer.apply_chat_template(row["messages"], tools=row["tools"], tokenize=False)
        inlined = tokenizer.apply_chat_template(chat_messages(row["messages"], row["tools"]), tokenize=False)
        assert direct == inlined


def test_assistant_mask_covers_exactly_the_call_and_stop(tiny_model):
    tokenizer = load_tokenizer(str(tiny_model))
    row = next(r for r in read_jsonl(CODE / "train.jsonl") if r["kind"] == "parallel")
    out = tokenizer.apply_chat_template(
        chat_messages(row["messages"], row["tools"]), return_dict=True, return_assistant_tokens_mask=True
    )
    masked = [t for t, m in zip(out["input_ids"], out["assistant_masks"], strict=True) if m]
    assert tokenizer.decode(masked) == format_tool_calls(row["messages"][-1]["tool_calls"]) + "<|im_end|>"
    prompt = tokenizer.apply_chat_template(
        chat_messages(row["messages"][:-1], row["tools"]), add_generation_prompt=True, return_dict=True
    )["input_ids"]
    assert out["input_ids"][: len(prompt)] == prompt
    assert not any(out["assistant_masks"][: len(prompt)])  # the prompt (tools, query) carries no loss


def test_an_assistant_turn_weighted_zero_is_context_not_loss(train_overrides, tmp_path):
    """Recovery rows show the call a tool rejected (weight 0, OpenAI's convention) and teach only the retry;
    through TRL's real tokenization, with the other rows' messages carrying no weight."""
    from agentft.dataset.builder import BuildConfig, build_dataset

    data = tmp_path / "ds"
    build_dataset(ROOT / "schemas" / "retrieval_tools.json", data, BuildConfig(n=40, mix={"recovery": 1, "single": 1}))
    # the tiny tokenizer spells ids out in many tokens: room for every row, so none is dropped as fully masked
    overrides = [*train_overrides, f"dataset={data}", "max_length=4096"]
    ctx = TrainContext(load_config(None, overrides), "", None, tmp_path)
    ctx.base_path = ctx.config.base_model
    ctx.tokenizer = load_tokenizer(ctx.base_path)
    trainer = sft_trainer(ctx)
    rows = read_jsonl(data / "train.jsonl")
    assert {r["kind"] for r in rows} == {"recovery", "single"} and len(rows) == len(trainer.train_dataset)
    for row, example in zip(rows, trainer.train_dataset, strict=True):
        trained = ctx.tokenizer.decode([label for label in example["labels"] if label != -100])
        assert trained == format_tool_calls(row["messages"][-1]["tool_calls"]) + "<|im_end|>"
        if row["kind"] == "recovery":  # the rejected call is in the input, outside the loss
            assert format_tool_calls(row["messages"][2]["tool_calls"]) in ctx.tokenizer.decode(example["input_ids"])


def test_sft_trainer_labels_only_assistant_tokens(train_overrides, tmp_path):
    ctx = TrainContext(load_config(None, train_overrides), "", None, tmp_path)
    ctx.base_path = ctx.config.base_model
    ctx.tokenizer = load_tokenizer(ctx.base_path)
    trainer = sft_trainer(ctx)
    example = trainer.train_dataset[0]
    ids = [label for label in example["labels"] if label != -100]
    first = read_jsonl(CODE / "train.jsonl")[0]["messages"][-1]
    assert ctx.tokenizer.decode(ids) == format_tool_calls(first["tool_calls"]) + "<|im_end|>"


def test_labelled_positions_only_gives_the_full_head_loss_and_gradients(train_overrides, tmp_path, monkeypatch):
    """The CPU speed-up scores fewer rows through the LM head: loss, logged metrics and LoRA gradients must hold."""
    import trl.trainer.utils as trl_utils
    from trl.kernels.chunked_logprob import _use_triton as scores_all  # TRL's own test; the switch patches utils' copy

    ctx = TrainContext(load_config(None, train_overrides), "", None, tmp_path)
    ctx.base_path = ctx.config.base_model
    ctx.tokenizer = load_tokenizer(ctx.base_path)
    trainer = sft_trainer(ctx)
    assert trl_utils._use_triton(torch.device("cpu")) and not scores_all(torch.device("cpu"))
    batch = next(iter(trainer.get_train_dataloader()))
    assert (batch["labels"] == -100).float().mean() > 0.5  # most positions carry no label: the saving is real
    model = trainer.model
    results = []
    for use_triton in (scores_all, trl_utils._use_triton):
        monkeypatch.setattr(trl_utils, "_use_triton", use_triton)
        model.zero_grad()
        trainer._metrics["train"].clear()
        loss = trainer.compute_loss(model, dict(batch))
        loss.backward()
        grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}
        metrics = {k: v[-1] for k, v in trainer._metrics["train"].items() if k != "num_tokens"}  # a running count
        results.append((loss.detach(), grads, metrics))
    (full, full_grads, full_metrics), (labelled, labelled_grads, labelled_metrics) = results
    torch.testing.assert_close(labelled, full)
    assert full_grads.keys() == labelled_grads.keys() and any(g.abs().sum() > 0 for g in full_grads.values())
    for name, grad in full_grads.items():
        torch.testing.assert_close(labelled_grads[name], grad, rtol=1e-4, atol=1e-6)
    assert full_metrics.keys() == labelled_metrics.keys() and "entropy" in full_metrics
    for key, value in full_metrics.items():
        assert labelled_metrics[key] == pytest.approx(value, rel=1e-4, abs=1e-6), key


# --- SFT jobs --------------------------------------------------------------------------------------------------


def test_sft_job_writes_adapter_curves_eval_card_and_registers(train_overrides, tmp_path):
    entry = _job(train_overrides)
    assert entry.ref == "tiny@v1" and entry.status == "ok"
    assert (entry.adapter_dir / "adapter_model.safetensors").is_file()
    assert _lora_b_norm(entry.adapter_dir) > 0  # B starts at zero: non-zero means the weights were trained
    records = read_jsonl(entry.path / "metrics.jsonl")
    assert any("loss" in r for r in records) and any("eval_loss" in r for r in records)
    assert (entry.path / "loss.png").read_bytes()[:4] == b"\x89PNG"
    evaluation = json.loads((entry.path / "eval.json").read_text())
    assert set(evaluation) == {"base", "default"}
    assert set(evaluation["base"]) == {"test", "test_ood", "bfcl:simple_python"}
    card = (entry.path / "README.md").read_text()
    manifest_sha = entry.info["dataset_manifest_sha256"]
    assert manifest_sha and manifest_sha in card and "## Safety gate" in card
    assert entry.info["safety"]["accepted"] is True
    assert entry.info["training"]["train_tokens"] > 0
    cache = tmp_path / "registry" / ".base_results.json"
    assert len(json.loads(cache.read_text())) == 4  # three eval suites and the safety suite, for the bare base
    written = cache.stat().st_mtime_ns
    second = _job(train_overrides)
    assert second.ref == "tiny@v2"
    assert cache.stat().st_mtime_ns == written  # the second job on this base decoded none of the base's cases
    assert json.loads((second.path / "eval.json").read_text())["base"] == evaluation["base"]
    assert second.info["safety"]["base"] == entry.info["safety"]["base"]
    assert [e.ref for e in AdapterRegistry(tmp_path / "registry").list()] == ["tiny@v1", "tiny@v2"]


def test_saved_adapter_reloads_with_identical_logits(train_overrides, tiny_model):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    entry = _job(train_overrides, "safety.enabled=false", "eval.splits=[]", "eval.bfcl_dir=null")
    tokenizer = load_tokenizer(str(tiny_model))
    ids = tokenizer("<|im_start|>user\nrun the tests<|im_end|>\n", return_tensors="pt")["input_ids"]
    base = AutoModelForCausalLM.from_pretrained(tiny_model)
    with torch.no_grad():
        base_logits = base(ids).logits
        model = PeftModel.from_pretrained(base, entry.adapter_dir)
        adapted = model(ids).logits
        with model.disable_adapter():
            disabled = model(ids).logits
    assert torch.allclose(disabled, base_logits)
    assert not torch.allclose(adapted, base_logits)


@pytest.mark.parametrize(
    ("method", "config_flag"), [("dora", "use_dora"), ("rslora", "use_rslora"), ("loraplus", None)]
)
def test_methods(train_overrides, method, config_flag):
    quick = ["max_steps=2", "logging_steps=10", "safety.enabled=false", "eval.splits=[]"]
    entry = _job(train_overrides, f"lora.method={method}", *quick)
    assert entry.info["training"]["train_tokens"] > 0  # counted though no step was logged
    adapter_config = json.loads((entry.adapter_dir / "adapter_config.json").read_text())
    if config_flag:
        assert adapter_config[config_flag] is True
    assert _lora_b_norm(entry.adapter_dir) > 0


def test_half_precision_without_native_kernels_is_warned_about(train_overrides):
    from pathlib import Path

    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    native = torch.cuda.is_available() or "avx512_bf16" in flags or "amx_bf16" in flags
    quick = ["max_steps=1", "safety.enabled=false", "eval.splits=[]", "eval.bfcl_dir=null"]
    for dtype in ("bfloat16", "float32"):
        lines: list[str] = []
        run_job(load_config(None, [*train_overrides, *quick, f"dtype={dtype}"]), log=lines.append)
        warned = any(line.startswith("warning: this CPU has no native bfloat16") for line in lines)
        assert warned == (dtype == "bfloat16" and not native)


def test_loraplus_gives_b_matrices_a_higher_learning_rate(train_overrides, tmp_path):
    cfg = load_config(None, [*train_overrides, "lora.method=loraplus", "lora.loraplus_lr_ratio=8"])
    ctx = TrainContext(cfg, cfg.base_model, load_tokenizer(cfg.base_model), tmp_path)
    trainer = sft_trainer(ctx)
    lrs = sorted({group["lr"] for group in trainer.optimizer.param_groups if group["params"]})
    assert lrs[-1] == pytest.approx(8 * cfg.learning_rate)


def test_qlora_nf4_trains_on_cpu(train_overrides):
    entry = _job(train_overrides, "quantization=nf4", "max_steps=2", "safety.enabled=false", "eval.bfcl_dir=null")
    assert entry.info["training"]["steps"] == 2
    assert _lora_b_norm(entry.adapter_dir) > 0


def test_resume_continues_from_the_last_checkpoint(train_overrides, tmp_path):
    quick = ["safety.enabled=false", "eval.splits=[]", "eval.bfcl_dir=null"]
    _job(train_overrides, "max_steps=2", *quick)
    assert (tmp_path / "run" / "checkpoints" / "checkpoint-2").is_dir()
    entry = _job(train_overrides, "max_steps=4", *quick, resume=True)
    assert entry.info["training"]["steps"] == 4
    steps = [r["step"] for r in read_jsonl(entry.path / "metrics.jsonl") if "loss" in r]
    assert steps == [1, 2, 3, 4]  # the resumed run logged only steps 3 and 4, after the first run's 1 and 2


# --- DPO and distillation ------------------------------------------------------------------------------------


def test_dpo_continues_the_sft_adapter(train_overrides):
    sft = _job(train_overrides, "safety.enabled=false", "eval.bfcl_dir=null")
    dpo = _job(train_overrides, "stage=dpo", f"dpo.from_adapter={sft.ref}", "name=tiny-dpo", "eval.bfcl_dir=null")
    assert dpo.info["report"]["from_adapter"] == str(sft.adapter_dir)
    assert dpo.info["training"]["train_tokens"] > 0  # DPO's batches are counted too
    assert any("rewards/chosen" in r or "eval_rewards/chosen" in r for r in read_jsonl(dpo.path / "metrics.jsonl"))
    before = load_file(sft.adapter_dir / "adapter_model.safetensors")
    after = load_file(dpo.adapter_dir / "adapter_model.safetensors")
    assert before.keys() == after.keys()
    assert any(not torch.equal(before[k], after[k]) for k in before)


def test_dpo_on_chosen_rejection_kinds_against_a_frozen_copy_of_the_sft_adapter(train_overrides, tmp_path):
    from agentft.training.dpo_trainer import dpo_trainer

    sft = _job(train_overrides, "max_steps=1", "safety.enabled=false", "eval.splits=[]", "eval.bfcl_dir=null")
    dpo = [*train_overrides, "stage=dpo", f"dpo.from_adapter={sft.ref}"]
    kinds = ["call_when_irrelevant", "no_call"]
    cfg = load_config(None, [*dpo, f"dpo.rejection_kinds=[{','.join(kinds)}]", "dpo.loss_type=[sigmoid,sft]"])
    trainer = dpo_trainer(TrainContext(cfg, cfg.base_model, load_tokenizer(cfg.base_model), tmp_path))
    assert trainer.args.loss_type == ["sigmoid", "sft"]  # RPO: DPO plus the chosen replies' NLL
    pairs = read_jsonl(ROOT / "datasets" / "code_tools" / "dpo.jsonl")
    wanted = [p for p in pairs if p["rejection_kind"] in kinds]
    assert 0 < len(trainer.train_dataset) + len(trainer.eval_dataset) == len(wanted) < len(pairs)
    # the reference is the SFT adapter (a frozen copy), not the bare base: DPO's margin starts at zero
    assert set(trainer.model.peft_config) == {"default", "ref"}
    ref = {n: p for n, p in trainer.model.named_parameters() if ".ref." in n}
    assert ref and all(not p.requires_grad for p in ref.values())
    default = dict(trainer.model.named_parameters())
    assert all(torch.equal(p, default[n.replace(".ref.", ".default.")]) for n, p in ref.items())

    misspelt = load_config(None, [*dpo, "dpo.rejection_kinds=[call_when_irelevant]"])
    with pytest.raises(AgentftError, match="no pair .* has rejection_kind call_when_irelevant"):
        dpo_trainer(TrainContext(misspelt, misspelt.base_model, load_tokenizer(misspelt.base_model), tmp_path))


class _Teacher(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint standing in for a remote teacher: right on even requests, wrong on odd ones."""

    answers: dict[str, dict] = {}
    count = 0

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        reference = self.answers[body["messages"][-1]["content"]]
        type(self).count += 1
        if self.count % 2 == 0:
            message = {"role": "assistant", "content": reference.get("content"), "tool_calls": None}
            if "tool_calls" in reference:
                message["tool_calls"] = [
                    {
                        "id": "c",
                        "type": "function",
                        "function": {**c["function"], "arguments": json.dumps(c["function"]["arguments"])},
                    }
                    for c in reference["tool_calls"]
                ]
        else:
            message = {"role": "assistant", "content": '<tool_call>\n{"name": "rm_rf", "arguments": {}}\n</tool_call>'}
        data = json.dumps({"choices": [{"message": message}], "usage": {"completion_tokens": 5}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_sequence_distillation_keeps_only_validated_teacher_answers(train_overrides):
    rows = read_jsonl(CODE / "train.jsonl")[:8]
    _Teacher.answers = {r["messages"][-2]["content"]: r["messages"][-1] for r in rows}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Teacher)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        entry = _job(
            train_overrides,
            "stage=distill",
            f"distill.teacher=http://127.0.0.1:{server.server_port}/v1",
            "distill.teacher_model=teacher",
            "max_train_examples=8",
            "safety.enabled=false",
            "eval.bfcl_dir=null",
        )
    finally:
        server.shutdown()
    report = entry.info["report"]["distill"]
    assert report["queries"] == 8
    assert report["accepted"] == 4 and report["acceptance_rate"] == 0.5


def test_sequence_distillation_with_a_useless_teacher_fails_clearly(train_overrides, tiny_model):
    with pytest.raises(AgentftError, match="no valid answer"):
        _job(train_overrides, "stage=distill", f"distill.teacher={tiny_model}", "max_train_examples=2")


def test_logit_distillation_with_gkd(train_overrides, tiny_model):
    entry = _job(
        train_overrides,
        "stage=distill",
        "distill.kind=logit",
        f"distill.teacher={tiny_model}",
        "max_steps=2",
        "safety.enabled=false",
        "eval.bfcl_dir=null",
    )
    assert entry.info["report"]["distill"]["kind"] == "logit"
    assert _lora_b_norm(entry.adapter_dir) > 0


# --- errors and the CLI ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("lora.rank=8", "$.lora.rank: unknown key"),
        ("stage=rl", "$.stage"),
        ("stage=distill", "needs distill.teacher"),
        ("dataset=/no/such/dir", "dataset folder not found"),
        ("lora.r=0", "$.lora.r"),
        ("dpo.loss_weights=[1.0,0.5]", "$.dpo: dpo.loss_weights has 2 weights for 1 loss types"),
    ],
)
def test_bad_config_is_one_clean_line(train_overrides, tmp_path, override, message):
    config = tmp_path / "job.yaml"
    config.write_text(yaml.safe_dump(apply_overrides({}, train_overrides)))
    result = run_cli("train", config, "--set", override)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_one_dpo_loss_type_may_be_written_alone(train_overrides):
    assert load_config(None, [*train_overrides, "dpo.loss_type=ipo"]).dpo.loss_type == ["ipo"]


def test_invalid_yaml_names_the_line(tmp_path):
    config = tmp_path / "job.yaml"
    config.write_text("name: x\nlora: [unclosed\n")
    result = run_cli("train", config)
    assert result.returncode == 2 and "invalid YAML (line" in result.stderr


def test_safety_regression_rejects_the_adapter_and_exits_nonzero(train_overrides, tmp_path):
    config = tmp_path / "job.yaml"
    config.write_text(yaml.safe_dump(apply_overrides({}, train_overrides)))
    # margin -1: the adapter would have to beat the base by 100 points, so this job must be rejected
    result = run_cli("train", config, "--set", "safety.margin=-1", "--set", "eval.splits=[]")
    assert result.returncode == 2, result.stderr
    assert "rejected by the safety gate" in result.stderr
    registry = AdapterRegistry(tmp_path / "registry")
    (entry,) = registry.list()
    assert entry.status == "rejected"
    with pytest.raises(AgentftError, match="rejected"):
        registry.resolve("tiny")
    listing = run_cli("adapters", "list", "--registry", tmp_path / "registry")
    assert "tiny@v1" in listing.stdout and "rejected" in listing.stdout
    shown = run_cli("adapters", "show", "tiny@v1", "--registry", tmp_path / "registry")
    assert shown.returncode == 0 and "## Safety gate" in shown.stdout


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("train_*.yaml")), ids=lambda p: p.name)
def test_example_configs_are_valid(path):
    config = load_config(path)
    assert config.name and config.stage in ("sft", "dpo", "distill")


def test_eval_cli_compares_base_and_adapter(train_overrides, tiny_model, tmp_path):
    entry = _job(train_overrides, "safety.enabled=false", "eval.splits=[]", "eval.bfcl_dir=null")
    out = tmp_path / "eval.json"
    result = run_cli(
        "eval", "--adapter", entry.ref, "--registry", tmp_path / "registry", "--base", tiny_model,
        "--dataset", CODE, "--split", "test,test_ood", "--bfcl", ROOT / "tests" / "data" / "bfcl",
        "--categories", "simple_python", "--limit", "2", "--max-new-tokens", "8", "--json", out,
        "--outputs", tmp_path / "cases.jsonl",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())["results"]
    assert set(report) == {"base", "tiny@v1"}
    assert set(report["base"]) == {"test", "test_ood", "bfcl:simple_python"}
    cases = [json.loads(line) for line in (tmp_path / "cases.jsonl").read_text().splitlines()]
    assert len(cases) == 2 * 3 * 2  # two models, three suites, two cases each
    for model, scores in report.items():
        for suite, s in scores.items():
            mine = [c for c in cases if c["model"] == model and c["suite"] == suite]
            assert sum(c["correct"] for c in mine) / len(mine) == s["accuracy"]
            assert Counter(c["error"] for c in mine if not c["correct"] and c["error"]) == Counter(s["errors"])
    first = next(c for c in cases if c["suite"] == "bfcl:simple_python")
    assert first["id"] == "simple_python_0" and first["question"] and first["expected"]
    assert "acc / valid" in result.stdout
    missing = run_cli("eval", "--adapter", "nope", "--registry", tmp_path / "registry", "--dataset", CODE)
    assert missing.returncode == 2 and "no adapter named 'nope'" in missing.stderr


def test_teacher_paraphrase_hook_keeps_datasets_verified(tiny_model, tmp_path):
    from agentft.dataset.verify import verify_dataset

    out = tmp_path / "ds"
    result = run_cli(
        "build-dataset", ROOT / "schemas" / "code_tools.json", "-o", out, "--n", "12",
        "--paraphrase-teacher", tiny_model,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    check = verify_dataset(out)
    assert check["valid_calls"] == check["calls"] > 0  # a random teacher's rewrites drop values and are refused


def test_export_merges_the_adapter_into_a_standalone_model(train_overrides, tiny_model, tmp_path):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    entry = _job(train_overrides, "safety.enabled=false", "eval.splits=[]", "eval.bfcl_dir=null")
    out = tmp_path / "merged"
    result = run_cli("adapters", "export", entry.ref, "-o", out, "--registry", tmp_path / "registry")
    assert result.returncode == 0, result.stderr
    ids = load_tokenizer(str(tiny_model))("run the tests", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        merged = AutoModelForCausalLM.from_pretrained(out)(ids).logits
        adapted = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model), entry.adapter_dir)(
            ids
        ).logits
    assert torch.allclose(merged, adapted, atol=1e-4)


FAULTS = """
import contextlib, resource, sys
import numpy as np
from agentft.core.models import keep_freed_memory
def rss_mb():
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() >> 20
with keep_freed_memory() if sys.argv[1] == "keep" else contextlib.nullcontext(True) as applied:
    assert applied
    np.empty(50_000_000, dtype=np.float32).fill(1.0)  # the first block faults in either case
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        np.empty(50_000_000, dtype=np.float32).fill(1.0)  # 200 MB, freed at once: a logits tensor's life in a step
    faults, held = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before, rss_mb()
print(faults, held, rss_mb())
"""


def test_freed_blocks_are_reused_while_training_and_returned_after():
    import subprocess
    import sys

    def run(mode: str) -> list[int]:
        done = subprocess.run([sys.executable, "-c", FAULTS, mode], capture_output=True, text=True, check=True)
        return [int(x) for x in done.stdout.split()]

    (default, _, _), (kept, held, after) = run("default"), run("keep")
    assert kept * 10 < default, (kept, default)
    assert held - after > 150, (held, after)  # the 200 MB block the heap kept goes back on exit
