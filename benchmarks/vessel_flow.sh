#!/usr/bin/env bash
# Steady Navier-Stokes at Re 300 on a real vessel: the aorta (label 52) of the bundled
# TotalSegmentator example, cut where the resting-flow case cuts it (caps 388 and 231 mm^2),
# 17.3 ml/s Poiseuille inflow (Re 300 on the inlet). The case of docs/flow.md's header and of
# benchmarks/flow_solver_study.md ("the cut aorta"): at 1 mm, about 98k tets and 449k unknowns.
# Prints, per run, the solve's summary line, the wall time and peak memory (/usr/bin/time -v) and
# the -log_view events where the time goes. With BASE=path/to/other/twinfe the two are run in
# turn, so that both see the same host (its speed moves by 20-30% from hour to hour).
# usage: bash benchmarks/vessel_flow.sh [mesh size, mm (1.0)] [runs (1)] [-- extra twinfe solve options]
#        BASE=/tmp/old/build/apps/twinfe bash benchmarks/vessel_flow.sh 1.0 2
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."
app=$PWD/build/apps/twinfe
[ -x "$app" ] || bash scripts/build.sh
size=${1:-1.0}
runs=${2:-1}
shift $(( $# > 2 ? 2 : $# ))
[ "${1:-}" = "--" ] && shift
out=benchmarks/out
mesh="$out/aorta_cut_$size"
if [ ! -f "$mesh/mesh.msh" ]; then
  "$app" mesh tests/data/totalsegmentator/example_seg.nii.gz -labels 52 -surface_caps true \
    -surface_cut_planes 16.5,-165.5,99,0,0,-1 -mesh_size "$size" -o "$mesh" > /dev/null
fi
apps=("$app")
[ -n "${BASE:-}" ] && apps=("$BASE" "$app")
for i in $(seq "$runs"); do
  for a in "${apps[@]}"; do
    rm -rf "$out/vessel_flow"
    log="$out/vessel_flow.log"
    /usr/bin/time -v "$a" solve "$mesh/mesh.msh" -physics navier_stokes -inflow 17.3 -o "$out/vessel_flow" \
      -log_view "$@" > "$log" 2>&1
    echo "== $a (run $i, mesh $size mm)"
    /usr/bin/python3 - "$log" <<'EOF'
import re, sys
log = open(sys.argv[1]).read()
solve = re.search(r"^solve +(.*)$", log, re.M)
print(solve.group(1) if solve else "no solve line")
wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", log)
rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", log)
print(f"wall {wall.group(1) if wall else '?'}, peak {int(rss.group(1)) / 1024:.0f} MiB" if rss else "no /usr/bin/time")
parts = []
for event in ("KSPSolve", "PCApply", "PCSetUp", "MatCreateSubMats", "SNESJacobianEval", "KSPGMRESOrthog"):
    m = re.search(r"^" + event + r"\s+(\d+)\s+[\d.]+\s+([\d.e+-]+)", log, re.M)
    if m:
        parts.append(f"{event} {float(m.group(2)):.1f} s ({m.group(1)})")
print("; ".join(parts))
EOF
  done
done
