#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (AddressSanitizer + UndefinedBehaviorSanitizer) and
# runs each one for SECONDS (default 30) from the seeds in tests/fuzz/corpus/<target>/.
# Exits non-zero if any target crashed, leaked, hit undefined behaviour, ran out of memory or
# timed out; the input that did it is kept (path printed). Inputs saved under
# tests/fuzz/crashes/<target>/ are replayed first as regression seeds.
#   scripts/fuzz.sh [SECONDS]
# Environment: TWINFE_FUZZ_BUILD_DIR (build-fuzz), TWINFE_FUZZ_WORK_DIR (BUILD_DIR/work),
# TWINFE_FUZZ_TARGETS (all: "nifti nrrd metaimage msh case_yaml"), TWINFE_FUZZ_JOBS (build jobs, nproc).
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
seconds=${1:-30}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "usage: scripts/fuzz.sh [SECONDS > 0]" >&2; exit 2; }
build=${TWINFE_FUZZ_BUILD_DIR:-$src/build-fuzz}
work=${TWINFE_FUZZ_WORK_DIR:-$build/work}
targets=(${TWINFE_FUZZ_TARGETS:-nifti nrrd metaimage msh case_yaml})
start=$SECONDS

# clang and its sanitizer/libFuzzer runtimes are needed only here, not by the normal build.
bash scripts/setup.sh >/dev/null
fuzz_packages=(clang libclang-rt-14-dev zlib1g-dev)
missing=()
for p in "${fuzz_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fuzz: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

mkdir -p "$build"
log=$build/fuzz-build.log
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTWINFE_FUZZ=ON \
  -DBUILD_TESTING=OFF > "$log" 2>&1 || { cat "$log"; exit 1; }
cmake --build "$build" --target fuzz_targets -j"${TWINFE_FUZZ_JOBS:-$(nproc)}" >> "$log" 2>&1 || { tail -n 60 "$log"; exit 1; }
echo "fuzz: built in $((SECONDS - start)) s ($build)"

# Open MPI and the uninstrumented libraries below us leak at start-up: tests/sanitizers says
# which and why (the slow unwinder lets the suppressions see their frames). Our own code is
# never suppressed.
export ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$src/tests/sanitizers/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$src/tests/sanitizers/ubsan.supp${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1

declare -A max_len=([nifti]=8192 [nrrd]=8192 [metaimage]=8192 [msh]=16384 [case_yaml]=4096)
passed=0
failed=0
for t in "${targets[@]}"; do
  exe=$build/tests/fuzz/fuzz_$t
  corpus=$work/corpus/$t
  artifacts=$work/crashes/$t
  tlog=$work/logs/$t.log
  mkdir -p "$corpus" "$artifacts" "$work/logs"
  : > "$tlog"
  status=0
  # Regression: every input that once crashed must now be refused cleanly.
  known=()
  [ -d "tests/fuzz/crashes/$t" ] && mapfile -t known < <(find "tests/fuzz/crashes/$t" -type f ! -name '*.md' | sort)
  for input in "${known[@]}"; do
    # Twice: libFuzzer checks for leaks between runs of the same input, not after a single one.
    if ! "$exe" -runs=2 -rss_limit_mb=2048 -timeout=60 "$input" >> "$tlog" 2>&1; then
      echo "fuzz_$t: FAILED on the saved crash input $input (log $tlog)"
      status=1
    fi
  done
  dict=()
  [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
  if [ $status -eq 0 ]; then
    # New inputs go to the work corpus (first folder); the checked-in seeds are only read.
    "$exe" -max_total_time="$seconds" -max_len="${max_len[$t]}" -rss_limit_mb=2048 -malloc_limit_mb=1024 \
      -timeout=60 -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" \
      "$corpus" "tests/fuzz/corpus/$t" >> "$tlog" 2>&1 || status=$?
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tlog" | tail -n 1)
  if [ $status -eq 0 ]; then
    echo "fuzz_$t: ${runs:-0} executions in ${seconds} s, no crash"
    passed=$((passed + 1))
  else
    echo "fuzz_$t: FAILED after ${runs:-no} new executions (exit $status); log $tlog"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|artifact_prefix|Test unit written)' "$tlog" | head -n 8 | sed 's/^/  /' || true
    failed=$((failed + 1))
  fi
done
echo "fuzz: total $((SECONDS - start)) s"
echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
