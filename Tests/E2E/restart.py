#!/usr/bin/env python3
"""Restart safety of `fastauth serve` on a SQLite file: for PEM mode (key files) and managed
mode (keys in the database), tokens issued before a restart verify after it, refresh tokens
still work, and the JWKS key ids are unchanged. Prints one JSON object.

  restart.py --fastauth .build/debug/fastauth [--adapter hummingbird]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

from e2e_common import call, free_port, stop as stop_all, wait_healthy


def start(binary, env, workdir, port):
    log = open(os.path.join(workdir, f"server-{port}.log"), "a")
    process = subprocess.Popen([binary, "serve", "--port", str(port)], env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    wait_healthy(f"http://127.0.0.1:{port}", process, log.name)
    return process


def stop(process):
    return stop_all([process])[0]


def scenario(binary, mode, adapter):
    workdir = tempfile.mkdtemp(prefix=f"fastauth-restart-{mode}-")
    env = dict(os.environ)
    env.update({"FASTAUTH_SECRET": "restart-secret-" + "y" * 48, "FASTAUTH_DATABASE_URL": f"sqlite://{workdir}/auth.db",
                "FASTAUTH_ALGORITHM": "RS256", "FASTAUTH_JWKS_ENABLED": "true", "FASTAUTH_RATE_LIMIT_PER_MINUTE": "0",
                "LOG_LEVEL": "notice", "FASTAUTH_ADAPTER": adapter})
    if mode == "pem":
        subprocess.run([binary, "generate-keys", "--algorithm", "RS256", "--out", workdir + "/keys"], check=True, capture_output=True)
        env["FASTAUTH_PRIVATE_KEY_FILE"] = workdir + "/keys/private.pem"
        env["FASTAUTH_PUBLIC_KEY_FILE"] = workdir + "/keys/public.pem"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start(binary, env, workdir, port)
    status, body = call("POST", base + "/auth/register", {"email": "ada@example.com", "password": "correct horse battery"})
    assert status == 201, (status, body)
    pair = json.loads(body)
    kids_before = sorted(k["kid"] for k in json.loads(call("GET", base + "/.well-known/jwks.json")[1])["keys"])
    first_exit = stop(server)
    server = start(binary, env, workdir, port)
    try:
        kids_after = sorted(k["kid"] for k in json.loads(call("GET", base + "/.well-known/jwks.json")[1])["keys"])
        me = call("GET", base + "/auth/me", token=pair["access_token"])[0]
        refreshed = call("POST", base + "/auth/refresh", {"refresh_token": pair["refresh_token"]})[0]
    finally:
        second_exit = stop(server)
    return {"mode": mode, "kids_before": kids_before, "kids_after": kids_after, "me_after_restart": me,
            "refresh_after_restart": refreshed, "exit_codes": [first_exit, second_exit]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fastauth", required=True)
    parser.add_argument("--adapter", default="vapor", choices=["vapor", "hummingbird"])
    args = parser.parse_args()
    binary = os.path.abspath(args.fastauth)
    results = []
    for mode in ["pem", "managed"]:
        try:
            results.append(scenario(binary, mode, args.adapter))
        except Exception as error:  # noqa: BLE001 - reported; the test fails on it
            results.append({"mode": mode, "error": repr(error)})
    print(json.dumps(results))


if __name__ == "__main__":
    sys.exit(main())
