#!/usr/bin/env bash
# Many connections on fresh instances: CPU time per request of `warren serve` (p2 defaults, a
# fresh instance per request) at 16, 128 and 300 connections, read from /proc/PID/stat around a
# wrk run. CPU per request is steadier than req/s on a shared machine, and shows what a burst of
# requests costs beyond one at a time (instances made, memory slots, stacks).
#
#   bash bench/connections.sh [BUILD_DIR] [COMPONENT]   (defaults: build, BUILD_DIR/corpus/wat/http-hello.wasm)
#   DURATION=5 WORKERS=2 CONNS="16 128 300" bash bench/connections.sh build
# Needs wrk (scripts/deps.sh). Build without sanitizers for real figures.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
component="${2:-$build/corpus/wat/http-hello.wasm}"
duration="${DURATION:-3}"
workers="${WORKERS:-$(nproc)}"
conns="${CONNS:-16 128 300}"
out="$build/bench-connections"
mkdir -p "$out"
[ -x "$build/warren" ] || { echo "connections.sh: $build/warren not found; build Warren first" >&2; exit 1; }
[ -s "$component" ] || { echo "connections.sh: $component missing (ctest -R corpus_build)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "connections.sh: wrk not installed (scripts/deps.sh)" >&2; exit 1; }
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null || true' EXIT
ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
printf "%s, %d workers, wrk -t2 -d%ss\n" "$(basename "$component")" "$workers" "$duration"
for c in $conns; do
  rm -f "$out/serve.out"
  "$build/warren" serve --addr 127.0.0.1:0 --workers "$workers" "$component" > "$out/serve.out" 2> "$out/serve.err" &
  pid=$!
  for _ in $(seq 100); do grep -q '^Serving HTTP on' "$out/serve.out" 2>/dev/null && break; sleep 0.1; done
  port=$(sed -n 's|^Serving HTTP on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$out/serve.out")
  [ -n "$port" ] || { echo "connections.sh: warren serve did not start: $(cat "$out/serve.err")" >&2; exit 1; }
  before=$(cpu_ticks "$pid")
  wrk -t2 -c"$c" -d"${duration}s" "http://127.0.0.1:$port/" > "$out/wrk.txt"
  after=$(cpu_ticks "$pid")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
  awk -v c="$c" -v a="$before" -v b="$after" -v t="$ticks" '
    /requests in/ { n = $1 }
    /^Requests\/sec:/ { r = $2 }
    END { printf "  %4d connections  %8d req/s  %6.1f us CPU per request\n", c, r, (b - a) / t * 1e6 / n }' "$out/wrk.txt"
done
