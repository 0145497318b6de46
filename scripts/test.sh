#!/usr/bin/env bash
# The README's second command, and what CI runs: the whole test suite, in release mode (the
# numerics run ~500x slower in debug builds), after installing any missing system package.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-dependencies.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
swift test -c release --disable-swift-testing 2>&1 | tee "$log" || status=$?
# XCTest's last summary line, e.g. "Executed 160 tests, with 1 test skipped and 0 failures".
summary=$(grep -E '^[[:space:]]*Executed [0-9]+ tests?, with' "$log" | tail -n 1 || true)
if [ -n "$summary" ]; then
  executed=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")
  failures=$(sed -E 's/.* ([0-9]+) failures?.*/\1/' <<<"$summary")
  skipped=$(grep -oE '[0-9]+ tests? skipped' <<<"$summary" | grep -oE '^[0-9]+' || echo 0)
  echo "tests: $((executed - failures - skipped)) passed, ${failures} failed, ${skipped} skipped"
fi
exit "$status"
