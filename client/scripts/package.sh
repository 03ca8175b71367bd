#!/usr/bin/env bash
# Builds dist/tracefix.vsix from a staging folder that holds only what ships, so vsce never
# walks the repository's caches (.venv, .tools, node_modules).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
STAGE=build/vsix
npm run --silent build
bash client/scripts/bundle-server.sh
rm -rf "$STAGE"
mkdir -p "$STAGE/dist" "$STAGE/client" "$STAGE/bundled" "$STAGE/docs"
cp package.json .vscodeignore "$STAGE/"
cp dist/extension.js "$STAGE/dist/"
cp -r client/media "$STAGE/client/media"
cp -r bundled/libs "$STAGE/bundled/libs"
cp docs/*.png "$STAGE/docs/" 2>/dev/null || true
cp client/README.md "$STAGE/README.md"
[ -f LICENSE ] && cp LICENSE "$STAGE/"
# The manifest's build hook would rebuild from sources that are not staged: drop it there.
node -e 'const f=process.argv[1];const p=require(f);delete p.scripts["vscode:prepublish"];require("fs").writeFileSync(f,JSON.stringify(p,null,2))' "$ROOT/$STAGE/package.json"
mkdir -p dist
# --allow-package-all-secrets: vsce's secret scan over the ~3000 files of pip-installed libraries
# takes minutes on a small machine, and those files are PyPI's, not ours; our own sources hold
# no credentials (the API key lives in VS Code's secret storage).
(cd "$STAGE" && "$ROOT/node_modules/.bin/vsce" package --no-dependencies --skip-license --allow-missing-repository \
  --no-update-package-json --allow-package-all-secrets -o "$ROOT/dist/tracefix.vsix")
