#!/usr/bin/env bash
# Sets up what is missing, builds, and runs every test through ctest.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j2 --timeout 900 "$@"
