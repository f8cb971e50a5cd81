#!/bin/sh
# Builds tests/wasi_p2/fs_tool.c into a command component (clang + wasi-libc, then jco's
# preview1 command adapter) and lays out the directory tree it is run against.
# usage: build_fs_tool.sh SOURCE OUT_DIR CLANG NODE JCO_JS
set -e
src=$1 out=$2 clang=$3 node=$4 jco=$5
mkdir -p "$out"
"$clang" --target=wasm32-wasi -O2 -o "$out/fs_tool.core.wasm" "$src"
"$node" "$jco" new "$out/fs_tool.core.wasm" --wasi-command -o "$out/fs_tool.wasm"
rm -rf "$out/tree"
mkdir -p "$out/tree/data"
echo "input file" > "$out/tree/data/in.txt"
echo "secret" > "$out/tree/outside.txt"
ln -s ../outside.txt "$out/tree/data/escape"
ln -s in.txt "$out/tree/data/link"
printf 'line one\nline two\n' > "$out/stdin.txt"
