# Issue 8 hardening figures: hostile corpus through CLI and server, then the full load scenario.
.PHONY: bench-hostile
bench-hostile: $(STAMP)
	$(BIN)/python bench/hostile.py
