# Real projects (issue 11): tracefix on bugs injected into pinned open-source projects, each in its
# own venv (bench/projects.py; downloads and venvs are cached in ~/.cache/tracefix-bench/projects).
# Not part of `make test`. PROJECTS_ARGS e.g. `--quick`, `--projects toolz,semver --limit 4`.
.PHONY: bench-projects
PROJECTS_ARGS ?=

bench-projects: $(STAMP)
	$(BIN)/python bench/projects.py $(PROJECTS_ARGS)
