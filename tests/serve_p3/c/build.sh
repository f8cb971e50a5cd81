#!/usr/bin/env bash
# Builds one of this folder's C guests into a component: Debian clang --target=wasm32-wasi with
# wasi-libc (reactor), then wit-component's embed and new through jco (the corpus' wt.mjs).
#   build.sh NPM_DIR WT_MJS WIT_SRC_DIR OUT_DIR NAME WORLD
# builds NAME.c and p3_reply.c, in WORLD of world.wit, into OUT_DIR/NAME_c.wasm.
# NPM_DIR holds jco's node_modules; WIT_SRC_DIR is Warren's src/wasi/wit (its p3-*.wit become the
# world's deps). The guests use no WASI from libc, so the component imports only what they call.
set -euo pipefail
[ $# -eq 6 ] || { echo "usage: $0 NPM_DIR WT_MJS WIT_SRC_DIR OUT_DIR NAME WORLD" >&2; exit 2; }
npm=$1 wt=$2 witsrc=$3 out=$4 name=$5 world=$6
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out" && out=$(cd "$out" && pwd) # the tools run from $npm
work=$out/c-$name
rm -rf "$work" "$out/${name}_c.wasm"
mkdir -p "$work/wit/deps"
cp "$witsrc"/p3-*.wit "$work/wit/deps/"
cp "$here/world.wit" "$work/wit/"
clang --target=wasm32-wasi -O2 -Wall -Wextra -Werror -mexec-model=reactor -Wl,--strip-debug \
      -o "$work/core.wasm" "$here/$name.c" "$here/p3_reply.c"
cmp -s "$wt" "$npm/$(basename "$wt")" || cp "$wt" "$npm/"  # it resolves jco from the node_modules beside it
(cd "$npm" && node "$(basename "$wt")" embed "$work/core.wasm" "$work/wit" "$world" "$work/embed.wasm" \
           && node "$(basename "$wt")" new "$work/embed.wasm" "$out/${name}_c.wasm" none)
[ -s "$out/${name}_c.wasm" ]
