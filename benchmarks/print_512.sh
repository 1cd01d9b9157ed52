#!/usr/bin/env bash
# `twinfe print` at scale (issue 15): a 512^3 label map of 0.8 mm voxels with five labels shaped
# like organs (ellipsoids, two of them cutting into a third, and a tube through the whole image),
# and the TotalSegmentator example's 41 labels; prints wall time, peak memory and the stages.
# usage: bash benchmarks/print_512.sh
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."
app=$PWD/build/apps/twinfe
[ -x "$app" ] || bash scripts/build.sh
out=benchmarks/out/print
mkdir -p "$out"
/usr/bin/python3 - "$out/big.nii.gz" <<'PY'
import sys
import nibabel
import numpy as np
n, h = 512, 0.8
i, j, k = np.ogrid[:n, :n, :n]
labels = np.zeros((n, n, n), np.uint8)
def ellipsoid(c, r, label):
    labels[((i - c[0]) / r[0]) ** 2 + ((j - c[1]) / r[1]) ** 2 + ((k - c[2]) / r[2]) ** 2 <= 1] = label
ellipsoid((200, 250, 250), (120, 90, 140), 1)
ellipsoid((330, 250, 260), (40, 40, 40), 2)
ellipsoid((380, 380, 200), (80, 60, 100), 3)
ellipsoid((120, 420, 380), (60, 60, 60), 4)
labels[np.broadcast_to((i - 256) ** 2 + (j - 100) ** 2 <= 25 ** 2, (n, n, n))] = 5
nibabel.save(nibabel.Nifti1Image(labels, np.diag([h, h, h, 1.0])), sys.argv[1])
PY
for input in "$out/big.nii.gz" tests/data/totalsegmentator/example_seg.nii.gz; do
  rm -rf "$out/run"
  /usr/bin/time -f "%e s wall, %M KB peak" "$app" print "$input" -o "$out/run" -print_3mf 2>&1 | grep -E "^timings| s wall"
done
