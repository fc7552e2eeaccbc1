#!/usr/bin/env bash
# Issuer benchmarks (issue 3 §7): the release `jot serve` measured with wrk, plus token signing in-process.
#
#   (a) GET /.well-known/jwks.json req/s against GET /healthz of the same server (goal: JWKS ≥ 0.8× healthz);
#   (b) POST /sessions req/s (Cthon98/hunter2, wrk Lua script) at each bcrypt cost, one fresh server per cost;
#   (c) TokenMinter.mint against the raw swift-crypto sign primitive (IssuerBenchmarks, goal ≤ 1.2× for ES256);
#   (d) VmRSS / VmHWM of `jot serve` (from /proc/PID/status) idle, after the GET runs and after the POST runs.
#
# wrk and the server share the machine: on 2 cores the figures are the pair's, not the server's alone.
# Each measurement is RUNS wrk runs (routes interleaved), the median req/s reported. Every server gets a fresh
# temporary key directory and user database and is killed on exit. wrk comes from Debian (apt-get install wrk);
# the CI does not need it: these benchmarks are not part of scripts/run-tests.
#
# Usage: Benchmarks/issuer-bench.sh [--no-build] [--runs N] [--duration 10s] [--threads 2] [--connections 32]
#                                   [--costs "12 10 4"] [--alg ES256] [--log-level warning] [--skip-signing]
# The release builds take the shared build lock (/tmp/jot-build.lock), and so do the measurements (about 5 minutes
# with the defaults), so that no build competes with them; JOT_BENCH_NO_LOCK=1 measures without the lock.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
build=1 runs=3 duration=10s threads=2 connections=32 costs="12 10 4" alg=ES256 log_level=warning signing=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --runs) runs="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --costs) costs="$2"; shift 2 ;;
    --alg) alg="$2"; shift 2 ;;
    --log-level) log_level="$2"; shift 2 ;;
    --skip-signing) signing=0; shift ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
require_wrk

jot="$root/.build-release/release/jot"
if [ "$build" = 1 ]; then
  build_release jot
  if [ "$signing" = 1 ]; then build_benchmark IssuerBenchmarks; fi
fi
require_release jot
if [ "$signing" = 1 ]; then bench="$(benchmark_bin IssuerBenchmarks)"; fi

hold_build_lock

work="$(mktemp -d /tmp/jot-issuer-bench.XXXXXX)"
server_pid=""
stop_server() {
  stop_pid "$server_pid"
  server_pid=""
}
trap 'stop_server; rm -rf "$work"' EXIT

# start_server COST: a fresh key directory and database, demo users hashed at COST; sets $server_pid and $base.
start_server() {
  local cost="$1" dir
  dir="$(mktemp -d "$work/server.XXXXXX")"
  local port
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  LOG_LEVEL="$log_level" "$jot" serve --demo --host 127.0.0.1 --port "$port" --alg "$alg" --bcrypt-cost "$cost" \
    --keys "$dir/keys" --database "$dir/users.sqlite" </dev/null >"$dir/server.log" 2>&1 &
  server_pid=$!
  wait_healthy "$base/healthz" "$server_pid" "$dir/server.log"
}

memory() { # "VmRSS / VmHWM" of the server, in MiB
  awk '/^VmRSS:/ {rss=$2} /^VmHWM:/ {hwm=$2} END {printf "%.1f MiB / %.1f MiB", rss/1024, hwm/1024}' "/proc/$server_pid/status"
}

# wait_idle: waits (up to 60 s) until the server stops using CPU. wrk abandons requests still in flight when a run
# ends; with bcrypt the server keeps hashing them for seconds, which would eat into the next run's window.
wait_idle() {
  local before after
  for _ in $(seq 120); do
    before="$(awk '{print $14 + $15}' "/proc/$server_pid/stat")"
    sleep 0.5
    after="$(awk '{print $14 + $15}' "/proc/$server_pid/stat")"
    [ $((after - before)) -le 2 ] && return 0
  done
  echo "note: the server was still busy after 60 s" >&2
}

# wrk_rps URL [wrk options…]: one wrk run; prints req/s; fails on socket errors or non-2xx/3xx answers.
wrk_rps() {
  local url="$1" out
  shift
  wait_idle
  out="$(wrk -t"$threads" -c"$connections" -d"$duration" --latency "$@" "$url")"
  printf '%s\n' "$out" >>"$work/wrk.log"
  if grep -q "Non-2xx or 3xx responses" <<<"$out"; then
    echo "wrk saw failed answers for $url:" >&2; printf '%s\n' "$out" >&2; exit 1
  fi
  if grep -q "Socket errors" <<<"$out"; then
    echo "note: socket errors for $url: $(grep 'Socket errors' <<<"$out")" >&2
  fi
  awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}


cat >"$work/sessions.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"username":"Cthon98","password":"hunter2"}'
wrk.headers["Content-Type"] = "application/json"
LUA

echo "# Issuer benchmarks"
echo
machine_line
echo "- $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2); wrk -t$threads -c$connections -d$duration, $runs runs per figure (routes interleaved), median req/s"
echo "- tree: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$([ -z "$(git -C "$root" status --porcelain -- Sources 2>/dev/null)" ] || echo ' + uncommitted changes in Sources/')"
echo "- load average before measuring: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- server: release \`jot serve --demo --alg $alg\`, LOG_LEVEL=$log_level; wrk and the server share the same $(nproc) cores"
echo

# (a) + (d): JWKS against healthz on one server.
start_server 12
jwks_body_bytes="$(curl -fsS --max-time 5 "$base/.well-known/jwks.json" | wc -c)"
etag="$(curl -fsS --max-time 5 -D - -o /dev/null "$base/.well-known/jwks.json" | awk 'tolower($1)=="etag:" {print $2}' | tr -d '\r')"
[ "$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$base/.well-known/jwks.json")" = 304 ] \
  || { echo "the JWKS does not answer 304 to its ETag" >&2; exit 1; }
mem_idle="$(memory)"
wrk -t"$threads" -c"$connections" -d2s "$base/healthz" >/dev/null  # warm-up
wrk -t"$threads" -c"$connections" -d2s "$base/.well-known/jwks.json" >/dev/null
healthz="" jwks="" notmodified=""
for _ in $(seq "$runs"); do
  healthz+=" $(wrk_rps "$base/healthz")"
  jwks+=" $(wrk_rps "$base/.well-known/jwks.json")"
  notmodified+=" $(wrk_rps "$base/.well-known/jwks.json" -H "If-None-Match: $etag")"
done
mem_get="$(memory)"
h_med="$(median <<<"$healthz")" j_med="$(median <<<"$jwks")" n_med="$(median <<<"$notmodified")"
ratio="$(awk -v j="$j_med" -v h="$h_med" 'BEGIN {printf "%.2f", j/h}')"
met="$(awk -v r="$ratio" 'BEGIN {print (r >= 0.8 ? "met" : "NOT met")}')"
echo "## (a) JWKS vs a trivial route of the same server"
echo
echo "| Route | req/s (median) | runs |"
echo "|---|---:|---|"
echo "| GET /healthz (trivial JSON, baseline) | $(printf '%.0f' "$h_med") | $(list <<<"$healthz") |"
echo "| GET /.well-known/jwks.json (200, $jwks_body_bytes-byte body) | $(printf '%.0f' "$j_med") | $(list <<<"$jwks") |"
echo "| GET /.well-known/jwks.json with If-None-Match (304) | $(printf '%.0f' "$n_med") | $(list <<<"$notmodified") |"
echo
echo "JWKS ÷ healthz = **$ratio×** (goal ≥ 0.8×: $met)"
echo

# (b) + (d): POST /sessions, one fresh server per bcrypt cost (the demo users are hashed at that cost).
echo "## (b) POST /sessions (bcrypt verify + ES256 token), by bcrypt cost"
echo
echo "| bcrypt cost | req/s (median) | runs | p50 latency (median run) | VmRSS / VmHWM before | after |"
echo "|---:|---:|---|---:|---|---|"
for cost in $costs; do
  stop_server
  start_server "$cost"
  status="$(curl -s --max-time 30 -o "$work/login.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"username":"Cthon98","password":"hunter2"}' "$base/sessions")"
  [ "$status" = 200 ] && grep -q '"token"' "$work/login.json" || { echo "login at cost $cost: HTTP $status" >&2; exit 1; }
  before="$(memory)"
  sessions="" latencies=""
  for _ in $(seq "$runs"); do
    : >"$work/wrk.log"
    sessions+=" $(wrk_rps "$base/sessions" -s "$work/sessions.lua" --timeout 60s)"
    latencies+=" $(awk '$1=="50%" {print $2}' "$work/wrk.log")"
  done
  s_med="$(median <<<"$sessions")"
  # the p50 of the run whose req/s is the median
  p50="$(paste <(tr ' ' '\n' <<<"$sessions" | grep -v '^$') <(tr ' ' '\n' <<<"$latencies" | grep -v '^$') \
    | awk -v m="$s_med" '$1==m {print $2; exit}')"
  echo "| $cost | $(printf '%.1f' "$s_med") | $(tr ' ' '\n' <<<"$sessions" | grep -v '^$' | awk '{printf "%s%.1f", (NR>1?", ":""), $1}') | ${p50:-n/a} | $before | $(memory) |"
done
[ -n "$costs" ] && mem_post="$(memory)"
stop_server
echo
echo "## (d) Memory of jot serve (VmRSS / VmHWM from /proc/PID/status)"
echo
echo "- idle, after start (cost-12 server): $mem_idle"
echo "- after the $((runs * 3)) GET runs above (+ warm-up), same server: $mem_get"
[ -n "$costs" ] && echo "- after the POST /sessions runs at bcrypt cost ${costs##* } (a fresh server): $mem_post"
echo

if [ "$signing" = 1 ]; then
  echo "## (c) Token signing inside the issuer vs the raw primitive (in-process, no wrk)"
  echo
  "$bench" | sed -n '/^|/,$p'
  echo
fi
echo "load average after measuring: $(cut -d' ' -f1-3 /proc/loadavg)"
