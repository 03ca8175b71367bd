# The decide stage's benchmark (needs bench/results/repair_suggestions.jsonl from bench/repair.py).
.PHONY: bench-decide fit-decide
bench-decide: $(STAMP)
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python bench/decide.py

# Refit the shipped prior (server/tracefix/decide_prior.py) on the corpus, then benchmark.
fit-decide: $(STAMP)
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python bench/decide.py --fit
