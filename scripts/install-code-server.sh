#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100.3, the last release that runs on Node 20) into a
# cache outside the repo, for the real-VS-Code tier (test/vscode/code-server.test.ts).
# Idempotent: a finished install leaves a marker and is not redone. About 5 minutes the first time.
# Needs the Debian packages libkrb5-dev (kerberos native module) and ripgrep (the @vscode/ripgrep
# install step downloads a binary from the web; we give it Debian's instead).
set -euo pipefail

VERSION=4.100.3
DIR="${TENANTGUARD_CODE_SERVER_DIR:-$HOME/.cache/tenantguard/code-server}"
MARKER="$DIR/.installed-$VERSION"

if [ -f "$MARKER" ]; then
  echo "code-server $VERSION already installed in $DIR"
  exit 0
fi

# krb5-config comes with libkrb5-dev, whose headers the kerberos native module builds against.
for cmd in rg krb5-config node npm; do
  command -v "$cmd" >/dev/null 2>&1 || { echo "install-code-server: missing '$cmd' (apt-get install -y ripgrep libkrb5-dev)" >&2; exit 1; }
done

mkdir -p "$DIR"
cd "$DIR"
[ -f package.json ] || echo '{ "name": "tenantguard-code-server-cache", "private": true }' > package.json
export npm_config_yes=true npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

npm install --ignore-scripts "code-server@$VERSION"
npm rebuild argon2

cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
# node-pty's build calls `npx node-gyp`, which needs npm_config_yes=true (exported above).
npm rebuild
[ -e node_modules.asar ] || ln -s node_modules node_modules.asar
(cd bin/remote-cli && ln -sf code-linux.sh code-server)
(cd bin/helpers && ln -sf browser-linux.sh browser.sh)
(cd extensions && npm install --omit=dev)

touch "$MARKER"
echo "code-server $VERSION installed in $DIR"
echo "run: node $DIR/node_modules/code-server/out/node/entry.js --help"
