#!/usr/bin/env bash
# Issue 9 measurements (hardening): a release `jot serve` on loopback, driven by Benchmarks/hardening-bench.py.
#
#   (a) 1,100 idle connections against a server started with `prlimit --nofile=1024:1024`: a new client's JWKS latency,
#       and the server's RSS idle, during and 5 s after the flood;
#   (b) 200 concurrent wrong-password clients for 10 s (default throttling, then throttling off so that only the bcrypt
#       concurrency limit protects the server): JWKS p50/p99 from a separate process, and another user's login from
#       127.0.0.2 (another client address);
#   (c) failed-login latency at server cost 12 for an unknown user and for users with cost-4 and cost-14 hashes.
#
# The client and the server share the machine (2 cores here). Not part of scripts/run-tests.
# Usage: Benchmarks/hardening-bench.sh [--no-build] [--runs N] [--seconds S]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build=1
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
cd "$root"
if [ "$build" = 1 ]; then
  flock /tmp/jot-build.lock swift build -c release --scratch-path .build-release --product jot
fi
exec python3 Benchmarks/hardening-bench.py --jot .build-release/release/jot "${args[@]}"
