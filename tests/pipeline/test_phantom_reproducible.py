"""The bundled label maps are what their generator makes: regenerate each and compare voxels
and geometry (nibabel, independent of our reader). The organ phantom (the default case) and the
CT-like kidneys (the CT benchmark case, meshes/kidneys_ct.yaml).
SPDX-License-Identifier: GPL-2.0-or-later"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc
import nibabel
import numpy as np

args = tc.parse_args()
ck = tc.Checks("phantom_reproducible")
fresh = os.path.join(args.work_dir, "organ_phantom.nii.gz")
code, _, stderr = tc.run([args.app, "phantom", "-o", fresh, "-voxel_mm", "2"])
ck.check(code == 0, f"twinfe phantom: {stderr}")
if code == 0:
    a = nibabel.load(os.path.join(args.source_dir, "meshes", "organ_phantom.nii.gz"))
    b = nibabel.load(fresh)
    ck.check(a.shape == b.shape, f"shape {a.shape} vs {b.shape}")
    ck.check(np.array_equal(np.asarray(a.dataobj), np.asarray(b.dataobj)), "voxels differ")
    ck.check(np.allclose(a.affine, b.affine, atol=1e-9), "affine differs")
    labels = set(np.unique(np.asarray(b.dataobj)).tolist())
    ck.check(labels == {0, 1, 2}, f"labels {labels}")
    # The direction is not the identity, so orientation bugs cannot hide.
    rotation = b.affine[:3, :3] / np.linalg.norm(b.affine[:3, :3], axis=0)
    ck.check(not np.allclose(np.abs(rotation), np.eye(3), atol=1e-3), "direction is the identity")

fresh = os.path.join(args.work_dir, "kidneys_ct.nii.gz")
code, _, stderr = tc.run([args.app, "phantom", "-kind", "kidneys", "-o", fresh])
ck.check(code == 0, f"twinfe phantom -kind kidneys: {stderr}")
if code == 0:
    a = nibabel.load(os.path.join(args.source_dir, "meshes", "kidneys_ct.nii.gz"))
    b = nibabel.load(fresh)
    ck.check(a.shape == b.shape == (261, 512, 512), f"kidneys: shape {a.shape} vs {b.shape}")
    ck.check(np.array_equal(np.asarray(a.dataobj), np.asarray(b.dataobj)), "kidneys: voxels differ")
    ck.check(np.allclose(a.affine, b.affine, atol=1e-9), "kidneys: affine differs")
ck.close()
