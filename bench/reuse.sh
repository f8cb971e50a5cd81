#!/usr/bin/env bash
# Instance reuse benchmark (issue 5): `warren serve` req/s with p2's default fresh instance per
# request vs `--max-instance-reuse-count 128` (sampled from [64, 128] per instance, as a user
# gets it), for the C handler and the WAT hello of the corpus; wrk on loopback, keep-alive,
# 16 connections, the two servers of a component alternating ROUNDS times (best of each);
# plus the median microseconds per instantiation from instantiate_bench. Prints a table.
#
#   bash bench/reuse.sh [BUILD_DIR]          (default: build; needs BUILD_DIR/warren,
#                                             BUILD_DIR/instantiate_bench and BUILD_DIR/corpus)
#   ROUNDS=5 DURATION=10 WORKERS=2 bash bench/reuse.sh build
# Needs wrk (scripts/deps.sh). Build without sanitizers for real figures. The corpus is built by
# the component.corpus_build test (or: bash ../shared/corpus/build.sh BUILD_DIR/corpus).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
warren="$build/warren"
instantiate="$build/instantiate_bench"
corpus="$build/corpus"
rounds="${ROUNDS:-3}"
duration="${DURATION:-5}"
workers="${WORKERS:-$(nproc)}"
out="$build/bench-reuse"
mkdir -p "$out"
for tool in "$warren" "$instantiate"; do
  [ -x "$tool" ] || { echo "reuse.sh: $tool not found; build Warren first" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "reuse.sh: wrk not installed (scripts/deps.sh)" >&2; exit 1; }
components=(wat/http-hello c/http-handler)
for c in "${components[@]}"; do
  [ -s "$corpus/$c.wasm" ] || { echo "reuse.sh: $corpus/$c.wasm missing (ctest -R corpus_build)" >&2; exit 1; }
done

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

# Starts `warren serve` on a free port, which it leaves in $port.
start_server() { # name component flags...
  local name=$1 component=$2
  shift 2
  rm -f "$out/$name.out"  # a previous run's line must not be taken for this server's
  "$warren" serve --addr 127.0.0.1:0 --workers "$workers" "$@" "$component" > "$out/$name.out" 2> "$out/$name.err" &
  pids+=($!)
  for _ in $(seq 300); do
    grep -q '^Serving HTTP on' "$out/$name.out" 2>/dev/null && break
    sleep 0.1
  done
  port=$(sed -n 's|^Serving HTTP on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$out/$name.out")
  [ -n "$port" ] || { echo "reuse.sh: warren serve $component did not start: $(cat "$out/$name.err")" >&2; exit 1; }
}

# Requests per second of one wrk run; a run with non-2xx answers or socket errors does not count.
rps() {
  wrk -t2 -c16 -d"${duration}s" "$1" > "$out/wrk.txt"
  if grep -q 'Non-2xx\|Socket errors' "$out/wrk.txt"; then
    echo "reuse.sh: errors from $1:" >&2
    cat "$out/wrk.txt" >&2
    echo 0
    return
  fi
  awk '/^Requests\/sec:/ { printf "%d", $2 }' "$out/wrk.txt"
}

declare -A best inst
for c in "${components[@]}"; do
  key=${c//\//_}
  start_server "$key-fresh" "$corpus/$c.wasm"
  fresh_port=$port
  start_server "$key-reuse" "$corpus/$c.wasm" --max-instance-reuse-count 128
  reuse_port=$port
  best[$key-fresh]=0
  best[$key-reuse]=0
  for r in $(seq "$rounds"); do
    for mode in fresh reuse; do
      port=$fresh_port
      [ "$mode" = reuse ] && port=$reuse_port
      v=$(rps "http://127.0.0.1:$port/")
      echo "round $r  $c  $mode  $v req/s"
      [ "${v:-0}" -gt "${best[$key-$mode]}" ] && best[$key-$mode]=$v
    done
  done
  cleanup
  pids=()
  inst[$key]=$("$instantiate" "$corpus/$c.wasm" 5000 | sed -n 's/.*median \([0-9.]*\) us.*/\1/p')
done

echo
echo "best of $rounds (wrk -t2 -c16 -d${duration}s, $workers workers); instantiation: median of 5000"
printf "  %-20s %14s %14s %16s %8s\n" component "instantiate" "fresh req/s" "reuse 128 req/s" ratio
for c in "${components[@]}"; do
  key=${c//\//_}
  awk -v c="$c" -v i="${inst[$key]}" -v f="${best[$key-fresh]}" -v r="${best[$key-reuse]}" 'BEGIN {
    printf "  %-20s %11.1f us %14d %16d %7.2fx\n", c, i, f, r, (f > 0 ? r / f : 0)
  }'
done
