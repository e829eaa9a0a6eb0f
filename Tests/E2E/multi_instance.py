#!/usr/bin/env python3
"""Two `fastauth serve` instances on loopback sharing one PostgreSQL database, managed ES256
keys rotating every few seconds. Under continuous issuing (refresh on either instance) and
verifying (GET /auth/me on both, PyJWT's PyJWKClient and joserfc against both JWKS), it
records every verification failure, the key states in the database at every step, and how
long the two JWKS documents disagree. Prints one JSON object; the Swift test asserts on it.

  multi_instance.py --fastauth .build/debug/fastauth --database-url postgres://… [--seconds 24]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import jwt as pyjwt
from e2e_common import call_full as call, free_port, stop, wait_healthy
from joserfc import jwt as jjwt
from joserfc.jwk import KeySet

ISSUER, AUDIENCE = "https://auth.e2e.test", "e2e-api"


def psql(url, sql):
    out = subprocess.run(["psql", url, "-qtAc", sql], capture_output=True, text=True, timeout=10)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip())
    return out.stdout.strip()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fastauth", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=float, default=24)
    parser.add_argument("--rotation", type=int, default=4)
    args = parser.parse_args()
    args.fastauth = os.path.abspath(args.fastauth)

    base_url = args.database_url
    name = "fastauth_e2e_" + uuid.uuid4().hex[:12]
    psql(base_url, f"CREATE DATABASE {name}")
    parsed = urllib.parse.urlparse(base_url)
    db_url = parsed._replace(path="/" + name).geturl()

    env = dict(os.environ)
    env.update({
        "FASTAUTH_SECRET": "e2e-secret-" + "x" * 48,
        "FASTAUTH_DATABASE_URL": db_url,
        "FASTAUTH_ALGORITHM": "ES256",
        "FASTAUTH_JWKS_ENABLED": "true",
        "FASTAUTH_KEY_ROTATION_INTERVAL": str(args.rotation),
        "FASTAUTH_JWKS_MAX_AGE": "2",
        "FASTAUTH_ACCESS_TOKEN_TTL": "8",
        "FASTAUTH_LEEWAY": "1",
        "FASTAUTH_ISSUER": ISSUER,
        "FASTAUTH_AUDIENCE": AUDIENCE,
        "FASTAUTH_RATE_LIMIT_PER_MINUTE": "0",
        "LOG_LEVEL": "notice",
    })
    workdir = tempfile.mkdtemp(prefix="fastauth-e2e-")
    servers, bases, logs = [], [], []
    result = {"database": name}
    try:
        for _ in range(2):
            port = free_port()
            log = open(os.path.join(workdir, f"server-{port}.log"), "w")
            logs.append(log.name)
            servers.append(subprocess.Popen(
                [args.fastauth, "serve", "--port", str(port)], env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT))
            bases.append(f"http://127.0.0.1:{port}")
        for base, server, log in zip(bases, servers, logs):
            wait_healthy(base, server, log)

        # One session per instance.
        refresh = []
        for i, base in enumerate(bases):
            status, _, body = call("POST", base + "/auth/register",
                                   {"email": f"user{i}-{uuid.uuid4().hex[:6]}@example.com", "password": "correct horse battery"})
            assert status == 201, (status, body)
            refresh.append(json.loads(body)["refresh_token"])

        clients = [pyjwt.PyJWKClient(base + "/.well-known/jwks.json", cache_jwk_set=True, lifespan=2) for base in bases]
        failures, tokens, kids = [], 0, []
        state_violations, disagreement_start, max_disagreement = [], None, 0.0
        start = time.time()
        step = 0
        while time.time() - start < args.seconds:
            step += 1
            for i, base in enumerate(bases):
                status, _, body = call("POST", base + "/auth/refresh", {"refresh_token": refresh[i]})
                if status != 200:
                    failures.append({"what": "refresh", "instance": i, "status": status, "body": body[:200].decode(errors="replace")})
                    continue
                pair = json.loads(body)
                refresh[i] = pair["refresh_token"]
                access = pair["access_token"]
                tokens += 1
                kid = pyjwt.get_unverified_header(access)["kid"]
                if not kids or kids[-1] != kid:
                    kids.append(kid)
                for j, other in enumerate(bases):
                    status, _, body = call("GET", other + "/auth/me", token=access)
                    if status != 200:
                        failures.append({"what": "me", "issued_by": i, "verified_by": j, "status": status, "kid": kid})
                    try:
                        key = clients[j].get_signing_key_from_jwt(access)
                        pyjwt.decode(access, key.key, algorithms=["ES256"], audience=AUDIENCE, issuer=ISSUER,
                                     options={"require": ["exp", "iat", "sub"]})
                    except Exception as error:  # noqa: BLE001 - any failure is recorded
                        failures.append({"what": "pyjwt", "issued_by": i, "jwks_of": j, "kid": kid, "error": repr(error)})
                    try:
                        status, _, body = call("GET", other + "/.well-known/jwks.json")
                        keyset = KeySet.import_key_set(json.loads(body))
                        token = jjwt.decode(access, keyset, algorithms=["ES256"])
                        jjwt.JWTClaimsRegistry(exp={"essential": True}, iss={"essential": True, "value": ISSUER},
                                               aud={"essential": True, "value": AUDIENCE}).validate(token.claims)
                    except Exception as error:  # noqa: BLE001
                        failures.append({"what": "joserfc", "issued_by": i, "jwks_of": j, "kid": kid, "error": repr(error)})
            states = psql(db_url, "SELECT state, count(*) FROM fastauth_signing_keys GROUP BY state")
            counts = dict(line.split("|") for line in states.splitlines() if line)
            if counts.get("current") != "1" or int(counts.get("next", "0")) > 1:
                state_violations.append({"step": step, "counts": counts})
            etags = [call("GET", base + "/.well-known/jwks.json")[1].get("ETag") for base in bases]
            now = time.time()
            if etags[0] != etags[1]:
                disagreement_start = disagreement_start or now
                max_disagreement = max(max_disagreement, now - disagreement_start)
            else:
                disagreement_start = None
            time.sleep(0.1)
        result.update({
            "tokens": tokens, "failures": failures[:20], "failure_count": len(failures), "kids": kids,
            "distinct_kids": len(set(kids)), "state_violations": state_violations[:10],
            "max_jwks_disagreement_seconds": round(max_disagreement, 2), "steps": step,
        })
    except Exception as error:  # noqa: BLE001 - reported in the JSON, the test fails on it
        result["error"] = repr(error)
        result["failure_count"] = -1
    finally:
        result["exit_codes"] = stop(servers)
        result["logs"] = logs
        try:
            psql(base_url, f"DROP DATABASE IF EXISTS {name}")
        except Exception:  # noqa: BLE001
            pass
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
