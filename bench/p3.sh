#!/usr/bin/env bash
# WASI 0.3 serving benchmark (issues 11 and 12), one run with nginx on loopback (wrk, keep-alive):
#   1. hello at 16 connections: nginx `return 200`, the p2 WAT hello (fresh instance per request),
#      the p3 C hello (tests/serve_p3/c/p3_hello.c, the async canonical ABI by hand), the p3 WAT
#      hello (tests/serve_p3/p3_hello.wat) and the componentize-qjs p3 hello, with p3 defaults
#      (concurrent reuse), and the qjs hello with --max-instance-reuse-count 1;
#   2. an I/O-bound handler (tests/serve_p3/probe3.wat /slow/50: waits 50 ms on wasi:clocks 0.3) at
#      64 connections: req/s and instances created, p3 defaults against --max-instance-reuse-count 1
#      (wasmtime's #11807 reported +45% req/s and -64% instances for such a handler), and the same for
#      the componentize-qjs slow guest (waits 200 ms) at 512 connections, where a fresh QuickJS
#      instance per request costs more than the wait allows;
#   3. echo throughput of a 100 MB body: the p3 WAT echo (streams both ways) and the qjs p3 echo
#      against the p2 componentize-js echo;
#   4. the idle hook: a guest that does 300 units of busy work per request (a stand-in for a GC),
#      inside handle (probe3 /gc-inline/300) or left to warren:lifecycle/idle (/gc-idle/300), at 4
#      connections: p50 / p99 latency and req/s.
# Prints a table; each figure is the best of ROUNDS runs, servers alternating.
#
#   bash bench/p3.sh [BUILD_DIR]     (default: build; needs BUILD_DIR/warren, BUILD_DIR/corpus and
#                                     the assembled and built tests/serve_p3 guests: ctest -R serve_p3)
#   ROUNDS=3 DURATION=5 WORKERS=2 bash bench/p3.sh build
# Needs wrk, nginx and curl (scripts/deps.sh). Build without sanitizers for real figures.
set -euo pipefail
. "$(dirname "$0")/nginx.sh"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
warren="$build/warren"
rounds="${ROUNDS:-3}"
duration="${DURATION:-5}"
workers="${WORKERS:-$(nproc)}"
out="$build/bench-p3"
own="$build/tests/serve_p3"
mkdir -p "$out"
[ -x "$warren" ] || { echo "p3.sh: $warren not found; build Warren first" >&2; exit 1; }
for f in "$build/corpus/wat/http-hello.wasm" "$build/corpus/p3js/hello.wasm" "$build/corpus/p3js/echo.wasm" \
         "$build/corpus/js/echo.wasm" "$build/corpus/p3js/slow.wasm" "$own/p3_hello.wasm" "$own/p3_hello_c.wasm" "$own/p3_echo.wasm" "$own/probe3.wasm"; do
  [ -s "$f" ] || { echo "p3.sh: $f missing (ctest -R 'corpus_build|serve_p3')" >&2; exit 1; }
done
for tool in wrk curl; do command -v $tool >/dev/null || { echo "p3.sh: $tool not installed" >&2; exit 1; }; done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  stop_nginx "$out"
}
trap cleanup EXIT
start_nginx "$out" "$workers"

# `warren serve` on a free port with an admin port; sets $port and $admin.
start() { # name component flags...
  local name=$1 component=$2
  shift 2
  admin=$(free_port)
  rm -f "$out/$name.out"
  "$warren" serve --addr 127.0.0.1:0 --workers "$workers" --admin-addr "127.0.0.1:$admin" "$@" "$component" \
    > "$out/$name.out" 2> "$out/$name.err" &
  pids+=($!)
  for _ in $(seq 300); do grep -q '^Serving HTTP on' "$out/$name.out" 2>/dev/null && break; sleep 0.1; done
  port=$(sed -n 's|^Serving HTTP on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$out/$name.out")
  [ -n "$port" ] || { echo "p3.sh: warren serve $component did not start: $(cat "$out/$name.err")" >&2; exit 1; }
}

# Requests per second of one wrk run at $2 connections; errors or non-2xx answers count as 0.
rps() { # url connections
  wrk -t2 -c"$2" -d"${duration}s" --timeout 10s "$1" > "$out/wrk.txt"
  if grep -q 'Non-2xx\|Socket errors' "$out/wrk.txt"; then
    { echo "p3.sh: errors from $1:"; cat "$out/wrk.txt"; } >&2
    echo 0
    return
  fi
  awk '/^Requests\/sec:/ { printf "%d", $2 }' "$out/wrk.txt"
}

instances() { # admin port: instances created so far, all workers
  curl -s "http://127.0.0.1:$1/metrics" | awk '/^warren_pool_instantiations_total/ { s += $2 } END { printf "%d", s }'
}

declare -A url admin_of best made
best_of() { # name value
  [ "$2" -gt "${best[$1]:-0}" ] && best[$1]=$2 || true
}

# 1. hello
start p2_wat "$build/corpus/wat/http-hello.wasm"; url[p2_wat]="http://127.0.0.1:$port/"
start p3_c "$own/p3_hello_c.wasm"; url[p3_c]="http://127.0.0.1:$port/"
start p3_wat "$own/p3_hello.wasm"; url[p3_wat]="http://127.0.0.1:$port/"
start p3_qjs "$build/corpus/p3js/hello.wasm"; url[p3_qjs]="http://127.0.0.1:$port/"
start p3_qjs_fresh "$build/corpus/p3js/hello.wasm" --max-instance-reuse-count 1; url[p3_qjs_fresh]="http://127.0.0.1:$port/"
url[nginx]="http://127.0.0.1:$nginx_port/"
# 2. slow
start slow_reuse "$own/probe3.wasm"; url[slow_reuse]="http://127.0.0.1:$port/slow/50"; admin_of[slow_reuse]=$admin
start slow_fresh "$own/probe3.wasm" --max-instance-reuse-count 1; url[slow_fresh]="http://127.0.0.1:$port/slow/50"
admin_of[slow_fresh]=$admin
start slow_qjs_reuse "$build/corpus/p3js/slow.wasm"; url[slow_qjs_reuse]="http://127.0.0.1:$port/"
admin_of[slow_qjs_reuse]=$admin
start slow_qjs_fresh "$build/corpus/p3js/slow.wasm" --max-instance-reuse-count 1; url[slow_qjs_fresh]="http://127.0.0.1:$port/"
admin_of[slow_qjs_fresh]=$admin

for _ in $(seq "$rounds"); do
  for name in nginx p2_wat p3_c p3_wat p3_qjs p3_qjs_fresh; do best_of "$name" "$(rps "${url[$name]}" 16)"; done
  for name in slow_reuse slow_fresh slow_qjs_reuse slow_qjs_fresh; do
    conns=64
    case $name in slow_qjs_*) conns=512 ;; esac
    before=$(instances "${admin_of[$name]}")
    r=$(rps "${url[$name]}" $conns)
    if [ "$r" -gt "${best[$name]:-0}" ]; then
      best[$name]=$r
      made[$name]=$(( $(instances "${admin_of[$name]}") - before ))
    fi
  done
done

# 3. echo of 100 MB (MB/s = 100 / seconds of the best run)
head -c $((100 * 1000 * 1000)) /dev/urandom > "$out/body.bin"
start echo_p3_wat "$own/p3_echo.wasm" --max-request-body-size 200000000; url[echo_p3_wat]="http://127.0.0.1:$port/"
start echo_p3_qjs "$build/corpus/p3js/echo.wasm" --max-request-body-size 200000000; url[echo_p3_qjs]="http://127.0.0.1:$port/"
start echo_p2_js "$build/corpus/js/echo.wasm" --max-request-body-size 200000000; url[echo_p2_js]="http://127.0.0.1:$port/"
declare -A mbps
for _ in $(seq "$rounds"); do
  for name in echo_p3_wat echo_p3_qjs echo_p2_js; do
    t=$(curl -s -o "$out/echo.out" -w '%{time_total}' --data-binary @"$out/body.bin" \
          -H 'content-type: application/octet-stream' "${url[$name]}")
    if cmp -s "$out/echo.out" "$out/body.bin"; then
      m=$(awk -v t="$t" 'BEGIN { printf "%d", 100 / t }')
      [ "$m" -gt "${mbps[$name]:-0}" ] && mbps[$name]=$m
    else
      echo "p3.sh: $name did not echo the body back intact" >&2
    fi
  done
done
rm -f "$out/body.bin" "$out/echo.out"

# 4. GC-like work inside handle or in the idle hook (wrk --latency; p50 and p99 of the best run)
start gc "$own/probe3.wasm"
declare -A p50 p99 gcrps
for _ in $(seq "$rounds"); do
  for kind in inline idle; do
    wrk -t2 -c4 -d"${duration}s" --latency "http://127.0.0.1:$port/gc-$kind/300" > "$out/wrk-gc.txt"
    r=$(awk '/^Requests\/sec:/ { printf "%d", $2 }' "$out/wrk-gc.txt")
    if [ "$r" -gt "${gcrps[$kind]:-0}" ]; then
      gcrps[$kind]=$r
      p50[$kind]=$(awk '$1 == "50%" { print $2 }' "$out/wrk-gc.txt")
      p99[$kind]=$(awk '$1 == "99%" { print $2 }' "$out/wrk-gc.txt")
    fi
  done
done

n=${best[nginx]}
awk -v n="$n" -v p2="${best[p2_wat]}" -v c="${best[p3_c]}" -v w="${best[p3_wat]}" -v q="${best[p3_qjs]}" -v qf="${best[p3_qjs_fresh]}" \
    -v sr="${best[slow_reuse]}" -v sf="${best[slow_fresh]}" -v ir="${made[slow_reuse]:-0}" -v if_="${made[slow_fresh]:-0}" \
    -v qr="${best[slow_qjs_reuse]}" -v qf2="${best[slow_qjs_fresh]}" -v qir="${made[slow_qjs_reuse]:-0}" -v qif="${made[slow_qjs_fresh]:-0}" \
    -v e3="${mbps[echo_p3_wat]:-0}" -v eq="${mbps[echo_p3_qjs]:-0}" -v e2="${mbps[echo_p2_js]:-0}" -v d="$duration" 'BEGIN {
  printf "hello, 16 connections (best of runs)\n"
  printf "  nginx return 200                      %8d req/s\n", n
  printf "  p2 WAT hello, fresh instance          %8d req/s  %.2f x nginx\n", p2, p2 / n
  printf "  p3 C hello, p3 defaults               %8d req/s  %.2f x nginx\n", c, c / n
  printf "  p3 WAT hello, p3 defaults             %8d req/s  %.2f x nginx\n", w, w / n
  printf "  p3 qjs hello, p3 defaults             %8d req/s  %.2f x nginx\n", q, q / n
  printf "  p3 qjs hello, reuse count 1           %8d req/s  %.2f x nginx\n", qf, qf / n
  printf "slow handler (waits 50 ms), 64 connections, %d s\n", d
  printf "  p3 defaults                           %8d req/s  %6d instances created\n", sr, ir
  printf "  --max-instance-reuse-count 1          %8d req/s  %6d instances created\n", sf, if_
  if (sf > 0 && if_ > 0) printf "  reuse: %+.0f%% req/s, %+.0f%% instances\n", 100 * (sr - sf) / sf, 100 * (ir - if_) / if_
  printf "qjs slow handler (waits 200 ms), 512 connections, %d s\n", d
  printf "  p3 defaults                           %8d req/s  %6d instances created\n", qr, qir
  printf "  --max-instance-reuse-count 1          %8d req/s  %6d instances created\n", qf2, qif
  if (qf2 > 0 && qif > 0) printf "  reuse: %+.0f%% req/s, %+.0f%% instances\n", 100 * (qr - qf2) / qf2, 100 * (qir - qif) / qif
  printf "echo of a 100 MB body\n"
  printf "  p3 WAT echo (streams)                 %8d MB/s\n", e3
  printf "  p3 qjs echo                           %8d MB/s\n", eq
  printf "  p2 componentize-js echo               %8d MB/s\n", e2
}'
printf "GC-like work (300 units a request), 4 connections\n"
printf "  inside handle                         %8d req/s  p50 %s  p99 %s\n" "${gcrps[inline]:-0}" "${p50[inline]:-?}" "${p99[inline]:-?}"
printf "  in the idle hook                      %8d req/s  p50 %s  p99 %s\n" "${gcrps[idle]:-0}" "${p50[idle]:-?}" "${p99[idle]:-?}"
