#!/usr/bin/env bash
# One refresh load run against a fresh `fastauth serve` (HS256, SQLite file, rate limit off):
# 16 live refresh chains, the peer's refresh_pool.lua, wrk -t2 -c16 -d10s. Extra arguments are
# environment assignments for the server (e.g. LOG_LEVEL=info). ALG=RS256 signs the access
# tokens with the peer's RS256 key (/tmp/peer-data, from Benchmarks/peer/setup.sh); with
# FASTAUTH_CRYPTO=boringssl or openssl as an argument, that compares the RSA signing backends.
#
#   FASTAUTH_BIN=.build-static/release/fastauth Benchmarks/http/refresh_once.sh
#   ALG=RS256 Benchmarks/http/refresh_once.sh FASTAUTH_CRYPTO=boringssl
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${FASTAUTH_BIN:-$ROOT/.build-static/release/fastauth}"
PY=/tmp/peer-venv/bin/python   # from Benchmarks/peer/setup.sh
D="$(mktemp -d /tmp/fastauth-once-XXXX)"
ALG="${ALG:-HS256}"
KEYS=()
[ "$ALG" = RS256 ] && KEYS=(FASTAUTH_PRIVATE_KEY_FILE=/tmp/peer-data/rs256_private.pem)
(cd "$D" && exec env "$@" FASTAUTH_SECRET="peer-bench-hs256-secret-0123456789abcdef01234567" \
  FASTAUTH_ALGORITHM="$ALG" "${KEYS[@]}" FASTAUTH_ISSUER=fastauth-peer FASTAUTH_AUDIENCE=fastauth-peer-api \
  FASTAUTH_RATE_LIMIT_PER_MINUTE=0 FASTAUTH_DATABASE_URL="${FASTAUTH_DATABASE_URL:-sqlite://$D/bench.db}" LOG_LEVEL=warning \
  "$BIN" serve --port 8201 >"$D/log" 2>&1) &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS -o /dev/null http://127.0.0.1:8201/healthz 2>/dev/null && break; sleep 0.2; done
B=http://127.0.0.1:8201
curl -fsS -o /dev/null -X POST $B/auth/register -H 'Content-Type: application/json' \
  --data '{"email":"bench@example.com","password":"correct horse battery","name":"A"}'
BENCH_EMAIL=bench@example.com BENCH_PASSWORD="correct horse battery" \
  "$PY" "$ROOT/Benchmarks/peer/refresh_bench.py" prepare --base $B --sessions 16 --out "$D/tokens16.txt" >/dev/null
cd "$ROOT/Benchmarks/peer/lua"
BENCH_LUA_DIR="$PWD" BENCH_TOKENS_FILE="$D/tokens16.txt" BENCH_THREADS=2 \
  wrk -t2 -c16 -d10s --timeout 30s --latency -s refresh_pool.lua $B/auth/refresh | grep '^RESULT'
echo "server $(grep VmRSS /proc/$SERVER/status 2>/dev/null || true)"
