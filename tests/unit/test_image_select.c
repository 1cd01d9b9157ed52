/* TwinfeImageSelectLabels and TwinfeImageCreateOrganPhantom.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_test.h"

#include <twinfe/image.h>

#define N 20

static void set_box(int32_t *labels, int i0, int i1, int j0, int j1, int k0, int k1, int32_t value)
{
  for (int k = k0; k <= k1; k++)
    for (int j = j0; j <= j1; j++)
      for (int i = i0; i <= i1; i++)
        labels[i + N * (j + N * k)] = value;
}

static PetscInt count(TwinfeImage image, int32_t label)
{
  PetscInt c;
  TWINFE_CK(TwinfeImageCountLabel(image, label, &c));
  return c;
}

/* A 20^3 grid: label 1 a 10^3 box with a 2^3 hollow inside and a 2-voxel speck apart; label
   2 a 3^3 box touching label 1's box plus a 1-voxel speck; label 3 (not requested) a 4^3
   box. Counts are exact integers, so the assertions are exact. */
static TwinfeImage make_test_image(void)
{
  const PetscInt  dims[3]    = {N, N, N};
  const PetscReal spacing[3] = {1.0, 1.5, 2.0}, origin[3] = {-5, 7, 100};
  TwinfeImage     image;
  int32_t        *labels;

  TWINFE_CK(TwinfeImageCreate(dims, spacing, origin, NULL, &image));
  TWINFE_CK(TwinfeImageGetLabels(image, &labels));
  set_box(labels, 5, 14, 5, 14, 5, 14, 1);    /* 1000 voxels */
  set_box(labels, 9, 10, 9, 10, 9, 10, 0);    /* hollow: 8 voxels */
  set_box(labels, 0, 1, 0, 0, 0, 0, 1);       /* speck of label 1: 2 voxels */
  set_box(labels, 15, 17, 5, 7, 5, 7, 2);     /* 27 voxels, touching label 1's box */
  set_box(labels, 19, 19, 19, 19, 19, 19, 2); /* speck of label 2 */
  set_box(labels, 0, 3, 15, 18, 15, 18, 3);   /* 64 voxels of an unrequested label */
  return image;
}

START_TEST(test_select_cleans)
{
  TwinfeImage   image   = make_test_image();
  const int32_t keep[2] = {1, 2};
  PetscInt      removed, filled;

  ck_assert_int_eq(count(image, 1), 1000 - 8 + 2);
  TWINFE_CK(TwinfeImageSelectLabels(image, 2, keep, &removed, &filled));
  ck_assert_int_eq(count(image, 1), 1000); /* speck gone, hollow filled */
  ck_assert_int_eq(count(image, 2), 27);   /* speck gone */
  ck_assert_int_eq(count(image, 3), 0);
  ck_assert_int_eq(removed, 2 + 1); /* the stray specks; the unrequested label is not counted */
  ck_assert_int_eq(filled, 8);
  /* a second pass finds nothing left to do */
  TWINFE_CK(TwinfeImageSelectLabels(image, 2, keep, &removed, &filled));
  ck_assert_int_eq(removed, 0);
  ck_assert_int_eq(filled, 0);
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

/* A pocket enclosed by two labels goes to the one that surrounds most of it. */
START_TEST(test_cavity_between_labels)
{
  const PetscInt  dims[3]    = {N, N, N};
  const PetscReal spacing[3] = {1, 1, 1};
  const int32_t   keep[2]    = {4, 7};
  TwinfeImage     image;
  int32_t        *labels;
  PetscInt        removed, filled;

  TWINFE_CK(TwinfeImageCreate(dims, spacing, NULL, NULL, &image));
  TWINFE_CK(TwinfeImageGetLabels(image, &labels));
  set_box(labels, 2, 17, 2, 17, 2, 17, 4);
  set_box(labels, 2, 17, 2, 17, 2, 4, 7); /* a slab of label 7 under it */
  set_box(labels, 6, 9, 6, 9, 5, 8, 0);   /* pocket: 64 voxels, one face on label 7 */
  TWINFE_CK(TwinfeImageSelectLabels(image, 2, keep, &removed, &filled));
  ck_assert_int_eq(filled, 64);
  ck_assert_int_eq(removed, 0);
  ck_assert_int_eq(labels[7 + N * (7 + N * 6)], 4);
  ck_assert_int_eq(count(image, 7), 16 * 16 * 3);
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

START_TEST(test_select_missing_label_fails)
{
  TwinfeImage   image     = make_test_image();
  const int32_t absent[2] = {1, 9}, zero[1] = {0};
  TWINFE_CK_FAILS(TwinfeImageSelectLabels(image, 2, absent, NULL, NULL));
  TWINFE_CK_FAILS(TwinfeImageSelectLabels(image, 1, zero, NULL, NULL));
  TWINFE_CK_FAILS(TwinfeImageSelectLabels(image, 0, absent, NULL, NULL));
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

/* Phantom: the organ's exact volume is 4/3 pi 55 40 30 (the taper is odd in z and adds
   nothing) minus the inclusion, 4/3 pi 12^3. Voxel counts at 2 mm approximate them; the
   error of counting voxel centres is about (surface area x h) times a mostly cancelling
   factor: 1% for the organ and 4% for the 12 mm ball are several times what was measured. */
START_TEST(test_phantom)
{
  TwinfeImage     image;
  PetscReal       vv, spacing[3], origin[3], D[9];
  const PetscReal organ = 4.0 / 3.0 * PETSC_PI * 55 * 40 * 30, ball = 4.0 / 3.0 * PETSC_PI * 12 * 12 * 12;
  const int32_t   keep[2] = {1, 2};
  PetscInt        removed, filled, n1, n2;

  TWINFE_CK(TwinfeImageCreateOrganPhantom(2.0, &image));
  TWINFE_CK(TwinfeImageGetVoxelVolume(image, &vv));
  ck_assert_double_eq_tol(vv, 8.0, 1e-12);
  n1 = count(image, 1), n2 = count(image, 2);
  printf("phantom 2 mm: organ %g mm^3 (exact %g), inclusion %g mm^3 (exact %g)\n", (double)(n1 * vv), (double)(organ - ball),
         (double)(n2 * vv), (double)ball);
  ck_assert_double_eq_tol(n1 * vv, organ - ball, 0.01 * (organ - ball));
  ck_assert_double_eq_tol(n2 * vv, ball, 0.04 * ball);
  /* non-identity direction, non-zero origin */
  TWINFE_CK(TwinfeImageGetGeometry(image, spacing, origin, D));
  ck_assert(PetscAbsReal(D[1]) > 0.3 && PetscAbsReal(origin[0]) > 1.0);
  /* already one solid per label: select changes nothing */
  TWINFE_CK(TwinfeImageSelectLabels(image, 2, keep, &removed, &filled));
  ck_assert_int_eq(removed, 0);
  ck_assert_int_eq(filled, 0);
  /* label 0 voxels pad the organ on every face: the first and last slices are empty */
  {
    PetscInt dims[3];
    int32_t *l;
    TWINFE_CK(TwinfeImageGetDimensions(image, dims));
    TWINFE_CK(TwinfeImageGetLabels(image, &l));
    for (PetscInt j = 0; j < dims[1]; j++)
      for (PetscInt i = 0; i < dims[0]; i++)
        ck_assert_int_eq(l[i + dims[0] * j], 0);
  }
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("image_select");
  TCase *tc = tcase_create("select");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_select_cleans);
  tcase_add_test(tc, test_cavity_between_labels);
  tcase_add_test(tc, test_select_missing_label_fails);
  tcase_add_test(tc, test_phantom);
  suite_add_tcase(s, tc);
  return s;
}
