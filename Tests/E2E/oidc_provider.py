#!/usr/bin/env python3
"""Runs oidc-provider-mock (PyPI, a real OpenID Connect provider built on Authlib) on
127.0.0.1 at a free port, for FastAuthOAuthTests. Prints {"port": N} on one line once the
socket is bound, then serves until killed.

  oidc_provider.py [--token-max-age SECONDS] [--user-claims JSON]...

Driving the authorization step without a browser: POST the authorization URL (its query
unchanged) with the form body `sub=<subject>`; the provider answers 302 to the redirect URI
with `code` and `state`. Users given with --user-claims get those claims in their ID token
(filtered by scope: `email` gives email/email_verified, `profile` gives name/picture).
"""
import argparse
import json
import os
import socket
import sys
from datetime import timedelta


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--token-max-age", type=int, default=3600)
    parser.add_argument("--user-claims", action="append", default=[])
    args = parser.parse_args()

    # Bound (and listening) before the slow imports: connections wait in the backlog.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    print(json.dumps({"port": sock.getsockname()[1]}), flush=True)

    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain http on loopback
    import warnings
    warnings.simplefilter("ignore")
    import uvicorn
    import oidc_provider_mock
    from oidc_provider_mock._storage import User

    users = []
    for text in args.user_claims:
        claims = json.loads(text)
        sub = claims.pop("sub")
        users.append(User(sub=sub, claims=claims))

    app = oidc_provider_mock.app(
        require_nonce=True,
        access_token_max_age=timedelta(seconds=args.token_max_age),
        user_claims=users,
    )
    uvicorn.run(app, interface="wsgi", fd=sock.fileno(), log_level="warning", log_config=None)


if __name__ == "__main__":
    sys.exit(main())
