#!/usr/bin/env bash
# Instructions per request of `warren serve` under callgrind: repeatable where CPU time on a shared
# machine is not (two runs of one build agree to ~0.01%), so it shows changes of a few percent that
# serve_cpu.sh cannot. Counts every instruction of the server process (guest code, host, libc,
# kernel excluded) while REQUESTS sequential requests are served, after WARMUP ones, with one worker,
# for each WARREN given, and prints the instructions per request.
#
#   bash bench/serve_instructions.sh COMPONENT.wasm WARREN [OTHER_WARREN ...]
#   REQUESTS=200 bash bench/serve_instructions.sh build/corpus/js/hello.wasm /tmp/old/warren build/warren
#
# Caveats: a `rep movs`/`rep stos` counts once per element, so copies (memcpy of written pages back
# to the image, say) weigh more here than in time; and callgrind cannot name the guest's functions or
# follow the fibers, so this is a total, not a profile (use perf for that). Loopback only; every
# server is stopped by its PID. Needs valgrind and curl (Debian packages of those names).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: serve_instructions.sh COMPONENT.wasm WARREN [OTHER_WARREN ...]" >&2; exit 2; }
component="$1"
shift
requests="${REQUESTS:-200}"
warmup="${WARMUP:-20}"
for tool in valgrind callgrind_control curl; do
  command -v "$tool" >/dev/null || { echo "serve_instructions.sh: $tool not installed" >&2; exit 1; }
done
out=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$out"' EXIT

# The port the server printed, waiting up to `tries` tenths of a second.
port_of() {
  local tries=$1 port=""
  for _ in $(seq "$tries"); do
    port=$(sed -n 's|^Serving HTTP on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$out/serve.out")
    [ -n "$port" ] && { echo "$port"; return 0; }
    sleep 0.1
  done
  return 1
}

measure() { # warren
  # once natively, so that the code cache holds the translation (translating under callgrind is slow)
  "$1" serve --addr 127.0.0.1:0 --workers 1 "$component" > "$out/serve.out" 2> "$out/serve.err" &
  pid=$!
  local port
  port=$(port_of 300) || { echo "serve_instructions.sh: $1 did not start: $(cat "$out/serve.err")" >&2; exit 1; }
  curl -s -o /dev/null "http://127.0.0.1:$port/"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  : > "$out/serve.out"
  valgrind --tool=callgrind --smc-check=all --callgrind-out-file="$out/cg.%p" \
    "$1" serve --addr 127.0.0.1:0 --workers 1 "$component" > "$out/serve.out" 2> "$out/valgrind.err" &
  pid=$!
  port=$(port_of 1200) || { echo "serve_instructions.sh: $1 did not start under callgrind" >&2; exit 1; }
  for _ in $(seq "$warmup"); do curl -s -o /dev/null "http://127.0.0.1:$port/"; done
  callgrind_control -z "$pid" > /dev/null 2>&1
  for _ in $(seq "$requests"); do curl -s -o /dev/null "http://127.0.0.1:$port/"; done
  callgrind_control -d "$pid" > /dev/null 2>&1
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
  # the dump after zeroing the counters is the part file with the highest number
  local part
  part=$(ls "$out"/cg.* | sort -t. -k3 -n | tail -1)
  local total
  total=$(sed -n 's/^summary: //p' "$part")
  rm -f "$out"/cg.*
  echo "$1: $((total / requests)) instructions per request ($requests requests)"
}

for warren in "$@"; do
  measure "$warren"
done
