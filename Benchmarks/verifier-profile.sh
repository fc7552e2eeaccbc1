#!/usr/bin/env bash
# Where a protected request's time goes (issue 12 §8): perf samples of a release pangolin-service under wrk.
#
# One release `jot serve --alg ALG` issues a token; one release `pangolin-service` (token cache off, pinned to the
# last core) is loaded by wrk (pinned to core 0) on GET /pangolins with that token, then on GET /cats, while
# `perf record` (software clock, call graphs) samples it; the report lists the symbols with the most samples
# (self time), Swift names demangled. Needs perf (Debian: linux-perf) and wrk. Holds the shared build lock while it
# measures (JOT_BENCH_NO_LOCK=1 skips it).
#
# Usage: Benchmarks/verifier-profile.sh [--no-build] [--alg ES256] [--duration 10s] [--top 40] [--token-cache N]
# (--token-cache N turns the service's verified-token cache on, to profile a cache hit.)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
build=1 alg=ES256 duration=10s top=40 token_cache=0
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --alg) alg="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --top) top="$2"; shift 2 ;;
    --token-cache) token_cache="$2"; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
require_wrk
command -v perf >/dev/null || { echo "perf is missing (Debian: apt-get install -y linux-perf)" >&2; exit 1; }
bin="$root/.build-release/release"
[ "$build" = 0 ] || build_release jot pangolin-service
require_release jot pangolin-service
hold_build_lock

server_cpu=$(( $(nproc) - 1 ))
work="$(mktemp -d /tmp/jot-verifier-profile.XXXXXX)"
issuer_pid="" service_pid=""
trap 'stop_pid "$service_pid"; stop_pid "$issuer_pid"; rm -rf "$work"' EXIT

port="$(free_port)"
issuer="http://127.0.0.1:$port"
LOG_LEVEL=warning taskset -c "$server_cpu" "$bin/jot" serve --demo --host 127.0.0.1 --port "$port" --alg "$alg" \
  --bcrypt-cost 4 --audience pangolin-service --token-ttl 3600 --keys "$work/keys" --database "$work/users.sqlite" \
  </dev/null >"$work/issuer.log" 2>&1 &
issuer_pid=$!
wait_healthy "$issuer/healthz" "$issuer_pid" "$work/issuer.log"
token="$(curl -fsS --max-time 30 -H 'Content-Type: application/json' \
  -d '{"username":"Cthon98","password":"hunter2","audience":"pangolin-service"}' "$issuer/sessions" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"

port="$(free_port)"
service="http://127.0.0.1:$port"
taskset -c "$server_cpu" "$bin/pangolin-service" --issuer "$issuer" --port "$port" --log-level warning --token-cache "$token_cache" \
  </dev/null >"$work/service.log" 2>&1 &
service_pid=$!
wait_healthy "$service/healthz" "$service_pid" "$work/service.log"

profile() { # profile LABEL PATH [wrk options…]
  local label="$1" path="$2"
  shift 2
  taskset -c 0 wrk -t1 -c32 -d3s "$@" "$service$path" >/dev/null  # warm up
  perf record -q -F 1999 -g -p "$service_pid" -o "$work/$label.data" -- sleep "${duration%s}" 2>/dev/null &
  local perf_pid=$!
  local out
  out="$(taskset -c 0 wrk -t1 -c32 -d"$duration" "$@" "$service$path")"
  wait "$perf_pid" || true
  echo "== $label: $(awk '/^Requests\/sec:/ {print $2}' <<<"$out") req/s"
  perf report -i "$work/$label.data" --no-children --sort symbol --stdio 2>/dev/null >"$work/$label.txt" || true
  grep -E '^ +[0-9.]+%' "$work/$label.txt" | sed -n "1,${top}p" | sed 's/ \{2,\}-  *- *$//' | swift demangle --simplified
}

machine_line
echo "release pangolin-service (token cache $([ "$token_cache" = 0 ] && echo off || echo "$token_cache entries")), $alg token of ${#token} bytes; wrk -t1 -c32 -d$duration; perf -F 1999 (self time)"
profile pangolins /pangolins -H "Authorization: Bearer $token"
profile cats /cats
