#!/usr/bin/env bash
# Builds the benchmark in release mode and runs it. Arguments are passed to the benchmark, e.g.
#   Benchmarks/run.sh --runs 7 --run-ms 200 --algorithms HS256,ES256
#   Benchmarks/run.sh --breakdown --algorithms HS256
# Build and measurement both hold the shared build lock (/tmp/jot-build.lock): no build of ours competes with the
# measurement for the two cores. The full output is also kept in Benchmarks/.build/last-run.txt.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
flock /tmp/jot-build.lock swift build -c release --package-path "$here" --product JotBenchmarks
bin="$(swift build -c release --package-path "$here" --show-bin-path)/JotBenchmarks"
flock /tmp/jot-build.lock "$bin" "$@" | tee "$here/.build/last-run.txt"
