/* Hollowing (surface/hollow.c) on shapes of known radii: a ball's shell has the volume of the
 * ball less the ball the wall's depth smaller, and the wall its thickness; drain holes join the
 * cavity to the outside; a vessel's lumen gets a wall of its own and open ends.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_checks.h"

#include <twinfe/surface.h>

typedef struct {
  PetscInt   nv, nt;
  PetscReal *xyz;
  PetscInt  *tri;
} Shape;

static void Tri(Shape *m, PetscInt a, PetscInt b, PetscInt c)
{
  m->tri[3 * m->nt] = a, m->tri[3 * m->nt + 1] = b, m->tri[3 * m->nt + 2] = c;
  m->nt++;
}

static void Vertex(Shape *m, PetscReal x, PetscReal y, PetscReal z)
{
  m->xyz[3 * m->nv] = x, m->xyz[3 * m->nv + 1] = y, m->xyz[3 * m->nv + 2] = z;
  m->nv++;
}

/* A latitude-longitude ball of radius r at the origin, triangles outward. */
static Shape Ball(PetscReal r, PetscInt nlat, PetscInt nlon)
{
  Shape m = {0, 0, NULL, NULL};
  TWINFE_CK(PetscMalloc2(3 * (nlat * nlon + 2), &m.xyz, 6 * nlat * nlon, &m.tri));
  Vertex(&m, 0, 0, r);
  for (PetscInt i = 1; i < nlat; i++)
    for (PetscInt j = 0; j < nlon; j++) {
      const PetscReal theta = PETSC_PI * i / nlat, phi = 2 * PETSC_PI * j / nlon;
      Vertex(&m, r * PetscSinReal(theta) * PetscCosReal(phi), r * PetscSinReal(theta) * PetscSinReal(phi),
             r * PetscCosReal(theta));
    }
  Vertex(&m, 0, 0, -r);
#define RING(i, j) (1 + ((i)-1) * nlon + ((j) % nlon))
  for (PetscInt j = 0; j < nlon; j++) {
    Tri(&m, 0, RING(1, j), RING(1, j + 1));
    Tri(&m, m.nv - 1, RING(nlat - 1, j + 1), RING(nlat - 1, j));
    for (PetscInt i = 1; i < nlat - 1; i++) {
      Tri(&m, RING(i, j), RING(i + 1, j), RING(i + 1, j + 1));
      Tri(&m, RING(i, j), RING(i + 1, j + 1), RING(i, j + 1));
    }
  }
#undef RING
  return m;
}

/* A closed cylinder of radius r from z = 0 to z = length along the z axis, flat ends. */
static Shape Cylinder(PetscReal r, PetscReal length, PetscInt nz, PetscInt nphi)
{
  Shape m = {0, 0, NULL, NULL};
  TWINFE_CK(PetscMalloc2(3 * ((nz + 1) * nphi + 2), &m.xyz, 6 * (nz + 1) * nphi, &m.tri));
  for (PetscInt i = 0; i <= nz; i++)
    for (PetscInt j = 0; j < nphi; j++) {
      const PetscReal phi = 2 * PETSC_PI * j / nphi;
      Vertex(&m, r * PetscCosReal(phi), r * PetscSinReal(phi), length * i / nz);
    }
  Vertex(&m, 0, 0, 0);
  Vertex(&m, 0, 0, length);
#define RING(i, j) ((i)*nphi + ((j) % nphi))
  for (PetscInt j = 0; j < nphi; j++) {
    Tri(&m, m.nv - 2, RING(0, j + 1), RING(0, j));
    Tri(&m, m.nv - 1, RING(nz, j), RING(nz, j + 1));
    for (PetscInt i = 0; i < nz; i++) {
      Tri(&m, RING(i, j), RING(i, j + 1), RING(i + 1, j + 1));
      Tri(&m, RING(i, j), RING(i + 1, j + 1), RING(i + 1, j));
    }
  }
#undef RING
  return m;
}

static void Free(Shape *m)
{
  TWINFE_CK(PetscFree2(m->xyz, m->tri));
}

/* TwinfeSurfaceHollow's arrays are allocated one by one. */
static void FreeHollow(Shape *m)
{
  TWINFE_CK(PetscFree(m->xyz));
  TWINFE_CK(PetscFree(m->tri));
}

static TwinfePartCheck Hollow(const Shape *in, const TwinfeHollowSpec *spec, Shape *out, TwinfeHollowStats *stats)
{
  TwinfePartCheck c;
  TWINFE_CK(TwinfeSurfaceHollow(in->nv, in->xyz, in->nt, in->tri, spec, &out->nv, &out->xyz, &out->nt, &out->tri, stats));
  TWINFE_CK(TwinfeSurfaceCheckPart(out->nv, out->xyz, out->nt, out->tri, &c));
  return c;
}

static PetscReal MedianThickness(const Shape *m)
{
  PetscReal *t, median;
  PetscInt   n = 0;
  TWINFE_CK(PetscMalloc1(m->nv, &t));
  TWINFE_CK(TwinfeSurfaceComputeThickness(m->nv, m->xyz, m->nt, m->tri, 0, t));
  for (PetscInt v = 0; v < m->nv; v++)
    if (t[v] >= 0) t[n++] = t[v];
  TWINFE_CK(PetscSortReal(n, t));
  median = t[n / 2];
  TWINFE_CK(PetscFree(t));
  return median;
}

START_TEST(a_hollow_ball_has_the_volume_and_wall_of_its_radii)
{
  Shape             ball = Ball(20, 90, 180), shell;
  TwinfeHollowSpec  spec = {.wall_mm = 3};
  TwinfeHollowStats stats;
  TwinfePartCheck   solid, c;
  TWINFE_CK(TwinfeSurfaceCheckPart(ball.nv, ball.xyz, ball.nt, ball.tri, &solid));
  c = Hollow(&ball, &spec, &shell, &stats);
  ck_assert(c.printable);
  ck_assert_int_eq(c.shells, 2);
  ck_assert_int_eq(c.inner_shells, 1);
  ck_assert_int_eq(c.handles, 0);
  /* the known radii: the outer ball as given (its polyhedron's volume), the cavity 3 mm less */
  const PetscReal expected = solid.volume_mm3 - 4 * PETSC_PI / 3 * 17 * 17 * 17;
  ck_assert_msg(PetscAbsReal(c.volume_mm3 - expected) < 0.01 * expected, "shell volume %g, expected %g", (double)c.volume_mm3,
                (double)expected);
  const PetscReal wall = MedianThickness(&shell);
  printf("hollow ball: volume %.1f mm^3 (%.1f expected, %+.2f%%), median wall %.3f mm\n", (double)c.volume_mm3, (double)expected,
         (double)(100 * (c.volume_mm3 / expected - 1)), (double)wall);
  ck_assert_msg(PetscAbsReal(wall - 3) < 0.05 * 3, "wall %g mm, expected 3", (double)wall);
  ck_assert_double_le(stats.spacing_mm, 1.0 + 1e-12);
  ck_assert_double_lt(stats.max_deviation_mm, 0.1);
  FreeHollow(&shell);
  Free(&ball);
}
END_TEST

START_TEST(drain_holes_open_the_cavity)
{
  Shape             ball     = Ball(20, 90, 180), shell, drained;
  const PetscReal   holes[6] = {0, 0, -30, 25, 0, 0}; /* below the ball and beside it */
  TwinfeHollowSpec  spec = {.wall_mm = 3}, with_holes = {.wall_mm = 3, .nholes = 2, .holes = holes, .hole_diameter_mm = 4};
  TwinfeHollowStats stats;
  TwinfePartCheck   closed = Hollow(&ball, &spec, &shell, NULL), c = Hollow(&ball, &with_holes, &drained, &stats);
  ck_assert(c.printable);
  /* outer and inner surface joined by two tunnels: one shell with one handle */
  ck_assert_int_eq(c.shells, 1);
  ck_assert_int_eq(c.inner_shells, 0);
  ck_assert_int_eq(c.handles, 1);
  /* each hole takes about a 4 mm cylinder through the 3 mm wall */
  const PetscReal removed = closed.volume_mm3 - c.volume_mm3, plug = PETSC_PI * 2 * 2 * 3;
  ck_assert_msg(removed > 1.5 * plug && removed < 2.5 * plug, "the holes removed %g mm^3, two plugs are %g", (double)removed,
                (double)(2 * plug));
  /* each where asked: the surface point nearest the point given */
  ck_assert_double_eq_tol(stats.hole_at[2], -20, 0.05);
  ck_assert_double_eq_tol(stats.hole_at[3], 20, 0.05);
  FreeHollow(&drained);
  FreeHollow(&shell);
  Free(&ball);
}
END_TEST

START_TEST(a_vessel_gets_a_wall_and_open_ends)
{
  Shape             lumen    = Cylinder(5, 40, 40, 120), tube;
  const PetscReal   ends[14] = {0, 0, 0, 0, 0, -1, 5, 0, 0, 40, 0, 0, 1, 5};
  TwinfeHollowSpec  spec     = {.wall_mm = 1.5, .outward = PETSC_TRUE, .nopenings = 2, .openings = ends};
  TwinfeHollowStats stats;
  TwinfePartCheck   c = Hollow(&lumen, &spec, &tube, &stats);
  ck_assert(c.printable);
  /* a pipe open at both ends is a torus: one shell, one handle */
  ck_assert_int_eq(c.shells, 1);
  ck_assert_int_eq(c.handles, 1);
  const PetscReal expected = PETSC_PI * (6.5 * 6.5 - 5 * 5) * 40;
  printf("tube: volume %.1f mm^3 (%.1f expected, %+.2f%%)\n", (double)c.volume_mm3, (double)expected,
         (double)(100 * (c.volume_mm3 / expected - 1)));
  ck_assert_msg(PetscAbsReal(c.volume_mm3 - expected) < 0.02 * expected, "tube volume %g, expected %g", (double)c.volume_mm3,
                (double)expected);
  ck_assert_double_lt(stats.max_deviation_mm, 0.1);
  FreeHollow(&tube);
  Free(&lumen);
}
END_TEST

START_TEST(bad_specs_are_refused)
{
  Shape            ball    = Ball(5, 10, 20), out;
  const PetscReal  hole[3] = {0, 0, 0}, tilted[7] = {0, 0, 0, 1, 1, 0, 2};
  TwinfeHollowSpec no_wall = {.wall_mm = 0}, no_diameter = {.wall_mm = 1, .nholes = 1, .holes = hole},
                   not_unit = {.wall_mm = 1, .nopenings = 1, .openings = tilted};
  PetscErrorCode ierr;
  TWINFE_CK(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = TwinfeSurfaceHollow(ball.nv, ball.xyz, ball.nt, ball.tri, &no_wall, &out.nv, &out.xyz, &out.nt, &out.tri, NULL);
  ck_assert_int_eq(ierr, PETSC_ERR_ARG_OUTOFRANGE);
  ierr = TwinfeSurfaceHollow(ball.nv, ball.xyz, ball.nt, ball.tri, &no_diameter, &out.nv, &out.xyz, &out.nt, &out.tri, NULL);
  ck_assert_int_eq(ierr, PETSC_ERR_ARG_OUTOFRANGE);
  ierr = TwinfeSurfaceHollow(ball.nv, ball.xyz, ball.nt, ball.tri, &not_unit, &out.nv, &out.xyz, &out.nt, &out.tri, NULL);
  ck_assert_int_eq(ierr, PETSC_ERR_ARG_WRONG);
  TWINFE_CK(PetscPopErrorHandler());
  Free(&ball);
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("surface_hollow");
  TCase *tc = tcase_create("surface_hollow");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, a_hollow_ball_has_the_volume_and_wall_of_its_radii);
  tcase_add_test(tc, drain_holes_open_the_cavity);
  tcase_add_test(tc, a_vessel_gets_a_wall_and_open_ends);
  tcase_add_test(tc, bad_specs_are_refused);
  suite_add_tcase(s, tc);
  return s;
}
