#!/usr/bin/env python3
"""OAuth interoperability: a standard OAuth client library (authlib) uses `jot serve` with no Jot-specific code.

One `jot serve` on a free loopback port with a fresh key directory and database; clients registered with
`jot clients add`. Then, with authlib's OAuth2Session and nothing but the RFC 8414 metadata:
  * the metadata lists the token and introspection endpoints, grant client_credentials, both auth methods, every
    advertised endpoint exists, and HS256 is never advertised;
  * client_secret_basic and client_secret_post each obtain a token; PyJWT verifies it through the metadata's jwks_uri
    (typ at+jwt, sub = client_id = the client, aud = the client's default audience, scope);
  * `scope` narrows the client's scopes, `resource` picks another of its audiences (RFC 8707);
  * a secret with ':', '%' and '+' works with client_secret_basic (RFC 6749 §2.3.1 form-encoding);
  * introspection (RFC 7662) says active with the claims for the token, inactive for a tampered one;
  * a wrong secret is invalid_client, an unknown scope invalid_scope, an unknown resource invalid_target;
  * `jot clients rotate-secret --grace 1h`: old and new secrets both work; `--grace 0s`: the old one stops.

One line per check, then `N passed, M failed`; exit status 1 when anything failed.

    Tests/Interop/setup-venv.sh
    .venv/bin/python Tests/Interop/oauth_interop.py --jot .build/debug/jot
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    CheckFailed,
    CheckHarness,
    ServerDidNotStart,
    missing_dependencies,
    resolve_jot,
    run_jot,
    running_jot_serve,
    temporary_workdir,
)

try:
    import jwt as pyjwt
    import requests
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.integrations.base_client.errors import OAuthError
except ImportError as error:  # pragma: no cover
    missing_dependencies(error)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jot", required=True)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--keep", action="store_true")
    options = parser.parse_args()
    jot = resolve_jot(options.jot)
    harness = CheckHarness()
    with temporary_workdir("jot-oauth-interop-", options.keep) as work:
        env = {**os.environ, "JOT_KEYS": str(work / "keys"), "JOT_DATABASE": str(work / "jot.sqlite")}
        env.pop("JWT_SECRET", None)
        secrets: dict[str, str] = {}

        def add(name: str, *args: str, stdin: str | None = None) -> None:
            flags = ["--secret-stdin"] if stdin is not None else []
            result = run_jot(jot, ["clients", "add", name, *args, *flags], options.timeout, env, stdin)
            if result.rc != 0:
                raise CheckFailed(f"jot clients add {name} exited {result.rc}", result.stderr)
            secrets[name] = stdin.strip() if stdin is not None else result.stdout.split("client_secret: ", 1)[1].split()[0]

        def register() -> None:
            add("reporting", "--scopes", "pangolins,photos:read", "--audience", "https://pangolins.example", "--audience", "https://photos.example")
            add("odd-secret", "--scopes", "pangolins", stdin="a:b%c+d e-0123456789012345678901234567890\n".replace(" ", "_"))

        harness.check("jot clients add (generated secret and --secret-stdin)", register)
        try:
            with running_jot_serve(jot, ["--audience", "jot"], work, env, options.timeout) as base:
                run_checks(harness, jot, env, base, secrets, options.timeout)
        except ServerDidNotStart as error:
            print("FAIL jot serve did not start:", error)
            return 1
    return harness.summary()


def run_checks(harness: CheckHarness, jot: str, env: dict[str, str], base: str, secrets: dict[str, str], timeout: float) -> None:
    metadata: dict = {}

    def read_metadata() -> None:
        answer = requests.get(f"{base}/.well-known/oauth-authorization-server", timeout=timeout)
        assert answer.status_code == 200, answer.status_code
        metadata.update(answer.json())
        assert metadata["issuer"] == base, metadata["issuer"]
        assert metadata["token_endpoint"] == f"{base}/oauth/token"
        assert metadata["introspection_endpoint"] == f"{base}/oauth/introspect"
        assert "client_credentials" in metadata["grant_types_supported"], metadata["grant_types_supported"]
        assert {"client_secret_basic", "client_secret_post"} <= set(metadata["token_endpoint_auth_methods_supported"])
        for endpoint in ["authorization_endpoint", "userinfo_endpoint", "revocation_endpoint"]:
            assert requests.get(metadata[endpoint], timeout=timeout).status_code != 404, f"{endpoint} is advertised but does not exist"
        assert "HS256" not in str(metadata)
        assert set(metadata["scopes_supported"]) == {"openid", "pangolins", "photos:read"}, metadata.get("scopes_supported")

    if not harness.check("RFC 8414 metadata: what exists, never HS256", read_metadata):
        return
    jwks = pyjwt.PyJWKClient(metadata["jwks_uri"])

    def session(client: str, method: str, **extra) -> OAuth2Session:
        return OAuth2Session(client, secrets[client], token_endpoint_auth_method=method, **extra)

    def verify(token: str, audience: str) -> dict:
        key = jwks.get_signing_key_from_jwt(token)
        header = pyjwt.get_unverified_header(token)
        assert header["typ"] == "at+jwt", header
        return pyjwt.decode(token, key.key, algorithms=["ES256"], audience=audience, issuer=metadata["issuer"])

    tokens: dict[str, str] = {}

    for method in ["client_secret_basic", "client_secret_post"]:

        def fetch(method: str = method) -> None:
            token = session("reporting", method).fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
            assert token["token_type"].lower() == "bearer", token
            assert token["scope"] == "pangolins photos:read", token["scope"]
            claims = verify(token["access_token"], "https://pangolins.example")
            assert claims["sub"] == "reporting" and claims["client_id"] == "reporting", claims
            assert claims["aud"] == "https://pangolins.example", claims["aud"]
            assert claims["exp"] - claims["iat"] == token["expires_in"] == 300, claims
            assert "jti" in claims and "username" not in claims, claims
            tokens[method] = token["access_token"]

        harness.check(f"authlib {method}: client_credentials token verified by PyJWT through jwks_uri", fetch)

    def narrowed() -> None:
        token = session("reporting", "client_secret_basic", scope="photos:read").fetch_token(
            metadata["token_endpoint"], grant_type="client_credentials", resource="https://photos.example"
        )
        assert token["scope"] == "photos:read", token["scope"]
        claims = verify(token["access_token"], "https://photos.example")
        assert claims["aud"] == "https://photos.example" and claims["scope"] == "photos:read", claims

    harness.check("scope narrows, resource picks the audience (RFC 8707)", narrowed)

    def odd_secret() -> None:
        token = session("odd-secret", "client_secret_basic").fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
        assert verify(token["access_token"], "jot")["sub"] == "odd-secret"

    harness.check("secret with ':', '%' and '+' over client_secret_basic (RFC 6749 §2.3.1)", odd_secret)

    def introspect() -> None:
        client = session("reporting", "client_secret_basic")
        answer = client.introspect_token(metadata["introspection_endpoint"], token=tokens["client_secret_basic"])
        assert answer.status_code == 200, answer.status_code
        body = answer.json()
        assert body["active"] is True and body["client_id"] == "reporting" and body["scope"] == "pangolins photos:read", body
        tampered = tokens["client_secret_basic"][:-4] + ("AAAA" if not tokens["client_secret_basic"].endswith("AAAA") else "BBBB")
        body = client.introspect_token(metadata["introspection_endpoint"], token=tampered).json()
        assert body == {"active": False}, body
        post = session("reporting", "client_secret_post")
        assert post.introspect_token(metadata["introspection_endpoint"], token="not-a-token").json() == {"active": False}

    harness.check("RFC 7662 introspection: active with claims; tampered and garbage inactive", introspect)

    def refused(expected: str, make) -> None:
        try:
            make()
        except OAuthError as error:
            assert error.error == expected, f"{error.error}: {error.description}"
            return
        raise AssertionError(f"expected {expected}, got a token")

    harness.check(
        "wrong secret: invalid_client",
        lambda: refused(
            "invalid_client",
            lambda: OAuth2Session("reporting", "x" * 43).fetch_token(metadata["token_endpoint"], grant_type="client_credentials"),
        ),
    )
    harness.check(
        "scope outside the client's: invalid_scope",
        lambda: refused(
            "invalid_scope",
            lambda: session("reporting", "client_secret_basic", scope="admin").fetch_token(metadata["token_endpoint"], grant_type="client_credentials"),
        ),
    )
    harness.check(
        "resource outside the client's: invalid_target",
        lambda: refused(
            "invalid_target",
            lambda: session("reporting", "client_secret_post").fetch_token(
                metadata["token_endpoint"], grant_type="client_credentials", resource="https://elsewhere.example"
            ),
        ),
    )

    def rotate() -> None:
        old = secrets["reporting"]
        result = run_jot(jot, ["clients", "rotate-secret", "reporting", "--grace", "1h"], timeout, env)
        assert result.rc == 0, result.stderr
        new = result.stdout.split("client_secret: ", 1)[1].split()[0]
        for secret in (old, new):
            OAuth2Session("reporting", secret).fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
        result = run_jot(jot, ["clients", "rotate-secret", "reporting", "--grace", "0s"], timeout, env)
        assert result.rc == 0, result.stderr
        newest = result.stdout.split("client_secret: ", 1)[1].split()[0]
        OAuth2Session("reporting", newest).fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
        refused("invalid_client", lambda: OAuth2Session("reporting", new).fetch_token(metadata["token_endpoint"], grant_type="client_credentials"))

    harness.check("jot clients rotate-secret: grace keeps the old secret, --grace 0s stops it", rotate)


if __name__ == "__main__":
    sys.exit(main())
