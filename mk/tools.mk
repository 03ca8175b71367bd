# Project tools (tools/).
# `make settings`: server/tracefix/settings_schema.py is the one table of settings; this rewrites its copies
# (package.json's configuration, client/src/core/settings.ts's defaults, the README tables).
# tests/test_settings_schema.py fails when a copy disagrees.
# `make shape`: the longest functions and the repeated blocks (issue 14's before/after measure).
.PHONY: settings shape

settings: $(STAMP)
	$(BIN)/python tools/settings_gen.py

shape: $(STAMP)
	$(BIN)/python tools/shape.py
