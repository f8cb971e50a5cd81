#!/usr/bin/env bash
# CPU benchmark: each kernel in bench/cpu/ built natively (gcc -O2) and to wasm32-wasi
# (clang -O2), run both ways, checksums compared, times reported.
#
#   bash bench/cpu.sh [BUILD_DIR]        (default: build; needs BUILD_DIR/warren)
#   RUNS=5 KERNELS="sort vm" bash bench/cpu.sh build
#
# Every kernel is timed the same way: CPU time (user + sys), RUNS runs (default 7) alternating
# native and warren so both see the same load on a shared machine. Prints per kernel the best
# run of each and their ratio (the figure the targets of issue 14 are read from: interference
# only adds time, so the best run is the steadiest estimate), then the medians and their ratio.
# coremark_like's target is phrased as a share of native (native time / warren time, >= 0.7):
# its row also shows the share. The last line is the geometric mean of the best-run ratios.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
warren="$build/warren"
runs="${RUNS:-7}"
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

# CPU milliseconds (user + sys) of one command.
cpu_ms() {
  local TIMEFORMAT='%3U %3S' times
  times=$( { time bash -c "$1" >/dev/null 2>&1; } 2>&1 )
  awk -v t="$times" 'BEGIN { split(t, f, " "); printf "%d", (f[1] + f[2]) * 1000 + 0.5 }'
}

# CPU milliseconds of native and warren, runs alternating (after one warm-up run of each) so
# both see the same load: prints "native_best warren_best native_median warren_median". On a
# shared machine interference only adds time, so the best of the runs is the steadiest figure
# of what each costs; the medians show a typical run.
time_alternating() {
  local native_times=() warren_times=()
  bash -c "$1" >/dev/null
  bash -c "$2" >/dev/null
  for _ in $(seq "$runs"); do
    native_times+=("$(cpu_ms "$1")")
    warren_times+=("$(cpu_ms "$2")")
  done
  local median='{ v[NR] = $1 } END { n = NR; if (n % 2) print v[(n + 1) / 2]; else print (v[n / 2] + v[n / 2 + 1]) / 2 }'
  echo "$(printf "%s\n" "${native_times[@]}" | sort -n | head -1)" \
       "$(printf "%s\n" "${warren_times[@]}" | sort -n | head -1)" \
       "$(printf "%s\n" "${native_times[@]}" | sort -n | awk "$median")" \
       "$(printf "%s\n" "${warren_times[@]}" | sort -n | awk "$median")"
}

printf "%-14s %10s %10s %7s %12s %7s %7s\n" kernel "native ms" "warren ms" ratio "median ms" ratio share
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
  read -r native_ms warren_ms native_med warren_med < <(time_alternating "'$out/$k'" "'$warren' run '$out/$k.wasm'")
  ratio=$(awk -v w="$warren_ms" -v n="$native_ms" 'BEGIN { printf "%.2f", w / n }')
  ratio_med=$(awk -v w="$warren_med" -v n="$native_med" 'BEGIN { printf "%.2f", w / n }')
  share=""
  if [ "$k" = coremark_like ]; then share=$(awk -v w="$warren_ms" -v n="$native_ms" 'BEGIN { printf "%.2f", n / w }'); fi
  ratios+=("$ratio")
  printf "%-14s %10s %10s %7s %12s %7s %7s\n" "$k" "$native_ms" "$warren_ms" "$ratio" "$native_med/$warren_med" "$ratio_med" "$share"
done
echo "(CPU ms, user + sys, best of $runs runs alternating native and warren; median ms: native/warren medians)"
if [ ${#ratios[@]} -gt 0 ]; then
  printf "%s\n" "${ratios[@]}" |
    awk '{ s += log($1); n++ } END { printf "geometric mean warren/native (best): %.2f (%d kernels)\n", exp(s / n), n }'
fi
exit $status
