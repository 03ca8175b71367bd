# Real projects (issue 11): tracefix on bugs injected into pinned open-source projects, each in its
# own venv (bench/projects.py; downloads and venvs are cached in ~/.cache/tracefix-bench/projects).
# Not part of `make test`. PROJECTS_ARGS e.g. `--quick`, `--projects toolz,semver --limit 4`.
.PHONY: bench-projects
PROJECTS_ARGS ?=

bench-projects: $(STAMP)
	$(BIN)/python bench/projects.py $(PROJECTS_ARGS)

# Per-test tracing cost on the projects' unmodified modules, fastest of N alternating runs per test
# (bench/trace_cost.py; the corpus must exist: `bench/projects.py --corpus-only`). TRACE_COST_ARGS e.g. `--repeats 5`.
.PHONY: bench-trace-cost
TRACE_COST_ARGS ?= --modules 2 --repeats 3

bench-trace-cost: $(STAMP)
	$(BIN)/python bench/trace_cost.py $(TRACE_COST_ARGS)
