#!/usr/bin/env bash
# Login at the physical limit, and the event loops during it, against a fresh `fastauth serve`
# (HS256, SQLite file, rate limit and lockout out of the way, the default scrypt parameters):
#   1. CPU-seconds per login hash: one login at a time, process CPU time / logins (20 logins);
#   2. the flood: wrk -t2 -c16 -d${DUR}s POST /auth/login (peer's login.lua), and at the same time
#      me_probe.py: GET /auth/me 50 times a second (open loop, one connection, a second user so
#      the flood's sessions never evict the probe's) — its p50/p99 during the flood;
#   3. the same probe with the server idle, for comparison.
# Prints logins/s, the limit (cores / CPU-seconds per hash), their ratio, errors and latencies.
#
#   FASTAUTH_BIN=.build-static/release/fastauth DUR=20 Benchmarks/http/login_flood.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${FASTAUTH_BIN:-$ROOT/.build-static/release/fastauth}"
DUR="${DUR:-20}"
PORT=8204; B=http://127.0.0.1:$PORT
D="$(mktemp -d /tmp/fastauth-login-XXXX)"
(cd "$D" && exec env FASTAUTH_SECRET="login-bench-hs256-secret-0123456789abcdef012345678" \
  FASTAUTH_DATABASE_URL="sqlite://$D/bench.db" LOG_LEVEL=warning FASTAUTH_RATE_LIMIT_PER_MINUTE=0 \
  FASTAUTH_LOCKOUT_ATTEMPTS=1000 "$BIN" serve --port $PORT >"$D/log" 2>&1) &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS -o /dev/null $B/healthz 2>/dev/null && break; sleep 0.2; done
PID="$(pgrep -f " serve --port $PORT" | head -1)"
export BENCH_EMAIL=bench@example.com BENCH_PASSWORD="correct horse battery" BENCH_LUA_DIR="$ROOT/Benchmarks/peer/lua"
BENCH_TOKEN="$(curl -fsS -X POST $B/auth/register -H 'content-type: application/json' \
  -d "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
PROBE_TOKEN="$(curl -fsS -X POST $B/auth/register -H 'content-type: application/json' \
  -d '{"email":"probe@example.com","password":"correct horse battery"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }   # utime + stime, clock ticks
TICK="$(getconf CLK_TCK)"; CORES="$(nproc)"
before="$(cpu)"
for _ in $(seq 1 20); do
  curl -fsS -o /dev/null -X POST $B/auth/login -H 'content-type: application/json' \
    -d "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\"}"
done
after="$(cpu)"
PER_HASH="$(python3 -c "print(($after - $before) / $TICK / 20)")"
HERE="$ROOT/Benchmarks/http"
cd "$BENCH_LUA_DIR"
wrk -t2 -c16 -d"${DUR}"s --timeout 30s -s login.lua $B/auth/login > "$D/login.txt" &
LOGIN=$!
sleep 3
python3 "$HERE/me_probe.py" $B/auth/me "$PROBE_TOKEN" --seconds "$((DUR - 6))" > "$D/me_during.txt"
wait $LOGIN
python3 "$HERE/me_probe.py" $B/auth/me "$PROBE_TOKEN" --seconds 8 > "$D/me_alone.txt"
python3 - "$D" "$PER_HASH" "$CORES" <<'PY'
import json, re, sys
d, per_hash, cores = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
text = open(f"{d}/login.txt").read()
login = json.loads(re.search(r"^RESULT (.*)$", text, re.M).group(1))
during = json.load(open(f"{d}/me_during.txt")); alone = json.load(open(f"{d}/me_alone.txt"))
limit = cores / per_hash
print(f"CPU per login: {per_hash * 1000:.0f} ms; limit {cores} cores / that = {limit:.1f} logins/s")
print(f"login flood (16 clients): {login['ok_rps']:.1f} ok/s = {login['ok_rps'] / limit:.2f}x the limit; statuses {login['statuses']}, socket errors {login.get('errors')}")
print(f"/auth/me during the flood: p50 {during['p50_ms']} ms, p99 {during['p99_ms']} ms, max {during['max_ms']} ms, statuses {during['statuses']}")
print(f"/auth/me idle:             p50 {alone['p50_ms']} ms, p99 {alone['p99_ms']} ms, max {alone['max_ms']} ms, statuses {alone['statuses']}")
PY
