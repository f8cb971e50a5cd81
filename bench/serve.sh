#!/usr/bin/env bash
# HTTP front-end benchmark: wrk on loopback (keep-alive, 16 connections) against
#   - warren's front end with a C handler answering "hello\n" (tests/serve/test_server.c, /hello),
#   - the same server running the answer as a task on a fiber through the wasi io.h streams
#     (/task/sleep/0: no guest code, the per-request task + WASI ctx + stream plumbing),
#   - `warren serve` of the corpus' WAT hello (wat/http-hello.wasm) and componentize-js hello
#     (js/hello.wasm), p2 defaults: a fresh instance per request,
#   - nginx `return 200 "hello\n"`,
# in the same run, alternating ROUNDS times; prints the best req/s of each and the ratios to nginx.
#
#   bash bench/serve.sh [BUILD_DIR]          (default: build; needs BUILD_DIR/serve_test_server,
#                                             BUILD_DIR/warren and BUILD_DIR/corpus)
#   ROUNDS=5 DURATION=10 WORKERS=2 bash bench/serve.sh build
# Needs wrk and nginx (scripts/deps.sh installs them). Build without sanitizers for real figures.
set -euo pipefail
. "$(dirname "$0")/nginx.sh"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
server="$build/serve_test_server"
rounds="${ROUNDS:-3}"
duration="${DURATION:-5}"
workers="${WORKERS:-$(nproc)}"
out="$build/bench-serve"
mkdir -p "$out"
[ -x "$server" ] || { echo "serve.sh: $server not found; build Warren first" >&2; exit 1; }
[ -x "$build/warren" ] || { echo "serve.sh: $build/warren not found; build Warren first" >&2; exit 1; }
for c in wat/http-hello js/hello; do
  [ -s "$build/corpus/$c.wasm" ] || { echo "serve.sh: $build/corpus/$c.wasm missing (ctest -R corpus_build)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "serve.sh: wrk not installed (scripts/deps.sh)" >&2; exit 1; }


server_pid=""
wat_pid=""
js_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$wat_pid" ] && kill "$wat_pid" 2>/dev/null || true
  [ -n "$js_pid" ] && kill "$js_pid" 2>/dev/null || true
  stop_nginx "$out"
}
trap cleanup EXIT
start_nginx "$out" "$workers"
rm -f "$out/server.out"  # a previous run's port line must not be read as this one's
"$server" --workers "$workers" > "$out/server.out" &
server_pid=$!
for _ in $(seq 50); do grep -q '^port ' "$out/server.out" 2>/dev/null && break; sleep 0.1; done
port=$(awk '/^port /{print $2}' "$out/server.out")
[ -n "$port" ] || { echo "serve.sh: the test server did not start" >&2; exit 1; }

# `warren serve COMPONENT` on a free port; the port is left in $served_port.
serve_component() { # name component
  for _ in $(seq 300); do grep -q '^Serving HTTP on' "$out/$1.out" 2>/dev/null && break; sleep 0.1; done
  served_port=$(sed -n 's|^Serving HTTP on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$out/$1.out")
  [ -n "$served_port" ] || { echo "serve.sh: warren serve $2 did not start: $(cat "$out/$1.err")" >&2; exit 1; }
}
rm -f "$out/warren_wat.out" "$out/warren_js.out"  # a previous run's lines must not be taken for these
"$build/warren" serve --addr 127.0.0.1:0 --workers "$workers" "$build/corpus/wat/http-hello.wasm" \
  > "$out/warren_wat.out" 2> "$out/warren_wat.err" &
wat_pid=$!
serve_component warren_wat wat/http-hello.wasm
wat_port=$served_port
"$build/warren" serve --addr 127.0.0.1:0 --workers "$workers" "$build/corpus/js/hello.wasm" \
  > "$out/warren_js.out" 2> "$out/warren_js.err" &
js_pid=$!
serve_component warren_js js/hello.wasm
js_port=$served_port

# Requests per second of one wrk run; a run with non-2xx answers or socket errors counts as 0.
rps() {
  wrk -t2 -c16 -d"${duration}s" "$1" > "$out/wrk.txt"
  if grep -q 'Non-2xx\|Socket errors' "$out/wrk.txt"; then
    { echo "serve.sh: errors from $1:"; cat "$out/wrk.txt"; } >&2
    echo 0
    return
  fi
  awk '/^Requests\/sec:/ { printf "%d", $2 }' "$out/wrk.txt"
}

declare -A best=([warren]=0 [warren_task]=0 [warren_wat]=0 [warren_js]=0 [nginx]=0)
declare -A url=([warren]="http://127.0.0.1:$port/hello" [warren_task]="http://127.0.0.1:$port/task/sleep/0"
                [warren_wat]="http://127.0.0.1:$wat_port/" [warren_js]="http://127.0.0.1:$js_port/"
                [nginx]="http://127.0.0.1:$nginx_port/")
for r in $(seq "$rounds"); do
  for name in nginx warren warren_task warren_wat warren_js; do
    v=$(rps "${url[$name]}")
    echo "round $r  $name  $v req/s"
    [ "${v:-0}" -gt "${best[$name]}" ] && best[$name]=$v
  done
done
echo "best of $rounds (wrk -t2 -c16 -d${duration}s, $workers workers):"
awk -v n="${best[nginx]}" -v w="${best[warren]}" -v t="${best[warren_task]}" \
    -v wat="${best[warren_wat]}" -v js="${best[warren_js]}" 'BEGIN {
  if (n == 0) n = 1
  printf "  nginx return 200        %8d req/s\n", n
  printf "  warren C handler        %8d req/s  %.2f x nginx\n", w, w / n
  printf "  warren task + streams   %8d req/s  %.2f x nginx\n", t, t / n
  printf "  warren serve WAT hello  %8d req/s  %.2f x nginx\n", wat, wat / n
  printf "  warren serve JS hello   %8d req/s  %.2f x nginx\n", js, js / n
}'
