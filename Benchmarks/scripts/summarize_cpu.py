#!/usr/bin/env python3
"""Summarise a cpu-sweep.sh folder: medians over rounds of ops per CPU-second."""
import re
import statistics
import sys
from pathlib import Path

out = Path(sys.argv[1])
prof = {}
for line in (out / "profile.txt").read_text().splitlines():
    m = re.match(r"^round\d+ (\S+) (\S+): (\d+) ops/s \((\d+) ops\) cpu: (\d+) ops/cpu-s", line)
    if m:
        prof.setdefault((m.group(1), m.group(2)), []).append((int(m.group(5)), int(m.group(3))))
ossl = {}
for line in (out / "openssl.txt").read_text().splitlines():
    label, _, rest = line.partition(": ")
    nums = re.findall(r"[0-9.]+", rest)
    ossl.setdefault(label, []).append((float(nums[-2]), float(nums[-1])))
ossl = {k: (statistics.median(a for a, _ in v), statistics.median(b for _, b in v)) for k, v in ossl.items()}
peer = {}
p = out / "peer-cpu.txt"
if p.exists():
    for line in p.read_text().splitlines():
        m = re.match(r"^peer (\S+ \S+): (\d+) ops/s cpu: (\d+) ops/cpu-s", line)
        if m:
            peer[m.group(1)] = int(m.group(3))


def cpu(alg, op):
    v = prof.get((alg, op))
    return statistics.median(c for c, _ in v) if v else None


def wall(alg, op):
    v = prof.get((alg, op))
    return statistics.median(w for _, w in v) if v else None


def f(v):
    return "—" if v is None else f"{v:,.0f}"


print("Operations per second of CPU time, one core, median of rounds.\n")
print("| algorithm / operation | FastAuth | jwt-kit generic | jwt-kit signer | swift-crypto direct | peer joserfc | openssl speed |")
print("|---|---:|---:|---:|---:|---:|---:|")
omap = {"RS256": "rsa2048", "PS256": "rsa2048", "ES256": "ecdsap256", "EdDSA": "ed25519"}
for alg in ["HS256", "RS256", "PS256", "ES256", "EdDSA"]:
    o = ossl.get(omap.get(alg, ""))
    note = " (RSA PKCS#1)" if alg == "PS256" else ""
    print(f"| {alg} sign (FastAuth: issue access token) | {f(cpu(alg, 'issue'))} | {f(cpu(alg, 'jwtkit-sign'))} | {f(cpu(alg, 'signer-sign'))} | "
          f"{f(cpu(alg, 'direct-sign'))} | {f(peer.get(alg + ' sign'))} | {f(o[0] if o else None)}{note if o else ''} |")
    print(f"| {alg} verify (FastAuth: verify access token) | {f(cpu(alg, 'verify'))} | {f(cpu(alg, 'jwtkit-verify'))} | {f(cpu(alg, 'signer-verify'))} | "
          f"{f(cpu(alg, 'direct-verify'))} | {f(peer.get(alg + ' verify'))} | {f(o[1] if o else None)}{note if o else ''} |")
print(f"| refresh token issue (HS256) | {f(cpu('HS256', 'refresh'))} | | | | | |")
print(f"| refresh token verify (HS256) | {f(cpu('HS256', 'refresh-verify'))} | | | | | |")

print("\nopenssl speed medians (sign/s, verify/s; user CPU time):\n")
for k, (a, b) in ossl.items():
    print(f"- {k}: {a:,.1f} / {b:,.1f}")
print("\nWall-clock rates of the same runs (ops/s), for reference:\n")
for (alg, op), v in prof.items():
    print(f"- {alg} {op}: cpu {f(cpu(alg, op))}, wall {f(wall(alg, op))}  (rounds cpu: {', '.join(f(c) for c, _ in v)})")

t = ossl.get("rsa2048")
print("\nTargets (per CPU-second):\n")
def r(a, b):
    return "—" if a is None or not b else f"{a / b:.2f}×"
print(f"- HS256 issue access ≥ 200,000: {f(cpu('HS256', 'issue'))} ({r(cpu('HS256', 'issue'), 200000)})")
print(f"- HS256 verify access ≥ 400,000: {f(cpu('HS256', 'verify'))} ({r(cpu('HS256', 'verify'), 400000)})")
if t:
    print(f"- RS256 issue vs openssl rsa2048 sign {t[0]:,.0f}: {f(cpu('RS256', 'issue'))} ({r(cpu('RS256', 'issue'), t[0])}); "
          f"swift-crypto direct sign {f(cpu('RS256', 'direct-sign'))} ({r(cpu('RS256', 'direct-sign'), t[0])})")
    print(f"- RS256 verify access vs 80% of openssl rsa2048 verify {t[1]:,.0f}: {f(cpu('RS256', 'verify'))} ({r(cpu('RS256', 'verify'), t[1])} of openssl)")
    n = ossl.get("rsa2048 no-ifma")
    if n:
        print(f"- openssl rsa2048 with AVX-512 IFMA masked: {n[0]:,.0f} sign/s; swift-crypto direct sign / that = {r(cpu('RS256', 'direct-sign'), n[0])}")

ab = out / "ab-cpu.txt"
if ab.exists():
    rows = {}
    for line in ab.read_text().splitlines():
        m = re.match(r"^(\S+ \S+) round\d+ (base|new) ops=(\d+) cpu=([0-9.]+)", line)
        if m and float(m.group(4)) > 0:
            rows.setdefault(m.group(1), {}).setdefault(m.group(2), []).append(int(m.group(3)) / float(m.group(4)))
    print("\nBefore/after (0609204 vs this branch), ops per CPU-second of the whole process, median of rounds:\n")
    print("| operation | before | after | after/before |")
    print("|---|---:|---:|---:|")
    for op, v in rows.items():
        b, n = statistics.median(v.get("base", [0])), statistics.median(v.get("new", [0]))
        print(f"| {op} | {b:,.0f} | {n:,.0f} | {n / b:.2f}× |" if b else f"| {op} | — | {n:,.0f} | — |")
