#!/usr/bin/env bash
# Installs the bench's own dependencies (bench/ is its own npm package, so the peers' heavy
# packages never burden the main `npm ci`). Idempotent; nothing is downloaded from outside the
# npm registry: the two native addons (better-sqlite3, hnswlib-node) are compiled here with
# node-gyp against the local Node headers, because their prebuilt binaries come from GitHub.
#
#   bash bench/setup.sh        (then: node bench/run.mjs --quick)
#
# Needs: Node 20+, a C++ toolchain (g++ make python3), Node's headers (Debian's nodejs puts them
# in /usr/include/node), /usr/bin/chromium for the browser systems, and Debian's
# dataset-fashion-mnist for the Fashion-MNIST data sets.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # --ignore-scripts: better-sqlite3's install script would first try a GitHub download.
  npm ci --ignore-scripts --no-audit --no-fund
fi

# node-gyp: npm's own copy (no extra dependency), else one on PATH.
NPM_DIR="$(dirname "$(readlink -f "$(command -v npm)")")/.."
GYP="$NPM_DIR/node_modules/node-gyp/bin/node-gyp.js"
if [ -f "$GYP" ]; then gyp() { node "$GYP" "$@"; }; else gyp() { node-gyp "$@"; }; fi
NODEDIR=()
if [ -f /usr/include/node/node_api.h ] && [ -f /usr/include/node/common.gypi ]; then NODEDIR=(--nodedir=/usr); fi

mkdir -p .cache
build() { # <package dir> <built file>
  if [ -f "node_modules/$1/$2" ]; then return 0; fi
  echo "bench/setup.sh: compiling $1 with node-gyp (up to a minute)"
  if ! (cd "node_modules/$1" && gyp rebuild --release "${NODEDIR[@]}" -j 2 > "../../.cache/build-$1.log" 2>&1); then
    echo "bench/setup.sh: building $1 failed (see bench/.cache/build-$1.log); the bench reports its system as failed" >&2
  fi
}
build hnswlib-node build/Release/addon.node
build better-sqlite3 build/Release/better_sqlite3.node

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "bench/setup.sh: no Chromium (apt-get install chromium): the browser systems will fail" >&2
fi
if [ ! -d "${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}" ]; then
  echo "bench/setup.sh: no Fashion-MNIST (apt-get install dataset-fashion-mnist): its data sets will fail" >&2
fi
echo "bench/setup.sh: ready (node bench/run.mjs --quick for a smoke run)"
