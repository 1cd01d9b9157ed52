/* TwinfeImage: the label-map container, its geometry, and NIfTI reading/writing.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "image_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Columns of a direction matrix must be orthonormal; NIfTI stores them as float32, so allow
   a few float32 ulps of drift, but refuse genuinely sheared or scaled matrices. */
#define TWINFE_DIRECTION_TOL 1e-4

static PetscErrorCode TwinfeCheckDirection_Private(const PetscReal D[9], const char *what)
{
  PetscFunctionBeginUser;
  for (int a = 0; a < 3; a++) {
    for (int b = a; b < 3; b++) {
      PetscReal dot      = D[0 * 3 + a] * D[0 * 3 + b] + D[1 * 3 + a] * D[1 * 3 + b] + D[2 * 3 + a] * D[2 * 3 + b];
      PetscReal expected = a == b ? 1.0 : 0.0;
      PetscCheck(PetscAbsReal(dot - expected) < TWINFE_DIRECTION_TOL, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "%s: direction columns %d and %d have dot product %g, expected %g (the direction matrix must have "
                 "orthonormal columns: sheared or scaled orientations are not supported)",
                 what, a, b, (double)dot, (double)expected);
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageCreate(const PetscInt dims[3], const PetscReal spacing[3], const PetscReal origin[3],
                                 const PetscReal direction[9], TwinfeImage *image)
{
  TwinfeImage img;
  size_t      n;

  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  *image = NULL;
  for (int d = 0; d < 3; d++) {
    PetscCheck(dims[d] > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "TwinfeImageCreate: dims[%d] = %" PetscInt_FMT " must be positive", d, dims[d]);
    PetscCheck(spacing[d] > 0 && PetscIsNormalReal(spacing[d]), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "TwinfeImageCreate: spacing[%d] = %g mm must be a positive finite number", d, (double)spacing[d]);
  }
  n = TwinfeImageVoxelCount_Private(dims);
  PetscCheck(n <= (size_t)PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeImageCreate: %" PetscInt_FMT " x %" PetscInt_FMT " x %" PetscInt_FMT
             " voxels exceed the PetscInt range (%d); use a 64-bit-index PETSc build or crop the image",
             dims[0], dims[1], dims[2], (int)PETSC_MAX_INT);
  if (direction) PetscCall(TwinfeCheckDirection_Private(direction, "TwinfeImageCreate"));
  PetscCall(PetscNew(&img));
  for (int d = 0; d < 3; d++) {
    img->dims[d]    = dims[d];
    img->spacing[d] = spacing[d];
    img->origin[d]  = origin ? origin[d] : 0.0;
  }
  for (int e = 0; e < 9; e++)
    img->direction[e] = direction ? direction[e] : (e % 4 == 0 ? 1.0 : 0.0);
  PetscCall(PetscCalloc1(n, &img->labels));
  *image = img;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageDestroy(TwinfeImage *image)
{
  PetscFunctionBeginUser;
  if (!image || !*image) PetscFunctionReturn(0);
  PetscCall(PetscFree((*image)->labels));
  PetscCall(PetscFree(*image));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageGetDimensions(TwinfeImage image, PetscInt dims[3])
{
  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  for (int d = 0; d < 3; d++)
    dims[d] = image->dims[d];
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageGetGeometry(TwinfeImage image, PetscReal spacing[3], PetscReal origin[3], PetscReal direction[9])
{
  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  for (int d = 0; d < 3; d++) {
    if (spacing) spacing[d] = image->spacing[d];
    if (origin) origin[d] = image->origin[d];
  }
  if (direction)
    for (int e = 0; e < 9; e++)
      direction[e] = image->direction[e];
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageGetLabels(TwinfeImage image, int32_t **labels)
{
  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  *labels = image->labels;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageIndexToWorld(TwinfeImage image, const PetscReal ijk[3], PetscReal xyz[3])
{
  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  for (int r = 0; r < 3; r++) {
    xyz[r] = image->origin[r];
    for (int c = 0; c < 3; c++)
      xyz[r] += image->direction[3 * r + c] * image->spacing[c] * ijk[c];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageCountLabel(TwinfeImage image, int32_t label, PetscInt *count)
{
  size_t n, found = 0;

  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  n = TwinfeImageVoxelCount_Private(image->dims);
  for (size_t v = 0; v < n; v++)
    found += image->labels[v] == label;
  *count = (PetscInt)found;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageGetVoxelVolume(TwinfeImage image, PetscReal *volume_mm3)
{
  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  *volume_mm3 = image->spacing[0] * image->spacing[1] * image->spacing[2];
  PetscFunctionReturn(0);
}

static PetscBool TwinfeHasSuffix_Private(const char s[], const char suffix[])
{
  size_t ls = strlen(s), lx = strlen(suffix);
  return (PetscBool)(ls >= lx && strcmp(s + ls - lx, suffix) == 0);
}

/* Temporary name keeping the .nii/.nii.gz ending, because VTK picks compression by it. */
static PetscErrorCode TwinfeNiftiTemporaryPath_Private(const char path[], char tmp[], size_t len)
{
  const char *ext  = TwinfeHasSuffix_Private(path, ".nii.gz") ? ".nii.gz" : ".nii";
  size_t      stem = strlen(path) - strlen(ext);

  PetscFunctionBeginUser;
  PetscCheck(stem + 32 < len, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: path too long to write beside it: give a shorter path", path);
  snprintf(tmp, len, "%.*s.tmp%s", (int)stem, path, ext);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageWrite(TwinfeImage image, const char path[])
{
  PetscReal M[16] = {0}, detD;
  char      tmp[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  TwinfeCheckPointer_Private(path);
  PetscCheck(TwinfeHasSuffix_Private(path, ".nii") || TwinfeHasSuffix_Private(path, ".nii.gz"), PETSC_COMM_SELF,
             PETSC_ERR_ARG_WRONG, "TwinfeImageWrite: '%s' must end in .nii or .nii.gz (NIfTI-1 single file)", path);
  /* RAS matrix with the spacing factored out, as VTK's writer expects: VTK's grid carries it. */
  for (int r = 0; r < 3; r++) {
    PetscReal flip = r < 2 ? -1.0 : 1.0;
    for (int c = 0; c < 3; c++)
      M[4 * r + c] = flip * image->direction[3 * r + c];
    M[4 * r + 3] = flip * image->origin[r];
  }
  M[15] = 1.0;
  detD  = M[0] * (M[5] * M[10] - M[6] * M[9]) - M[1] * (M[4] * M[10] - M[6] * M[8]) + M[2] * (M[4] * M[9] - M[5] * M[8]);
  PetscCall(TwinfeNiftiTemporaryPath_Private(path, tmp, sizeof tmp));
  /* A qform is a rotation plus qfac; VTK 9.1's writer stored a wrong qform for a left-handed
     matrix in our checks with nibabel, so then only the sform (exact) is written. */
  PetscCall(TwinfeNiftiWrite_VTK(tmp, image->dims, image->spacing, image->labels, M, (PetscBool)(detD > 0)));
  if (rename(tmp, path) != 0) {
    (void)remove(tmp);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "TwinfeImageWrite: cannot rename %s to %s", tmp, path);
  }
  PetscFunctionReturn(0);
}
