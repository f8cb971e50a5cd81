#!/usr/bin/env bash
# Run one spec suite (a folder of /work/shared/spec/wast) through `warren wast` and compare
# each file's pass count with expected.tsv (wabt's spectest-interp counts).
#
# usage: run_suite.sh WARREN SPEC_DIR BUILD_DIR SUITE AT_BAR [STRICT_ALLOW]
#   WARREN     the warren binary
#   SPEC_DIR   the shared spec folder (holds expected.tsv and wast/)
#   BUILD_DIR  where converted scripts are cached (BUILD_DIR/SUITE/STEM/STEM.json)
#   SUITE      core, simd, tail-call, ...
#   AT_BAR     1: fail when the suite passes fewer than expected; 0: report only
#   STRICT_ALLOW  when given, run `warren wast --strict` (rejections must also have the spec's
#              phase and message) and fail on any failure not listed in this file, which holds
#              SUITE/FILE.wast:LINE entries, one a line, each with a comment saying why
set -u
if [ $# -ne 5 ] && [ $# -ne 6 ]; then
  echo "usage: $0 WARREN SPEC_DIR BUILD_DIR SUITE AT_BAR [STRICT_ALLOW]" >&2
  exit 2
fi
warren=$1 spec=$2 build=$3 suite=$4 at_bar=$5 strict_allow=${6:-}
strict=()
if [ -n "$strict_allow" ]; then
  if [ ! -f "$strict_allow" ]; then
    echo "no allow-list $strict_allow" >&2
    exit 2
  fi
  strict=(--strict)
fi
unexpected=0

if ! command -v wast2json >/dev/null; then
  echo "wast2json not found: install Debian's wabt (apt-get install wabt)" >&2
  exit 2
fi
if [ ! -f "$spec/expected.tsv" ]; then
  echo "no expected.tsv in $spec" >&2
  exit 2
fi

files=0 passed=0 failed=0 expected=0 short=0
while IFS=$'\t' read -r row_suite file _ _ want total flags; do
  [ "$row_suite" = "$suite" ] || continue
  files=$((files + 1))
  expected=$((expected + want))
  name=$(basename "$file")
  stem=${name%.wast}
  wast="$spec/wast/$suite/$name"
  out="$build/$suite/$stem"
  json="$out/$stem.json"
  # Convert once; again only when the .wast, its path or the flags change.
  key="$wast $flags"
  if [ ! -f "$json" ] || [ "$wast" -nt "$json" ] || [ "$(cat "$out/key" 2>/dev/null)" != "$key" ]; then
    rm -rf "$out" && mkdir -p "$out"
    # shellcheck disable=SC2086  # flags is a word list
    if ! wast2json $flags "$wast" -o "$json" >"$out/convert.log" 2>&1; then
      echo "$suite/$name: wast2json failed: $(head -n 3 "$out/convert.log")"
      rm -f "$json"
      failed=$((failed + total)) short=$((short + 1)) unexpected=$((unexpected + 1))
      continue
    fi
    printf '%s' "$key" >"$out/key"
  fi
  # Warren takes wast2json's feature flags, except those for proposals it has no switch for.
  # Multi-memory is on in Warren by default (as in wasmtime) but off in wabt, whose defaults
  # the scripts assume (core's "multiple memories" assertions): off unless asked for.
  wflags=(--disable-multi-memory)
  for f in $flags; do
    case $f in
      --disable-reference-types) ;;
      *) wflags+=("$f") ;;
    esac
  done
  "$warren" wast "${strict[@]}" "${wflags[@]}" "$json" >"$out/result.txt" 2>&1
  status=$?
  last=$(tail -n 1 "$out/result.txt")
  if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
  else
    p=0 f=$total
    echo "$suite/$name: warren wast did not finish (exit $status): $(tail -n 3 "$out/result.txt" | tr '\n' ' ')"
    unexpected=$((unexpected + 1))
  fi
  passed=$((passed + p)) failed=$((failed + f))
  if [ ${#strict[@]} -gt 0 ]; then
    # Failure lines name the script as SPEC_DIR/wast/SUITE/FILE.wast:LINE.
    while IFS= read -r line; do
      where=${line%%: *}
      where=${where#"$spec/wast/"}
      if ! grep -qxF "$where" <(sed -e 's/[[:space:]]*#.*//' -e '/^$/d' "$strict_allow"); then
        echo "strict: $line"
        unexpected=$((unexpected + 1))
      fi
    done < <(grep -E '^[^ ]+:[0-9]+: ' "$out/result.txt")
    continue
  fi
  if [ "$p" -lt "$want" ]; then
    short=$((short + 1))
    sample=$(grep -m 1 -E '^[^ ]+:[0-9]+: ' "$out/result.txt")
    printf '%s/%s: %d/%d passed (short by %d); first failure: %s\n' "$suite" "$name" "$p" "$want" $((want - p)) "$sample"
  fi
done <"$spec/expected.tsv"

if [ "$files" -eq 0 ]; then
  echo "no files for suite '$suite' in $spec/expected.tsv" >&2
  exit 2
fi

printf '\n%-20s %6s %8s %16s %6s\n' suite files passed expected-passed short
printf '%-20s %6d %8d %16d %6d\n' "$suite" "$files" "$passed" "$expected" "$short"
echo "$passed passed, $failed failed"

if [ ${#strict[@]} -gt 0 ]; then
  if [ "$unexpected" -gt 0 ]; then
    echo "FAIL: $unexpected strict failure(s) in suite $suite not in $strict_allow"
    exit 1
  fi
  exit 0
fi
if [ "$at_bar" = 1 ] && [ "$passed" -lt "$expected" ]; then
  echo "FAIL: suite $suite must be at the bar ($expected passed), it passes $passed"
  exit 1
fi
exit 0
