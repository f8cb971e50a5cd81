#!/usr/bin/env bash
# CPU benchmark: each kernel in bench/cpu/ built natively (gcc -O2) and to wasm32-wasi
# (clang -O2), run both ways, checksums compared, times reported.
#
#   bash bench/cpu.sh [BUILD_DIR]        (default: build; needs BUILD_DIR/warren)
#   RUNS=5 KERNELS="sort vm" bash bench/cpu.sh build
#   NO_HYPERFINE=1 bash bench/cpu.sh      (time with date even if hyperfine is installed)
#
# Prints per kernel: native ms, warren ms, warren/native; the last line is the geometric
# mean of the ratios. Times are hyperfine means when hyperfine is installed, else the best
# of RUNS runs measured with date +%s%N.
# coremark_like's target is phrased as a share of native (native time / warren time, issue
# 14: >= 0.7), so that kernel is timed differently: CPU time (user + sys) rather than wall
# time, RUNS runs of each alternating native and warren so both see the same load on a shared
# machine, medians; its row also shows the share.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
warren="$build/warren"
runs="${RUNS:-3}"
kernels="${KERNELS:-hash sort matmul vm strings simd coremark_like}"
out="$build/bench-cpu"
mkdir -p "$out"

[ -x "$warren" ] || { echo "cpu.sh: $warren not found; build Warren first" >&2; exit 1; }
for k in $kernels; do
  # -ffp-contract=off: no fused multiply-add natively, so doubles round as in wasm.
  gcc -O2 -ffp-contract=off -o "$out/$k" "$root/bench/cpu/$k.c"
  # the simd kernel is the one built with wasm SIMD (clang vectorises its loops to 128 bits)
  wasm_flags=()
  if [ "$k" = simd ]; then wasm_flags=(-msimd128); fi
  clang --target=wasm32-wasi -O2 "${wasm_flags[@]}" -o "$out/$k.wasm" "$root/bench/cpu/$k.c"
done

# Milliseconds for one command (a string run by the shell).
time_ms() {
  if [ -z "${NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null; then
    hyperfine --style none --warmup 1 --runs "$runs" --export-csv "$out/time.csv" "$1" >/dev/null
    awk -F, 'NR == 2 { printf "%.1f", $2 * 1000 }' "$out/time.csv"
  else
    local best="" start end ms
    for _ in $(seq "$runs"); do
      start=$(date +%s%N)
      bash -c "$1" >/dev/null
      end=$(date +%s%N)
      ms=$(( (end - start) / 1000000 ))
      if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    echo "$best"
  fi
}

# CPU milliseconds (user + sys) of one command.
cpu_ms() {
  local TIMEFORMAT='%3U %3S' times
  times=$( { time bash -c "$1" >/dev/null 2>&1; } 2>&1 )
  awk -v t="$times" 'BEGIN { split(t, f, " "); printf "%d", (f[1] + f[2]) * 1000 + 0.5 }'
}

# Median CPU milliseconds of native and warren, runs alternating (after one warm-up run of
# each); prints "native_ms warren_ms".
time_alternating_medians() {
  local native_times=() warren_times=()
  bash -c "$1" >/dev/null
  bash -c "$2" >/dev/null
  for _ in $(seq "$runs"); do
    native_times+=("$(cpu_ms "$1")")
    warren_times+=("$(cpu_ms "$2")")
  done
  local median='{ v[NR] = $1 } END { n = NR; if (n % 2) print v[(n + 1) / 2]; else print (v[n / 2] + v[n / 2 + 1]) / 2 }'
  echo "$(printf "%s\n" "${native_times[@]}" | sort -n | awk "$median")" \
       "$(printf "%s\n" "${warren_times[@]}" | sort -n | awk "$median")"
}

printf "%-14s %12s %12s %8s %8s\n" kernel "native ms" "warren ms" ratio share
ratios=()
status=0
for k in $kernels; do
  native_sum=$("$out/$k")
  warren_sum=$("$warren" run "$out/$k.wasm")
  if [ "$native_sum" != "$warren_sum" ]; then
    echo "$k: checksum mismatch: native '$native_sum', warren '$warren_sum'" >&2
    status=1
    continue
  fi
  share=""
  if [ "$k" = coremark_like ]; then
    read -r native_ms warren_ms < <(time_alternating_medians "'$out/$k'" "'$warren' run '$out/$k.wasm'")
    share=$(awk -v w="$warren_ms" -v n="$native_ms" 'BEGIN { printf "%.2f", n / w }')
  else
    native_ms=$(time_ms "'$out/$k'")
    warren_ms=$(time_ms "'$warren' run '$out/$k.wasm'")
  fi
  ratio=$(awk -v w="$warren_ms" -v n="$native_ms" 'BEGIN { printf "%.2f", w / n }')
  ratios+=("$ratio")
  printf "%-14s %12s %12s %8s %8s\n" "$k" "$native_ms" "$warren_ms" "$ratio" "$share"
done
case " $kernels " in
  *" coremark_like "*) echo "(coremark_like: CPU ms, user + sys, medians of $runs alternating runs)" ;;
esac
if [ ${#ratios[@]} -gt 0 ]; then
  printf "%s\n" "${ratios[@]}" |
    awk '{ s += log($1); n++ } END { printf "geometric mean warren/native: %.2f (%d kernels)\n", exp(s / n), n }'
fi
exit $status
