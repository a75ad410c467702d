#!/usr/bin/env bash
# scripts/with-node.sh MAJOR COMMAND…: runs COMMAND with Node MAJOR first on PATH, taken from
# the npm registry (node-<platform>-<arch>, the binary package behind `npx node@MAJOR`; npx
# caches it), so `npm`, `npx` and every `#!/usr/bin/env node` script under it run on that
# Node. Native modules (better-sqlite3) then build against that Node's own headers, which the
# package ships: npm_config_nodedir points node-gyp at them, since a machine-wide nodedir
# (the system Node's headers) would build for the wrong ABI.
set -euo pipefail
major="${1:?usage: scripts/with-node.sh MAJOR COMMAND…}"
shift
pkg="node-$(node -p 'process.platform + "-" + process.arch')@$major"
bin="$(npx -y -p "$pkg" node -p 'require("node:path").dirname(process.execPath)')"
root="$(dirname "$bin")"
if [ ! -f "$root/include/node/node.h" ]; then
  echo "scripts/with-node.sh: $pkg ships no headers under $root/include/node" >&2
  exit 1
fi
PATH="$bin:$PATH" npm_config_nodedir="$root" exec "$@"
