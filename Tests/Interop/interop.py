#!/usr/bin/env python3
"""Interop between FastAuth (Swift) and two Python JOSE libraries, PyJWT and joserfc.

Driven by Tests/FastAuthConformanceTests/InteropTests.swift; it exchanges JSON files in a
temporary directory and prints one JSON document on stdout.

  interop.py verify <dir>   read <dir>/verify_input.json: tokens FastAuth issued, with the public
                            key PEM (or the HMAC secret), issuer and audience. Verify each with
                            PyJWT and with joserfc, and print the results.
  interop.py sign <dir>     read <dir>/sign_input.json: keys FastAuth generated (private PEM or
                            HMAC secret, kid = RFC 7638 thumbprint) and the claim values. Create
                            access tokens with FastAuth's claim structure with PyJWT and joserfc,
                            plus PyJWT negatives (wrong audience, expired), and print them.

Needs: pip install pyjwt joserfc cryptography
Exit status: 0 when the command ran (per-token results are in the output), 2 on usage errors.
"""
import json
import os
import sys
import time
import uuid
import warnings

import jwt as pyjwt
from joserfc import jwt as jjwt
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey

# joserfc warns that "EdDSA" is deprecated by RFC 9864 (in favour of "Ed25519"); FastAuth, like
# RFC 8037, uses "EdDSA", which is what is being tested.
warnings.filterwarnings("ignore")


def versions():
    import importlib.metadata as md

    out = {"python": sys.version.split()[0]}
    for dist in ("pyjwt", "joserfc", "cryptography"):
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            out[dist] = None
    return out


def joserfc_key(alg, key_text):
    """The joserfc key for `alg`: a PEM (public or private) or, for HS*, the secret's UTF-8 bytes."""
    if alg.startswith("HS"):
        return OctKey.import_key(key_text.encode("utf-8"))
    if alg.startswith(("RS", "PS")):
        return RSAKey.import_key(key_text)
    if alg.startswith("ES"):
        return ECKey.import_key(key_text)
    if alg == "EdDSA":
        return OKPKey.import_key(key_text)
    raise ValueError("unsupported alg %r" % alg)


def pyjwt_key(alg, key_text):
    """PyJWT takes the HMAC secret as a string and PEMs as text."""
    return key_text


def result_of(fn):
    try:
        return {"ok": True, "claims": fn()}
    except Exception as error:  # any refusal is a result, not a crash
        return {"ok": False, "error": "%s: %s" % (type(error).__name__, error)}


# ---------------------------------------------------------------------------
# verify: FastAuth -> Python
# ---------------------------------------------------------------------------
def pyjwt_verify(token, alg, key_text, issuer, audience):
    return pyjwt.decode(
        token,
        pyjwt_key(alg, key_text),
        algorithms=[alg],
        audience=audience,
        issuer=issuer,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )


def joserfc_verify(token, alg, key_text, issuer, audience):
    decoded = jjwt.decode(token, joserfc_key(alg, key_text), algorithms=[alg])
    registry = jjwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "values": list(audience)},
        exp={"essential": True},
        sub={"essential": True},
    )
    registry.validate(decoded.claims)
    return decoded.claims


def command_verify(directory):
    with open(os.path.join(directory, "verify_input.json"), encoding="utf-8") as f:
        request = json.load(f)
    results = []
    for case in request["cases"]:
        alg, token, key = case["alg"], case["token"], case["key"]
        issuer, audience = case["issuer"], case["audience"]
        entry = {
            "alg": alg,
            "pyjwt": result_of(lambda: pyjwt_verify(token, alg, key, issuer, audience)),
            "joserfc": result_of(lambda: joserfc_verify(token, alg, key, issuer, audience)),
            # Controls: both libraries must refuse the same token for another audience, so an
            # "ok" above means the audience was really checked.
            "pyjwt_wrong_audience": result_of(lambda: pyjwt_verify(token, alg, key, issuer, ["not-" + audience[0]])),
            "joserfc_wrong_audience": result_of(
                lambda: joserfc_verify(token, alg, key, issuer, ["not-" + audience[0]])
            ),
        }
        results.append(entry)
    return {"versions": versions(), "results": results}


# ---------------------------------------------------------------------------
# sign: Python -> FastAuth
# ---------------------------------------------------------------------------
def fastauth_claims(case, issuer, audience, now, lifetime=600):
    """An access token's claims exactly as FastAuth structures them (TokenClaims.write)."""
    return {
        "sub": case["subject"],
        "jti": uuid.uuid4().hex,
        "sid": case["session_id"],
        "type": "access",
        "iat": now,
        "exp": now + lifetime,
        "iss": issuer,
        "aud": list(audience),
        "email": case["email"],
        "name": case["name"],
        "email_verified": case["email_verified"],
    }


def key_text_of(case):
    return case["secret"] if case["alg"].startswith("HS") else case["private_key"]


def pyjwt_sign(case, claims):
    headers = {"kid": case["kid"]} if case.get("kid") else None
    return pyjwt.encode(claims, pyjwt_key(case["alg"], key_text_of(case)), algorithm=case["alg"], headers=headers)


def joserfc_sign(case, claims):
    header = {"alg": case["alg"]}
    if case.get("kid"):
        header["kid"] = case["kid"]
    return jjwt.encode(header, claims, joserfc_key(case["alg"], key_text_of(case)), algorithms=[case["alg"]])


def command_sign(directory):
    with open(os.path.join(directory, "sign_input.json"), encoding="utf-8") as f:
        request = json.load(f)
    issuer, audience = request["issuer"], request["audience"]
    now = int(time.time())
    tokens = []
    for case in request["cases"]:
        alg = case["alg"]

        def add(library, kind, make):
            try:
                tokens.append({"alg": alg, "library": library, "kind": kind, "token": make()})
            except Exception as error:
                tokens.append({"alg": alg, "library": library, "kind": kind, "error": "%s: %s" % (type(error).__name__, error)})

        add("pyjwt", "valid", lambda: pyjwt_sign(case, fastauth_claims(case, issuer, audience, now)))
        add("joserfc", "valid", lambda: joserfc_sign(case, fastauth_claims(case, issuer, audience, now)))
        add("pyjwt", "wrong_audience",
            lambda: pyjwt_sign(case, fastauth_claims(case, issuer, ["not-" + audience[0]], now)))
        # Expired ten minutes ago: well past FastAuth's default 30 s leeway.
        add("pyjwt", "expired", lambda: pyjwt_sign(case, fastauth_claims(case, issuer, audience, now - 1200)))
    return {"versions": versions(), "tokens": tokens}


def main(argv):
    if len(argv) != 3 or argv[1] not in ("verify", "sign"):
        sys.stderr.write("usage: interop.py verify|sign <dir>\n")
        return 2
    output = command_verify(argv[2]) if argv[1] == "verify" else command_sign(argv[2])
    json.dump(output, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
