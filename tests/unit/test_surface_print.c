/* The print checks of the surface stage (surface_print.c): each defect on a shape that has
 * exactly it, and the merged boundary of touching labels.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_checks.h"

#include <twinfe/surface.h>

#define MAXV 4096
#define MAXT 8192

typedef struct {
  PetscInt  nv, nt;
  PetscReal xyz[3 * MAXV];
  PetscInt  tri[3 * MAXT];
} Shape;

/* An axis-aligned box of the given sides at corner o, triangles outward (inward: reversed). */
static void AddBox(Shape *m, const PetscReal o[3], const PetscReal size[3], PetscBool inward)
{
  static const int quads[6][4] = {{0, 3, 2, 1}, {4, 5, 6, 7}, {0, 1, 5, 4}, {2, 3, 7, 6}, {1, 2, 6, 5}, {0, 4, 7, 3}};
  const PetscInt   base        = m->nv;
  for (int v = 0; v < 8; v++) {
    m->xyz[3 * m->nv + 0] = o[0] + size[0] * (v == 1 || v == 2 || v == 5 || v == 6);
    m->xyz[3 * m->nv + 1] = o[1] + size[1] * (v == 2 || v == 3 || v == 6 || v == 7);
    m->xyz[3 * m->nv + 2] = o[2] + size[2] * (v >= 4);
    m->nv++;
  }
  for (int q = 0; q < 6; q++) {
    const int a = quads[q][0], b = quads[q][1], c = quads[q][2], d = quads[q][3];
    const int t[2][3] = {{a, b, c}, {a, c, d}};
    for (int k = 0; k < 2; k++) {
      m->tri[3 * m->nt + 0] = base + t[k][0];
      m->tri[3 * m->nt + 1] = base + t[k][inward ? 2 : 1];
      m->tri[3 * m->nt + 2] = base + t[k][inward ? 1 : 2];
      m->nt++;
    }
  }
}

static void AddCube(Shape *m, const PetscReal o[3], PetscReal s, PetscBool inward)
{
  const PetscReal size[3] = {s, s, s};
  AddBox(m, o, size, inward);
}

static TwinfePartCheck Check(const Shape *m)
{
  TwinfePartCheck c;
  TWINFE_CK(TwinfeSurfaceCheckPart(m->nv, m->xyz, m->nt, m->tri, &c));
  return c;
}

/* Vertices of b equal to earlier vertices of a become one (the cubes then touch there). */
static void Weld(Shape *m)
{
  for (PetscInt i = 0; i < 3 * m->nt; i++) {
    const PetscReal *p = m->xyz + 3 * m->tri[i];
    for (PetscInt v = 0; v < m->tri[i]; v++)
      if (p[0] == m->xyz[3 * v] && p[1] == m->xyz[3 * v + 1] && p[2] == m->xyz[3 * v + 2]) {
        m->tri[i] = v;
        break;
      }
  }
}

START_TEST(a_closed_cube_is_printable)
{
  static Shape    m;
  const PetscReal o[3] = {-3, 2, 100};
  TwinfePartCheck c;
  m.nv = m.nt = 0;
  AddCube(&m, o, 10, PETSC_FALSE);
  c = Check(&m);
  ck_assert(c.printable);
  ck_assert_int_eq(c.edges, 18);
  ck_assert_int_eq(c.shells, 1);
  ck_assert_int_eq(c.handles, 0);
  ck_assert_double_eq_tol(c.volume_mm3, 1000, 1e-9);
  ck_assert_double_eq_tol(c.area_mm2, 600, 1e-9);
}
END_TEST

START_TEST(open_flipped_and_degenerate_triangles_are_defects)
{
  static Shape    m;
  const PetscReal o[3] = {0, 0, 0};
  TwinfePartCheck c;
  m.nv = m.nt = 0;
  AddCube(&m, o, 10, PETSC_FALSE);
  m.nt--; /* one triangle missing: a hole of three open edges */
  c = Check(&m);
  ck_assert(!c.printable);
  ck_assert_int_eq(c.open_edges, 3);
  m.nt++;
  {
    const PetscInt keep = m.tri[1];
    m.tri[1] = m.tri[2], m.tri[2] = keep; /* one triangle inside out */
    c = Check(&m);
    ck_assert(!c.printable);
    ck_assert_int_eq(c.misoriented_edges, 3);
    m.tri[2] = m.tri[1], m.tri[1] = keep;
  }
  ck_assert(Check(&m).printable);
  m.tri[3 * m.nt + 0] = 0, m.tri[3 * m.nt + 1] = 1, m.tri[3 * m.nt + 2] = 1; /* a triangle with no area */
  m.nt++;
  c = Check(&m);
  ck_assert(!c.printable);
  ck_assert_int_ge(c.degenerate_triangles, 1);
}
END_TEST

START_TEST(an_inside_out_cube_has_negative_volume)
{
  static Shape    m;
  const PetscReal o[3] = {0, 0, 0};
  TwinfePartCheck c;
  m.nv = m.nt = 0;
  AddCube(&m, o, 10, PETSC_TRUE);
  c = Check(&m);
  ck_assert(!c.printable);
  ck_assert_int_eq(c.misoriented_edges, 0);
  ck_assert_double_eq_tol(c.volume_mm3, -1000, 1e-9);
  ck_assert_int_eq(c.inner_shells, 1);
}
END_TEST

START_TEST(cubes_touching_at_a_corner_or_an_edge_are_not_manifold)
{
  static Shape    m;
  const PetscReal a[3] = {0, 0, 0}, corner[3] = {10, 10, 10}, edge[3] = {10, 10, 0};
  TwinfePartCheck c;
  m.nv = m.nt = 0;
  AddCube(&m, a, 10, PETSC_FALSE);
  AddCube(&m, corner, 10, PETSC_FALSE);
  Weld(&m);
  c = Check(&m);
  ck_assert(!c.printable);
  ck_assert_int_eq(c.nonmanifold_vertices, 1);
  ck_assert_int_eq(c.nonmanifold_edges, 0);
  ck_assert_int_eq(c.shells, 2);
  m.nv = m.nt = 0;
  AddCube(&m, a, 10, PETSC_FALSE);
  AddCube(&m, edge, 10, PETSC_FALSE);
  Weld(&m);
  c = Check(&m);
  ck_assert(!c.printable);
  ck_assert_int_eq(c.nonmanifold_edges, 1);
}
END_TEST

START_TEST(a_cavity_is_an_inner_shell_and_overlaps_cross)
{
  static Shape    m;
  const PetscReal a[3] = {0, 0, 0}, inner[3] = {3, 3, 3}, overlap[3] = {5, 5, 5};
  TwinfePartCheck c;
  m.nv = m.nt = 0;
  AddCube(&m, a, 10, PETSC_FALSE);
  AddCube(&m, inner, 2, PETSC_TRUE);
  c = Check(&m);
  ck_assert(c.printable);
  ck_assert_int_eq(c.shells, 2);
  ck_assert_int_eq(c.inner_shells, 1);
  ck_assert_double_eq_tol(c.volume_mm3, 1000 - 8, 1e-9);
  m.nv = m.nt = 0;
  AddCube(&m, a, 10, PETSC_FALSE);
  AddCube(&m, overlap, 10, PETSC_FALSE);
  c = Check(&m);
  ck_assert(!c.printable);
  ck_assert_int_gt(c.self_intersections, 0);
}
END_TEST

/* A torus of n x k quads (radii R, r): closed, one handle, its volume near 2 pi^2 R r^2. */
START_TEST(a_torus_has_one_handle)
{
  static Shape    m;
  const PetscInt  n = 48, k = 24;
  const PetscReal R = 20, r = 6;
  TwinfePartCheck c;
  m.nv = m.nt = 0;
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = 0; j < k; j++) {
      const PetscReal u = 2 * PETSC_PI * i / n, v = 2 * PETSC_PI * j / k;
      m.xyz[3 * m.nv + 0] = (R + r * PetscCosReal(v)) * PetscCosReal(u);
      m.xyz[3 * m.nv + 1] = (R + r * PetscCosReal(v)) * PetscSinReal(u);
      m.xyz[3 * m.nv + 2] = r * PetscSinReal(v);
      m.nv++;
    }
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = 0; j < k; j++) {
      const PetscInt a = i * k + j, b = ((i + 1) % n) * k + j, cc = ((i + 1) % n) * k + (j + 1) % k, d = i * k + (j + 1) % k;
      const PetscInt t[6] = {a, b, cc, a, cc, d};
      for (int q = 0; q < 6; q++)
        m.tri[3 * m.nt + q] = t[q];
      m.nt += 2;
    }
  c = Check(&m);
  ck_assert(c.printable);
  ck_assert_int_eq(c.handles, 1);
  ck_assert_int_eq(c.shells, 1);
  ck_assert_double_eq_tol(c.volume_mm3 / (2 * PETSC_PI * PETSC_PI * R * r * r), 1, 0.02);
  {
    /* every vertex's inward normal runs through its tube's centre circle to the far side: the
       wall is the tube's diameter 2 r (the polygon's chord through 24 sides: within 1%) */
    PetscReal       thickness[48 * 24];
    TwinfeThinSpot *spots;
    PetscInt        nspots;
    TWINFE_CK(TwinfeSurfaceComputeThickness(m.nv, m.xyz, m.nt, m.tri, 0, thickness)); /* single rays */
    for (PetscInt v = 0; v < m.nv; v++)
      ck_assert_double_eq_tol(thickness[v], 2 * r, 0.01 * 2 * r);
    TWINFE_CK(TwinfeSurfaceFindThinSpots(m.nv, m.xyz, m.nt, m.tri, thickness, 1.05 * 2 * r, &nspots, &spots));
    ck_assert_int_eq(nspots, 1); /* the whole torus, one connected spot */
    ck_assert_int_eq(spots[0].vertices, m.nv);
    ck_assert_double_eq_tol(spots[0].area_mm2, c.area_mm2, 1e-9 * c.area_mm2);
    TWINFE_CK(PetscFree(spots));
    TWINFE_CK(TwinfeSurfaceFindThinSpots(m.nv, m.xyz, m.nt, m.tri, thickness, 0.95 * 2 * r, &nspots, &spots));
    ck_assert_int_eq(nspots, 0);
    TWINFE_CK(PetscFree(spots));
  }
}
END_TEST

/* A 10 mm cube with a 1 mm plate standing on it: the plate's sides are one thin spot of about
   1 mm, found where it is; the cube's faces are thicker. */
START_TEST(a_thin_plate_is_a_thin_spot)
{
  static Shape    m;
  const PetscReal o[3] = {0, 0, 0};
  PetscReal      *thickness;
  TwinfeThinSpot *spots;
  PetscInt        nspots;
  m.nv = m.nt = 0;
  /* the plate: 8 x 1 x 6 mm, apart from the cube (two shells: the map is per vertex anyway) */
  AddCube(&m, o, 10, PETSC_FALSE);
  {
    const PetscReal size[3] = {8, 1, 6}, at[3] = {1, 4.5, 12};
    AddBox(&m, at, size, PETSC_FALSE);
  }
  TWINFE_CK(PetscMalloc1(m.nv, &thickness));
  TWINFE_CK(TwinfeSurfaceComputeThickness(m.nv, m.xyz, m.nt, m.tri, 4.0, thickness)); /* cones below 4 mm */
  TWINFE_CK(TwinfeSurfaceFindThinSpots(m.nv, m.xyz, m.nt, m.tri, thickness, 2.0, &nspots, &spots));
  ck_assert_int_eq(nspots, 1);
  ck_assert_int_eq(spots[0].vertices, 8); /* the plate's corners, not the cube's */
  /* a corner's normal is mostly its big face's (area-weighted): the ray crosses the plate nearly square */
  ck_assert(spots[0].min_mm >= 1.0 && spots[0].min_mm < 1.1);
  ck_assert(spots[0].at[2] >= 12);
  for (PetscInt v = 0; v < 8; v++)
    ck_assert_double_gt(thickness[v], 2.0);
  TWINFE_CK(PetscFree(spots));
  TWINFE_CK(PetscFree(thickness));
}
END_TEST

/* Two boxes of voxels side by side, labels 1 and 2: each label's boundary and their union's are
   closed and outward; the union holds both volumes and no interface triangle. */
START_TEST(merged_labels_bound_their_union)
{
  const PetscInt  dims[3]    = {12, 10, 9};
  const PetscReal spacing[3] = {1.0, 0.8, 1.2}, origin[3] = {10, -5, 30}, D[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  const int32_t   both[2] = {1, 2};
  TwinfeImage     image;
  TwinfeSurface   surface;
  int32_t        *l;
  PetscReal      *xyz, v1, v2;
  PetscInt       *tri, nv, nt, n1, n2;
  TwinfePartCheck c;
  TWINFE_CK(TwinfeImageCreate(dims, spacing, origin, D, &image));
  TWINFE_CK(TwinfeImageGetLabels(image, &l));
  for (PetscInt k = 2; k < 7; k++)
    for (PetscInt j = 2; j < 8; j++)
      for (PetscInt i = 2; i < 10; i++)
        l[i + dims[0] * (j + dims[1] * k)] = i < 6 ? 1 : 2;
  TWINFE_CK(TwinfeSurfaceCreateFromImage(image, 2, both, &surface));
  TWINFE_CK(TwinfeSurfaceComputeLabelVolume(surface, 1, &v1));
  TWINFE_CK(TwinfeSurfaceComputeLabelVolume(surface, 2, &v2));
  TWINFE_CK(TwinfeSurfaceExtractLabels(surface, 1, both, &nv, &xyz, &n1, &tri));
  TWINFE_CK(TwinfeSurfaceCheckPart(nv, xyz, n1, tri, &c));
  ck_assert(c.printable);
  ck_assert_double_eq_tol(c.volume_mm3, v1, 1e-9 * v1);
  TWINFE_CK(PetscFree(xyz));
  TWINFE_CK(PetscFree(tri));
  TWINFE_CK(TwinfeSurfaceExtractLabels(surface, 2, both, &nv, &xyz, &nt, &tri));
  TWINFE_CK(TwinfeSurfaceCheckPart(nv, xyz, nt, tri, &c));
  ck_assert(c.printable);
  ck_assert_int_eq(c.shells, 1);
  ck_assert_double_eq_tol(c.volume_mm3, v1 + v2, 1e-9 * (v1 + v2));
  ck_assert_double_eq_tol(c.volume_mm3, 8 * 6 * 5 * 1.0 * 0.8 * 1.2, 1e-9);
  TWINFE_CK(PetscFree(xyz));
  TWINFE_CK(PetscFree(tri));
  /* the union has no interface triangle: fewer triangles than the two labels' boundaries */
  TWINFE_CK(TwinfeSurfaceExtractLabel(surface, 2, &nv, &xyz, &n2, &tri));
  ck_assert_int_lt(nt, n1 + n2);
  TWINFE_CK(PetscFree(xyz));
  TWINFE_CK(PetscFree(tri));
  TWINFE_CK(TwinfeSurfaceDestroy(&surface));
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("surface_print");
  TCase *tc = tcase_create("surface_print");
  tcase_add_test(tc, a_closed_cube_is_printable);
  tcase_add_test(tc, open_flipped_and_degenerate_triangles_are_defects);
  tcase_add_test(tc, an_inside_out_cube_has_negative_volume);
  tcase_add_test(tc, cubes_touching_at_a_corner_or_an_edge_are_not_manifold);
  tcase_add_test(tc, a_cavity_is_an_inner_shell_and_overlaps_cross);
  tcase_add_test(tc, a_torus_has_one_handle);
  tcase_add_test(tc, merged_labels_bound_their_union);
  tcase_add_test(tc, a_thin_plate_is_a_thin_spot);
  suite_add_tcase(s, tc);
  return s;
}
