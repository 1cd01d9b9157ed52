/* The NIfTI header, checked before anything is allocated for the voxels.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * VTK's reader trusts the header: it allocates what dim[] and datatype claim, so a 480-byte
 * file claiming 30000^3 voxels makes it throw std::bad_alloc, and a NaN spacing or a singular
 * sform comes out as a NaN geometry. Here every field VTK will use is read with zlib (which
 * reads plain and gzip-compressed files alike) and checked: the format (NIfTI-1 or NIfTI-2,
 * single file), byte order, dimensions, data type, spacing, orientation, scaling, and that the
 * file really holds the voxels it claims. Each refusal names the file, the field, its value
 * and what would be right. Offsets are those of nifti1.h and nifti2.h. */
#include "image_impl.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define NIFTI1_HEADER_SIZE 348
#define NIFTI2_HEADER_SIZE 540

/* ---------- fields in either byte order ---------- */

static void CopyOrdered(const unsigned char *src, size_t n, PetscBool swapped, void *dst)
{
  unsigned char *d = (unsigned char *)dst;
  for (size_t i = 0; i < n; i++)
    d[i] = src[swapped ? n - 1 - i : i];
}

static int64_t GetI16(const unsigned char *h, size_t off, PetscBool sw)
{
  int16_t v;
  CopyOrdered(h + off, sizeof v, sw, &v);
  return v;
}

static int64_t GetI32(const unsigned char *h, size_t off, PetscBool sw)
{
  int32_t v;
  CopyOrdered(h + off, sizeof v, sw, &v);
  return v;
}

static int64_t GetI64(const unsigned char *h, size_t off, PetscBool sw)
{
  int64_t v;
  CopyOrdered(h + off, sizeof v, sw, &v);
  return v;
}

static double GetF32(const unsigned char *h, size_t off, PetscBool sw)
{
  float v;
  CopyOrdered(h + off, sizeof v, sw, &v);
  return v;
}

static double GetF64(const unsigned char *h, size_t off, PetscBool sw)
{
  double v;
  CopyOrdered(h + off, sizeof v, sw, &v);
  return v;
}

/* ---------- which header, in which byte order ---------- */

/* The first field, sizeof_hdr, is 348 (NIfTI-1) or 540 (NIfTI-2); read in the other byte
   order it tells a big-endian file. Returns 0 when it is neither. A short file still counts,
   so that the header check can call it truncated. */
static int HeaderVersion(const unsigned char head[], size_t n, PetscBool *swapped)
{
  if (n < 4) return 0;
  for (int s = 0; s < 2; s++) {
    const int64_t size = GetI32(head, 0, (PetscBool)s);
    if (size == NIFTI1_HEADER_SIZE || size == NIFTI2_HEADER_SIZE) {
      *swapped = (PetscBool)s;
      return size == NIFTI1_HEADER_SIZE ? 1 : 2;
    }
  }
  return 0;
}

PetscBool TwinfeNiftiProbe_Private(const unsigned char head[], size_t n)
{
  PetscBool swapped;
  return (PetscBool)(HeaderVersion(head, n, &swapped) != 0);
}

/* Single file ("n+1", "n+2"), a header/image pair ("ni1", "ni2"), or Analyze 7.5 (no magic). */
static PetscErrorCode CheckMagic(const char path[], int version, const unsigned char head[])
{
  const char *magic  = (const char *)(version == 1 ? head + 344 : head + 4);
  const char  pair[] = {'n', 'i', (char)('0' + version), '\0'};
  const char  one[]  = {'n', '+', (char)('0' + version), '\0'};

  PetscFunctionBeginUser;
  PetscCheck(memcmp(magic, pair, 4) != 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: NIfTI header magic is \"ni%d\": this is the header of a .hdr/.img pair, which twinfe does not read; "
             "convert it to a single .nii or .nii.gz file",
             path, version);
  PetscCheck(memcmp(magic, one, 4) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: NIfTI header magic is not \"n+%d\" (bytes %02x %02x %02x %02x): an Analyze 7.5 file or a damaged "
             "header; twinfe reads single-file NIfTI-1 and NIfTI-2 (.nii, .nii.gz)",
             path, version, (unsigned char)magic[0], (unsigned char)magic[1], (unsigned char)magic[2], (unsigned char)magic[3]);
  if (version == 2) {
    /* NIfTI-2's magic goes on with "\r\n\032\n", which a text-mode transfer mangles */
    const char tail[] = {'\r', '\n', '\032', '\n'};
    PetscCheck(memcmp(magic + 4, tail, 4) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: NIfTI-2 header magic is damaged (bytes 8-11 are not \\r\\n\\032\\n): was the file copied in text mode?",
               path);
  }
  PetscFunctionReturn(0);
}

/* ---------- the fields ---------- */

static void ParseHeader(const unsigned char h[], int version, PetscBool sw, TwinfeNiftiHeader *hdr)
{
  hdr->version = version;
  hdr->swapped = sw;
  if (version == 1) {
    for (int i = 0; i < 8; i++) {
      hdr->dim[i]    = GetI16(h, 40 + 2 * i, sw);
      hdr->pixdim[i] = GetF32(h, 76 + 4 * i, sw);
    }
    hdr->datatype   = (int)GetI16(h, 70, sw);
    hdr->bitpix     = (int)GetI16(h, 72, sw);
    hdr->vox_offset = GetF32(h, 108, sw);
    hdr->scl_slope  = GetF32(h, 112, sw);
    hdr->scl_inter  = GetF32(h, 116, sw);
    hdr->qform_code = GetI16(h, 252, sw);
    hdr->sform_code = GetI16(h, 254, sw);
    for (int i = 0; i < 6; i++)
      hdr->quatern[i] = GetF32(h, 256 + 4 * i, sw);
    for (int i = 0; i < 12; i++)
      hdr->srow[i] = GetF32(h, 280 + 4 * i, sw);
  } else {
    for (int i = 0; i < 8; i++) {
      hdr->dim[i]    = GetI64(h, 16 + 8 * i, sw);
      hdr->pixdim[i] = GetF64(h, 104 + 8 * i, sw);
    }
    hdr->datatype   = (int)GetI16(h, 12, sw);
    hdr->bitpix     = (int)GetI16(h, 14, sw);
    hdr->vox_offset = (double)GetI64(h, 168, sw);
    hdr->scl_slope  = GetF64(h, 176, sw);
    hdr->scl_inter  = GetF64(h, 184, sw);
    hdr->qform_code = GetI32(h, 344, sw);
    hdr->sform_code = GetI32(h, 348, sw);
    for (int i = 0; i < 6; i++)
      hdr->quatern[i] = GetF64(h, 352 + 8 * i, sw);
    for (int i = 0; i < 12; i++)
      hdr->srow[i] = GetF64(h, 400 + 8 * i, sw);
  }
}

/* Bytes per voxel of the types a label map can be stored in; 0 for the others (complex, RGB,
   binary, float128). Floats are allowed because some tools save masks as float; their values
   must then be integral, which the reader checks voxel by voxel. */
static int DatatypeBytes(int datatype, const char **name)
{
  static const struct {
    int         code, bytes;
    const char *name;
  } types[] = {
      {2, 1, "uint8"},  {4, 2, "int16"},    {8, 4, "int32"},    {16, 4, "float32"}, {64, 8, "float64"},
      {256, 1, "int8"}, {512, 2, "uint16"}, {768, 4, "uint32"}, {1024, 8, "int64"}, {1280, 8, "uint64"},
  };
  for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
    if (types[t].code == datatype) {
      *name = types[t].name;
      return types[t].bytes;
    }
  *name = "unsupported";
  return 0;
}

static PetscErrorCode CheckDimensions(const char path[], TwinfeNiftiHeader *hdr, PetscInt64 max_voxels)
{
  const int64_t *dim    = hdr->dim;
  int64_t        voxels = 1;

  PetscFunctionBeginUser;
  PetscCheck(dim[0] >= 1 && dim[0] <= 7, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: NIfTI header field dim[0] = %lld; it must be the number of dimensions, 1 to 7 (3 for a label map)", path,
             (long long)dim[0]);
  for (int i = 1; i <= dim[0]; i++)
    PetscCheck(dim[i] >= 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: NIfTI header field dim[%d] = %lld; every dimension up to dim[0] = %lld must be at least 1", path, i,
               (long long)dim[i], (long long)dim[0]);
  /* a label map is one volume: time points (dim[4]) or components (dim[5]) must be single */
  for (int i = 4; i <= dim[0]; i++)
    PetscCheck(dim[i] == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: NIfTI header field dim[%d] = %lld (%s); a label map is a single 3D volume, so it must be 1", path, i,
               (long long)dim[i], i == 4 ? "time points" : "components or further dimensions");
  for (int i = 1; i <= dim[0]; i++) {
    PetscCheck(voxels <= max_voxels / dim[i], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: NIfTI header fields dim[1..%lld] = %lld x %lld x %lld claim more voxels than the limit of %lld "
               "(-image_max_voxels): a damaged header, or an image to crop or downsample first",
               path, (long long)dim[0], (long long)dim[1], (long long)(dim[0] >= 2 ? dim[2] : 1),
               (long long)(dim[0] >= 3 ? dim[3] : 1), (long long)max_voxels);
    voxels *= dim[i];
  }
  hdr->voxels = voxels;
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckDatatype(const char path[], TwinfeNiftiHeader *hdr)
{
  const char *name;
  const int   bytes = DatatypeBytes(hdr->datatype, &name);

  PetscFunctionBeginUser;
  PetscCheck(bytes > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: NIfTI header field datatype = %d is not a label type; a label map is stored as an integer type "
             "(uint8 2, int8 256, int16 4, uint16 512, int32 8, uint32 768, int64 1024, uint64 1280) or as float32 16 / "
             "float64 64 holding whole numbers",
             path, hdr->datatype);
  PetscCheck(hdr->bitpix == 8 * bytes, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: NIfTI header field bitpix = %d does not match datatype %d (%s), which needs bitpix = %d: the header is "
             "damaged; export the label map again",
             path, hdr->bitpix, hdr->datatype, name, 8 * bytes);
  hdr->bytes_per_voxel = bytes;
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckSpacingAndScaling(const char path[], const TwinfeNiftiHeader *hdr)
{
  PetscFunctionBeginUser;
  for (int i = 1; i <= 3; i++)
    PetscCheck(isfinite(hdr->pixdim[i]) && hdr->pixdim[i] > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: NIfTI header field pixdim[%d] = %g; a voxel size must be a positive finite number of mm", path, i,
               hdr->pixdim[i]);
  PetscCheck(isfinite(hdr->pixdim[0]), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: NIfTI header field pixdim[0] (qfac) = %g; it must be 1 or -1", path, hdr->pixdim[0]);
  PetscCheck(isfinite(hdr->scl_slope), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: NIfTI header field scl_slope = %g; it must be a finite number (0 or 1 for a label map)", path, hdr->scl_slope);
  PetscCheck(isfinite(hdr->scl_inter), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: NIfTI header field scl_inter = %g; it must be a finite number (0 for a label map)", path, hdr->scl_inter);
  PetscFunctionReturn(0);
}

/* The orientation VTK will apply: the qform's quaternion must be a rotation, the sform's 3x3
   part must be finite and non-singular (relative to its column lengths, so a 0.01 mm grid is
   not mistaken for a singular one). Forms whose code is 0 are absent and not looked at. */
static PetscErrorCode CheckOrientation(const char path[], const TwinfeNiftiHeader *hdr)
{
  static const char *quatern_names[6] = {"quatern_b", "quatern_c", "quatern_d", "qoffset_x", "qoffset_y", "qoffset_z"};
  static const char *srow_names[3]    = {"srow_x", "srow_y", "srow_z"};
  const double      *q = hdr->quatern, *S = hdr->srow;

  PetscFunctionBeginUser;
  PetscCheck(hdr->qform_code >= 0 && hdr->qform_code <= 5 && hdr->sform_code >= 0 && hdr->sform_code <= 5, PETSC_COMM_SELF,
             PETSC_ERR_FILE_UNEXPECTED,
             "%s: NIfTI header fields qform_code = %lld and sform_code = %lld; each must be 0 (absent) to 5", path,
             (long long)hdr->qform_code, (long long)hdr->sform_code);
  if (hdr->qform_code > 0) {
    for (int i = 0; i < 6; i++)
      PetscCheck(isfinite(q[i]), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: NIfTI header field %s = %g; the qform must hold finite numbers", path, quatern_names[i], q[i]);
    /* b, c, d are the vector part of a unit quaternion; float32 rounding allows a little over 1 */
    PetscCheck(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] <= 1.0 + 1e-5, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: NIfTI header fields quatern_b, quatern_c, quatern_d = (%g, %g, %g) have b^2 + c^2 + d^2 = %g; a "
               "rotation needs at most 1",
               path, q[0], q[1], q[2], q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
  }
  if (hdr->sform_code > 0) {
    double norm[3] = {0, 0, 0}, det;
    for (int i = 0; i < 12; i++)
      PetscCheck(isfinite(S[i]), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: NIfTI header field %s[%d] = %g; the sform must hold finite numbers", path, srow_names[i / 4], i % 4, S[i]);
    for (int c = 0; c < 3; c++)
      norm[c] = sqrt(S[c] * S[c] + S[4 + c] * S[4 + c] + S[8 + c] * S[8 + c]);
    det = S[0] * (S[5] * S[10] - S[6] * S[9]) - S[1] * (S[4] * S[10] - S[6] * S[8]) + S[2] * (S[4] * S[9] - S[5] * S[8]);
    /* |det| / (product of column lengths) is 1 for orthogonal axes and 0 for dependent ones */
    PetscCheck(fabs(det) > 1e-6 * norm[0] * norm[1] * norm[2] && norm[0] * norm[1] * norm[2] > 0, PETSC_COMM_SELF,
               PETSC_ERR_FILE_UNEXPECTED,
               "%s: NIfTI header sform (srow_x, srow_y, srow_z) is singular: its 3x3 part has determinant %g with column "
               "lengths %g, %g, %g mm; the sform must map the voxel axes to three independent directions",
               path, det, norm[0], norm[1], norm[2]);
  }
  PetscFunctionReturn(0);
}

/* Where the voxels start: past the header, and a whole number of bytes. */
static PetscErrorCode CheckVoxOffset(const char path[], TwinfeNiftiHeader *hdr)
{
  const double least = hdr->version == 1 ? NIFTI1_HEADER_SIZE + 4 : NIFTI2_HEADER_SIZE + 4;

  PetscFunctionBeginUser;
  PetscCheck(isfinite(hdr->vox_offset) && hdr->vox_offset >= least && hdr->vox_offset == floor(hdr->vox_offset) &&
                 hdr->vox_offset < 9007199254740992.0, /* 2^53: the double holds it exactly */
             PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: NIfTI header field vox_offset = %g; in a single-file NIfTI-%d it must be a whole number of bytes, at "
             "least %g (past the header)",
             path, hdr->vox_offset, hdr->version, least);
  PetscFunctionReturn(0);
}

/* ---------- does the file hold the voxels? ---------- */

/* A plain file's size says it; a gzip stream must be inflated to know (its trailer holds the
   length modulo 4 GiB only, and a hostile file can lie there): inflate into a small buffer,
   keeping nothing, until the voxels' end or the stream's. */
static PetscErrorCode CheckDataLength(const char path[], gzFile gz, const TwinfeNiftiHeader *hdr, int64_t file_size)
{
  const int64_t need = (int64_t)hdr->vox_offset + hdr->voxels * hdr->bytes_per_voxel;
  int64_t       have = file_size;

  PetscFunctionBeginUser;
  if (hdr->gzipped) {
    unsigned char *sink;
    const int64_t  chunk = 1 << 17;
    int64_t        at    = gztell(gz);
    PetscCall(PetscMalloc1(chunk, &sink));
    while (at < need) {
      const int64_t want = PetscMin(need - at, chunk);
      const int     got  = gzread(gz, sink, (unsigned)want);
      if (got < 0) {
        int         errnum;
        const char *text = gzerror(gz, &errnum);
        PetscCall(PetscFree(sink));
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ,
                "%s: the gzip stream is corrupt after %lld uncompressed bytes (%s); the header claims %lld: the file is damaged "
                "or cut; copy or export it again",
                path, (long long)at, text ? text : "zlib error", (long long)need);
      }
      if (got == 0) break;
      at += got;
    }
    PetscCall(PetscFree(sink));
    have = at;
  }
  PetscCheck(have >= need, PETSC_COMM_SELF, PETSC_ERR_FILE_READ,
             "%s is truncated: its NIfTI header (dim %lld x %lld x %lld, %d bytes per voxel, vox_offset %.0f) needs %lld "
             "%sbytes, the file holds %lld",
             path, (long long)hdr->dim[1], (long long)(hdr->dim[0] >= 2 ? hdr->dim[2] : 1),
             (long long)(hdr->dim[0] >= 3 ? hdr->dim[3] : 1), hdr->bytes_per_voxel, hdr->vox_offset, (long long)need,
             hdr->gzipped ? "uncompressed " : "", (long long)have);
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckHeader(const char path[], gzFile gz, PetscInt64 max_voxels, PetscBool check_length, int64_t file_size,
                                  TwinfeNiftiHeader *hdr)
{
  unsigned char head[NIFTI2_HEADER_SIZE];
  int           n       = gzread(gz, head, sizeof head), version;
  PetscBool     swapped = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCheck(n >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read the NIfTI header (corrupt gzip stream)", path);
  version = HeaderVersion(head, (size_t)n, &swapped);
  PetscCheck(version > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: NIfTI header field sizeof_hdr = %lld (%d bytes read); a NIfTI-1 header has 348, NIfTI-2 540: the file "
             "is truncated or not NIfTI",
             path, (long long)(n >= 4 ? GetI32(head, 0, PETSC_FALSE) : -1), n);
  PetscCheck(n >= (version == 1 ? NIFTI1_HEADER_SIZE : NIFTI2_HEADER_SIZE), PETSC_COMM_SELF, PETSC_ERR_FILE_READ,
             "%s is truncated: it holds %d bytes%s, fewer than its NIfTI-%d header's sizeof_hdr = %d; copy or export the label "
             "map again",
             path, n, hdr->gzipped ? " once inflated" : "", version, version == 1 ? NIFTI1_HEADER_SIZE : NIFTI2_HEADER_SIZE);
  PetscCall(CheckMagic(path, version, head));
  ParseHeader(head, version, swapped, hdr);
  PetscCall(CheckDimensions(path, hdr, max_voxels));
  PetscCall(CheckDatatype(path, hdr));
  PetscCall(CheckSpacingAndScaling(path, hdr));
  PetscCall(CheckOrientation(path, hdr));
  PetscCall(CheckVoxOffset(path, hdr));
  if (check_length) PetscCall(CheckDataLength(path, gz, hdr, file_size));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeNiftiCheckHeader_Private(const char path[], PetscInt64 max_voxels, PetscBool check_length,
                                              TwinfeNiftiHeader *hdr)
{
  struct stat    st;
  unsigned char  magic[2] = {0, 0};
  gzFile         gz;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(hdr, sizeof *hdr));
  PetscCheck(stat(path, &st) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot open the image %s: no such file", path);
  {
    FILE *f = fopen(path, "rb");
    PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot open the image %s for reading (no read permission?)", path);
    hdr->gzipped = (PetscBool)(fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b);
    fclose(f);
  }
  gz = gzopen(path, "rb");
  PetscCheck(gz, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot open the image %s for reading", path);
  ierr = CheckHeader(path, gz, max_voxels, check_length, (int64_t)st.st_size, hdr);
  gzclose(gz);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
