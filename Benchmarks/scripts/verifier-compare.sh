#!/usr/bin/env bash
# Resource-server verification per core, all in one session on one CPU, interleaved by round:
#   1. FastAuthVerifier: RemoteTokenVerifier.verify, warm key cache, 1024 distinct tokens
#      (fastauth-profile ALG remote-verify), and the same pool through
#      TokenService.verifyAccessToken (fastauth-profile ALG pool-verify)
#   2. PyJWT: PyJWKClient (JWKS from a local http.server on 127.0.0.1) + jwt.decode over the
#      same tokens and JWKS (scripts/pyjwt_jwks.py, system python3)
#   3. taskset -c CPU openssl speed -seconds 3 rsa2048 ecdsap256 ed25519 (verify columns)
# then summarises medians of the rounds into OUT/summary.md (scripts/summarize_verifier.py).
#
#   swift build -c release --product fastauth-profile --scratch-path .build-profile   # once, in Benchmarks/
#   Benchmarks/scripts/verifier-compare.sh [OUT]   (env: CPU=0 ROUNDS=3 SECS=2 PY=python3
#                                                   PROFILE=Benchmarks/.build-profile/release/fastauth-profile
#                                                   PYJWT_ALT="/tmp/pyjwt-2.10.1 …": other PyJWT releases,
#                                                   each a folder put first on PYTHONPATH, e.g. from
#                                                   pip install --no-deps --target /tmp/pyjwt-2.10.1 pyjwt==2.10.1)
# Needs: openssl, taskset, python3 with PyJWT and cryptography (pip install pyjwt cryptography).
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$HERE/results/verifier}"
CPU="${CPU:-0}"; ROUNDS="${ROUNDS:-3}"; SECS="${SECS:-2}"; PY="${PY:-python3}"
PROFILE="${PROFILE:-$HERE/.build-profile/release/fastauth-profile}"
ALGS=(RS256 ES256 EdDSA)
PIN=(taskset -c "$CPU")
[ -x "$PROFILE" ] || { echo "no $PROFILE: build it first (see the header of this script)" >&2; exit 1; }
mkdir -p "$OUT"
TOKENS="$(mktemp -d /tmp/fastauth-verifier-tokens.XXXXXX)"
trap 'rm -rf "$TOKENS"' EXIT

{
  echo "date: $(date -Is)"
  echo "commit: $(git -C "$HERE" rev-parse HEAD 2>/dev/null || echo unknown)"
  echo "cpu pinned: $CPU; rounds: $ROUNDS; seconds per measurement: $SECS"
  echo "uname: $(uname -srm)"
  grep -m1 'model name' /proc/cpuinfo || true
  echo "cpus: $(nproc)"
  swift --version 2>&1 | head -1
  openssl version
  "$PY" "$HERE/scripts/pyjwt_jwks.py" --dir . --versions
  for alt in ${PYJWT_ALT:-}; do PYTHONPATH="$alt" "$PY" "$HERE/scripts/pyjwt_jwks.py" --dir . --versions; done
  echo "load before: $(cat /proc/loadavg)"
} > "$OUT/env.txt"

# The tokens and JWKS both sides verify (issued by a PEM-mode TokenService, exp in 7 days).
for alg in "${ALGS[@]}"; do "$PROFILE" "$alg" export-verifier "$TOKENS" >&2; done
for alg in "${ALGS[@]}"; do
  cp "$TOKENS/$alg.jwks.json" "$OUT/$alg.jwks.json"
  head -1 "$TOKENS/$alg.tokens" > "$OUT/$alg.sample-token.txt"
done

: > "$OUT/fastauth.txt"; : > "$OUT/pyjwt.txt"; : > "$OUT/openssl.txt"
for round in $(seq "$ROUNDS"); do
  echo "== round $round" >&2
  "${PIN[@]}" openssl speed -seconds 3 rsa2048 ecdsap256 ed25519 2>/dev/null > "$OUT/openssl-round$round.raw.txt"
  grep -E '^(rsa 2048 bits| *256 bits ecdsa \(nistp256\)| *253 bits EdDSA \(Ed25519\))' "$OUT/openssl-round$round.raw.txt" \
    | sed "s/^/round$round /" >> "$OUT/openssl.txt"
  for alg in "${ALGS[@]}"; do
    for op in remote-verify pool-verify; do
      "${PIN[@]}" "$PROFILE" "$alg" "$op" "$SECS" | sed "s/^/round$round /" >> "$OUT/fastauth.txt"
    done
  done
  "${PIN[@]}" "$PY" "$HERE/scripts/pyjwt_jwks.py" --dir "$TOKENS" --algs "${ALGS[@]}" --cpu "$CPU" \
    --seconds "$SECS" --trials 1 | sed "s/^/round$round /" >> "$OUT/pyjwt.txt"
  for alt in ${PYJWT_ALT:-}; do
    PYTHONPATH="$alt" "${PIN[@]}" "$PY" "$HERE/scripts/pyjwt_jwks.py" --dir "$TOKENS" --algs "${ALGS[@]}" --cpu "$CPU" \
      --seconds "$SECS" --trials 1 | sed "s/^/round$round /" >> "$OUT/pyjwt.txt"
  done
  tail -n 6 "$OUT/fastauth.txt" >&2; grep "^round$round pyjwt" "$OUT/pyjwt.txt" >&2; tail -n 3 "$OUT/openssl.txt" >&2
done
echo "load after: $(cat /proc/loadavg)" >> "$OUT/env.txt"

python3 "$HERE/scripts/summarize_verifier.py" "$OUT" | tee "$OUT/summary.md"
