#!/usr/bin/env python3
"""PyJWT as a resource server verifies: `jwt.PyJWKClient(url)` against a JWKS served over HTTP
on 127.0.0.1 (a local http.server thread), then `jwt.decode(token, key, algorithms=[alg],
audience=..., issuer=...)`, over a pool of distinct access tokens.

The JWKS and the tokens are the ones FastAuth's benchmark issued
(`fastauth-profile ALG export-verifier DIR` writes DIR/ALG.jwks.json and DIR/ALG.tokens), so
both sides verify the same bytes with the same keys and the same checks: signature, exp, iat,
nbf (when present), iss, aud, and `type == "access"` (FastAuth's token-type rule, one dict
lookup here).

The client is warm: the first call fetches the JWKS (counted by the server; it must stay 1),
PyJWKClient keeps the parsed set (its default tier-1 cache; `lifespan` is raised from 300 s so
that a long run never refetches) and each verification does what PyJWT's documentation shows:
`get_signing_key_from_jwt(token)` (an unverified decode of the header, then the `kid` lookup in
the cached set) + `jwt.decode(...)`. A second case, `decode (key given)`, is `jwt.decode` alone
with the key object looked up once: PyJWT's floor.

Pinned to one CPU (sched_setaffinity, before the server thread starts, so every thread
inherits it). Reports operations per second of process CPU time (time.process_time, every
thread of the process; the server thread is idle while timing) and of wall-clock time, median
of the trials.

  python3 pyjwt_jwks.py --dir DIR [--algs RS256 ES256 EdDSA] [--cpu 0] [--seconds 2] [--trials 3]

Another PyJWT release, e.g. 2.10.1, which lacks the per-character base64url alphabet check in
Python that 2.15.1 runs on every segment (the fix for GHSA-hxm8-2xgr-2p9m, reported against
2.13.0) and decodes about twice as fast: `pip install --no-deps --target /tmp/pyjwt-2.10.1
pyjwt==2.10.1`, then run with `PYTHONPATH=/tmp/pyjwt-2.10.1` (verifier-compare.sh: PYJWT_ALT).
"""
import argparse
import http.server
import json
import os
import platform
import statistics
import sys
import threading
import time

import cryptography
import jwt
from cryptography.hazmat.backends.openssl import backend

ISSUER = "fastauth-peer"
AUDIENCE = "fastauth-peer-api"

ap = argparse.ArgumentParser()
ap.add_argument("--dir", required=True, help="folder with ALG.jwks.json and ALG.tokens")
ap.add_argument("--algs", nargs="+", default=["RS256", "ES256", "EdDSA"])
ap.add_argument("--cpu", type=int, default=0)
ap.add_argument("--seconds", type=float, default=2.0)
ap.add_argument("--trials", type=int, default=3)
ap.add_argument("--versions", action="store_true", help="print the versions and exit")
a = ap.parse_args()

versions = (
    f"python {platform.python_version()}, PyJWT {jwt.__version__}, cryptography {cryptography.__version__} "
    f"({backend.openssl_version_text()})"
)
if a.versions:
    print(versions)
    sys.exit(0)

os.sched_setaffinity(0, {a.cpu})

documents = {}
for alg in a.algs:
    with open(os.path.join(a.dir, f"{alg}.jwks.json"), "rb") as f:
        documents[f"/{alg}/jwks.json"] = f.read()
hits = {path: 0 for path in documents}
hits_lock = threading.Lock()


class JWKSHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = documents.get(self.path)
        if body is None:
            self.send_error(404)
            return
        with hits_lock:
            hits[self.path] += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "public, max-age=86400")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), JWKSHandler)
threading.Thread(target=server.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{server.server_address[1]}"


def measure(fn, tokens):
    n = len(tokens)
    for i in range(20):
        fn(tokens[i % n])
    rates = []
    index = 0
    for _ in range(a.trials):
        done, wall0, cpu0 = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - wall0 < a.seconds:
            for _ in range(16):
                fn(tokens[index])
                index += 1
                if index == n:
                    index = 0
            done += 16
        rates.append((done / (time.process_time() - cpu0), done / (time.perf_counter() - wall0)))
    return statistics.median(c for c, _ in rates), statistics.median(w for _, w in rates), rates


print(f"# {versions}; cpu {a.cpu}; {a.seconds} s x {a.trials} trials", flush=True)
for alg in a.algs:
    with open(os.path.join(a.dir, f"{alg}.tokens")) as f:
        tokens = [line.strip() for line in f if line.strip()]
    assert len(set(tokens)) == len(tokens), "tokens are not distinct"
    path = f"/{alg}/jwks.json"
    client = jwt.PyJWKClient(base + path, lifespan=86400)

    def verify(token, client=client, alg=alg):
        signing_key = client.get_signing_key_from_jwt(token)
        claims = jwt.decode(token, signing_key.key, algorithms=[alg], audience=AUDIENCE, issuer=ISSUER)
        if claims["type"] != "access":
            raise ValueError("not an access token")
        return claims

    # Warm: the first call fetches; then every token must verify.
    for token in tokens:
        verify(token)
    assert hits[path] == 1, f"{alg}: JWKS fetched {hits[path]} times before timing"
    key = client.get_signing_key_from_jwt(tokens[0]).key

    def decode_only(token, key=key, alg=alg):
        claims = jwt.decode(token, key, algorithms=[alg], audience=AUDIENCE, issuer=ISSUER)
        if claims["type"] != "access":
            raise ValueError("not an access token")
        return claims

    for name, fn in [("jwks+decode", verify), ("decode (key given)", decode_only)]:
        cpu, wall, rates = measure(fn, tokens)
        print(
            f"pyjwt {jwt.__version__} {alg} {name}: {wall:.0f} ops/s cpu: {cpu:.0f} ops/cpu-s  "
            f"trials(cpu): {', '.join(f'{c:.0f}' for c, _ in rates)}  pool: {len(tokens)} distinct tokens, "
            f"jwks fetches: {hits[path]}",
            flush=True,
        )
    assert hits[path] == 1, f"{alg}: JWKS fetched {hits[path]} times"
server.shutdown()
