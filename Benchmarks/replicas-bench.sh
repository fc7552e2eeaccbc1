#!/usr/bin/env bash
# Replica benchmarks (issue 8): the release `jot serve` on its two backends, measured with wrk in one run.
#
#   (a) POST /sessions req/s at bcrypt cost 4: SQLite (--database FILE) vs PostgreSQL (--database postgres://…);
#   (b) GET /.well-known/jwks.json req/s against GET /healthz (a static route) of the same server, on both backends
#       (goal: JWKS ≥ 0.8× the static route);
#   (c) propagation of a key change to 3 replicas over N forced rotations (median and max; goal ≤ 2 s), and the RSS of
#       each replica afterwards (Tests/Replicas/replicas.py --only-propagation).
#
# Runs under scripts/with-postgres (re-executes itself there when JOT_TEST_DATABASE_URL is unset). wrk and the servers
# share the 2 cores; the figures are medians of RUNS runs with the backends interleaved.
#
# Usage: Benchmarks/replicas-bench.sh [--no-build] [--runs 3] [--duration 10s] [--threads 2] [--connections 32] [--rotations 20]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
if [ -z "${JOT_TEST_DATABASE_URL:-}" ]; then exec "$root/scripts/with-postgres" "$0" "$@"; fi
# shellcheck source=lib.sh
source "$here/lib.sh"
build=1 runs=3 duration=10s threads=2 connections=32 rotations=20
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --runs) runs="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --rotations) rotations="$2"; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
require_wrk
[ "$build" = 1 ] && build_release jot pangolin-service
require_release jot pangolin-service
jot="$root/.build-release/release/jot"
hold_build_lock

work="$(mktemp -d /tmp/jot-replicas-bench.XXXXXX)"
pids=()
trap 'for p in "${pids[@]}"; do stop_pid "$p"; done; rm -rf "$work"' EXIT
"$jot" keys generate-kek --out "$work/kek" >/dev/null

declare -A base
start() { # start NAME ARGS…: a release jot serve --demo at bcrypt cost 4
  local name="$1" port; shift
  port="$(free_port)"
  base[$name]="http://127.0.0.1:$port"
  env -u JOT_TEST_DATABASE_URL LOG_LEVEL=warning "$jot" serve --demo --port "$port" --bcrypt-cost 4 "$@" </dev/null >"$work/$name.log" 2>&1 &
  pids+=($!)
  wait_healthy "${base[$name]}/healthz" "$!" "$work/$name.log"
}
start sqlite --keys "$work/keys" --database "$work/users.sqlite"
start postgres --database "$JOT_TEST_DATABASE_URL" --key-encryption-key-file "$work/kek"

cat >"$work/sessions.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"username":"Cthon98","password":"hunter2"}'
wrk.headers["Content-Type"] = "application/json"
LUA

wrk_rps() { # URL [options]: one run's req/s; fails on socket errors or non-2xx answers
  local url="$1" out; shift
  out="$(wrk -t"$threads" -c"$connections" -d"$duration" "$@" "$url")"
  if grep -q "Non-2xx" <<<"$out"; then echo "wrk saw failed answers for $url:" >&2; printf "%s\n" "$out" >&2; exit 1; fi
  if grep -q "Socket errors" <<<"$out"; then echo "note: $url: $(grep "Socket errors" <<<"$out")" >&2; fi
  awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}

declare -A login jwks healthz
for name in sqlite postgres; do wrk -t2 -c8 -d2s -s "$work/sessions.lua" "${base[$name]}/sessions" >/dev/null; done
for run in $(seq "$runs"); do
  for name in sqlite postgres; do
    login[$name]+=" $(wrk_rps "${base[$name]}/sessions" -s "$work/sessions.lua" --timeout 30s)"
    healthz[$name]+=" $(wrk_rps "${base[$name]}/healthz")"
    jwks[$name]+=" $(wrk_rps "${base[$name]}/.well-known/jwks.json")"
  done
done

echo "## Replica benchmarks ($(date -u +%Y-%m-%d), tree $(git -C "$root" rev-parse --short HEAD))"
machine_line
echo "- wrk -t$threads -c$connections -d$duration, $runs runs per figure (backends interleaved), median req/s; release jot serve --demo, bcrypt cost 4"
echo
echo "| backend | POST /sessions (cost 4) | GET /healthz | GET /.well-known/jwks.json | JWKS ÷ healthz |"
echo "|---|---|---|---|---|"
for name in sqlite postgres; do
  l="$(median <<<"${login[$name]}")" h="$(median <<<"${healthz[$name]}")" j="$(median <<<"${jwks[$name]}")"
  printf '| %s | %.0f (%s) | %.0f | %.0f | %.2f× |\n' "$name" "$l" "$(list <<<"${login[$name]}")" "$h" "$j" "$(awk -v a="$j" -v b="$h" 'BEGIN {print a/b}')"
done
for p in "${pids[@]}"; do stop_pid "$p"; done
pids=()

echo
"$root/.venv/bin/python" "$root/Tests/Replicas/replicas.py" --jot "$jot" --service "$root/.build-release/release/pangolin-service" \
  --rotations "$rotations" --only-propagation --report "$work/propagation.json" >"$work/propagation.log" 2>&1 \
  || { cat "$work/propagation.log" >&2; exit 1; }
python3 - "$work/propagation.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"- propagation of `jot keys rotate --force` to 3 replicas over {r['rotations']} rotations: median {r['median_s']*1000:.0f} ms, "
      f"max {r['max_s']*1000:.0f} ms (goal ≤ 2 s)")
print("- RSS per replica after the rotations: " + ", ".join(f"{k} {v:.1f} MiB" for k, v in sorted(r['rss_mib'].items())))
PY
