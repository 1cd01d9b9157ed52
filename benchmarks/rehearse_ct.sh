#!/usr/bin/env bash
# `twinfe rehearse` at CT size (issue 15): the bundled kidneys case (261 x 512 x 512 voxels,
# meshed at 2 mm and refined once) as the baseline, and three steps: one that changes nothing
# and one that turns gravity (both reuse the baseline's mesh: their cost is the solve), and a
# resection of the tumour with a 5 mm margin (meshed anew). Prints the seconds of the baseline
# and of each step (report.json) and the peak memory (/usr/bin/time -v).
# usage: bash benchmarks/rehearse_ct.sh [ranks [case options...]]
#   add -rehearse_reuse_preconditioner false to measure what reusing the baseline's
#   preconditioner saves
#   e.g. bash benchmarks/rehearse_ct.sh 1 -mesh_refine 0 -mesh_size 1.5: no refinement, so the load
#   steps reuse the baseline's mesh
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."
app=$PWD/build/apps/twinfe
[ -x "$app" ] || bash scripts/build.sh
ranks=${1:-1}
shift || true
out=benchmarks/out/rehearse_ct${TAG:+_$TAG}
mkdir -p "$out"
cat > "$out/scenario.yaml" <<YAML
baseline: $PWD/meshes/kidneys_ct.yaml
steps:
  - name: unchanged
  - name: upright
    set: -gravity 0,0,-9810
  - name: resect_tumor
    resect: tumor
    margin_mm: 5
YAML
rm -rf "$out/run"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
/usr/bin/time -v mpiexec --oversubscribe -n "$ranks" "$app" rehearse "$out/scenario.yaml" -o "$out/run" "$@" \
  > "$out/stdout.txt" 2> "$out/time.txt"
grep -E "rehearse|resection|warning" "$out/stdout.txt"
/usr/bin/python3 - "$out/run/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["rehearse"]
print(f"baseline: {r['baseline_seconds']:.2f} s")
for name, s in r["steps"].items():
    print(f"{name}: {s['seconds']:.2f} s, mesh reused {s['reused_baseline_mesh']}, preconditioner reused {s['reused_preconditioner']}, largest change {s['max_displacement_change_mm']:.4g} mm")
PY
grep -E "Elapsed|Maximum resident" "$out/time.txt"
