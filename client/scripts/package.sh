#!/usr/bin/env bash
# Builds one .vsix per platform, dist/tracefix-<target>.vsix (`vsce package --target`), each with
# the server bundle for that platform (client/scripts/bundle.py: tracefix, its libraries for
# CPython 3.10-3.14, the launcher bundled/tool/tracefix_server.py).
#
#   package.sh                 this machine's platform; also copied to dist/tracefix.vsix, which
#                              `make test`'s editor test installs
#   package.sh --all           linux-x64 linux-arm64 darwin-x64 darwin-arm64 win32-x64
#   package.sh TARGET... [--llm]   --llm also ships the openai client (to measure what it costs),
#                              as dist/tracefix-<target>-llm.vsix
#
# Each package is staged in build/vsix/<target> holding only what ships, so vsce never walks the
# repository's caches (.venv, .tools, node_modules).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
PY="${PY:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
ALL=(linux-x64 linux-arm64 darwin-x64 darwin-arm64 win32-x64)

targets=()
llm=()
suffix=""
out=build/bundle
for arg in "$@"; do
  case "$arg" in
    --all) targets+=("${ALL[@]}") ;;
    --llm) llm=(--llm); suffix="-llm"; out=build/bundle-llm ;;
    -*) echo "package.sh: unknown option $arg" >&2; exit 2 ;;
    *) targets+=("$arg") ;;
  esac
done
host="$("$PY" client/scripts/bundle.py --print-host)"
[ ${#targets[@]} -gt 0 ] || targets=("$host")

npm run --silent build
target_args=()
for t in "${targets[@]}"; do target_args+=(--target "$t"); done
"$PY" client/scripts/bundle.py --out "$out" "${llm[@]}" "${target_args[@]}"

mkdir -p dist
for t in "${targets[@]}"; do
  stage="build/vsix/$t$suffix"
  rm -rf "$stage"
  mkdir -p "$stage/dist" "$stage/client" "$stage/docs"
  cp package.json .vscodeignore "$stage/"
  cp dist/extension.js "$stage/dist/"
  cp -r client/media "$stage/client/media"
  cp -r "$out/$t/bundled" "$stage/bundled"
  # Bytecode written by earlier runs of the bundle (tests, checks) is per machine: never shipped.
  find "$stage/bundled" -name '__pycache__' -type d -prune -exec rm -rf {} +
  cp docs/*.png "$stage/docs/" 2>/dev/null || true
  cp client/README.md "$stage/README.md"
  [ -f LICENSE ] && cp LICENSE "$stage/"
  # The manifest's build hook would rebuild from sources that are not staged: drop it there.
  node -e 'const f=process.argv[1];const p=require(f);delete p.scripts["vscode:prepublish"];require("fs").writeFileSync(f,JSON.stringify(p,null,2))' "$ROOT/$stage/package.json"
  # --allow-package-all-secrets: vsce's secret scan over the libraries' ~900 files takes minutes on
  # a small machine, and those files are PyPI's, not ours; our own sources hold no credentials
  # (the API key lives in VS Code's secret storage).
  (cd "$stage" && "$ROOT/node_modules/.bin/vsce" package --target "$t" --no-dependencies --skip-license \
    --allow-missing-repository --no-update-package-json --allow-package-all-secrets \
    -o "$ROOT/dist/tracefix-$t$suffix.vsix" >/dev/null)
  echo "dist/tracefix-$t$suffix.vsix: $(du -k "dist/tracefix-$t$suffix.vsix" | cut -f1) KB"
  if [ "$t" = "$host" ] && [ -z "$suffix" ]; then cp "dist/tracefix-$t.vsix" dist/tracefix.vsix; fi
done
