#!/usr/bin/env bash
# The Node acceptance tests (tests/node/api.test.mjs, mutations and group commit, against
# dist/node.js: the wasm build, and the native Node-API addon, which both runtimes load too)
# under Deno and under Bun. Both runtimes come from npm (devDependencies `deno` and `bun`,
# whose binaries ship in the registry packages @deno/<platform> and @oven/bun-<platform>).
# Assumes `npm ci` and `npm run build` have run.
#
#   bash scripts/test-runtimes.sh            # deno, then bun
#   RUNTIMES=bun bash scripts/test-runtimes.sh
#
# A runtime whose binary is missing or does not start on this machine (its optional platform
# package was not installed, its postinstall did not run, the CPU lacks what the build needs)
# is skipped with the reason; a runtime that runs and fails a test fails the script.
# DENO=/path/to/deno or BUN=/path/to/bun use another binary.
set -uo pipefail
cd "$(dirname "$0")/.."

TESTS=(tests/node/api.test.mjs tests/node/mutations.test.mjs tests/node/group-commit.test.mjs)
RUNTIMES=${RUNTIMES:-deno bun}

# Keep the runtimes off the network and quiet: no update check, no telemetry, no colour in logs.
export DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1 DO_NOT_TRACK=1
[ -t 1 ] || export NO_COLOR=1

header() { printf '\n== %s\n' "$*"; }

if [ ! -f dist/node.js ] || [ ! -f dist/node/sqlite_vector_wasm_bg.wasm ]; then
  echo "dist/node.js or dist/node/sqlite_vector_wasm_bg.wasm is missing: run 'npm run build' first" >&2
  exit 1
fi

# find_binary NAME CANDIDATE...: sets BIN to the first candidate that runs `--version`;
# otherwise sets WHY to the reason and returns 1. The platform packages come after node_modules/.bin so
# that the tests still run when npm skipped the postinstall that links the binary into .bin.
BIN= WHY=
find_binary() {
  local name=$1 c out tried=0
  shift
  BIN= WHY=
  for c in "$@"; do
    [ -e "$c" ] || continue
    tried=1
    if out=$("$c" --version 2>&1 </dev/null); then
      BIN=$c
      return 0
    fi
    WHY="$c does not run here: $(printf '%s' "$out" | head -n 1)"
  done
  [ "$tried" = 1 ] || WHY="no $name binary (npm package '$name' or its optional platform package is not installed)"
  return 1
}

TOTAL_PASS=0
TOTAL_FAIL=0
FAILED=()
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

# report RUNTIME EXIT PASSED FAILED: one summary line per runtime; a failing exit with no failed
# test counted (a hook or the file itself failed) counts as one failure, and so does a run
# that ran no test.
report() {
  local rt=$1 rc=$2 pass=${3:-0} fail=${4:-0}
  if [ "$rc" != 0 ] && [ "$fail" = 0 ]; then fail=1; fi
  if [ "$rc" = 0 ] && [ "$pass" = 0 ] && [ "$fail" = 0 ]; then
    echo "$rt: ran no test" >&2
    fail=1
  fi
  TOTAL_PASS=$((TOTAL_PASS + pass))
  TOTAL_FAIL=$((TOTAL_FAIL + fail))
  [ "$fail" = 0 ] || FAILED+=("$rt")
  echo "$rt: $pass passed, $fail failed"
}

run_deno() {
  if ! find_binary deno ${DENO:-} node_modules/.bin/deno node_modules/@deno/*/deno; then
    header "deno: skipped ($WHY)"
    return
  fi
  local bin=$BIN
  header "deno $("$bin" --version | head -n 1 | cut -d' ' -f2): deno test ${TESTS[*]}"
  # node:test's describe/test map onto Deno.test and its steps, so this needs `deno test`
  # (`deno run` registers the tests and runs none). -A as under Node; no lockfile, and the
  # existing node_modules is used as it is (nothing is fetched or installed). --no-check: these
  # are runtime tests of plain JS, and Deno's type check of the graph would need @types/node
  # in node_modules (there only as a transitive dependency of webpack).
  "$bin" test -A --no-check --no-lock --node-modules-dir=manual --cached-only "${TESTS[@]}" 2>&1 | tee "$LOG"
  local rc=${PIPESTATUS[0]}
  # "ok | 15 passed (112 steps) | 0 failed" — every test of the file sits in a describe(),
  # which Deno counts as a test with steps: the steps are the node:test tests.
  local line pass fail
  line=$(sed 's/\x1b\[[0-9;]*m//g' "$LOG" | grep -E '^(ok|FAILED) \| [0-9]+ passed' | tail -n 1)
  pass=$(sed -nE 's/.* ([0-9]+) passed \(([0-9]+) steps?\).*/\2/p; t; s/.* ([0-9]+) passed.*/\1/p' <<<"$line")
  fail=$(sed -nE 's/.* ([0-9]+) failed \(([0-9]+) steps?\).*/\2/p; t; s/.* ([0-9]+) failed.*/\1/p' <<<"$line")
  report deno "$rc" "$pass" "$fail"
}

run_bun() {
  if ! find_binary bun ${BUN:-} node_modules/.bin/bun node_modules/@oven/bun-*/bin/bun; then
    header "bun: skipped ($WHY)"
    return
  fi
  local bin=$BIN
  header "bun $("$bin" --version): bun test ${TESTS[*]}"
  # node:test runs under `bun test` only (`bun run` refuses describe()). Bun's default per-test
  # timeout is 5 s; node:test has none, so allow a slow shared machine a minute per test.
  local paths=() t
  for t in "${TESTS[@]}"; do paths+=("./$t"); done
  "$bin" test --timeout=60000 "${paths[@]}" 2>&1 | tee "$LOG"
  local rc=${PIPESTATUS[0]} pass fail
  pass=$(sed -nE 's/^ *([0-9]+) pass$/\1/p' "$LOG" | tail -n 1)
  fail=$(sed -nE 's/^ *([0-9]+) fail$/\1/p' "$LOG" | tail -n 1)
  report bun "$rc" "$pass" "$fail"
}

for rt in $RUNTIMES; do
  case $rt in
    deno) run_deno ;;
    bun) run_bun ;;
    *) echo "unknown runtime '$rt' (known: deno bun)" >&2; exit 2 ;;
  esac
done

echo
if [ "${#FAILED[@]}" -gt 0 ]; then
  echo "failed under: ${FAILED[*]}" >&2
fi
echo "runtimes: $TOTAL_PASS passed, $TOTAL_FAIL failed"
[ "$TOTAL_FAIL" = 0 ]
