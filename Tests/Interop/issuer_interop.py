#!/usr/bin/env python3
"""Issuer interoperability: tokens from a running `jot serve --demo` verified by PyJWT through the served JWKS.

For ES256, RS256 and EdDSA (one server per algorithm, one after the other), on a free loopback port with a fresh
temporary key directory and user database (bcrypt cost 4):
  * `POST /sessions` as Cthon98 returns a token that PyJWT verifies with `PyJWKClient(<served JWKS URL>)` and
    `jwt.decode(..., audience="jot", issuer=<served issuer>, algorithms=[alg])`: header `typ: at+jwt` and the
    served key's `kid`; claims sub, username, scope "pangolins", a jti, exp - iat = 300;
  * AzureDiamond's token carries scope ""; a wrong password (and an unknown user) get 401 with a JSON error;
  * the JWKS has no private members, every key has kid/alg/use=sig, and it answers 304 to `If-None-Match: <ETag>`;
  * `jot keys rotate` without `--force` is refused right after start; `jot keys rotate --force` against the running
    server's key directory makes the served JWKS carry the new key within 5 s, and a new login (new kid) verifies
    through a fresh PyJWKClient.
For HS256 (`JWT_SECRET` in the server's environment, 48 bytes): the JWKS carries no `oct` key (nor any `k`), and
PyJWT verifies the login token with the secret.

One line per check (`ok   NAME` or `FAIL NAME: reason`), then `N passed, M failed`; exit status 1 when M > 0.
Every subprocess and HTTP call has a timeout; every server is killed at the end, whatever happened.

Run (from the repository root, after `swift build`):
    Tests/Interop/setup-venv.sh
    .venv/bin/python Tests/Interop/issuer_interop.py --jot .build/debug/jot
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # common.py sits next to this script
from common import (  # noqa: E402
    PRIVATE_JWK_MEMBERS,
    CheckFailed,
    CheckHarness,
    JotResult,
    add_standard_arguments,
    free_loopback_port,
    missing_dependencies,
    one_line,
    parse_algs,
    resolve_jot,
    run_jot,
    temporary_workdir,
)

try:
    import jwt as pyjwt
except ImportError as error:  # pragma: no cover - environment problem, reported like a failed check
    missing_dependencies(error)

ALGS = ["ES256", "RS256", "EdDSA", "HS256"]
AUDIENCE = "jot"
TOKEN_TTL = 300
DEMO = {"Cthon98": ("hunter2", "pangolins"), "AzureDiamond": ("*********", "")}
ROTATION_DEADLINE = 5.0  # seconds: the issue's "changes made by `jot keys …` reach the running server within 5 s"


# ---------------------------------------------------------------------------------------------------------------
# HTTP


class HTTPAnswer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise CheckFailed(f"HTTP {self.status} body is not JSON: {one_line(self.body.decode('utf-8', 'replace'), 200)!r}")


def http(method: str, url: str, timeout: float, body: Any = None, headers: dict[str, str] | None = None) -> HTTPAnswer:
    """One HTTP exchange; 4xx/5xx are answers, not exceptions. Connection problems raise CheckFailed."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HTTPAnswer(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return HTTPAnswer(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())
    except (urllib.error.URLError, OSError) as error:
        raise CheckFailed(f"{method} {url}: {error}")


# ---------------------------------------------------------------------------------------------------------------
# The server


class Server:
    """`jot serve --demo` on a free loopback port with its own key directory and database."""

    def __init__(self, jot: str, alg: str, workdir: Path, timeout: float, secret: str | None):
        self.jot, self.alg, self.timeout, self.secret = jot, alg, timeout, secret
        self.dir = workdir / f"serve-{alg}"
        self.dir.mkdir(mode=0o700)
        self.keys = self.dir / "keys"
        self.database = self.dir / "users.sqlite"
        self.log_path = self.dir / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JOT_") and k != "JWT_SECRET"}
        if self.secret is not None:
            env["JWT_SECRET"] = self.secret
        return env

    def start(self) -> None:
        """Starts the server and waits for `/healthz` to answer 200; retries on another port if the first is taken."""
        last = "no attempt"
        for _ in range(3):
            self.port = free_loopback_port()
            args = [
                self.jot, "serve", "--demo", "--host", "127.0.0.1", "--port", str(self.port),
                "--keys", str(self.keys), "--database", str(self.database), "--alg", self.alg,
                "--bcrypt-cost", "4", "--audience", AUDIENCE, "--token-ttl", str(TOKEN_TTL),
            ]
            log = open(self.log_path, "ab")
            try:
                self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=self.env())
            except OSError as error:
                raise CheckFailed(f"cannot run {self.jot}: {error}")
            finally:
                log.close()
            deadline = time.monotonic() + self.timeout
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    last = f"jot serve exited with status {self.process.returncode}"
                    break
                try:
                    if http("GET", self.base + "/healthz", timeout=2).status == 200:
                        return
                except CheckFailed:
                    pass
                time.sleep(0.1)
            else:
                last = f"/healthz did not answer 200 within {self.timeout:g} s"
            self.stop()
            if "address already in use" not in self.log_tail().lower():
                break
        raise CheckFailed(f"{last}; server log: {self.log_tail()}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def log_tail(self, lines: int = 6) -> str:
        try:
            text = self.log_path.read_text("utf-8", "replace")
        except OSError:
            return "<no log>"
        return one_line("\n".join(text.strip().splitlines()[-lines:])) or "<empty>"

    def run_jot(self, *args: str) -> JotResult:
        return run_jot(self.jot, args, self.timeout, self.env())


# ---------------------------------------------------------------------------------------------------------------
# Checks


class Harness(CheckHarness):
    reason_limit = 1000  # room for an HTTP body or a server log tail

    def __init__(self, jot: str, timeout: float, workdir: Path):
        super().__init__()
        self.jot, self.timeout, self.workdir = jot, timeout, workdir


def login(server: Server, username: str, password: str) -> HTTPAnswer:
    return http("POST", server.base + "/sessions", server.timeout, body={"username": username, "password": password})


def login_token(server: Server, username: str) -> str:
    answer = login(server, username, DEMO[username][0])
    if answer.status != 200:
        raise CheckFailed(f"POST /sessions as {username}: HTTP {answer.status} {one_line(answer.body.decode('utf-8', 'replace'), 300)}")
    document = answer.json()
    token = document.get("token") if isinstance(document, dict) else None
    if not isinstance(token, str) or token.count(".") != 2:
        raise CheckFailed(f"no compact JWS in \"token\": {one_line(answer.body.decode('utf-8', 'replace'), 300)}")
    assert document.get("token_type") == "Bearer", f"token_type {document.get('token_type')!r}, expected 'Bearer'"
    assert document.get("expires_in") == TOKEN_TTL, f"expires_in {document.get('expires_in')!r}, expected {TOKEN_TTL}"
    return token


def fetch_jwks(server: Server) -> tuple[dict, str]:
    answer = http("GET", server.base + "/.well-known/jwks.json", server.timeout)
    if answer.status != 200:
        raise CheckFailed(f"GET /.well-known/jwks.json: HTTP {answer.status}")
    document = answer.json()
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise CheckFailed(f"not a JWKS: {one_line(answer.body.decode('utf-8', 'replace'), 300)}")
    return document, answer.headers.get("etag", "")


def verify_with_jwks_client(server: Server, issuer: str, token: str, alg: str) -> tuple[dict, dict]:
    """A fresh PyJWKClient on the served JWKS URL, as a resource server would do it."""
    client = pyjwt.PyJWKClient(server.base + "/.well-known/jwks.json", cache_keys=False, timeout=server.timeout)
    signing_key = client.get_signing_key_from_jwt(token)
    claims = pyjwt.decode(
        token, signing_key.key, algorithms=[alg], audience=AUDIENCE, issuer=issuer,
        options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
    )
    return pyjwt.get_unverified_header(token), claims


def check_claims(header: dict, claims: dict, alg: str, username: str, issuer: str, kid: str | None) -> None:
    assert header.get("alg") == alg, f"header alg {header.get('alg')!r}, expected {alg!r}"
    assert header.get("typ") == "at+jwt", f"header typ {header.get('typ')!r}, expected 'at+jwt'"
    if kid is not None:
        assert header.get("kid") == kid, f"header kid {header.get('kid')!r}, expected {kid!r}"
    assert claims.get("iss") == issuer, f"iss {claims.get('iss')!r}, expected {issuer!r}"
    assert claims.get("sub") == username, f"sub {claims.get('sub')!r}, expected {username!r}"
    assert claims.get("username") == username, f"username {claims.get('username')!r}, expected {username!r}"
    scope = DEMO[username][1]
    assert claims.get("scope") == scope, f"scope {claims.get('scope')!r}, expected {scope!r}"
    aud = claims.get("aud")
    assert aud == AUDIENCE or aud == [AUDIENCE], f"aud {aud!r}, expected {AUDIENCE!r}"
    jti = claims.get("jti")
    assert isinstance(jti, str) and len(jti) >= 16, f"jti {jti!r}: expected a random string (≥ 16 characters)"
    iat, exp = claims.get("iat"), claims.get("exp")
    assert isinstance(iat, int) and isinstance(exp, int), f"iat {iat!r} / exp {exp!r} are not integers"
    assert exp - iat == TOKEN_TTL, f"exp - iat = {exp - iat}, expected {TOKEN_TTL}"
    assert abs(iat - time.time()) < 60, f"iat {iat} is not about now ({int(time.time())})"
    leaked = [name for name in ("password", "pwd", "hash", "password_hash") if name in claims]
    assert not leaked, f"the token carries {leaked}"


def check_jwks_members(jwks: dict, alg: str) -> None:
    for key in jwks["keys"]:
        assert isinstance(key, dict), f"a JWKS member is not an object: {key!r}"
        leaked = [m for m in PRIVATE_JWK_MEMBERS if m in key]
        assert not leaked, f"key {key.get('kid')!r} carries private members {leaked}"
        assert key.get("kty") != "oct", f"key {key.get('kid')!r} is an oct (shared secret) key"
        assert isinstance(key.get("kid"), str) and key["kid"], f"a key without kid: {key}"
        assert key.get("use") == "sig", f"key {key['kid']!r}: use {key.get('use')!r}, expected 'sig'"
        assert key.get("alg") == alg, f"key {key['kid']!r}: alg {key.get('alg')!r}, expected {alg!r}"


def check_unauthorized(server: Server, username: str, password: str) -> None:
    answer = login(server, username, password)
    assert answer.status == 401, f"HTTP {answer.status}, expected 401: {one_line(answer.body.decode('utf-8', 'replace'), 200)}"
    assert answer.headers.get("content-type", "").startswith("application/json"), (
        f"Content-Type {answer.headers.get('content-type')!r}, expected application/json"
    )
    document = answer.json()
    assert isinstance(document, dict) and isinstance(document.get("error"), str) and document["error"], (
        f"expected {{\"error\": \"...\"}}, got {document!r}"
    )
    assert "token" not in document, "a 401 answer carries a token"


def discovery_issuer(server: Server) -> str:
    answer = http("GET", server.base + "/.well-known/openid-configuration", server.timeout)
    assert answer.status == 200, f"HTTP {answer.status}"
    document = answer.json()
    issuer = document.get("issuer") if isinstance(document, dict) else None
    assert isinstance(issuer, str) and issuer, f"no issuer in {document!r}"
    assert issuer == server.base, f"issuer {issuer!r}, expected the default http://127.0.0.1:PORT = {server.base!r}"
    jwks_uri = document.get("jwks_uri")
    assert jwks_uri == server.base + "/.well-known/jwks.json", f"jwks_uri {jwks_uri!r}"
    return issuer


# ---------------------------------------------------------------------------------------------------------------
# One server per algorithm


def asymmetric_run(h: Harness, alg: str) -> None:
    server = Server(h.jot, alg, h.workdir, h.timeout, secret=None)
    state: dict[str, Any] = {}
    try:
        if not h.check(f"{alg} jot serve --demo --alg {alg} starts (healthz 200)", server.start):
            return

        def discovery() -> None:
            state["issuer"] = discovery_issuer(server)

        h.check(f"{alg} openid-configuration: issuer and jwks_uri", discovery)
        issuer = state.get("issuer", server.base)

        def jwks() -> None:
            document, etag = fetch_jwks(server)
            check_jwks_members(document, alg)
            kids = [key["kid"] for key in document["keys"]]
            assert len(kids) >= 2, f"expected the current and the next key, got kids {kids}"
            assert len(set(kids)) == len(kids), f"duplicate kids {kids}"
            for key in document["keys"]:  # each one must import in PyJWT as a public key
                pyjwt.PyJWK(key)
            assert etag.startswith('"') and etag.endswith('"') and len(etag) > 2, f"ETag {etag!r} is not a strong entity tag"
            state["kids"], state["etag"] = kids, etag

        h.check(f"{alg} JWKS: no private members, kid/alg/use=sig, PyJWK imports each key, strong ETag", jwks)

        def not_modified() -> None:
            answer = http("GET", server.base + "/.well-known/jwks.json", server.timeout, headers={"If-None-Match": state["etag"]})
            assert answer.status == 304, f"HTTP {answer.status}, expected 304"
            assert answer.body == b"", f"304 with a body of {len(answer.body)} bytes"
            other = http("GET", server.base + "/.well-known/jwks.json", server.timeout, headers={"If-None-Match": '"other"'})
            assert other.status == 200, f"a different ETag got HTTP {other.status}, expected 200"

        name = f"{alg} JWKS answers 304 to If-None-Match: <ETag> (and 200 to another tag)"
        if "etag" in state:
            h.check(name, not_modified)
        else:
            h.skip_dependent(name, "JWKS")

        def cthon98() -> None:
            token = login_token(server, "Cthon98")
            header, claims = verify_with_jwks_client(server, issuer, token, alg)
            check_claims(header, claims, alg, "Cthon98", issuer, kid=None)
            if "kids" in state:
                assert header.get("kid") in state["kids"], f"kid {header.get('kid')!r} is not in the served JWKS {state['kids']}"
            state["kid"] = header["kid"]

        h.check(f"{alg} Cthon98 token verifies with PyJWKClient + jwt.decode (typ at+jwt, scope pangolins, claims)", cthon98)

        def azure() -> None:
            token = login_token(server, "AzureDiamond")
            header, claims = verify_with_jwks_client(server, issuer, token, alg)
            check_claims(header, claims, alg, "AzureDiamond", issuer, kid=state.get("kid"))

        h.check(f"{alg} AzureDiamond token verifies, scope \"\"", azure)
        h.check(f"{alg} wrong password -> 401 JSON error", lambda: check_unauthorized(server, "Cthon98", "hunter3"))
        h.check(f"{alg} unknown user -> 401 JSON error", lambda: check_unauthorized(server, "Cthon99", "hunter2"))

        def early_rotate_refused() -> None:
            result = server.run_jot("keys", "rotate", "--keys", str(server.keys), "--alg", alg)
            assert result.rc != 0, f"exit 0, expected a refusal; stdout: {one_line(result.stdout, 300)}"
            assert result.stderr.strip(), "refused without a message on stderr"

        h.check(f"{alg} jot keys rotate (no --force) right after start is refused", early_rotate_refused)

        def rotate() -> None:
            before, _ = fetch_jwks(server)
            old_kids = {key["kid"] for key in before["keys"]}
            result = server.run_jot("keys", "rotate", "--keys", str(server.keys), "--alg", alg, "--force")
            if result.rc != 0:
                raise CheckFailed(f"jot keys rotate --force: exit {result.rc}; stderr: {one_line(result.stderr)}")
            started = time.monotonic()
            while True:
                document, _ = fetch_jwks(server)
                new_kids = {key["kid"] for key in document["keys"]} - old_kids
                if new_kids:
                    break
                if time.monotonic() - started > ROTATION_DEADLINE:
                    raise CheckFailed(f"the served JWKS still lacks a new key {ROTATION_DEADLINE:g} s after rotate: {sorted(old_kids)}")
                time.sleep(0.1)
            check_jwks_members(document, alg)
            token = login_token(server, "Cthon98")
            header, claims = verify_with_jwks_client(server, issuer, token, alg)  # a fresh client: a fresh JWKS fetch
            check_claims(header, claims, alg, "Cthon98", issuer, kid=None)
            assert header.get("kid") != state.get("kid"), f"the token after rotation is still signed by {header.get('kid')!r}"
            assert header.get("kid") in {key["kid"] for key in document["keys"]}, "the new signing kid is not published"
            if state.get("kid"):
                assert state["kid"] in {key["kid"] for key in document["keys"]}, "the previous key left the JWKS at once"
            print(f"# {alg}: new key served {time.monotonic() - started:.1f} s after rotate", file=sys.stderr, flush=True)

        h.check(f"{alg} jot keys rotate --force: served JWKS has the new key within {ROTATION_DEADLINE:g} s, new login verifies", rotate)
    finally:
        server.stop()


def hs256_run(h: Harness) -> None:
    alg = "HS256"
    secret = "issuer-interop-" + secrets.token_hex(24)  # 63 bytes (≥ 32, RFC 7518 §3.2)
    server = Server(h.jot, alg, h.workdir, h.timeout, secret=secret)
    try:
        if not h.check(f"{alg} jot serve --demo --alg HS256 with JWT_SECRET starts (healthz 200)", server.start):
            return
        state: dict[str, Any] = {}

        def discovery() -> None:
            state["issuer"] = discovery_issuer(server)

        h.check(f"{alg} openid-configuration: issuer and jwks_uri", discovery)
        issuer = state.get("issuer", server.base)

        def jwks() -> None:
            document, _ = fetch_jwks(server)
            octs = [key for key in document["keys"] if isinstance(key, dict) and (key.get("kty") == "oct" or "k" in key)]
            assert not octs, f"the JWKS publishes a shared secret: {octs}"
            assert secret not in json.dumps(document), "the secret appears in the JWKS"

        h.check(f"{alg} JWKS carries no oct key", jwks)

        def cthon98() -> None:
            token = login_token(server, "Cthon98")
            claims = pyjwt.decode(
                token, secret.encode(), algorithms=[alg], audience=AUDIENCE, issuer=issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
            )
            check_claims(pyjwt.get_unverified_header(token), claims, alg, "Cthon98", issuer, kid=None)
            try:
                pyjwt.decode(token, b"x" * 32 + secret.encode(), algorithms=[alg], audience=AUDIENCE, issuer=issuer)
            except pyjwt.InvalidSignatureError:
                pass
            else:
                raise CheckFailed("PyJWT accepted the token with a different secret")

        h.check(f"{alg} Cthon98 token verifies in PyJWT with JWT_SECRET (and not with another secret)", cthon98)
        h.check(f"{alg} wrong password -> 401 JSON error", lambda: check_unauthorized(server, "Cthon98", "hunter3"))
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_standard_arguments(
        parser,
        ALGS,
        timeout_help="seconds allowed for server start, one jot call, one HTTP call",
        keep_help="keep the temporary directory (keys, databases, server logs)",
    )
    args = parser.parse_args()
    algs = parse_algs(parser, args.algs, ALGS)

    with temporary_workdir("jot-issuer-interop-", args.keep) as workdir:
        h = Harness(resolve_jot(args.jot), args.timeout, workdir)
        for alg in algs:
            if alg == "HS256":
                hs256_run(h)
            else:
                asymmetric_run(h, alg)
    return h.summary()


if __name__ == "__main__":
    sys.exit(main())
