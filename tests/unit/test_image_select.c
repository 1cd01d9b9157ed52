/* TwinfeImageSelectLabelsKeepAll, TwinfeImageSelectLabels and the phantoms.
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

/* Every piece kept: label 1 has a 10^3 box with a 2^3 hollow (992), a 3^3 box apart (27), a
   2-voxel speck and a 3-voxel piece whose voxels touch only at edges and corners (one piece
   26-connected, three 6-connected): 1024 voxels. Label 2 has a 3^3 box and a 1-voxel speck
   (28 voxels: the speck is 3.6% of its label). All counts are exact integers. */
static TwinfeImage make_pieces_image(void)
{
  TwinfeImage image = make_test_image(); /* boxes, hollow, specks and label 3 as above */
  int32_t    *labels;
  TWINFE_CK(TwinfeImageGetLabels(image, &labels));
  set_box(labels, 17, 19, 0, 2, 0, 2, 1); /* second piece of label 1: 27 voxels */
  set_box(labels, 0, 0, 5, 5, 0, 0, 1);   /* edge/corner-joined piece: 3 voxels */
  set_box(labels, 1, 1, 6, 6, 0, 0, 1);
  set_box(labels, 2, 2, 7, 7, 1, 1, 1);
  return image;
}

static TwinfeImageLabelSelection label_of(TwinfeImageSelection s, PetscInt i)
{
  TwinfeImageLabelSelection l;
  TWINFE_CK(TwinfeImageSelectionGetLabel(s, i, &l));
  return l;
}

START_TEST(test_keep_all_defaults)
{
  TwinfeImage               image   = make_pieces_image();
  const int32_t             keep[2] = {1, 2};
  TwinfeImageSelection      s;
  TwinfeImageLabelSelection l1, l2;
  const TwinfeImageIsland  *is;
  PetscInt                  n, unselected, filled, pinch, left;

  ck_assert_int_eq(count(image, 1), 1024);
  TWINFE_CK(TwinfeImageSelectLabelsKeepAll(image, 2, keep, TWINFE_IMAGE_ISLAND_VOXELS_DEFAULT,
                                           TWINFE_IMAGE_ISLAND_PERCENT_DEFAULT, PETSC_TRUE, &s));
  l1 = label_of(s, 0), l2 = label_of(s, 1);
  ck_assert_int_eq(l1.voxels_given, 1024);
  ck_assert_int_eq(l1.components_given, 4); /* the edge/corner piece is one piece as given */
  ck_assert_int_eq(l1.components_kept, 2);  /* the 27-voxel box is not under 27 voxels: kept */
  ck_assert_int_eq(l1.islands_removed, 2);
  ck_assert_int_eq(l1.voxels_removed, 2 + 3);
  ck_assert_int_eq(l1.voxels, 992 + 8 + 27); /* hollow filled */
  ck_assert_int_eq(l1.components_meshed, 2);
  ck_assert_int_eq(l2.components_given, 2);
  ck_assert_int_eq(l2.components_kept, 2); /* 1 voxel but 3.6% of its label: kept */
  ck_assert_int_eq(l2.voxels, 28);         /* untouched by label 1's islands and hollow */
  ck_assert_int_eq(count(image, 1), 1027);
  ck_assert_int_eq(count(image, 2), 28);
  ck_assert_int_eq(count(image, 3), 0); /* not requested */
  TWINFE_CK(TwinfeImageSelectionGetTotals(s, &unselected, &filled, &pinch, &left));
  ck_assert_int_eq(unselected, 64);
  ck_assert_int_eq(filled, 8);
  ck_assert_int_eq(left, 0);
  /* islands in scan order, centroids in LPS mm: origin (-5, 7, 100), spacing (1, 1.5, 2),
     identity direction; the speck's voxels are (0,0,0) and (1,0,0), the other piece's
     (0,5,0), (1,6,0), (2,7,1) */
  TWINFE_CK(TwinfeImageSelectionGetIslands(s, &n, &is));
  ck_assert_int_eq(n, 2);
  ck_assert_int_eq(is[0].label, 1);
  ck_assert_int_eq(is[0].voxels, 2);
  ck_assert_double_eq_tol(is[0].volume_mm3, 2 * 3.0, 1e-12);
  ck_assert_double_eq_tol(is[0].centroid_lps[0], -5 + 0.5, 1e-12);
  ck_assert_double_eq_tol(is[0].centroid_lps[1], 7, 1e-12);
  ck_assert_double_eq_tol(is[0].centroid_lps[2], 100, 1e-12);
  ck_assert_int_eq(is[1].voxels, 3);
  ck_assert_double_eq_tol(is[1].centroid_lps[0], -5 + 1, 1e-12);
  ck_assert_double_eq_tol(is[1].centroid_lps[1], 7 + 6 * 1.5, 1e-12);
  ck_assert_double_eq_tol(is[1].centroid_lps[2], 100 + 2.0 / 3.0, 1e-12);
  TWINFE_CK(TwinfeImageSelectionDestroy(&s));
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

static TwinfeImageSelection select_with(PetscInt voxels, PetscReal percent, PetscBool repair, TwinfeImage *image)
{
  const int32_t        keep[2] = {1, 2};
  TwinfeImageSelection s;
  *image = make_pieces_image();
  TWINFE_CK(TwinfeImageSelectLabelsKeepAll(*image, 2, keep, voxels, percent, repair, &s));
  return s;
}

/* An island goes only when under both thresholds; a label's largest piece never goes. */
START_TEST(test_island_thresholds)
{
  TwinfeImage          image;
  TwinfeImageSelection s;

  s = select_with(1000000, 0.0, PETSC_TRUE, &image); /* under the voxel count only */
  ck_assert_int_eq(label_of(s, 0).components_kept, 4);
  ck_assert_int_eq(label_of(s, 1).components_kept, 2);
  TWINFE_CK(TwinfeImageSelectionDestroy(&s));
  TWINFE_CK(TwinfeImageDestroy(&image));
  s = select_with(0, 100.0, PETSC_TRUE, &image); /* under the percentage only */
  ck_assert_int_eq(label_of(s, 0).components_kept, 4);
  TWINFE_CK(TwinfeImageSelectionDestroy(&s));
  TWINFE_CK(TwinfeImageDestroy(&image));
  s = select_with(1000000, 100.0, PETSC_TRUE, &image); /* everything is under both: the largest stays */
  ck_assert_int_eq(label_of(s, 0).components_kept, 1);
  ck_assert_int_eq(label_of(s, 0).voxels, 1000);
  ck_assert_int_eq(label_of(s, 1).components_kept, 1);
  ck_assert_int_eq(label_of(s, 1).voxels, 27);
  TWINFE_CK(TwinfeImageSelectionDestroy(&s));
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

/* Pieces joined only at edges and corners: one piece as given; as meshed, pinch repair joins
   them through faces (one solid), and without it they stay three. */
START_TEST(test_pieces_26_and_6)
{
  TwinfeImage          image;
  TwinfeImageSelection s;
  PetscInt             pinch;

  s = select_with(0, 0.0, PETSC_TRUE, &image);
  ck_assert_int_eq(label_of(s, 0).components_given, 4);
  ck_assert_int_eq(label_of(s, 0).components_meshed, 4);
  TWINFE_CK(TwinfeImageSelectionGetTotals(s, NULL, NULL, &pinch, NULL));
  ck_assert_int_ge(pinch, 2); /* at least one voxel per joint */
  TWINFE_CK(TwinfeImageSelectionDestroy(&s));
  TWINFE_CK(TwinfeImageDestroy(&image));
  s = select_with(0, 0.0, PETSC_FALSE, &image);
  ck_assert_int_eq(label_of(s, 0).components_given, 4);
  ck_assert_int_eq(label_of(s, 0).components_meshed, 6);
  TWINFE_CK(TwinfeImageSelectionDestroy(&s));
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

START_TEST(test_keep_all_refuses)
{
  TwinfeImage          image     = make_test_image();
  const int32_t        absent[2] = {1, 9}, twice[2] = {1, 1}, keep[1] = {1};
  TwinfeImageSelection s = NULL;
  TWINFE_CK_FAILS(TwinfeImageSelectLabelsKeepAll(image, 2, absent, 27, 1, PETSC_TRUE, &s));
  TWINFE_CK_FAILS(TwinfeImageSelectLabelsKeepAll(image, 2, twice, 27, 1, PETSC_TRUE, &s));
  TWINFE_CK_FAILS(TwinfeImageSelectLabelsKeepAll(image, 1, keep, -1, 1, PETSC_TRUE, &s));
  TWINFE_CK_FAILS(TwinfeImageSelectLabelsKeepAll(image, 1, keep, 27, 101, PETSC_TRUE, &s));
  ck_assert_ptr_null(s);
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

/* The kidney phantom at 4 mm slices: a CT's grid, slice axis first and superior; label 2 in
   two kidneys plus a speck, and the specks of labels 1 and 3. Voxel volumes against the exact
   ones: counting voxel centres errs by about (surface area x spacing) times a mostly
   cancelling factor; measured -0.3% (vessel), -0.4% (kidneys), +2.8% (the 16 mm tumour ball,
   8 voxels across) at 4 mm. The phantom is deterministic, so these do not drift: 3%, and 5%
   for the tumour, fail on a misplaced shape or a wrong grid, not on sampling. */
START_TEST(test_kidney_phantom)
{
  TwinfeImage          image;
  TwinfeImageSelection s;
  const int32_t        keep[3] = {1, 2, 3};
  PetscInt             dims[3], n;
  PetscReal            spacing[3], D[9], vv, exact[3];
  const PetscReal      tol[3] = {0.03, 0.03, 0.05};

  TWINFE_CK(TwinfeImageCreateKidneyPhantom(4.0, &image));
  TWINFE_CK(TwinfeImageGetDimensions(image, dims));
  TWINFE_CK(TwinfeImageGetGeometry(image, spacing, NULL, D));
  ck_assert_int_eq(dims[0], 66); /* ceil(261/4), ceil(512/4) */
  ck_assert_int_eq(dims[1], 128);
  ck_assert_double_eq_tol(spacing[1], 0.94 * 4, 1e-12);
  ck_assert(D[6] > 0.95);                       /* axis 0 runs superior (+z) */
  ck_assert(PetscAbsReal(D[3 * 0 + 1]) < 0.99); /* oblique: no column along an axis */
  TWINFE_CK(TwinfeImageGetVoxelVolume(image, &vv));
  TWINFE_CK(TwinfeImageKidneyPhantomVolumes(4.0, exact));
  TWINFE_CK(TwinfeImageSelectLabelsKeepAll(image, 3, keep, 27, 1.0, PETSC_TRUE, &s));
  ck_assert_int_eq(label_of(s, 1).components_given, 3);
  ck_assert_int_eq(label_of(s, 1).components_kept, 2);
  ck_assert_int_eq(label_of(s, 1).components_meshed, 2);
  ck_assert_int_eq(label_of(s, 0).components_given, 2); /* the vessel and its 3-voxel speck */
  ck_assert_int_eq(label_of(s, 2).components_given, 2);
  TWINFE_CK(TwinfeImageSelectionGetIslands(s, &n, NULL));
  ck_assert_int_eq(n, 3);
  for (int l = 0; l < 3; l++) {
    const PetscReal v = (PetscReal)(label_of(s, l).voxels_given - label_of(s, l).voxels_removed) * vv;
    printf("kidney phantom 4 mm: label %d %g mm^3 (exact %g, %+.2f%%)\n", l + 1, (double)v, (double)exact[l],
           (double)(100 * (v / exact[l] - 1)));
    ck_assert_double_eq_tol(v, exact[l], tol[l] * exact[l]);
  }
  TWINFE_CK(TwinfeImageSelectionDestroy(&s));
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

START_TEST(test_label_box)
{
  const PetscInt  dims[3]    = {12, 9, 7};
  const PetscReal spacing[3] = {1, 1, 1}, origin[3] = {0, 0, 0};
  const int32_t   three = 3, seven = 7, both[2] = {7, 3}, big[2] = {70000, 3}, absent = 99;
  TwinfeImage     image;
  int32_t        *l;
  PetscInt        lo[3], hi[3];
  PetscBool       any;
  TWINFE_CK(TwinfeImageCreate(dims, spacing, origin, NULL, &image));
  TWINFE_CK(TwinfeImageGetLabels(image, &l));
  l[2 + 12 * (3 + 9 * 4)]  = 3;
  l[10 + 12 * (1 + 9 * 5)] = 7;
  l[5 + 12 * (8 + 9 * 0)]  = 70000; /* a label beyond the lookup table */
  TWINFE_CK(TwinfeImageGetLabelBox(image, 1, &seven, lo, hi, &any));
  ck_assert(any && lo[0] == 10 && hi[0] == 10 && lo[1] == 1 && hi[1] == 1 && lo[2] == 5 && hi[2] == 5);
  TWINFE_CK(TwinfeImageGetLabelBox(image, 2, both, lo, hi, &any));
  ck_assert(any && lo[0] == 2 && hi[0] == 10 && lo[1] == 1 && hi[1] == 3 && lo[2] == 4 && hi[2] == 5);
  TWINFE_CK(TwinfeImageGetLabelBox(image, 2, big, lo, hi, &any));
  ck_assert(any && lo[0] == 2 && hi[0] == 5 && lo[1] == 3 && hi[1] == 8 && lo[2] == 0 && hi[2] == 4);
  TWINFE_CK(TwinfeImageGetLabelBox(image, 0, NULL, lo, hi, &any)); /* every non-zero label */
  ck_assert(any && lo[0] == 2 && hi[0] == 10 && lo[1] == 1 && hi[1] == 8 && lo[2] == 0 && hi[2] == 5);
  TWINFE_CK(TwinfeImageGetLabelBox(image, 1, &absent, lo, hi, &any));
  ck_assert(!any);
  TWINFE_CK(TwinfeImageGetLabelBox(image, 1, &three, lo, hi, &any));
  ck_assert(any && lo[0] == 2 && hi[0] == 2 && lo[2] == 4 && hi[2] == 4);
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

/* The selection works on the labels' box gathered at the front of the image's array and puts
   it back: with the box inside the image on every side (margin included), every voxel after
   the selection is what it should be, the background between the box's rows too. */
START_TEST(test_box_inside_the_image_put_back)
{
  const PetscInt       n[3]       = {31, 23, 17};
  const PetscReal      spacing[3] = {1, 1, 1}, origin[3] = {0, 0, 0};
  const int32_t        keep[2] = {1, 2};
  TwinfeImage          image;
  TwinfeImageSelection s;
  int32_t             *l, *expected;
  PetscInt             wrong = 0;

  TWINFE_CK(TwinfeImageCreate(n, spacing, origin, NULL, &image));
  TWINFE_CK(TwinfeImageGetLabels(image, &l));
  TWINFE_CK(PetscCalloc1(n[0] * n[1] * n[2], &expected));
  for (PetscInt k = 6; k <= 11; k++) /* label 1, 11 x 8 x 6 with a hollow; label 2 beside it */
    for (PetscInt j = 8; j <= 15; j++)
      for (PetscInt i = 10; i <= 22; i++) {
        const PetscInt v = i + n[0] * (j + n[1] * k);
        expected[v]      = i <= 20 ? 1 : 2;
        l[v]             = (i == 15 && j == 11 && k == 8) ? 0 : expected[v];
      }
  l[12 + n[0] * (17 + n[1] * 9)]  = 1; /* a one-voxel island, inside the box */
  l[1 + n[0] * (2 + n[1] * 3)]    = 5; /* an unrequested label, outside it */
  l[29 + n[0] * (21 + n[1] * 15)] = 5;
  TWINFE_CK(TwinfeImageSelectLabelsKeepAll(image, 2, keep, TWINFE_IMAGE_ISLAND_VOXELS_DEFAULT,
                                           TWINFE_IMAGE_ISLAND_PERCENT_DEFAULT, PETSC_TRUE, &s));
  TWINFE_CK(TwinfeImageGetLabels(image, &l));
  for (PetscInt v = 0; v < n[0] * n[1] * n[2]; v++)
    wrong += l[v] != expected[v];
  ck_assert_int_eq(wrong, 0);
  TWINFE_CK(TwinfeImageSelectionDestroy(&s));
  TWINFE_CK(PetscFree(expected));
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
  tcase_add_test(tc, test_keep_all_defaults);
  tcase_add_test(tc, test_island_thresholds);
  tcase_add_test(tc, test_pieces_26_and_6);
  tcase_add_test(tc, test_keep_all_refuses);
  tcase_add_test(tc, test_kidney_phantom);
  tcase_add_test(tc, test_label_box);
  tcase_add_test(tc, test_box_inside_the_image_put_back);
  suite_add_tcase(s, tc);
  return s;
}
