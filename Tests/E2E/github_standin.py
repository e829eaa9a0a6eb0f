#!/usr/bin/env python3
"""A STAND-IN for GitHub's OAuth and REST endpoints (GitHub cannot be reached from the test
machine), for FastAuthOAuthTests. Standard library only. Implements exactly:

  GET  /login/oauth/authorize      auto-approves: 302 to redirect_uri?code=&state=, remembering
                                   the PKCE code_challenge (S256 only) and redirect_uri
  POST /login/oauth/access_token   form: client_id, client_secret, code, redirect_uri,
                                   code_verifier; BASE64URL(SHA256(code_verifier)) must equal the
                                   challenge. Errors are GitHub-style: HTTP 200 with an `error`
  GET  /user, /user/emails         with `Authorization: Bearer`; GitHub's JSON shapes

Prints {"port": N} once listening on 127.0.0.1; serves until killed.

  github_standin.py --client-id ID --client-secret SECRET --user JSON --emails JSON
"""
import argparse
import base64
import hashlib
import json
import secrets
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Put in every error body: a test checks it never reaches an OAuthError's description.
ERROR_MARKER = "STANDIN-PROVIDER-ERROR-BODY"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--emails", required=True)
    args = parser.parse_args()
    user = json.loads(args.user)
    emails = json.loads(args.emails)
    grants: dict[str, dict] = {}
    tokens: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):  # quiet
            pass

        def send_json(self, status: int, value) -> None:
            body = json.dumps(value).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def oauth_error(self, error: str) -> None:
            self.send_json(200, {
                "error": error,
                "error_description": f"{error} ({ERROR_MARKER})",
                "error_uri": "https://docs.github.com/apps/troubleshooting-oauth-app-access-token-request-errors",
            })

        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/login/oauth/authorize":
                if query.get("client_id") != args.client_id or query.get("code_challenge_method") != "S256" \
                        or not query.get("code_challenge") or not query.get("redirect_uri"):
                    self.send_json(400, {"error": "bad_request", "marker": ERROR_MARKER})
                    return
                code = secrets.token_hex(10)
                grants[code] = {"challenge": query["code_challenge"], "redirect_uri": query["redirect_uri"]}
                target = query["redirect_uri"] + "?" + urllib.parse.urlencode(
                    {"code": code, "state": query.get("state", "")})
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if url.path in ("/user", "/user/emails"):
                auth = self.headers.get("Authorization", "")
                if not self.headers.get("User-Agent"):
                    self.send_json(403, {"message": "Request forbidden by administrative rules. " + ERROR_MARKER})
                    return
                if not auth.startswith("Bearer ") or auth[7:] not in tokens:
                    self.send_json(401, {"message": "Bad credentials " + ERROR_MARKER,
                                         "documentation_url": "https://docs.github.com/rest"})
                    return
                self.send_json(200, user if url.path == "/user" else emails)
                return
            self.send_json(404, {"message": "Not Found"})

        def do_POST(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length", "0"))
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            if url.path != "/login/oauth/access_token":
                self.send_json(404, {"message": "Not Found"})
                return
            if form.get("client_id") != args.client_id or form.get("client_secret") != args.client_secret:
                self.oauth_error("incorrect_client_credentials")
                return
            grant = grants.pop(form.get("code", ""), None)
            if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
                self.oauth_error("bad_verification_code")
                return
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if digest != grant["challenge"]:
                self.oauth_error("bad_verification_code")
                return
            token = "gho_" + secrets.token_hex(18)
            tokens.add(token)
            self.send_json(200, {"access_token": token, "token_type": "bearer", "scope": "read:user,user:email"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
