# Settings: server/tracefix/settings_schema.py is the one table; `make settings` rewrites its copies
# (package.json's configuration, client/src/core/settings.ts's defaults, the README tables).
# tests/test_settings_schema.py fails when a copy disagrees.
.PHONY: settings

settings: $(STAMP)
	$(BIN)/python tools/settings_gen.py
