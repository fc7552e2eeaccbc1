#!/usr/bin/env bash
# Verifier benchmarks (issue 4 §6): the release `pangolin-service` measured with wrk.
#
# For each algorithm (ES256 and RS256 keys from the issuer's JWKS; HS256 with the shared secret, --secret-env) and
# with the verified-token cache off and on (--token-cache 10000), one pangolin-service is started and measured:
#   GET /pangolins with one repeated valid token (scope pangolins, 200) against its own public GET /cats (200),
# runs interleaved, median req/s of RUNS runs each, ratio pangolins ÷ cats. Goal: ≥ 0.8× for ES256 with the cache on.
#
# By default the service (and the idle issuer) run on the last core and wrk (-t1) on core 0 (`taskset`), so the
# service has exactly one core and runs are repeatable; --no-pin lets the scheduler place them (wrk -t2), which on
# 2 cores in a VM varies by ±20 % from run to run. Every process gets a fresh temporary key directory and user
# database and is killed on exit. wrk comes from Debian
# (apt-get install wrk); CI does not need it: these benchmarks are not part of scripts/run-tests.
#
# Each service runs with each executor of --executors: `nio` (the default of every Jot server: Swift concurrency on
# NIO's event loops, ServerSupport's ServerExecutor) and `swift` (JOT_EXECUTOR=swift: Swift's cooperative pool, the
# default of a Hummingbird application). The table also gives the per-request cost of verification in the server,
# 1/(pangolins req/s) − 1/(cats req/s), and with --micro the microbenchmark's `Jot verify` (Benchmarks/run.sh) for the
# same algorithms, measured in the same run after the services, and the ratio of the two. --routes adds the
# in-process RouteBenchmarks (router, middleware and verifier of pangolin-service without sockets, ES256): the part of
# the difference that is Jot's and Hummingbird's code rather than the kernel's, the executor's or wrk's.
#
# Usage: Benchmarks/verifier-bench.sh [--no-build] [--no-pin] [--runs N] [--duration 10s] [--threads N]
#                                     [--connections 32] [--algs "ES256 RS256 HS256"] [--caches "off on"]
#                                     [--executors "nio swift"] [--micro] [--routes]
# The release builds take the shared build lock (/tmp/jot-build.lock), and so do the measurements (about 11 minutes
# with the defaults), so that no build competes with them; JOT_BENCH_NO_LOCK=1 measures without the lock.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
build=1 pin=1 runs=5 duration=10s threads="" connections=32 algs="ES256 RS256 HS256" caches="off on" executors="nio swift"
micro=0 routes=0
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --no-pin) pin=0; shift ;;
    --runs) runs="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --algs) algs="$2"; shift 2 ;;
    --caches) caches="$2"; shift 2 ;;
    --executors) executors="$2"; shift 2 ;;
    --micro) micro=1; shift ;;
    --routes) routes=1; shift ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
require_wrk
if [ "$pin" = 1 ] && { ! command -v taskset >/dev/null || [ "$(nproc)" -lt 2 ]; }; then
  echo "note: taskset missing or a single core: not pinning" >&2; pin=0
fi
if [ "$pin" = 1 ]; then
  server_cpu=$(( $(nproc) - 1 ))
  on_server=(taskset -c "$server_cpu") on_client=(taskset -c 0)
  threads="${threads:-1}"
else
  on_server=() on_client=()
  threads="${threads:-2}"
fi

bin="$root/.build-release/release"
[ "$build" = 0 ] || build_release jot pangolin-service
require_release jot pangolin-service
if [ "$micro" = 1 ]; then
  [ "$build" = 0 ] || build_benchmark JotBenchmarks
  micro_bin="$(benchmark_bin JotBenchmarks)"
fi
if [ "$routes" = 1 ]; then
  [ "$build" = 0 ] || build_benchmark RouteBenchmarks
  routes_bin="$(benchmark_bin RouteBenchmarks)"
fi
hold_build_lock

work="$(mktemp -d /tmp/jot-verifier-bench.XXXXXX)"
issuer_pid="" service_pid=""
trap 'stop_pid "$service_pid"; stop_pid "$issuer_pid"; rm -rf "$work"' EXIT

# A 48-byte secret for the HS256 runs (never printed).
JWT_SECRET="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
export JWT_SECRET

start_issuer() { # start_issuer ALG: sets $issuer and $issuer_pid
  local alg="$1" dir port
  dir="$(mktemp -d "$work/issuer.XXXXXX")"
  port="$(free_port)"
  issuer="http://127.0.0.1:$port"
  LOG_LEVEL=warning "${on_server[@]}" "$bin/jot" serve --demo --host 127.0.0.1 --port "$port" --alg "$alg" --bcrypt-cost 4 \
    --audience pangolin-service --token-ttl 3600 --keys "$dir/keys" --database "$dir/users.sqlite" \
    </dev/null >"$dir/issuer.log" 2>&1 &
  issuer_pid=$!
  wait_healthy "$issuer/healthz" "$issuer_pid" "$dir/issuer.log"
}

start_service() { # start_service ALG CACHE EXECUTOR: sets $service and $service_pid
  local alg="$1" cache="$2" executor="$3" port log
  port="$(free_port)"
  service="http://127.0.0.1:$port"
  log="$work/pangolin-$alg-$cache-$executor.log"
  local extra=()
  [ "$alg" = HS256 ] && extra+=(--secret-env JWT_SECRET)
  [ "$cache" = on ] && extra+=(--token-cache 10000)
  JOT_EXECUTOR="$executor" "${on_server[@]}" "$bin/pangolin-service" --issuer "$issuer" --port "$port" \
    --log-level warning "${extra[@]}" </dev/null >"$log" 2>&1 &
  service_pid=$!
  wait_healthy "$service/healthz" "$service_pid" "$log"
}

login() { # prints a token for Cthon98 with aud pangolin-service
  curl -fsS --max-time 30 -H 'Content-Type: application/json' \
    -d '{"username":"Cthon98","password":"hunter2","audience":"pangolin-service"}' "$issuer/sessions" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

token_header() { python3 -c 'import base64, json, sys; h = sys.argv[1].split(".")[0]; print(json.dumps(json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4))), sort_keys=True))' "$1"; }

expect_status() { # expect_status CODE URL [curl options…]
  local code="$1" url="$2" got
  shift 2
  got="$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$@" "$url")"
  [ "$got" = "$code" ] || { echo "expected $code from $url, got $got" >&2; exit 1; }
}

# wrk_rps URL [wrk options…]: one wrk run; prints req/s; fails on socket errors or non-2xx/3xx answers.
wrk_rps() {
  local url="$1" out
  shift
  out="$("${on_client[@]}" wrk -t"$threads" -c"$connections" -d"$duration" --latency "$@" "$url")"
  if grep -q "Non-2xx or 3xx responses" <<<"$out"; then
    echo "wrk saw failed answers for $url:" >&2; printf '%s\n' "$out" >&2; exit 1
  fi
  if grep -q "Socket errors" <<<"$out"; then
    echo "note: socket errors for $url: $(grep 'Socket errors' <<<"$out")" >&2
  fi
  awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}


echo "# Verifier benchmarks (pangolin-service)"
echo
machine_line
echo "- $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2); wrk -t$threads -c$connections -d$duration, $runs runs per figure (routes interleaved), median req/s"
echo "- tree: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$([ -z "$(git -C "$root" status --porcelain -- Sources Examples 2>/dev/null)" ] || echo ' + uncommitted changes')"
echo "- load average before measuring: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- release \`pangolin-service --log-level warning\` verifying tokens of a release \`jot serve --alg ALG\` (idle during the runs)"
if [ "$pin" = 1 ]; then
  echo "- pinned: service and issuer on core $server_cpu, wrk on core 0 (taskset)"
else
  echo "- not pinned: wrk and the service share the same $(nproc) cores"
fi
echo
echo "| Token | verified-token cache | executor | GET /cats req/s (baseline) | GET /pangolins req/s | /pangolins ÷ /cats | verification in the server, µs/request | runs (cats; pangolins) |"
echo "|---|---|---|---:|---:|---:|---:|---|"
overheads=""
for alg in $algs; do
  start_issuer "$alg"
  token="$(login)"
  header="$(token_header "$token")"
  grep -q "\"alg\": \"$alg\"" <<<"$header" || { echo "the $alg issuer signed a token with header $header" >&2; exit 1; }
  for cache in $caches; do
  for executor in $executors; do
    start_service "$alg" "$cache" "$executor"
    expect_status 200 "$service/cats"
    expect_status 200 "$service/pangolins" -H "Authorization: Bearer $token"
    expect_status 401 "$service/pangolins" -H "Authorization: Bearer ${token%?}"  # tampered signature
    "${on_client[@]}" wrk -t"$threads" -c"$connections" -d2s "$service/cats" >/dev/null  # warm-up
    "${on_client[@]}" wrk -t"$threads" -c"$connections" -d2s -H "Authorization: Bearer $token" "$service/pangolins" >/dev/null
    cats="" pangolins=""
    for _ in $(seq "$runs"); do
      cats+=" $(wrk_rps "$service/cats")"
      pangolins+=" $(wrk_rps "$service/pangolins" -H "Authorization: Bearer $token")"
    done
    c_med="$(median <<<"$cats")" p_med="$(median <<<"$pangolins")"
    ratio="$(awk -v p="$p_med" -v c="$c_med" 'BEGIN {printf "%.2f", p/c}')"
    if [ "$cache" = on ]; then
      stats="$(curl -fsS --max-time 5 "$service/healthz" | python3 -c 'import json, sys; c = json.load(sys.stdin)["token_cache"]; print("%d hits, %d misses" % (c["hits"], c["misses"]))')"
      cache_label="on (10 000 entries; $stats)"
    else
      cache_label="off"
    fi
    overhead="$(awk -v p="$p_med" -v c="$c_med" 'BEGIN {printf "%.1f", 1e6/p - 1e6/c}')"
    [ "$cache" = on ] || overheads+="$alg $executor $overhead"$'\n'
    echo "| $alg ($(wc -c <<<"$token" | awk '{print $1 - 1}') bytes) | $cache_label | $executor | $(printf '%.0f' "$c_med") | $(printf '%.0f' "$p_med") | **$ratio×** | $overhead | $(list <<<"$cats"); $(list <<<"$pangolins") |"
    stop_pid "$service_pid"; service_pid=""
  done
  done
  stop_pid "$issuer_pid"; issuer_pid=""
done
echo
echo "load average after measuring: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$micro" = 1 ]; then
  # The microbenchmark on the server's core, right after the services: `Jot verify` ns/op per algorithm.
  micro_algs="$(tr ' ' ',' <<<"$algs")"
  "${on_server[@]}" "$micro_bin" --runs "$runs" --algorithms "$micro_algs" >"$work/micro.txt"
  echo
  echo "| Token | executor | verification in the server, µs/request (cache off) | microbenchmark \`Jot verify\`, µs | server ÷ microbenchmark |"
  echo "|---|---|---:|---:|---:|"
  while read -r alg executor overhead; do
    [ -n "$alg" ] || continue
    ns="$(awk -F'|' -v a=" $alg " '$2 == a && $3 ~ /Jot verify/ {gsub(/[ ,]/, "", $4); print $4}' "$work/micro.txt")"
    [ -n "$ns" ] || { echo "no 'Jot verify' figure for $alg in the microbenchmark output:" >&2; cat "$work/micro.txt" >&2; exit 1; }
    echo "| $alg | $executor | $overhead | $(awk -v n="$ns" 'BEGIN {printf "%.1f", n/1000}') | **$(awk -v o="$overhead" -v n="$ns" 'BEGIN {printf "%.2f", o*1000/n}')×** |"
  done <<<"$overheads"
fi
if [ "$routes" = 1 ]; then
  echo
  "${on_server[@]}" "$routes_bin" --runs "$runs" | sed 's/^# /### /'
fi
