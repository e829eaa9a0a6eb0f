#!/usr/bin/env bash
# The JWKS route under load, 200 and 304, twice each, against a fresh `fastauth serve` (RS256 with
# the peer's PEM pair, from Benchmarks/peer/setup.sh): wrk -t2 -c16 -d8s.
#
#   FASTAUTH_BIN=.build-static/release/fastauth Benchmarks/http/jwks_once.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${FASTAUTH_BIN:-$ROOT/.build-static/release/fastauth}"
D="$(mktemp -d /tmp/fastauth-once-XXXX)"
(cd "$D" && exec env FASTAUTH_SECRET="peer-bench-hs256-secret-0123456789abcdef01234567" FASTAUTH_ALGORITHM=RS256 \
  FASTAUTH_ISSUER=fastauth-peer FASTAUTH_AUDIENCE=fastauth-peer-api FASTAUTH_DATABASE_URL="sqlite://$D/bench.db" \
  LOG_LEVEL=warning FASTAUTH_JWKS_ENABLED=true FASTAUTH_PRIVATE_KEY_FILE=/tmp/peer-data/rs256_private.pem \
  FASTAUTH_PUBLIC_KEY_FILE=/tmp/peer-data/rs256_public.pem "$BIN" serve --port 8202 >"$D/log" 2>&1) &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS -o /dev/null http://127.0.0.1:8202/healthz 2>/dev/null && break; sleep 0.2; done
URL=http://127.0.0.1:8202/.well-known/jwks.json
export BENCH_LUA_DIR="$ROOT/Benchmarks/peer/lua"
export BENCH_ETAG; BENCH_ETAG="$(curl -fsS -D - -o /dev/null $URL | awk -F': ' 'tolower($1)=="etag" {print $2}' | tr -d '\r')"
cd "$BENCH_LUA_DIR"
for _ in 1 2; do
  echo "200: $(wrk -t2 -c16 -d8s -s plain_get.lua $URL | grep '^RESULT')"
  echo "304: $(wrk -t2 -c16 -d8s -s "$ROOT/Benchmarks/http/if_none_match.lua" $URL | grep '^RESULT')"
done
