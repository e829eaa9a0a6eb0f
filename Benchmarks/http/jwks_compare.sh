#!/usr/bin/env bash
# GET /.well-known/jwks.json, the Python original's RS256 app against `fastauth serve` (RS256 with
# the same PEM pair), alternating ROUNDS times (default 3), wrk -t2 -c16 -d10s each, the peer's
# plain_get.lua; prints each round's ok req/s and the ratio, then the medians.
#
#   Benchmarks/http/jwks_compare.sh [ROUNDS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PEER="$ROOT/Benchmarks/peer"
BIN="${FASTAUTH_BIN:-$ROOT/.build-static/release/fastauth}"
ROUNDS="${1:-3}"
export BENCH_LUA_DIR="$PEER/lua"
"$PEER/setup.sh" >/dev/null 2>&1
rps() { (cd "$BENCH_LUA_DIR" && wrk -t2 -c16 -d10s -s plain_get.lua "$1") | sed -n 's/^RESULT //p' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["ok_rps"])'; }
D="$(mktemp -d /tmp/fastauth-jwks-XXXX)"
peer=(); ours=()
for round in $(seq 1 "$ROUNDS"); do
  "$PEER/start.sh" rs256 8102 >/dev/null
  peer+=("$(rps http://127.0.0.1:8102/.well-known/jwks.json)")
  "$PEER/stop.sh" rs256 >/dev/null
  (cd "$D" && exec env FASTAUTH_SECRET="peer-bench-hs256-secret-0123456789abcdef01234567" FASTAUTH_ALGORITHM=RS256 \
    FASTAUTH_ISSUER=fastauth-peer FASTAUTH_AUDIENCE=fastauth-peer-api FASTAUTH_DATABASE_URL="sqlite://$D/bench.db" \
    LOG_LEVEL=warning FASTAUTH_JWKS_ENABLED=true FASTAUTH_PRIVATE_KEY_FILE=/tmp/peer-data/rs256_private.pem \
    FASTAUTH_PUBLIC_KEY_FILE=/tmp/peer-data/rs256_public.pem "$BIN" serve --port 8202 >"$D/log" 2>&1) &
  server=$!
  for _ in $(seq 1 100); do curl -fsS -o /dev/null http://127.0.0.1:8202/healthz 2>/dev/null && break; sleep 0.2; done
  ours+=("$(rps http://127.0.0.1:8202/.well-known/jwks.json)")
  kill -TERM "$server"; wait "$server" 2>/dev/null || true
  echo "round $round: peer ${peer[-1]} req/s, FastAuth ${ours[-1]} req/s"
done
python3 - "${peer[*]}" "${ours[*]}" <<'PY'
import statistics, sys
peer = [float(x) for x in sys.argv[1].split()]; ours = [float(x) for x in sys.argv[2].split()]
ratios = [o / p for o, p in zip(ours, peer)]
print("median: peer %.0f req/s, FastAuth %.0f req/s, ratio of medians %.2fx; per-round ratios %s" % (
    statistics.median(peer), statistics.median(ours), statistics.median(ours) / statistics.median(peer),
    ", ".join("%.2fx" % r for r in ratios)))
PY
