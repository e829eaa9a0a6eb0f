#!/usr/bin/env bash
# GET /auth/me (JWT verification + the session-liveness and user checks, both through their
# one-second caches) against the bare GET /healthz of the same `fastauth serve`, alternated
# ROUNDS times: wrk -t2 -c16 -d8s each. HS256, SQLite.
#
#   FASTAUTH_BIN=.build-release/release/fastauth ROUNDS=3 Benchmarks/http/me_once.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${FASTAUTH_BIN:-$ROOT/.build-static/release/fastauth}"
ROUNDS="${ROUNDS:-3}"
D="$(mktemp -d /tmp/fastauth-me-XXXX)"
(cd "$D" && exec env FASTAUTH_SECRET="me-bench-hs256-secret-0123456789abcdef0123456789" \
  FASTAUTH_DATABASE_URL="sqlite://$D/bench.db" LOG_LEVEL=warning FASTAUTH_RATE_LIMIT_PER_MINUTE=0 \
  "$BIN" serve --port 8203 >"$D/log" 2>&1) &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS -o /dev/null http://127.0.0.1:8203/healthz 2>/dev/null && break; sleep 0.2; done
BENCH_TOKEN="$(curl -fsS -X POST http://127.0.0.1:8203/auth/register -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"correct horse battery"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
export BENCH_TOKEN BENCH_LUA_DIR="$ROOT/Benchmarks/peer/lua"
cd "$BENCH_LUA_DIR"
for _ in $(seq 1 "$ROUNDS"); do
  echo "healthz: $(wrk -t2 -c16 -d8s -s plain_get.lua http://127.0.0.1:8203/healthz | grep '^RESULT')"
  echo "me:      $(wrk -t2 -c16 -d8s -s bearer_get.lua http://127.0.0.1:8203/auth/me | grep '^RESULT')"
done
