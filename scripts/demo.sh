#!/usr/bin/env bash
# make demo: two simulated SENAITE labs on loopback — lab_a generated
# (2,000 objects of a realistic lab), lab_b a fresh empty site — and a
# migration lab_a → lab_b by senaite-sync in standalone mode: coordinator,
# fetcher and importer in one process with an embedded NATS JetStream, state
# in PostgreSQL. (`senaite-sync coordinator|fetcher|importer` run the same
# roles as separate processes, on as many machines as needed.)
# Everything stays up afterwards so you can look around; Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
A_ADDR=${A_ADDR:-127.0.0.1:9001}
B_ADDR=${B_ADDR:-127.0.0.1:9002}
export SENAITE_SYNC_HTTP_ADDR=${SENAITE_SYNC_HTTP_ADDR:-127.0.0.1:8080}
export SENAITE_SYNC_URL="http://$SENAITE_SYNC_HTTP_ADDR"
export SENAITE_SYNC_DATABASE_URL=${SENAITE_SYNC_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/senaite_sync_demo?sslmode=disable}
export SENAITE_SYNC_DATA_DIR=${SENAITE_SYNC_DATA_DIR:-demo-data}
unset SENAITE_SYNC_NATS_URL # embedded
bash scripts/services.sh >/dev/null
rm -rf demo-data && mkdir -p demo-data
# a fresh demo each time
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS senaite_sync_demo" postgres >/dev/null 2>&1 || true
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

wait_for() { # file pattern what
  for _ in $(seq 1 150); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "demo: $3 did not start; see $1" >&2; exit 1
}
start_lab() { # name addr args...
  local name=$1 addr=$2; shift 2
  "$BIN/senaite-sim" --addr "$addr" --users admin:secret,verifier:secret "$@" \
    >"demo-data/$name.out" 2>"demo-data/$name.log" &
  pids+=($!)
  wait_for "demo-data/$name.out" "listening on" "$name"
}

start_lab lab_a "$A_ADDR" --objects "${DEMO_OBJECTS:-2000}" --seed 7
start_lab lab_b "$B_ADDR" --empty --seed 8
"$BIN/senaite-sync" standalone >demo-data/senaite-sync.log 2>&1 & pids+=($!)
wait_for demo-data/senaite-sync.log "coordinator started" senaite-sync

A="http://$A_ADDR/senaite"; B="http://$B_ADDR/senaite"
export DEMO_PW=secret
"$BIN/senaite-sync" instance add lab_a --url "$A" --username admin --password-env DEMO_PW >/dev/null
"$BIN/senaite-sync" instance add lab_b --url "$B" --username admin --password-env DEMO_PW \
  --verifier-username verifier --verifier-password-env DEMO_PW >/dev/null
"$BIN/senaite-sync" remote add lab_a_to_b --source lab_a --destination lab_b >/dev/null
echo "== fetch lab_a =="
t0=$(date +%s.%N)
"$BIN/senaite-sync" fetch lab_a_to_b --wait
t1=$(date +%s.%N)
echo "== import into lab_b =="
set +e
"$BIN/senaite-sync" import lab_a_to_b --wait
status=$?
t2=$(date +%s.%N)
set -e
python3 -c "import sys; f,i=float(sys.argv[2])-float(sys.argv[1]),float(sys.argv[3])-float(sys.argv[2]); print('fetch %.1fs, import %.1fs' % (f, i))" "$t0" "$t1" "$t2"
echo
echo "== lab_a (source) and lab_b (destination) per portal type =="
python3 - "$A_ADDR" "$B_ADDR" <<'PY'
import json, sys, urllib.request
a, b = (json.load(urllib.request.urlopen("http://%s/__sim/stats" % h))["by_type"] for h in sys.argv[1:3])
for t in sorted(set(a) | set(b), key=lambda t: -a.get(t, 0)):
    mark = "" if a.get(t, 0) == b.get(t, 0) else "   <-- differs"
    print("  %-28s %7d %7d%s" % (t, a.get(t, 0), b.get(t, 0), mark))
PY
echo
echo "Where to look:"
echo "  console:     $SENAITE_SYNC_URL/console/   (remotes, runs, objects, conflicts; in a browser)"
echo "  runs:        $BIN/senaite-sync runs        (API: curl $SENAITE_SYNC_URL/api/v1/runs)"
echo "  lab_a:       curl -u admin:secret '$A/@@API/senaite/v1/analysisrequest?limit=3'"
echo "  lab_b:       curl -u admin:secret '$B/@@API/senaite/v1/analysisrequest?complete=yes&limit=1'"
echo "  objects:     $BIN/senaite-sync objects lab_a_to_b --state failed"
echo "  logs:        demo-data/*.log (senaite-sync.log: the service; lab_a.log, lab_b.log: the labs)"
echo "  state:       psql '$SENAITE_SYNC_DATABASE_URL'  (tables runs, objects, replicas)"
echo "  check it:    $BIN/senaite-sync verify lab_a_to_b --wait   (every object compared with its copy)"
echo "  keep it:     $BIN/senaite-sync update lab_a_to_b --wait   (only what changed at lab_a; --auto-sync 15m on remote edit)"
echo "The import exited with status $status (0 means succeeded; 2, partial: see the failed objects' reasons in the run)."
if [ -n "${DEMO_EXIT:-}" ]; then exit "$status"; fi
echo "Press Ctrl-C to stop everything."
wait
