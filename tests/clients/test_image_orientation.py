"""Where the voxels of each image format land in LPS millimetres (issue 11, docs/image_formats.md).

For every reader (NIfTI with sform, NIfTI with qform only, NRRD in RAS and LPS space, a
detached .nhdr, MetaImage .mha/.mhd, VTK .vti) and four grids (axis-aligned, flipped,
permuted, oblique and left-handed), a label map with three 3x3x3 cubes at asymmetric places is
written here, meshed with `twinfe mesh`, and compared with an independent reading:
  - the grid twinfe reports (report.json image.origin_lps_mm, spacing_mm, direction_row_major)
    must put the eight corner voxels and the three cube centres where the header says: for
    NIfTI where nibabel's affine puts them (RAS turned into LPS by negating x and y); for NRRD,
    MetaImage and VTI where the numbers this script wrote put them, computed here in Python;
  - each cube's region in mesh.vtu must have its centroid at its centre voxel's world position:
    this checks the voxel order (which voxel holds which label), not only the geometry.
A 3D Slicer .seg.nrrd's segment names must become the region names (spaces made '_').
SPDX-License-Identifier: GPL-2.0-or-later"""
import concurrent.futures
import gzip
import math
import os
import sys
import zlib

import nibabel
import numpy as np
import vtk
from vtk.util import numpy_support

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc  # noqa: E402

DIMS = (14, 12, 10)
SPACING = np.array([1.5, 2.0, 3.0])
ORIGIN = np.array([10.5, -20.25, 30.125])
CENTRES = {1: (3, 3, 3), 2: (9, 4, 6), 3: (5, 8, 5)}

# Corner positions are exact up to float32 (NIfTI) on coordinates below 100 mm: 1e-4 mm.
GEOMETRY_TOL_MM = 1e-4
# A cube's mesh is symmetric about its centre up to the triangulation of the voxel faces and
# HXT's meshing; its centroid was measured 0.008-0.013 mm from the centre here. A wrong flip,
# permutation or voxel order moves it by a whole voxel (at least 1.5 mm).
CENTROID_TOL_MM = 0.1


def rotation(axis, degrees):
    a = np.asarray(axis, float) / np.linalg.norm(axis)
    t = math.radians(degrees)
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + math.sin(t) * k + (1 - math.cos(t)) * k @ k


GRIDS = {
    "axis_aligned": np.eye(3),
    "flipped": np.diag([-1.0, 1.0, -1.0]),
    "permuted": np.array([[0.0, 0, 1], [1, 0, 0], [0, 1, 0]]),
    "oblique_left_handed": rotation((1, 2, 2), 25) @ np.diag([1.0, -1.0, 1.0]),
}


def labels():
    a = np.zeros(DIMS, np.uint8)  # index [i, j, k]
    for label, (i, j, k) in CENTRES.items():
        a[i - 1:i + 2, j - 1:j + 2, k - 1:k + 2] = label
    return a


def flat(a):
    """Voxels i fastest, as every format here stores them."""
    return a.transpose(2, 1, 0).tobytes()


def vec(v):
    return "(" + ",".join(repr(float(x)) for x in v) + ")"


# ---------------------------------------------------------------- writers; each returns the LPS affine its header says

def write_nifti(path, D, qform_only=False):
    ras = np.diag([-1.0, -1.0, 1.0])
    affine = np.eye(4)
    affine[:3, :3] = ras @ D @ np.diag(SPACING)
    affine[:3, 3] = ras @ ORIGIN
    img = nibabel.Nifti1Image(labels(), affine)
    if qform_only:
        img.set_qform(affine, code=1)
        img.set_sform(None, code=0)
    nibabel.save(img, path)
    # the independent reading: nibabel's affine of the saved file, RAS turned into LPS
    back = nibabel.load(path).affine
    lps = np.diag([-1.0, -1.0, 1.0, 1.0]) @ back
    return lps[:3, :]


def write_nrrd(path, D, space="RAS", detached=False):
    sign = {"RAS": np.array([-1.0, -1.0, 1.0]), "LPS": np.array([1.0, 1.0, 1.0])}[space]
    cols = [sign * (D[:, c] * SPACING[c]) for c in range(3)]  # axis vectors in the header's space
    origin = sign * ORIGIN
    data = gzip.compress(flat(labels()), mtime=0)
    header = (f"NRRD0004\ntype: unsigned char\ndimension: 3\nspace: {'right-anterior-superior' if space == 'RAS' else 'left-posterior-superior'}\n"
              f"sizes: {DIMS[0]} {DIMS[1]} {DIMS[2]}\nspace directions: {vec(cols[0])} {vec(cols[1])} {vec(cols[2])}\n"
              f"kinds: domain domain domain\nencoding: gzip\nspace origin: {vec(origin)}\n")
    if detached:
        os.makedirs(os.path.join(os.path.dirname(path), "voxels"), exist_ok=True)
        with open(os.path.join(os.path.dirname(path), "voxels", "labels.raw.gz"), "wb") as f:
            f.write(data)
        with open(path, "w") as f:
            f.write(header + "data file: voxels/labels.raw.gz\n")
    else:
        with open(path, "wb") as f:
            f.write(header.encode() + b"\n" + data)
    # independently of the reader: header space -> LPS by the sign of each axis
    A = np.zeros((3, 4))
    for c in range(3):
        A[:, c] = sign * cols[c]
    A[:, 3] = sign * origin
    return A


def write_metaimage(path, D, detached=False):
    body = zlib.compress(flat(labels()))
    tm = " ".join(repr(float(D[r, c])) for c in range(3) for r in range(3))  # axis c's direction, then the next axis
    header = (f"ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\nCompressedData = True\n"
              f"CompressedDataSize = {len(body)}\nTransformMatrix = {tm}\nOffset = {' '.join(repr(float(x)) for x in ORIGIN)}\n"
              f"AnatomicalOrientation = RAI\nElementSpacing = {' '.join(repr(float(x)) for x in SPACING)}\n"
              f"DimSize = {DIMS[0]} {DIMS[1]} {DIMS[2]}\nElementType = MET_UCHAR\n")
    if detached:
        with open(path[:-4] + ".zraw", "wb") as f:
            f.write(body)
        with open(path, "w") as f:
            f.write(header + f"ElementDataFile = {os.path.basename(path)[:-4]}.zraw\n")
    else:
        with open(path, "wb") as f:
            f.write(header.encode() + b"ElementDataFile = LOCAL\n" + body)
    # the numbers written: axis c along TransformMatrix[3c:3c+3] (ITK's direction column c)
    numbers = [float(x) for x in tm.split()]
    A = np.zeros((3, 4))
    for c in range(3):
        A[:, c] = np.array(numbers[3 * c:3 * c + 3]) * SPACING[c]
    A[:, 3] = ORIGIN
    return A


def write_vti(path, D):
    image = vtk.vtkImageData()
    image.SetDimensions(*DIMS)
    image.SetSpacing(*SPACING)
    image.SetOrigin(*ORIGIN)
    image.SetDirectionMatrix(*D.flatten())
    arr = numpy_support.numpy_to_vtk(np.frombuffer(flat(labels()), np.uint8).copy(), deep=1, array_type=vtk.VTK_UNSIGNED_CHAR)
    arr.SetName("labels")
    image.GetPointData().SetScalars(arr)
    w = vtk.vtkXMLImageDataWriter()
    w.SetFileName(path)
    w.SetInputData(image)
    w.Write()
    # what the file says, read back as text (Origin, Spacing, Direction row-major)
    with open(path, "rb") as f:
        head = f.read(2000).decode("latin-1")
    attrs = {}
    for key in ("Origin", "Spacing", "Direction"):
        at = head.index(f' {key}="') + len(key) + 3
        attrs[key] = np.array([float(x) for x in head[at:head.index('"', at)].split()])
    Dw = attrs["Direction"].reshape(3, 3)
    A = np.zeros((3, 4))
    A[:, :3] = Dw @ np.diag(attrs["Spacing"])
    A[:, 3] = attrs["Origin"]
    return A


READERS = {
    "nifti_sform": (".nii.gz", lambda p, D: write_nifti(p, D)),
    "nifti_qform": (".nii", lambda p, D: write_nifti(p, D, qform_only=True)),
    "nrrd_ras": (".nrrd", lambda p, D: write_nrrd(p, D, "RAS")),
    "nrrd_lps_detached": (".nhdr", lambda p, D: write_nrrd(p, D, "LPS", detached=True)),
    "metaimage_mha": (".mha", lambda p, D: write_metaimage(p, D)),
    "metaimage_mhd": (".mhd", lambda p, D: write_metaimage(p, D, detached=True)),
    "vti": (".vti", write_vti),
}


# ---------------------------------------------------------------- our reading

def region_centroids(folder):
    r = vtk.vtkXMLUnstructuredGridReader()
    r.SetFileName(os.path.join(folder, "mesh.vtu"))
    r.Update()
    grid = r.GetOutput()
    pts = numpy_support.vtk_to_numpy(grid.GetPoints().GetData())
    conn = numpy_support.vtk_to_numpy(grid.GetCells().GetConnectivityArray()).reshape(-1, 4)
    region = numpy_support.vtk_to_numpy(grid.GetCellData().GetArray("region"))
    p = pts[conn]
    vol = np.abs(np.einsum("ij,ij->i", p[:, 1] - p[:, 0], np.cross(p[:, 2] - p[:, 0], p[:, 3] - p[:, 0]))) / 6
    cen = p.mean(axis=1)
    return {int(g): (vol[region == g, None] * cen[region == g]).sum(0) / vol[region == g].sum() for g in np.unique(region)}


def world(A, ijk):
    return A[:, :3] @ np.asarray(ijk, float) + A[:, 3]


def check_case(reader, grid):
    suffix, writer = READERS[reader]
    folder = os.path.join(ARGS.work_dir, f"{reader}_{grid}")
    os.makedirs(folder)
    path = os.path.join(folder, "labels" + suffix)
    A = writer(path, GRIDS[grid])
    out = os.path.join(folder, "out")
    code, _, stderr = tc.run([ARGS.app, "mesh", path, "-o", out])
    results = [(code == 0, f"{reader}/{grid}: twinfe mesh failed: {stderr.strip()[-300:]}")]
    if code != 0:
        return results
    img = tc.report(out)["image"]
    ours = np.zeros((3, 4))
    ours[:, :3] = np.array(img["direction_row_major"]).reshape(3, 3) @ np.diag(img["spacing_mm"])
    ours[:, 3] = img["origin_lps_mm"]
    corners = [(i, j, k) for i in (0, DIMS[0] - 1) for j in (0, DIMS[1] - 1) for k in (0, DIMS[2] - 1)]
    worst = max(np.abs(world(ours, v) - world(A, v)).max() for v in corners + list(CENTRES.values()))
    results.append((worst < GEOMETRY_TOL_MM, f"{reader}/{grid}: a voxel lies {worst:.3g} mm from where the header puts it"))
    centroids = region_centroids(out)
    for label, c in CENTRES.items():
        err = np.linalg.norm(centroids.get(label, np.full(3, 1e9)) - world(A, c))
        results.append((err < CENTROID_TOL_MM, f"{reader}/{grid}: region {label}'s centroid is {err:.3g} mm from its centre voxel"))
        print(f"{reader:18s} {grid:20s} label {label}: centroid off by {err:.4f} mm, grid off by {worst:.2e} mm", flush=True)
    return results


def check_segment_names():
    """Segment names become region names: 'tumor mass' -> tumor_mass, said in the summary."""
    folder = os.path.join(ARGS.work_dir, "seg")
    os.makedirs(folder)
    a = labels()
    layer1 = np.where(a == 3, 1, 0).astype(np.uint8)  # the third cube in a second layer, value 1 again
    layer0 = np.where(a == 3, 0, a).astype(np.uint8)
    both = np.stack([layer0, layer1], axis=-1)  # [i, j, k, layer]; layer fastest on disk
    data = both.transpose(2, 1, 0, 3).tobytes()
    header = (f"NRRD0004\ntype: unsigned char\ndimension: 4\nspace: left-posterior-superior\nsizes: 2 {DIMS[0]} {DIMS[1]} {DIMS[2]}\n"
              "space directions: none (1.5,0,0) (0,2,0) (0,0,3)\nkinds: list domain domain domain\nencoding: raw\n"
              "space origin: (10.5,-20.25,30.125)\nSegment0_Name:=liver\nSegment0_LabelValue:=1\nSegment0_Layer:=0\n"
              "Segment1_Name:=tumor mass\nSegment1_LabelValue:=2\nSegment1_Layer:=0\n"
              "Segment2_Name:=portal vein\nSegment2_LabelValue:=1\nSegment2_Layer:=1\n\n")
    path = os.path.join(folder, "case.seg.nrrd")
    with open(path, "wb") as f:
        f.write(header.encode() + data)
    out = os.path.join(folder, "out")
    code, stdout, stderr = tc.run([ARGS.app, "mesh", path, "-o", out])
    CK.check(code == 0, f"seg.nrrd: twinfe mesh failed: {stderr.strip()[-300:]}")
    if code:
        return
    stls = sorted(f for f in os.listdir(out) if f.endswith(".stl"))
    CK.check(stls == ["liver.stl", "portal_vein.stl", "tumor_mass.stl"], f"seg.nrrd: region files {stls}")
    CK.check("'tumor mass' is named region 'tumor_mass'" in stdout, f"seg.nrrd: the renaming is not said: {stdout[-500:]!r}")
    centroids = region_centroids(out)
    A = np.zeros((3, 4))
    A[:, :3] = np.diag(SPACING)
    A[:, 3] = ORIGIN
    # portal vein (layer 1, value 1) is renumbered past the other values: label 3, the third cube
    err = np.linalg.norm(centroids.get(3, np.full(3, 1e9)) - world(A, CENTRES[3]))
    CK.check(err < CENTROID_TOL_MM, f"seg.nrrd: the second layer's segment is {err:.3g} mm from its cube")


if __name__ == "__main__":
    ARGS = tc.parse_args()
    CK = tc.Checks("image_orientation")
    jobs = [(r, g) for r in READERS for g in GRIDS]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for results in pool.map(lambda j: check_case(*j), jobs):
            for ok, what in results:
                CK.check(ok, what)
    check_segment_names()
    CK.close()
