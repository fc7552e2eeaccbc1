#!/usr/bin/env python3
"""End-to-end checks of issue 9 against a real `jot serve` (loopback only, standard library only).

half-sent header closed within the header timeout; idle keep-alive closed; 1,100 idle connections against a server
limited to 1,024 open files while a new client's JWKS request answers in < 1 s; login throttling (429, Retry-After,
/metrics); /healthz degraded with a broken key directory and ok again; operator input refused naming the flag;
SIGTERM with a stuck client exits 0 within the grace period and says how many requests it cut.
"""
import argparse, json, os, re, resource, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request, urllib.error

from e2e import Checks, ServerProcess, free_port

check = Checks()


def jot_server(jot, workdir, args, nofile=None):
    """`jot serve --demo` on a free port with its own key directory (under `prlimit --nofile` when asked)."""
    port = free_port()
    command = [jot, "serve", "--keys", os.path.join(workdir, "Keys"), "--port", str(port), "--demo", "--bcrypt-cost", "4"] + args
    if nofile:
        command = ["prlimit", f"--nofile={nofile}:{nofile}", "--"] + command
    return ServerProcess("serve", command, workdir, port)


def request(url, body=None, timeout=5):
    data = json.dumps(body).encode() if body is not None else None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def closed_after(port, payload):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(payload)
    started = time.time()
    data = b""
    s.settimeout(30)
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return time.time() - started, data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jot", required=True)
    jot = os.path.abspath(parser.parse_args().jot)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    workdir = tempfile.mkdtemp(prefix="jot-hardening-")
    try:
        # Operator input.
        for args, expected in [
            (["--port", "70000"], "--port 70000 is out of range: use 0–65535"),
            (["--token-ttl", "999999999999"], "--token-ttl 999999999999 is out of range"),
            (["--issuer", "javascript:alert(1)"], "--issuer 'javascript:alert(1)' is not an absolute URL"),
            (["--audience", ""], "--audience '' is empty"),
        ]:
            result = subprocess.run([jot, "serve", "--keys", os.path.join(workdir, "Keys")] + args, capture_output=True, text=True, timeout=30)
            check(result.returncode != 0 and expected in result.stderr, f"jot serve {' '.join(args)!s} refused: {result.stderr.strip()[:100]}")

        server = jot_server(jot, workdir, ["--header-timeout", "2", "--idle-timeout", "3", "--shutdown-grace", "2", "--login-user-burst", "3"])
        try:
            elapsed, data = closed_after(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            check(data == b"" and 1.5 <= elapsed <= 4, f"half-sent header closed after {elapsed:.2f} s (header timeout 2 s)")
            elapsed, data = closed_after(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            check(data.startswith(b"HTTP/1.1 200") and 2.5 <= elapsed <= 5, f"idle keep-alive closed after {elapsed:.2f} s (idle timeout 3 s)")

            statuses = [request(server.url("/sessions"), {"username": "Cthon98", "password": "wrong"})[0] for _ in range(4)]
            status, headers, body = request(server.url("/sessions"), {"username": "Cthon98", "password": "hunter2"})
            check(statuses[:3] == [401, 401, 401] and statuses[3] == 429, f"wrong passwords: {statuses}")
            check(status == 429 and headers.get("Retry-After") and b"too many failed logins" in body, f"throttled login: {status} Retry-After {headers.get('Retry-After')}")
            check(request(server.url("/sessions"), {"username": "AzureDiamond", "password": "*********"})[0] == 200, "another user still logs in")
            metrics = request(server.url("/metrics"))[2].decode()
            check('jot_login_failures_total{reason="throttled_user"}' in metrics, "throttled logins counted in /metrics")

            manifest = os.path.join(workdir, "Keys", "manifest.json")
            shutil.copy(manifest, manifest + ".bak")
            with open(manifest, "w") as f:
                f.write("{broken")
            time.sleep(2.5)
            status, _, body = request(server.url("/healthz"))
            check(status == 200 and json.loads(body)["status"] == "degraded", f"broken key directory: /healthz {status} {body[:120]!r}")
            os.replace(manifest + ".bak", manifest)
            time.sleep(2.5)
            status, _, body = request(server.url("/healthz"))
            check(status == 200 and json.loads(body)["status"] == "ok", f"restored key directory: /healthz {status} {body[:60]!r}")
            check(server.output().count("issuer healthy again") == 1, "recovery logged once")

            stuck = socket.create_connection(("127.0.0.1", server.port))
            stuck.sendall(b"POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"user")
            time.sleep(0.3)
            started = time.time()
            server.process.send_signal(signal.SIGTERM)
            try:
                code = server.process.wait(10)
            except subprocess.TimeoutExpired:
                code = None
            elapsed = time.time() - started
            check(code == 0 and elapsed < 2 + 2, f"SIGTERM with a stuck client: exit {code} after {elapsed:.2f} s (grace 2 s)")
            check(re.search(r"http.requests_cut=1\b", server.output()) is not None, "says how many requests it cut")
            stuck.close()
        finally:
            server.stop()

        server = jot_server(jot, workdir, [], nofile=1024)
        try:
            idle = []
            for _ in range(1100):
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex(("127.0.0.1", server.port))
                idle.append(s)
            time.sleep(1)
            started = time.time()
            status, _, _ = request(server.url("/.well-known/jwks.json"), timeout=10)
            elapsed = time.time() - started
            check(status == 200 and elapsed < 1, f"1,100 idle connections at ulimit -n 1024: JWKS {status} in {elapsed * 1000:.0f} ms")
            for s in idle:
                s.close()
            time.sleep(0.5)
            check(request(server.url("/healthz"))[0] == 200, "still serving after the flood")
        finally:
            server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(check.summary())


if __name__ == "__main__":
    main()
