#!/usr/bin/env bash
# Installs whatever this project needs and is missing, then returns quickly on later runs:
# Debian packages (clang/llvm for SQLite on wasm32, chromium + driver, firefox-esr and
# webkit2gtk-driver + xvfb for browser tests,
# the Fashion-MNIST data set for the demo), the wasm32 target, the
# wasm-bindgen CLI pinned to the version in Cargo.lock, and the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

need_apt=()
command -v clang >/dev/null || need_apt+=(clang)
command -v llvm-ar >/dev/null || need_apt+=(llvm)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
command -v firefox-esr >/dev/null || need_apt+=(firefox-esr)
# WebKitGTK: MiniBrowser (from libwebkit2gtk-4.1-0, a dependency of the driver) under Xvfb.
command -v WebKitWebDriver >/dev/null || need_apt+=(webkit2gtk-driver)
command -v Xvfb >/dev/null || need_apt+=(xvfb)
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || need_apt+=(dataset-fashion-mnist)
if [ ${#need_apt[@]} -gt 0 ]; then
  say "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen CLI must equal the wasm-bindgen crate in Cargo.lock.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$want" != "$have" ]; then
  say "cargo install wasm-bindgen-cli $want (found '${have:-none}'; takes several minutes)"
  cargo install wasm-bindgen-cli --version "$want"
fi

if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund
fi
