#!/usr/bin/env bash
# Sets up what is missing, builds, and runs the bundled case into results/demo.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
./build/apps/twinfe demo -o results/demo "$@"
