#!/usr/bin/env python3
"""Interoperability harness: the `jot` CLI against independent JOSE libraries.

Checks, for HS256, RS256, PS256, ES256 and EdDSA, that
  * tokens signed by PyJWT and jwcrypto verify with `jot token verify` (PEM key, JWK, JWKS file, a JWKS served by
    Python's http.server through `--jwks-url`, secret in an env var), and tampered ones are rejected;
  * keys made by `jot jwk generate`, JWKs printed by `jot jwk public` and tokens made by `jot token sign` are
    accepted by PyJWT and jwcrypto (and joserfc when it is installed), the JWK `kid` being the RFC 7638 thumbprint;
  * hand-built hostile tokens (`alg: none`, duplicate member names, a DER-encoded ES256 signature, an RSA public
    key used as an HMAC secret) are rejected.

One line per check (`ok   NAME` or `FAIL NAME: reason`), then `N passed, M failed`; exit status 1 when M > 0.

Run (from the repository root):
    Tests/Interop/setup-venv.sh
    .venv/bin/python Tests/Interop/interop.py --jot .build/debug/jot
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import hmac
import http.server
import json
import os
import secrets
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # common.py sits next to this script
from common import (  # noqa: E402
    PRIVATE_JWK_MEMBERS,
    CheckFailed,
    CheckHarness,
    JotResult,
    add_standard_arguments,
    b64u,
    b64u_decode,
    missing_dependencies,
    one_line,
    parse_algs,
    resolve_jot,
    run_jot,
    temporary_workdir,
)

try:
    import jwt as pyjwt
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    from jwcrypto import jwk as jwc_jwk
    from jwcrypto import jwt as jwc_jwt
except ImportError as error:  # pragma: no cover - environment problem, reported like a failed check
    missing_dependencies(error)

try:  # optional third implementation
    from joserfc import jwt as jrfc_jwt
    from joserfc.jwk import KeySet as JrfcKeySet
except ImportError:
    jrfc_jwt = None

ALGS = ["HS256", "RS256", "PS256", "ES256", "EdDSA"]
ISS = "https://issuer.interop.test"
AUD = "jot-interop"
SECRET_ENV = "JOT_INTEROP_SECRET"


# ---------------------------------------------------------------------------------------------------------------
# Small helpers


def compact_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def segment_json(token: str, index: int) -> Any:
    return json.loads(b64u_decode(token.split(".")[index]))


def make_claims(subject: str, audience: Any = AUD, with_nbf: bool = True) -> dict:
    now = int(time.time())
    claims = {
        "iss": ISS,
        "sub": subject,
        "aud": audience,
        "iat": now,
        "exp": now + 300,
        "jti": secrets.token_hex(8),
        "scope": "read write",
        "custom": {"name": "Zoë ✓ 🔑", "n": [1, 2.5, -3], "ok": True, "nothing": None},
    }
    if with_nbf:
        claims["nbf"] = now
    return claims


def hs256_token(header_json: str, payload_json: str, secret: bytes) -> str:
    """A compact JWS built by hand from exact JSON text (so it can hold what a JSON encoder would not write)."""
    signing_input = b64u(header_json.encode()) + "." + b64u(payload_json.encode())
    mac = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + b64u(mac)


def tamper_signature(token: str) -> str:
    head, payload, sig = token.split(".")
    i = len(sig) // 2  # a middle character: all six of its bits are signature bits
    sig = sig[:i] + ("B" if sig[i] == "A" else "A") + sig[i + 1 :]
    return ".".join((head, payload, sig))


def tamper_payload(token: str) -> str:
    head, payload, sig = token.split(".")
    claims = json.loads(b64u_decode(payload))
    claims["sub"] = "attacker"
    return ".".join((head, b64u(compact_json(claims)), sig))


def spki_pem(public: Any) -> bytes:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def generate_private(alg: str) -> Any:
    if alg in ("RS256", "PS256"):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(alg)


def public_jwk(public: Any, alg: str, kid: str) -> dict:
    jwk = jwc_jwk.JWK.from_pyca(public).export_public(as_dict=True)
    jwk.update({"kid": kid, "alg": alg, "use": "sig"})
    return jwk


def expected_key_type(alg: str, private: Any) -> str | None:
    """None when `private` is the right kind of key for `alg`, else what is wrong."""
    if alg in ("RS256", "PS256"):
        if not isinstance(private, rsa.RSAPrivateKey):
            return f"expected an RSA key, got {type(private).__name__}"
        if private.key_size < 2048:
            return f"RSA modulus is {private.key_size} bits (< 2048)"
    elif alg == "ES256":
        if not isinstance(private, ec.EllipticCurvePrivateKey) or private.curve.name != "secp256r1":
            return f"expected a P-256 key, got {type(private).__name__} {getattr(getattr(private, 'curve', None), 'name', '')}"
    elif alg == "EdDSA":
        if not isinstance(private, ed25519.Ed25519PrivateKey):
            return f"expected an Ed25519 key, got {type(private).__name__}"
    return None


JWK_SHAPE = {"RS256": ("RSA", None), "PS256": ("RSA", None), "ES256": ("EC", "P-256"), "EdDSA": ("OKP", "Ed25519")}


# ---------------------------------------------------------------------------------------------------------------
# Running jot and recording checks


class Harness(CheckHarness):
    def __init__(self, jot: str, timeout: float, workdir: Path, secret: str):
        super().__init__()
        self.jot_path = jot
        self.timeout = timeout
        self.workdir = workdir
        self.secret = secret
        self.base_url = ""  # set by serve_workdir: the work directory over HTTP on loopback

    def serve_workdir(self) -> http.server.ThreadingHTTPServer:
        """Serves the work directory on a free loopback port (a third-party JWKS host for --jwks-url)."""

        class QuietHandler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(self.workdir)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        return server

    # -- jot ---------------------------------------------------------------------------------------------------

    def jot(self, *args: str, stdin: str | None = None) -> JotResult:
        env = dict(os.environ)
        env[SECRET_ENV] = self.secret
        return run_jot(self.jot_path, args, self.timeout, env, stdin=stdin)

    def verify(self, token: str, source: list[str], alg: str | None, extra: list[str] | None = None) -> JotResult:
        args = ["token", "verify", token, *source]
        if alg is not None:
            args += ["--alg", alg]
        args += ["--issuer", ISS, "--audience", AUD]
        return self.jot(*args, *(extra or []))

    # -- expectations ------------------------------------------------------------------------------------------

    @staticmethod
    def expect_valid(res: JotResult, token: str, claims: dict) -> None:
        if res.rc != 0:
            raise CheckFailed(f"exit {res.rc}, expected 0", res.stderr)
        try:
            out = json.loads(res.stdout)
        except ValueError:
            raise CheckFailed(f"stdout is not JSON: {one_line(res.stdout, 200)!r}", res.stderr)
        if not isinstance(out, dict) or not isinstance(out.get("header"), dict) or not isinstance(out.get("claims"), dict):
            raise CheckFailed(f"stdout lacks \"header\"/\"claims\" objects: {one_line(res.stdout, 300)}", res.stderr)
        if out["claims"] != claims:
            diffs = []
            for key in sorted(set(claims) | set(out["claims"])):
                mine, theirs = claims.get(key, "<absent>"), out["claims"].get(key, "<absent>")
                if mine != theirs:
                    diffs.append(f"{key}: signed {mine!r}, jot printed {theirs!r}")
            raise CheckFailed("claims differ: " + "; ".join(diffs), res.stderr)
        header = segment_json(token, 0)
        wrong = {k: out["header"].get(k, "<absent>") for k, v in header.items() if out["header"].get(k) != v}
        if wrong:
            raise CheckFailed(f"header differs: signed {header}, jot printed {out['header']}", res.stderr)

    @staticmethod
    def expect_rejected(res: JotResult) -> None:
        if res.rc == 0:
            raise CheckFailed(f"accepted (exit 0), expected exit 1; stdout: {one_line(res.stdout, 300)}", res.stderr)
        if res.rc != 1:
            raise CheckFailed(f"exit {res.rc}, expected 1", res.stderr)
        if not res.stderr.strip():
            raise CheckFailed("exit 1 but stderr is empty (the reason must be printed)")

    @staticmethod
    def expect_ok(res: JotResult, what: str) -> str:
        if res.rc != 0:
            raise CheckFailed(f"{what}: exit {res.rc}, expected 0", res.stderr)
        return res.stdout


# ---------------------------------------------------------------------------------------------------------------
# Python -> Jot


def python_to_jot(h: Harness, alg: str) -> None:
    work = h.workdir / f"py-{alg}"
    work.mkdir()
    kid = f"py-{alg.lower()}-{secrets.token_hex(4)}"

    if alg == "HS256":
        secret = h.secret.encode()
        pyjwt_key: Any = secret
        jwc_key = jwc_jwk.JWK(kty="oct", k=b64u(secret))
        (work / "oct.jwk").write_text(json.dumps({"kty": "oct", "k": b64u(secret), "alg": alg, "kid": kid}))
        sources = {"--secret-env": ["--secret-env", SECRET_ENV], "--jwk": ["--jwk", str(work / "oct.jwk")]}
    else:
        private = generate_private(alg)
        pyjwt_key = private
        jwc_key = jwc_jwk.JWK.from_pyca(private)
        decoy = generate_private(alg).public_key()
        jwk = public_jwk(private.public_key(), alg, kid)
        (work / "public.pem").write_bytes(spki_pem(private.public_key()))
        (work / "public.jwk").write_text(json.dumps(jwk))
        (work / "jwks.json").write_text(json.dumps({"keys": [jwk]}))
        (work / "jwks2.json").write_text(json.dumps({"keys": [public_jwk(decoy, alg, "decoy-" + kid), jwk]}))
        sources = {
            "--key": ["--key", str(work / "public.pem")],
            "--jwk": ["--jwk", str(work / "public.jwk")],
            "--jwks": ["--jwks", str(work / "jwks.json")],
            "--jwks (2 keys, pick by kid)": ["--jwks", str(work / "jwks2.json")],
            "--jwks-url (Python http.server, 2 keys)": ["--jwks-url", f"{h.base_url}/py-{alg}/jwks2.json"],
        }

    signed: dict[str, tuple[str, dict]] = {}

    def sign_pyjwt() -> None:
        claims = make_claims(f"pyjwt-{alg}")
        signed["pyjwt"] = pyjwt.encode(claims, pyjwt_key, algorithm=alg, headers={"kid": kid}), claims

    def sign_jwcrypto() -> None:
        claims = make_claims(f"jwcrypto-{alg}", audience=["someone-else", AUD], with_nbf=False)
        token = jwc_jwt.JWT(header={"alg": alg, "kid": kid, "typ": "JWT"}, claims=claims)
        token.make_signed_token(jwc_key)
        signed["jwcrypto"] = token.serialize(), claims

    first_source = next(iter(sources.values()))
    for lib, sign in (("pyjwt", sign_pyjwt), ("jwcrypto", sign_jwcrypto)):
        if not h.check(f"{alg} {lib} signs", sign):
            continue
        token, claims = signed[lib]
        for label, source in sources.items():
            h.check(f"{alg} {lib}->jot {label}", lambda s=source: h.expect_valid(h.verify(token, s, alg), token, claims))
        h.check(
            f"{alg} {lib}->jot tampered signature rejected",
            lambda: h.expect_rejected(h.verify(tamper_signature(token), first_source, alg)),
        )
        h.check(
            f"{alg} {lib}->jot tampered payload rejected",
            lambda: h.expect_rejected(h.verify(tamper_payload(token), first_source, alg)),
        )
        if alg == "HS256" and lib == "pyjwt":

            def from_stdin() -> None:
                res = h.jot("token", "verify", "-", *first_source, "--alg", alg, "--issuer", ISS, "--audience", AUD,
                            stdin=token + "\n")
                h.expect_valid(res, token, claims)

            h.check(f"{alg} {lib}->jot token from stdin (-)", from_stdin)


# ---------------------------------------------------------------------------------------------------------------
# Jot -> Python


def verify_in_python(alg: str, token: str, claims: dict, kid: str | None, pyjwt_key: Any, jwk_json: str | None) -> dict:
    """The checks to run, library name -> callable; `kid` None skips the header kid comparison."""

    def header_ok(header: dict) -> None:
        assert header.get("alg") == alg, f"header alg {header.get('alg')!r}, expected {alg!r}"
        if kid is not None:
            assert header.get("kid") == kid, f"header kid {header.get('kid')!r}, expected {kid!r}"

    def with_pyjwt() -> None:
        header_ok(pyjwt.get_unverified_header(token))
        decoded = pyjwt.decode(
            token, pyjwt_key, algorithms=[alg], audience=AUD, issuer=ISS, options={"require": ["exp", "iss", "aud"]}
        )
        assert decoded == claims, f"pyjwt decoded {decoded}, jot was given {claims}"

    def with_jwcrypto() -> None:
        keys = jwc_jwk.JWKSet()
        keys.add(jwc_jwk.JWK.from_json(jwk_json))
        parsed = jwc_jwt.JWT(jwt=token, key=keys, algs=[alg], check_claims={"iss": ISS, "aud": AUD, "exp": None})
        header_ok(json.loads(parsed.header))
        decoded = json.loads(parsed.claims)
        assert decoded == claims, f"jwcrypto decoded {decoded}, jot was given {claims}"

    checks = {"pyjwt": with_pyjwt, "jwcrypto": with_jwcrypto}

    if jrfc_jwt is not None:

        def with_joserfc() -> None:
            keys = JrfcKeySet.import_key_set({"keys": [json.loads(jwk_json)]})
            with warnings.catch_warnings():  # joserfc warns that "EdDSA" is deprecated (RFC 9864)
                warnings.simplefilter("ignore")
                parsed = jrfc_jwt.decode(token, keys, algorithms=[alg])
            header_ok(dict(parsed.header))
            registry = jrfc_jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": ISS}, aud={"essential": True, "value": AUD}
            )
            registry.validate(parsed.claims)
            assert dict(parsed.claims) == claims, f"joserfc decoded {dict(parsed.claims)}, jot was given {claims}"

        checks["joserfc"] = with_joserfc
    return checks


def jot_to_python_asymmetric(h: Harness, alg: str) -> None:
    work = h.workdir / f"jot-{alg}"
    work.mkdir()
    keyfile = work / "private.pem"
    state: dict[str, Any] = {}

    def generate() -> None:
        h.expect_ok(h.jot("jwk", "generate", "--alg", alg, "--out", str(keyfile)), "jot jwk generate")
        if not keyfile.is_file():
            raise CheckFailed(f"exit 0 but {keyfile} was not written")
        pem = keyfile.read_bytes()
        if not pem.lstrip().startswith(b"-----BEGIN PRIVATE KEY-----"):
            raise CheckFailed(f"not a PKCS#8 PEM (first line {pem.lstrip().splitlines()[0][:40]!r})")
        private = serialization.load_pem_private_key(pem, password=None)
        problem = expected_key_type(alg, private)
        if problem:
            raise CheckFailed(problem)
        state["private"] = private

    h.check(f"{alg} jot jwk generate -> PKCS#8 PEM loads in cryptography", generate)

    def public() -> None:
        # --alg pins the key: an RSA PEM does not say whether it serves RS256 or PS256.
        text = h.expect_ok(h.jot("jwk", "public", str(keyfile), "--alg", alg), "jot jwk public")
        try:
            jwk = json.loads(text)
        except ValueError:
            raise CheckFailed(f"stdout is not JSON: {one_line(text, 200)!r}")
        kty, crv = JWK_SHAPE[alg]
        assert isinstance(jwk, dict), f"not a JSON object: {text!r}"
        assert jwk.get("kty") == kty, f"kty {jwk.get('kty')!r}, expected {kty!r}"
        if crv:
            assert jwk.get("crv") == crv, f"crv {jwk.get('crv')!r}, expected {crv!r}"
        leaked = [m for m in PRIVATE_JWK_MEMBERS if m in jwk]
        assert not leaked, f"public JWK carries private members {leaked}"
        assert jwk.get("alg") == alg, f"alg {jwk.get('alg')!r}, expected {alg!r}"
        assert jwk.get("use") == "sig", f"use {jwk.get('use')!r}, expected 'sig'"
        assert isinstance(jwk.get("kid"), str) and jwk["kid"], f"kid missing: {jwk}"
        imported = jwc_jwk.JWK.from_json(text)
        assert not imported.has_private, "jwcrypto sees a private key"
        thumbprint = imported.thumbprint()
        assert thumbprint == jwk["kid"], f"kid {jwk['kid']!r} != jwcrypto RFC 7638 thumbprint {thumbprint!r}"
        pem_thumbprint = jwc_jwk.JWK.from_pyca(state["private"].public_key()).thumbprint()
        assert pem_thumbprint == thumbprint, "the JWK is not the public half of the PEM key"
        state["jwk_json"], state["kid"] = text, jwk["kid"]

    name = f"{alg} jot jwk public --alg -> jwcrypto imports it, kid = RFC 7638 thumbprint, alg, use=sig"
    if "private" in state:
        h.check(name, public)
    else:
        h.skip_dependent(name, "jot jwk generate")

    claims = make_claims(f"jot-{alg}")

    def sign() -> None:
        args = ["token", "sign", "--claims", json.dumps(claims, ensure_ascii=False), "--key", str(keyfile), "--alg", alg]
        if "kid" in state:
            # "--kid=VALUE": a thumbprint may begin with "-", which would read as an option (ArgumentParser).
            args += [f"--kid={state['kid']}"]
        token = h.expect_ok(h.jot(*args), "jot token sign").strip()
        if token.count(".") != 2:
            raise CheckFailed(f"stdout is not a compact JWS: {one_line(token, 200)!r}")
        state["token"] = token

    name = f"{alg} jot token sign --key"
    if "private" in state:
        h.check(name, sign)
    else:
        h.skip_dependent(name, "jot jwk generate")

    public_key = state["private"].public_key() if "private" in state else None
    checks = verify_in_python(alg, state.get("token", ""), claims, state.get("kid"), public_key, state.get("jwk_json"))
    for lib, body in checks.items():
        # PyJWT verifies with the key from the PEM; the others import the JWK that `jot jwk public` printed.
        if "token" not in state:
            h.skip_dependent(f"{alg} jot->{lib}", "jot token sign")
        elif lib != "pyjwt" and "jwk_json" not in state:
            h.skip_dependent(f"{alg} jot->{lib}", "jot jwk public")
        else:
            h.check(f"{alg} jot->{lib}", body)


def jot_to_python_hs256(h: Harness) -> None:
    alg = "HS256"
    work = h.workdir / "jot-HS256"
    work.mkdir()
    octfile = work / "oct.jwk"
    state: dict[str, Any] = {}

    def generate() -> None:
        h.expect_ok(h.jot("jwk", "generate", "--alg", alg, "--out", str(octfile)), "jot jwk generate")
        if not octfile.is_file():
            raise CheckFailed(f"exit 0 but {octfile} was not written")
        text = octfile.read_text()
        try:
            jwk = json.loads(text)
        except ValueError:
            raise CheckFailed(f"not a JSON JWK: {one_line(text, 100)!r}")
        assert isinstance(jwk, dict) and jwk.get("kty") == "oct", f"kty {jwk.get('kty')!r}, expected 'oct'"
        assert "alg" not in jwk or jwk["alg"] == alg, f"alg {jwk.get('alg')!r}, expected {alg!r}"
        secret = b64u_decode(jwk["k"])
        assert len(secret) >= 32, f"secret is {len(secret)} bytes (< 32)"
        imported = jwc_jwk.JWK.from_json(text)
        assert json.loads(imported.export())["k"] == jwk["k"], "jwcrypto reads a different secret"
        state["secret"], state["kid"] = secret, jwk.get("kid")

    h.check(f"{alg} jot jwk generate -> oct JWK imports in jwcrypto", generate)

    def python_signs_with_generated() -> None:
        claims = make_claims("pyjwt-with-jot-oct")
        headers = {"kid": state["kid"]} if state["kid"] else None
        token = pyjwt.encode(claims, state["secret"], algorithm=alg, headers=headers)
        h.expect_valid(h.verify(token, ["--jwk", str(octfile)], alg), token, claims)

    name = f"{alg} pyjwt->jot --jwk (jot-generated oct key)"
    if "secret" in state:
        h.check(name, python_signs_with_generated)
    else:
        h.skip_dependent(name, "jot jwk generate")

    claims = make_claims("jot-HS256")
    kid = "jot-hs256"

    def sign() -> None:
        res = h.jot("token", "sign", "--claims", json.dumps(claims, ensure_ascii=False), "--secret-env", SECRET_ENV,
                    "--alg", alg, f"--kid={kid}")
        token = h.expect_ok(res, "jot token sign").strip()
        if token.count(".") != 2:
            raise CheckFailed(f"stdout is not a compact JWS: {one_line(token, 200)!r}")
        state["token"] = token

    h.check(f"{alg} jot token sign --secret-env", sign)
    secret = h.secret.encode()
    oct_json = json.dumps({"kty": "oct", "k": b64u(secret), "kid": kid})
    checks = verify_in_python(alg, state.get("token", ""), claims, kid, secret, oct_json)
    for lib, body in checks.items():
        if "token" in state:
            h.check(f"{alg} jot->{lib}", body)
        else:
            h.skip_dependent(f"{alg} jot->{lib}", "jot token sign")


# ---------------------------------------------------------------------------------------------------------------
# Hostile tokens built by hand


def hostile_tokens(h: Harness) -> None:
    work = h.workdir / "hostile"
    work.mkdir()
    secret = h.secret.encode()
    hs = ["--secret-env", SECRET_ENV]
    now = int(time.time())
    claims = make_claims("hand-built")

    # alg: none, against a JWK that pins ES256 (no --alg) and against an HMAC secret.
    es_private = generate_private("ES256")
    (work / "es256.jwk").write_text(json.dumps(public_jwk(es_private.public_key(), "ES256", "es-hostile")))
    (work / "es256.pem").write_bytes(spki_pem(es_private.public_key()))
    for header in ({"alg": "none", "typ": "JWT"}, {"alg": "none", "kid": "es-hostile"}):
        none_token = b64u(compact_json(header)) + "." + b64u(compact_json(claims)) + "."
        h.check(
            f"alg none rejected (--jwk ES256, no --alg, header {json.dumps(header)})",
            lambda t=none_token: h.expect_rejected(h.verify(t, ["--jwk", str(work / "es256.jwk")], None)),
        )
    none_token = b64u(compact_json({"alg": "none", "typ": "JWT"})) + "." + b64u(compact_json(claims)) + "."
    h.check("alg none rejected (--secret-env --alg HS256)", lambda: h.expect_rejected(h.verify(none_token, hs, "HS256")))

    # The RSA public key (its PEM text) used as an HMAC secret: the classic algorithm-confusion attack.
    rsa_private = generate_private("RS256")
    rsa_pem = spki_pem(rsa_private.public_key())
    (work / "rs256.pem").write_bytes(rsa_pem)
    confused = hs256_token('{"alg":"HS256","typ":"JWT"}', compact_json(claims).decode(), rsa_pem)
    h.check(
        "RS256 public key used as HS256 secret rejected (--key PEM --alg RS256)",
        lambda: h.expect_rejected(h.verify(confused, ["--key", str(work / "rs256.pem")], "RS256")),
    )

    # Duplicate member names. The control shows the hand-built token is otherwise acceptable.
    head = '{"alg":"HS256","typ":"JWT"}'
    body = f'{{"iss":"{ISS}","sub":"a","aud":"{AUD}","iat":{now},"exp":{now + 300}}}'
    dup_body = f'{{"iss":"{ISS}","sub":"a","sub":"b","aud":"{AUD}","iat":{now},"exp":{now + 300}}}'
    control = hs256_token(head, body, secret)
    h.check(
        "HS256 hand-built token accepted (control for the duplicate-name checks)",
        lambda: h.expect_valid(h.verify(control, hs, "HS256"), control, json.loads(body)),
    )
    h.check(
        'duplicate claim name rejected ({"sub":"a","sub":"b"})',
        lambda: h.expect_rejected(h.verify(hs256_token(head, dup_body, secret), hs, "HS256")),
    )
    dup_head = '{"typ":"JWT","alg":"HS256","typ":"at+jwt"}'
    h.check(
        "duplicate header member rejected (typ twice)",
        lambda: h.expect_rejected(h.verify(hs256_token(dup_head, body, secret), hs, "HS256")),
    )

    # ES256 with a DER signature (cryptography's default) instead of the fixed-size r||s JWS requires.
    signing_input = (b64u(compact_json({"alg": "ES256", "kid": "es-hostile"})) + "." + b64u(compact_json(claims)))
    der = es_private.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    raw_token = signing_input + "." + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    der_token = signing_input + "." + b64u(der)
    es_key = ["--key", str(work / "es256.pem")]
    h.check(
        "ES256 hand-built r||s signature accepted (control)",
        lambda: h.expect_valid(h.verify(raw_token, es_key, "ES256"), raw_token, claims),
    )
    h.check(
        f"ES256 DER-encoded signature ({len(der)} bytes) rejected",
        lambda: h.expect_rejected(h.verify(der_token, es_key, "ES256")),
    )


# ---------------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_standard_arguments(
        parser,
        ALGS,
        timeout_help="seconds allowed for one jot invocation",
        keep_help="keep the temporary directory with keys and JWKs",
    )
    args = parser.parse_args()
    algs = parse_algs(parser, args.algs, ALGS)

    with temporary_workdir("jot-interop-", args.keep) as workdir:
        # The env var holds the raw secret string (>= 32 bytes, RFC 7518 §3.2).
        h = Harness(resolve_jot(args.jot), args.timeout, workdir, "interop-secret-" + secrets.token_hex(24))
        server = h.serve_workdir()
        if h.check("jot --help", lambda: h.expect_ok(h.jot("--help"), "jot --help")):
            for alg in algs:
                python_to_jot(h, alg)
                if alg == "HS256":
                    jot_to_python_hs256(h)
                else:
                    jot_to_python_asymmetric(h, alg)
            hostile_tokens(h)
        server.shutdown()
    return h.summary()


if __name__ == "__main__":
    sys.exit(main())
