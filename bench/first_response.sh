#!/usr/bin/env bash
# Time to the first response of `warren serve` with a warm cache file (wasm/cache.h), for one or
# two builds, alternating ROUNDS times: per start, the server's CPU and the wall time until it
# listens, then the CPU and wall time its first request adds (what translating the functions the
# request runs cost before the file held them). Each build keeps its own cache directory, warmed
# by a first start that is not counted.
#
#   bash bench/first_response.sh COMPONENT.wasm WARREN [OTHER_WARREN]
#   ROUNDS=5 bash bench/first_response.sh build/corpus/js/hello.wasm build/warren /tmp/old/warren
# Loopback only; each server is stopped by its PID.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: first_response.sh COMPONENT.wasm WARREN [OTHER_WARREN]" >&2; exit 2; }
component="$1"
shift
rounds="${ROUNDS:-5}"
ticks=$(getconf CLK_TCK)
out=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$out"' EXIT
cpu_ms() { awk -v t="$ticks" '{print int(($14 + $15) * 1000 / t)}' "/proc/$1/stat"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# one start of build $1 (cache directory $2): prints "listen_cpu listen_wall request_cpu request_wall"
start_once() {
  local warren=$1 cache=$2 port="" t0 t1 t2 c1 c2 code
  t0=$(now_ms)
  XDG_CACHE_HOME=$cache "$warren" serve --addr 127.0.0.1:0 --workers 1 "$component" >"$out/stdout" 2>"$out/stderr" &
  pid=$!
  for _ in $(seq 6000); do
    port=$(sed -n 's|^Serving HTTP on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$out/stdout")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.005
  done
  [ -n "$port" ] || { echo "first_response.sh: $warren did not start" >&2; cat "$out/stderr" >&2; exit 1; }
  t1=$(now_ms)
  c1=$(cpu_ms "$pid")
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "http://127.0.0.1:$port/")
  t2=$(now_ms)
  c2=$(cpu_ms "$pid")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
  [ "$code" = 200 ] || { echo "first_response.sh: $warren answered $code" >&2; exit 1; }
  echo "$c1 $((t1 - t0)) $((c2 - c1)) $((t2 - t1))"
}

builds=("$@")
for i in "${!builds[@]}"; do start_once "${builds[$i]}" "$out/cache$i" >/dev/null; done # warm the caches
for ((r = 0; r < rounds; r++)); do
  for i in "${!builds[@]}"; do start_once "${builds[$i]}" "$out/cache$i" >>"$out/samples$i"; done
done
for i in "${!builds[@]}"; do
  # medians of each column
  read -r lc lw rc rw < <(for c in 1 2 3 4; do cut -d' ' -f$c "$out/samples$i" | sort -n | awk '{a[NR]=$1} END {printf "%s ", a[int((NR+1)/2)]}'; done; echo)
  echo "${builds[$i]}: listening ${lc} ms CPU (${lw} ms wall), first response +${rc} ms CPU (+${rw} ms wall), median of $rounds"
done
