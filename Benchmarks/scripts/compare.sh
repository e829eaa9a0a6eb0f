#!/usr/bin/env bash
# Runs, in one session and pinned to one CPU, everything docs/PERFORMANCE.md compares:
#   1. openssl speed (rsa2048, also with AVX-512 IFMA masked; ecdsap256; ed25519)
#   2. the Swift benchmarks (swift package benchmark), RUNS times
#   3. the peer's JWT micro-benchmark (joserfc), Benchmarks/peer/jwt_micro.py
#   4. openssl speed rsa2048 again (drift check)
# then summarises medians into OUT/summary.md.
#
#   Benchmarks/scripts/compare.sh [OUT]        (env: CPU=0 RUNS=3 SECONDS_PER_BENCH=2
#                                               PEER=Benchmarks/peer PEER_PY=/tmp/peer-venv/bin/python
#                                               BASE_PROFILE=… NEW_PROFILE=…: two fastauth-profile
#                                               binaries to A/B, interleaved)
# Needs: the peer venv (run $PEER/setup.sh once), openssl, taskset.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$HERE/results/$(date +%Y%m%d-%H%M%S)}"
CPU="${CPU:-0}"
RUNS="${RUNS:-3}"
SECONDS_PER_BENCH="${SECONDS_PER_BENCH:-2}"
PEER="${PEER:-$HERE/peer}"
PEER_PY="${PEER_PY:-/tmp/peer-venv/bin/python}"
PIN=(taskset -c "$CPU")
mkdir -p "$OUT"

{
  echo "date: $(date -Is)"
  echo "cpu pinned: $CPU"
  echo "fastauth commit: $(git -C "$HERE" rev-parse HEAD 2>/dev/null || echo unknown)"
  echo "uname: $(uname -srm)"
  grep -m1 'model name' /proc/cpuinfo || true
  echo "cpus: $(nproc)"
  echo "cpu flags (selected): $(grep -m1 flags /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|avx512f|avx512ifma|adx|bmi2|sha_ni)$' | tr '\n' ' ')"
  free -g | head -2
  swift --version 2>&1 | head -1
  openssl version
  echo "load before: $(cat /proc/loadavg)"
} > "$OUT/env.txt"

openssl_rsa() {  # label, extra env
  local label="$1"; shift
  env "$@" "${PIN[@]}" openssl speed -seconds 5 rsa2048 2>/dev/null | tail -1 | sed "s/^/$label: /"
}

echo "== openssl (before)" >&2
for i in 1 2 3; do openssl_rsa "rsa2048" OPENSSL_noop=1; done > "$OUT/openssl.txt"
# CPUID(7).EBX bit 21 = AVX512IFMA: OpenSSL 3's RSA-2048 fast path (ossl_rsaz_mod_exp_avx512_x2).
for i in 1 2 3; do openssl_rsa "rsa2048 no-ifma" OPENSSL_ia32cap=":~0x200000"; done >> "$OUT/openssl.txt"
"${PIN[@]}" openssl speed -seconds 3 ecdsap256 2>/dev/null | tail -1 | sed 's/^/ecdsap256: /' >> "$OUT/openssl.txt"
"${PIN[@]}" openssl speed -seconds 3 ed25519 2>/dev/null | tail -1 | sed 's/^/ed25519: /' >> "$OUT/openssl.txt"
cat "$OUT/openssl.txt" >&2

echo "== swift benchmarks" >&2
# Build (unpinned) through the plugin, with the flags it runs with.
(cd "$HERE" && swift package --disable-sandbox benchmark list >/dev/null)
for run in $(seq "$RUNS"); do
  (cd "$HERE" && FASTAUTH_BENCH_SECONDS="$SECONDS_PER_BENCH" "${PIN[@]}" \
    swift package --disable-sandbox benchmark --no-progress) > "$OUT/swift-run$run.txt" 2>&1
  echo "run $run done" >&2
done

echo "== peer (joserfc)" >&2
"$PEER_PY" "$PEER/jwt_micro.py" --cpu "$CPU" --json "$OUT/peer.json" > "$OUT/peer.md"
cat "$OUT/peer.md" >&2

if [ -n "${BASE_PROFILE:-}" ] && [ -n "${NEW_PROFILE:-}" ]; then
  # Before/after of the library itself: fastauth-profile built from two commits (same
  # fixtures), interleaved so both see the same machine load.
  echo "== A/B fastauth-profile: $BASE_PROFILE vs $NEW_PROFILE" >&2
  for op in "HS256 issue" "HS256 verify" "HS256 refresh" "HS256 refresh-verify" "RS256 issue" "RS256 verify" \
            "ES256 issue" "ES256 verify" "EdDSA verify"; do
    for round in 1 2 3; do
      b=$("${PIN[@]}" "$BASE_PROFILE" $op 2 | awk '{print $3}')
      n=$("${PIN[@]}" "$NEW_PROFILE" $op 2 | awk '{print $3}')
      echo "$op round$round base=$b new=$n"
    done
  done > "$OUT/ab.txt"
  cat "$OUT/ab.txt" >&2
fi

echo "== openssl (after)" >&2
for i in 1 2 3; do openssl_rsa "rsa2048 after" OPENSSL_noop=1; done >> "$OUT/openssl.txt"
echo "load after: $(cat /proc/loadavg)" >> "$OUT/env.txt"

python3 "$HERE/scripts/summarize.py" "$OUT" > "$OUT/summary.md"
cat "$OUT/summary.md"
