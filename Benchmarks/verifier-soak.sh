#!/usr/bin/env bash
# Verifier under load (issue 4 "done when"): a release `pangolin-service` keeps answering 200 to valid tokens while
# the issuer's keys are rotated and while the issuer is killed, and a flood of unknown kids costs at most one JWKS
# fetch per cooldown (30 s) — all while wrk loads it.
#
# Phases of wrk load (-t1 per load; the valid load and the flood run side by side):
#   1. rotation   DURATION s of valid ES256 token T1; `jot keys rotate --force` a third of the way in.  100 % 200
#   2. flood      DURATION s of T1 and T2 (a token of the new key) alternating; beside it, tokens with random kids
#                 (same payload and signature, new header): every flood answer 401, and the JWKS fetched at most
#                 once per 30 s cooldown (counted by the service's own /healthz).                   100 % 200 / 401
#   3. outage     35 s (at least) of T1/T2 plus the flood; the issuer is SIGKILLed after 1 s, so the cooldown
#                 ends during the outage: the refetch an unknown kid then triggers fails (those requests get 503,
#                 "keys unavailable"; the others 401), the service reports the JWKS failing, and every valid
#                 token still gets 200 from the cached keys.
# Socket errors and timeouts count as failures in every load.
# Exits non-zero when any expectation fails. wrk comes from Debian (apt-get install wrk); CI does not run this.
#
# Usage: Benchmarks/verifier-soak.sh [--no-build] [--duration SECONDS] [--connections N]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
build=1 duration=20 connections=16
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
require_wrk
bin="$root/.build-release/release"
[ "$build" = 0 ] || build_release jot pangolin-service
require_release jot pangolin-service
hold_build_lock

work="$(mktemp -d /tmp/jot-verifier-soak.XXXXXX)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

json() { python3 -c 'import json, sys; v = json.load(sys.stdin)
for k in sys.argv[1].split("."): v = v[k]
print(v)' "$1"; }
kid_of() { python3 -c 'import base64, json, sys; h = sys.argv[1].split(".")[0]; print(json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))["kid"])' "$1"; }

issuer_port="$(free_port)" service_port="$(free_port)"
issuer="http://127.0.0.1:$issuer_port" service="http://127.0.0.1:$service_port"
LOG_LEVEL=warning "$bin/jot" serve --demo --host 127.0.0.1 --port "$issuer_port" --alg ES256 --bcrypt-cost 4 \
  --audience pangolin-service --token-ttl 3600 --keys "$work/keys" --database "$work/users.sqlite" \
  </dev/null >"$work/issuer.log" 2>&1 &
issuer_pid=$!; pids+=("$issuer_pid")
wait_healthy "$issuer/healthz" "$issuer_pid" "$work/issuer.log"
"$bin/pangolin-service" --issuer "$issuer" --port "$service_port" --log-level notice </dev/null >"$work/service.log" 2>&1 &
service_pid=$!; pids+=("$service_pid")
wait_healthy "$service/healthz" "$service_pid" "$work/service.log"

login() {
  curl -fsS --max-time 30 -d '{"username":"Cthon98","password":"hunter2","audience":"pangolin-service"}' "$issuer/sessions" | json token
}
fetches() { curl -fsS --max-time 5 "$service/healthz" | json jwks.fetches; }
failing() { curl -fsS --max-time 5 "$service/healthz" | json jwks.failing; }

t1="$(login)"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $t1" "$service/pangolins")" = 200 ] || { echo "T1 is not accepted" >&2; exit 1; }

cat >"$work/valid.lua" <<'LUA'
-- Alternates the tokens in TOKENS (space-separated), counting answers other than 200.
local tokens = {}
for token in string.gmatch(os.getenv("TOKENS"), "%S+") do tokens[#tokens + 1] = token end
local threads = {}
function setup(thread) table.insert(threads, thread) end
n, unexpected = 0, 0
function request()
  n = n + 1
  return wrk.format("GET", "/pangolins", {["Authorization"] = "Bearer " .. tokens[n % #tokens + 1]})
end
function response(status) if status ~= 200 then unexpected = unexpected + 1 end end
function done(summary)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("unexpected") end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d unexpected=%d errors=%d\n", summary.requests, bad, e.connect + e.read + e.write + e.timeout))
end
LUA
cat >"$work/flood.lua" <<'LUA'
-- Tokens with a random kid each: a fresh header in front of REST (payload.signature of a real token); every answer
-- must be 401, or 503 when the refetch it triggered failed (issuer down). Counts the 503s and the others.
local rest = os.getenv("REST")
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
local function b64url(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local v = a * 65536 + (b or 0) * 256 + (c or 0)
    local digits = {math.floor(v / 262144) % 64, math.floor(v / 4096) % 64, math.floor(v / 64) % 64, v % 64}
    local count = b == nil and 2 or (c == nil and 3 or 4)
    for j = 1, count do out[#out + 1] = alphabet:sub(digits[j] + 1, digits[j] + 1) end
  end
  return table.concat(out)
end
local threads = {}
function setup(thread) thread:set("id", #threads + 1); table.insert(threads, thread) end
function init() math.randomseed(os.time() * 100 + id) end
n, unexpected, unavailable = 0, 0, 0
function request()
  n = n + 1
  local kid = string.format("flood-%d-%08x-%d", id, math.random(0, 2147483647), n)
  local header = b64url('{"alg":"ES256","kid":"' .. kid .. '","typ":"at+jwt"}')
  return wrk.format("GET", "/pangolins", {["Authorization"] = "Bearer " .. header .. "." .. rest})
end
function response(status)
  if status == 503 then unavailable = unavailable + 1 elseif status ~= 401 then unexpected = unexpected + 1 end
end
function done(summary)
  local bad, down = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("unexpected")
    down = down + thread:get("unavailable")
  end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d unexpected=%d errors=%d unavailable=%d\n", summary.requests, bad,
    e.connect + e.read + e.write + e.timeout, down))
end
LUA

result() { awk '/^RESULT/ {for (i = 2; i <= NF; i++) {split($i, kv, "="); if (kv[1] == "'"$2"'") print kv[2]}}' "$1"; }
rps() { awk -v d="$2" '/^RESULT/ {split($2, kv, "="); printf "%.0f", kv[2] / d}' "$1"; }

# run_phase NAME TOKENS FLOOD(0|1) SECONDS EVENT-AT ACTION…
run_phase() {
  local name="$1" tokens="$2" flood="$3" duration="$4" event_at="$5"
  shift 5
  local before after
  before="$(fetches)"
  TOKENS="$tokens" wrk -t1 -c"$connections" -d"${duration}s" -s "$work/valid.lua" "$service/pangolins" >"$work/$name.valid" 2>&1 &
  local valid_pid=$!
  local flood_pid=""
  if [ "$flood" = 1 ]; then
    # A 10 s timeout: during the outage the requests that join the refetch wait for its 5 s deadline.
    REST="${t1#*.}" wrk -t1 -c"$connections" -d"${duration}s" --timeout 10s -s "$work/flood.lua" "$service/pangolins" >"$work/$name.flood" 2>&1 &
    flood_pid=$!
  fi
  sleep "$event_at"
  "$@"
  wait "$valid_pid"
  [ -z "$flood_pid" ] || wait "$flood_pid"
  after="$(fetches)"
  local v_req v_bad v_err f_req="-" f_bad="-" f_rps="-" f_down="-" f_err
  v_req="$(result "$work/$name.valid" requests)" v_bad="$(result "$work/$name.valid" unexpected)"
  v_err="$(result "$work/$name.valid" errors)"
  [ -n "$v_req" ] || { cat "$work/$name.valid" >&2; fail "$name: no wrk result"; return; }
  [ "$v_bad" = 0 ] || fail "$name: $v_bad of $v_req valid-token requests were not answered 200"
  [ "$v_err" = 0 ] || fail "$name: $v_err socket errors or timeouts in the valid-token load"
  if [ "$flood" = 1 ]; then
    f_req="$(result "$work/$name.flood" requests)" f_bad="$(result "$work/$name.flood" unexpected)"
    f_rps="$(rps "$work/$name.flood" "$duration")" f_down="$(result "$work/$name.flood" unavailable)"
    f_err="$(result "$work/$name.flood" errors)"
    [ "$f_bad" = 0 ] || fail "$name: $f_bad of $f_req unknown-kid requests were answered neither 401 nor 503"
    [ "$f_err" = 0 ] || fail "$name: $f_err socket errors or timeouts in the flood"
    [ "$f_down" = 0 ] || [ "$name" = "$outage_phase" ] || fail "$name: $f_down unknown-kid requests got 503 with the issuer up"
  fi
  local allowed=$(( (duration + 29) / 30 + 1 ))
  [ $((after - before)) -le "$allowed" ] || fail "$name: $((after - before)) JWKS fetches in ${duration} s (at most $allowed expected)"
  echo "| $name (${duration} s) | $(rps "$work/$name.valid" "$duration") | $v_req | $v_bad | $f_rps | $f_req | $f_down | $f_bad | $((after - before)) | $(failing) |"
}

rotate() { "$bin/jot" keys rotate --keys "$work/keys" --force >"$work/rotate.out" 2>&1 || fail "jot keys rotate: $(cat "$work/rotate.out")"; }
kill_issuer() { kill -KILL "$issuer_pid"; wait "$issuer_pid" 2>/dev/null || true; }

echo "# Verifier under load (pangolin-service, release)"
echo
echo "- machine: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), nproc $(nproc); tree $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "- valid load wrk -t1 -c$connections; flood wrk -t1 -c$connections beside it (not pinned); rotation at $((duration / 3)) s of phase 1, SIGKILL at 1 s of phase 3"
echo
echo "| Phase | valid req/s | valid requests | valid ≠ 200 | flood req/s | flood requests | flood 503 (refetch failed) | flood ≠ 401/503 | JWKS fetches | JWKS failing after |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
outage_phase="3. issuer SIGKILLed under load"
run_phase "1. rotate --force under load" "$t1" 0 "$duration" "$((duration / 3))" rotate
t2="$(login)"
[ "$(kid_of "$t2")" != "$(kid_of "$t1")" ] || fail "the issuer still signs with kid $(kid_of "$t1") after the rotation"
run_phase "2. unknown-kid flood" "$t1 $t2" 1 "$duration" "$((duration / 3))" true
# Longer than the 30 s cooldown, so that a refetch is attempted (and fails) while the issuer is down.
run_phase "$outage_phase" "$t1 $t2" 1 "$((duration > 35 ? duration : 35))" 1 kill_issuer
[ "$(failing)" = True ] || fail "the service does not report the JWKS failing after the issuer was killed"
echo
if [ "$failures" -gt 0 ]; then
  echo "**$failures expectation(s) failed** (see stderr)"
  echo "service log (last 15 lines):" >&2; tail -15 "$work/service.log" >&2
  exit 1
fi
echo "All expectations held: every valid-token request answered 200 (no socket errors); every unknown-kid request 401, or 503 once its refetch failed with the issuer down; JWKS fetches stayed within one per 30 s cooldown; the outage was reported."
echo
echo "Service log, notices and warnings:"
echo
echo '```'
grep -E "notice|warning|error" "$work/service.log" | sed -E "s/^[0-9T:+-]+ //; s/hb\.request\.id=[^ ]+ //; s/kid '[^']*'/kid '…'/g" \
  | cut -c1-260 | sort | uniq -c | sort -rn | head -10
echo '```'
