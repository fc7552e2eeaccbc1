#!/usr/bin/env bash
# Builds the benchmark in release mode and runs it. Arguments are passed to the benchmark, e.g.
#   Benchmarks/run.sh --runs 7 --run-ms 200 --algorithms HS256,ES256
# The build takes the shared build lock (/tmp/jot-build.lock) so it never competes with another build;
# the measurement itself runs outside the lock (take care that nothing else is busy on the machine then).
# The full output is also kept in Benchmarks/.build/last-run.txt.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
flock /tmp/jot-build.lock swift build -c release --package-path "$here" --product JotBenchmarks
bin="$(swift build -c release --package-path "$here" --show-bin-path)/JotBenchmarks"
"$bin" "$@" | tee "$here/.build/last-run.txt"
