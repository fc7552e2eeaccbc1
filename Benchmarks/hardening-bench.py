#!/usr/bin/env python3
"""Issue 9 measurements against a release `jot serve` (loopback, standard library only). See hardening-bench.sh."""
import argparse, json, os, resource, signal, socket, statistics, subprocess, sys, tempfile, threading, time, urllib.request, urllib.error

PROBE = r'''
import sys, time, http.client, json
port, seconds = int(sys.argv[1]), float(sys.argv[2])
samples = []
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
end = time.time() + seconds
while time.time() < end:
    started = time.perf_counter()
    connection.request("GET", "/.well-known/jwks.json")
    response = connection.getresponse(); response.read()
    samples.append((time.perf_counter() - started) * 1000)
    time.sleep(0.01)
print(json.dumps(samples))
'''


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(jot, workdir, args, nofile=None):
    port = free_port()
    log = open(os.path.join(workdir, f"serve-{port}.log"), "w")
    command = [jot, "serve", "--keys", os.path.join(workdir, "Keys"), "--database", os.path.join(workdir, "users.sqlite"), "--port", str(port), "--demo"] + args
    if nofile:
        command = ["prlimit", f"--nofile={nofile}:{nofile}", "--"] + command
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, LOG_LEVEL="warning"))
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    raise SystemExit("jot serve did not start")


def stop(process):
    process.send_signal(signal.SIGINT)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


def rss_mib(process):
    # prlimit execs jot, so the pid is jot's.
    with open(f"/proc/{process.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def login(port, username, password, source="127.0.0.1"):
    body = json.dumps({"username": username, "password": password}).encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=60, source_address=(source, 0))
    started = time.perf_counter()
    s.sendall(b"POST /sessions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return int(data.split(b" ", 2)[1]) if data else 0, time.perf_counter() - started


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def idle_flood(jot, workdir):
    process, port = start(jot, workdir, [], nofile=1024)
    try:
        idle_rss = rss_mib(process)
        sockets = []
        for _ in range(1100):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            sockets.append(s)
        time.sleep(2)
        timings = []
        for _ in range(20):
            started = time.perf_counter()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/.well-known/jwks.json", timeout=10) as r:
                r.read()
            timings.append((time.perf_counter() - started) * 1000)
        flood_rss = rss_mib(process)
        for s in sockets:
            s.close()
        time.sleep(5)
        after_rss = rss_mib(process)
        print(f"1,100 idle connections, ulimit -n 1024: new client's JWKS median {statistics.median(timings):.1f} ms, "
              f"max {max(timings):.1f} ms (goal < 1000 ms); RSS idle {idle_rss:.1f} MiB, during {flood_rss:.1f} MiB, 5 s after {after_rss:.1f} MiB")
    finally:
        stop(process)


def login_flood(jot, workdir, label, args, seconds=10, clients=200):
    process, port = start(jot, workdir, args)
    try:
        stop_at = time.time() + seconds
        statuses = {}
        lock = threading.Lock()

        def flood(index):
            while time.time() < stop_at:
                try:
                    status, _ = login(port, f"Cthon98" if index % 2 else f"nobody{index}", "wrong")
                except OSError:
                    status = -1
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1

        probe = subprocess.Popen([sys.executable, "-c", PROBE, str(port), str(seconds - 1)], stdout=subprocess.PIPE, text=True)
        threads = [threading.Thread(target=flood, args=(i,), daemon=True) for i in range(clients)]
        for t in threads:
            t.start()
        time.sleep(2)
        other, other_time = login(port, "AzureDiamond", "*********", source="127.0.0.2")
        samples = json.loads(probe.communicate()[0])
        for t in threads:
            t.join()
        print(f"{label}: {clients} concurrent wrong-password clients for {seconds} s → {dict(sorted(statuses.items()))}; "
              f"JWKS p50 {percentile(samples, 50):.1f} ms, p99 {percentile(samples, 99):.1f} ms over {len(samples)} requests (goal p99 < 50 ms); "
              f"AzureDiamond from 127.0.0.2: {other} in {other_time * 1000:.0f} ms")
    finally:
        stop(process)


def failed_login_timing(jot, workdir, server_cost, runs):
    database = os.path.join(workdir, "users.sqlite")
    for name, cost in (("cost4", 4), ("cost14", 14)):
        subprocess.run([jot, "users", "add", name, "--password-stdin", "--bcrypt-cost", str(cost), "--keys", os.path.join(workdir, "Keys"), "--database", database],
                       input="the right one\n", text=True, check=True, capture_output=True)
    process, port = start(jot, workdir, ["--bcrypt-cost", str(server_cost), "--login-ip-burst", "10000", "--login-user-burst", "1000"])
    try:
        for name in ("nobody", "cost4", "cost14"):  # warm-up: the dummy hash, and the costliest check seen
            login(port, name, "wrong")
        medians = {}
        for name in ("nobody", "cost4", "cost14"):
            medians[name] = statistics.median(login(port, name, "wrong")[1] * 1000 for _ in range(runs))
        ratio = max(medians.values()) / min(medians.values())
        print(f"failed-login latency, server cost {server_cost}, median of {runs}: unknown user {medians['nobody']:.0f} ms, "
              f"cost-4 hash {medians['cost4']:.0f} ms, cost-14 hash {medians['cost14']:.0f} ms → max/min {ratio:.2f}× (goal < 1.5×)")
    finally:
        stop(process)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jot", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    options = parser.parse_args()
    jot = os.path.abspath(options.jot)
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    for step in (
        lambda d: idle_flood(jot, d),
        lambda d: login_flood(jot, d, "login flood, default throttling, bcrypt cost 12", [], options.seconds),
        lambda d: login_flood(jot, d, "login flood, token buckets off (2 checks in flight per address and the bcrypt concurrency limit remain), bcrypt cost 12",
                              ["--login-ip-burst", "1000000", "--login-user-burst", "10000", "--login-ip-refill", "0", "--login-user-refill", "0"], options.seconds),
        lambda d: failed_login_timing(jot, d, 12, options.runs),
    ):
        with tempfile.TemporaryDirectory(prefix="jot-hardening-bench-") as workdir:
            step(workdir)


if __name__ == "__main__":
    main()
