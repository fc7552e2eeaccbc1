#!/usr/bin/env bash
# OAuth token endpoint benchmark (issue 10): the release `jot serve` (ES256, SQLite) measured with wrk.
#
#   (a) POST /oauth/token (grant_type=client_credentials, client_secret_basic) req/s against
#       GET /.well-known/jwks.json req/s of the same server, in the same run (routes interleaved);
#   (b) where a token request's time goes: client authentication (ClientRegistry.authenticate on the SQLite table,
#       in process), signing (TokenMinter.mint ES256, in process), and the rest (HTTP, form parsing, routing, JSON):
#       shares of the server's time per request (1 / req/s on its one core).
#
# The server is pinned to core 0 and wrk (one thread) to core 1 (taskset), so the server's core is saturated and
# 1 / req/s is its time per request. Median of RUNS runs. wrk from Debian (apt-get install wrk).
#
# Usage: Benchmarks/oauth-bench.sh [--no-build] [--runs 3] [--duration 10s] [--connections 32]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
build=1 runs=3 duration=10s connections=32
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --runs) runs="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
require_wrk
if [ "$build" = 1 ]; then
  build_release jot
  build_benchmark IssuerBenchmarks
fi
require_release jot
jot="$root/.build-release/release/jot"
bench="$(benchmark_bin IssuerBenchmarks)"
hold_build_lock

work="$(mktemp -d /tmp/jot-oauth-bench.XXXXXX)"
pid=""
trap 'stop_pid "$pid"; rm -rf "$work"' EXIT
export JOT_KEYS="$work/keys" JOT_DATABASE="$work/jot.sqlite"
secret="$("$jot" clients add bench --scopes pangolins 2>/dev/null | sed -n 's/^client_secret: //p')"
port="$(free_port)"
base="http://127.0.0.1:$port"
LOG_LEVEL=warning taskset -c 0 "$jot" serve --port "$port" </dev/null >"$work/server.log" 2>&1 &
pid=$!
wait_healthy "$base/healthz" "$pid" "$work/server.log"

basic="$(printf '%s' "bench:$secret" | base64 -w0)"
cat >"$work/token.lua" <<LUA
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $basic"
LUA
curl -fsS -o /dev/null -X POST -u "bench:$secret" -d grant_type=client_credentials "$base/oauth/token" \
  || { echo "the token request fails; see $work/server.log" >&2; exit 1; }

wrk_rps() { # URL [options]: one run's req/s; fails on non-2xx answers
  local url="$1" out; shift
  out="$(taskset -c 1 wrk -t1 -c"$connections" -d"$duration" "$@" "$url")"
  if grep -q "Non-2xx" <<<"$out"; then echo "wrk saw failed answers for $url:" >&2; printf "%s\n" "$out" >&2; exit 1; fi
  awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}
taskset -c 1 wrk -t1 -c8 -d2s -s "$work/token.lua" "$base/oauth/token" >/dev/null
token="" jwks=""
for _ in $(seq "$runs"); do
  token+=" $(wrk_rps "$base/oauth/token" -s "$work/token.lua")"
  jwks+=" $(wrk_rps "$base/.well-known/jwks.json")"
done
stop_pid "$pid"
pid=""

auth="$(taskset -c 0 "$bench" --client-auth | awk '$2 == "sqlite" {print $3}')"
sign="$(taskset -c 0 "$bench" --algorithms ES256 --runs 5 | awk -F'|' '/TokenMinter.mint \(as POST/ {gsub(/[ ]/, "", $4); print $4}')"
t="$(median <<<"$token")" j="$(median <<<"$jwks")"
per_request="$(awk -v r="$t" 'BEGIN {printf "%.0f", 1e9 / r}')"

echo "## OAuth token endpoint ($(date -u +%Y-%m-%d), tree $(git -C "$root" rev-parse --short HEAD))"
machine_line
echo "- release jot serve (ES256, SQLite) on core 0, wrk -t1 -c$connections -d$duration on core 1; $runs runs, median req/s"
echo
echo "| route | req/s (runs) |"
echo "|---|---|"
printf '| POST /oauth/token (client_credentials, Basic) | %.0f (%s) |\n' "$t" "$(list <<<"$token")"
printf '| GET /.well-known/jwks.json | %.0f (%s) |\n' "$j" "$(list <<<"$jwks")"
printf '| token ÷ JWKS | %.2f× |\n' "$(awk -v a="$t" -v b="$j" 'BEGIN {print a/b}')"
echo
awk -v total="$per_request" -v auth="$auth" -v sign="$sign" 'BEGIN {
  rest = total - auth - sign
  printf "- per token request: %.1f µs of server time; client authentication (SQLite lookup + HMAC) %.1f µs (%.0f %%), ", total/1000, auth/1000, 100*auth/total
  printf "ES256 signing (TokenMinter.mint) %.1f µs (%.0f %%), HTTP, form, routing and JSON %.1f µs (%.0f %%)\n", sign/1000, 100*sign/total, rest/1000, 100*rest/total
}'
