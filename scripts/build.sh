#!/usr/bin/env bash
# Configures and builds libtwinfe, its app and its tests in build/ (Release with debug info).
# The test fuzz/smoke (scripts/fuzz.sh 30: its own clang build in build/fuzz-build) is registered too.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTWINFE_FUZZ_SMOKE_TEST=ON > build.log 2>&1 || { cat build.log; exit 1; }
cmake --build build -j"$(nproc)" >> build.log 2>&1 || { tail -n 60 build.log; exit 1; }
rm -f build.log
