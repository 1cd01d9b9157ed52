/* Private to the image stage: the layout of a TwinfeImage and the VTK NIfTI adapter.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <twinfe/image.h>

/* Names a file gives its labels (3D Slicer segments): at most as many as a case models. */
#define TWINFE_IMAGE_MAX_LABEL_NAMES 256
#define TWINFE_IMAGE_LABEL_NAME_LEN 128

struct _p_TwinfeImage {
  PetscInt  dims[3];
  PetscReal spacing[3];                 /* mm, > 0 */
  PetscReal origin[3];                  /* LPS mm of voxel (0,0,0)'s centre */
  PetscReal direction[9];               /* row-major, orthonormal columns */
  int32_t  *labels;                     /* dims[0]*dims[1]*dims[2], i fastest */
  char      source[PETSC_MAX_PATH_LEN]; /* file it was read from, "" if built in memory */
  /* label names from the file, kept inside the object so that TwinfeImageDestroy frees them */
  PetscInt nlabel_names;
  int32_t  label_name_values[TWINFE_IMAGE_MAX_LABEL_NAMES];
  char     label_names[TWINFE_IMAGE_MAX_LABEL_NAMES][TWINFE_IMAGE_LABEL_NAME_LEN];
};

/* Number of voxels as a size_t (dims were checked to fit PetscInt when created). */
static inline size_t TwinfeImageVoxelCount_Private(const PetscInt dims[3])
{
  return (size_t)dims[0] * (size_t)dims[1] * (size_t)dims[2];
}

/* What the NIfTI header says, read and checked before any voxel is read (nifti_header.c). */
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

/* Writes labels with ras_matrix as the sform, and as the qform too when write_qform. */
PETSC_INTERN PetscErrorCode TwinfeNiftiWrite_VTK(const char path[], const PetscInt dims[3], const PetscReal spacing[3],
                                                 const int32_t labels[], const PetscReal ras_matrix[16], PetscBool write_qform);

/* ---------- the readers (docs/image_formats.md) ---------- */

/* The same header check, with the data length counted only when check_length (the own NIfTI
   reader counts it while it reads the voxels instead of inflating a .nii.gz twice). */
PETSC_INTERN PetscErrorCode TwinfeNiftiCheckHeader_Private(const char path[], PetscInt64 max_voxels, PetscBool check_length,
                                                           TwinfeNiftiHeader *hdr);
PETSC_INTERN PetscErrorCode TwinfeNiftiReadFile_Private(const char path[], const TwinfeImageReadSettings *s, TwinfeImage *image);
PETSC_INTERN PetscBool      TwinfeNrrdProbe_Private(const unsigned char head[], size_t n);
PETSC_INTERN PetscErrorCode TwinfeNrrdRead_Private(const char path[], const TwinfeImageReadSettings *s, TwinfeImage *image);
PETSC_INTERN PetscBool      TwinfeMetaImageProbe_Private(const unsigned char head[], size_t n);
PETSC_INTERN PetscErrorCode TwinfeMetaImageRead_Private(const char path[], const TwinfeImageReadSettings *s, TwinfeImage *image);
PETSC_INTERN PetscBool      TwinfeVtiProbe_Private(const unsigned char head[], size_t n);
PETSC_INTERN PetscErrorCode TwinfeVtiRead_Private(const char path[], const TwinfeImageReadSettings *s, TwinfeImage *image);

/* How voxels are stored, and what to make of them. */
typedef enum {
  TWINFE_VOXEL_UINT8,
  TWINFE_VOXEL_INT8,
  TWINFE_VOXEL_UINT16,
  TWINFE_VOXEL_INT16,
  TWINFE_VOXEL_UINT32,
  TWINFE_VOXEL_INT32,
  TWINFE_VOXEL_UINT64,
  TWINFE_VOXEL_INT64,
  TWINFE_VOXEL_FLOAT32,
  TWINFE_VOXEL_FLOAT64
} TwinfeVoxelType;

PETSC_INTERN size_t      TwinfeVoxelTypeSize_Private(TwinfeVoxelType type);
PETSC_INTERN const char *TwinfeVoxelTypeName_Private(TwinfeVoxelType type);
PETSC_INTERN PetscBool   TwinfeVoxelTypeIsFloat_Private(TwinfeVoxelType type);

typedef struct {
  const char                    *path;   /* the image as the user named it, for messages */
  const char                    *format; /* "NRRD", for messages */
  TwinfeVoxelType                type;
  PetscBool                      swap;         /* stored in the other byte order */
  double                         slope, inter; /* NIfTI scaling; slope 0 or (1, 0): none */
  const TwinfeImageReadSettings *settings;
} TwinfeVoxelFormat;

/* Where the voxels are. */
typedef struct {
  const char *data_path;       /* the file holding them: the image itself, or a .nhdr's/.mhd's data file */
  int64_t     offset;          /* bytes of data_path before them (before the compressed stream) */
  PetscBool   compressed;      /* a zlib or gzip stream (told by its own header) */
  int64_t     skip;            /* uncompressed bytes before the voxels inside the stream */
  PetscBool   exact;           /* refuse data past the voxels (else it is ignored) */
  int64_t     compressed_size; /* bytes of the stream when the header says (MetaImage), else 0 */
} TwinfeVoxelSource;

/* A float image with a threshold, or without one: refuses (naming the file, the type and the
   fix) what cannot be read as labels, before the voxels are read. */
PETSC_INTERN PetscErrorCode TwinfeVoxelCheckSettings_Private(const TwinfeVoxelFormat *fmt);
/* Reads dims[0]*dims[1]*dims[2] voxels into a new int32 array (PetscFree it), checking that the
   data holds them (and no more when exact) before an allocation as large as the header claims:
   a plain file by its size, a stream by growing the array as it inflates. */
PETSC_INTERN PetscErrorCode TwinfeReadVoxels_Private(const TwinfeVoxelSource *src, const TwinfeVoxelFormat *fmt,
                                                     const int64_t dims[3], int32_t **labels);
/* Converts n voxels held in memory (native byte order unless fmt->swap). */
PETSC_INTERN PetscErrorCode TwinfeConvertVoxels_Private(const TwinfeVoxelFormat *fmt, const void *bytes, size_t n,
                                                        int32_t labels[]);
/* The image from a reader's grid: checks the geometry (naming the file), takes over *labels. */
PETSC_INTERN PetscErrorCode TwinfeImageFromGrid_Private(const char path[], const int64_t dims[3], const PetscReal spacing[3],
                                                        const PetscReal origin[3], const PetscReal direction[9], int32_t **labels,
                                                        TwinfeImage *image);
/* A LPS 3x4 affine (columns: voxel axes with their spacing, then the origin) as spacing, origin
   and direction, refusing a zero, sheared or non-finite axis with the file named. */
PETSC_INTERN PetscErrorCode TwinfeAffineToGeometry_Private(const char path[], const char what[], const double A[12],
                                                           PetscReal spacing[3], PetscReal origin[3], PetscReal direction[9]);
/* Records a name for a label (sanitised later by the case); at most TWINFE_IMAGE_MAX_LABEL_NAMES. */
PETSC_INTERN PetscErrorCode TwinfeImageSetLabelName_Private(TwinfeImage image, int32_t label, const char name[]);
/* Checks a header number against the voxel limit: dims multiply to at most max_voxels. */
PETSC_INTERN PetscErrorCode TwinfeCheckVoxelCount_Private(const char path[], const char what[], const int64_t dims[3],
                                                          PetscInt64 max_voxels);
/* Every file in this stage resolves a data file named in a header relative to that header. */
PETSC_INTERN PetscErrorCode TwinfeResolveBeside_Private(const char header[], const char name[], char out[], size_t len);

/* NULL-argument check without PETSc's private headers. */
#define TwinfeCheckPointer_Private(p)                                                                                            \
  PetscCheck((p) != NULL, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument '%s' must not be NULL", PETSC_FUNCTION_NAME, #p)
