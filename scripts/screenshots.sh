#!/usr/bin/env bash
# make screenshots: the console's main pages as a person sees them, taken
# by headless Chromium (Debian's chromium package) from a live standalone
# process migrating a simulated lab into an empty one — a running import's
# page, the remotes board, the instances page, the finished run — into
# docs/console-*.png, which the README shows.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
CHROMIUM=${CHROMIUM:-chromium}
command -v "$CHROMIUM" >/dev/null || { echo "screenshots: install Debian's chromium package" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
bash scripts/services.sh >/dev/null
db=senaite_sync_screenshots
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db" postgres >/dev/null 2>&1 || true
psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db" postgres >/dev/null
export SENAITE_SYNC_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable"
export SENAITE_SYNC_DATA_DIR="$work/data" SENAITE_SYNC_HTTP_ADDR=127.0.0.1:18181 SENAITE_SYNC_URL=http://127.0.0.1:18181
unset SENAITE_SYNC_NATS_URL SENAITE_SYNC_API_TOKEN
"$BIN/senaite-sim" --addr 127.0.0.1:19191 --objects 2000 --seed 7 --users admin:secret >"$work/a.out" 2>&1 & pids+=($!)
"$BIN/senaite-sim" --addr 127.0.0.1:19192 --empty --seed 8 --latency 60ms --users admin:secret,verifier:secret >"$work/b.out" 2>&1 & pids+=($!)
"$BIN/senaite-sync" standalone >"$work/sync.log" 2>&1 & pids+=($!)
for _ in $(seq 1 150); do grep -q "coordinator started" "$work/sync.log" 2>/dev/null && break; sleep 0.1; done
export PW=secret
"$BIN/senaite-sync" instance add lab_a --url http://127.0.0.1:19191/senaite --username admin --password-env PW >/dev/null
"$BIN/senaite-sync" instance add lab_b --url http://127.0.0.1:19192/senaite --username admin --password-env PW \
  --verifier-username verifier --verifier-password-env PW >/dev/null
"$BIN/senaite-sync" remote add lab_a_to_b --source lab_a --destination lab_b --auto-sync 1h >/dev/null
"$BIN/senaite-sync" fetch lab_a_to_b --wait >/dev/null
run=$("$BIN/senaite-sync" import lab_a_to_b -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["run"]["id"])')
shot() { # name url
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$work/chromium" --hide-scrollbars \
    --window-size=1280,860 --run-all-compositor-stages-before-draw --virtual-time-budget=5000 --screenshot="docs/console-$1.png" "$2" >/dev/null 2>&1
  echo "docs/console-$1.png"
}
sleep 6 # the import under way: some objects in, most not
shot run-live "http://127.0.0.1:18181/console/runs/$run"
shot remotes "http://127.0.0.1:18181/console/"
"$BIN/senaite-sync" run show "$run" >/dev/null
for _ in $(seq 1 600); do
  st=$("$BIN/senaite-sync" runs -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["runs"][0]["status"])')
  case $st in succeeded|partial|failed) break ;; esac
  sleep 0.5
done
shot run-done "http://127.0.0.1:18181/console/runs/$run"
shot instances "http://127.0.0.1:18181/console/instances"
