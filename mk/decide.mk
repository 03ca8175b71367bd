# The decide stage: training rows, refit, benchmark. Rows come from two sources fitted together:
# corpus programs outside bench-repair's evaluation sample (decide-rows) and real projects with half of
# each suite held back, bugs 1-8 of each (decide-project-rows); bugs 9+ stay apart for evaluation
# (`bench/projects.py --skip 8`).
.PHONY: bench-decide fit-decide decide-rows decide-project-rows
DECIDE_ROWS_ARGS ?= --sample 320 --seed 5 --exclude-from bench/results/repair_second_sample80.json

decide-rows: $(STAMP)
	$(BIN)/python bench/repair.py $(DECIDE_ROWS_ARGS) --exclude-sample 40 --no-baseline \
		--out bench/results/decide_rows.json --suggestions bench/results/decide_suggestions.jsonl

decide-project-rows: $(STAMP)
	$(BIN)/python bench/projects.py --limit 8 --no-pristine --out bench/results/projects_bugs1-8.json \
		--suggestions bench/results/projects_suggestions.jsonl

bench-decide: $(STAMP)
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python bench/decide.py

# Refit the shipped prior (server/tracefix/decide_prior.py) on both sources, then benchmark.
fit-decide: $(STAMP)
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python bench/decide.py --fit
