#!/usr/bin/env bash
# Issue 14's headline: a CT-sized label map to written results in one command on 2 ranks
# (meshes/kidneys_ct.yaml: 261 x 512 x 512 voxels, two touching labels, meshed at 2 mm on rank 0,
# refined once after distribution to about 1.1M tets and snapped back onto the segmented
# surface, P1 linear elasticity by geometric multigrid). Runs it N times (default 5), each with
# /usr/bin/time, and prints per run: wall, peak resident memory (largest rank), tets, least
# radius ratio, vertices left off the surface, the regions kept, and the stages; then the
# minimum and median wall. The peer pipeline beside it: benchmarks/peer/ct_peer.sh.
# ranks "1core" runs one rank held to one core (taskset), the serial baseline of a parallel
# efficiency; benchmarks/ct_efficiency.sh runs the three in turn.
# usage: bash benchmarks/ct_end_to_end.sh [runs] [ranks|1core] [-- extra twinfe options]
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."
app=$PWD/build/apps/twinfe
[ -x "$app" ] || bash scripts/build.sh
runs=${1:-5}
ranks=${2:-2}
shift $(( $# > 2 ? 2 : $# ))
[ "${1:-}" = "--" ] && shift
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
out=benchmarks/out/ct_end_to_end
mkdir -p "$out"
launcher=()
if [ "$ranks" = 1core ]; then
  launcher=(taskset -c "$(taskset -pc $$ | sed 's/.*: *//; s/[-,].*//')")
elif [ "$ranks" -gt 1 ]; then
  launcher=(mpiexec --oversubscribe -n "$ranks")
fi
for i in $(seq "$runs"); do
  rm -rf "$out/run"
  /usr/bin/time -f "%e %M" -o "$out/time" "${launcher[@]}" "$app" run meshes/kidneys_ct.yaml -o "$out/run" "$@" > "$out/log"
  /usr/bin/python3 - "$out/run/report.json" "$out/time" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
wall, peak_kb = open(sys.argv[2]).read().split()[-2:]
p, s = r["partition"], r["partition"].get("snap", {})
kept = ", ".join(f"{g['name']} {g['tets']} coarse tets" for g in r["regions"])
stages = "; ".join(f"{k} {v:.2f}" for k, v in r["timings_s"].items() if isinstance(v, float) and k != "total")
print(f"wall {float(wall):.2f} s, peak {int(peak_kb) / 1024:.0f} MB (largest rank); {p.get('cells_refined', r['mesh']['tetrahedra'])} tets; "
      f"least radius ratio {s.get('min_radius_ratio_after', float('nan')):.3f}; {s.get('farther_than_tolerance', '-')} of "
      f"{s.get('boundary_vertices', '-')} boundary vertices farther than 0.1 voxel; regions: {kept}")
print(f"  stages (s): {stages}")
PY
done | tee "$out/summary.txt"
/usr/bin/python3 - "$out/summary.txt" <<'PY'
import re, statistics, sys
walls = [float(m.group(1)) for m in re.finditer(r"^wall ([0-9.]+) s", open(sys.argv[1]).read(), re.M)]
print(f"wall: min {min(walls):.2f} s, median {statistics.median(walls):.2f} s over {len(walls)} runs")
PY
