/* NIfTI-1/-2 voxels read with zlib, after nifti_header.c has checked the header.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * VTK's reader inflated a .nii.gz a second time after the length check and converted through a
 * vtkDataArray; here the voxels are inflated once, straight into the int32 labels. The
 * geometry is nibabel's: the sform when sform_code > 0, else the qform (quaternion, pixdim and
 * qfac) when qform_code > 0, else the voxel sizes alone (as VTK's reader gave before); RAS is
 * turned into LPS by negating x and y. Voxels stay in file order (qfac = -1 is in the affine,
 * not a reordering). */
#include "image_impl.h"

#include <math.h>

static const struct {
  int             code;
  TwinfeVoxelType type;
} nifti_types[] = {
    {2, TWINFE_VOXEL_UINT8},    {256, TWINFE_VOXEL_INT8},   {4, TWINFE_VOXEL_INT16},    {512, TWINFE_VOXEL_UINT16},
    {8, TWINFE_VOXEL_INT32},    {768, TWINFE_VOXEL_UINT32}, {1024, TWINFE_VOXEL_INT64}, {1280, TWINFE_VOXEL_UINT64},
    {16, TWINFE_VOXEL_FLOAT32}, {64, TWINFE_VOXEL_FLOAT64},
};

/* The RAS affine (3x4, row-major) the header gives voxel (i, j, k). */
static void NiftiAffine(const TwinfeNiftiHeader *h, double A[12])
{
  for (int e = 0; e < 12; e++)
    A[e] = 0;
  if (h->sform_code > 0) {
    for (int e = 0; e < 12; e++)
      A[e] = h->srow[e];
  } else if (h->qform_code > 0) {
    const double b = h->quatern[0], c = h->quatern[1], d = h->quatern[2];
    const double a    = sqrt(PetscMax(0.0, 1.0 - (b * b + c * c + d * d)));
    const double qfac = h->pixdim[0] < 0 ? -1.0 : 1.0;
    const double R[9] = {a * a + b * b - c * c - d * d, 2 * (b * c - a * d),           2 * (b * d + a * c),
                         2 * (b * c + a * d),           a * a + c * c - b * b - d * d, 2 * (c * d - a * b),
                         2 * (b * d - a * c),           2 * (c * d + a * b),           a * a + d * d - b * b - c * c};
    const double s[3] = {h->pixdim[1], h->pixdim[2], qfac * h->pixdim[3]};
    for (int r = 0; r < 3; r++) {
      for (int col = 0; col < 3; col++)
        A[4 * r + col] = R[3 * r + col] * s[col];
      A[4 * r + 3] = h->quatern[3 + r];
    }
  } else {
    for (int r = 0; r < 3; r++)
      A[4 * r + r] = h->pixdim[1 + r];
  }
}

PetscErrorCode TwinfeNiftiReadFile_Private(const char path[], const TwinfeImageReadSettings *s, TwinfeImage *image)
{
  TwinfeNiftiHeader hdr;
  TwinfeVoxelFormat fmt = {path, "NIfTI", TWINFE_VOXEL_UINT8, PETSC_FALSE, 0, 0, s};
  TwinfeVoxelSource src = {path, 0, PETSC_FALSE, 0, PETSC_FALSE, 0};
  int64_t           dims[3];
  double            A[12];
  PetscReal         spacing[3], origin[3], direction[9];
  int32_t          *labels = NULL;
  PetscBool         found  = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(TwinfeNiftiCheckHeader_Private(path, s->max_voxels, PETSC_FALSE, &hdr));
  for (size_t t = 0; t < sizeof nifti_types / sizeof nifti_types[0]; t++)
    if (nifti_types[t].code == hdr.datatype) {
      fmt.type = nifti_types[t].type;
      found    = PETSC_TRUE;
    }
  PetscCheck(found, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: NIfTI datatype %d is not a label type", path, hdr.datatype);
  fmt.swap  = hdr.swapped;
  fmt.slope = hdr.scl_slope;
  fmt.inter = hdr.scl_inter;
  for (int d = 0; d < 3; d++)
    dims[d] = d < hdr.dim[0] ? hdr.dim[1 + d] : 1;
  PetscCall(TwinfeCheckVoxelCount_Private(path, "NIfTI header fields dim[1..3]", dims, s->max_voxels));
  NiftiAffine(&hdr, A);
  for (int c = 0; c < 4; c++) { /* RAS -> LPS */
    A[c]     = -A[c];
    A[4 + c] = -A[4 + c];
  }
  PetscCall(TwinfeAffineToGeometry_Private(path, hdr.sform_code > 0 ? "the NIfTI sform" : "the NIfTI qform and pixdim", A,
                                           spacing, origin, direction));
  /* the voxels start vox_offset bytes into the file, which inflates from its start */
  src.compressed = hdr.gzipped;
  if (hdr.gzipped)
    src.skip = (int64_t)hdr.vox_offset;
  else
    src.offset = (int64_t)hdr.vox_offset;
  PetscCall(TwinfeReadVoxels_Private(&src, &fmt, dims, &labels));
  PetscCall(TwinfeImageFromGrid_Private(path, dims, spacing, origin, direction, &labels, image));
  PetscFunctionReturn(0);
}
