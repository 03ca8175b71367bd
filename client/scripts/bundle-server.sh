#!/usr/bin/env bash
# `npm run bundle-server [-- --target T ...]`: the server bundle alone (build/bundle/<target>/bundled),
# without packaging a .vsix. See client/scripts/bundle.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PY:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
exec "$PY" client/scripts/bundle.py "$@"
