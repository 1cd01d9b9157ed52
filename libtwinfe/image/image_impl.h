/* Private to the image stage: the layout of a TwinfeImage and the VTK NIfTI adapter.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <twinfe/image.h>

struct _p_TwinfeImage {
  PetscInt  dims[3];
  PetscReal spacing[3];                 /* mm, > 0 */
  PetscReal origin[3];                  /* LPS mm of voxel (0,0,0)'s centre */
  PetscReal direction[9];               /* row-major, orthonormal columns */
  int32_t  *labels;                     /* dims[0]*dims[1]*dims[2], i fastest */
  char      source[PETSC_MAX_PATH_LEN]; /* file it was read from, "" if built in memory */
};

/* Number of voxels as a size_t (dims were checked to fit PetscInt when created). */
static inline size_t TwinfeImageVoxelCount_Private(const PetscInt dims[3])
{
  return (size_t)dims[0] * (size_t)dims[1] * (size_t)dims[2];
}

/* What vtkNIFTIImageReader gives: VTK's grid (origin, spacing, dims) with the labels, and the
   4x4 row-major RAS matrix (sform if present, else qform) that maps VTK's point coordinates
   to RAS mm. VTK already reorders slices when qfac = -1 and adjusts that matrix, so applying
   the matrix to VTK's point coordinates matches nibabel's affine (checked for sform, qform
   with qfac = -1, and both). has_matrix is PETSC_FALSE when neither form is present. */
typedef struct {
  PetscInt  dims[3];
  PetscReal vtk_origin[3];
  PetscReal vtk_spacing[3];
  PetscReal ras_matrix[16];
  PetscBool has_matrix;
  int32_t  *labels; /* PetscMalloc'ed, caller frees */
} TwinfeNiftiGrid;

/* What the NIfTI header says, read and checked before VTK allocates anything (nifti_header.c). */
typedef struct {
  int       version;   /* 1 or 2 */
  PetscBool swapped;   /* stored in the other byte order */
  PetscBool gzipped;   /* a gzip stream (VTK inflates it itself) */
  int64_t   dim[8];    /* dim[0] dimensions, then their sizes */
  double    pixdim[8]; /* pixdim[0] is qfac */
  int       datatype, bitpix, bytes_per_voxel;
  double    vox_offset; /* bytes before the voxels */
  double    scl_slope, scl_inter;
  int64_t   qform_code, sform_code;
  double    quatern[6]; /* quatern_b, _c, _d, qoffset_x, _y, _z */
  double    srow[12];   /* srow_x, srow_y, srow_z */
  int64_t   voxels;     /* product of dim[1..dim[0]] */
} TwinfeNiftiHeader;

/* Whether the first n bytes (decompressed) start like a NIfTI-1 or NIfTI-2 header. */
PETSC_INTERN PetscBool TwinfeNiftiProbe_Private(const unsigned char head[], size_t n);
/* Reads and checks every header field VTK will use, and that the file holds the voxels the
   header claims (inflating a .nii.gz into a small buffer), refusing more than max_voxels. */
PETSC_INTERN PetscErrorCode TwinfeNiftiCheckFile_Private(const char path[], PetscInt64 max_voxels, TwinfeNiftiHeader *hdr);
/* Reads a checked NIfTI file into a TwinfeImage (image.c). */
PETSC_INTERN PetscErrorCode TwinfeNiftiReadImage_Private(const char path[], PetscInt64 max_voxels, TwinfeImage *image);

/* Reads a file whose header TwinfeNiftiCheckFile_Private accepted; voxels is the count it
   found, which VTK's grid must match. */
PETSC_INTERN PetscErrorCode TwinfeNiftiRead_VTK(const char path[], int64_t voxels, TwinfeNiftiGrid *grid);
/* Writes labels with ras_matrix as the sform, and as the qform too when write_qform. */
PETSC_INTERN PetscErrorCode TwinfeNiftiWrite_VTK(const char path[], const PetscInt dims[3], const PetscReal spacing[3],
                                                 const int32_t labels[], const PetscReal ras_matrix[16], PetscBool write_qform);

/* NULL-argument check without PETSc's private headers. */
#define TwinfeCheckPointer_Private(p)                                                                                            \
  PetscCheck((p) != NULL, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument '%s' must not be NULL", PETSC_FUNCTION_NAME, #p)
