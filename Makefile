# Two commands set everything up from nothing and run:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# torch pinned to the CPU wheel on CPU machines; set TORCH= (empty) to keep an existing CUDA torch.
TORCH  ?= torch==2.13.0

.PHONY: demo test test-slow lint tutorials bench-quick bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(if $(TORCH),$(PY) -m pip install -q "$(TORCH)")
	$(PY) -m pip install -q -e ".[dev,tutorials]"
	touch $(STAMP)

demo: $(STAMP)          ## main job: fit Brenier maps on built-in data, compare with POT, write a figure
	$(VENV)/bin/otgrad demo --out out/demo

test: $(STAMP)          ## the default test suite (no slow tests)
	$(PY) -m pytest -q -m "not slow and not gpu"

test-slow: $(STAMP)
	$(PY) -m pytest -q -m "slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check otgrad tests tutorials benchmarks

tutorials: $(STAMP)
	OTGRAD_FAST=1 $(PY) tutorials/run_all.py

bench-quick: $(STAMP)   ## the --quick version of every benchmark suite (CI), into out/bench-quick
	for suite in maps fields hamiltonian; do \
	  $(VENV)/bin/otgrad bench $$suite --quick --out out/bench-quick || exit 1; done

bench: $(STAMP)         ## the full suites; rewrites benchmarks/results (hours on 2 cores)
	for suite in maps fields hamiltonian; do $(VENV)/bin/otgrad bench $$suite --resume || exit 1; done

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
