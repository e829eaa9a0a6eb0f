#!/usr/bin/env python3
"""Social sign-in end to end: `fastauth serve` (SQLite file) configured by FASTAUTH_OAUTH_*
against a REAL OpenID Connect provider (oidc-provider-mock from PyPI, run by oidc_provider.py)
and a STAND-IN for GitHub (github_standin.py: github.com cannot be reached from the test
machine). A cookie-keeping HTTP client plays the browser; the providers' authorization step is
driven over HTTP (the mock takes a form post with the subject, the stand-in auto-approves).

Covers: sign-up through the provider, sign-in again (same user), a replayed state, a callback
without (or with another browser's) binding cookie, a redirect_uri outside the allowlist, the
allowlisted redirect (tokens as cookies), the pre-registered unverified account (409, nothing
changed), linking to a signed-in account, the unlink guard, GitHub through the stand-in, and
provider error bodies never echoed.

Prints one JSON object.

  social_signin.py --fastauth .build/debug/fastauth
"""
import argparse
import http.cookiejar
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

from e2e_common import free_port, stop as stop_all, wait_healthy

HERE = os.path.dirname(os.path.abspath(__file__))
APP_REDIRECT = "http://app.example.test/welcome"
ERROR_MARKER = "STANDIN-PROVIDER-ERROR-BODY"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """An HTTP client with a cookie jar that follows no redirect."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def send(self, method, url, body=None, form=None, token=None):
        data, headers = None, {}
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if form is not None:
            data, headers["Content-Type"] = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
        if token:
            headers["Authorization"] = "Bearer " + token
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def cookie(self, name):
        return next((c for c in self.jar if c.name == name), None)


def as_json(data):
    try:
        return json.loads(data)
    except ValueError:
        return None


def start_script(name, arguments):
    process = subprocess.Popen([sys.executable, os.path.join(HERE, name)] + arguments, stdout=subprocess.PIPE,
                               stdin=subprocess.DEVNULL)
    line = process.stdout.readline()
    return process, json.loads(line)["port"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fastauth", required=True)
    args = parser.parse_args()
    result = {}
    processes = []
    workdir = tempfile.mkdtemp(prefix="fastauth-social-")
    try:
        users = [
            {"sub": "alice-42", "email": "alice@example.com", "email_verified": True, "name": "Alice"},
            {"sub": "victim-1", "email": "victim@example.com", "email_verified": True, "name": "Victim"},
            {"sub": "carol-sub", "email": "carol.elsewhere@example.com", "email_verified": False},
        ]
        oidc_args = []
        for user in users:
            oidc_args += ["--user-claims", json.dumps(user)]
        oidc, oidc_port = start_script("oidc_provider.py", oidc_args)
        processes.append(oidc)
        github, github_port = start_script("github_standin.py", [
            "--client-id", "gh-client", "--client-secret", "gh-secret",
            "--user", json.dumps({"id": 4242, "login": "octo", "name": "Octo Cat",
                                  "avatar_url": "https://avatars.example.test/4242", "email": None}),
            "--emails", json.dumps([{"email": "octo@example.com", "primary": True, "verified": True,
                                     "visibility": "private"}]),
        ])
        processes.append(github)
        issuer = f"http://127.0.0.1:{oidc_port}"
        github_base = f"http://127.0.0.1:{github_port}"

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = dict(os.environ)
        env.update({
            "FASTAUTH_SECRET": "social-secret-" + "s" * 48, "FASTAUTH_DATABASE_URL": f"sqlite://{workdir}/auth.db",
            "FASTAUTH_RATE_LIMIT_PER_MINUTE": "0", "LOG_LEVEL": "notice",
            "FASTAUTH_OAUTH_OIDC_MOCK_ISSUER": issuer, "FASTAUTH_OAUTH_OIDC_MOCK_CLIENT_ID": "client-a",
            "FASTAUTH_OAUTH_OIDC_MOCK_CLIENT_SECRET": "secret-client-a",
            "FASTAUTH_OAUTH_GITHUB_CLIENT_ID": "gh-client", "FASTAUTH_OAUTH_GITHUB_CLIENT_SECRET": "gh-secret",
            "FASTAUTH_OAUTH_GITHUB_URL": github_base, "FASTAUTH_OAUTH_GITHUB_API_URL": github_base,
            "FASTAUTH_OAUTH_REDIRECT_URIS": APP_REDIRECT,
        })
        log_path = os.path.join(workdir, "serve.log")
        log = open(log_path, "w")
        server = subprocess.Popen([args.fastauth, "serve", "--port", str(port)], env=env, cwd=workdir, stdout=log,
                                  stderr=subprocess.STDOUT)
        processes.append(server)
        wait_healthy(base, server, log_path)

        providers = subprocess.run([args.fastauth, "providers"], env=env, cwd=workdir, capture_output=True, text=True,
                                   timeout=60)
        result["providers_status"] = providers.returncode
        result["providers_output"] = providers.stdout

        def authorize(browser, provider="mock", query="", token=None, path="authorize"):
            status, headers, body = browser.send("GET", f"{base}/auth/oauth/{provider}/{path}{query}", token=token)
            return status, as_json(body) or {}, headers

        def provider_step(url, sub):
            """The provider's authorization step: where the provider sends the browser back."""
            status, headers, body = Browser().send("POST", url, form={"sub": sub})
            assert status == 302, (status, body[:200])
            return headers["Location"]

        def sign_in(browser, sub, query=""):
            status, started, _ = authorize(browser, query=query)
            assert status == 200, (status, started)
            return browser.send("GET", provider_step(started["url"], sub))

        # 1. Sign-up through the provider, the binding cookie, and sign-in again.
        alice = Browser()
        status, started, headers = authorize(alice)
        result["authorize"] = status
        cookie = alice.cookie("fastauth_oauth")
        set_cookie = headers.get("Set-Cookie", "")
        result["binding_cookie"] = {
            "set": cookie is not None, "path": cookie.path if cookie else None,
            "http_only": "httponly" in set_cookie.lower(), "same_site_lax": "samesite=lax" in set_cookie.lower(),
        }
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(started["url"]).query)
        result["authorize_params"] = {
            "pkce_s256": query.get("code_challenge_method") == ["S256"], "nonce": "nonce" in query,
            "redirect_uri": query.get("redirect_uri", [""])[0],
        }
        callback = provider_step(started["url"], "alice-42")
        status, _, body = alice.send("GET", callback)
        tokens = as_json(body) or {}
        result["signup_callback"] = status
        status, _, body = alice.send("GET", base + "/auth/me", token=tokens.get("access_token"))
        me = as_json(body) or {}
        result["signup_me"] = {"status": status, "email": me.get("email"), "verified": me.get("email_verified")}
        alice_id = me.get("id")
        # The same callback again: the state was used.
        status, _, body = alice.send("GET", callback)
        result["replayed_state"] = {"status": status, "code": (as_json(body) or {}).get("code")}
        status, _, body = sign_in(alice, "alice-42")
        again = as_json(body) or {}
        status_me, _, body = alice.send("GET", base + "/auth/me", token=again.get("access_token"))
        result["signin_again_same_user"] = status == 200 and (as_json(body) or {}).get("id") == alice_id
        # A password login for the provider-made account (it has none) fails like a wrong one.
        status, _, _ = alice.send("POST", base + "/auth/login", body={"email": "alice@example.com", "password": "x" * 12})
        result["passwordless_login"] = status

        # 2. The binding: no cookie, another browser's cookie, then the right browser.
        owner, other = Browser(), Browser()
        status, started, _ = authorize(owner)
        authorize(other)
        callback = provider_step(started["url"], "alice-42")
        status, _, body = Browser().send("GET", callback)
        result["callback_without_cookie"] = {"status": status, "code": (as_json(body) or {}).get("code")}
        status, _, body = other.send("GET", callback)
        result["callback_other_browser"] = {"status": status, "code": (as_json(body) or {}).get("code")}
        status, _, _ = owner.send("GET", callback)
        result["callback_owner_after_refusals"] = status

        # 3. redirect_uri: outside the allowlist refused; the allowlisted one gets a 302 with cookies.
        status, body, _ = authorize(Browser(), query="?redirect_uri=" + urllib.parse.quote("https://evil.example/steal"))
        result["redirect_not_allowed"] = {"status": status, "code": body.get("code")}
        status, body, _ = authorize(Browser(), query="?redirect_uri=" + urllib.parse.quote(APP_REDIRECT + "/extra"))
        result["redirect_prefix_not_allowed"] = status
        browser = Browser()
        status, headers, _ = sign_in(browser, "alice-42", query="?redirect_uri=" + urllib.parse.quote(APP_REDIRECT))
        result["redirect_allowed"] = {
            "status": status, "location": headers.get("Location"),
            "access_cookie": browser.cookie("access_token") is not None,
        }
        status, headers, _ = Browser().send("GET", f"{base}/auth/oauth/mock/authorize?mode=redirect")
        result["mode_redirect"] = {"status": status, "to_provider": (headers.get("Location") or "").startswith(issuer)}

        # 4. The pre-registered, unverified account with the victim's email.
        attacker = Browser()
        status, _, body = attacker.send("POST", base + "/auth/register",
                                        body={"email": "victim@example.com", "password": "attacker-password-1"})
        result["attacker_register"] = status
        status, _, body = sign_in(Browser(), "victim-1")
        answer = as_json(body) or {}
        result["unverified_local_account"] = {"status": status, "code": answer.get("code"),
                                              "has_tokens": "access_token" in answer}
        status, _, body = attacker.send("POST", base + "/auth/login",
                                        body={"email": "victim@example.com", "password": "attacker-password-1"})
        attacker_tokens = as_json(body) or {}
        status_me, _, body = attacker.send("GET", base + "/auth/me", token=attacker_tokens.get("access_token"))
        status_links, _, links = attacker.send("GET", base + "/auth/oauth/accounts",
                                               token=attacker_tokens.get("access_token"))
        result["attacker_account_after"] = {
            "login": status, "verified": (as_json(body) or {}).get("email_verified"),
            "links": as_json(links) if status_links == 200 else status_links,
        }

        # 5. Linking a provider account to a signed-in user, then signing in with it.
        carol = Browser()
        status, _, body = carol.send("POST", base + "/auth/register",
                                     body={"email": "carol@example.com", "password": "carol-password-1"})
        carol_tokens = as_json(body) or {}
        status, started, _ = authorize(carol, path="link", token=carol_tokens.get("access_token"))
        result["link_start"] = status
        status, _, _ = authorize(Browser(), path="link")
        result["link_start_without_bearer"] = status
        callback = provider_step(started["url"], "carol-sub")
        status, _, body = carol.send("GET", callback)
        result["link_callback"] = {"status": status, "message": (as_json(body) or {}).get("message")}
        status, _, body = carol.send("GET", base + "/auth/oauth/accounts", token=carol_tokens.get("access_token"))
        result["carol_links"] = as_json(body)
        status, _, body = sign_in(Browser(), "carol-sub")
        linked_tokens = as_json(body) or {}
        status_me, _, body = carol.send("GET", base + "/auth/me", token=linked_tokens.get("access_token"))
        result["linked_signin"] = {"status": status, "email": (as_json(body) or {}).get("email")}
        # Linking a provider account that belongs to someone else.
        status, started, _ = authorize(carol, path="link", token=carol_tokens.get("access_token"))
        status, _, _ = carol.send("DELETE", base + "/auth/oauth/accounts/mock", token=carol_tokens.get("access_token"))
        result["carol_unlink"] = status
        status, _, body = carol.send("GET", provider_step(started["url"], "alice-42"))
        result["link_taken_account"] = {"status": status, "code": (as_json(body) or {}).get("code")}

        # 6. The unlink guard: the provider-made account keeps its only way to sign in.
        status, _, body = alice.send("DELETE", base + "/auth/oauth/accounts/mock", token=tokens.get("access_token"))
        result["unlink_last_method"] = {"status": status, "code": (as_json(body) or {}).get("code")}
        status, _, body = alice.send("DELETE", base + "/auth/oauth/accounts/github", token=tokens.get("access_token"))
        result["unlink_not_linked"] = status

        # 7. GitHub through the stand-in.
        octo = Browser()
        status, started, _ = authorize(octo, provider="github")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(started.get("url", "")).query)
        result["github_authorize"] = {"status": status, "pkce_s256": query.get("code_challenge_method") == ["S256"],
                                      "nonce": "nonce" in query}
        status, headers, _ = Browser().send("GET", started["url"])
        status, _, body = octo.send("GET", headers["Location"])
        github_tokens = as_json(body) or {}
        status_me, _, body = octo.send("GET", base + "/auth/me", token=github_tokens.get("access_token"))
        me = as_json(body) or {}
        result["github_signin"] = {"status": status, "email": me.get("email"), "verified": me.get("email_verified")}

        # 8. Provider errors: the provider's words are not echoed.
        browser = Browser()
        status, started, _ = authorize(browser, provider="github")
        state = urllib.parse.parse_qs(urllib.parse.urlsplit(started["url"]).query)["state"][0]
        status, _, body = browser.send("GET", f"{base}/auth/oauth/github/callback?" + urllib.parse.urlencode(
            {"state": state, "error": "access_denied", "error_description": "MARKER-FROM-PROVIDER"}))
        result["provider_refusal"] = {"status": status, "echoed": b"MARKER" in body}
        browser = Browser()
        status, started, _ = authorize(browser, provider="github")
        status, headers, _ = Browser().send("GET", started["url"])
        location = headers["Location"].replace("code=", "code=forged")
        status, _, body = browser.send("GET", location)
        result["bad_code"] = {"status": status, "echoed": ERROR_MARKER.encode() in body,
                              "code": (as_json(body) or {}).get("code")}
        status, _, body = Browser().send("GET", base + "/auth/oauth/nope/authorize")
        result["unknown_provider"] = status
    except Exception as error:  # reported, not raised: the Swift test shows it
        result["error"] = repr(error)
    finally:
        stop_all(processes[::-1])
        try:
            with open(os.path.join(workdir, "serve.log")) as log:
                result["serve_log_tail"] = log.read()[-3000:]
        except OSError:
            pass
    print(json.dumps(result))


if __name__ == "__main__":
    main()
