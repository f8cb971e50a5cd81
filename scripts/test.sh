#!/usr/bin/env bash
# Runs every test under AddressSanitizer + UBSan (built twice), one under ThreadSanitizer, and a
# release smoke run:
#   build-asan/  gcc                      all unit, spec, run and component tests
#   build-fuzz/  clang + libFuzzer        the unit and component tests again, and a short run of every
#                                         fuzz target (the slow end-to-end and spec suites, which the
#                                         gcc build already ran, are skipped to keep CI short)
#   build-tsan/  clang + ThreadSanitizer   the test that instantiates and runs one component from
#                                         several threads at once (component.plan), for races in
#                                         what threads share: lazy translation, instantiation plans;
#                                         then the server's threads (workers, pool, ticker, p3
#                                         instances on fibers, which fiber.c announces to TSan)
#                                         through the serve, serve_p3, serve_e2e and embed tests, on
#                                         the interpreter: TSan cannot see native code, whose calls
#                                         through a published entry acquire it with a plain load
#                                         (x86-64 loads are acquires), so it would report the
#                                         callee's internal code as raced
#   build-release/  gcc -O3 (CMAKE_BUILD_TYPE=Release), as a user builds it: compiled warning-free
#                   (-Werror), then a smoke run: the quick base, engine and `warren run` tests (the
#                   engine's include what depends on the allocator not faulting, as ASan's does)
# Extra arguments go to both ctest runs (e.g. -R spec_core).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
jobs=$(nproc)

cmake -S . -B build-asan -G Ninja -DWARREN_SANITIZE=ON >/dev/null
cmake --build build-asan
ctest --test-dir build-asan --output-on-failure -j "$jobs" --timeout 900 "$@"

CC=clang cmake -S . -B build-fuzz -G Ninja -DWARREN_SANITIZE=ON -DWARREN_FUZZ=ON >/dev/null
cmake --build build-fuzz
ctest --test-dir build-fuzz --output-on-failure -j "$jobs" --timeout 900 \
  -E '^(spec_|serve_e2e\.[a-z_]+$|wit\.wasi|examples\.|component_values\.[^.]+\.[0-9])' "$@"

# (its .wat is assembled with the corpus' jco, which the first build installed: no corpus build here)
CC=clang cmake -S . -B build-tsan -G Ninja -DCMAKE_C_FLAGS=-fsanitize=thread -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread \
  -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread >/dev/null
cmake --build build-tsan --target plan_test warren pool_test serve_test_server serve_test_task serve_test_reactor embed_test
TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan --output-on-failure -R '^component\.plan' -FS component_corpus
[ -e build-tsan/corpus ] || ln -s ../build-asan/corpus build-tsan/corpus # the same components, built
WARREN_ENGINE=interp TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan --output-on-failure -j "$jobs" --timeout 900 \
  -R '^(serve\.|serve_p3\.|serve_e2e\.|embed\.(api|[a-z0-9]+\.assemble)$)'

cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release
ctest --test-dir build-release --output-on-failure -j "$jobs" -R '^(base_|run\.|engine_)'
