#!/usr/bin/env bash
# RSA-2048 signing per core, both FastAuth backends side by side with openssl and the peer, in
# interleaved rounds on one CPU (operations per second of CPU time, as `openssl speed` counts):
#   openssl speed rsa2048 (user CPU time: its default divisor)
#   FastAuth TokenService.issueAccessToken, RS256 and PS256, FASTAUTH_CRYPTO=openssl and =boringssl
#   the peer's joserfc (`cryptography`, its bundled OpenSSL) RS256 and PS256 sign
#   Benchmarks/scripts/rsa-backends.sh OUT   (env: CPU=0 ROUNDS=5 SECS=3 PROFILE=…/fastauth-profile)
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$1"; CPU="${CPU:-0}"; ROUNDS="${ROUNDS:-5}"; SECS="${SECS:-3}"
PROFILE="${PROFILE:-$HERE/.build-profile/release/fastauth-profile}"
PEER_PY="${PEER_PY:-/tmp/peer-venv/bin/python}"
PIN=(taskset -c "$CPU")
mkdir -p "$OUT"
{ echo "date: $(date -Is)"; echo "commit: $(git -C "$HERE" rev-parse HEAD)"; echo "cpu: $CPU"
  echo "openssl: $(openssl version)"; echo "load before: $(cat /proc/loadavg)"; } > "$OUT/env.txt"
: > "$OUT/raw.txt"
for round in $(seq "$ROUNDS"); do
  "${PIN[@]}" openssl speed -seconds "$SECS" rsa2048 2>/dev/null | tail -1 \
    | awk -v r="$round" '{print "round" r " openssl-speed rsa2048 sign: " $6 " ops/cpu-s"}' >> "$OUT/raw.txt"
  for alg in RS256 PS256; do
    for backend in openssl boringssl; do
      FASTAUTH_CRYPTO=$backend "${PIN[@]}" "$PROFILE" "$alg" issue "$SECS" \
        | sed "s/^/round$round $backend /" >> "$OUT/raw.txt"
    done
  done
  "$PEER_PY" "$HERE/scripts/peer_cpu.py" --cpu "$CPU" --trials 1 --seconds "$SECS" --only "RS256 sign,PS256 sign" \
    | sed "s/^/round$round /" >> "$OUT/raw.txt"
  echo "round $round done" >&2
done
echo "load after: $(cat /proc/loadavg)" >> "$OUT/env.txt"
python3 - "$OUT/raw.txt" <<'PY' | tee "$OUT/summary.md"
import re, statistics, sys
rates = {}
for line in open(sys.argv[1]):
    m = re.match(r"round\d+ (.*?): .*?([0-9.]+) ops/cpu-s", line)
    if m:
        rates.setdefault(m.group(1), []).append(float(m.group(2)))
med = {k: statistics.median(v) for k, v in rates.items()}
print("| operation | median ops/cpu-s | rounds |")
print("|---|---:|---|")
for k in sorted(med):
    print(f"| {k} | {med[k]:,.0f} | {', '.join(f'{x:.0f}' for x in rates[k])} |")
speed = med.get("openssl-speed rsa2048 sign")
for alg in ("RS256", "PS256"):
    o, b = med.get(f"openssl {alg} issue"), med.get(f"boringssl {alg} issue")
    peer = med.get(f"peer {alg} sign")
    if o and b:
        print(f"\n{alg}: OpenSSL backend ÷ BoringSSL {o / b:.2f}×", end="")
        if speed: print(f"; ÷ openssl speed {o / speed:.2f}× (BoringSSL {b / speed:.2f}×)", end="")
        if peer: print(f"; ÷ peer {o / peer:.2f}× (BoringSSL {b / peer:.2f}×)", end="")
        print()
PY
