#!/usr/bin/env bash
# Installs every Debian package Warren's build, tests, benchmarks and fuzzers need.
# Idempotent; used by the README's commands and by .ci/run.
set -euo pipefail
pkgs=(cmake ninja-build gcc clang lld libclang-rt-14-dev wasi-libc libclang-rt-14-dev-wasm32 wabt
      python3 hyperfine nodejs pkg-config libh2o-evloop-dev libssl-dev wrk nginx-light)
# The component corpus (tests/component.cmake) needs npm; some nodejs builds bundle it.
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
