#!/usr/bin/env bash
# Which preconditioner set-up for P1 small strain, one rank (docs/mechanics.md, "Cost at scale"):
# CG with PETSc's GAMG and the rigid-body near null space as twinfe sets it (default), against
# the GAMG, hypre and ML options the speed issue asked about, on the bundled phantom at 1.35 mm voxels
# (380k unknowns) with nu 0.45 and with nu 0.49 (the tissue presets' value). Each run:
# /usr/bin/time -v and -log_view; benchmarks/elasticity_summary.py prints the table.
# Logs stay in benchmarks/out/solver_study/.
# usage: bash benchmarks/elasticity_solver_study.sh [app, default build/apps/twinfe]
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."
app=${1:-build/apps/twinfe}
[ -x "$app" ] || bash scripts/build.sh
export OMP_NUM_THREADS=1
out=benchmarks/out/solver_study
mkdir -p "$out"
[ -f "$out/phantom_1.35.nii.gz" ] || "$app" phantom -o "$out/phantom_1.35.nii.gz" -voxel_mm 1.35 > /dev/null
if [ ! -f "$out/mesh.msh" ]; then
  rm -rf "$out/mesh"
  "$app" mesh "$out/phantom_1.35.nii.gz" -o "$out/mesh" -mesh_size 0 > /dev/null
  mv "$out/mesh/mesh.msh" "$out/mesh.msh"
  rm -rf "${out:?}/mesh"
fi

run() { # name options...
  local name=$1
  shift
  rm -rf "${out:?}/$name"
  /usr/bin/time -v "$app" solve "$out/mesh.msh" -o "$out/$name" -log_view "$@" > "$out/$name.log" 2> "$out/$name.time"
}

P=-elasticity_
run default
run threshold_0.01 ${P}pc_gamg_threshold 0.01
run threshold_0.05 ${P}pc_gamg_threshold 0.05
run smooth_once ${P}mg_levels_ksp_max_it 1
run unsmoothed ${P}pc_gamg_agg_nsmooths 0
run hypre ${P}pc_type hypre ${P}pc_hypre_boomeramg_coarsen_type HMIS ${P}pc_hypre_boomeramg_interp_type ext+i \
  ${P}pc_hypre_boomeramg_P_max 4 ${P}pc_hypre_boomeramg_agg_nl 1 ${P}pc_hypre_boomeramg_strong_threshold 0.6
run default_nu0.49 -nu 0.49
run unsmoothed_nu0.49 -nu 0.49 ${P}pc_gamg_agg_nsmooths 0
run aggressive_2 ${P}pc_gamg_aggressive_coarsening 2
run aggressive_2_nu0.49 -nu 0.49 ${P}pc_gamg_aggressive_coarsening 2
run ml ${P}pc_type ml ${P}pc_ml_nullspace user
/usr/bin/python3 benchmarks/elasticity_summary.py "$out" default threshold_0.01 threshold_0.05 smooth_once unsmoothed hypre \
  default_nu0.49 unsmoothed_nu0.49 aggressive_2 aggressive_2_nu0.49 ml
