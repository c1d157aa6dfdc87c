#!/usr/bin/env bash
# Every test, in order of cost. Assumes scripts/setup.sh and scripts/build.mjs have run
# (`npm test` runs them first).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "native: cargo test (unit, integration, doc tests; AVX2 kernels vs scalar)"
cargo test

step "wasm32 in Node and in a Chromium dedicated worker over OPFS (wasm-bindgen-test)"
cargo test --target wasm32-unknown-unknown --test wasm_node --test wasm_opfs

step "JS: the Node entry (wasm in process), the reference, the static server"
node --test --test-concurrency=1 tests/node/

step "end to end in headless Chromium: dist/ from a plain module script, and the demo"
node --test --test-concurrency=1 tests/e2e/
