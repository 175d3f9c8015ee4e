"""`agentft adapters merge`: PEFT's add_weighted_adapter, checked on the weights it produces."""

from __future__ import annotations

import pytest

pytest.importorskip("peft")

from conftest import run_cli  # noqa: E402


def test_merge_is_the_weighted_sum_of_the_updates(tiny_model, tiny_adapters, tmp_path):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    registry = tmp_path / "registry"
    a, b = (f"{k}={tiny_adapters[k]}" for k in ("a", "b"))
    result = run_cli(
        "adapters", "merge", a, b, "--weights", "0.7", "--weights", "0.3", "-o", "ab", "--registry", registry
    )
    assert result.returncode == 0, result.stderr
    merged = registry / "ab" / "v1" / "adapter"
    assert (merged / "adapter_model.safetensors").is_file()

    model = PeftModel.from_pretrained(
        AutoModelForCausalLM.from_pretrained(tiny_model), str(tiny_adapters["a"]), adapter_name="a"
    )
    model.load_adapter(str(tiny_adapters["b"]), adapter_name="b")
    model.load_adapter(str(merged), adapter_name="ab")
    layer = model.base_model.model.model.layers[0].self_attn.q_proj
    expected = 0.7 * layer.get_delta_weight("a") + 0.3 * layer.get_delta_weight("b")
    torch.testing.assert_close(layer.get_delta_weight("ab"), expected, rtol=1e-4, atol=1e-6)

    listing = run_cli("adapters", "show", "ab", "--registry", registry)
    assert "0.7" in listing.stdout and "merge" in (registry / "ab" / "v1" / "entry.json").read_text()


def test_merge_needs_one_weight_per_adapter(tiny_adapters, tmp_path):
    a, b = (f"{k}={tiny_adapters[k]}" for k in ("a", "b"))
    result = run_cli("adapters", "merge", a, b, "--weights", "1", "--registry", tmp_path)
    assert result.returncode != 0
    assert "1 weights for 2 adapters" in result.stderr and "Traceback" not in result.stderr
