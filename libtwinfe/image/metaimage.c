/* MetaImage label maps (.mha with ElementDataFile = LOCAL, .mhd with a .raw/.zraw data file),
 * docs/image_formats.md.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The header is "Key = Value" lines ending with ElementDataFile. It is parsed here rather than
 * by vtkMetaImageReader because VTK 9.1's reader ignores TransformMatrix (a rotated image would
 * come out axis-aligned) and trusts DimSize for its allocation. MetaImage's physical space is
 * ITK's, LPS, whatever AnatomicalOrientation says (ITK writes that key for information only). */
#define _XOPEN_SOURCE 700 /* strtok_r, strcasecmp */
#include "image_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MHA_HEADER_MAX (1 << 20)

typedef struct {
  const char     *path;
  int             ndims, has_dims, has_type, has_spacing, has_size, binary, compressed, msb, channels;
  int64_t         dims[3], compressed_size, header_size;
  double          spacing[3], size[3], offset[3], matrix[9];
  TwinfeVoxelType type;
  char            data_file[PETSC_MAX_PATH_LEN];
  int64_t         header_bytes;
} MetaHeader;

PetscBool TwinfeMetaImageProbe_Private(const unsigned char head[], size_t n)
{
  static const char *first[] = {"ObjectType", "NDims", "Comment", "ObjectSubType"};
  for (size_t k = 0; k < sizeof first / sizeof first[0]; k++) {
    const size_t len = strlen(first[k]);
    if (n > len && !memcmp(head, first[k], len) && (head[len] == ' ' || head[len] == '=')) return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

static PetscErrorCode ParseNumbers(MetaHeader *h, const char key[], const char *v, int n, double out[])
{
  PetscFunctionBeginUser;
  for (int i = 0; i < n; i++) {
    char *e;
    errno  = 0;
    out[i] = strtod(v, &e);
    PetscCheck(e != v && errno == 0 && isfinite(out[i]), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: MetaImage %s = %.60s needs %d finite numbers", h->path, key, v, n);
    v = e;
  }
  while (*v == ' ' || *v == '\t')
    v++;
  PetscCheck(*v == '\0', PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: MetaImage %s has more than %d numbers", h->path, key,
             n);
  PetscFunctionReturn(0);
}

static PetscErrorCode ParseBool(MetaHeader *h, const char key[], const char *v, int *out)
{
  PetscFunctionBeginUser;
  if (!strcasecmp(v, "true") || !strcmp(v, "1"))
    *out = 1;
  else if (!strcasecmp(v, "false") || !strcmp(v, "0"))
    *out = 0;
  else
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: MetaImage %s = %.40s; it must be True or False", h->path, key, v);
  PetscFunctionReturn(0);
}

static PetscErrorCode ParseType(MetaHeader *h, const char *v)
{
  static const struct {
    const char     *name;
    TwinfeVoxelType type;
  } types[] = {
      {"MET_UCHAR", TWINFE_VOXEL_UINT8},     {"MET_CHAR", TWINFE_VOXEL_INT8},     {"MET_USHORT", TWINFE_VOXEL_UINT16},
      {"MET_SHORT", TWINFE_VOXEL_INT16},     {"MET_UINT", TWINFE_VOXEL_UINT32},   {"MET_INT", TWINFE_VOXEL_INT32},
      {"MET_ULONG", TWINFE_VOXEL_UINT32},    {"MET_LONG", TWINFE_VOXEL_INT32},    {"MET_ULONG_LONG", TWINFE_VOXEL_UINT64},
      {"MET_LONG_LONG", TWINFE_VOXEL_INT64}, {"MET_FLOAT", TWINFE_VOXEL_FLOAT32}, {"MET_DOUBLE", TWINFE_VOXEL_FLOAT64},
  };

  PetscFunctionBeginUser;
  for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
    if (!strcmp(v, types[t].name)) {
      h->type     = types[t].type;
      h->has_type = 1;
      PetscFunctionReturn(0);
    }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
          "%s: MetaImage ElementType = %.40s is not a label type; a label map is MET_UCHAR, MET_CHAR, MET_(U)SHORT, "
          "MET_(U)INT, MET_(U)LONG, MET_(U)LONG_LONG, or MET_FLOAT/MET_DOUBLE holding whole numbers",
          h->path, v);
}

static PetscErrorCode ParseDataFile(MetaHeader *h, const char *v)
{
  PetscFunctionBeginUser;
  PetscCheck(strncmp(v, "LIST", 4) != 0 && !strchr(v, '%') && !strchr(v, ' '), PETSC_COMM_SELF, PETSC_ERR_SUP,
             "%s: MetaImage ElementDataFile = %.60s spreads the voxels over several files, which twinfe does not read: save the "
             "label map as one .mha (or a .mhd with one data file)",
             h->path, v);
  PetscCheck(strlen(v) < sizeof h->data_file, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: MetaImage data file name too long",
             h->path);
  PetscCall(PetscStrncpy(h->data_file, v, sizeof h->data_file));
  PetscFunctionReturn(0);
}

static PetscErrorCode ParseKey(MetaHeader *h, const char *key, const char *v)
{
  double x[9];

  PetscFunctionBeginUser;
  if (!strcmp(key, "ObjectType"))
    PetscCheck(!strcmp(v, "Image"), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: MetaImage ObjectType = %.40s; a label map is an Image", h->path, v);
  else if (!strcmp(key, "NDims")) {
    PetscCall(ParseNumbers(h, key, v, 1, x));
    PetscCheck(x[0] == 3, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: MetaImage NDims = %g; a label map has 3 dimensions",
               h->path, x[0]);
    h->ndims = 3;
  } else if (!strcmp(key, "DimSize")) {
    PetscCheck(h->ndims == 3, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: MetaImage DimSize comes before NDims = 3",
               h->path);
    PetscCall(ParseNumbers(h, key, v, 3, x));
    for (int d = 0; d < 3; d++) {
      PetscCheck(x[d] >= 1 && x[d] == floor(x[d]) && x[d] < 9.2e18, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: MetaImage DimSize = %s; each size must be a whole number of at least 1", h->path, v);
      h->dims[d] = (int64_t)x[d];
    }
    h->has_dims = 1;
  } else if (!strcmp(key, "ElementSpacing")) {
    PetscCall(ParseNumbers(h, key, v, 3, h->spacing));
    h->has_spacing = 1;
  } else if (!strcmp(key, "ElementSize")) {
    PetscCall(ParseNumbers(h, key, v, 3, h->size));
    h->has_size = 1;
  } else if (!strcmp(key, "Offset") || !strcmp(key, "Position") || !strcmp(key, "Origin"))
    PetscCall(ParseNumbers(h, key, v, 3, h->offset));
  else if (!strcmp(key, "TransformMatrix") || !strcmp(key, "Rotation") || !strcmp(key, "Orientation"))
    PetscCall(ParseNumbers(h, key, v, 9, h->matrix));
  else if (!strcmp(key, "ElementType"))
    PetscCall(ParseType(h, v));
  else if (!strcmp(key, "ElementByteOrderMSB") || !strcmp(key, "BinaryDataByteOrderMSB"))
    PetscCall(ParseBool(h, key, v, &h->msb));
  else if (!strcmp(key, "BinaryData"))
    PetscCall(ParseBool(h, key, v, &h->binary));
  else if (!strcmp(key, "CompressedData"))
    PetscCall(ParseBool(h, key, v, &h->compressed));
  else if (!strcmp(key, "CompressedDataSize")) {
    PetscCall(ParseNumbers(h, key, v, 1, x));
    PetscCheck(x[0] >= 1 && x[0] == floor(x[0]) && x[0] < 9.2e18, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: MetaImage CompressedDataSize = %s must be a positive whole number of bytes", h->path, v);
    h->compressed_size = (int64_t)x[0];
  } else if (!strcmp(key, "HeaderSize")) {
    PetscCall(ParseNumbers(h, key, v, 1, x));
    PetscCheck((x[0] >= 0 || x[0] == -1) && x[0] == floor(x[0]) && x[0] < 9.2e18, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: MetaImage HeaderSize = %s must be a number of bytes (or -1: the data ends the file)", h->path, v);
    h->header_size = (int64_t)x[0];
  } else if (!strcmp(key, "ElementNumberOfChannels")) {
    PetscCall(ParseNumbers(h, key, v, 1, x));
    PetscCheck(x[0] == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: MetaImage ElementNumberOfChannels = %g; a label map has one value per voxel", h->path, x[0]);
  } else if (!strcmp(key, "ElementDataFile"))
    PetscCall(ParseDataFile(h, v));
  /* other keys (Comment, AnatomicalOrientation, CenterOfRotation, ElementMin/Max, ...) do not change the labels or their place */
  PetscFunctionReturn(0);
}

/* The header lines, up to and including ElementDataFile (the voxels of LOCAL follow it). */
static PetscErrorCode ReadHeader(MetaHeader *h)
{
  FILE  *f = fopen(h->path, "rb");
  char  *text, *line;
  size_t n;
  int    number = 0;

  PetscFunctionBeginUser;
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot open the image %s for reading", h->path);
  PetscCall(PetscMalloc1(MHA_HEADER_MAX + 1, &text));
  n       = fread(text, 1, MHA_HEADER_MAX, f);
  text[n] = '\0';
  fclose(f);
  for (line = text; line < text + n && !h->data_file[0];) {
    char          *end = memchr(line, '\n', (size_t)(text + n - line)), *eq, *key, *v;
    PetscErrorCode ierr;
    if (!end) break;
    *end = '\0';
    number++;
    eq = strchr(line, '=');
    if (!eq) {
      PetscCall(PetscFree(text));
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
              "%s: MetaImage header line %d is not 'Key = Value' (or the header ends without ElementDataFile): the file is "
              "damaged or cut",
              h->path, number);
    }
    *eq = '\0';
    key = line;
    v   = eq + 1;
    for (char *e = eq; e > key && (e[-1] == ' ' || e[-1] == '\t');)
      *--e = '\0';
    while (*v == ' ' || *v == '\t')
      v++;
    for (char *e = end; e > v && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r');)
      *--e = '\0';
    ierr = ParseKey(h, key, v);
    if (ierr) PetscCall(PetscFree(text));
    PetscCall(ierr);
    line = end + 1;
  }
  h->header_bytes = line - text;
  PetscCall(PetscFree(text));
  PetscCheck(h->data_file[0], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: the MetaImage header ends without an ElementDataFile line (LOCAL or the data file's name; read up to %d "
             "bytes): the file is damaged or cut",
             h->path, MHA_HEADER_MAX);
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckRequired(MetaHeader *h)
{
  PetscFunctionBeginUser;
  PetscCheck(h->ndims == 3 && h->has_dims && h->has_type, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: the MetaImage header lacks %s; it needs NDims = 3, DimSize, ElementType and ElementDataFile", h->path,
             h->ndims != 3  ? "NDims"
             : !h->has_dims ? "DimSize"
                            : "ElementType");
  PetscCheck(h->binary, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "%s: MetaImage BinaryData = False (voxels as text) is not read: save the label map with binary data", h->path);
  PetscFunctionReturn(0);
}

/* Axis i lies along the i-th row of TransformMatrix as written (ITK's direction column i). */
static PetscErrorCode Geometry(MetaHeader *h, PetscReal spacing[3], PetscReal origin[3], PetscReal direction[9])
{
  double A[12];

  PetscFunctionBeginUser;
  for (int c = 0; c < 3; c++) {
    const double s = h->has_spacing ? h->spacing[c] : h->has_size ? h->size[c] : 1.0;
    PetscCheck(s > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: MetaImage %s gives axis %d the voxel size %g mm; it must be positive", h->path,
               h->has_spacing ? "ElementSpacing" : "ElementSize", c, s);
    for (int r = 0; r < 3; r++)
      A[4 * r + c] = h->matrix[3 * c + r] * s;
  }
  for (int r = 0; r < 3; r++)
    A[4 * r + 3] = h->offset[r];
  PetscCall(TwinfeAffineToGeometry_Private(h->path, "MetaImage TransformMatrix", A, spacing, origin, direction));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMetaImageRead_Private(const char path[], const TwinfeImageReadSettings *s, TwinfeImage *image)
{
  MetaHeader        h;
  TwinfeVoxelFormat fmt = {path, "MetaImage", TWINFE_VOXEL_UINT8, PETSC_FALSE, 0, 0, s};
  TwinfeVoxelSource src = {path, 0, PETSC_FALSE, 0, PETSC_TRUE, 0};
  char              data_path[PETSC_MAX_PATH_LEN];
  PetscReal         spacing[3], origin[3], direction[9];
  int32_t          *labels = NULL;
  const int         one    = 1;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&h, sizeof h));
  h.path   = path;
  h.binary = 1;
  for (int e = 0; e < 9; e++)
    h.matrix[e] = e % 4 == 0 ? 1.0 : 0.0;
  PetscCall(ReadHeader(&h));
  PetscCall(CheckRequired(&h));
  PetscCall(TwinfeCheckVoxelCount_Private(path, "MetaImage DimSize", h.dims, s->max_voxels));
  PetscCall(Geometry(&h, spacing, origin, direction));
  fmt.type = h.type;
  fmt.swap = (PetscBool)((h.msb != 0) == (*(const char *)&one == 1)); /* MSB first on a little-endian machine */
  if (TwinfeVoxelTypeSize_Private(h.type) == 1) fmt.swap = PETSC_FALSE;
  if (!strcmp(h.data_file, "LOCAL")) {
    PetscCall(PetscStrncpy(data_path, path, sizeof data_path));
    src.offset = h.header_bytes;
  } else {
    PetscCall(TwinfeResolveBeside_Private(path, h.data_file, data_path, sizeof data_path));
    if (h.header_size > 0) src.offset = h.header_size;
    if (h.header_size == -1) {
      /* the voxels end the file: as many bytes before them as there are beyond the count */
      FILE   *f = fopen(data_path, "rb");
      int64_t size;
      PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open its data file %s", path, data_path);
      size = fseek(f, 0, SEEK_END) == 0 ? (int64_t)ftell(f) : -1;
      fclose(f);
      PetscCheck(!h.compressed, PETSC_COMM_SELF, PETSC_ERR_SUP,
                 "%s: MetaImage HeaderSize = -1 with CompressedData is not read: save the label map again", path);
      src.offset = PetscMax(0, size - h.dims[0] * h.dims[1] * h.dims[2] * (int64_t)TwinfeVoxelTypeSize_Private(h.type));
    }
  }
  src.data_path       = data_path;
  src.compressed      = (PetscBool)h.compressed;
  src.compressed_size = h.compressed ? h.compressed_size : 0;
  PetscCall(TwinfeReadVoxels_Private(&src, &fmt, h.dims, &labels));
  PetscCall(TwinfeImageFromGrid_Private(path, h.dims, spacing, origin, direction, &labels, image));
  PetscFunctionReturn(0);
}
