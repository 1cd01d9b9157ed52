/* TwinfeImageRead/Write against nibabel's reading of the same NIfTI files.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * nibabel writes small label maps whose value encodes the voxel's own NIfTI index, with a
 * rotated, anisotropic, translated affine: one sform-only, one qform-only with qfac = -1
 * (where VTK reverses the slices), one .nii.gz with both, one float32 file. The affine nibabel
 * reads back (float64) is the truth: for every voxel we read, the NIfTI index decoded from
 * its label, mapped by that affine and turned RAS -> LPS, must equal our world coordinates. */
#include "twinfe_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <twinfe/image.h>

#define NI 7
#define NJ 6
#define NK 5
/* label = 1 + i + 7 j + 42 k: unique per voxel, fits uint8 (max 210) */
#define LABEL_OF(i, j, k) (1 + (i) + 7 * (j) + 42 * (k))

/* The intended affine (RAS): rotation of 30 degrees about the axis (1,2,3)/|.|, spacing
   (1.5, 2, 3) mm, translation (10, -20, 30) mm; for qfac = -1 the third column is negated. */
static const char *python_script =
    "import sys, numpy as np, nibabel as nib\n"
    "d = sys.argv[1]\n"
    "data = np.zeros((7, 6, 5), dtype=np.int32)\n"
    "for i in range(7):\n"
    "  for j in range(6):\n"
    "    for k in range(5): data[i, j, k] = 1 + i + 7*j + 42*k\n"
    "ax = np.array([1., 2., 3.]); ax /= np.linalg.norm(ax); th = np.deg2rad(30)\n"
    "K = np.array([[0, -ax[2], ax[1]], [ax[2], 0, -ax[0]], [-ax[1], ax[0], 0]])\n"
    "R = np.eye(3) + np.sin(th)*K + (1 - np.cos(th))*K@K\n"
    "A = np.eye(4); A[:3, :3] = R@np.diag([1.5, 2., 3.]); A[:3, 3] = [10., -20., 30.]\n"
    "B = A.copy(); B[:3, 2] *= -1\n"
    "def save(name, img):\n"
    "  nib.save(img, d + '/' + name)\n"
    "  np.savetxt(d + '/' + name + '.affine', nib.load(d + '/' + name).affine, fmt='%.17g')\n"
    "img = nib.Nifti1Image(data.astype(np.int16), None); img.set_sform(A, code=1); img.set_qform(None, code=0)\n"
    "save('sform.nii', img)\n"
    "img = nib.Nifti1Image(data.astype(np.uint8), None); img.set_qform(B, code=1); img.set_sform(None, code=0)\n"
    "assert img.header['pixdim'][0] == -1\n"
    "save('qform_qfac_neg.nii', img)\n"
    "img = nib.Nifti1Image(data, None); img.set_qform(A, code=1); img.set_sform(A, code=2)\n"
    "save('both.nii.gz', img)\n"
    "img = nib.Nifti1Image(data.astype(np.float32), A)\n"
    "save('float_integral.nii', img)\n"
    "bad = data.astype(np.float32); bad[3, 2, 1] = 2.5\n"
    "nib.save(nib.Nifti1Image(bad, A), d + '/float_fraction.nii')\n"
    "big = (np.arange(40*40*40).reshape(40, 40, 40) % 7).astype(np.int16)\n"
    "nib.save(nib.Nifti1Image(big, A), d + '/big.nii.gz')\n"
    "raw = open(d + '/big.nii.gz', 'rb').read()\n"
    "open(d + '/truncated.nii.gz', 'wb').write(raw[:len(raw)//2])\n"
    "open(d + '/text.nii', 'w').write('this is not a NIfTI file, just text\\n' * 20)\n"
    "import gzip, struct\n"
    "for t in ('uint8', 'int16', 'int32'):\n"
    "  nib.save(nib.Nifti1Image(big.astype(t) * 3, A), d + '/big_' + t + '.nii.gz')\n"
    "  raw = gzip.decompress(open(d + '/big_' + t + '.nii.gz', 'rb').read())\n"
    "  open(d + '/big_' + t + '_two_members.nii.gz', 'wb').write(gzip.compress(raw[:5000]) + gzip.compress(raw[5000:]))\n"
    "one = bytearray(open(d + '/big_int16.nii.gz', 'rb').read())\n"
    "one[-8] ^= 0xff\n"
    "open(d + '/big_bad_crc.nii.gz', 'wb').write(one)\n"
    "short = bytearray(gzip.compress(raw[:-100]))\n"
    "short[-4:] = struct.pack('<I', len(raw))\n"
    "open(d + '/big_short_says_whole.nii.gz', 'wb').write(short)\n"
    "nib.save(nib.Nifti1Image(bad, A), d + '/float_fraction.nii.gz')\n";

static const char *work_file(const char *name)
{
  static char path[4][PETSC_MAX_PATH_LEN];
  static int  slot;
  char       *out = path[slot++ % 4];
  snprintf(out, PETSC_MAX_PATH_LEN, "%s/%s", twinfe_test_work_dir(), name);
  return out;
}

static void make_files(void)
{
  static int done;
  char       cmd[2 * PETSC_MAX_PATH_LEN];
  FILE      *f;
  if (done) return;
  f = fopen(work_file("make_nifti.py"), "w");
  ck_assert_ptr_nonnull(f);
  fputs(python_script, f);
  fclose(f);
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s'", work_file("make_nifti.py"), twinfe_test_work_dir());
  ck_assert_int_eq(system(cmd), 0);
  done = 1;
}

/* The intended affine computed here, independently of nibabel (Rodrigues' formula). */
static void intended_affine(int qfac, double A[16])
{
  const double n = sqrt(14.0), ax[3] = {1 / n, 2 / n, 3 / n}, th = 30 * PETSC_PI / 180, sp[3] = {1.5, 2, 3};
  const double K[9] = {0, -ax[2], ax[1], ax[2], 0, -ax[0], -ax[1], ax[0], 0};
  double       R[9];
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++) {
      double KK = 0;
      for (int m = 0; m < 3; m++)
        KK += K[3 * r + m] * K[3 * m + c];
      R[3 * r + c] = (r == c) + sin(th) * K[3 * r + c] + (1 - cos(th)) * KK;
    }
  memset(A, 0, 16 * sizeof(double));
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++)
      A[4 * r + c] = R[3 * r + c] * sp[c] * (c == 2 ? qfac : 1);
  A[3] = 10, A[7] = -20, A[11] = 30, A[15] = 1;
}

static void read_affine(const char *name, double A[16])
{
  char  path[PETSC_MAX_PATH_LEN];
  FILE *f;
  snprintf(path, sizeof path, "%s.affine", work_file(name));
  f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  for (int e = 0; e < 16; e++)
    ck_assert_int_eq(fscanf(f, "%lf", &A[e]), 1);
  fclose(f);
}

/* Every voxel: decode its NIfTI index from the label, map with nibabel's affine, RAS->LPS,
   and compare with our world coordinates. 1e-9 relative to the world extent (~40 mm): both
   sides apply the same float64 affine, so only rounding separates them. */
static void check_world_coordinates(const char *name, int qfac)
{
  TwinfeImage image;
  PetscInt    dims[3];
  int32_t    *labels;
  double      A[16], intended[16];
  int         seen[NI * NJ * NK] = {0};

  make_files();
  read_affine(name, A);
  /* nibabel's affine is the intended one up to float32 storage (~6e-8 relative) */
  intended_affine(qfac, intended);
  for (int e = 0; e < 16; e++)
    ck_assert_double_eq_tol(A[e], intended[e], 1e-5 * (1 + fabs(intended[e])));

  TWINFE_CK(TwinfeImageRead(work_file(name), &image));
  TWINFE_CK(TwinfeImageGetDimensions(image, dims));
  ck_assert_int_eq(dims[0], NI);
  ck_assert_int_eq(dims[1], NJ);
  ck_assert_int_eq(dims[2], NK);
  TWINFE_CK(TwinfeImageGetLabels(image, &labels));
  for (int k = 0; k < NK; k++)
    for (int j = 0; j < NJ; j++)
      for (int i = 0; i < NI; i++) {
        const int32_t   l  = labels[i + NI * (j + NJ * k)] - 1;
        const int       oi = l % 7, oj = (l / 7) % 6, ok = l / 42;
        const PetscReal ijk[3] = {i, j, k};
        PetscReal       xyz[3], expect[3];
        ck_assert_int_ge(l, 0);
        ck_assert_int_lt(l, NI * NJ * NK);
        seen[l]++;
        for (int r = 0; r < 3; r++)
          expect[r] = A[4 * r] * oi + A[4 * r + 1] * oj + A[4 * r + 2] * ok + A[4 * r + 3];
        expect[0] = -expect[0], expect[1] = -expect[1];
        TWINFE_CK(TwinfeImageIndexToWorld(image, ijk, xyz));
        for (int r = 0; r < 3; r++)
          ck_assert_double_eq_tol(xyz[r], expect[r], 1e-9 * 40.0);
      }
  for (int v = 0; v < NI * NJ * NK; v++)
    ck_assert_int_eq(seen[v], 1);
  TWINFE_CK(TwinfeImageDestroy(&image));
  ck_assert_ptr_null(image);
}

START_TEST(test_sform)
{
  check_world_coordinates("sform.nii", 1);
}
END_TEST

START_TEST(test_qform_qfac_negative)
{
  check_world_coordinates("qform_qfac_neg.nii", -1);
}
END_TEST

START_TEST(test_gz_both_forms)
{
  check_world_coordinates("both.nii.gz", 1);
}
END_TEST

START_TEST(test_float_labels)
{
  TwinfeImage image = NULL;
  check_world_coordinates("float_integral.nii", 1);
  TWINFE_CK_FAILS(TwinfeImageRead(work_file("float_fraction.nii"), &image));
  ck_assert_ptr_null(image);
}
END_TEST

/* Our writer, then our reader: labels identical; geometry equal up to the float32 that
   NIfTI stores (1e-6 relative: float32 has ~6e-8, the matrix product adds a few ulps). */
static void check_round_trip(const char *source, const char *target)
{
  TwinfeImage a, b;
  PetscInt    da[3], db[3];
  PetscReal   sa[3], oa[3], Da[9], sb[3], ob[3], Db[9];
  int32_t    *la, *lb;

  make_files();
  TWINFE_CK(TwinfeImageRead(work_file(source), &a));
  TWINFE_CK(TwinfeImageWrite(a, work_file(target)));
  TWINFE_CK(TwinfeImageRead(work_file(target), &b));
  TWINFE_CK(TwinfeImageGetDimensions(a, da));
  TWINFE_CK(TwinfeImageGetDimensions(b, db));
  TWINFE_CK(TwinfeImageGetGeometry(a, sa, oa, Da));
  TWINFE_CK(TwinfeImageGetGeometry(b, sb, ob, Db));
  for (int d = 0; d < 3; d++) {
    ck_assert_int_eq(da[d], db[d]);
    ck_assert_double_eq_tol(sa[d], sb[d], 1e-6 * sa[d]);
    ck_assert_double_eq_tol(oa[d], ob[d], 1e-6 * 50);
  }
  for (int e = 0; e < 9; e++)
    ck_assert_double_eq_tol(Da[e], Db[e], 1e-6);
  TWINFE_CK(TwinfeImageGetLabels(a, &la));
  TWINFE_CK(TwinfeImageGetLabels(b, &lb));
  for (int v = 0; v < NI * NJ * NK; v++)
    ck_assert_int_eq(la[v], lb[v]);
  TWINFE_CK(TwinfeImageDestroy(&a));
  TWINFE_CK(TwinfeImageDestroy(&b));
}

START_TEST(test_write_round_trip)
{
  check_round_trip("sform.nii", "roundtrip.nii.gz");
  /* left-handed grid: written as sform only */
  check_round_trip("qform_qfac_neg.nii", "roundtrip_left.nii");
}
END_TEST

START_TEST(test_bad_input)
{
  TwinfeImage image = NULL;
  make_files();
  TWINFE_CK_FAILS(TwinfeImageRead(work_file("does_not_exist.nii"), &image));
  TWINFE_CK_FAILS(TwinfeImageRead(work_file("truncated.nii.gz"), &image));
  TWINFE_CK_FAILS(TwinfeImageRead(work_file("text.nii"), &image));
  ck_assert_ptr_null(image);
  /* the intact file the truncated one was cut from does read: the failure is the truncation */
  TWINFE_CK(TwinfeImageRead(work_file("big.nii.gz"), &image));
  TWINFE_CK(TwinfeImageDestroy(&image));
  /* writing: unknown extension, and a folder that does not exist */
  TWINFE_CK(TwinfeImageRead(work_file("sform.nii"), &image));
  TWINFE_CK_FAILS(TwinfeImageWrite(image, work_file("labels.mha")));
  TWINFE_CK_FAILS(TwinfeImageWrite(image, work_file("no_such_folder/labels.nii")));
  TWINFE_CK(TwinfeImageDestroy(&image));
  TWINFE_CK(TwinfeImageDestroy(&image)); /* NULL: no-op */
}
END_TEST

/* TwinfeGzipWhole (log event) runs so far: the one-call inflation's count. */
static int whole_reads(void)
{
  PetscLogEvent      event;
  PetscEventPerfInfo info;
  TWINFE_CK(PetscLogEventGetId("TwinfeGzipWhole", &event));
  TWINFE_CK(PetscLogEventGetPerfInfo(0, event, &info));
  return info.count;
}

static int32_t *read_labels(const char *name, PetscInt *n)
{
  TwinfeImage image;
  int32_t    *labels, *copy;
  PetscInt    dims[3];
  TWINFE_CK(TwinfeImageRead(work_file(name), &image));
  TWINFE_CK(TwinfeImageGetDimensions(image, dims));
  TWINFE_CK(TwinfeImageGetLabels(image, &labels));
  *n   = dims[0] * dims[1] * dims[2];
  copy = malloc(sizeof *copy * (size_t)*n);
  memcpy(copy, labels, sizeof *copy * (size_t)*n);
  TWINFE_CK(TwinfeImageDestroy(&image));
  return copy;
}

/* A one-member .nii.gz is inflated in one call (libdeflate) into the label array and converted
   in place; a two-member one (bgzip, concatenated gzip) a chunk at a time with zlib. The same
   voxels either way, for every voxel size up to 4 bytes; and a damaged stream that passes the
   first checks (a wrong checksum, a short stream whose trailer claims the header's length) still
   goes to the chunked path, which refuses it. */
START_TEST(test_gz_inflated_whole)
{
  const char *types[] = {"uint8", "int16", "int32"};
  TwinfeImage image   = NULL;

  make_files();
  TWINFE_CK(PetscLogDefaultBegin());
  for (int t = 0; t < 3; t++) {
    char     one[64], two[64];
    int      before = whole_reads();
    PetscInt n1, n2;
    int32_t *a, *b;
    snprintf(one, sizeof one, "big_%s.nii.gz", types[t]);
    snprintf(two, sizeof two, "big_%s_two_members.nii.gz", types[t]);
    a = read_labels(one, &n1);
    ck_assert_msg(whole_reads() == before + 1, "%s was not inflated in one call", one);
    b = read_labels(two, &n2);
    ck_assert_msg(whole_reads() == before + 1, "%s (two gzip members) was inflated in one call", two);
    ck_assert_int_eq(n1, 40 * 40 * 40);
    ck_assert_int_eq(n1, n2);
    for (PetscInt v = 0; v < n1; v++) {
      /* nibabel's order: i fastest; label = 3 * (flat index % 7) */
      ck_assert_int_eq(a[v], b[v]);
      ck_assert_int_eq(a[v], 3 * (int32_t)((((v % 40) * 1600) + ((v / 40) % 40) * 40 + v / 1600) % 7));
    }
    free(a);
    free(b);
  }
  TWINFE_CK_FAILS(TwinfeImageRead(work_file("big_bad_crc.nii.gz"), &image));
  TWINFE_CK_FAILS(TwinfeImageRead(work_file("big_short_says_whole.nii.gz"), &image));
  /* a conversion that fails part way (a fraction in a float label map) frees what it had */
  TWINFE_CK_FAILS(TwinfeImageRead(work_file("float_fraction.nii.gz"), &image));
  ck_assert_ptr_null(image);
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("image_nifti");
  TCase *tc = tcase_create("nifti");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_sform);
  tcase_add_test(tc, test_qform_qfac_negative);
  tcase_add_test(tc, test_gz_both_forms);
  tcase_add_test(tc, test_gz_inflated_whole);
  tcase_add_test(tc, test_float_labels);
  tcase_add_test(tc, test_write_round_trip);
  tcase_add_test(tc, test_bad_input);
  suite_add_tcase(s, tc);
  return s;
}
