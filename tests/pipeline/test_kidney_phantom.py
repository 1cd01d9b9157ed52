"""Every piece of anatomy reaches the mesh: `twinfe phantom -kind kidneys` (a CT-like abdomen:
two kidneys in one label, a tumour on the smaller one, a vessel leaving the image, specks) is
meshed by `twinfe mesh` at 3 mm slices and at the full CT size (261 x 512 x 512 voxels).
Checked: both kidneys are in the mesh as one region of two parts, the specks are removed and
listed with their voxels and centroids (found here independently with scipy), the tumour/kidney
interface is shared face by face, and volumes agree with the voxels and the exact shapes.
SPDX-License-Identifier: GPL-2.0-or-later"""
import os
import re
import sys

import nibabel as nib
import numpy as np
from scipy import ndimage
from vtk.util.numpy_support import vtk_to_numpy

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc

args = tc.parse_args()
ck = tc.Checks("kidney_phantom")

# Specks written by the phantom (image/phantom_ct.c): label -> voxels.
SPECKS = {1: 3, 2: 2, 3: 1}


def specks_from_file(path):
    """label -> (voxels, centroid LPS mm) of each label's pieces under 27 voxels, 26-connected."""
    img = nib.load(path)
    data = np.asarray(img.dataobj)
    found = {}
    for label in (1, 2, 3):
        pieces, n = ndimage.label(data == label, structure=np.ones((3, 3, 3)))
        sizes = ndimage.sum_labels(np.ones(data.shape), pieces, index=range(1, n + 1))
        for p, size in enumerate(sizes, start=1):
            if size < 27:
                ijk = np.argwhere(pieces == p).mean(axis=0)
                ras = img.affine @ np.append(ijk, 1.0)
                found[label] = (int(size), np.array([-ras[0], -ras[1], ras[2]]))
    return found


def tet_parts(tets, regions, region):
    """Number of face-connected parts of one region's tets."""
    t = tets[regions == region]
    faces = np.sort(np.concatenate([t[:, [0, 1, 2]], t[:, [0, 1, 3]], t[:, [0, 2, 3]], t[:, [1, 2, 3]]]), axis=1)
    owner = np.tile(np.arange(len(t)), 4)
    _, inverse, counts = np.unique(faces, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    shared = counts[inverse[order]] == 2
    pairs = owner[order][shared].reshape(-1, 2)  # the two tets of each interior face
    parent = np.arange(len(t))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return len({find(x) for x in range(len(t))})


def check_interface(name, mesh, facets):
    """Every tumour/kidney facet (tag 1000*2 + 3) is a face of one kidney tet and one tumour tet."""
    tets = vtk_to_numpy(mesh.GetCells().GetConnectivityArray()).reshape(-1, 4)
    regions = vtk_to_numpy(mesh.GetCellData().GetArray("region"))
    tris = vtk_to_numpy(facets.GetCells().GetConnectivityArray()).reshape(-1, 3)
    tags = vtk_to_numpy(facets.GetCellData().GetArray("tag"))
    interface = np.sort(tris[tags == 2003], axis=1)
    ck.check(len(interface) > 100, f"{name}: {len(interface)} tumour/kidney interface facets")
    faces = np.sort(np.concatenate([tets[:, [0, 1, 2]], tets[:, [0, 1, 3]], tets[:, [0, 2, 3]], tets[:, [1, 2, 3]]]), axis=1)
    owner_region = np.tile(regions, 4)
    keys = {tuple(f): i for i, f in enumerate(interface)}
    seen = [[] for _ in interface]
    for f, r in zip(map(tuple, faces), owner_region):
        i = keys.get(f)
        if i is not None:
            seen[i].append(int(r))
    bad = sum(1 for s in seen if sorted(s) != [2, 3])
    ck.check(bad == 0, f"{name}: {bad} of {len(interface)} interface facets are not a face of one kidney and one tumour tet")
    for region, expect in ((1, 1), (2, 2), (3, 1)):
        parts = tet_parts(tets, regions, region)
        ck.check(parts == expect, f"{name}: region {region} has {parts} parts in the mesh, expected {expect}")


def check_case(name, voxel_mm, read_mesh):
    nii = os.path.join(args.work_dir, f"{name}.nii.gz")
    code, stdout, stderr = tc.run([args.app, "phantom", "-kind", "kidneys", "-voxel_mm", str(voxel_mm), "-o", nii])
    ck.check(code == 0, f"{name}: phantom exit {code}: {stderr}")
    if code:
        return
    exact = [float(v) for v in re.findall(r"label \d \w+ ([0-9.]+) mm\^3", stdout)]
    ck.check(len(exact) == 3, f"{name}: exact volumes printed: {stdout}")
    out = os.path.join(args.work_dir, name)
    code, stdout, stderr = tc.run([args.app, "mesh", nii, "-o", out])
    print(stdout)
    ck.check(code == 0, f"{name}: mesh exit {code}: {stderr}")
    if code:
        return
    rep = tc.report(out)
    image, mesh = rep["image"]["regions"], rep["mesh"]["regions"]
    specks = specks_from_file(nii)
    ck.check(sorted(specks) == [1, 2, 3], f"{name}: specks found in the file: {sorted(specks)}")
    for label in (1, 2, 3):
        r = image[f"label_{label}"]
        pieces = 3 if label == 2 else 2  # the kidneys (or the one structure) and a speck
        ck.check(r["components_in"] == pieces and r["components_out"] == pieces - 1,
                 f"{name}: label {label} pieces in/out {r['components_in']}/{r['components_out']}, expected {pieces}/{pieces - 1}")
        islands = r.get("islands_removed", [])
        ck.check(len(islands) == 1 and islands[0]["voxels"] == SPECKS[label],
                 f"{name}: label {label} islands removed {islands}, expected one of {SPECKS[label]} voxels")
        if islands and label in specks:
            # centroids agree to float32 rounding of the file's affine (coordinates ~400 mm)
            err = np.abs(np.array(islands[0]["centroid_lps_mm"]) - specks[label][1]).max()
            ck.check(err < 1e-3, f"{name}: label {label} island centroid off by {err} mm")
        ck.check(r["voxels_given"] - r["islands_removed_voxels"] <= r["voxels"], f"{name}: label {label} voxels")
        # Voxel volumes against the exact shapes: measured +0.2% to +1.0% at 3 mm and within
        # 0.5% at 1 mm (counting voxel centres errs by about surface area x spacing, mostly
        # cancelling); 3% fails on a misplaced or missing piece (the smaller kidney is 31%).
        v = r["volume_mm3"]
        ck.check(abs(v / exact[label - 1] - 1) < 0.03, f"{name}: label {label} voxels {v} mm^3, exact {exact[label - 1]}")
        # Mesh against voxels: measured -0.1% to -0.45% (smoothing shrinks convex shapes a
        # little); 2% is several times that, and far below a dropped kidney (-31%).
        change = mesh[f"label_{label}"]["volume_change_vs_voxels_percent"]
        ck.check(abs(change) < 2.0, f"{name}: label {label} mesh volume {change:+.2f}% against its voxels")
    if read_mesh:
        check_interface(name, tc.read_xml(os.path.join(out, "mesh.vtu")), tc.read_xml(os.path.join(out, "mesh_facets.vtu")))


def check_many_specks():
    """Many islands are counted in the summary, not listed, and every one is in the report: a
    ball of label 4 with 8 single-voxel specks of it around, as a noisy segmentation has."""
    data = np.zeros((40, 40, 40), dtype=np.uint8)
    i, j, k = np.ogrid[:40, :40, :40]
    data[(i - 20) ** 2 + (j - 20) ** 2 + (k - 20) ** 2 <= 64] = 4
    for n in range(8):
        data[3 + 4 * n, 3, 36] = 4
    nii = os.path.join(args.work_dir, "specks.nii.gz")
    nib.save(nib.Nifti1Image(data, np.diag([1.0, 1.0, 1.0, 1.0])), nii)
    out = os.path.join(args.work_dir, "specks")
    code, stdout, stderr = tc.run([args.app, "mesh", nii, "-o", out])
    ck.check(code == 0, f"specks: mesh exit {code}: {stderr}")
    if code:
        return
    ck.check("8 islands removed: 8 voxels" in stdout and "island removed:" not in stdout, f"specks: summary {stdout}")
    r = tc.report(out)["image"]["regions"]["label_4"]
    ck.check(r["components_in"] == 9 and r["components_out"] == 1 and len(r["islands_removed"]) == 8,
             f"specks: pieces {r['components_in']}/{r['components_out']}, {len(r.get('islands_removed', []))} islands listed")


check_case("kidneys_3mm", 3, True)
check_case("kidneys_ct_size", 1, False)
check_many_specks()
ck.close()
