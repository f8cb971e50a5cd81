#!/usr/bin/env bash
# Re-assembles examples/hello-http.wasm from examples/hello-http.wat with `jco parse` (npm's
# @bytecodealliance/jco; the test set-up installs it for the component corpus). The .wasm is
# committed so that building and serving the example needs no npm; tests/examples_http.cmake
# checks that it still matches its source.
#   bash examples/build-hello-http.sh [JCO_JS] [OUT]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jco="${1:-${CORPUS_WORK:-/tmp/corpus}/npm/node_modules/@bytecodealliance/jco/dist/jco.js}"
out="${2:-$here/hello-http.wasm}"
[ -f "$jco" ] || { echo "build-hello-http.sh: jco not found at $jco" >&2; exit 1; }
rm -f "$out"
node "$jco" parse "$here/hello-http.wat" -o "$out"
# jco parse exits 0 on some errors: an output must exist
[ -s "$out" ] || { echo "build-hello-http.sh: jco parse failed" >&2; exit 1; }
