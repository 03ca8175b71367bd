# Issue 16's measures of the explanations tracefix shows (faithful, short, specific, no ids/scores)
# over a seeded sample of the repair corpus; writes bench/results/explain.json and, against the
# recorded old wording, bench/results/explain-examples.md (~10 min on 2 cores).
.PHONY: bench-explain
bench-explain: $(STAMP)
	$(BIN)/python bench/explain.py --sample 24 --examples bench/results/explain-before.jsonl
