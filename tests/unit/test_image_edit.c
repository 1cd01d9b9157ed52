/* Edits of a label map for rehearsals (image/edit.c) on shapes whose answer is known: a
 * resection's margin between voxel surfaces, a ball and a half space erased, a tube's section
 * (axis, centre, radius) on an oblique grid, a stenosis and a stent, a clip.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_checks.h"

#include <twinfe/image.h>

static TwinfeImage Grid(PetscInt n0, PetscInt n1, PetscInt n2, PetscReal h, const PetscReal direction[9])
{
  const PetscInt  dims[3]    = {n0, n1, n2};
  const PetscReal spacing[3] = {h, h, h}, origin[3] = {0, 0, 0};
  TwinfeImage     image;
  TWINFE_CK(TwinfeImageCreate(dims, spacing, origin, direction, &image));
  return image;
}

/* Every voxel whose centre (in LPS) satisfies inside gets label. */
static void Paint(TwinfeImage image, PetscBool (*inside)(const PetscReal x[3]), int32_t label)
{
  PetscInt dims[3];
  int32_t *labels;
  TWINFE_CK(TwinfeImageGetDimensions(image, dims));
  TWINFE_CK(TwinfeImageGetLabels(image, &labels));
  for (PetscInt k = 0, v = 0; k < dims[2]; k++)
    for (PetscInt j = 0; j < dims[1]; j++)
      for (PetscInt i = 0; i < dims[0]; i++, v++) {
        const PetscReal ijk[3] = {(PetscReal)i, (PetscReal)j, (PetscReal)k};
        PetscReal       x[3];
        TWINFE_CK(TwinfeImageIndexToWorld(image, ijk, x));
        if (inside(x)) labels[v] = label;
      }
}

static PetscBool Everything(const PetscReal x[3])
{
  (void)x;
  return PETSC_TRUE;
}

static PetscBool Cube(const PetscReal x[3])
{
  return x[0] >= 10 && x[0] < 13 && x[1] >= 10 && x[1] < 13 && x[2] >= 10 && x[2] < 13;
}

START_TEST(a_resection_keeps_the_margin_between_voxel_surfaces)
{
  TwinfeImage image = Grid(24, 24, 24, 1.0, NULL);
  PetscInt    removed, left, cube;
  Paint(image, Everything, 1);
  Paint(image, Cube, 2);
  TWINFE_CK(TwinfeImageCountLabel(image, 2, &cube));
  ck_assert_int_eq(cube, 27);
  TWINFE_CK(TwinfeImageResect(image, 2, 2.0, &removed));
  TWINFE_CK(TwinfeImageCountLabel(image, 2, &left));
  ck_assert_int_eq(left, 0);
  /* centres within 2 + 1 mm of the cube's: the voxel faces stay at least 2 mm apart */
  {
    int32_t *labels;
    TWINFE_CK(TwinfeImageGetLabels(image, &labels));
    ck_assert_int_eq(labels[15 + 24 * (11 + 24 * 11)], 0); /* 3 mm from the cube's last centre: removed */
    ck_assert_int_eq(labels[16 + 24 * (11 + 24 * 11)], 1); /* 4 mm: kept, its face 3.0 mm from the cube's */
    ck_assert_int_eq(labels[14 + 24 * (14 + 24 * 11)], 0); /* sqrt(8) = 2.83 mm diagonally: removed */
  }
  ck_assert_int_gt(removed, 27);
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

START_TEST(a_ball_and_a_half_space_are_erased_and_misses_refused)
{
  TwinfeImage     image     = Grid(20, 20, 20, 1.0, NULL);
  const PetscReal centre[3] = {10, 10, 10}, far[3] = {100, 100, 100}, normal[3] = {0, 0, 2};
  PetscInt        removed;
  PetscErrorCode  ierr;
  Paint(image, Everything, 1);
  TWINFE_CK(TwinfeImageEraseBall(image, centre, 2.0, &removed));
  ck_assert_int_eq(removed, 33); /* the lattice points within 2 of one: 1 + 6 + 12 + 8 + 6 */
  TWINFE_CK(TwinfeImagePaintBall(image, centre, 2.0, 3, &removed));
  ck_assert_int_eq(removed, 33); /* the erased ball painted back, as label 3 */
  TWINFE_CK(TwinfeImageEraseBall(image, centre, 2.0, &removed));
  ck_assert_int_eq(removed, 33);
  TWINFE_CK(TwinfeImageErasePlaneSide(image, centre, normal, 0.5, &removed));
  ck_assert_int_eq(removed, 20 * 20 * 10 - 23); /* z >= 10, less the ball's 13 + 9 + 1 centres there already gone */
  TWINFE_CK(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = TwinfeImageEraseBall(image, far, 3.0, &removed);
  ck_assert_int_eq(ierr, PETSC_ERR_ARG_WRONG);
  ierr = TwinfeImageErasePlaneSide(image, far, normal, 0, &removed);
  ck_assert_int_eq(ierr, PETSC_ERR_ARG_WRONG);
  ierr = TwinfeImagePaintBall(image, far, 3.0, 1, &removed);
  ck_assert_int_eq(ierr, PETSC_ERR_ARG_WRONG);
  TWINFE_CK(PetscPopErrorHandler());
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

/* A tube of radius 4 mm along (1, 1, 0) / sqrt 2 through the middle of a grid rotated by 30
   degrees about z. */
static const PetscReal tube_axis[3] = {0.70710678118654752, 0.70710678118654752, 0};
/* the grid's middle: (15, 15, 10) mm along its own axes */
static const PetscReal tube_centre[3] = {5.490381056766580, 20.490381056766580, 10};

static PetscReal TubeRadial(const PetscReal x[3])
{
  const PetscReal r[3] = {x[0] - tube_centre[0], x[1] - tube_centre[1], x[2] - tube_centre[2]};
  const PetscReal a    = r[0] * tube_axis[0] + r[1] * tube_axis[1];
  return PetscSqrtReal(PetscMax(r[0] * r[0] + r[1] * r[1] + r[2] * r[2] - a * a, 0));
}

static PetscBool Tube(const PetscReal x[3])
{
  return TubeRadial(x) <= 4;
}

static TwinfeImage TubeImage(void)
{
  const PetscReal c = PetscCosReal(PETSC_PI / 6), s = PetscSinReal(PETSC_PI / 6);
  const PetscReal rotation[9] = {c, -s, 0, s, c, 0, 0, 0, 1};
  TwinfeImage     image       = Grid(60, 60, 40, 0.5, rotation);
  Paint(image, Tube, 1);
  return image;
}

START_TEST(a_tube_s_section_on_an_oblique_grid)
{
  TwinfeImage         image = TubeImage();
  const PetscReal     p[3]  = {tube_centre[0] + 1, tube_centre[1] + 1, 10.3};
  TwinfeVesselSection s;
  TWINFE_CK(TwinfeImageFindVesselSection(image, 1, p, &s));
  ck_assert_double_lt(PetscAbsReal(PetscAbsReal(s.axis[0] * tube_axis[0] + s.axis[1] * tube_axis[1]) - 1), 1e-3);
  ck_assert_double_lt(TubeRadial(s.centre), 0.1);
  ck_assert_msg(PetscAbsReal(s.radius_mm - 4) < 0.1, "radius %g, not 4", (double)s.radius_mm);
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

START_TEST(a_stenosis_halves_the_diameter_and_a_stent_restores_it)
{
  TwinfeImage         image = TubeImage();
  const PetscReal     p[3] = {tube_centre[0], tube_centre[1], 10}, beside[3] = {tube_centre[0] + 9, tube_centre[1] - 9, 10};
  TwinfeVesselSection s, narrowed;
  PetscInt            before, changed, back;
  PetscErrorCode      ierr;
  TWINFE_CK(TwinfeImageCountLabel(image, 1, &before));
  TWINFE_CK(TwinfeImageNarrowVessel(image, 1, p, 50, 6, &s, &changed));
  TWINFE_CK(TwinfeImageFindVesselSection(image, 1, p, &narrowed));
  ck_assert_msg(PetscAbsReal(narrowed.radius_mm - 0.5 * s.radius_mm) < 0.15, "narrowed to %g of %g", (double)narrowed.radius_mm,
                (double)s.radius_mm);
  /* 6 mm of the tube lose three quarters of their cross-section: 6 x pi (16 - 4) mm^3 */
  ck_assert_msg(PetscAbsReal(changed * 0.125 - 6 * PETSC_PI * 12) < 0.06 * 6 * PETSC_PI * 12, "%d voxels removed", (int)changed);
  TWINFE_CK(TwinfeImageWidenVessel(image, 1, p, 8, 6, &s, &back));
  ck_assert_msg(PetscAbsReal((PetscReal)(back - changed)) < 0.03 * changed, "stent: %d voxels back of %d", (int)back,
                (int)changed);
  TWINFE_CK(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = TwinfeImageNarrowVessel(image, 1, beside, 50, 6, &s, &changed);
  ck_assert_int_eq(ierr, PETSC_ERR_ARG_WRONG);
  TWINFE_CK(PetscPopErrorHandler());
  (void)before;
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

START_TEST(a_clip_removes_what_lies_past_it)
{
  TwinfeImage     image = TubeImage();
  const PetscReal p[3] = {tube_centre[0], tube_centre[1], 10}, along[3] = {1, 1, 0};
  PetscInt        before, removed, left;
  int32_t        *labels;
  PetscInt        dims[3], beyond = 0;
  TWINFE_CK(TwinfeImageCountLabel(image, 1, &before));
  TWINFE_CK(TwinfeImageGetDimensions(image, dims));
  TWINFE_CK(TwinfeImageGetLabels(image, &labels));
  for (PetscInt k = 0, v = 0; k < dims[2]; k++) /* the tube's voxels past the plane */
    for (PetscInt j = 0; j < dims[1]; j++)
      for (PetscInt i = 0; i < dims[0]; i++, v++) {
        const PetscReal ijk[3] = {(PetscReal)i, (PetscReal)j, (PetscReal)k};
        PetscReal       x[3];
        TWINFE_CK(TwinfeImageIndexToWorld(image, ijk, x));
        beyond += labels[v] == 1 && (x[0] - tube_centre[0]) + (x[1] - tube_centre[1]) > 0;
      }
  TWINFE_CK(TwinfeImageClipVessel(image, 1, p, along, &removed));
  TWINFE_CK(TwinfeImageCountLabel(image, 1, &left));
  ck_assert_int_eq(removed, beyond);
  ck_assert_int_eq(left, before - beyond);
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("image_edit");
  TCase *tc = tcase_create("image_edit");
  tcase_add_test(tc, a_resection_keeps_the_margin_between_voxel_surfaces);
  tcase_add_test(tc, a_ball_and_a_half_space_are_erased_and_misses_refused);
  tcase_add_test(tc, a_tube_s_section_on_an_oblique_grid);
  tcase_add_test(tc, a_stenosis_halves_the_diameter_and_a_stent_restores_it);
  tcase_add_test(tc, a_clip_removes_what_lies_past_it);
  suite_add_tcase(s, tc);
  return s;
}
