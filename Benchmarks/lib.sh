# Shared helpers of the benchmark scripts (Benchmarks/*-bench.sh, verifier-soak.sh); sourced, not run.
# The caller sets `root` (the repository) before sourcing.

require_wrk() {
  command -v wrk >/dev/null || { echo "wrk is missing: apt-get update && apt-get install -y wrk" >&2; exit 1; }
}

# build_release PRODUCT…: release builds into $root/.build-release, each under the shared build lock.
build_release() {
  local product
  for product in "$@"; do
    (cd "$root" && flock /tmp/jot-build.lock swift build -c release --product "$product" --scratch-path .build-release) >&2
  done
}

# build_benchmark PRODUCT: a release build of the Benchmarks package's PRODUCT, under the shared build lock.
build_benchmark() {
  (cd "$root" && flock /tmp/jot-build.lock swift build -c release --package-path Benchmarks --product "$1") >&2
}

# benchmark_bin PRODUCT: prints the path of the Benchmarks package's release PRODUCT; exits unless it exists.
benchmark_bin() {
  local path="$root/Benchmarks/.build/release/$1"
  [ -x "$path" ] || { echo "no release $1 at $path (run without --no-build)" >&2; exit 1; }
  echo "$path"
}

# require_release PRODUCT…: exits unless each release binary exists.
require_release() {
  local product
  for product in "$@"; do
    [ -x "$root/.build-release/release/$product" ] || { echo "no release $product in $root/.build-release/release (run without --no-build)" >&2; exit 1; }
  done
}

# hold_build_lock: keeps the shared build lock for the rest of the script (fd 9), so that no build competes with the
# measurement; JOT_BENCH_NO_LOCK=1 skips it.
hold_build_lock() {
  if [ "${JOT_BENCH_NO_LOCK:-0}" != 1 ]; then
    exec 9>>/tmp/jot-build.lock
    echo "waiting for the build lock (/tmp/jot-build.lock) to measure on a quiet machine…" >&2
    flock 9
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# wait_healthy URL PID LOG: polls URL (up to 30 s) while PID lives; on failure prints the log's tail and exits.
wait_healthy() {
  for _ in $(seq 300); do
    curl -fsS --max-time 1 -o /dev/null "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "$1 did not become healthy; the log:" >&2
  tail -20 "$3" >&2
  exit 1
}

# stop_pid PID: SIGTERM, up to 5 s, then SIGKILL; reaps it.
stop_pid() {
  local pid="$1"
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# median / list: of space-separated numbers on stdin.
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
list() { tr ' ' '\n' | grep -v '^$' | awk '{printf "%s%.0f", (NR>1?", ":""), $1}'; }

machine_line() {
  echo "- machine: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), nproc $(nproc), $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo), Linux $(uname -r)"
}
