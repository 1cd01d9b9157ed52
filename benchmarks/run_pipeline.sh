#!/usr/bin/env bash
# Time and peak memory of the whole path (label map -> ParaView files) at two sizes: the
# bundled case (2 mm voxels, ~100k tets) and a finer version of it (~1M tets), on 1 rank and
# on 2, with the voxel surface kept (-mesh_size 0) so the size follows the voxels. Prints a
# table per run; the logs (with -log_view) stay in benchmarks/out/.
# usage: bash benchmarks/run_pipeline.sh [fine voxel size in mm, default 1.15]
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."
app=build/apps/twinfe
[ -x "$app" ] || bash scripts/build.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
out=benchmarks/out
mkdir -p "$out"
fine_mm=${1:-1.15}
"$app" phantom -o "$out/organ_phantom_fine.nii.gz" -voxel_mm "$fine_mm" > /dev/null

run() { # name ranks image
  local name=$1 ranks=$2 image=$3 launcher=()
  [ "$ranks" -gt 1 ] && launcher=(mpiexec -n "$ranks")
  /usr/bin/time -v "${launcher[@]}" "$app" run meshes/organ_phantom.yaml -image "$image" \
    -o "$out/$name" -mesh_size 0 -log_view > "$out/$name.log" 2> "$out/$name.time"
  /usr/bin/python3 benchmarks/summarize.py "$name" "$ranks" "$out/$name/report.json" "$out/$name.time"
}

run bundled_np1 1 "$PWD/meshes/organ_phantom.nii.gz"
run bundled_np2 2 "$PWD/meshes/organ_phantom.nii.gz"
run fine_np1 1 "$PWD/$out/organ_phantom_fine.nii.gz"
run fine_np2 2 "$PWD/$out/organ_phantom_fine.nii.gz"
