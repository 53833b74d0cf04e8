#!/usr/bin/env bash
# Runs every Fuzz target in the module for FUZZTIME each (default 5s).
set -euo pipefail
FUZZTIME=${FUZZTIME:-5s}
status=0
for pkg in $(go list ./...); do
  for fz in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "==> fuzz $pkg $fz ($FUZZTIME)"
    if ! go test -run='^$' -fuzz="^${fz}\$" -fuzztime="$FUZZTIME" "$pkg" >/tmp/fuzz.$$.log 2>&1; then
      cat /tmp/fuzz.$$.log
      echo "FAIL: fuzz target $fz in $pkg found a failure (the input is under its testdata/fuzz/$fz)" >&2
      status=1
    fi
  done
done
rm -f /tmp/fuzz.$$.log
exit $status
