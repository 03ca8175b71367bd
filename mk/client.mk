# The VS Code extension: unit tests (node's test runner) and the real-editor end-to-end test
# (code-server in headless Chromium). `make test` runs both; the install steps are prerequisites.
NODE_STAMP := node_modules/.installed
CODE_SERVER_VERSION := 4.100.3
CODE_SERVER_DIR := .tools/code-server
CODE_SERVER_STAMP := $(CODE_SERVER_DIR)/.installed-$(CODE_SERVER_VERSION)
# This machine's package (linux-x64 here), also as dist/tracefix-<target>.vsix; `client-package-all`
# builds the five platforms. The server bundle (build/bundle/<target>) is reused while its inputs
# (bundle-lock.txt, bundle.py) are unchanged, so a source edit repackages in seconds.
VSIX := dist/tracefix.vsix
VSIX_INPUTS := package.json package-lock.json pyproject.toml .vscodeignore client/README.md \
  client/scripts/bundle-lock.txt bundled/tool/tracefix_server.py \
  $(shell find client/src client/media client/scripts server/tracefix -type f \( -name '*.ts' -o -name '*.js' -o -name '*.mjs' -o -name '*.css' -o -name '*.sh' -o -name '*.py' \) -not -path '*/__pycache__/*' 2>/dev/null)

.PHONY: client-build client-package client-package-all test-client test-editor editor-system-deps

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

client-build: $(NODE_STAMP)
	npm run build

$(VSIX): $(NODE_STAMP) $(STAMP) $(VSIX_INPUTS)
	PY=$(BIN)/python npm run package

client-package: $(VSIX)

# dist/tracefix-{linux-x64,linux-arm64,darwin-x64,darwin-arm64,win32-x64}.vsix (wheels from PyPI).
client-package-all: $(NODE_STAMP) $(STAMP)
	PY=$(BIN)/python npm run package -- --all

test-client: $(NODE_STAMP)
	npm test

# Debian's chromium and ripgrep (code-server's search), only when missing.
editor-system-deps:
	@command -v chromium >/dev/null 2>&1 && command -v rg >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium ripgrep; }

$(CODE_SERVER_STAMP): tests/editor/install_code_server.sh | editor-system-deps
	CODE_SERVER_VERSION=$(CODE_SERVER_VERSION) bash tests/editor/install_code_server.sh $(CODE_SERVER_DIR)

test-editor: $(STAMP) $(NODE_STAMP) $(VSIX) $(CODE_SERVER_STAMP) editor-system-deps
	TRACEFIX_E2E=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/editor/test_vscode_extension.py
	@cat tests/artifacts/e2e-timings.json

test: test-client test-editor
