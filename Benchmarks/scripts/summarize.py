#!/usr/bin/env python3
"""Summarise a compare.sh results folder into a markdown table (medians).

Swift: for every benchmark, the p50 of the throughput metric in each run, then the median
over runs. openssl: the median of its runs. Peer: jwt_micro.py's own median of 3 trials.
"""
import json
import re
import statistics
import sys
from pathlib import Path

out = Path(sys.argv[1])
SCALE = {"": 1, "(#)": 1, "(K)": 1e3, "(M)": 1e6, "(G)": 1e9}


def swift_results():
    runs = []
    for path in sorted(out.glob("swift-run*.txt")):
        text = re.sub(r"\x1b\[[0-9;]*m", "", path.read_text())
        results, name = {}, None
        for line in text.splitlines():
            if re.match(r"^(HS|RS|PS|ES|Ed)\S* ", line):
                name = line.strip()
            m = re.match(r"^│ Throughput \(# / s\) ?(\([KMG#]\))?\s*│(.*)$", line)
            if m and name:
                cells = [c.strip() for c in m.group(2).split("│") if c.strip()]
                results[name] = float(cells[2].replace(",", "")) * SCALE[m.group(1) or ""]
                name = None
        runs.append(results)
    names = sorted({n for r in runs for n in r})
    return {n: (statistics.median([r[n] for r in runs if n in r]), [r.get(n) for r in runs]) for n in names}, len(runs)


def openssl_results():
    rows = {}
    for line in (out / "openssl.txt").read_text().splitlines():
        label, _, rest = line.partition(": ")
        nums = re.findall(r"[0-9.]+", rest)
        rows.setdefault(label, []).append((float(nums[-2]), float(nums[-1])))
    return {k: (statistics.median(s for s, _ in v), statistics.median(x for _, x in v), v) for k, v in rows.items()}


def peer_results():
    path = out / "peer.json"
    if not path.exists():
        return {}
    return {r["op"]: r["ops_per_s"] for r in json.loads(path.read_text())["results"]}


swift, nruns = swift_results()
ossl = openssl_results()
peer = peer_results()


def fmt(v):
    return "—" if v is None else f"{v:,.0f}"


def s(name):
    v = swift.get(name)
    return v[0] if v else None


print(f"Swift: median over {nruns} runs of each benchmark's p50 throughput (ops/s, one core).\n")
print("| algorithm / operation | FastAuth | jwt-kit generic (JWTKeyCollection) | jwt-kit signer (primitive) | swift-crypto direct | peer joserfc | openssl speed |")
print("|---|---:|---:|---:|---:|---:|---:|")
openssl_key = {"RS256": "rsa2048", "PS256": None, "ES256": "ecdsap256", "EdDSA": "ed25519"}
for alg in ["HS256", "RS256", "PS256", "ES256", "EdDSA"]:
    o = ossl.get(openssl_key.get(alg) or "", None)
    print(f"| {alg} sign (FastAuth: issue access token) | {fmt(s(f'{alg} FastAuth issue access'))} | {fmt(s(f'{alg} jwt-kit sign'))} | "
          f"{fmt(s(f'{alg} jwt-kit signer sign'))} | {fmt(s(f'{alg} swift-crypto sign'))} | "
          f"{fmt(peer.get(f'{alg} sign'))} | {fmt(o[0] if o else None)} |")
    print(f"| {alg} verify (FastAuth: verify access token) | {fmt(s(f'{alg} FastAuth verify access'))} | {fmt(s(f'{alg} jwt-kit verify'))} | "
          f"{fmt(s(f'{alg} jwt-kit signer verify'))} | {fmt(s(f'{alg} swift-crypto verify'))} | "
          f"{fmt(peer.get(f'{alg} verify'))} | {fmt(o[1] if o else None)} |")
print(f"| refresh token issue (HS256, derived key) | {fmt(s('HS256 FastAuth issue refresh'))} | | | | | |")
print(f"| refresh token verify (HS256, derived key) | {fmt(s('HS256 FastAuth verify refresh'))} | | | | | |")

print("\nopenssl speed (median of runs; sign/s, verify/s):\n")
for k, (sg, vf, v) in ossl.items():
    print(f"- {k}: {sg:,.1f} / {vf:,.1f}  (runs: {', '.join(f'{a:,.0f}/{b:,.0f}' for a, b in v)})")

print("\nPeer rows (jwt_micro.py):\n")
for k, v in peer.items():
    print(f"- {k}: {v:,.0f}")

print("\nTargets:\n")
hs_issue, hs_verify = s("HS256 FastAuth issue access"), s("HS256 FastAuth verify access")
rs_sign, rs_verify = s("RS256 FastAuth issue access"), s("RS256 FastAuth verify access")
o = ossl.get("rsa2048")
def ratio(a, b):
    return "—" if a is None or b in (None, 0) else f"{a / b:.2f}"
print(f"- HS256 issue ≥ 200,000/s: {fmt(hs_issue)} ({ratio(hs_issue, 200000)}× target)")
print(f"- HS256 verify ≥ 400,000/s: {fmt(hs_verify)} ({ratio(hs_verify, 400000)}× target)")
if o:
    print(f"- RS256 sign within 5% of openssl rsa2048 sign ({o[0]:,.0f}/s): FastAuth issue {fmt(rs_sign)} = {ratio(rs_sign, o[0])}×; "
          f"swift-crypto direct {fmt(s('RS256 swift-crypto sign'))} = {ratio(s('RS256 swift-crypto sign'), o[0])}×")
    print(f"- RS256 verify ≥ 80% of openssl rsa2048 verify ({o[1]:,.0f}/s): FastAuth {fmt(rs_verify)} = {ratio(rs_verify, o[1])}×")
    n = ossl.get("rsa2048 no-ifma")
    if n:
        print(f"- openssl rsa2048 with AVX-512 IFMA masked: sign {n[0]:,.0f}/s, verify {n[1]:,.0f}/s; "
              f"swift-crypto direct sign / that = {ratio(s('RS256 swift-crypto sign'), n[0])}×")

print("\nAll Swift benchmarks (median; per-run p50s):\n")
for n, (m, per) in swift.items():
    print(f"- {n}: {m:,.0f}  ({', '.join(fmt(p) for p in per)})")

ab = out / "ab.txt"
if ab.exists():
    rows = {}
    for line in ab.read_text().splitlines():
        m = re.match(r"^(\S+ \S+) round\d+ base=(\d+) new=(\d+)", line)
        if m:
            rows.setdefault(m.group(1), []).append((int(m.group(2)), int(m.group(3))))
    print("\nfastauth-profile A/B, base vs new, interleaved (median of 3 rounds, ops/s):\n")
    print("| operation | base | new | new/base |")
    print("|---|---:|---:|---:|")
    for op, v in rows.items():
        b, n = statistics.median(x for x, _ in v), statistics.median(y for _, y in v)
        print(f"| {op} | {b:,.0f} | {n:,.0f} | {n / b:.2f}× |")
