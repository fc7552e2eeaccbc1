#!/usr/bin/env python3
"""Authorization code interoperability: authlib runs the authorization-code flow with PKCE against `jot serve --demo`,
driving the login and consent forms over HTTP (no browser), with no Jot-specific code in the OAuth client:
  * the metadata names the authorization, token, revocation and userinfo endpoints, S256 and response type code;
  * a public client (PKCE, no secret) and a confidential client (client_secret_basic) each sign Sam in: the code
    comes back with `state` and `iss`, the token response has an access token, a refresh token and an ID token that
    authlib validates (signature through jwks_uri, iss, aud, nonce, at_hash);
  * the refresh token rotates: the new one works, the old one is refused and revokes the family;
  * a code used twice is refused; RFC 7009 revocation ends a refresh token; /userinfo answers for the access token;
  * an unregistered redirect URI gets an error page, never a redirect; a declined consent sends access_denied.

    .venv/bin/python Tests/Interop/authcode_interop.py --jot .build/debug/jot
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    CheckFailed,
    CheckHarness,
    ServerDidNotStart,
    free_loopback_port,
    missing_dependencies,
    resolve_jot,
    run_jot,
    running_jot_serve,
    temporary_workdir,
)

try:
    import requests
    from authlib.common.security import generate_token
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.jose import JsonWebKey
    from authlib.oidc.core import CodeIDToken
    from authlib.jose import jwt as authlib_jwt
except ImportError as error:  # pragma: no cover
    missing_dependencies(error)

REDIRECT = "http://127.0.0.1:{port}/callback"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def hidden_fields(page: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in HIDDEN.findall(page)}


def sign_in(browser: requests.Session, url: str, username: str, password: str, decision: str = "allow") -> requests.Response:
    """Follows the authorization URL through the login (and consent) forms; returns the final redirect."""
    page = browser.get(url, allow_redirects=False, timeout=30)
    if page.status_code != 200:
        raise CheckFailed(f"GET authorize answered {page.status_code}: {page.text[:300]}")
    answer = browser.post(page.url.split("?")[0], data={**hidden_fields(page.text), "username": username, "password": password}, allow_redirects=False, timeout=30)
    if answer.status_code == 200 and 'name="decision"' in answer.text:
        action = re.search(r'<form method="post" action="([^"]+)"', answer.text).group(1)
        base = page.url.split("/oauth/")[0]
        answer = browser.post(base + action, data={**hidden_fields(answer.text), "decision": decision}, allow_redirects=False, timeout=30)
    if answer.status_code != 303:
        raise CheckFailed(f"sign-in ended with {answer.status_code}: {answer.text[:300]}")
    return answer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jot", required=True)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--keep", action="store_true")
    options = parser.parse_args()
    jot = resolve_jot(options.jot)
    harness = CheckHarness()
    with temporary_workdir("jot-authcode-interop-", options.keep) as work:
        env = {**os.environ, "JOT_KEYS": str(work / "keys"), "JOT_DATABASE": str(work / "jot.sqlite")}
        env.pop("JWT_SECRET", None)
        callback_port = free_loopback_port()
        redirect = REDIRECT.format(port=callback_port)
        secrets: dict[str, str] = {}

        def register() -> None:
            result = run_jot(jot, ["clients", "add", "album", "--public", "--grant", "authorization_code", "--grant", "refresh_token",
                                   "--redirect-uri", redirect, "--scopes", "openid,photos:read", "--audience", "photo-service"], options.timeout, env)
            assert result.rc == 0, result.stderr
            result = run_jot(jot, ["clients", "add", "webapp", "--grant", "authorization_code", "--grant", "refresh_token",
                                   "--redirect-uri", redirect, "--scopes", "openid,photos:read", "--audience", "photo-service"], options.timeout, env)
            assert result.rc == 0, result.stderr
            secrets["webapp"] = result.stdout.split("client_secret: ", 1)[1].split()[0]

        if not harness.check("jot clients add: a public and a confidential web client", register):
            return harness.summary()
        try:
            with running_jot_serve(jot, ["--demo", "--bcrypt-cost", "4", "--audience", "photo-service"], work, env, options.timeout) as base:
                run_checks(harness, base, redirect, secrets)
        except ServerDidNotStart as error:
            print("FAIL jot serve did not start:", error)
            return 1
    return harness.summary()


def run_checks(harness: CheckHarness, base: str, redirect: str, secrets: dict[str, str]) -> None:
    metadata = requests.get(f"{base}/.well-known/openid-configuration", timeout=10).json()

    def check_metadata() -> None:
        assert metadata["authorization_endpoint"] == f"{base}/oauth/authorize"
        assert metadata["response_types_supported"] == ["code"] and metadata["code_challenge_methods_supported"] == ["S256"]
        assert metadata["revocation_endpoint"] == f"{base}/oauth/revoke" and metadata["userinfo_endpoint"] == f"{base}/userinfo"
        assert "HS256" not in metadata.get("id_token_signing_alg_values_supported", []) and metadata["id_token_signing_alg_values_supported"]

    harness.check("discovery lists the authorization-code endpoints, code and S256", check_metadata)
    jwks = JsonWebKey.import_key_set(requests.get(metadata["jwks_uri"], timeout=10).json())
    tokens: dict[str, dict] = {}

    def flow(client_id: str, **session_options) -> dict:
        client = OAuth2Session(client_id, redirect_uri=redirect, scope="openid photos:read", code_challenge_method="S256", **session_options)
        verifier = generate_token(64)
        nonce = generate_token(20)
        url, state = client.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
        answer = sign_in(requests.Session(), url, "Sam", "photos-of-Sam-1")
        location = answer.headers["Location"]
        query = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)
        assert query["state"] == [state] and query["iss"] == [base], query
        token = client.fetch_token(metadata["token_endpoint"], authorization_response=location, code_verifier=verifier)
        claims = authlib_jwt.decode(token["id_token"], jwks, claims_cls=CodeIDToken, claims_options={"iss": {"value": base}},
                                    claims_params={"nonce": nonce, "client_id": client_id, "access_token": token["access_token"]})
        claims.validate()
        assert claims["sub"] == "Sam" and claims["aud"] == client_id, dict(claims)
        assert token["scope"] == "openid photos:read" and token.get("refresh_token"), token
        return {**token, "code_url": location}

    harness.check("public client: PKCE code flow, ID token validated by authlib (iss, aud, nonce, at_hash)",
                  lambda: tokens.__setitem__("album", flow("album")))
    harness.check("confidential client (client_secret_basic): the same flow",
                  lambda: tokens.__setitem__("webapp", flow("webapp", client_secret=secrets["webapp"], token_endpoint_auth_method="client_secret_basic")))

    def userinfo() -> None:
        answer = requests.get(metadata["userinfo_endpoint"], headers={"Authorization": f"Bearer {tokens['album']['access_token']}"}, timeout=10)
        assert answer.status_code == 200 and answer.json()["sub"] == "Sam", answer.text

    harness.check("/userinfo answers for the access token", userinfo)

    def rotation() -> None:
        client = OAuth2Session("album", token=tokens["album"])
        first = tokens["album"]["refresh_token"]
        renewed = client.refresh_token(metadata["token_endpoint"], refresh_token=first)
        assert renewed["refresh_token"] != first and renewed["access_token"], renewed
        again = requests.post(metadata["token_endpoint"], data={"grant_type": "refresh_token", "refresh_token": first, "client_id": "album"}, timeout=10)
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant", again.text
        family = requests.post(metadata["token_endpoint"], data={"grant_type": "refresh_token", "refresh_token": renewed["refresh_token"], "client_id": "album"}, timeout=10)
        assert family.status_code == 400 and family.json()["error"] == "invalid_grant", "the family was not revoked after the reuse"

    harness.check("refresh rotates; the rotated token presented again is refused and revokes the family", rotation)

    def replayed_code() -> None:
        code = urllib.parse.parse_qs(urllib.parse.urlparse(tokens["webapp"]["code_url"]).query)["code"][0]
        answer = requests.post(metadata["token_endpoint"], auth=("webapp", secrets["webapp"]),
                               data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect, "code_verifier": "x" * 43}, timeout=10)
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant", answer.text
        refresh = requests.post(metadata["token_endpoint"], auth=("webapp", secrets["webapp"]),
                                data={"grant_type": "refresh_token", "refresh_token": tokens["webapp"]["refresh_token"]}, timeout=10)
        assert refresh.status_code == 400, "the refresh token issued for a replayed code still works"

    harness.check("a code used twice is refused and revokes what it issued", replayed_code)

    def revocation() -> None:
        token = flow("album")
        client = OAuth2Session("album", token=token)
        answer = client.revoke_token(metadata["revocation_endpoint"], token=token["refresh_token"], token_type_hint="refresh_token")
        assert answer.status_code == 200, answer.text
        refused = requests.post(metadata["token_endpoint"], data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": "album"}, timeout=10)
        assert refused.status_code == 400, refused.text

    harness.check("RFC 7009 revocation ends the refresh token", revocation)

    def bad_redirect() -> None:
        url = OAuth2Session("album", redirect_uri="https://evil.example/callback", scope="openid").create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=generate_token(64))[0]
        answer = requests.get(url, allow_redirects=False, timeout=10)
        assert answer.status_code == 400 and "Location" not in answer.headers, answer.status_code

    harness.check("an unregistered redirect URI gets an error page, never a redirect", bad_redirect)

    def declined() -> None:
        client = OAuth2Session("album", redirect_uri=redirect, scope="openid photos:read", code_challenge_method="S256")
        url, state = client.create_authorization_url(metadata["authorization_endpoint"], code_verifier=generate_token(64))
        query = urllib.parse.parse_qs(urllib.parse.urlparse(sign_in(requests.Session(), url, "Sam", "photos-of-Sam-1", decision="deny").headers["Location"]).query)
        assert query["error"] == ["access_denied"] and query["state"] == [state], query

    harness.check("declining consent sends access_denied with the state", declined)


if __name__ == "__main__":
    sys.exit(main())
