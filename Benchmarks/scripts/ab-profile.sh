#!/usr/bin/env bash
# Before/after of the library on one CPU: two fastauth-profile binaries, interleaved rounds,
# operations per second of CPU time; prints the medians and the ratio new ÷ base.
#   BASE_PROFILE=/path/old/fastauth-profile scripts/ab-profile.sh OUT "ES256 issue" "EdDSA verify" …
#   (env: CPU=0 ROUNDS=5 SECS=2 PROFILE=…/fastauth-profile)
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$1"; shift; CPU="${CPU:-0}"; ROUNDS="${ROUNDS:-5}"; SECS="${SECS:-2}"
PROFILE="${PROFILE:-$HERE/.build-profile/release/fastauth-profile}"
: "${BASE_PROFILE:?set BASE_PROFILE to the fastauth-profile built before the change}"
mkdir -p "$OUT"
{ echo "date: $(date -Is)"; echo "commit: $(git -C "$HERE" rev-parse HEAD)"; echo "load before: $(cat /proc/loadavg)"; } > "$OUT/env.txt"
: > "$OUT/raw.txt"
for round in $(seq "$ROUNDS"); do
  for op in "$@"; do
    for which in base new; do
      bin="$PROFILE"; [ "$which" = base ] && bin="$BASE_PROFILE"
      taskset -c "$CPU" "$bin" $op "$SECS" | sed "s/^/round$round $which /" >> "$OUT/raw.txt"
    done
  done
done
echo "load after: $(cat /proc/loadavg)" >> "$OUT/env.txt"
python3 - "$OUT/raw.txt" <<'PY' | tee "$OUT/summary.md"
import re, statistics, sys
rates = {}
for line in open(sys.argv[1]):
    m = re.match(r"round\d+ (base|new) (.*?): .*cpu: ([0-9.]+) ops/cpu-s", line)
    if m:
        rates.setdefault(m.group(2), {}).setdefault(m.group(1), []).append(float(m.group(3)))
print("| operation | before (median ops/cpu-s) | after | after ÷ before |")
print("|---|---:|---:|---:|")
for op, by in rates.items():
    b, n = statistics.median(by["base"]), statistics.median(by["new"])
    print(f"| {op} | {b:,.0f} | {n:,.0f} | {n / b:.2f}× |")
PY
