#!/usr/bin/env python3
"""The microservice example end to end: starts jwt-auth-service and jwt-resource-service on
loopback, logs in at the auth service, calls the resource service with the token (200), with
an expired token, a refresh token, a token for another audience and a tampered token (401
each), then rotates the keys twice with `fastauth keys rotate` (the second time to a key the
resource service has never seen) and shows new tokens verify at the resource service without
restarting it. Prints one JSON object; the Swift test asserts on it.

  microservice.py --bin-dir .build/debug

Expired and other-audience tokens are signed with the auth service's real current key, which
the script opens from the database the way FastAuth seals it (HKDF-SHA256 of the secret,
AES-256-GCM with the kid as associated data).
"""
import argparse
import base64
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

import jwt as pyjwt
from e2e_common import call, free_port, stop, wait_healthy
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SECRET = "microservice-e2e-secret-" + "z" * 48


def current_signing_key(db_path):
    row = sqlite3.connect(db_path).execute(
        "SELECT id, sealed_private_key FROM fastauth_signing_keys WHERE state = 'current'").fetchone()
    kid, sealed = row[0], bytes(row[1])
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"fastauth/v1",
               info=b"fastauth/key-encryption/v1").derive(SECRET.encode())
    pem = AESGCM(key).decrypt(sealed[:12], sealed[12:], kid.encode())
    return kid, pem


def claims_of(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin-dir", required=True)
    args = parser.parse_args()
    bin_dir = os.path.abspath(args.bin_dir)
    workdir = tempfile.mkdtemp(prefix="fastauth-microservice-")
    db_path = os.path.join(workdir, "auth-service.db")
    auth_port, resource_port = free_port(), free_port()
    auth, resource = f"http://127.0.0.1:{auth_port}", f"http://127.0.0.1:{resource_port}"
    env = dict(os.environ)
    env.update({"FASTAUTH_SECRET": SECRET, "PORT": str(auth_port), "DATABASE_URL": "sqlite://" + db_path,
                "RATE_LIMIT_PER_MINUTE": "0", "LOG_LEVEL": "notice"})
    result, processes = {}, []
    try:
        log_a = os.path.join(workdir, "auth.log")
        processes.append(subprocess.Popen([os.path.join(bin_dir, "jwt-auth-service")], env=env, cwd=workdir,
                                          stdout=open(log_a, "w"), stderr=subprocess.STDOUT))
        wait_healthy(auth, processes[-1], log_a)
        env_r = dict(os.environ, PORT=str(resource_port), AUTH_URL=auth, LOG_LEVEL="notice")
        log_r = os.path.join(workdir, "resource.log")
        processes.append(subprocess.Popen([os.path.join(bin_dir, "jwt-resource-service")], env=env_r, cwd=workdir,
                                          stdout=open(log_r, "w"), stderr=subprocess.STDOUT))
        wait_healthy(resource, processes[-1], log_r)

        status, body = call("POST", auth + "/auth/register", {"email": "ada@example.com", "password": "correct horse battery"})
        assert status == 201, (status, body)
        status, body = call("POST", auth + "/auth/login", {"email": "ada@example.com", "password": "correct horse battery"})
        pair = json.loads(body)
        access, refresh = pair["access_token"], pair["refresh_token"]
        status, body = call("GET", resource + "/api/data", token=access)
        result["valid"] = status
        result["sub_matches"] = status == 200 and json.loads(body)["sub"] == claims_of(access)["sub"]

        kid, pem = current_signing_key(db_path)
        now = int(time.time())
        base_claims = claims_of(access)
        expired = dict(base_claims, iat=now - 3600, exp=now - 600)
        other_audience = dict(base_claims, aud=["another-service"])
        sign = lambda claims: pyjwt.encode(claims, pem, algorithm="ES256", headers={"kid": kid, "typ": "JWT"})
        control = sign(dict(base_claims))
        head, payload, sig = access.split(".")
        tampered_payload = base64.urlsafe_b64encode(json.dumps(dict(base_claims, sub="admin")).encode()).rstrip(b"=").decode()
        cases = {"forged_control": control, "expired": sign(expired), "refresh_token": refresh,
                 "other_audience": sign(other_audience), "tampered": f"{head}.{tampered_payload}.{sig}", "garbage": "not.a.jwt"}
        result["cases"] = {name: call("GET", resource + "/api/data", token=token)[0] for name, token in cases.items()}
        result["no_token"] = call("GET", resource + "/api/data")[0]

        # Rotate twice: the second new key was never published before the resource service cached the set.
        kids = [pyjwt.get_unverified_header(access)["kid"]]
        rotate_env = dict(os.environ, FASTAUTH_SECRET=SECRET, FASTAUTH_ALGORITHM="ES256", FASTAUTH_JWKS_ENABLED="true",
                          FASTAUTH_DATABASE_URL="sqlite://" + db_path, LOG_LEVEL="error")
        for _ in range(2):
            out = subprocess.run([os.path.join(bin_dir, "fastauth"), "keys", "rotate"], env=rotate_env, cwd=workdir,
                                 capture_output=True, text=True, timeout=60)
            assert out.returncode == 0, out.stderr
        rotated_to = out.stdout.strip().split()[-1]
        # The auth service picks the new key up on its reload interval (bounded poll for that event).
        new_access, deadline = None, time.time() + 30
        while time.time() < deadline:
            status, body = call("POST", auth + "/auth/login", {"email": "ada@example.com", "password": "correct horse battery"})
            token = json.loads(body)["access_token"]
            if pyjwt.get_unverified_header(token)["kid"] == rotated_to:
                new_access = token
                break
            time.sleep(0.5)
        result["rotated_to_new_kid"] = new_access is not None
        if new_access:
            kids.append(rotated_to)
            result["after_rotation"] = call("GET", resource + "/api/data", token=new_access)[0]
            result["old_token_after_rotation"] = call("GET", resource + "/api/data", token=access)[0]
        result["kids"] = kids
    except Exception as error:  # noqa: BLE001 - reported; the test fails on it
        result["error"] = repr(error)
    finally:
        result["exit_codes"] = stop(processes)
        result["workdir"] = workdir
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
