#!/usr/bin/env bash
# The end-to-end peer comparison the real-scans issue asks for: what an engineer would otherwise
# run on the CT-sized case (meshes/kidneys_ct.yaml), label map to written displacement, beside
# twinfe's one command, in turn on the same host, so that the ratio of wall times comes from one
# run of this script (this host's speed moves from hour to hour; runs in turn see the same hour).
# The peer pipeline, both on 2 cores:
#   1. labels_to_inr.py: labels 2 and 3 of the label map (others 0, islands dropped as twinfe
#      does) as INRIMAGE, plus the matrix to LPS mm;
#   2. cgal_mesh_write.cpp: CGAL 5.5 Mesh_3 on 2 TBB threads, facet size = cell size = SIZE mm
#      (1.05 gives about 1.14M tets, twinfe's refined mesh has 1.12M), written as Gmsh 2.2 binary
#      with labels and connected parts;
#   3. dolfinx_elasticity.py: dolfinx 0.5 on 2 MPI ranks, P1 linear elasticity with the case's
#      materials, gravity and clamp, CG + GAMG (rtol 1e-8), displacement written as XDMF.
# and twinfe: mpirun -n 2 twinfe run meshes/kidneys_ct.yaml. Each run prints the wall time and
# peak memory of every step (/usr/bin/time %M of mpirun: the largest rank's peak RSS, the same
# measure twinfe's report gives), the tets and max |u|; the end gives the medians and the ratio.
# CGAL and dolfinx are peers, not dependencies: this script installs libcgal-dev, libtbb-dev
# and python3-dolfinx if missing (root), builds the CGAL program, and runs one small untimed
# warm-up so that dolfinx's JIT-compiled forms (cached in ~/.cache/fenics) are not timed.
# Outputs in benchmarks/out/peer/.
# usage: bash benchmarks/peer/ct_peer.sh [runs] [size_mm]
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
size=${2:-1.05}
root=$PWD
out=$root/benchmarks/out/peer
mkdir -p "$out/logs"
app=$root/build/apps/twinfe
[ -x "$app" ] || bash scripts/build.sh
case_file=$root/meshes/kidneys_ct.yaml
image=$root/meshes/kidneys_ct.nii.gz
peer=$root/benchmarks/peer
py=/usr/bin/python3

missing=()
for p in libcgal-dev libtbb-dev python3-dolfinx; do
  dpkg -s "$p" > /dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
exe=$out/cgal_mesh_write
if [ ! -x "$exe" ] || [ "$peer/cgal_mesh_write.cpp" -nt "$exe" ]; then
  echo "building $exe (about a minute)"
  g++ -O2 -DNDEBUG -DCGAL_CONCURRENT_MESH_3 -DCGAL_LINKED_WITH_TBB -std=c++17 "$peer/cgal_mesh_write.cpp" -o "$exe" \
    -ltbb -ltbbmalloc -lgmp -lmpfr -lpthread
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi=(mpirun -n 2)
# one thread per rank for dolfinx's BLAS (two ranks already fill the two cores)
dolfinx=(env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "${mpi[@]}" "$py" "$peer/dolfinx_elasticity.py")

# timed LOG TIMEFILE CMD...: runs CMD with its output in LOG and "wall_s peak_kB" in TIMEFILE
timed() {
  local log=$1 tfile=$2
  shift 2
  if ! /usr/bin/time -f "%e %M" -o "$tfile" "$@" > "$log" 2>&1; then
    echo "failed: $* (log $log):" >&2
    grep -v '^INFO:' "$log" | tail -20 >&2
    exit 1
  fi
}

# The peer pipeline into $out/run (label map to written displacement); log prefix $1.
peer_pipeline() {
  local tag=$1 s=$2
  rm -rf "$out/run"
  mkdir -p "$out/run"
  timed "$out/logs/$tag.prep.log" "$out/run/prep.time" \
    "$py" "$peer/labels_to_inr.py" "$image" "$out/run/labels.inr" "$out/run/labels.affine" 2 3
  timed "$out/logs/$tag.cgal.log" "$out/run/cgal.time" \
    "$exe" "$out/run/labels.inr" "$out/run/mesh.msh" -size "$s" -affine "$out/run/labels.affine" -threads 2
  timed "$out/logs/$tag.dolfinx.log" "$out/run/dolfinx.time" \
    "${dolfinx[@]}" "$out/run/mesh.msh" "$case_file" "$out/run/results"
}

# Another job on this 2-core host slows either side by up to 2x: the load says whether one ran.
echo "load average (1, 5, 15 min) before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "warm-up (untimed): the peer pipeline at 4 mm, so that dolfinx compiles its forms"
peer_pipeline warmup 4
grep -h '^dolfinx: CG' "$out/logs/warmup.dolfinx.log"

table=$out/runs.tsv
printf "run\tprep_s\tprep_kB\tcgal_s\tcgal_kB\ttets\tsolve_s\tsolve_kB\tumax\tpeer_s\ttwinfe_s\ttwinfe_kB\ttwinfe_tets\ttwinfe_umax\n" > "$table"
for i in $(seq "$runs"); do
  start=$(date +%s.%N)
  peer_pipeline "peer_$i" "$size"
  end=$(date +%s.%N)
  peer_s=$(echo "$end - $start" | bc)
  read -r prep_s prep_kb < "$out/run/prep.time"
  read -r cgal_s cgal_kb < "$out/run/cgal.time"
  read -r solve_s solve_kb < "$out/run/dolfinx.time"
  tets=$(sed -n 's/^cgal: \([0-9]*\) tets.*/\1/p' "$out/logs/peer_$i.cgal.log")
  umax=$(sed -n 's/.*max displacement \([0-9.e+-]*\) mm.*/\1/p' "$out/logs/peer_$i.dolfinx.log")

  rm -rf "$out/twinfe"
  timed "$out/logs/twinfe_$i.log" "$out/twinfe.time" "${mpi[@]}" "$app" run "$case_file" -o "$out/twinfe"
  read -r twinfe_s twinfe_kb < "$out/twinfe.time"
  read -r twinfe_tets twinfe_umax < <("$py" - "$out/twinfe/report.json" <<'PY'
import json, sys
def find(node, key):
    if isinstance(node, dict):
        if key in node:
            return node[key]
        node = list(node.values())
    if isinstance(node, list):
        for v in node:
            found = find(v, key)
            if found is not None:
                return found
    return None
r = json.load(open(sys.argv[1]))
print(find(r, "cells_refined") or find(r, "tetrahedra"), find(r, "max_displacement_mm"))
PY
)
  printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%s\t%s\t%s\t%s\n" "$i" "$prep_s" "$prep_kb" "$cgal_s" "$cgal_kb" "$tets" \
    "$solve_s" "$solve_kb" "$umax" "$peer_s" "$twinfe_s" "$twinfe_kb" "$twinfe_tets" "$twinfe_umax" >> "$table"
  echo "run $i: peer ${peer_s} s (prep ${prep_s} s, CGAL ${cgal_s} s, dolfinx ${solve_s} s; $tets tets, max |u| $umax mm);" \
    "twinfe ${twinfe_s} s ($twinfe_tets tets, max |u| $(printf '%.5f' "$twinfe_umax") mm)"
done

echo
"$py" - "$table" "$size" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
size = sys.argv[2]
mb = lambda kb: float(kb) / 1024
print(f"peer: labels_to_inr.py + CGAL Mesh_3 (size {size} mm, 2 threads) + dolfinx 0.5 (2 ranks); twinfe run (2 ranks)")
print("wall s, peak MB (largest process)")
head = ("run", "prep", "CGAL mesh", "dolfinx", "peer total", "peer peak", "peer tets", "peer |u|max",
        "twinfe", "twinfe peak", "twinfe tets", "twinfe |u|max", "peer/twinfe")
print(("{:>4}" + "{:>14}" * (len(head) - 1)).format(*head))
for r in rows:
    peak = max(mb(r["prep_kB"]), mb(r["cgal_kB"]), mb(r["solve_kB"]))
    print(("{:>4}" + "{:>14}" * (len(head) - 1)).format(
        r["run"], r["prep_s"], r["cgal_s"], r["solve_s"], r["peer_s"], f"{peak:.0f}", r["tets"],
        f"{float(r['umax']):.4f}", r["twinfe_s"], f"{mb(r['twinfe_kB']):.0f}", r["twinfe_tets"],
        f"{float(r['twinfe_umax']):.4f}", f"{float(r['peer_s']) / float(r['twinfe_s']):.2f}"))
med = lambda k: statistics.median(float(r[k]) for r in rows)
peer_peak = statistics.median(max(mb(r["prep_kB"]), mb(r["cgal_kB"]), mb(r["solve_kB"])) for r in rows)
print(("{:>4}" + "{:>14}" * (len(head) - 1)).format(
    "med", f"{med('prep_s'):.2f}", f"{med('cgal_s'):.2f}", f"{med('solve_s'):.2f}", f"{med('peer_s'):.2f}",
    f"{peer_peak:.0f}", "", "", f"{med('twinfe_s'):.2f}", f"{statistics.median(mb(r['twinfe_kB']) for r in rows):.0f}",
    "", "", f"{med('peer_s') / med('twinfe_s'):.2f}"))
print(f"ratio of medians, peer / twinfe: {med('peer_s') / med('twinfe_s'):.2f} "
      f"(peer mesh {med('prep_s') + med('cgal_s'):.2f} s + solve {med('solve_s'):.2f} s vs twinfe {med('twinfe_s'):.2f} s)")
PY
echo "load average (1, 5, 15 min) after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "table: $table; logs: $out/logs/; last results: $out/run/results/displacement.xdmf, $out/twinfe/results.pvd"
