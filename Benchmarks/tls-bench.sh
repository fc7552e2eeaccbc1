#!/usr/bin/env bash
# TLS benchmarks (issue 13): the release `jot serve` measured with wrk, plain HTTP against HTTPS in the same run.
#
#   (a) GET /.well-known/jwks.json req/s on kept-alive connections: HTTP, and HTTPS (TLS 1.3, P-256 certificate);
#   (b) new connections/s: the same GET with `Connection: close`, so every request pays a TCP (and TLS) handshake —
#       the cost that dominates client-credentials traffic where each client opens its own connection.
#
# Two servers of the same binary run side by side (one with --tls-certificate/--tls-key, a CA made here with openssl);
# the routes are interleaved, RUNS runs each, the median reported. wrk and the servers share the machine: on 2 cores
# the figures are the pair's. wrk does not verify certificates (it measures the server's cost, not the client's).
#
# Usage: Benchmarks/tls-bench.sh [--no-build] [--runs N] [--duration 10s] [--threads 2] [--connections 32]
# The release build and the measurement take the shared build lock (/tmp/jot-build.lock); JOT_BENCH_NO_LOCK=1 skips it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
build=1 runs=3 duration=10s threads=2 connections=32
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --runs) runs="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
require_wrk
command -v openssl >/dev/null || { echo "openssl is missing: apt-get install -y openssl" >&2; exit 1; }

jot="$root/.build-release/release/jot"
[ "$build" = 1 ] && build_release jot
require_release jot
hold_build_lock

work="$(mktemp -d /tmp/jot-tls-bench.XXXXXX)"
plain_pid="" tls_pid=""
trap 'stop_pid "$plain_pid"; stop_pid "$tls_pid"; rm -rf "$work"' EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=Bench CA" \
  -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=bench" -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 1 \
  -extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n') -out "$work/server.crt" 2>/dev/null
chmod 600 "$work/server.key"

plain_port="$(free_port)" tls_port="$(free_port)"
LOG_LEVEL=warning "$jot" serve --port "$plain_port" --keys "$work/keys-plain" --database "$work/plain.sqlite" \
  --max-connections 100000 </dev/null >"$work/plain.log" 2>&1 &
plain_pid=$!
LOG_LEVEL=warning "$jot" serve --port "$tls_port" --keys "$work/keys-tls" --database "$work/tls.sqlite" \
  --max-connections 100000 --tls-certificate "$work/server.crt" --tls-key "$work/server.key" </dev/null >"$work/tls.log" 2>&1 &
tls_pid=$!
plain="http://127.0.0.1:$plain_port/.well-known/jwks.json"
tls="https://127.0.0.1:$tls_port/.well-known/jwks.json"
wait_healthy "http://127.0.0.1:$plain_port/healthz" "$plain_pid" "$work/plain.log"
for _ in $(seq 300); do curl -fsS --cacert "$work/ca.pem" --max-time 1 -o /dev/null "https://127.0.0.1:$tls_port/healthz" && break; sleep 0.1; done
version="$(openssl s_client -brief -connect "127.0.0.1:$tls_port" -CAfile "$work/ca.pem" </dev/null 2>&1 | awk -F': ' '/^(Protocol version|Ciphersuite)/ {printf "%s ", $2}')"

# rps URL [wrk options…]: one wrk run; req/s.
rps() {
  local url="$1" out
  shift
  out="$(wrk -t"$threads" -c"$connections" -d"$duration" "$@" "$url")"
  printf '%s\n' "$out" >>"$work/wrk.log"
  if grep -q "Non-2xx or 3xx responses" <<<"$out"; then echo "wrk saw failed answers for $url:" >&2; printf '%s\n' "$out" >&2; exit 1; fi
  awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}

for url in "$plain" "$tls"; do wrk -t"$threads" -c"$connections" -d2s "$url" >/dev/null; done # warm-up
p_keep="" t_keep="" p_new="" t_new=""
for _ in $(seq "$runs"); do
  p_keep+=" $(rps "$plain")"
  t_keep+=" $(rps "$tls")"
  p_new+=" $(rps "$plain" -H 'Connection: close')"
  t_new+=" $(rps "$tls" -H 'Connection: close')"
done
pk="$(median <<<"$p_keep")" tk="$(median <<<"$t_keep")" pn="$(median <<<"$p_new")" tn="$(median <<<"$t_new")"

echo "# TLS benchmarks"
echo
machine_line
echo "- $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2); wrk -t$threads -c$connections -d$duration, $runs runs per figure (interleaved), median"
echo "- tree: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown); release \`jot serve\` ES256, LOG_LEVEL=warning; TLS as negotiated by openssl s_client: ${version}(P-256 certificate)"
echo
echo "| GET /.well-known/jwks.json | HTTP req/s | HTTPS req/s | HTTPS / HTTP | runs (HTTP; HTTPS) |"
echo "|---|---|---|---|---|"
awk -v p="$pk" -v t="$tk" -v pl="$(list <<<"$p_keep")" -v tl="$(list <<<"$t_keep")" \
  'BEGIN {printf "| kept-alive connections | %.0f | %.0f | %.2f | %s; %s |\n", p, t, t/p, pl, tl}'
awk -v p="$pn" -v t="$tn" -v pl="$(list <<<"$p_new")" -v tl="$(list <<<"$t_new")" \
  'BEGIN {printf "| a new connection per request (`Connection: close`) | %.0f | %.0f | %.2f | %s; %s |\n", p, t, t/p, pl, tl}'
