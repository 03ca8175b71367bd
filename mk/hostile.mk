# Hostile corpus figures (issues 8 and 12): CLI and server, the load scenario, the sandbox and honesty cases.
.PHONY: bench-hostile bench-hostile-12
bench-hostile: $(STAMP)
	$(BIN)/python bench/hostile.py

# Only the issue-12 cases (~15 min on 2 cores); the issue-8 figures in the JSON are kept.
bench-hostile-12: $(STAMP)
	$(BIN)/python bench/hostile.py --only issue12
