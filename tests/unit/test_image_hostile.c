/* Hostile and unusual image files: each is refused with a PETSc error (never a crash), whose
 * message names the file and the field at fault; unusual but valid files (big-endian,
 * NIfTI-2, 4D with one time point, labels past 999 in int16/uint16/int32) are read exactly.
 * The files are written here byte by byte, following nifti1.h and nifti2.h.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _XOPEN_SOURCE 700 /* truncate */
#include "twinfe_checks.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <twinfe/image.h>
#include <unistd.h>

/* The read fails with code, and its message names the file and every given word. */
static void expect_refusal(const char *path, PetscInt64 limit, PetscErrorCode code, const char *word1, const char *word2)
{
  TwinfeImage    image = NULL;
  PetscErrorCode ierr;
  const char    *last_message;

  twinfe_test_capture_errors_begin();
  ierr         = TwinfeImageReadWithLimit(path, limit, &image);
  last_message = twinfe_test_capture_errors_end();
  ck_assert_msg(ierr == code, "%s: error %d, expected %d (%s)", path, (int)ierr, (int)code, last_message);
  ck_assert_msg(image == NULL, "%s: an image was returned with the error", path);
  ck_assert_msg(strstr(last_message, path), "the message does not name %s: %s", path, last_message);
  ck_assert_msg(!word1 || strstr(last_message, word1), "the message lacks '%s': %s", word1, last_message);
  ck_assert_msg(!word2 || strstr(last_message, word2), "the message lacks '%s': %s", word2, last_message);
}

static const char *work_file(const char *name)
{
  static char path[8][PETSC_MAX_PATH_LEN];
  static int  slot;
  slot = (slot + 1) % 8;
  snprintf(path[slot], sizeof path[slot], "%s/%s", twinfe_test_work_dir(), name);
  return path[slot];
}

/* ---------- NIfTI-1 and NIfTI-2 writers ---------- */

typedef struct {
  int         version; /* 1 or 2 */
  int         swap;    /* write big-endian (the other byte order on this machine) */
  int64_t     dim[8];
  int         datatype, bitpix;
  double      pixdim[8], vox_offset, scl_slope, scl_inter;
  int         qform_code, sform_code;
  double      quatern[6], srow[12];
  char        magic[8];
  const void *data; /* voxel bytes in the file's byte order */
  size_t      data_bytes;
  size_t      cut; /* write only this many bytes in all (0: all) */
} Nifti;

/* A valid 4 x 3 x 2 int16 file with an sform of 1.5 x 2 x 3 mm. */
static Nifti nifti_default(const int16_t *data)
{
  Nifti n   = {1, 0, {3, 4, 3, 2, 1, 1, 1, 1}, 4, 16, {1, 1.5, 2, 3, 1, 1, 1, 1}, 352, 1, 0, 0, 1, {0}, {0}, "n+1", data, 48, 0};
  n.srow[0] = 1.5, n.srow[5] = 2, n.srow[10] = 3;
  n.srow[3] = 10, n.srow[7] = -20, n.srow[11] = 30;
  return n;
}

static void put(unsigned char *h, size_t off, const void *v, size_t size, int swap)
{
  for (size_t i = 0; i < size; i++)
    h[off + i] = ((const unsigned char *)v)[swap ? size - 1 - i : i];
}

static void put_i16(unsigned char *h, size_t off, int64_t v, int swap)
{
  int16_t x = (int16_t)v;
  put(h, off, &x, 2, swap);
}

static void put_i32(unsigned char *h, size_t off, int64_t v, int swap)
{
  int32_t x = (int32_t)v;
  put(h, off, &x, 4, swap);
}

static void put_i64(unsigned char *h, size_t off, int64_t v, int swap)
{
  put(h, off, &v, 8, swap);
}

static void put_f32(unsigned char *h, size_t off, double v, int swap)
{
  float x = (float)v;
  put(h, off, &x, 4, swap);
}

static void put_f64(unsigned char *h, size_t off, double v, int swap)
{
  put(h, off, &v, 8, swap);
}

static size_t header_bytes(const Nifti *n, unsigned char h[544])
{
  const int s = n->swap;
  memset(h, 0, 544);
  if (n->version == 1) {
    put_i32(h, 0, 348, s);
    for (int i = 0; i < 8; i++)
      put_i16(h, 40 + 2 * i, n->dim[i], s), put_f32(h, 76 + 4 * i, n->pixdim[i], s);
    put_i16(h, 70, n->datatype, s), put_i16(h, 72, n->bitpix, s);
    put_f32(h, 108, n->vox_offset, s), put_f32(h, 112, n->scl_slope, s), put_f32(h, 116, n->scl_inter, s);
    put_i16(h, 252, n->qform_code, s), put_i16(h, 254, n->sform_code, s);
    for (int i = 0; i < 6; i++)
      put_f32(h, 256 + 4 * i, n->quatern[i], s);
    for (int i = 0; i < 12; i++)
      put_f32(h, 280 + 4 * i, n->srow[i], s);
    memcpy(h + 344, n->magic, 4);
    return 352;
  }
  put_i32(h, 0, 540, s);
  memcpy(h + 4, n->magic, 8);
  put_i16(h, 12, n->datatype, s), put_i16(h, 14, n->bitpix, s);
  for (int i = 0; i < 8; i++)
    put_i64(h, 16 + 8 * i, n->dim[i], s), put_f64(h, 104 + 8 * i, n->pixdim[i], s);
  put_i64(h, 168, (int64_t)n->vox_offset, s), put_f64(h, 176, n->scl_slope, s), put_f64(h, 184, n->scl_inter, s);
  put_i32(h, 344, n->qform_code, s), put_i32(h, 348, n->sform_code, s);
  for (int i = 0; i < 6; i++)
    put_f64(h, 352 + 8 * i, n->quatern[i], s);
  for (int i = 0; i < 12; i++)
    put_f64(h, 400 + 8 * i, n->srow[i], s);
  return 544;
}

static const char *write_nifti(const char *name, const Nifti *n)
{
  const char   *path = work_file(name);
  unsigned char h[544];
  size_t        nh = header_bytes(n, h), total = nh + n->data_bytes, written = 0;
  FILE         *f = fopen(path, "wb");
  ck_assert_msg(f != NULL, "cannot write %s", path);
  if (n->cut) total = n->cut;
  written += fwrite(h, 1, PetscMin(nh, total), f);
  for (size_t b = nh; b < total; b++) /* the voxels, or zeros past them or without them */
    written += fputc(n->data && b - nh < n->data_bytes ? ((const unsigned char *)n->data)[b - nh] : 0, f) != EOF;
  ck_assert(written == total);
  ck_assert(fclose(f) == 0);
  return path;
}

/* path compressed by gzip(1) into gz_name, cut to half its length when cut_half. */
static const char *gzip_file(const char *path, const char *gz_name, int cut_half)
{
  const char *gz = work_file(gz_name);
  char        cmd[3 * PETSC_MAX_PATH_LEN];
  struct stat st;
  snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s'", path, gz);
  ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
  ck_assert(stat(gz, &st) == 0);
  if (cut_half) ck_assert(truncate(gz, st.st_size / 2) == 0);
  return gz;
}

static const char *write_text(const char *name, const char *text)
{
  const char *path = work_file(name);
  FILE       *f    = fopen(path, "w");
  ck_assert(f != NULL);
  fputs(text, f);
  ck_assert(fclose(f) == 0);
  return path;
}

static const char *write_file_bytes(const char *name, const void *bytes, size_t n)
{
  const char *path = work_file(name);
  FILE       *f    = fopen(path, "wb");
  ck_assert(f != NULL);
  ck_assert(fwrite(bytes, 1, n, f) == n);
  ck_assert(fclose(f) == 0);
  return path;
}

static int16_t small_data[24];

static void setup(void)
{
  for (int v = 0; v < 24; v++)
    small_data[v] = (int16_t)(v % 5 == 0 ? 0 : 1000 + v);
}

#define LIMIT TWINFE_IMAGE_MAX_VOXELS_DEFAULT

/* ---------- refusals ---------- */

START_TEST(test_huge_dims)
{
  Nifti n  = nifti_default(NULL);
  n.dim[1] = n.dim[2] = n.dim[3] = 30000; /* the 480-byte file that aborted the app: 2.7e13 voxels */
  n.cut                          = 480;
  expect_refusal(write_nifti("huge.nii", &n), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "dim", "-image_max_voxels");
  n.dim[1] = n.dim[2] = n.dim[3] = 1200; /* 1.7e9 voxels: under the limit, but 480 bytes cannot hold them */
  expect_refusal(write_nifti("large.nii", &n), LIMIT, PETSC_ERR_FILE_READ, "truncated", "3456000352");
  n.swap   = 1; /* the same in big-endian: the byte order is found, not assumed */
  n.dim[1] = n.dim[2] = n.dim[3] = 30000;
  expect_refusal(write_nifti("huge_big_endian.nii", &n), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "dim", "30000");
  /* a valid file over a lower limit */
  n = nifti_default(small_data);
  expect_refusal(write_nifti("limit.nii", &n), 23, PETSC_ERR_FILE_UNEXPECTED, "limit of 23", NULL);
}
END_TEST

START_TEST(test_bad_dims)
{
  Nifti n  = nifti_default(small_data);
  n.dim[0] = 0;
  expect_refusal(write_nifti("dim0.nii", &n), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "dim[0] = 0", NULL);
  n.dim[0] = 8;
  expect_refusal(write_nifti("dim0_8.nii", &n), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "dim[0] = 8", NULL);
  n        = nifti_default(small_data);
  n.dim[2] = 0;
  expect_refusal(write_nifti("dim2_zero.nii", &n), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "dim[2] = 0", NULL);
  n.dim[2] = -3;
  expect_refusal(write_nifti("dim2_negative.nii", &n), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "dim[2] = -3", NULL);
  n        = nifti_default(small_data);
  n.dim[0] = 4, n.dim[4] = 2; /* two time points: not one label map */
  expect_refusal(write_nifti("time.nii", &n), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "dim[4] = 2", "time points");
}
END_TEST

START_TEST(test_bad_spacing)
{
  const double bad[3]   = {0.0, -1.0, NAN};
  const char  *names[3] = {"spacing_zero.nii", "spacing_negative.nii", "spacing_nan.nii"};
  for (int b = 0; b < 3; b++) {
    Nifti n     = nifti_default(small_data);
    n.pixdim[2] = bad[b];
    expect_refusal(write_nifti(names[b], &n), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "pixdim[2]", "positive finite");
  }
}
END_TEST

START_TEST(test_bad_orientation)
{
  Nifti n = nifti_default(small_data);
  /* the third column a multiple of the first: every voxel row on one plane */
  n.srow[2] = 3, n.srow[6] = 0, n.srow[10] = 0;
  expect_refusal(write_nifti("sform_singular.nii", &n), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "sform", "singular");
  n         = nifti_default(small_data);
  n.srow[5] = INFINITY;
  expect_refusal(write_nifti("sform_inf.nii", &n), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "srow_y[1]", "finite");
  n            = nifti_default(small_data);
  n.sform_code = 0, n.qform_code = 1, n.quatern[0] = 2; /* b = 2: no rotation has it */
  expect_refusal(write_nifti("qform_bad.nii", &n), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "quatern_b", "rotation");
  n           = nifti_default(small_data);
  n.scl_slope = NAN;
  expect_refusal(write_nifti("slope_nan.nii", &n), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "scl_slope", NULL);
}
END_TEST

START_TEST(test_bad_datatype)
{
  Nifti n  = nifti_default(small_data);
  n.bitpix = 8; /* int16 needs 16 */
  expect_refusal(write_nifti("bitpix.nii", &n), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "bitpix = 8", "bitpix = 16");
  n.datatype = 32, n.bitpix = 64; /* complex64 */
  expect_refusal(write_nifti("complex.nii", &n), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "datatype = 32", "integer");
  n            = nifti_default(small_data);
  n.vox_offset = 100; /* inside the header */
  expect_refusal(write_nifti("vox_offset.nii", &n), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "vox_offset = 100", "352");
}
END_TEST

START_TEST(test_bad_magic_and_formats)
{
  Nifti n = nifti_default(small_data);
  memcpy(n.magic, "n+3", 4);
  expect_refusal(write_nifti("magic.nii", &n), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "magic", NULL);
  memcpy(n.magic, "ni1", 4);
  expect_refusal(write_nifti("pair.nii", &n), LIMIT, PETSC_ERR_FILE_UNEXPECTED, ".hdr/.img", NULL);
  /* MetaImage and NRRD are read (test_image_formats.c): here, damaged ones are named by their
     format whatever the file's name, and DICOM is recognised and refused */
  expect_refusal(write_text("labels.mha", "ObjectType = Image\nNDims = 3\nDimSize = 4 3 2\nElementType = MET_SHORT\n"
                                          "ElementDataFile = LOCAL\n"),
                 LIMIT, PETSC_ERR_FILE_READ, "MetaImage", "truncated");
  expect_refusal(write_text("labels_mha.nii", "ObjectType = Image\nNDims = 3\n"), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "MetaImage",
                 "ElementDataFile");
  expect_refusal(write_text("labels.nrrd", "NRRD0004\ntype: short\n"), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "NRRD", "dimension");
  {
    char dicom[132] = {0};
    memcpy(dicom + 128, "DICM", 4);
    expect_refusal(write_file_bytes("scan.dcm", dicom, sizeof dicom), LIMIT, PETSC_ERR_SUP, "DICOM", ".nii.gz");
  }
  expect_refusal(write_text("notes.nii", "this is not a NIfTI file, just text\n"), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "sizeof_hdr",
                 ".nii");
  expect_refusal(write_text("empty.nii", ""), LIMIT, PETSC_ERR_FILE_READ, "empty", NULL);
  expect_refusal(twinfe_test_work_dir(), LIMIT, PETSC_ERR_FILE_OPEN, "folder", NULL);
  expect_refusal(work_file("missing.nii"), LIMIT, PETSC_ERR_FILE_OPEN, "no such file", NULL);
}
END_TEST

START_TEST(test_truncated)
{
  Nifti       n = nifti_default(small_data);
  const char *whole;
  n.cut = 352 + 47; /* one byte of voxels short */
  expect_refusal(write_nifti("short.nii", &n), LIMIT, PETSC_ERR_FILE_READ, "truncated", "400");
  n.cut = 200; /* inside the header */
  expect_refusal(write_nifti("short_header.nii", &n), LIMIT, PETSC_ERR_FILE_READ, "truncated", "348");
  /* the header claims 100^3 int16 voxels; the stream ends after 24 */
  n        = nifti_default(small_data);
  n.dim[1] = n.dim[2] = n.dim[3] = 100;
  n.cut                          = 0;
  expect_refusal(gzip_file(write_nifti("short_gz.nii", &n), "short_gz.nii.gz", 0), LIMIT, PETSC_ERR_FILE_READ, "truncated",
                 "uncompressed");
  /* a valid .nii.gz whose gzip stream is cut */
  n     = nifti_default(small_data);
  whole = write_nifti("cut_gz.nii", &n);
  expect_refusal(gzip_file(whole, "cut_gz.nii.gz", 1), LIMIT, PETSC_ERR_FILE_READ, NULL, NULL);
}
END_TEST

START_TEST(test_ct_refused)
{
  /* an int16 CT (Hounsfield units below 0) given as a label map */
  const char *ct = twinfe_test_shared_data("totalsegmentator/example_ct_sm.nii.gz");
  expect_refusal(ct, LIMIT, PETSC_ERR_FILE_UNEXPECTED, "below 0", "intensity image");
}
END_TEST

/* ---------- unusual but valid ---------- */

static void expect_labels(const char *path, const int32_t expected[24])
{
  TwinfeImage image;
  int32_t    *labels;
  PetscInt    dims[3];
  PetscReal   spacing[3];
  TWINFE_CK(TwinfeImageRead(path, &image));
  TWINFE_CK(TwinfeImageGetDimensions(image, dims));
  TWINFE_CK(TwinfeImageGetGeometry(image, spacing, NULL, NULL));
  ck_assert_msg(dims[0] == 4 && dims[1] == 3 && dims[2] == 2, "%s: dims", path);
  /* float32 spacing read back: exact for 1.5, 2 and 3 */
  ck_assert_msg(spacing[0] == 1.5 && spacing[1] == 2.0 && spacing[2] == 3.0, "%s: spacing %g %g %g", path, spacing[0], spacing[1],
                spacing[2]);
  TWINFE_CK(TwinfeImageGetLabels(image, &labels));
  for (int v = 0; v < 24; v++)
    ck_assert_msg(labels[v] == expected[v], "%s: voxel %d holds %d, expected %d", path, v, labels[v], expected[v]);
  TWINFE_CK(TwinfeImageDestroy(&image));
}

START_TEST(test_valid_variants)
{
  int32_t expected[24], i32[24];
  int16_t swapped[24];
  for (int v = 0; v < 24; v++) {
    expected[v] = small_data[v];
    swapped[v]  = (int16_t)(((uint16_t)small_data[v] >> 8) | ((uint16_t)small_data[v] << 8));
  }
  Nifti n = nifti_default(small_data);
  expect_labels(write_nifti("int16.nii", &n), expected);
  expect_labels(gzip_file(write_nifti("int16_gz.nii", &n), "int16.nii.gz", 0), expected);
  n.dim[0] = 4; /* 4D with one time point */
  expect_labels(write_nifti("one_time_point.nii", &n), expected);
  n      = nifti_default(swapped);
  n.swap = 1;
  expect_labels(write_nifti("big_endian.nii", &n), expected);
  n.datatype = 512; /* the same bytes as uint16 */
  expect_labels(write_nifti("big_endian_uint16.nii", &n), expected);

  /* int32 labels past 65535, in NIfTI-1 and NIfTI-2 */
  for (int v = 0; v < 24; v++)
    i32[v] = expected[v] = v % 5 == 0 ? 0 : (v % 2 ? 70000 + v : 2035);
  n          = nifti_default(NULL);
  n.datatype = 8, n.bitpix = 32, n.data = i32, n.data_bytes = sizeof i32;
  expect_labels(write_nifti("int32.nii", &n), expected);
  n.version    = 2;
  n.vox_offset = 544;
  memcpy(n.magic, "n+2\0\r\n\032\n", 8);
  expect_labels(write_nifti("nifti2.nii", &n), expected);
  memcpy(n.magic, "n+2\0\r\n\n\n", 8); /* a text-mode copy */
  expect_refusal(write_nifti("nifti2_text_mode.nii", &n), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "magic", "text mode");
}
END_TEST

START_TEST(test_negative_and_int64)
{
  int64_t i64[24];
  int16_t negative[24];
  for (int v = 0; v < 24; v++)
    i64[v] = v == 7 ? 5000000000LL : v, negative[v] = (int16_t)(v < 3 ? -5 - v : v);
  Nifti n = nifti_default(negative);
  expect_refusal(write_nifti("negative.nii", &n), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "3 voxels below 0", "least is -7");
  n          = nifti_default(NULL);
  n.datatype = 1024, n.bitpix = 64, n.data = i64, n.data_bytes = sizeof i64;
  /* int64 is read, but a value past int32 is not a label */
  expect_refusal(write_nifti("int64_big.nii", &n), LIMIT, PETSC_ERR_FILE_UNEXPECTED, "5e+09", NULL);
}
END_TEST

/* ---------- distinct labels and renumbering ---------- */

START_TEST(test_label_values_and_relabel)
{
  const PetscInt  dims[3]   = {5, 4, 3};
  const PetscReal spacing[] = {1, 1, 1};
  const int32_t   pattern[] = {0, 5, 70000, 2147483647, 1000, 5, 2035};
  TwinfeImage     image;
  int32_t        *labels, *values;
  PetscInt        n;
  TWINFE_CK(TwinfeImageCreate(dims, spacing, NULL, NULL, &image));
  TWINFE_CK(TwinfeImageGetLabels(image, &labels));
  for (int v = 0; v < 60; v++)
    labels[v] = pattern[v % 7];
  TWINFE_CK(TwinfeImageGetLabelValues(image, &n, &values));
  ck_assert_int_eq(n, 5);
  ck_assert(values[0] == 5 && values[1] == 1000 && values[2] == 2035 && values[3] == 70000 && values[4] == 2147483647);
  PetscFree(values);
  {
    const int32_t from[] = {2147483647, 1000, 70000}, to[] = {3, 1, 2};
    TWINFE_CK(TwinfeImageRelabel(image, 3, from, to));
  }
  for (int v = 0; v < 60; v++) {
    const int32_t o = pattern[v % 7], want = o == 1000 ? 1 : o == 70000 ? 2 : o == 2147483647 ? 3 : 0; /* 5, 2035: not listed */
    ck_assert_msg(labels[v] == want, "voxel %d: %d, expected %d", v, labels[v], want);
  }
  {
    const int32_t from[] = {1, 1}, to[] = {2, 3};
    TWINFE_CK_FAILS(TwinfeImageRelabel(image, 2, from, to)); /* 1 listed twice */
  }
  /* many distinct values (an intensity image): all found, none dropped */
  for (int v = 0; v < 60; v++)
    labels[v] = 1 + 1000 * v;
  TWINFE_CK(TwinfeImageGetLabelValues(image, &n, &values));
  ck_assert_int_eq(n, 60);
  for (int v = 0; v < 60; v++)
    ck_assert_int_eq(values[v], 1 + 1000 * v);
  PetscFree(values);
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("image_hostile");
  TCase *tc = tcase_create("hostile");
  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_huge_dims);
  tcase_add_test(tc, test_bad_dims);
  tcase_add_test(tc, test_bad_spacing);
  tcase_add_test(tc, test_bad_orientation);
  tcase_add_test(tc, test_bad_datatype);
  tcase_add_test(tc, test_bad_magic_and_formats);
  tcase_add_test(tc, test_truncated);
  tcase_add_test(tc, test_ct_refused);
  tcase_add_test(tc, test_valid_variants);
  tcase_add_test(tc, test_negative_and_int64);
  tcase_add_test(tc, test_label_values_and_relabel);
  suite_add_tcase(s, tc);
  return s;
}
