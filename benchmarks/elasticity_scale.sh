#!/usr/bin/env bash
# Soft-tissue mechanics at scale, one rank (issue 13's figures; docs/mechanics.md, "Cost"):
#   linear_1M    P1 small strain at about 1M unknowns (the bundled phantom at 0.9 mm voxels)
#   linear_1M_gmg  the same size from the bundled phantom meshed at 1.6 mm and refined once
#                (-mesh_refine 1: geometric multigrid over the two levels)
#   linear_1M_gmg_mesh  the target's measure, mesh to solution: `twinfe solve` of that run's
#                mesh.msh, refined once (1.2 GB and 30 s asked)
#   linear_300k  P1 small strain at about 300k unknowns (1.35 mm voxels)
#   nh_300k      P1 neo-Hookean, 3 load steps, on the same mesh: time per Newton step against
#                linear_300k's one linear solve
#   mixed_300k   mixed P2-P1 neo-Hookean at nu 0.4999, 1 load step, about 300k unknowns
# Each run: /usr/bin/time -v (wall, peak memory) and -log_view (assembly, GAMG set-up, Krylov);
# benchmarks/elasticity_summary.py prints the table. Logs stay in benchmarks/out/elasticity/.
# usage: bash benchmarks/elasticity_scale.sh [app, default build/apps/twinfe]
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."
app=${1:-build/apps/twinfe}
[ -x "$app" ] || bash scripts/build.sh
export OMP_NUM_THREADS=1
out=benchmarks/out/elasticity
mkdir -p "$out"
for mm in 0.9 1.35; do
  [ -f "$out/phantom_$mm.nii.gz" ] || "$app" phantom -o "$out/phantom_$mm.nii.gz" -voxel_mm "$mm" > /dev/null
done

run() { # name image extra options...
  local name=$1 image=$2
  shift 2
  rm -rf "${out:?}/$name"
  /usr/bin/time -v "$app" run meshes/organ_phantom.yaml -image "$PWD/$image" -o "$out/$name" -mesh_size 0 \
    -log_view "$@" > "$out/$name.log" 2> "$out/$name.time"
}

run linear_1M "$out/phantom_0.9.nii.gz"
run linear_1M_gmg meshes/organ_phantom.nii.gz -mesh_size 1.6 -mesh_refine 1
rm -rf "${out:?}/linear_1M_gmg_mesh"
/usr/bin/time -v "$app" solve "$out/linear_1M_gmg/mesh.msh" -mesh_refine 1 -o "$out/linear_1M_gmg_mesh" -log_view \
  > "$out/linear_1M_gmg_mesh.log" 2> "$out/linear_1M_gmg_mesh.time"
run linear_300k "$out/phantom_1.35.nii.gz"
run nh_300k "$out/phantom_1.35.nii.gz" -material neo_hookean -elasticity_load_steps 3
run mixed_300k meshes/organ_phantom.nii.gz -mesh_size 2.6 -elasticity_degree 2 -elasticity_formulation mixed \
  -material neo_hookean -organ_nu 0.4999 -tumor_nu 0.4999
/usr/bin/python3 benchmarks/elasticity_summary.py "$out" linear_1M linear_1M_gmg linear_1M_gmg_mesh linear_300k nh_300k \
  mixed_300k
