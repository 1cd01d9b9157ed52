#!/usr/bin/env bash
# Sets up what is missing, builds libtwinfe, its app, tests and benchmarks with
# AddressSanitizer + UndefinedBehaviorSanitizer (gcc) in build-asan/, and runs every test
# through ctest under them. Any report from our code fails its test: undefined behaviour stops
# the program, ASan stops at the first error, LeakSanitizer fails a program that leaks at exit.
# Leaks and reports inside Open MPI and other uninstrumented libraries are suppressed by the
# files in tests/sanitizers/ (each entry says why it is not ours).
#   scripts/sanitize.sh [ctest arguments, e.g. -R unit/]
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build=${TWINFE_ASAN_BUILD_DIR:-$src/build-asan}
bash scripts/setup.sh
mkdir -p "$build"
log=$build/sanitize-build.log
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTWINFE_SANITIZE=ON > "$log" 2>&1 || { cat "$log"; exit 1; }
cmake --build "$build" -j"$(nproc)" >> "$log" 2>&1 || { tail -n 60 "$log"; exit 1; }

supp=$src/tests/sanitizers
# fast_unwind_on_malloc=0: Open MPI, PETSc, VTK and Gmsh have no frame pointers, so only the
# slow unwinder reaches the frames the suppressions name (costs time, see docs/robustness.md).
# verify_asan_link_order=0: tests/clients/test_install.py builds an uninstrumented program
# against the installed (instrumented) libtwinfe.so, which brings libasan in as a dependency
# rather than first; everything it runs of ours is still checked.
export ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
ctest --test-dir "$build" --output-on-failure -j2 --timeout 1800 "$@"
