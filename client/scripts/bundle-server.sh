#!/usr/bin/env bash
# Puts the tracefix server and its runtime dependencies into bundled/libs so the .vsix works
# where tracefix is not pip-installed: the extension then starts `python -m tracefix serve`
# with PYTHONPATH=bundled/libs. Binary wheels (tree-sitter, pydantic-core, ...) are taken for
# CPython 3.11 on linux x86_64, the platform this package targets.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PY:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
OUT=bundled/libs
PYVER="${BUNDLE_PYTHON_VERSION:-3.11}"

# The runtime dependencies as pinned in pyproject.toml (dev extras are not shipped).
mapfile -t DEPS < <("$PY" -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml","rb"))["project"]["dependencies"]))')

rm -rf "$OUT"
mkdir -p "$OUT"
"$PY" -m pip install --quiet --disable-pip-version-check --no-compile --target "$OUT" \
  --only-binary=:all: --implementation cp --python-version "$PYVER" \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  "${DEPS[@]}" 2>&1 | { grep -v "^WARNING: Location" || true; }
# The server itself, without caches.
cp -r server/tracefix "$OUT/tracefix"
find "$OUT" -name '__pycache__' -type d -prune -exec rm -rf {} +
rm -rf "$OUT/bin"
echo "bundled $(find "$OUT" -maxdepth 1 -mindepth 1 | wc -l) entries into $OUT ($(du -sh "$OUT" | cut -f1))"
