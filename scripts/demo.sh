#!/usr/bin/env bash
# The demo: start the bundled emulator on loopback seeded with
# examples/emulator-state.json, then plan, apply and plan again with
# examples/wbsync.yaml. The emulator accepts any key; one that no output
# word contains is used here (wbsync redacts the key wherever it appears).
set -euo pipefail
bin=${1:-bin/wbsync}
cd "$(dirname "$0")/.."
urlfile=$(mktemp)
"$bin" emulate --state examples/emulator-state.json --listen 127.0.0.1:0 >"$urlfile" 2>/dev/null &
emu=$!
trap 'kill $emu 2>/dev/null; wait $emu 2>/dev/null; rm -f "$urlfile"' EXIT
for _ in $(seq 1 100); do
  [ -s "$urlfile" ] && break
  kill -0 $emu 2>/dev/null || { echo "the emulator did not start" >&2; exit 1; }
  sleep 0.05
done
url=$(head -n1 "$urlfile")
export WBSYNC_URL=$url WANDB_API_KEY=x9f27c4e1b83d6a0
echo "== emulator at $url"
echo
echo "== wbsync plan -f examples/wbsync.yaml"
"$bin" plan -f examples/wbsync.yaml --log-level warn
echo
echo "== wbsync apply -f examples/wbsync.yaml --auto-approve"
"$bin" apply -f examples/wbsync.yaml --auto-approve --log-level warn
echo
echo "== wbsync plan -f examples/wbsync.yaml (again: nothing left to do)"
"$bin" plan -f examples/wbsync.yaml --log-level warn --detailed-exitcode
