# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test venv test-py clean bench-overhead
.DEFAULT_GOAL := demo

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	@for f in examples/stats.py examples/inventory.py examples/grading.py; do \
	  echo "== tracefix debug $$f"; $(BIN)/tracefix debug $$f; test $$? -le 1 || exit 1; done

test-py: $(STAMP)
	$(BIN)/python -m pytest -q

# Each area adds its own prerequisites and steps to `test` in mk/*.mk.
test: test-py

# Trace overhead vs untraced and peers (prints a table, writes bench/results/overhead.json; ~15 min).
bench-overhead: $(STAMP)
	$(BIN)/python bench/overhead.py --quick

clean:
	rm -rf $(VENV) node_modules dist out

-include mk/*.mk
