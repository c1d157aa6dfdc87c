#!/usr/bin/env bash
# Every test, in order of cost. Assumes scripts/setup.sh and scripts/build.mjs have run
# (`npm test` runs them first).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "native: cargo test --features native (unit, integration, doc tests; AVX2 kernels vs scalar)"
cargo test --features native

step "wasm32 in Node and in a Chromium dedicated worker over OPFS (wasm-bindgen-test)"
cargo test --target wasm32-unknown-unknown --test wasm_node --test wasm_opfs

step "JS: the Node entry (native addon and wasm in process), the reference, the static server"
node --test --test-concurrency=1 tests/node/

step "Deno and Bun (from npm): the Node acceptance tests, wasm and native"
bash scripts/test-runtimes.sh

step "parity: native Rust, Node addon, wasm in Node, wasm in Chromium over OPFS; one file both ways"
node --test --test-concurrency=1 tests/parity/

step "end to end in headless Chromium, Firefox and WebKitGTK (Xvfb): dist/ (module, classic script, bundled by Vite and esbuild), many tabs, the demo (offline, two tabs)"
node --test --test-concurrency=1 tests/e2e/
