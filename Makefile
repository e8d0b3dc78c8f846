# Each target creates .venv on first use and installs neuronet into it (editable) with the
# extras that target needs; a stamp file per extra set re-installs when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench lint clean

demo: $(VENV)/.stamp-demo
	$(BIN)/neuronet demo
	$(BIN)/neuronet demo xor
	$(BIN)/neuronet demo digits

test: $(VENV)/.stamp-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# The machine's OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE pin an older kernel that slows a current
# NumPy: the benchmark lets OpenBLAS pick its own (run.py records which one threadpoolctl reports).
# Pass options with BENCH_ARGS, e.g. make bench BENCH_ARGS="--tasks digits-relu --repeats 15".
# Then benchmarks/tables.py scores neuronet train beside scikit-learn on public tables.
bench: $(VENV)/.stamp-bench
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/run.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/tables.py

lint: $(VENV)/.stamp-test
	$(BIN)/ruff check .

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.stamp-demo: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e ".[sklearn]"
	touch $@

$(VENV)/.stamp-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

$(VENV)/.stamp-bench: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
