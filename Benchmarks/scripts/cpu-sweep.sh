#!/usr/bin/env bash
# Per-core rates in operations per second of CPU time, all in one session on one CPU:
#   openssl speed (which divides by user CPU time by default), fastauth-profile (ops/cpu-s:
#   CLOCK_PROCESS_CPUTIME_ID) for FastAuth, jwt-kit and swift-crypto, and the peer's joserfc
#   operations (scripts/peer_cpu.py, process CPU time). On a shared machine wall-clock rates
#   measure the other tenants as much as the code; CPU-time rates do not (caches and SMT
#   siblings are still shared).
#   Benchmarks/scripts/cpu-sweep.sh OUT   (env: CPU=0 ROUNDS=3 SECS=2 PROFILE=…/fastauth-profile
#                                          BASE_PROFILE=… for a before/after of the library)
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$1"; CPU="${CPU:-0}"; ROUNDS="${ROUNDS:-3}"; SECS="${SECS:-2}"
PROFILE="${PROFILE:-$HERE/.build-profile/release/fastauth-profile}"
PEER_PY="${PEER_PY:-/tmp/peer-venv/bin/python}"
PIN=(taskset -c "$CPU")
mkdir -p "$OUT"
{ echo "date: $(date -Is)"; echo "commit: $(git -C "$HERE" rev-parse HEAD)"; echo "cpu: $CPU"
  echo "load before: $(cat /proc/loadavg)"; } > "$OUT/env.txt"

for i in $(seq "$ROUNDS"); do
  "${PIN[@]}" openssl speed -seconds 5 rsa2048 2>/dev/null | tail -1 | sed 's/^/rsa2048: /'
done > "$OUT/openssl.txt"
OPENSSL_ia32cap=":~0x200000" "${PIN[@]}" openssl speed -seconds 5 rsa2048 2>/dev/null | tail -1 | sed 's/^/rsa2048 no-ifma: /' >> "$OUT/openssl.txt"
"${PIN[@]}" openssl speed -seconds 3 ecdsap256 2>/dev/null | tail -1 | sed 's/^/ecdsap256: /' >> "$OUT/openssl.txt"
"${PIN[@]}" openssl speed -seconds 3 ed25519 2>/dev/null | tail -1 | sed 's/^/ed25519: /' >> "$OUT/openssl.txt"
cat "$OUT/openssl.txt" >&2

: > "$OUT/profile.txt"
for round in $(seq "$ROUNDS"); do
  for alg in HS256 RS256 PS256 ES256 EdDSA; do
    ops="issue verify jwtkit-sign jwtkit-verify signer-sign signer-verify direct-sign direct-verify"
    [ "$alg" = HS256 ] && ops="$ops refresh refresh-verify"
    for op in $ops; do
      "${PIN[@]}" "$PROFILE" "$alg" "$op" "$SECS" | sed "s/^/round$round /" >> "$OUT/profile.txt"
    done
  done
  echo "profile round $round done" >&2
done

if [ -n "${BASE_PROFILE:-}" ]; then
  # Before/after of the library, interleaved; CPU time from /usr/bin/time (user+sys of the
  # whole process, fixture setup included: negligible for these HMAC and P-256 fixtures).
  : > "$OUT/ab-cpu.txt"
  for op in "HS256 issue" "HS256 verify" "HS256 refresh" "HS256 refresh-verify" "ES256 verify"; do
    for round in $(seq "$ROUNDS"); do
      for which in base new; do
        bin="$PROFILE"; [ "$which" = base ] && bin="$BASE_PROFILE"
        line=$( { /usr/bin/time -f "TIME %U %S" "${PIN[@]}" "$bin" $op "$SECS"; } 2>&1 )
        count=$(echo "$line" | sed -n 's/.*(\([0-9]*\) ops).*/\1/p')
        cpu=$(echo "$line" | awk '/^TIME/{print $2 + $3}')
        echo "$op round$round $which ops=$count cpu=$cpu" >> "$OUT/ab-cpu.txt"
      done
    done
  done
fi

"$PEER_PY" "$HERE/scripts/peer_cpu.py" --cpu "$CPU" --trials "$ROUNDS" > "$OUT/peer-cpu.txt"
cat "$OUT/peer-cpu.txt" >&2
echo "load after: $(cat /proc/loadavg)" >> "$OUT/env.txt"
python3 "$HERE/scripts/summarize_cpu.py" "$OUT" | tee "$OUT/summary.md"
