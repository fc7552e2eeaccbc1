#!/usr/bin/env python3
"""End-to-end checks of issue 13 (TLS) against a real `jot serve` and `pangolin-service` (loopback only).

Certificates are made here, at run time, with `cryptography` (from the interop venv): a test CA, a server certificate
for 127.0.0.1 and localhost, a renewal, an expired one, one for another name, a self-signed one, one from another CA.

  * `jot serve --tls-certificate --tls-key` refuses a key readable by others; serves HTTPS only (plain http gets no
    answer), TLS 1.2+ (a TLS 1.1 client is refused), and advertises https URLs in its discovery document;
  * without --jwks-ca-file pangolin-service refuses to start, saying "issuer not trusted";
  * `pangolin-service --issuer https://… --jwks-ca-file ca.pem` (itself on HTTPS) verifies a login token through
    discovery and the JWKS over HTTPS; `jot token verify --jwks-url https://… --jwks-ca-file` accepts the token and,
    without the CA, refuses it with "issuer not trusted";
  * PyJWT's PyJWKClient fetches the JWKS over HTTPS with the test CA;
  * a renewal (new files) is served to new connections within seconds while both run; after a key rotation the
    service fetches the JWKS over the renewed certificate; a broken pair keeps the renewed one and shows in /healthz;
    SIGHUP reloads;
  * each bad certificate (expired, other name, self-signed, unknown CA, TLS 1.1 only) is refused with its reason by
    `jot token verify` (stderr) and by pangolin-service (its /healthz).

One line per check, then `N passed, M failed`; exit status 1 when a check failed.

    .venv/bin/python Tests/EndToEnd/tls.py --jot .build/debug/jot --service .build/debug/pangolin-service
"""
import argparse, datetime, http.server, ipaddress, json, os, signal, socket, ssl, subprocess, sys, tempfile, threading, time
import urllib.error, urllib.request, warnings

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

import jwt as pyjwt

from e2e import Checks, ServerProcess as Process, free_port

warnings.filterwarnings("ignore", category=DeprecationWarning)  # TLS 1.0/1.1 are asked for on purpose, to be refused
check = Checks()
NOW = datetime.datetime.now(datetime.timezone.utc)
DAY = datetime.timedelta(days=1)


# ---------------------------------------------------------------- certificates


class CA:
    def __init__(self, name):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self.cert = (
            x509.CertificateBuilder().subject_name(self.name).issuer_name(self.name).public_key(self.key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(NOW - DAY).not_valid_after(NOW + 3650 * DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(self.key, hashes.SHA256())
        )

    def pem(self):
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def issue(self, cn="jot e2e server", dns=("localhost",), ips=("127.0.0.1",), not_before=None, not_after=None, self_signed=False):
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        names = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
        cert = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(subject if self_signed else self.name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_before or NOW - DAY).not_valid_after(not_after or NOW + 365 * DAY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .sign(key if self_signed else self.key, hashes.SHA256())
        )
        return cert, key


def write_pair(directory, name, pair):
    cert, key = pair
    crt, pem = os.path.join(directory, name + ".crt"), os.path.join(directory, name + ".key")
    write_atomically(crt, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    write_atomically(pem, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()), 0o600)
    return crt, pem


def write_atomically(path, data, mode):
    temporary = path + ".tmp"
    with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "wb") as f:
        f.write(data)
    os.chmod(temporary, mode)
    os.replace(temporary, path)


# ---------------------------------------------------------------- processes and requests


def context(ca_file=None, maximum=None):
    ctx = ssl.create_default_context(cafile=ca_file)
    if maximum:
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = maximum
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    return ctx


def request(url, ctx, body=None, headers=None, timeout=5):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=ctx) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def peer_serial(port, ca_file):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context(ca_file).wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True)).serial_number


def wait_for(predicate, seconds=8):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if predicate():
                return True
        except Exception:
            pass
        time.sleep(0.2)
    return False


class StaticJWKSServer:
    """An HTTPS server of our own presenting a chosen certificate (and TLS versions), answering a JWKS on any path."""

    def __init__(self, crt, key, jwks, maximum=None):
        body = json.dumps(jwks).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, key)
        if maximum:
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = maximum
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()


# ---------------------------------------------------------------- the run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jot", required=True)
    parser.add_argument("--service", required=True)
    arguments = parser.parse_args()
    jot, service = os.path.abspath(arguments.jot), os.path.abspath(arguments.service)
    workdir = tempfile.mkdtemp(prefix="jot-tls-")
    ca, other_ca = CA("Jot E2E CA"), CA("Other E2E CA")
    ca_file = os.path.join(workdir, "ca.pem")
    write_atomically(ca_file, ca.pem(), 0o644)
    crt, key = write_pair(workdir, "issuer", ca.issue(cn="issuer v1"))
    service_crt, service_key = write_pair(workdir, "service", ca.issue(cn="pangolin-service"))
    keys = os.path.join(workdir, "Keys")
    processes = []
    try:
        # A key readable by others is refused before anything is served.
        os.chmod(key, 0o644)
        result = subprocess.run([jot, "serve", "--keys", keys, "--port", str(free_port()), "--tls-certificate", crt, "--tls-key", key],
                                capture_output=True, text=True, timeout=60)
        check(result.returncode != 0 and f"chmod 600 {key}" in result.stderr, f"key mode 0644 refused: {result.stderr.strip()[:160]}")
        os.chmod(key, 0o600)

        port = free_port()
        issuer = Process("jot", [jot, "serve", "--keys", keys, "--port", str(port), "--demo", "--bcrypt-cost", "4",
                                 "--audience", "pangolin-service", "--tls-certificate", crt, "--tls-key", key], workdir, port)
        processes.append(issuer)
        base = f"https://127.0.0.1:{port}"
        trusted = context(ca_file)

        status, body = request(base + "/.well-known/openid-configuration", trusted)
        discovery = json.loads(body) if status == 200 else {}
        check(discovery.get("issuer") == base and discovery.get("jwks_uri", "").startswith("https://"),
              f"discovery over HTTPS advertises https URLs: {discovery.get('issuer')} {discovery.get('jwks_uri')}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3)
            check(False, "plain http to the HTTPS port must not be answered")
        except Exception as error:
            check(True, f"plain http to the HTTPS port gets no answer ({type(error).__name__})")
        try:
            request(base + "/healthz", context(ca_file, maximum=ssl.TLSVersion.TLSv1_1))
            check(False, "a TLS 1.1 client must be refused")
        except Exception as error:
            check(True, f"a TLS 1.1 client is refused ({str(error)[:100]})")

        status, body = request(base + "/sessions", trusted, {"username": "Cthon98", "password": "hunter2"})
        token = json.loads(body).get("token") if status == 200 else None
        check(token is not None, f"login over HTTPS: {status}")

        # PyJWT's PyJWKClient over HTTPS with the test CA (interop).
        client = pyjwt.PyJWKClient(discovery["jwks_uri"], cache_keys=False, timeout=5, ssl_context=trusted)
        claims = pyjwt.decode(token, client.get_signing_key_from_jwt(token).key, algorithms=["ES256"], audience="pangolin-service", issuer=base)
        check(claims.get("sub") is not None, "PyJWKClient fetches the JWKS over HTTPS with the test CA and the token verifies")

        # jot token verify over HTTPS.
        jwks_url = discovery["jwks_uri"]
        verify = [jot, "token", "verify", token, "--jwks-url", jwks_url, "--issuer", base, "--audience", "pangolin-service"]
        result = subprocess.run(verify + ["--jwks-ca-file", ca_file], capture_output=True, text=True, timeout=30)
        check(result.returncode == 0, f"jot token verify --jwks-ca-file accepts the token: {result.stderr.strip()[:160]}")
        result = subprocess.run(verify, capture_output=True, text=True, timeout=30)
        check(result.returncode != 0 and "issuer not trusted" in result.stderr and "--jwks-ca-file" in result.stderr,
              f"without the CA, jot token verify says why: {result.stderr.strip()[:200]}")

        # Without the CA, pangolin-service does not start, and says why (not "start the issuer first").
        result = subprocess.run([service, "--issuer", base, "--port", "0"], capture_output=True, text=True, timeout=60)
        output = result.stdout + result.stderr
        check(result.returncode != 0 and "issuer not trusted" in output and "start the issuer" not in output,
              f"pangolin-service without --jwks-ca-file refuses to start, saying why: {output.strip()[-200:]}")

        # pangolin-service on HTTPS, verifying through discovery + JWKS over HTTPS.
        service_port = free_port()
        pangolin = Process("pangolin", [service, "--issuer", base, "--jwks-ca-file", ca_file, "--port", str(service_port),
                                        "--tls-certificate", service_crt, "--tls-key", service_key], workdir, service_port)
        processes.append(pangolin)
        service_base = f"https://127.0.0.1:{service_port}"
        status, _ = request(service_base + "/pangolins", trusted, headers={"Authorization": f"Bearer {token}"})
        check(status == 200, f"pangolin-service (HTTPS) verifies the token through the JWKS over HTTPS: {status}")
        status, body = request(service_base + "/healthz", trusted)
        check(status == 200 and json.loads(body).get("status") == "ok", f"pangolin-service /healthz ok: {body[:120]!r}")

        # Renewal while both run.
        old_serial = peer_serial(port, ca_file)
        renewed_cert, renewed_key = ca.issue(cn="issuer v2")
        write_pair(workdir, "issuer", (renewed_cert, renewed_key))
        check(wait_for(lambda: peer_serial(port, ca_file) == renewed_cert.serial_number),
              "the renewed certificate is served to new connections within seconds, without a restart")
        check("TLS certificate reloaded" in issuer.output(), "the issuer logs the reload")
        rotated = subprocess.run([jot, "keys", "rotate", "--force", "--keys", keys], capture_output=True, text=True, timeout=30)
        check(rotated.returncode == 0, f"keys rotated: {rotated.stderr.strip()[:120]}")
        time.sleep(2.5)  # the issuer polls its key directory every second
        status, body = request(base + "/sessions", trusted, {"username": "Cthon98", "password": "hunter2"})
        new_token = json.loads(body).get("token") if status == 200 else None
        check(new_token is not None and pyjwt.get_unverified_header(new_token)["kid"] != pyjwt.get_unverified_header(token)["kid"],
              "a login after the rotation is signed by the new key")
        status, _ = request(service_base + "/pangolins", trusted, headers={"Authorization": f"Bearer {new_token}"})
        check(status == 200, f"pangolin-service fetches the new JWKS over the renewed certificate: {status}")

        # A broken pair keeps the renewed certificate and is reported; SIGHUP reloads.
        mismatched = os.path.join(workdir, "issuer.crt")
        write_atomically(mismatched, ca.issue(cn="issuer v3")[0].public_bytes(serialization.Encoding.PEM), 0o644)
        check(wait_for(lambda: "TLS certificate reload failed" in issuer.output()), "a broken pair is reported in the log")
        check(peer_serial(port, ca_file) == renewed_cert.serial_number, "a broken pair keeps the previous certificate")
        status, body = request(base + "/healthz", trusted)
        health = json.loads(body)
        check(health.get("status") == "degraded" and "does not belong" in json.dumps(health),
              f"the issuer's /healthz reports it: {json.dumps(health)[:200]}")
        final_cert = ca.issue(cn="issuer v4")
        write_pair(workdir, "issuer", final_cert)
        issuer.process.send_signal(signal.SIGHUP)
        check(wait_for(lambda: peer_serial(port, ca_file) == final_cert[0].serial_number, 5), "SIGHUP (or the file check) loads the fixed pair")
        check(wait_for(lambda: json.loads(request(base + "/healthz", trusted)[1]).get("status") == "ok", 5), "/healthz ok again")

        # Each bad certificate refused with its reason.
        jwks = json.loads(request(jwks_url, trusted)[1])
        bad = [
            ("expired", ca.issue(cn="expired", not_before=NOW - 30 * DAY, not_after=NOW - 3 * DAY - datetime.timedelta(minutes=10)), None,
             "certificate for 127.0.0.1 expired 3 days ago"),
            ("wrong name", ca.issue(cn="other", dns=("other.example",), ips=()), None, "certificate is for other.example, not 127.0.0.1"),
            ("self-signed", ca.issue(cn="selfie", self_signed=True), None, "is self-signed"),
            ("unknown CA", other_ca.issue(cn="stranger"), None, "issuer not trusted"),
            ("TLS 1.1 only", ca.issue(cn="old"), ssl.TLSVersion.TLSv1_1, "below 1.2"),
        ]
        for name, pair, maximum, reason in bad:
            bad_crt, bad_key = write_pair(workdir, name.replace(" ", "-"), pair)
            try:
                server = StaticJWKSServer(bad_crt, bad_key, jwks, maximum)
            except ssl.SSLError as error:
                check(True, f"{name}: skipped, this Python cannot serve it ({error})")
                continue
            url = f"https://127.0.0.1:{server.port}/jwks.json"
            try:
                result = subprocess.run([jot, "token", "verify", token, "--jwks-url", url, "--jwks-ca-file", ca_file],
                                        capture_output=True, text=True, timeout=30)
                check(result.returncode != 0 and reason in result.stderr, f"{name}: jot token verify says '{reason}': {result.stderr.strip()[:220]}")
                bad_port = free_port()
                bad_service = Process("pangolin-bad", [service, "--issuer", base, "--jwks-url", url, "--jwks-ca-file", ca_file,
                                                       "--port", str(bad_port)], workdir, bad_port)
                try:
                    status, body = request(f"http://127.0.0.1:{bad_port}/healthz", None)
                    check(status == 503 and reason in body.decode(), f"{name}: pangolin-service /healthz says '{reason}': {body[:240]!r}")
                    check(reason in bad_service.output(), f"{name}: pangolin-service logs '{reason}'")
                finally:
                    bad_service.stop()
            finally:
                server.stop()
    finally:
        for process in processes:
            process.stop()
        if check.failed:
            for process in processes:
                print(process.output()[-3000:])
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
