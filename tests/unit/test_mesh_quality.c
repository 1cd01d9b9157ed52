/* Tet quality under both measures (radius ratio 3r/R and Gmsh's gamma 6 sqrt(6) V / (S l_max)),
 * per-region statistics and facet counts per tag, against values computed by hand.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_test.h"
#include <twinfe/core.h>
#include <twinfe/mesh.h>

/* Every expected value below is a closed form evaluated in double; the formulas in the library
   take a few roundings more, so 1e-12 is far above their error and far below any mistake in a
   formula (a wrong constant changes the value by percents). */
#define TOL 1e-12

static PetscErrorCode OneTet(const PetscReal x[12], TwinfeMesh *mesh)
{
  const PetscInt tet[4]    = {0, 1, 2, 3};
  const int32_t  region[1] = {1};
  return TwinfeMeshCreate(4, x, 1, tet, region, 0, NULL, NULL, mesh);
}

static void Quality(const PetscReal x[12], PetscReal *rr, PetscReal *gg)
{
  TwinfeMesh mesh;
  TWINFE_CK(OneTet(x, &mesh));
  TWINFE_CK(TwinfeMeshComputeCellQuality(mesh, rr, gg));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}

/* Regular tet (alternate corners of a cube, edge sqrt 2): 1 under both measures. */
START_TEST(regular_tet_is_one)
{
  const PetscReal x[12] = {1, 1, 1, 1, -1, -1, -1, 1, -1, -1, -1, 1};
  PetscReal       rr, gg;
  Quality(x, &rr, &gg);
  ck_assert_double_eq_tol(rr, 1.0, TOL);
  ck_assert_double_eq_tol(gg, 1.0, TOL);
}
END_TEST

/* Right-corner tet (0,0,0), (1,0,0), (0,1,0), (0,0,1):
   V = 1/6; faces 3 x 1/2 and the equilateral sqrt(2) face sqrt(3)/2, so S = (3 + sqrt 3)/2;
   l_max = sqrt 2. Gmsh gamma = 6 sqrt6 (1/6) / (S sqrt2) = 2 sqrt3 / (3 + sqrt3) = sqrt3 - 1.
   r = 3V/S = 1/(3 + sqrt3); R = sqrt3/2 (centre (1/2,1/2,1/2)); 3r/R = 2/(sqrt3 + 1) = sqrt3 - 1.
   The two measures agree on this tet (0.7320508...). */
START_TEST(right_corner_tet)
{
  const PetscReal x[12] = {0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
  PetscReal       rr, gg;
  Quality(x, &rr, &gg);
  ck_assert_double_eq_tol(rr, PetscSqrtReal(3.0) - 1, TOL);
  ck_assert_double_eq_tol(gg, PetscSqrtReal(3.0) - 1, TOL);
}
END_TEST

/* A sliver: (1,0,0), (-1,0,0), (0,1,h), (0,-1,h), four points near one circle.
   det[B-A, C-A, D-A] = -2 (1 h + h 1) = -4h, so V = 2h/3; every face is isosceles with base 2
   and height sqrt(1 + h^2), so S = 4 sqrt(1 + h^2); l_max = 2 (h < sqrt 2).
   Gmsh gamma = 6 sqrt6 (2h/3) / (8 sqrt(1+h^2)) = sqrt6 h / (2 sqrt(1+h^2)).
   r = 3V/S = h / (2 sqrt(1+h^2)); the circumcentre is (0, 0, h/2), R = sqrt(1 + h^2/4), so
   3r/R = 3h / (2 sqrt(1+h^2) sqrt(1+h^2/4)). At h = 0.1: 0.121866 and 0.149069: the measures
   differ, so swapping them fails this test. */
START_TEST(sliver_tet)
{
  const PetscReal h = 0.1, x[12] = {1, 0, 0, -1, 0, 0, 0, 1, h, 0, -1, h};
  PetscReal       rr, gg;
  Quality(x, &rr, &gg);
  ck_assert_double_eq_tol(gg, PetscSqrtReal(6.0) * h / (2 * PetscSqrtReal(1 + h * h)), TOL);
  ck_assert_double_eq_tol(rr, 3 * h / (2 * PetscSqrtReal(1 + h * h) * PetscSqrtReal(1 + h * h / 4)), TOL);
  ck_assert(gg < TWINFE_QUALITY_POOR * 1.3 && rr > gg);
}
END_TEST

/* Three tets in region 1 (regular, right corner, sliver) and two in region 2 (sliver and
   regular, an even count: the median is the mean of the two): medians, minima, counts below
   0.1 (a flatter sliver h = 0.05: Gmsh gamma 0.0611, radius ratio 0.0748, both below) and
   volumes. */
START_TEST(region_statistics)
{
  const PetscReal         h         = 0.05;
  const PetscReal         x[]       = {1,  1, 1, 1,  -1, -1, -1, 1, -1, -1, -1, 1, /* regular, V = 8/3 */
                                       10, 0, 0, 11, 0,  0,  10, 1, 0,  10, 0,  1, /* right corner, V = 1/6 */
                                       21, 0, 0, 19, 0,  0,  20, 1, h,  20, -1, h, /* sliver, V = 2h/3 (reordered by Create) */
                                       31, 0, 0, 29, 0,  0,  30, 1, h,  30, -1, h, 41, 1, 1, 41, -1, -1, 39, 1, -1, 39, -1, 1};
  const PetscInt          tets[]    = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
  const int32_t           regions[] = {1, 1, 1, 2, 2};
  const PetscReal         sliver_g  = PetscSqrtReal(6.0) * h / (2 * PetscSqrtReal(1 + h * h));
  const PetscReal         sliver_r  = 3 * h / (2 * PetscSqrtReal(1 + h * h) * PetscSqrtReal(1 + h * h / 4));
  TwinfeMesh              mesh;
  TwinfeMeshRegionQuality q[2];
  TWINFE_CK(TwinfeMeshCreate(20, x, 5, tets, regions, 0, NULL, NULL, &mesh));
  TWINFE_CK(TwinfeMeshComputeRegionQuality(mesh, q));
  ck_assert_int_eq(q[0].label, 1);
  ck_assert_int_eq(q[0].ntets, 3);
  ck_assert_int_eq(q[0].inverted, 0);
  ck_assert_double_eq_tol(q[0].volume_mm3, 8.0 / 3 + 1.0 / 6 + 2 * h / 3, TOL);
  ck_assert_double_eq_tol(q[0].min_gmsh_gamma, sliver_g, TOL);
  ck_assert_double_eq_tol(q[0].min_radius_ratio, sliver_r, TOL);
  ck_assert_double_eq_tol(q[0].median_gmsh_gamma, PetscSqrtReal(3.0) - 1, TOL);
  ck_assert_double_eq_tol(q[0].median_radius_ratio, PetscSqrtReal(3.0) - 1, TOL);
  ck_assert_int_eq(q[0].gmsh_gamma_below, 1);
  ck_assert_int_eq(q[0].radius_ratio_below, 1);
  ck_assert(q[0].min_dihedral_deg < 10 && q[0].min_dihedral_deg > 0);
  ck_assert_int_eq(q[1].label, 2);
  ck_assert_int_eq(q[1].ntets, 2);
  ck_assert_double_eq_tol(q[1].median_gmsh_gamma, 0.5 * (sliver_g + 1), TOL);
  ck_assert_double_eq_tol(q[1].median_radius_ratio, 0.5 * (sliver_r + 1), TOL);
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

/* The 6 Kuhn tets of a cube are congruent, so on a box of cubes the median (selected among 72
   equal values, many pivots equal) is the minimum, and the volume is the box's. */
START_TEST(median_of_congruent_tets)
{
  const PetscInt          n[3]  = {3, 2, 2};
  const PetscReal         lo[3] = {0, 0, 0}, hi[3] = {3, 2, 2};
  TwinfeMesh              mesh;
  TwinfeMeshRegionQuality q;
  TWINFE_CK(TwinfeMeshCreateBox(n, lo, hi, &mesh));
  TWINFE_CK(TwinfeMeshComputeRegionQuality(mesh, &q));
  ck_assert_int_eq(q.ntets, 72);
  ck_assert_double_eq_tol(q.median_radius_ratio, q.min_radius_ratio, TOL);
  ck_assert_double_eq_tol(q.median_gmsh_gamma, q.min_gmsh_gamma, TOL);
  ck_assert_double_eq_tol(q.volume_mm3, 12.0, 1e-12 * 12);
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

/* Facet counts per tag on the two-region unit box with n = 2: each outer face has 2x2 squares,
   8 triangles; region 1 (x < 0.5) has face x = 0 (8) and half of each of the four side faces
   (4 x 4), 24 in all, region 2 likewise, and the interface x = 0.5 has 8. */
START_TEST(facets_by_tag)
{
  TwinfeMesh mesh;
  PetscInt   ntags, *counts;
  int32_t   *tags;
  TWINFE_CK(twinfe_test_box_mesh(2, &mesh));
  TWINFE_CK(TwinfeMeshCountFacetsByTag(mesh, &ntags, &tags, &counts));
  ck_assert_int_eq(ntags, 3);
  ck_assert_int_eq(tags[0], 1);
  ck_assert_int_eq(tags[1], 2);
  ck_assert_int_eq(tags[2], 1002);
  ck_assert_int_eq(counts[0], 24);
  ck_assert_int_eq(counts[1], 24);
  ck_assert_int_eq(counts[2], 8);
  TWINFE_CK(PetscFree(tags));
  TWINFE_CK(PetscFree(counts));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("mesh_quality");
  TCase *tc = tcase_create("mesh_quality");
  tcase_add_test(tc, regular_tet_is_one);
  tcase_add_test(tc, right_corner_tet);
  tcase_add_test(tc, sliver_tet);
  tcase_add_test(tc, region_statistics);
  tcase_add_test(tc, median_of_congruent_tets);
  tcase_add_test(tc, facets_by_tag);
  suite_add_tcase(s, tc);
  return s;
}
