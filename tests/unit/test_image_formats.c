/* The NRRD, 3D Slicer .seg.nrrd, MetaImage and VTI readers, and float images with a threshold:
 * every file is written here by hand (headers as text, voxels as bytes in the stated order),
 * read back, and compared voxel by voxel and in world (LPS) coordinates; damaged, short,
 * overlong and oversized files of each reader are refused with a message naming the file and
 * what is wrong (docs/image_formats.md).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_checks.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <twinfe/image.h>

/* ---------- files ---------- */

static const char *work_file(const char *name)
{
  static char path[8][PETSC_MAX_PATH_LEN];
  static int  slot;
  slot = (slot + 1) % 8;
  snprintf(path[slot], sizeof path[slot], "%s/%s", twinfe_test_work_dir(), name);
  return path[slot];
}

/* Writes header text then n bytes; returns the path. */
static const char *write_file(const char *name, const char *header, const void *data, size_t n)
{
  const char *path = work_file(name);
  FILE       *f    = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  if (header) ck_assert_uint_eq(fwrite(header, 1, strlen(header), f), strlen(header));
  if (n) ck_assert_uint_eq(fwrite(data, 1, n, f), n);
  fclose(f);
  return path;
}

/* A zlib (gzip = 0) or gzip (gzip = 1) stream of n bytes, written by hand with stored
   (uncompressed) deflate blocks so that the test needs no zlib of its own: the reader's inflate
   sees a real stream with its header, blocks and checksum. Returns the stream's length. */
static uint32_t crc32_of(const unsigned char *d, size_t n)
{
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= d[i];
    for (int k = 0; k < 8; k++)
      c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

static uint32_t adler32_of(const unsigned char *d, size_t n)
{
  uint32_t a = 1, b = 0;
  for (size_t i = 0; i < n; i++) {
    a = (a + d[i]) % 65521u;
    b = (b + a) % 65521u;
  }
  return (b << 16) | a;
}

static size_t deflate_bytes(const void *data, size_t n, unsigned char *out, size_t cap, int gzip)
{
  static const unsigned char gz_header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
  const unsigned char       *d             = (const unsigned char *)data;
  size_t                     m = 0, at = 0;
  ck_assert_uint_le(n + 64 + n / 8192 * 5, cap);
  if (gzip)
    memcpy(out, gz_header, 10), m = 10;
  else
    out[m++] = 0x78, out[m++] = 0x01;
  do {
    const size_t len = n - at < 8192 ? n - at : 8192;
    out[m++]         = at + len == n; /* BFINAL, BTYPE 00: stored */
    out[m++] = (unsigned char)(len & 0xFF), out[m++] = (unsigned char)(len >> 8);
    out[m++] = (unsigned char)(~len & 0xFF), out[m++] = (unsigned char)((~len >> 8) & 0xFF);
    memcpy(out + m, d + at, len);
    m += len, at += len;
  } while (at < n);
  if (gzip) {
    const uint32_t c = crc32_of(d, n);
    for (int k = 0; k < 4; k++)
      out[m++] = (unsigned char)(c >> (8 * k));
    for (int k = 0; k < 4; k++)
      out[m++] = (unsigned char)(n >> (8 * k));
  } else {
    const uint32_t a = adler32_of(d, n);
    for (int k = 3; k >= 0; k--)
      out[m++] = (unsigned char)(a >> (8 * k));
  }
  return m;
}

/* Reading fails, and the message names the file and holds each given word. */
static void expect_refusal_with(const char *path, const TwinfeImageReadSettings *s, const char *word1, const char *word2)
{
  TwinfeImage    image = NULL;
  PetscErrorCode ierr;
  const char    *last_message;

  twinfe_test_capture_errors_begin();
  ierr         = TwinfeImageReadWithSettings(path, s, &image);
  last_message = twinfe_test_capture_errors_end();
  ck_assert_msg(ierr != 0, "%s was read but should have been refused", path);
  ck_assert_msg(image == NULL, "%s: an image was returned with the error", path);
  ck_assert_msg(strstr(last_message, path) || (s->threshold_set && strstr(last_message, "-threshold")),
                "the message does not name %s: %s", path, last_message);
  ck_assert_msg(!word1 || strstr(last_message, word1), "the message lacks '%s': %s", word1, last_message);
  ck_assert_msg(!word2 || strstr(last_message, word2), "the message lacks '%s': %s", word2, last_message);
  ck_assert_msg(!strstr(last_message, "Twinfe") && !strstr(last_message, "_Private"), "the message names a function: %s",
                last_message);
}

static void expect_refusal(const char *path, const char *word1, const char *word2)
{
  TwinfeImageReadSettings s;
  TWINFE_CK(TwinfeImageReadSettingsDefault(&s));
  expect_refusal_with(path, &s, word1, word2);
}

/* ---------- voxels ---------- */

#define NI 4
#define NJ 3
#define NK 2
#define NV (NI * NJ * NK)

/* The label of voxel v: 0 to 5, every value present, 0 the background. */
static int label_of(int v)
{
  return (v * 7 + 3) % 6;
}

typedef enum { U8, I8, U16, I16, U32, I32, I64, U64, F32, F64, NTYPES } Type;
static const size_t type_size[NTYPES] = {1, 1, 2, 2, 4, 4, 8, 8, 4, 8};

/* Voxel values as stored: value_of(v) in type t, byte order big (1) or little (0). */
static size_t encode(Type t, int big, double (*value_of)(int), unsigned char *out)
{
  const int one = 1, little = *(const char *)&one == 1;
  for (int v = 0; v < NV; v++) {
    unsigned char b[8];
    const double  x = value_of(v);
    switch (t) {
    case U8:
      b[0] = (uint8_t)x;
      break;
    case I8:
      b[0] = (uint8_t)(int8_t)x;
      break;
    case U16: {
      uint16_t y = (uint16_t)x;
      memcpy(b, &y, 2);
    } break;
    case I16: {
      int16_t y = (int16_t)x;
      memcpy(b, &y, 2);
    } break;
    case U32: {
      uint32_t y = (uint32_t)x;
      memcpy(b, &y, 4);
    } break;
    case I32: {
      int32_t y = (int32_t)x;
      memcpy(b, &y, 4);
    } break;
    case I64: {
      int64_t y = (int64_t)x;
      memcpy(b, &y, 8);
    } break;
    case U64: {
      uint64_t y = (uint64_t)x;
      memcpy(b, &y, 8);
    } break;
    case F32: {
      float y = (float)x;
      memcpy(b, &y, 4);
    } break;
    default: {
      double y = x;
      memcpy(b, &y, 8);
    } break;
    }
    for (size_t i = 0; i < type_size[t]; i++)
      out[v * type_size[t] + i] = b[big == little ? type_size[t] - 1 - i : i];
  }
  return NV * type_size[t];
}

static double labels_as_values(int v)
{
  return label_of(v);
}

/* The image has the test's grid and labels, and voxel (i,j,k) lies at origin + i*a + j*b + k*c
   (LPS), within 1e-9 mm (the headers hold these numbers exactly in decimal or binary). */
static void check_image(TwinfeImage image, const double origin[3], const double axes[3][3], int (*expected)(int))
{
  PetscInt dims[3];
  int32_t *labels;
  TWINFE_CK(TwinfeImageGetDimensions(image, dims));
  ck_assert_int_eq(dims[0], NI);
  ck_assert_int_eq(dims[1], NJ);
  ck_assert_int_eq(dims[2], NK);
  TWINFE_CK(TwinfeImageGetLabels(image, &labels));
  for (int v = 0; v < NV; v++)
    ck_assert_msg(labels[v] == expected(v), "voxel %d: label %d, expected %d", v, labels[v], expected(v));
  for (int k = 0; k < NK; k++)
    for (int j = 0; j < NJ; j++)
      for (int i = 0; i < NI; i++) {
        const PetscReal ijk[3] = {i, j, k};
        PetscReal       xyz[3];
        TWINFE_CK(TwinfeImageIndexToWorld(image, ijk, xyz));
        for (int r = 0; r < 3; r++) {
          const double want = origin[r] + i * axes[0][r] + j * axes[1][r] + k * axes[2][r];
          ck_assert_msg(fabs(xyz[r] - want) < 1e-9, "voxel (%d,%d,%d) coordinate %d: %g, expected %g", i, j, k, r, xyz[r], want);
        }
      }
}

static const double axis_aligned[3][3] = {{1.5, 0, 0}, {0, 2, 0}, {0, 0, 3}};
static const double origin_lps[3]      = {10, -20, 30};

static void read_and_check(const char *path, const double origin[3], const double axes[3][3], int (*expected)(int))
{
  TwinfeImage image = NULL;
  TWINFE_CK(TwinfeImageRead(path, &image));
  check_image(image, origin, axes, expected);
  TWINFE_CK(TwinfeImageDestroy(&image));
}

/* ---------- NRRD ---------- */

static const char *nrrd_type[NTYPES] = {"uint8", "int8",  "uint16", "short", "uint32", "int", "int64", "unsigned long long",
                                        "float", "double"};

static void nrrd_header(char *h, size_t len, Type t, int big, const char *encoding, const char *extra)
{
  snprintf(h, len,
           "NRRD0004\n# written by test_image_formats\ntype: %s\ndimension: 3\nspace: left-posterior-superior\n"
           "sizes: %d %d %d\nspace directions: (1.5,0,0) (0,2,0) (0,0,3)\nkinds: domain domain domain\nendian: %s\n"
           "encoding: %s\nspace origin: (10,-20,30)\n%s",
           nrrd_type[t], NI, NJ, NK, big ? "big" : "little", encoding, extra);
}

START_TEST(test_nrrd_types_and_encodings)
{
  for (int t = 0; t < NTYPES; t++)
    for (int big = 0; big < 2; big++)
      for (int gz = 0; gz < 2; gz++) {
        unsigned char raw[NV * 8], packed[1024];
        char          header[1024], name[64];
        const size_t  n = encode((Type)t, big, labels_as_values, raw);
        nrrd_header(header, sizeof header, (Type)t, big, gz ? "gzip" : "raw", "\n");
        snprintf(name, sizeof name, "t%d_%s_%s.nrrd", t, big ? "big" : "little", gz ? "gz" : "raw");
        if (gz)
          read_and_check(write_file(name, header, packed, deflate_bytes(raw, n, packed, sizeof packed, 1)), origin_lps,
                         axis_aligned, label_of);
        else
          read_and_check(write_file(name, header, raw, n), origin_lps, axis_aligned, label_of);
      }
}
END_TEST

START_TEST(test_nrrd_detached_and_space)
{
  unsigned char raw[NV * 2], packed[1024];
  char          header[1024];
  const size_t  n = encode(I16, 1, labels_as_values, raw);
  mkdir(work_file("data"), 0755);
  write_file("data/labels.raw", NULL, raw, n);
  nrrd_header(header, sizeof header, I16, 1, "raw", "data file: data/labels.raw\n");
  read_and_check(write_file("detached.nhdr", header, NULL, 0), origin_lps, axis_aligned, label_of);
  write_file("data/labels.raw.gz", NULL, packed, deflate_bytes(raw, n, packed, sizeof packed, 1));
  nrrd_header(header, sizeof header, I16, 1, "gz", "datafile: data/labels.raw.gz\n");
  read_and_check(write_file("detached_gz.nhdr", header, NULL, 0), origin_lps, axis_aligned, label_of);
  {
    /* a gzip file of two members (bgzip, concatenated .gz files) is one stream of voxels */
    size_t m = deflate_bytes(raw, n / 2, packed, sizeof packed, 1);
    m += deflate_bytes(raw + n / 2, n - n / 2, packed + m, sizeof packed - m, 1);
    write_file("data/members.raw.gz", NULL, packed, m);
    nrrd_header(header, sizeof header, I16, 1, "gzip", "data file: data/members.raw.gz\n");
    read_and_check(write_file("members.nhdr", header, NULL, 0), origin_lps, axis_aligned, label_of);
  }
  {
    /* RAS: x and y negated; a rotated, permuted grid */
    const double axes[3][3] = {{0, -1.5, 0}, {-2, 0, 0}, {0, 0, -3}}; /* LPS of (0,1.5,0) (2,0,0) (0,0,-3) in RAS */
    const double origin[3]  = {-10, 20, 30};
    snprintf(header, sizeof header,
             "NRRD0005\ntype: int16\ndimension: 3\nspace: RAS\nsizes: %d %d %d\nspace directions: (0,1.5,0) (2,0,0) (0,0,-3)\n"
             "endian: big\nencoding: raw\nspace origin: (10,-20,30)\n\n",
             NI, NJ, NK);
    read_and_check(write_file("ras.nrrd", header, raw, n), origin, axes, label_of);
    /* LAS: y negated */
    const double las_axes[3][3] = {{0, -1.5, 0}, {2, 0, 0}, {0, 0, -3}};
    const double las_origin[3]  = {10, 20, 30};
    snprintf(header, sizeof header,
             "NRRD0005\ntype: int16\ndimension: 3\nspace: left-anterior-superior\nsizes: %d %d %d\n"
             "space directions: (0,1.5,0) (2,0,0) (0,0,-3)\nendian: big\nencoding: raw\nspace origin: (10,-20,30)\n\n",
             NI, NJ, NK);
    read_and_check(write_file("las.nrrd", header, raw, n), las_origin, las_axes, label_of);
    /* space dimension 3 without a named space: taken as LPS */
    snprintf(header, sizeof header,
             "NRRD0005\ntype: int16\ndimension: 3\nspace dimension: 3\nsizes: %d %d %d\n"
             "space directions: (1.5,0,0) (0,2,0) (0,0,3)\nendian: big\nencoding: raw\nspace origin: (10,-20,30)\n\n",
             NI, NJ, NK);
    read_and_check(write_file("space_dim.nrrd", header, raw, n), origin_lps, axis_aligned, label_of);
  }
}
END_TEST

START_TEST(test_nrrd_refused)
{
  unsigned char raw[NV * 2 + 8] = {0}, packed[1024];
  char          header[1024];
  const size_t  n = encode(I16, 0, labels_as_values, raw);
  nrrd_header(header, sizeof header, I16, 0, "raw", "\n");
  expect_refusal(write_file("short.nrrd", header, raw, n - 1), "truncated", NULL);
  expect_refusal(write_file("long.nrrd", header, raw, n + 2), "do not match", NULL);
  nrrd_header(header, sizeof header, I16, 0, "gzip", "\n");
  expect_refusal(write_file("short_gz.nrrd", header, packed, deflate_bytes(raw, n - 2, packed, sizeof packed, 1)), "truncated",
                 "uncompressed");
  expect_refusal(write_file("long_gz.nrrd", header, packed, deflate_bytes(raw, n + 8, packed, sizeof packed, 1)), "go on past",
                 NULL);
  expect_refusal(write_file("cut_gz.nrrd", header, packed, deflate_bytes(raw, n, packed, sizeof packed, 1) / 2), NULL, NULL);
  expect_refusal(write_file("huge.nrrd", "NRRD0004\ntype: uint8\ndimension: 3\nsizes: 30000 30000 30000\nencoding: gzip\n\n",
                            packed, deflate_bytes(raw, 16, packed, sizeof packed, 1)),
                 "limit", "-image_max_voxels");
  expect_refusal(write_file("list.nhdr",
                            "NRRD0004\ntype: uint8\ndimension: 3\nsizes: 4 3 2\nencoding: raw\ndata file: LIST\na.raw\n", NULL,
                            0),
                 "several files", NULL);
  expect_refusal(write_file("pattern.nhdr",
                            "NRRD0004\ntype: uint8\ndimension: 3\nsizes: 4 3 2\nencoding: raw\ndata file: s%03d.raw 1 2 1\n",
                            NULL, 0),
                 "several files", NULL);
  expect_refusal(write_file("missing.nhdr",
                            "NRRD0004\ntype: uint8\ndimension: 3\nsizes: 4 3 2\nencoding: raw\ndata file: none.raw\n", NULL, 0),
                 "none.raw", NULL);
  expect_refusal(write_file("type.nrrd", "NRRD0004\ntype: block\ndimension: 3\nsizes: 4 3 2\nencoding: raw\n\n", raw, NV),
                 "block", "label type");
  expect_refusal(write_file("text.nrrd", "NRRD0004\ntype: uint8\ndimension: 3\nsizes: 4 3 2\nencoding: txt\n\n", raw, NV), "txt",
                 "raw and gzip");
  expect_refusal(write_file("noendian.nrrd", "NRRD0004\ntype: short\ndimension: 3\nsizes: 4 3 2\nencoding: raw\n\n", raw, 2 * NV),
                 "endian", NULL);
  expect_refusal(write_file("dim2.nrrd", "NRRD0004\ntype: uint8\ndimension: 2\nsizes: 4 3\nencoding: raw\n\n", raw, 12),
                 "dimension: 2", NULL);
  expect_refusal(write_file("sheared.nrrd",
                            "NRRD0004\ntype: uint8\ndimension: 3\nspace: LPS\nsizes: 4 3 2\n"
                            "space directions: (1,0,0) (1,1,0) (0,0,1)\nencoding: raw\n\n",
                            raw, NV),
                 "perpendicular", NULL);
  expect_refusal(write_file("nan.nrrd",
                            "NRRD0004\ntype: uint8\ndimension: 3\nspace: LPS\nsizes: 4 3 2\n"
                            "space directions: (nan,0,0) (0,1,0) (0,0,1)\nencoding: raw\n\n",
                            raw, NV),
                 "space directions", "finite");
  expect_refusal(write_file("noblank.nrrd", "NRRD0004\ntype: uint8\ndimension: 3\nsizes: 4 3 2\nencoding: raw\n", raw, NV), NULL,
                 NULL);
  expect_refusal(write_file("space.nrrd",
                            "NRRD0004\ntype: uint8\ndimension: 3\nspace: scanner-xyz\nsizes: 4 3 2\nencoding: raw\n\n", raw, NV),
                 "scanner-xyz", "LPS");
}
END_TEST

/* ---------- 3D Slicer segmentations ---------- */

/* Two layers, fastest axis: layer 0 holds 'liver' (1) and 'tumor mass' (2), layer 1 'portal vein'
   (1, renumbered to 3). Voxels v % 4: 0 nothing, 1 liver, 2 tumor, 3 vein. */
static int seg_expected(int v)
{
  return v % 4;
}

static const char *write_seg(const char *name, int overlap, int layers_first)
{
  unsigned char data[2 * NV];
  char          header[2048];
  for (int v = 0; v < NV; v++) {
    data[2 * v]     = v % 4 == 1 ? 1 : v % 4 == 2 ? 2 : 0;
    data[2 * v + 1] = v % 4 == 3 || (overlap && v < 8 && v % 4 == 1) ? 1 : 0;
  }
  snprintf(header, sizeof header,
           "NRRD0004\ntype: unsigned char\ndimension: 4\nspace: left-posterior-superior\nsizes: 2 %d %d %d\n"
           "space directions: none (1.5,0,0) (0,2,0) (0,0,3)\nkinds: %s domain domain domain\nencoding: raw\n"
           "space origin: (10,-20,30)\nSegment0_ID:=Segment_1\nSegment0_Name:=liver\nSegment0_LabelValue:=1\nSegment0_Layer:=0\n"
           "Segment1_Name:=tumor mass\nSegment1_LabelValue:=2\nSegment1_Layer:=0\nSegment2_Name:=portal vein\n"
           "Segment2_LabelValue:=1\nSegment2_Layer:=1\n\n",
           NI, NJ, NK, layers_first ? "list" : "domain");
  return write_file(name, header, data, sizeof data);
}

START_TEST(test_seg_nrrd)
{
  TwinfeImage image = NULL;
  const char *name;
  TWINFE_CK(TwinfeImageRead(write_seg("two_layers.seg.nrrd", 0, 1), &image));
  check_image(image, origin_lps, axis_aligned, seg_expected);
  TWINFE_CK(TwinfeImageGetLabelName(image, 1, &name));
  ck_assert_str_eq(name, "liver");
  TWINFE_CK(TwinfeImageGetLabelName(image, 2, &name));
  ck_assert_str_eq(name, "tumor mass");
  TWINFE_CK(TwinfeImageGetLabelName(image, 3, &name));
  ck_assert_str_eq(name, "portal vein");
  TWINFE_CK(TwinfeImageGetLabelName(image, 4, &name));
  ck_assert_ptr_null(name);
  TWINFE_CK(TwinfeImageDestroy(&image));
  /* voxels 1 and 5: liver in layer 0, portal vein in layer 1 */
  expect_refusal(write_seg("overlap.seg.nrrd", 1, 1), "'liver' (layer 0) and 'portal vein' (layer 1)", "overlap in 2 voxels");
  expect_refusal(write_seg("layers_as_domain.seg.nrrd", 0, 0), "dimension: 4", NULL);
}
END_TEST

START_TEST(test_seg_nrrd_one_layer_and_nifti_names)
{
  unsigned char data[NV];
  TwinfeImage   image = NULL;
  const char   *name;
  for (int v = 0; v < NV; v++)
    data[v] = (unsigned char)label_of(v);
  read_and_check(write_file("one_layer.seg.nrrd",
                            "NRRD0004\ntype: uint8\ndimension: 3\nspace: LPS\nsizes: 4 3 2\n"
                            "space directions: (1.5,0,0) (0,2,0) (0,0,3)\nencoding: raw\nspace origin: (10,-20,30)\n"
                            "Segment0_Name:=a\nSegment0_LabelValue:=1\nSegment1_Name:=b\nSegment1_LabelValue:=2\n"
                            "Segment2_Name:=c\nSegment2_LabelValue:=3\nSegment3_Name:=d\nSegment3_LabelValue:=4\n"
                            "Segment4_Name:=e\nSegment4_LabelValue:=5\n\n",
                            data, NV),
                 origin_lps, axis_aligned, label_of);
  /* a value no segment claims */
  data[0] = 9;
  expect_refusal(write_file("unclaimed.seg.nrrd",
                            "NRRD0004\ntype: uint8\ndimension: 3\nsizes: 4 3 2\nencoding: raw\nSegment0_Name:=a\n"
                            "Segment0_LabelValue:=1\n\n",
                            data, NV),
                 "holds 9", "no segment");
  /* a plain NRRD names nothing */
  TWINFE_CK(TwinfeImageRead(
      write_file("plain.nrrd", "NRRD0004\ntype: uint8\ndimension: 3\nsizes: 4 3 2\nencoding: raw\n\n", data, NV), &image));
  TWINFE_CK(TwinfeImageGetLabelName(image, 1, &name));
  ck_assert_ptr_null(name);
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

/* ---------- MetaImage ---------- */

static const char *met_type[NTYPES] = {"MET_UCHAR", "MET_CHAR",      "MET_USHORT",     "MET_SHORT", "MET_UINT",
                                       "MET_INT",   "MET_LONG_LONG", "MET_ULONG_LONG", "MET_FLOAT", "MET_DOUBLE"};

static void mha_header(char *h, size_t len, Type t, int msb, const char *extra, const char *data_file)
{
  snprintf(h, len,
           "ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = %s\n"
           "TransformMatrix = 1 0 0 0 1 0 0 0 1\nOffset = 10 -20 30\nElementSpacing = 1.5 2 3\nDimSize = %d %d %d\n"
           "AnatomicalOrientation = RAI\n%sElementType = %s\nElementDataFile = %s\n",
           msb ? "True" : "False", NI, NJ, NK, extra, met_type[t], data_file);
}

START_TEST(test_metaimage)
{
  for (int t = 0; t < NTYPES; t++)
    for (int msb = 0; msb < 2; msb++)
      for (int z = 0; z < 2; z++) {
        unsigned char raw[NV * 8], packed[1024];
        char          header[1024], name[64], extra[64] = "";
        const size_t  n = encode((Type)t, msb, labels_as_values, raw);
        size_t        m = 0;
        if (z) {
          m = deflate_bytes(raw, n, packed, sizeof packed, 0);
          snprintf(extra, sizeof extra, "CompressedData = True\nCompressedDataSize = %zu\n", m);
        }
        mha_header(header, sizeof header, (Type)t, msb, extra, "LOCAL");
        snprintf(name, sizeof name, "t%d_%d_%d.mha", t, msb, z);
        read_and_check(write_file(name, header, z ? packed : raw, z ? m : n), origin_lps, axis_aligned, label_of);
      }
}
END_TEST

START_TEST(test_metaimage_detached_and_rotated)
{
  unsigned char raw[NV * 2], packed[1024];
  char          header[1024];
  const size_t  n = encode(U16, 0, labels_as_values, raw);
  size_t        m = deflate_bytes(raw, n, packed, sizeof packed, 0);
  mkdir(work_file("mhd"), 0755);
  write_file("mhd/labels.raw", NULL, raw, n);
  write_file("mhd/labels.zraw", NULL, packed, m);
  mha_header(header, sizeof header, U16, 0, "", "labels.raw");
  read_and_check(write_file("mhd/labels.mhd", header, NULL, 0), origin_lps, axis_aligned, label_of);
  mha_header(header, sizeof header, U16, 0, "CompressedData = True\n", "labels.zraw");
  read_and_check(write_file("mhd/labels_z.mhd", header, NULL, 0), origin_lps, axis_aligned, label_of);
  {
    /* TransformMatrix rows are the axes' directions (ITK's direction columns); a left-handed,
       permuted grid with ElementSize standing in for ElementSpacing */
    const double axes[3][3] = {{0, 1.5, 0}, {0, 0, -2}, {-3, 0, 0}};
    snprintf(header, sizeof header,
             "ObjectType = Image\nNDims = 3\nTransformMatrix = 0 1 0 0 0 -1 -1 0 0\nPosition = 10 -20 30\n"
             "ElementSize = 1.5 2 3\nDimSize = %d %d %d\nElementType = MET_USHORT\nElementDataFile = LOCAL\n",
             NI, NJ, NK);
    read_and_check(write_file("rotated.mha", header, raw, n), origin_lps, axes, label_of);
  }
}
END_TEST

START_TEST(test_metaimage_refused)
{
  unsigned char raw[NV * 2 + 8] = {0}, packed[1024];
  char          header[1024];
  const size_t  n = encode(I16, 0, labels_as_values, raw);
  mha_header(header, sizeof header, I16, 0, "", "LOCAL");
  expect_refusal(write_file("short.mha", header, raw, n - 1), "truncated", NULL);
  expect_refusal(write_file("long.mha", header, raw, n + 1), "do not match", NULL);
  mha_header(header, sizeof header, I16, 0, "CompressedData = True\n", "LOCAL");
  expect_refusal(write_file("short_z.mha", header, packed, deflate_bytes(raw, n - 2, packed, sizeof packed, 0)), "truncated",
                 NULL);
  expect_refusal(write_file("garbage_z.mha", header, raw, n), "corrupt", NULL);
  expect_refusal(write_file("huge.mha",
                            "ObjectType = Image\nNDims = 3\nDimSize = 30000 30000 30000\nElementType = MET_UCHAR\n"
                            "ElementDataFile = LOCAL\n",
                            raw, 16),
                 "limit", "-image_max_voxels");
  expect_refusal(write_file("rgb.mha",
                            "ObjectType = Image\nNDims = 3\nDimSize = 4 3 2\nElementNumberOfChannels = 3\n"
                            "ElementType = MET_UCHAR\nElementDataFile = LOCAL\n",
                            raw, 3 * NV),
                 "ElementNumberOfChannels = 3", NULL);
  expect_refusal(write_file("nodata.mha", "ObjectType = Image\nNDims = 3\nDimSize = 4 3 2\nElementType = MET_SHORT\n", NULL, 0),
                 "ElementDataFile", NULL);
  expect_refusal(write_file("ndims2.mha",
                            "ObjectType = Image\nNDims = 2\nDimSize = 4 3\nElementType = MET_UCHAR\n"
                            "ElementDataFile = LOCAL\n",
                            raw, 12),
                 "NDims = 2", NULL);
  expect_refusal(write_file("list.mhd",
                            "ObjectType = Image\nNDims = 3\nDimSize = 4 3 2\nElementType = MET_UCHAR\n"
                            "ElementDataFile = LIST\n",
                            NULL, 0),
                 "several files", NULL);
  expect_refusal(write_file("type.mha",
                            "ObjectType = Image\nNDims = 3\nDimSize = 4 3 2\nElementType = MET_UCHAR_ARRAY\n"
                            "ElementDataFile = LOCAL\n",
                            raw, NV),
                 "MET_UCHAR_ARRAY", NULL);
  expect_refusal(write_file("sheared.mha",
                            "ObjectType = Image\nNDims = 3\nTransformMatrix = 1 0 0 0.5 1 0 0 0 1\nDimSize = 4 3 2\n"
                            "ElementType = MET_UCHAR\nElementDataFile = LOCAL\n",
                            raw, NV),
                 "perpendicular", NULL);
}
END_TEST

/* ---------- VTK image data ---------- */

static const char *write_vti(const char *name, const char *type, const char *extent, const char *direction, int (*value)(int))
{
  char   text[8192];
  size_t n =
      (size_t)snprintf(text, sizeof text,
                       "<?xml version=\"1.0\"?>\n<VTKFile type=\"ImageData\" version=\"0.1\" byte_order=\"LittleEndian\">\n"
                       "  <ImageData WholeExtent=\"%s\" Origin=\"10 -20 30\" Spacing=\"1.5 2 3\"%s%s%s>\n"
                       "  <Piece Extent=\"%s\">\n    <PointData Scalars=\"labels\">\n"
                       "      <DataArray type=\"%s\" Name=\"labels\" format=\"ascii\">\n",
                       extent, direction ? " Direction=\"" : "", direction ? direction : "", direction ? "\"" : "", extent, type);
  for (int v = 0; v < NV; v++)
    n += (size_t)snprintf(text + n, sizeof text - n, "%d ", value(v));
  snprintf(text + n, sizeof text - n, "\n      </DataArray>\n    </PointData>\n  </Piece>\n  </ImageData>\n</VTKFile>\n");
  return write_file(name, text, NULL, 0);
}

START_TEST(test_vti)
{
  static const char *types[] = {"UInt8", "Int8", "UInt16", "Int16", "UInt32", "Int32", "Int64", "UInt64", "Float32", "Float64"};
  for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
    char name[64];
    snprintf(name, sizeof name, "labels_%s.vti", types[t]);
    read_and_check(write_vti(name, types[t], "0 3 0 2 0 1", NULL, label_of), origin_lps, axis_aligned, label_of);
  }
  {
    /* Direction is row-major; the extent starts at (1, 0, 2): the first voxel lies one axis
       step along i and two along k from Origin */
    const double axes[3][3] = {{0, 1.5, 0}, {-2, 0, 0}, {0, 0, -3}};
    const double origin[3]  = {10 + 0, -20 + 1.5, 30 - 6};
    const char  *direction  = "0 -1 0 1 0 0 0 0 -1";
    read_and_check(write_vti("rotated.vti", "Int16", "1 4 0 2 2 3", direction, label_of), origin, axes, label_of);
  }
  expect_refusal(write_vti("huge.vti", "UInt8", "0 29999 0 29999 0 29999", NULL, label_of), "limit", "-image_max_voxels");
  expect_refusal(write_file("damaged.vti",
                            "<?xml version=\"1.0\"?>\n<VTKFile type=\"ImageData\" version=\"0.1\">\n<ImageData Whole", NULL, 0),
                 NULL, NULL);
  expect_refusal(write_vti("sheared.vti", "UInt8", "0 3 0 2 0 1", "1 0.5 0 0 1 0 0 0 1", label_of), "perpendicular", NULL);
}
END_TEST

/* ---------- float images ---------- */

static double probability(int v)
{
  return (v % 5) * 0.25; /* 0, 0.25, 0.5, 0.75, 1 */
}

static int above_half(int v)
{
  return probability(v) > 0.5;
}

static int below_half(int v)
{
  return probability(v) < 0.5;
}

START_TEST(test_threshold)
{
  unsigned char           raw[NV * 8];
  char                    header[1024];
  const size_t            n = encode(F32, 0, probability, raw);
  const char             *path;
  TwinfeImageReadSettings s;
  TwinfeImage             image = NULL;

  nrrd_header(header, sizeof header, F32, 0, "raw", "\n");
  path = write_file("probability.nrrd", header, raw, n);
  TWINFE_CK(TwinfeImageReadSettingsDefault(&s));
  expect_refusal_with(path, &s, "float32", "-threshold");
  s.threshold_set = PETSC_TRUE;
  s.threshold     = 0.5;
  TWINFE_CK(TwinfeImageReadWithSettings(path, &s, &image));
  check_image(image, origin_lps, axis_aligned, above_half);
  TWINFE_CK(TwinfeImageDestroy(&image));
  s.inside_below = PETSC_TRUE;
  TWINFE_CK(TwinfeImageReadWithSettings(path, &s, &image));
  check_image(image, origin_lps, axis_aligned, below_half);
  TWINFE_CK(TwinfeImageDestroy(&image));
  /* floats holding whole numbers are labels, as before */
  encode(F64, 1, labels_as_values, raw);
  nrrd_header(header, sizeof header, F64, 1, "raw", "\n");
  read_and_check(write_file("whole.nrrd", header, raw, NV * 8), origin_lps, axis_aligned, label_of);
  /* a threshold on an integer label map */
  encode(U8, 0, labels_as_values, raw);
  nrrd_header(header, sizeof header, U8, 0, "raw", "\n");
  expect_refusal_with(write_file("integer.nrrd", header, raw, NV), &s, "integer label map", "-labels");
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("image_formats");
  TCase *tc = tcase_create("formats");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_nrrd_types_and_encodings);
  tcase_add_test(tc, test_nrrd_detached_and_space);
  tcase_add_test(tc, test_nrrd_refused);
  tcase_add_test(tc, test_seg_nrrd);
  tcase_add_test(tc, test_seg_nrrd_one_layer_and_nifti_names);
  tcase_add_test(tc, test_metaimage);
  tcase_add_test(tc, test_metaimage_detached_and_rotated);
  tcase_add_test(tc, test_metaimage_refused);
  tcase_add_test(tc, test_vti);
  tcase_add_test(tc, test_threshold);
  suite_add_tcase(s, tc);
  return s;
}
