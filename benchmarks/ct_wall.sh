#!/usr/bin/env bash
# Wall clock of `twinfe mesh` on a CT-sized case, repeated, so that a noisy host (this one's
# speed moves by 20-50% from hour to hour) still gives a usable figure: prints every run, the
# minimum and the median. With a second app (BASE=path/to/old/twinfe), the two are run in turn,
# so that both see the same host (docs/performance.md reports pairs measured this way). The
# start-up time of `twinfe version` before and after the runs tells how fast the host was.
# usage: bash benchmarks/ct_wall.sh [runs] [image] [-- extra twinfe options]
#        BASE=/tmp/old/build/apps/twinfe bash benchmarks/ct_wall.sh 6
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."
app=$PWD/build/apps/twinfe
[ -x "$app" ] || bash scripts/build.sh
runs=${1:-5}
image=${2:-}
shift $(( $# > 2 ? 2 : $# ))
[ "${1:-}" = "--" ] && shift
out=benchmarks/out
mkdir -p "$out"
if [ -z "$image" ]; then
  image="$out/kidneys_ct.nii.gz"
  [ -f "$image" ] || "$app" phantom -kind kidneys -o "$image" > /dev/null
fi
apps=("$app")
[ -n "${BASE:-}" ] && apps=("$BASE" "$app")
# This host's speed moves by up to 2.5x from hour to hour: `twinfe version` (start-up alone)
# measured beside the runs says which hour a figure comes from (0.20-0.26 s on a fast one while
# libtwinfe linked Gmsh; since it loads Gmsh on first use, 0.17-0.23 s in a slow hour).
startup() {
  for i in 1 2 3; do /usr/bin/time -f "%e" "$app" version 2>&1 > /dev/null; done | sort -n | sed -n 2p
}
echo "start-up (twinfe version, median of 3) before the runs: $(startup) s"
for i in $(seq "$runs"); do
  for a in "${apps[@]}"; do
    rm -rf "$out/ct_wall"
    start=$(date +%s.%N)
    "$a" mesh "$image" -o "$out/ct_wall" -mesh_size 1.4 "$@" > /dev/null
    end=$(date +%s.%N)
    echo "$a $(echo "$end - $start" | bc)"
  done
done | /usr/bin/python3 -c '
import sys, statistics
runs = {}
for line in sys.stdin:
    app, t = line.split()
    runs.setdefault(app, []).append(float(t))
for app, t in runs.items():
    print(f"{app}: " + " ".join(f"{x:.2f}" for x in t) + f" s; min {min(t):.2f}, median {statistics.median(t):.2f} s")
'
echo "start-up (twinfe version, median of 3) after the runs: $(startup) s"
