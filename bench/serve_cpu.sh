#!/usr/bin/env bash
# Server CPU per request of `warren serve` (user + system time of the server process divided by the
# requests wrk completed), for one or two builds, alternating ROUNDS times, so that two builds see
# the same load on a shared machine: CPU time moves much less with the load than req/s does.
#
#   bash bench/serve_cpu.sh COMPONENT.wasm WARREN [OTHER_WARREN]
#   ROUNDS=3 DURATION=4 bash bench/serve_cpu.sh build/corpus/js/hello.wasm build/warren /tmp/old/warren
# Loopback only; each server is stopped by its PID. Needs wrk (scripts/deps.sh installs it).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: serve_cpu.sh COMPONENT.wasm WARREN [OTHER_WARREN]" >&2; exit 2; }
component="$1"
shift
rounds="${ROUNDS:-3}"
duration="${DURATION:-4}"
command -v wrk >/dev/null || { echo "serve_cpu.sh: wrk not installed (scripts/deps.sh)" >&2; exit 1; }
ticks=$(getconf CLK_TCK)
out=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$out"' EXIT

# The server's utime + stime in clock ticks (fields 14 and 15 of /proc/PID/stat; the name in
# field 2 has no spaces here).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

measure() { # warren
  "$1" serve --addr 127.0.0.1:0 --workers 2 "$component" > "$out/serve.out" 2> "$out/serve.err" &
  pid=$!
  local port=""
  for _ in $(seq 300); do
    port=$(sed -n 's|^Serving HTTP on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$out/serve.out")
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "serve_cpu.sh: $1 did not start: $(cat "$out/serve.err")" >&2; exit 1; }
  wrk -t1 -c8 -d1s "http://127.0.0.1:$port/" > /dev/null # warm-up: first-call translation
  local before after requests
  before=$(cpu_ticks "$pid")
  requests=$(wrk -t1 -c8 -d"${duration}s" "http://127.0.0.1:$port/" | awk '/requests in/{print $1}')
  after=$(cpu_ticks "$pid")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
  echo "$1: $(( (after - before) * 1000000000 / ticks / requests / 1000 )) us CPU per request ($requests requests)"
}

for round in $(seq "$rounds"); do
  for warren in "$@"; do
    echo "round $round  $(measure "$warren")"
  done
done
