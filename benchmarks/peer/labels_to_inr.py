"""The peer pipeline's first step (benchmarks/peer/ct_peer.sh): a NIfTI label map made ready for
CGAL's Mesh_3, which reads INRIMAGE but not NIfTI.

usage: labels_to_inr.py labels.nii.gz out.inr out.affine LABEL [LABEL ...]

Keeps the given labels (every other voxel becomes 0, so CGAL meshes only those regions), drops
each label's islands (26-connected pieces of fewer than 27 voxels, twinfe's default island size:
CGAL meshes a lone voxel as a loose part, which a clamp cannot hold and the solve fails on), and
writes them as 8-bit INRIMAGE with the voxel sizes. An INRIMAGE has no rotation or origin, so CGAL's
points are (i sx, j sy, k sz); out.affine gets the 3x4 matrix [M | t] that takes such a point to
LPS mm, as twinfe places the image: nibabel's affine (the sform, else the qform), RAS turned into
LPS by negating x and y, divided by the voxel sizes.

SPDX-License-Identifier: GPL-2.0-or-later
"""
import sys

import nibabel as nib
import numpy as np
from scipy import ndimage

ISLAND_VOXELS = 27


def main(argv):
    if len(argv) < 5:
        sys.exit(__doc__)
    src, inr, affine_path = argv[1:4]
    keep = [int(v) for v in argv[4:]]
    img = nib.load(src)
    a = np.asarray(img.dataobj)
    if a.max() > 255 or a.min() < 0:
        sys.exit(f"{src}: labels outside 0..255")
    a = np.where(np.isin(a, keep), a, 0).astype(np.uint8)
    removed = []
    box = ndimage.find_objects((a > 0).astype(np.uint8))[0]
    sub = a[box]  # a view: the islands are cleared in a
    for v in keep:
        pieces, n = ndimage.label(sub == v, structure=np.ones((3, 3, 3), bool))
        sizes = np.bincount(pieces.ravel(), minlength=n + 1)
        small = np.flatnonzero(sizes < ISLAND_VOXELS)
        small = small[small > 0]
        if small.size:
            sub[np.isin(pieces, small)] = 0
            removed.append(f"label {v}: {small.size} islands, {int(sizes[small].sum())} voxels")
    sx, sy, sz = (float(v) for v in img.header.get_zooms()[:3])
    nx, ny, nz = a.shape
    head = (f"#INRIMAGE-4#{{\nXDIM={nx}\nYDIM={ny}\nZDIM={nz}\nVDIM=1\nTYPE=unsigned fixed\nPIXSIZE=8 bits\n"
            f"SCALE=2**0\nCPU=decm\nVX={sx}\nVY={sy}\nVZ={sz}\n")
    head = head + "\n" * (252 - len(head)) + "##}\n"
    with open(inr, "wb") as f:
        f.write(head.encode())
        f.write(np.ascontiguousarray(a.transpose(2, 1, 0)).tobytes())  # x fastest
    ras = img.affine  # nibabel: the sform when sform_code > 0, else the qform
    lps = np.diag([-1.0, -1.0, 1.0]) @ ras[:3, :]
    lps[:, :3] = lps[:, :3] / np.array([sx, sy, sz])
    np.savetxt(affine_path, lps, fmt="%.17g")
    counts = {v: int(np.count_nonzero(a == v)) for v in keep}
    print(f"labels {keep} kept ({', '.join(f'{v}: {n} voxels' for v, n in counts.items())}), "
          f"{nx} x {ny} x {nz} voxels of {sx:g} x {sy:g} x {sz:g} mm -> {inr}; "
          f"removed {'; '.join(removed) if removed else 'no island'}")


if __name__ == "__main__":
    main(sys.argv)
