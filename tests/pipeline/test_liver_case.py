"""Real data through the whole path: the liver (label 5) of TotalSegmentator's example.
SPDX-License-Identifier: GPL-2.0-or-later"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc

args = tc.parse_args()
ck = tc.Checks("liver_case")
case = os.path.join(args.source_dir, "meshes", "liver_totalsegmentator.yaml")
image = os.path.join(args.data_dir, "totalsegmentator", "example_seg.nii.gz")
out = os.path.join(args.work_dir, "liver")
code, stdout, stderr = tc.run([args.app, "run", case, "-image", image, "-o", out])
print(stdout)
ck.check(code == 0, f"exit {code}: {stderr}")
if code == 0:
    rep = tc.report(out)
    liver = rep["mesh"]["regions"]["liver"]
    print("liver:", liver, "quality:", rep["mesh"]["quality"], "solve:", rep["solve"])
    # HXT gives 192k +- 0.1% tets on this liver from run to run (191.5k-192.1k measured); half or
    # twice that means another mesh size or a lost part of the organ.
    ck.check(150000 <= rep["mesh"]["tetrahedra"] <= 250000, f"{rep['mesh']['tetrahedra']} tets")
    # Smoothing is deterministic and Gmsh keeps its triangles, so the volume change is the same
    # on every run: -0.42% measured (docs/verification.md). 1% is over twice that, and
    # far below what a lost lobe or a doubled surface would do (tens of %).
    change = liver["volume_change_vs_voxels_percent"]
    ck.check(abs(change) < 1.0, f"volume change {change}%")
    ck.check(rep["solve"]["converged_reason"].startswith("CONVERGED"), "converged")
    # CG + GAMG to rtol 1e-8: 30-33 iterations over 4 HXT meshes. Within 50% of 31: the
    # near null space lost or point Jacobi (4x as many on the verification problems) falls outside.
    its = rep["solve"]["iterations"]
    ck.check(16 <= its <= 47, f"{its} iterations")
    # Held at its superior third the 4 kPa liver sags about 27 mm under 1 g: the scaling
    # rho g L^2 / E with L ~ 100 mm (the liver's extent below the clamp) gives 26 mm, and four
    # HXT meshes gave 27.25-27.39 mm (docs/verification.md). The band is 27.3 mm +- 3%: six times
    # the spread between meshes, while density or E off by 6% (1.0e-3 for 1.06e-3, 4.25 kPa for
    # 4 kPa), a unit error (factors of 1000) or the wrong clamp (445 mm when held posteriorly)
    # fall outside. Staying under 10% of its size keeps small strain meaningful.
    sag = rep["solve"]["max_displacement_mm"]
    ck.check(26.5 <= sag <= 28.1, f"max displacement {sag} mm, predicted 27.3 +- 0.8 mm")
    ck.check(rep["solve"]["max_displacement_over_mesh_diagonal"] < 0.1, f"relative displacement {rep['solve']['max_displacement_over_mesh_diagonal']}")
    # Outputs lie in the scanner's space: the mesh's bounds sit inside the image's world box.
    grid = tc.read_xml(os.path.join(out, "mesh.vtu"))
    import nibabel, numpy as np
    img = nibabel.load(image)
    # The voxel grid's outer corners (index -0.5 .. n-0.5), in LPS. Smoothing may push the
    # surface where the liver is cut by the image border up to half a voxel outwards.
    corners = np.array([[i, j, k, 1] for i in (-0.5, img.shape[0] - 0.5) for j in (-0.5, img.shape[1] - 0.5)
                        for k in (-0.5, img.shape[2] - 0.5)], float)
    world = (img.affine @ corners.T).T[:, :3] * np.array([-1, -1, 1])  # RAS -> LPS
    half_voxel = 0.5 * min(img.header.get_zooms()[:3])
    lo, hi = world.min(axis=0) - half_voxel, world.max(axis=0) + half_voxel
    b = grid.GetBounds()
    inside = all(lo[d] <= b[2 * d] and b[2 * d + 1] <= hi[d] for d in range(3))
    ck.check(inside, f"mesh bounds {b} outside the image's LPS box {lo} {hi}")
ck.close()
