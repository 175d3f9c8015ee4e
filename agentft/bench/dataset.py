"""`agentft bench dataset`: verified examples/s of build-dataset and BFCL scoring throughput."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from agentft.core.io import iter_jsonl
from agentft.core.tools import SKILL_TOOLS
from agentft.dataset.builder import BuildConfig, build_dataset
from agentft.dataset.verify import verify_dataset
from agentft.evaluation.bfcl import score_predictions


def bench_dataset(schemas_dir: Path, bfcl_dir: Path | None, n: int = 10000) -> dict[str, Any]:
    """Verified examples/s of build-dataset (1 worker vs all cores, same run) and BFCL scoring throughput."""
    results: dict[str, Any] = {"build_dataset": [], "score": []}
    with tempfile.TemporaryDirectory() as tmp:
        for name in SKILL_TOOLS.values():
            entry: dict[str, Any] = {"tools": name, "n": n}
            for label, workers in (("one_worker", 1), ("all_cores", 0)):
                out = Path(tmp) / f"{Path(name).stem}-{label}"
                start = time.perf_counter()
                manifest = build_dataset(schemas_dir / name, out, BuildConfig(n=n, workers=workers), command=["bench"])
                elapsed = time.perf_counter() - start
                examples = sum(manifest["totals"].values())
                entry[label] = {
                    "seconds": round(elapsed, 3),
                    "examples_per_s": round(examples / elapsed, 1),
                    "dpo_pairs": manifest["dpo"]["total"],
                }
            check = verify_dataset(out)
            entry["calls_checked"] = check["calls"]
            entry["valid_rate"] = check["valid_calls"] / check["calls"]
            entry["dpo_rejected_wrong_rate"] = check["rejected_wrong"] / check["dpo_pairs"]
            entry["speedup_all_cores"] = round(
                entry["all_cores"]["examples_per_s"] / entry["one_worker"]["examples_per_s"], 2
            )
            results["build_dataset"].append(entry)
        if bfcl_dir is not None:
            for category in ("simple_python", "multiple", "parallel"):
                answers = bfcl_dir / "possible_answer" / f"BFCL_v4_{category}.json"
                if not answers.is_file():
                    continue
                rows = []
                for answer in iter_jsonl(answers):
                    calls = [
                        {"name": name, "arguments": {k: v[0] for k, v in params.items() if v[0] != ""}}
                        for item in answer["ground_truth"]
                        for name, params in item.items()
                    ]
                    rows.append({"id": answer["id"], "calls": calls})
                pred = Path(tmp) / f"{category}.jsonl"
                pred.write_text("".join(json.dumps(r) + "\n" for r in rows))
                start = time.perf_counter()
                rounds = 20
                for _ in range(rounds):
                    report = score_predictions(bfcl_dir, category, pred)
                elapsed = time.perf_counter() - start
                results["score"].append(
                    {
                        "category": category,
                        "predictions": report.total * rounds,
                        "predictions_per_s": round(report.total * rounds / elapsed, 1),
                    }
                )
    return results
