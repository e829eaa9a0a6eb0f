#!/usr/bin/env python3
"""The peer's JWT operations (Benchmarks/peer/jwt_micro.py, imported as is), timed per second of
process CPU time instead of wall-clock time, so they compare with `openssl speed` (user CPU
time) and fastauth-profile's ops/cpu-s on a machine that other work also loads.

  /tmp/peer-venv/bin/python peer_cpu.py [--peer Benchmarks/peer] [--cpu 0] [--seconds 2] [--trials 3]
"""
import argparse
import os
import statistics
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--peer", default=str(__import__("pathlib").Path(__file__).resolve().parent.parent / "peer"))
ap.add_argument("--cpu", type=int, default=0)
ap.add_argument("--seconds", type=float, default=2.0)
ap.add_argument("--trials", type=int, default=3)
ap.add_argument("--rsa-pem", default="/tmp/peer-data/rs256_private.pem")
ap.add_argument("--only", default="", help="comma-separated case names (default: all)")
a = ap.parse_args()
sys.path.insert(0, a.peer)
import jwt_micro as m  # noqa: E402  (the peer's own claims, keys and verify())
from joserfc import jwt  # noqa: E402
from joserfc.jwk import OctKey, RSAKey  # noqa: E402

os.sched_setaffinity(0, {a.cpu})
hs = OctKey.import_key(m.SECRET)
rs = RSAKey.import_key(open(a.rsa_pem).read()) if os.path.exists(a.rsa_pem) else RSAKey.generate_key(2048)
c = m.claims()
hs_tok = jwt.encode({"alg": "HS256"}, c, hs, algorithms=["HS256"])
rs_tok = jwt.encode({"alg": "RS256", "kid": "k1"}, c, rs, algorithms=["RS256"])
cases = [
    ("HS256 sign", lambda: jwt.encode({"alg": "HS256"}, c, hs, algorithms=["HS256"])),
    ("HS256 verify", lambda: m.verify(hs_tok, hs, "HS256")),
    ("RS256 sign", lambda: jwt.encode({"alg": "RS256", "kid": "k1"}, c, rs, algorithms=["RS256"])),
    ("RS256 verify", lambda: m.verify(rs_tok, rs, "RS256")),
    ("PS256 sign", lambda: jwt.encode({"alg": "PS256", "kid": "k1"}, c, rs, algorithms=["PS256"])),
]
only = {name.strip() for name in a.only.split(",") if name.strip()}
for name, fn in cases:
    if only and name not in only:
        continue
    for _ in range(20):
        fn()
    rates = []
    for _ in range(a.trials):
        done, wall0, cpu0 = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - wall0 < a.seconds:
            for _ in range(16):
                fn()
            done += 16
        rates.append((done / (time.process_time() - cpu0), done / (time.perf_counter() - wall0)))
    cpu = statistics.median(r for r, _ in rates)
    wall = statistics.median(w for _, w in rates)
    print(f"peer {name}: {wall:.0f} ops/s cpu: {cpu:.0f} ops/cpu-s  trials(cpu): {', '.join(f'{r:.0f}' for r, _ in rates)}", flush=True)
