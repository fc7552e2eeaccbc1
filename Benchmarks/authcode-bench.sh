#!/usr/bin/env bash
# Authorization-code benchmarks (issue 11): the release `jot serve` (ES256) on SQLite and on PostgreSQL, measured with
# wrk in one run: POST /oauth/token code exchanges/s (each a fresh code, PKCE-checked, consumed atomically, with a new
# refresh-token family) and refreshes/s (each a fresh refresh token, rotated), beside GET /.well-known/jwks.json of the
# same server. Codes and refresh tokens are prepared first (Benchmarks/authcode-bench.py: one sign-in, then the
# authorization endpoint hands a signed-in session codes straight away); a wrk Lua script sends each one once.
#
# The server is pinned to core 0, wrk (one thread) to core 1. Runs under scripts/with-postgres.
# Usage: Benchmarks/authcode-bench.sh [--no-build] [--duration 5s] [--connections 16] [--count 15000]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
if [ -z "${JOT_TEST_DATABASE_URL:-}" ]; then exec "$root/scripts/with-postgres" "$0" "$@"; fi
# shellcheck source=lib.sh
source "$here/lib.sh"
build=1 duration=5s connections=16 count=15000
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --count) count="$2"; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
require_wrk
[ "$build" = 1 ] && build_release jot
require_release jot
jot="$root/.build-release/release/jot"
python="$root/.venv/bin/python"
hold_build_lock

work="$(mktemp -d /tmp/jot-authcode-bench.XXXXXX)"
pid=""
trap 'stop_pid "$pid"; rm -rf "$work"' EXIT
"$jot" keys generate-kek --out "$work/kek" >/dev/null
redirect="http://127.0.0.1:9/callback"

cat >"$work/grant.lua" <<'LUA'
-- Sends each line of the file once: a code exchange or a refresh, per the GRANT environment variable.
local values, index = {}, 0
for line in io.lines(os.getenv("GRANT_FILE")) do values[#values + 1] = line end
local kind = os.getenv("GRANT")
request = function()
  index = index + 1
  local value = values[index] or "exhausted"
  local body
  if kind == "code" then
    body = "grant_type=authorization_code&client_id=bench&redirect_uri=" .. os.getenv("REDIRECT_ENCODED")
      .. "&code_verifier=benchmark-verifier-benchmark-verifier-benchmark-0123456789&code=" .. value
  else
    body = "grant_type=refresh_token&client_id=bench&refresh_token=" .. value
  end
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
LUA

run_wrk() { # URL [options]: prints "successful-req/s non2xx" (failed answers are not counted as throughput)
  local url="$1" out; shift
  out="$(taskset -c 1 wrk -t1 -c"$connections" -d"$duration" "$@" "$url")"
  local total seconds non
  total="$(awk '/requests in/ {print $1}' <<<"$out")"
  seconds="$(awk '/requests in/ {gsub(/s,/, "", $4); print $4}' <<<"$out")"
  non="$(awk '/Non-2xx/ {print $5}' <<<"$out")"
  echo "$(awk -v t="$total" -v n="${non:-0}" -v s="$seconds" 'BEGIN {printf "%.1f", (t - n) / s}') ${non:-0}"
}

declare -A exchange refresh jwks
for backend in sqlite postgres; do
  if [ "$backend" = sqlite ]; then
    store=(--keys "$work/keys" --database "$work/jot.sqlite")
  else
    store=(--database "$JOT_TEST_DATABASE_URL" --key-encryption-key-file "$work/kek")
  fi
  env -u JOT_TEST_DATABASE_URL "$jot" clients add bench --public --trusted --grant authorization_code --grant refresh_token \
    --redirect-uri "$redirect" --scopes photos:read "${store[@]}" >/dev/null 2>&1
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  env -u JOT_TEST_DATABASE_URL LOG_LEVEL=warning taskset -c 0 "$jot" serve --demo --bcrypt-cost 4 --port "$port" "${store[@]}" \
    </dev/null >"$work/$backend.log" 2>&1 &
  pid=$!
  wait_healthy "$base/healthz" "$pid" "$work/$backend.log"
  "$python" "$here/authcode-bench.py" --issuer "$base" --redirect "$redirect" --count "$count" --refresh --out "$work/refresh"
  refresh[$backend]="$(GRANT=refresh GRANT_FILE="$work/refresh" run_wrk "$base/oauth/token" -s "$work/grant.lua")"
  jwks[$backend]="$(run_wrk "$base/.well-known/jwks.json")"
  # Codes live 60 s: made just before the exchange run.
  "$python" "$here/authcode-bench.py" --issuer "$base" --redirect "$redirect" --count "$count" --out "$work/codes"
  exchange[$backend]="$(GRANT=code GRANT_FILE="$work/codes" REDIRECT_ENCODED="http%3A%2F%2F127.0.0.1%3A9%2Fcallback" \
    run_wrk "$base/oauth/token" -s "$work/grant.lua")"
  stop_pid "$pid"
  pid=""
done

echo "## Authorization code and refresh ($(date -u +%Y-%m-%d), tree $(git -C "$root" rev-parse --short HEAD))"
machine_line
echo "- release jot serve (ES256) on core 0, wrk -t1 -c$connections -d$duration on core 1; each code and refresh token used once"
echo
echo "| backend | code exchanges/s | refreshes/s | GET /.well-known/jwks.json req/s | exchange ÷ JWKS | refresh ÷ JWKS |"
echo "|---|---|---|---|---|---|"
for backend in sqlite postgres; do
  read -r e en <<<"${exchange[$backend]}"
  read -r r rn <<<"${refresh[$backend]}"
  read -r j _ <<<"${jwks[$backend]}"
  if [ "$en" != 0 ] || [ "$rn" != 0 ]; then echo "note: $backend: $en exchanges and $rn refreshes failed (codes exhausted? raise --count)" >&2; fi
  printf '| %s | %.0f | %.0f | %.0f | %.3f× | %.3f× |\n' "$backend" "$e" "$r" "$j" "$(awk -v a="$e" -v b="$j" 'BEGIN {print a/b}')" \
    "$(awk -v a="$r" -v b="$j" 'BEGIN {print a/b}')"
done
