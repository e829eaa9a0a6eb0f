#!/usr/bin/env bash
# Side-by-side HTTP load: `fastauth serve` (release build) against the Python original
# (Benchmarks/peer), on loopback, in one run, with the peer's own wrk scripts.
#
#   Benchmarks/http/compare.sh [OUTDIR]        (from the project root; ~6 minutes)
#
# For each server: register + log in one user, then
#   login_c16     wrk -t2 -c16 -d$DUR --timeout 30s -s login.lua      /auth/login
#   me_c16        wrk -t2 -c16 -d$DUR -s bearer_get.lua               /auth/me
#   refresh_c16   wrk -t2 -c16 -d$DUR --timeout 30s -s refresh_pool.lua /auth/refresh  (16 live chains)
# and for the RS256 configuration
#   jwks_c16      wrk -t2 -c16 -d$DUR -s plain_get.lua                /.well-known/jwks.json
#   jwks304_c16   wrk -t2 -c16 -d$DUR -s if_none_match.lua            /.well-known/jwks.json  (FastAuth only)
# plus the server's RSS idle and its peak during each run (from /proc/PID/status).
# Both servers get the same settings: HS256 (RS256 for JWKS), iss/aud set, SQLite file on
# disk, one process; FastAuth with FASTAUTH_RATE_LIMIT_PER_MINUTE=0 (the peer has no limit).
# Every load is bounded by wrk -d and goes to 127.0.0.1 only.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PEER="$ROOT/Benchmarks/peer"
OUT="${1:-$ROOT/Benchmarks/http/results/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT" && OUT="$(cd "$OUT" && pwd)"   # absolute: wrk runs from the Lua directory
DUR="${DUR:-10s}"
PY=/tmp/peer-venv/bin/python
export BENCH_LUA_DIR="$PEER/lua"
mkdir -p "$OUT"

# The deployment build Vapor's own Dockerfile makes: release, Swift runtime and Foundation
# linked statically (2-3 MB less RSS than loading them as shared libraries).
echo "== build (release, --static-swift-stdlib)"
(cd "$ROOT" && swift build -c release --static-swift-stdlib --product fastauth --scratch-path "$ROOT/.build-static" >"$OUT/build.log" 2>&1)
BIN="$ROOT/.build-static/release/fastauth"
echo "== peer setup"
"$PEER/setup.sh" >"$OUT/peer-setup.log" 2>&1

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# sample_peak PID FILE: writes the peak RSS (kB) seen until killed
sample_peak() { local pid="$1" file="$2" peak=0 now; while kill -0 "$pid" 2>/dev/null; do now="$(rss_kb "$pid")"; [ "${now:-0}" -gt "$peak" ] && peak="$now" && echo "$peak" >"$file"; sleep 0.2; done; }

# run SERVER LABEL PID URL LUA [wrk args…]
run() {
  local server="$1" label="$2" pid="$3" url="$4" lua="$5"; shift 5
  local raw="$OUT/$server-$label.txt" peakfile="$OUT/$server-$label.peak"
  echo 0 >"$peakfile"
  sample_peak "$pid" "$peakfile" & local sampler=$!
  local cpu0; cpu0="$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat")"
  (cd "$BENCH_LUA_DIR" && wrk "$@" --latency -s "$lua" "$url") >"$raw" 2>&1
  local cpu1; cpu1="$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat")"
  kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
  "$PY" - "$server" "$label" "$raw" "$(cat "$peakfile")" "$cpu0" "$cpu1" "$(getconf CLK_TCK)" "wrk $* --latency -s $lua $url" >>"$OUT/results.jsonl" <<'PYX'
import json, sys
server, label, raw, peak, c0, c1, tck, cmd = sys.argv[1:9]
line = [l for l in open(raw) if l.startswith("RESULT ")][-1]
r = json.loads(line[7:])
r.update(server=server, label=label, peak_rss_mb=round(int(peak) / 1024, 1), cmd=cmd,
         server_cpu_s=round((float(c1) - float(c0)) / float(tck), 2))
print(json.dumps(r))
PYX
  tail -1 "$OUT/results.jsonl" | "$PY" -c 'import json,sys; r=json.load(sys.stdin); print("  %-8s %-12s %9.1f ok/s  p50 %7.2f ms  p99 %8.2f ms  statuses %s  peak RSS %s MB" % (r["server"], r["label"], r["ok_rps"], r["lat_ms"]["p50"], r["lat_ms"]["p99"], r["statuses"], r["peak_rss_mb"]))'
}

# bench SERVER BASE PID
bench() {
  local server="$1" base="$2" pid="$3"
  local email="bench-$(date +%s%N)@example.com" pw="correct horse battery"
  curl -fsS -o /dev/null -X POST "$base/auth/register" -H 'Content-Type: application/json' \
    --data "{\"email\":\"$email\",\"password\":\"$pw\",\"name\":\"Bench User\"}"
  local access; access="$(curl -fsS -X POST "$base/auth/login" -H 'Content-Type: application/json' \
    --data "{\"email\":\"$email\",\"password\":\"$pw\"}" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
  export BENCH_EMAIL="$email" BENCH_PASSWORD="$pw" BENCH_TOKEN="$access"
  sleep 1
  local idle_kb; idle_kb="$(rss_kb "$pid")"
  echo "{\"server\":\"$server\",\"label\":\"idle\",\"rss_mb\":$(awk -v k="$idle_kb" 'BEGIN { printf "%.1f", k / 1024 }')}" >>"$OUT/idle.jsonl"
  echo "  $server idle RSS $(awk -v k="$idle_kb" 'BEGIN { printf "%.1f", k / 1024 }') MB"
  (cd "$BENCH_LUA_DIR" && wrk -t2 -c16 -d2s -s bearer_get.lua "$base/auth/me" >/dev/null)  # warm-up
  run "$server" login_c16 "$pid" "$base/auth/login" login.lua -t2 -c16 -d"$DUR" --timeout 30s
  run "$server" me_c16 "$pid" "$base/auth/me" bearer_get.lua -t2 -c16 -d"$DUR"
  "$PY" "$PEER/refresh_bench.py" prepare --base "$base" --sessions 16 --out "$OUT/tokens16.txt" >/dev/null
  BENCH_TOKENS_FILE="$OUT/tokens16.txt" BENCH_THREADS=2 \
    run "$server" refresh_c16 "$pid" "$base/auth/refresh" refresh_pool.lua -t2 -c16 -d"$DUR" --timeout 30s
  rm -f "$OUT/tokens16.txt"
}

# start_fastauth ALG PORT: starts the server in the background; its pid goes to FASTAUTH_PID.
start_fastauth() {
  local alg="$1" port="$2" dir; dir="$(mktemp -d /tmp/fastauth-bench-XXXX)"
  local extra=()
  if [ "$alg" = RS256 ]; then extra=(FASTAUTH_JWKS_ENABLED=true FASTAUTH_PRIVATE_KEY_FILE=/tmp/peer-data/rs256_private.pem FASTAUTH_PUBLIC_KEY_FILE=/tmp/peer-data/rs256_public.pem); fi
  (cd "$dir" && exec env FASTAUTH_SECRET="peer-bench-hs256-secret-0123456789abcdef01234567" FASTAUTH_ALGORITHM="$alg" \
     FASTAUTH_ISSUER=fastauth-peer FASTAUTH_AUDIENCE=fastauth-peer-api FASTAUTH_RATE_LIMIT_PER_MINUTE=0 \
     FASTAUTH_DATABASE_URL="sqlite://$dir/bench.db" LOG_LEVEL=warning "${extra[@]}" \
     "$BIN" serve --port "$port" </dev/null >"$OUT/fastauth-$alg.log" 2>&1) &
  FASTAUTH_PID=$!
  for _ in $(seq 1 150); do curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && return 0; sleep 0.2; done
  echo "fastauth did not start; see $OUT/fastauth-$alg.log" >&2; return 1
}

{ echo "date: $(date -u +%FT%TZ)"; echo "host: $(uname -srm), $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  swift --version 2>&1 | head -1; { wrk -v 2>&1 || true; } | head -1; } >"$OUT/env.txt"
cat "$OUT/env.txt"
: >"$OUT/results.jsonl"; : >"$OUT/idle.jsonl"

echo "== HS256: the Python original"
"$PEER/start.sh" hs256 8101 >/dev/null
bench peer http://127.0.0.1:8101 "$(cat /tmp/peer-data/hs256.pid)"
"$PEER/stop.sh" hs256 >/dev/null
echo "== HS256: FastAuth"
start_fastauth HS256 8201
bench fastauth http://127.0.0.1:8201 "$FASTAUTH_PID"
kill -TERM "$FASTAUTH_PID"; wait "$FASTAUTH_PID" 2>/dev/null || true
echo "== RS256 JWKS: the Python original"
"$PEER/start.sh" rs256 8102 >/dev/null
PPID_RS="$(cat /tmp/peer-data/rs256.pid)"
run peer jwks_c16 "$PPID_RS" http://127.0.0.1:8102/.well-known/jwks.json plain_get.lua -t2 -c16 -d"$DUR"
"$PEER/stop.sh" rs256 >/dev/null
echo "== RS256 JWKS: FastAuth"
start_fastauth RS256 8202
PID="$FASTAUTH_PID"
run fastauth jwks_c16 "$PID" http://127.0.0.1:8202/.well-known/jwks.json plain_get.lua -t2 -c16 -d"$DUR"
export BENCH_ETAG; BENCH_ETAG="$(curl -fsS -D - -o /dev/null http://127.0.0.1:8202/.well-known/jwks.json | awk -F': ' 'tolower($1)=="etag" {print $2}' | tr -d '\r')"
run fastauth jwks304_c16 "$PID" http://127.0.0.1:8202/.well-known/jwks.json "$ROOT/Benchmarks/http/if_none_match.lua" -t2 -c16 -d"$DUR"
kill -TERM "$PID"; wait "$PID" 2>/dev/null || true

"$PY" "$ROOT/Benchmarks/http/summarize.py" "$OUT" | tee "$OUT/summary.md"
