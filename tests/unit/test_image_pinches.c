/* TwinfeImageRepairPinches: voxels that touch only along an edge or at a corner make a label's
 * surface non-manifold; after the repair every label's surface is a closed 2-manifold.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A label's surface here is the voxel-face surface (TwinfeSurfaceCreateFromImage, unsmoothed).
 * It is a closed 2-manifold sphere exactly when every edge has two triangles and
 * V - E + F = 2: two cubes sharing an edge have chi = 3, sharing a corner also 3. */
#include "twinfe_checks.h"

#include <twinfe/image.h>
#include <twinfe/surface.h>

#define N 8

static TwinfeImage EmptyImage(void)
{
  const PetscInt  dims[3]    = {N, N, N};
  const PetscReal spacing[3] = {1.0, 1.2, 1.5}, origin[3] = {0, 0, 0};
  TwinfeImage     image;
  TWINFE_CK(TwinfeImageCreate(dims, spacing, origin, NULL, &image));
  return image;
}

static void Set(TwinfeImage image, int i, int j, int k, int32_t label)
{
  int32_t *labels;
  TWINFE_CK(TwinfeImageGetLabels(image, &labels));
  labels[i + N * (j + N * k)] = label;
}

static int32_t Get(TwinfeImage image, int i, int j, int k)
{
  int32_t *labels;
  TWINFE_CK(TwinfeImageGetLabels(image, &labels));
  return labels[i + N * (j + N * k)];
}

/* Label 1 on the 4x4x4 block [2, 5]^3. */
static void FillBlock(TwinfeImage image)
{
  for (int k = 2; k <= 5; ++k)
    for (int j = 2; j <= 5; ++j)
      for (int i = 2; i <= 5; ++i)
        Set(image, i, j, k, 1);
}

typedef struct {
  PetscInt euler, edges_not_two;
} Shape;

/* Euler characteristic and count of edges without exactly two triangles, of label's surface. */
static Shape LabelSurface(TwinfeImage image, int32_t label)
{
  const int32_t    both[2] = {1, 2};
  TwinfeSurface    surface;
  PetscInt         nv, nt, n = 0, hist[6], used = 0, nedges = 0;
  const PetscReal *xyz;
  const PetscInt  *tri;
  const int32_t   *sides;
  PetscInt        *mine, *seen;
  Shape            s;
  TWINFE_CK(TwinfeSurfaceCreateFromImage(image, 2, both, &surface));
  TWINFE_CK(TwinfeSurfaceGetVertices(surface, &nv, &xyz));
  TWINFE_CK(TwinfeSurfaceGetTriangles(surface, &nt, &tri, &sides));
  TWINFE_CK(PetscMalloc2(3 * nt + 1, &mine, nv + 1, &seen));
  for (PetscInt v = 0; v < nv; ++v)
    seen[v] = 0;
  for (PetscInt t = 0; t < nt; ++t)
    if (sides[2 * t] == label || sides[2 * t + 1] == label) {
      for (int c = 0; c < 3; ++c) {
        mine[3 * n + c] = tri[3 * t + c];
        if (!seen[tri[3 * t + c]]++) used++;
      }
      n++;
    }
  twinfe_test_edge_histogram(nv, n, mine, hist);
  for (int m = 0; m < 6; ++m)
    nedges += hist[m];
  s.euler         = used - nedges + n;
  s.edges_not_two = nedges - hist[2];
  TWINFE_CK(PetscFree2(mine, seen));
  TWINFE_CK(TwinfeSurfaceDestroy(&surface));
  return s;
}

/* Before: pinched (a surface check fails, the count sees it). After: no pinch, and every
   listed label is a closed manifold sphere. Returns the voxels the repair changed. */
static PetscInt RepairAndCheck(TwinfeImage image, PetscInt nlabels, const int32_t labels[])
{
  PetscInt pinches, changed, left;
  Shape    before = LabelSurface(image, labels[0]);
  TWINFE_CK(TwinfeImageCountPinches(image, &pinches));
  ck_assert_int_gt(pinches, 0);
  ck_assert_msg(before.euler != 2 || before.edges_not_two > 0, "label %d was manifold before the repair", (int)labels[0]);
  TWINFE_CK(TwinfeImageRepairPinches(image, &changed, &left));
  ck_assert_int_eq(left, 0);
  TWINFE_CK(TwinfeImageCountPinches(image, &pinches));
  ck_assert_int_eq(pinches, 0);
  for (PetscInt l = 0; l < nlabels; ++l) {
    PetscInt count;
    TWINFE_CK(TwinfeImageCountLabel(image, labels[l], &count));
    ck_assert_msg(count > 0, "label %d vanished", (int)labels[l]);
    Shape after = LabelSurface(image, labels[l]);
    ck_assert_msg(after.edges_not_two == 0, "label %d: %d edges without two triangles", (int)labels[l], (int)after.edges_not_two);
    ck_assert_msg(after.euler == 2, "label %d: Euler characteristic %d", (int)labels[l], (int)after.euler);
  }
  return changed;
}

/* Two voxels of label 1 that touch only along an edge or at a corner; returns the image after
   the repair has been checked, with the number of voxels it changed. */
static TwinfeImage RepairTwoVoxels(const int a[3], const int b[3], PetscInt expected_changed)
{
  TwinfeImage   image = EmptyImage();
  const int32_t one[] = {1};
  Set(image, a[0], a[1], a[2], 1);
  Set(image, b[0], b[1], b[2], 1);
  ck_assert_int_eq(RepairAndCheck(image, 1, one), expected_changed);
  return image;
}

START_TEST(edge_pinch_gets_one_voxel_from_the_background)
{
  const int   a[3] = {3, 3, 3}, b[3] = {4, 4, 3};
  TwinfeImage image = RepairTwoVoxels(a, b, 1);
  ck_assert(Get(image, 4, 3, 3) == 1 || Get(image, 3, 4, 3) == 1);
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

START_TEST(corner_pinch_gets_a_path_of_two_voxels)
{
  const int   a[3] = {3, 3, 3}, b[3] = {4, 4, 4};
  TwinfeImage image = RepairTwoVoxels(a, b, 2);
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

START_TEST(pinched_background_is_mended_too)
{
  /* a 4x4x4 block with two background voxels inside that meet at a corner: the label's inner
     surface is pinched (chi 2 + 3). The repair gives one of them to the label, leaving a
     one-voxel cavity (two manifold spheres, chi 4), which the selection then fills. */
  TwinfeImage   image = EmptyImage();
  const int32_t one[] = {1};
  PetscInt      pinches, changed, left, removed, filled;
  Shape         shape;
  FillBlock(image);
  Set(image, 3, 3, 3, 0);
  Set(image, 4, 4, 4, 0);
  shape = LabelSurface(image, 1);
  ck_assert_int_eq(shape.euler, 5);
  TWINFE_CK(TwinfeImageCountPinches(image, &pinches));
  ck_assert_int_gt(pinches, 0);
  TWINFE_CK(TwinfeImageRepairPinches(image, &changed, &left));
  ck_assert_int_eq(changed, 1);
  ck_assert_int_eq(left, 0);
  shape = LabelSurface(image, 1);
  ck_assert_int_eq(shape.edges_not_two, 0);
  ck_assert_int_eq(shape.euler, 4);
  TWINFE_CK(TwinfeImageSelectLabels(image, 1, one, &removed, &filled));
  ck_assert_int_eq(filled, 1);
  shape = LabelSurface(image, 1);
  ck_assert_int_eq(shape.euler, 2);
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

START_TEST(a_thick_neighbour_gives_a_voxel)
{
  /* label 1 pinched inside a thick block of label 2, no background at hand: label 1 takes one
     of label 2's voxels, which leaves label 2 connected (its surface: the block outside, the
     interface with label 1 inside, both manifold) */
  TwinfeImage image = EmptyImage();
  PetscInt    changed, left, before2, after2;
  Shape       shape;
  for (int k = 1; k <= 6; ++k)
    for (int j = 1; j <= 6; ++j)
      for (int i = 1; i <= 6; ++i)
        Set(image, i, j, k, 2);
  Set(image, 3, 3, 3, 1);
  Set(image, 4, 4, 3, 1);
  TWINFE_CK(TwinfeImageCountLabel(image, 2, &before2));
  TWINFE_CK(TwinfeImageRepairPinches(image, &changed, &left));
  TWINFE_CK(TwinfeImageCountLabel(image, 2, &after2));
  ck_assert_int_eq(left, 0);
  ck_assert_int_eq(changed, 1);
  ck_assert_int_eq(after2, before2 - 1);
  shape = LabelSurface(image, 1);
  ck_assert_int_eq(shape.edges_not_two, 0);
  ck_assert_int_eq(shape.euler, 2);
  shape = LabelSurface(image, 2);
  ck_assert_int_eq(shape.edges_not_two, 0);
  ck_assert_int_eq(shape.euler, 4);
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

START_TEST(interleaved_labels_keep_their_voxels)
{
  /* two labels in a 3-layer checkerboard with no background: taking any voxel would cut the
     other label apart there, so nothing changes and the pinches are reported */
  TwinfeImage image = EmptyImage();
  PetscInt    changed, left, n1, n2;
  for (int k = 2; k <= 4; ++k)
    for (int j = 3; j <= 4; ++j)
      for (int i = 3; i <= 4; ++i)
        Set(image, i, j, k, (i + j + k) % 2 ? 2 : 1);
  TWINFE_CK(TwinfeImageRepairPinches(image, &changed, &left));
  TWINFE_CK(TwinfeImageCountLabel(image, 1, &n1));
  TWINFE_CK(TwinfeImageCountLabel(image, 2, &n2));
  ck_assert_int_gt(left, 0);
  ck_assert_int_eq(n1 + n2, 12);
  ck_assert_int_gt(n1, 0);
  ck_assert_int_gt(n2, 0);
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

START_TEST(pinch_at_the_grid_border)
{
  const int   a[3] = {0, 0, 0}, b[3] = {1, 1, 0};
  TwinfeImage image = RepairTwoVoxels(a, b, 1);
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

START_TEST(a_clean_image_is_left_alone)
{
  TwinfeImage image = EmptyImage();
  PetscInt    changed, left;
  FillBlock(image);
  TWINFE_CK(TwinfeImageRepairPinches(image, &changed, &left));
  ck_assert_int_eq(changed, 0);
  ck_assert_int_eq(left, 0);
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("image_pinches");
  TCase *tc = tcase_create("pinches");
  tcase_add_test(tc, edge_pinch_gets_one_voxel_from_the_background);
  tcase_add_test(tc, corner_pinch_gets_a_path_of_two_voxels);
  tcase_add_test(tc, pinched_background_is_mended_too);
  tcase_add_test(tc, a_thick_neighbour_gives_a_voxel);
  tcase_add_test(tc, interleaved_labels_keep_their_voxels);
  tcase_add_test(tc, pinch_at_the_grid_border);
  tcase_add_test(tc, a_clean_image_is_left_alone);
  suite_add_tcase(s, tc);
  return s;
}
