#!/usr/bin/env bash
# `fastauth serve` on Vapor against `fastauth serve --adapter hummingbird`, side by side in one
# run, with the Python original's JWKS in the same alternation. Per round (ROUNDS, default 5),
# wrk -t2 -c16 -d${SECS:-6}s each, one request kind after the other:
#   peer JWKS (RS256 app), and for each adapter: GET /healthz, GET /auth/me (HS256, a bearer
#   token), GET /.well-known/jwks.json (RS256, the peer's PEM pair) and its 304 (If-None-Match).
# Prints each round's ok req/s and, at the end, the medians and the ratios the issue asks for.
# Needs Benchmarks/peer/setup.sh (wrk, the peer's venv and PEM pair) and the static release build.
#
#   FASTAUTH_BIN=.build-static/release/fastauth ROUNDS=5 Benchmarks/http/adapters.sh [out.json]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PEER="$ROOT/Benchmarks/peer"
BIN="${FASTAUTH_BIN:-$ROOT/.build-static/release/fastauth}"
ROUNDS="${ROUNDS:-5}"
SECS="${SECS:-6}"
OUT="${1:-/dev/null}"
export BENCH_LUA_DIR="$PEER/lua"
"$PEER/setup.sh" >/dev/null 2>&1
D="$(mktemp -d /tmp/fastauth-adapters-XXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; "$PEER/stop.sh" rs256 >/dev/null 2>&1 || true; }
trap cleanup EXIT

serve() { # name port adapter extra-env...
  local name=$1 port=$2 adapter=$3; shift 3
  mkdir -p "$D/$name"
  (cd "$D/$name" && exec env FASTAUTH_DATABASE_URL="sqlite://$D/$name/bench.db" LOG_LEVEL=warning \
    FASTAUTH_RATE_LIMIT_PER_MINUTE=0 FASTAUTH_ADAPTER="$adapter" "$@" "$BIN" serve --port "$port" >"$D/$name/log" 2>&1) &
  pids+=($!)
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.2; done
}
HS=(FASTAUTH_SECRET="adapters-bench-hs256-secret-0123456789abcdef012345")
RS=(FASTAUTH_SECRET="peer-bench-hs256-secret-0123456789abcdef01234567" FASTAUTH_ALGORITHM=RS256
  FASTAUTH_ISSUER=fastauth-peer FASTAUTH_AUDIENCE=fastauth-peer-api FASTAUTH_JWKS_ENABLED=true
  FASTAUTH_PRIVATE_KEY_FILE=/tmp/peer-data/rs256_private.pem FASTAUTH_PUBLIC_KEY_FILE=/tmp/peer-data/rs256_public.pem)
serve vapor-hs 8211 vapor "${HS[@]}"
serve hummingbird-hs 8212 hummingbird "${HS[@]}"
serve vapor-rs 8213 vapor "${RS[@]}"
serve hummingbird-rs 8214 hummingbird "${RS[@]}"
"$PEER/start.sh" rs256 8102 >/dev/null

token() { curl -fsS -X POST "http://127.0.0.1:$1/auth/register" -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"correct horse battery"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'; }
etag() { curl -fsS -D - -o /dev/null "$1" | awk -F': ' 'tolower($1)=="etag" {print $2}' | tr -d '\r'; }
declare -A TOKEN=([vapor]="$(token 8211)" [hummingbird]="$(token 8212)")
declare -A HSPORT=([vapor]=8211 [hummingbird]=8212) RSPORT=([vapor]=8213 [hummingbird]=8214)

rps() { # lua url [status, default 200]: responses of that status per second
  (cd "$BENCH_LUA_DIR" && wrk -t2 -c16 -d"${SECS}s" -s "$1" "$2") | sed -n 's/^RESULT //p' \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); print(round(r["statuses"].get(sys.argv[1], 0) / r["duration_s"], 1))' "${3:-200}"; }

: >"$D/rows"
for round in $(seq 1 "$ROUNDS"); do
  echo "peer jwks $(rps plain_get.lua http://127.0.0.1:8102/.well-known/jwks.json)" >>"$D/rows"
  for adapter in vapor hummingbird; do
    hs="http://127.0.0.1:${HSPORT[$adapter]}" rs="http://127.0.0.1:${RSPORT[$adapter]}"
    echo "$adapter healthz $(rps plain_get.lua "$hs/healthz")" >>"$D/rows"
    echo "$adapter me $(BENCH_TOKEN="${TOKEN[$adapter]}" rps bearer_get.lua "$hs/auth/me")" >>"$D/rows"
    echo "$adapter jwks $(rps plain_get.lua "$rs/.well-known/jwks.json")" >>"$D/rows"
    echo "$adapter jwks304 $(BENCH_ETAG="$(etag "$rs/.well-known/jwks.json")" \
      rps "$ROOT/Benchmarks/http/if_none_match.lua" "$rs/.well-known/jwks.json" 304)" >>"$D/rows"
  done
  echo "round $round:"; tail -9 "$D/rows" | sed 's/^/  /'
done
python3 - "$D/rows" "$OUT" <<'PY'
import collections, json, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    server, kind, value = line.split()
    rows[(server, kind)].append(float(value))
med = {k: statistics.median(v) for k, v in rows.items()}
print("medians (ok req/s):")
for (server, kind), value in sorted(med.items()):
    print("  %-12s %-8s %8.0f   rounds: %s" % (server, kind, value, ", ".join("%.0f" % x for x in rows[(server, kind)])))
for a in ["vapor", "hummingbird"]:
    print("%s: /auth/me ÷ /healthz %.2f; JWKS ÷ peer JWKS %.2fx; JWKS 304 ÷ 200 %.2f" % (
        a, med[(a, "me")] / med[(a, "healthz")], med[(a, "jwks")] / med[("peer", "jwks")],
        med[(a, "jwks304")] / med[(a, "jwks")]))
for kind in ["healthz", "me", "jwks", "jwks304"]:
    print("hummingbird ÷ vapor, %s: %.2f" % (kind, med[("hummingbird", kind)] / med[("vapor", kind)]))
json.dump({"%s %s" % k: v for k, v in rows.items()}, open(sys.argv[2], "w"), indent=1)
PY
