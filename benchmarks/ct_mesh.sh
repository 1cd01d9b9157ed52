#!/usr/bin/env bash
# `twinfe mesh` on a CT-sized label map: the kidney phantom (261 x 512 x 512 voxels of
# 1 x 0.94 x 0.94 mm, two kidneys, a tumour, a vessel leaving the image) at the targets given
# (default 1.4 mm and 0 = the voxel surface), each on one thread and on the default threads
# (-threads: the cores), with -log_view and /usr/bin/time -v. Prints the stage timings, tets,
# quality and peak memory per run; logs stay in benchmarks/out/ (docs/performance.md).
# usage: bash benchmarks/ct_mesh.sh [size_mm ...]
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."
app=build/apps/twinfe
[ -x "$app" ] || bash scripts/build.sh
out=benchmarks/out
mkdir -p "$out"
image="$out/kidneys_ct.nii.gz"
[ -f "$image" ] || "$app" phantom -kind kidneys -o "$image" > /dev/null
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1.4 0)
for size in "${sizes[@]}"; do
for threads in 1 default; do
  name="ct_mesh_${size}_threads_$threads"
  thread_option=()
  [ "$threads" = default ] || thread_option=(-threads "$threads")
  rm -rf "$out/$name"
  /usr/bin/time -v "$app" mesh "$image" -o "$out/$name" -mesh_size "$size" "${thread_option[@]}" -log_view \
    > "$out/$name.log" 2> "$out/$name.time"
  /usr/bin/python3 - "$out/$name/report.json" "$out/$name.time" "$size" "$threads" <<'PY'
import json, re, sys
rep = json.load(open(sys.argv[1]))
time = open(sys.argv[2]).read()
wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", time).group(1)
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", time).group(1)) / 1024
stages = ", ".join(f"{k} {v:.2f} s" for k, v in rep["timings_s"].items())
q = rep["mesh"]["quality"]
print(f"-mesh_size {sys.argv[3]}, threads {sys.argv[4]}: {rep['mesh']['tetrahedra']} tets, min radius ratio {q['min_gamma']:.3f}, min dihedral "
      f"{q['min_dihedral_deg']:.1f} deg; wall {wall}, peak {rss:.0f} MB; {stages}")
PY
done
done
