"""Labels past 999 (FreeSurfer's cortex is 1000-2035; atlases go past 65535) are meshed, none
dropped: an int16 and an int32 label map with touching balls are meshed end to end by
`twinfe mesh`; every label gets a region (numbered 1..n in ascending label order, since a facet
tag holds labels up to 999), named label_<original>, with its volume in the report and the mesh.
SPDX-License-Identifier: GPL-2.0-or-later"""
import os
import sys

import nibabel as nib
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc

args = tc.parse_args()
ck = tc.Checks("large_labels")


def label_map(labels, dtype, path):
    """Balls of radius 7 voxels along x, the middle ones touching their neighbours."""
    data = np.zeros((62, 24, 24), dtype=dtype)
    i, j, k = np.ogrid[:62, :24, :24]
    for n, label in enumerate(labels):
        data[(i - 10 - 13 * n) ** 2 + (j - 12) ** 2 + (k - 12) ** 2 <= 49] = label
    nib.save(nib.Nifti1Image(data, np.diag([1.5, 1.5, 2.0, 1.0])), path)
    return {label: int((data == label).sum()) for label in labels}


def check_case(name, labels, dtype, extra=()):
    path = os.path.join(args.work_dir, f"{name}.nii.gz")
    voxels = label_map(labels, dtype, path)
    out = os.path.join(args.work_dir, name)
    code, stdout, stderr = tc.run([args.app, "mesh", path, "-o", out, *extra])
    print(stdout)
    ck.check(code == 0, f"{name}: exit {code}: {stderr}")
    if code != 0:
        return
    rep = tc.report(out)
    image, mesh = rep["image"]["regions"], rep["mesh"]["regions"]
    chosen = sorted(labels) if not extra else sorted(int(v) for v in extra[1].split(","))
    ck.check(rep["image"]["region_numbers"] == "ascending_label_order", f"{name}: {rep['image']['region_numbers']}")
    ck.check("numbered 1 to" in stdout, f"{name}: the summary does not say the regions were renumbered")
    ck.check(sorted(image) == sorted(f"label_{v}" for v in chosen), f"{name}: image regions {sorted(image)}")
    ck.check(sorted(mesh) == sorted(f"label_{v}" for v in chosen), f"{name}: mesh regions {sorted(mesh)}")
    for number, label in enumerate(chosen, start=1):
        key = f"label_{label}"
        if key not in image or key not in mesh:
            continue
        ck.check(image[key]["label"] == label, f"{name}: {key} records label {image[key]['label']}")
        ck.check(image[key]["region"] == number and mesh[key]["label"] == number,
                 f"{name}: {key} is region {image[key]['region']} / mesh {mesh[key]['label']}, expected {number}")
        # each ball is one solid: no voxel of it removed or added by the cleaning
        ck.check(image[key]["voxels"] == voxels[label], f"{name}: {key} has {image[key]['voxels']} of {voxels[label]} voxels")
        # smoothing changes these 7-voxel balls by +0.4% to +0.6% (measured); a label lost or
        # merged with another would be off by 100% or more
        ck.check(abs(mesh[key]["volume_change_vs_voxels_percent"]) < 3, f"{name}: {key} {mesh[key]['volume_change_vs_voxels_percent']}%")
        boundary, nonmanifold, ntri = tc.stl_open_edges(os.path.join(out, f"{key}.stl"))
        ck.check(ntri > 0 and boundary == 0, f"{name}: {key}.stl has {ntri} triangles, {boundary} open edges")
    grid = tc.read_xml(os.path.join(out, "mesh.vtu"))
    from vtk.util.numpy_support import vtk_to_numpy
    regions = sorted(set(vtk_to_numpy(grid.GetCellData().GetArray("region")).tolist()))
    ck.check(regions == list(range(1, len(chosen) + 1)), f"{name}: mesh.vtu regions {regions}")


# int16: FreeSurfer-like cortex labels, touching in a row
check_case("int16", [1000, 1035, 2000, 2035], np.int16)
# int32: a small label, a cortex label and one past 65535, touching
check_case("int32", [5, 2035, 70000], np.int32)
# -labels picks two; the others are cleared, not merged into the renumbered regions
check_case("int32_selected", [5, 2035, 70000], np.int32, ("-labels", "5,70000"))
# an int16 CT given as a label map: refused, naming the file, and no output folder
ct = os.path.join(args.data_dir, "totalsegmentator", "example_ct_sm.nii.gz")
out = os.path.join(args.work_dir, "ct")
code, stdout, stderr = tc.run([args.app, "mesh", ct, "-o", out], expect_ok=False)
ck.check(code != 0 and ct in stderr and "below 0" in stderr, f"CT: exit {code}: {stderr}")
ck.check(not os.path.exists(out), "CT: an output folder was left")
# an intensity image with no negative value (uint16): too many distinct values to be labels
path = os.path.join(args.work_dir, "intensity.nii.gz")
nib.save(nib.Nifti1Image((np.arange(20 * 20 * 20) % 3000 + 1).astype(np.uint16).reshape(20, 20, 20), np.eye(4)), path)
code, stdout, stderr = tc.run([args.app, "mesh", path, "-o", os.path.join(args.work_dir, "intensity")], expect_ok=False)
ck.check(code != 0 and path in stderr and "3000 distinct non-zero values, from 1 to 3000" in stderr and "-labels" in stderr,
         f"intensity: exit {code}: {stderr}")
ck.close()
