# The language server: Neovim for the real-editor test, and the responsiveness benchmark.
.PHONY: nvim test-lsp bench-lsp

# tests/editor/test_neovim.py drives Debian's neovim (0.7+). Install it when missing and we may.
nvim:
	@command -v nvim >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq neovim >/dev/null; \
	  else echo "neovim is missing and we are not root: tests/editor/test_neovim.py will be skipped"; fi; }

# The whole suite (test-py) includes the Neovim test, so neovim must be there first.
test-py: nvim

test-lsp: $(STAMP) nvim
	$(BIN)/python -m pytest -q tests/test_lsp_units.py tests/test_lsp_e2e.py tests/test_lsp_fuzz.py tests/test_lsp_load.py \
	  tests/editor/test_neovim.py

bench-lsp: $(STAMP)  # save->first diagnostics and final results, with each stage's median (bench/lsp.py)
	$(BIN)/python bench/lsp.py
