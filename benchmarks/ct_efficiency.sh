#!/usr/bin/env bash
# Issue 14's parallel efficiency of the whole run, the CT case end to end: PAIRS rounds (default
# 5) of three runs in turn, so that every round sees the same hour of this host (its speed moves
# by up to 50% from hour to hour): 2 ranks, 1 rank held to one core (taskset: the serial
# baseline, one thread), 1 rank on every core (its image, surface and mesh stages use threads).
# Prints each round and, from the medians of report.json's totals and of the process wall times
# (mpiexec's start and end included):
#   efficiency       = T(1 core) / (2 x T(2 ranks))   the textbook figure: one core against two
#   rank against rank = T(1 rank) / (2 x T(2 ranks))   the one rank already threads its serial stages
# usage: bash benchmarks/ct_efficiency.sh [pairs] [-- extra twinfe options]
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
shift $(( $# > 1 ? 1 : $# ))
[ "${1:-}" = "--" ] && shift
out=benchmarks/out/ct_efficiency
mkdir -p "$out"
: > "$out/rounds.txt"
for i in $(seq "$rounds"); do
  for mode in 2 1core 1; do
    bash benchmarks/ct_end_to_end.sh 1 "$mode" -- "$@" > "$out/last.txt"
    total=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["timings_s"]["total"])' \
      benchmarks/out/ct_end_to_end/run/report.json)
    wall=$(sed -n 's/^wall \([0-9.]*\) s.*/\1/p' "$out/last.txt" | head -1)
    echo "round $i $mode total $total wall $wall" | tee -a "$out/rounds.txt"
  done
done
/usr/bin/python3 - "$out/rounds.txt" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    f = line.split()
    runs.setdefault(f[2], []).append((float(f[4]), float(f[6])))
for k, name in ((0, "report.json total"), (1, "process wall")):
    med = {m: statistics.median(r[k] for r in v) for m, v in runs.items()}
    print(f"{name}: medians 2 ranks {med['2']:.2f} s, 1 core {med['1core']:.2f} s, 1 rank {med['1']:.2f} s; "
          f"efficiency {100 * med['1core'] / (2 * med['2']):.0f}%, rank against rank {100 * med['1'] / (2 * med['2']):.0f}%")
PY
