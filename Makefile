# Two commands do all set-up on a fresh machine:
#   make demo   -> creates .venv, installs sklearn-meta (CPU torch), runs the end-to-end demo
#   make test   -> creates .venv, installs sklearn-meta with test extras, runs the test suite
PYTHON ?= python3
VENV ?= .venv
# CPU build by default (fast CI); a GPU user may set TORCH_SPEC=torch to get a CUDA build.
TORCH_SPEC ?= torch==2.13.0
# Extra pip arguments for torch, e.g. --index-url https://download.pytorch.org/whl/cpu where
# pip would otherwise take the CUDA wheel from PyPI.
TORCH_PIP_ARGS ?=
BIN := $(VENV)/bin
# Real data lives beside the project (never copied in); override with SKLEARN_META_DATA=...
SKLEARN_META_DATA ?= $(abspath ../shared/data)
export SKLEARN_META_DATA

.PHONY: install demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q $(TORCH_PIP_ARGS) "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -q -e ".[test,bench]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/sklearn-meta demo

test: install
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python benchmarks/bench_meta_features.py

clean:
	rm -rf $(VENV) build dist *.egg-info
