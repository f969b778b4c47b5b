#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time on its seed corpus and regression inputs.
#   fuzz/run.sh <fuzz build folder> <seconds per target> [target ...]
# The build folder is configured with CC=clang CXX=clang++ -DSTOXVP_FUZZ=ON
# -DSTOXVP_SANITIZE=address,undefined (make fuzz and .ci/run do it). New coverage goes to
# <build>/fuzz-work/<target>/ (not into the repository's corpus); a crash is written to
# <build>/fuzz-artifacts/<target>/ and makes the script fail after all targets have run. To keep
# a crash as a regression input: copy it to fuzz/regressions/<target>/ once the fix is in (or to
# fuzz/pending/<target>/ until then), with a name that says what it breaks.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:?usage: fuzz/run.sh <fuzz build folder> <seconds per target> [target ...]}"
seconds="${2:?usage: fuzz/run.sh <fuzz build folder> <seconds per target> [target ...]}"
shift 2
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(config tech model idx elf ring gdb_rsp events ap_program)
build="$(cd "$build" && pwd)"

# SystemC's kernel keeps allocations for the life of the process: the only suppression.
export LSAN_OPTIONS="suppressions=$here/../.ci/lsan-systemc.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1

failed=()
for t in "${targets[@]}"; do
  bin="$build/fuzz/fuzz_$t"
  [ -x "$bin" ] || { echo "fuzz: $bin is not built (cmake --build $build --target fuzzers)" >&2; exit 2; }
  work="$build/fuzz-work/$t"
  artifacts="$build/fuzz-artifacts/$t"
  mkdir -p "$work" "$artifacts"
  extra=()
  leaks=1
  case "$t" in
    config|tech) extra+=(-dict="$here/json.dict") ;;
    # SystemC switches coroutine stacks without telling ASan: LeakSanitizer's check after an
    # input faults on a coroutine stack's guard page, and without stack scanning (use_stacks=0,
    # as the sanitizer run of the suite does at exit) it reports libFuzzer's own live objects.
    # The ring model's leaks are checked by that sanitizer run.
    ring) leaks=0; extra+=(-detect_leaks=0) ;;
  esac
  echo "fuzz: $t for ${seconds}s"
  # -timeout: one input may take 10 s (a ring script simulates up to 50 ms); -rss_limit_mb bounds
  # what one input may make the parser allocate (the readers promise to refuse huge inputs first).
  if ! ASAN_OPTIONS="detect_leaks=$leaks" "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$artifacts/" "${extra[@]}" "$work" "$here/corpus/$t" "$here/regressions/$t" \
       > "$build/fuzz-$t.log" 2>&1; then
    failed+=("$t")
    echo "fuzz: $t FOUND A CRASH (log $build/fuzz-$t.log, input in $artifacts/):" >&2
    grep -E "ERROR: |runtime error|==ERROR|SUMMARY|Test unit written" "$build/fuzz-$t.log" | head -8 >&2
  fi
  grep -E "stat::number_of_executed_units|stat::new_units_added" "$build/fuzz-$t.log" | tr '\n' ' '
  echo
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: crashes in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: no crash in ${targets[*]} (${seconds}s each)"
