#!/usr/bin/env bash
# Installs npm's code-server (which carries a full VS Code) into a cache folder without network
# downloads other than the npm registry, following DESIGN.md §4. Idempotent: a stamp file marks
# a finished install so `make test` only pays for it once.
set -euo pipefail
VERSION="${CODE_SERVER_VERSION:-4.100.3}"
DEST="${1:-.tools/code-server}"
mkdir -p "$DEST"
DEST="$(cd "$DEST" && pwd)"
STAMP="$DEST/.installed-$VERSION"
[ -f "$STAMP" ] && exit 0
cd "$DEST"
[ -f package.json ] || echo '{"name":"tracefix-code-server","private":true}' > package.json

# 1. The package itself; its install scripts need root flags, kerberos headers and downloads, so skip them.
npm install --no-audit --no-fund --ignore-scripts "code-server@$VERSION"
# Its password hashing module is native: node-pre-gyp cannot download a prebuilt one here, so
# it falls back to compiling (needs only Node's headers).
npm_config_yes=true npm rebuild argon2
VS="$DEST/node_modules/code-server/lib/vscode"

# 2. VS Code's runtime dependencies, then rebuild the native ones against this Node (node-pty's
#    post-install calls `npx node-gyp`, which must not stop to ask).
(cd "$VS" && npm install --no-audit --no-fund --omit=dev --ignore-scripts \
   && npm_config_yes=true npm rebuild node-pty @vscode/spdlog @parcel/watcher @vscode/deviceid native-watchdog)

# 3. ripgrep: @vscode/ripgrep would download a binary; use Debian's instead.
RG="$(command -v rg || true)"
if [ -z "$RG" ]; then echo "install_code_server: ripgrep (rg) is missing; apt-get install ripgrep" >&2; exit 1; fi
for d in "$VS/node_modules/@vscode/ripgrep/bin"; do mkdir -p "$d" && ln -sf "$RG" "$d/rg"; done

# 4. The built-in extensions' own dependencies.
(cd "$VS/extensions" && npm install --no-audit --no-fund --omit=dev --ignore-scripts)

touch "$STAMP"
echo "code-server $VERSION installed in $DEST"
