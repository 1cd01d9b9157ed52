#!/usr/bin/env bash
# CGAL's labelled-image mesher beside `twinfe mesh` on the CT-sized kidney phantom, same target
# size (default 1.4 mm), both on 2 cores: the comparison the real-scans issue asks for. CGAL is
# the peer, not a dependency: this script installs libcgal-dev and libtbb-dev if missing (root),
# builds cgal_mesh.cpp, writes the phantom as INRIMAGE (CGAL reads it; the grid's rotation is
# dropped, which changes nothing for the timing) and runs both.
# usage: bash benchmarks/peer/cgal_mesh.sh [size_mm]
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
cd "$(dirname "$0")/../.."
size=${1:-1.4}
out=benchmarks/out
mkdir -p "$out"
app=build/apps/twinfe
[ -x "$app" ] || bash scripts/build.sh
dpkg -s libcgal-dev libtbb-dev > /dev/null 2>&1 || { apt-get update -q && apt-get install -y -q libcgal-dev libtbb-dev; }
exe="$out/cgal_mesh"
if [ ! -x "$exe" ] || [ benchmarks/peer/cgal_mesh.cpp -nt "$exe" ]; then
  g++ -O2 -DNDEBUG -DCGAL_CONCURRENT_MESH_3 -DCGAL_LINKED_WITH_TBB -std=c++17 benchmarks/peer/cgal_mesh.cpp -o "$exe" -ltbb -ltbbmalloc -lgmp -lmpfr -lpthread
fi
image="$out/kidneys_ct.nii.gz"
[ -f "$image" ] || "$app" phantom -kind kidneys -o "$image" > /dev/null
/usr/bin/python3 - "$image" "$out/kidneys_ct.inr" <<'PY'
import sys, nibabel as nib, numpy as np
img = nib.load(sys.argv[1])
a = np.asarray(img.dataobj).astype(np.uint8)
sx, sy, sz = (float(v) for v in img.header.get_zooms()[:3])
nx, ny, nz = a.shape
head = (f"#INRIMAGE-4#{{\nXDIM={nx}\nYDIM={ny}\nZDIM={nz}\nVDIM=1\nTYPE=unsigned fixed\nPIXSIZE=8 bits\n"
        f"SCALE=2**0\nCPU=decm\nVX={sx}\nVY={sy}\nVZ={sz}\n")
head = head + "\n" * (252 - len(head)) + "##}\n"
with open(sys.argv[2], "wb") as f:
    f.write(head.encode())
    f.write(np.ascontiguousarray(a.transpose(2, 1, 0)).tobytes())  # x fastest
PY
echo "CGAL 5.5 Mesh_3, 2 threads, facet_size = cell_size = $size mm, facet_distance = $(echo "$size / 2" | bc -l | cut -c1-4) mm:"
/usr/bin/time -f "  wall %e s, peak %M kB" "$exe" "$out/kidneys_ct.inr" "$size"
echo "twinfe mesh -mesh_size $size (default threads):"
rm -rf "$out/twinfe_vs_cgal"
/usr/bin/time -f "  wall %e s, peak %M kB" "$app" mesh "$image" -o "$out/twinfe_vs_cgal" -mesh_size "$size" | grep -E "^mesh |quality:"
