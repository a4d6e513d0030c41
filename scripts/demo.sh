#!/usr/bin/env bash
# make demo: two simulated SENAITE labs on loopback — lab_a generated
# (2,000 objects of a realistic lab), lab_b a fresh empty site — and where
# to look. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
A_ADDR=${A_ADDR:-127.0.0.1:9001}
B_ADDR=${B_ADDR:-127.0.0.1:9002}
mkdir -p demo-data
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

start_lab() { # name addr args...
  local name=$1 addr=$2; shift 2
  "$BIN/senaite-sim" --addr "$addr" --users admin:secret,verifier:secret "$@" \
    >"demo-data/$name.out" 2>"demo-data/$name.log" &
  pids+=($!)
  for _ in $(seq 1 100); do
    grep -q "listening on" "demo-data/$name.out" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "demo: $name did not start; see demo-data/$name.log" >&2; exit 1
}

start_lab lab_a "$A_ADDR" --objects 2000 --seed 7
start_lab lab_b "$B_ADDR" --empty --seed 8
A="http://$A_ADDR/senaite"; B="http://$B_ADDR/senaite"

echo "== two simulated SENAITE 2.6 labs are running =="
echo "lab_a (generated): $A"
curl -s "http://$A_ADDR/__sim/stats" | python3 -c 'import json,sys; s=json.load(sys.stdin); print("  %d objects:" % s["total"], ", ".join("%s %d" % kv for kv in sorted(s["by_type"].items(), key=lambda kv: -kv[1])[:12]), "...")'
echo "lab_b (empty):     $B"
curl -s "http://$B_ADDR/__sim/stats" | python3 -c 'import json,sys; s=json.load(sys.stdin); print("  %d objects (fixed folders and the Laboratory)" % s["total"])'
echo
echo "Where to look (user admin, password secret):"
echo "  curl -u admin:secret '$A/@@API/senaite/v1/version'"
echo "  curl -u admin:secret '$A/@@API/senaite/v1/client?complete=yes&limit=2'"
echo "  curl -u admin:secret '$A/@@API/senaite/v1/search?portal_type=AnalysisRequest&review_state=published&limit=5'"
echo "  curl -u admin:secret '$A/@@API/senaite/v1/catalogs/senaite_catalog_sample'"
echo "  curl 'http://$A_ADDR/__sim/faults'   # break the lab: curl -X PUT -d '{\"error_rate\":0.2}' ..."
echo
echo "The migration lab_a -> lab_b (senaite-sync coordinator, fetchers, importers) joins this demo with issue #3."
echo "Press Ctrl-C to stop both labs."
wait
