#!/usr/bin/env bash
# The async runtime's costs: async export calls at 1/16/256 in flight (callback and stackful),
# stream copies of 64 KiB between two components and from a guest to the host.
#
#   bash bench/async.sh [BUILD_DIR]     (default: build; needs BUILD_DIR/async_bench and the
#                                        corpus' jco in ${CORPUS_WORK:-/tmp/corpus} to assemble)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
jco="${CORPUS_WORK:-/tmp/corpus}/npm/node_modules/@bytecodealliance/jco/dist/jco.js"
[ -x "$build/async_bench" ] || { echo "async.sh: $build/async_bench not found; build Warren first" >&2; exit 1; }
[ -f "$jco" ] || { echo "async.sh: $jco not found; build the corpus (shared/corpus/build.sh) first" >&2; exit 1; }
mkdir -p "$build/bench-async"
node "$jco" parse "$root/bench/async/async.wat" -o "$build/bench-async/async.wasm"
"$build/async_bench" "$build/bench-async/async.wasm"
