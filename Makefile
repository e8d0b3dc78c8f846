# Each target creates .venv on first use and installs neuronet into it (editable) with the
# extras that target needs; a stamp file per extra set re-installs when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench bench-dask bench-tables lint docs dist clean playground screenshots \
	browser \
	bench-playground

demo: $(VENV)/.stamp-demo
	$(BIN)/neuronet demo
	$(BIN)/neuronet demo xor
	$(BIN)/neuronet demo digits

# The tests build the documentation site too (tests/test_docs.py) and install the wheel into a
# fresh environment (tests/test_packaging.py): CI runs this target alone.
test: $(VENV)/.stamp-test browser
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

# The documentation site, into docs/_build/html (open index.html); any warning is an error.
docs: $(VENV)/.stamp-docs
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

# The source distribution and the wheel, into dist/, checked by twine as PyPI would check them.
dist: $(VENV)/.stamp-dist
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*

# The playground at http://127.0.0.1:8765/ (Ctrl-C stops it); PLAYGROUND_ARGS="--port 9000".
playground: $(VENV)/.stamp-playground
	$(BIN)/neuronet playground $(PLAYGROUND_ARGS)

# The browser tests drive Debian's chromium (through Playwright, which downloads nothing). As
# root with apt-get it is installed when missing; elsewhere those tests are skipped and say
# why (under CI they fail instead).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -q chromium >/dev/null 2>&1 || \
	      { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; } || \
	      echo "could not install chromium: the browser tests will say so"; \
	  else \
	    echo "chromium is missing (as root: apt-get install chromium): browser tests skipped"; \
	  fi; }

# The README's screenshots of the playground, taken by the browser tests.
screenshots: $(VENV)/.stamp-test browser
	NEURONET_SCREENSHOTS=docs $(BIN)/python -m pytest -q tests/test_playground_browser.py \
		-k "fits or screenshot_of_many_classes"

# Frames per second of the playground (server, WebSocket, headless Chromium).
bench-playground: $(VENV)/.stamp-test browser
	$(BIN)/python benchmarks/playground.py $(BENCH_ARGS)

# The machine's OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE pin an older kernel that slows a current
# NumPy: the benchmark lets OpenBLAS pick its own (run.py records which one threadpoolctl reports).
# Pass options with BENCH_ARGS, e.g. make bench BENCH_ARGS="--tasks digits-relu --repeats 15".
# Then the quick subset of benchmarks/tables.py (3 small tables, 1 split; make bench-tables runs
# them all) scores neuronet train beside gradient boosting and RealMLP-TD.
bench: $(VENV)/.stamp-bench
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/run.py $(BENCH_ARGS)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/tables.py --quick $(TABLES_ARGS)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/dask_bench.py $(DASK_BENCH_ARGS)

# neuronet train's defaults against HistGradientBoosting, LightGBM, RealMLP-TD and scikit-learn's
# MLP on every table of benchmarks/tables_catalogue.py, 3 splits (over an hour on 2 cores), niced.
# One thread for every method by default: on a machine that other jobs share, two threads per
# method mostly wait on each other. Options: TABLES_ARGS="--tables ames,diamonds --splits 5
# --neuronet-args='--epochs 100' --threads 2".
TABLES_ARGS ?= --threads 1
bench-tables: $(VENV)/.stamp-bench
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE nice -n 10 $(BIN)/python benchmarks/tables.py $(TABLES_ARGS)

# The distributed fit beside the in-process one alone, e.g. make bench-dask DASK_BENCH_ARGS="--repeats 9".
bench-dask: $(VENV)/.stamp-bench
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/dask_bench.py $(DASK_BENCH_ARGS)

# ruff over the tree; mypy over the modules pyproject.toml's [tool.mypy] lists.
lint: $(VENV)/.stamp-lint
	$(BIN)/ruff check .
	$(BIN)/mypy

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.stamp-demo: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e ".[sklearn]"
	touch $@

# PyTorch is the tests' gradient oracle: its CPU build, pinned (a bare "torch" would pull a
# build of several gigabytes), installed before the extras so that nothing asks for another.
$(VENV)/.stamp-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

$(VENV)/.stamp-docs: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $@

$(VENV)/.stamp-lint: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e ".[lint,skl2onnx]"
	touch $@

$(VENV)/.stamp-dist: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e ".[dist]"
	touch $@

$(VENV)/.stamp-playground: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e ".[playground]"
	touch $@

# pytabkit (RealMLP-TD, a peer of benchmarks/tables.py) needs PyTorch: the CPU build pinned here
# first, so that ".[bench]" finds torch satisfied and downloads no CUDA build.
$(VENV)/.stamp-bench: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis dist docs/_build docs/api \
	  docs/gallery docs/tutorial/quick_dive.ipynb docs/tutorial/backprop.ipynb
