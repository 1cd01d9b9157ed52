/* Conformal multi-region meshes from voxel-face surfaces: region volumes, orientation,
 * conformity of interfaces, facet tags, names and element quality.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_checks.h"
#include <twinfe/core.h>
#include <twinfe/mesh.h>

#include <twinfe/surface.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A small label grid with anisotropic voxels far from the origin (LPS mm), so that volumes
   and orientation are checked away from the unit cube. */
/* -report prints tet counts, quality and timing of each mesh (silent by default). */
static PetscBool report = PETSC_FALSE;

typedef struct {
  PetscInt  n[3];
  PetscReal h[3], origin[3];
  int32_t  *label; /* i fastest */
} Grid;

static int32_t GridLabel(const Grid *g, PetscInt i, PetscInt j, PetscInt k)
{
  if (i < 0 || j < 0 || k < 0 || i >= g->n[0] || j >= g->n[1] || k >= g->n[2]) return 0;
  return g->label[i + g->n[0] * (j + g->n[1] * k)];
}

static PetscInt CornerIndex(const Grid *g, const PetscInt c[3])
{
  return c[0] + (g->n[0] + 1) * (c[1] + (g->n[1] + 1) * c[2]);
}

/* The voxel-face surface: two triangles per face between different labels, labels
   (inside, outside) = (max, min), normal from the higher label to the lower. Unused
   corners are dropped so every vertex lies on the surface. */
static PetscErrorCode VoxelSurface(const Grid *g, TwinfeSurface *surface)
{
  PetscInt   ncorners = (g->n[0] + 1) * (g->n[1] + 1) * (g->n[2] + 1), nt = 0, nv = 0;
  PetscInt  *tri, *map;
  int32_t   *lab;
  PetscReal *xyz;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(12 * ncorners, &tri, 4 * ncorners, &lab, ncorners, &map));
  for (int d = 0; d < 3; d++) {
    const int u = (d + 1) % 3, w = (d + 2) % 3;
    PetscInt  c[3];
    for (c[2] = 0; c[2] <= g->n[2]; c[2]++)
      for (c[1] = 0; c[1] <= g->n[1]; c[1]++)
        for (c[0] = 0; c[0] <= g->n[0]; c[0]++) {
          PetscInt q[4][3], below[3] = {c[0], c[1], c[2]}, v[4];
          int32_t  a, b;
          if (c[u] == g->n[u] || c[w] == g->n[w]) continue;
          below[d]--;
          a = GridLabel(g, below[0], below[1], below[2]); /* the voxel on the -d side */
          b = GridLabel(g, c[0], c[1], c[2]);             /* the voxel on the +d side */
          if (a == b) continue;
          for (int k = 0; k < 4; k++)
            memcpy(q[k], c, sizeof c);
          q[1][u]++;
          q[2][u]++, q[2][w]++;
          q[3][w]++;
          for (int k = 0; k < 4; k++)
            v[k] = CornerIndex(g, q[k]);
          if (a < b) { /* corners give normal +d; it must point from the higher label */
            PetscInt s = v[1];
            v[1] = v[3], v[3] = s;
          }
          tri[3 * nt] = v[0], tri[3 * nt + 1] = v[1], tri[3 * nt + 2] = v[2];
          lab[2 * nt] = PetscMax(a, b), lab[2 * nt + 1] = PetscMin(a, b), nt++;
          tri[3 * nt] = v[0], tri[3 * nt + 1] = v[2], tri[3 * nt + 2] = v[3];
          lab[2 * nt] = PetscMax(a, b), lab[2 * nt + 1] = PetscMin(a, b), nt++;
        }
  }
  for (PetscInt i = 0; i < ncorners; i++)
    map[i] = -1;
  for (PetscInt i = 0; i < 3 * nt; i++)
    if (map[tri[i]] < 0) map[tri[i]] = nv++;
  PetscCall(PetscMalloc1(3 * nv, &xyz));
  for (PetscInt i = 0; i < ncorners; i++)
    if (map[i] >= 0) {
      PetscInt c[3] = {i % (g->n[0] + 1), (i / (g->n[0] + 1)) % (g->n[1] + 1), i / ((g->n[0] + 1) * (g->n[1] + 1))};
      for (int d = 0; d < 3; d++)
        xyz[3 * map[i] + d] = g->origin[d] + g->h[d] * c[d];
    }
  for (PetscInt i = 0; i < 3 * nt; i++)
    tri[i] = map[tri[i]];
  PetscCall(TwinfeSurfaceCreate(nv, xyz, nt, tri, lab, surface));
  PetscCall(PetscFree(xyz));
  PetscCall(PetscFree3(tri, lab, map));
  PetscFunctionReturn(0);
}

static PetscErrorCode GridCreate(PetscInt nx, PetscInt ny, PetscInt nz, Grid *g)
{
  PetscFunctionBeginUser;
  g->n[0] = nx, g->n[1] = ny, g->n[2] = nz;
  g->h[0] = 1.5, g->h[1] = 1.0, g->h[2] = 2.0;
  g->origin[0] = -120.0, g->origin[1] = 85.0, g->origin[2] = 310.0;
  g->label = (int32_t *)calloc((size_t)(nx * ny * nz), sizeof(int32_t)); /* freed with free() by the tests */
  PetscCheck(g->label, PETSC_COMM_SELF, PETSC_ERR_MEM, "no memory for the test grid");
  PetscFunctionReturn(0);
}

static PetscReal GridLabelVolume(const Grid *g, int32_t label)
{
  PetscInt n = 0;
  for (PetscInt i = 0; i < g->n[0] * g->n[1] * g->n[2]; i++)
    n += g->label[i] == label;
  return (PetscReal)n * g->h[0] * g->h[1] * g->h[2];
}

/* Two boxes side by side (1 | 2), region 2 with a notch cut out of one corner. */
static PetscErrorCode TouchingGrid(Grid *g)
{
  PetscFunctionBeginUser;
  PetscCall(GridCreate(8, 6, 5, g));
  for (PetscInt k = 0; k < 5; k++)
    for (PetscInt j = 0; j < 6; j++)
      for (PetscInt i = 0; i < 8; i++)
        g->label[i + 8 * (j + 6 * k)] = (i >= 6 && j >= 4) ? 0 : (i < 4 ? 1 : 2);
  PetscFunctionReturn(0);
}

/* Box 3 inside box 1: region 1 has a hole. */
static PetscErrorCode NestedGrid(Grid *g)
{
  PetscFunctionBeginUser;
  PetscCall(GridCreate(8, 8, 7, g));
  for (PetscInt k = 0; k < 7; k++)
    for (PetscInt j = 0; j < 8; j++)
      for (PetscInt i = 0; i < 8; i++)
        g->label[i + 8 * (j + 8 * k)] = (i >= 3 && i < 6 && j >= 2 && j < 5 && k >= 2 && k < 5) ? 3 : 1;
  PetscFunctionReturn(0);
}

/* Boxes 2 | 4 touching each other inside box 1: triple lines, a hole made of two patches. */
static PetscErrorCode TripleGrid(Grid *g)
{
  PetscFunctionBeginUser;
  PetscCall(GridCreate(10, 9, 8, g));
  for (PetscInt k = 0; k < 8; k++)
    for (PetscInt j = 0; j < 9; j++)
      for (PetscInt i = 0; i < 10; i++) {
        PetscBool inner                = (PetscBool)(i >= 2 && i < 8 && j >= 3 && j < 6 && k >= 2 && k < 6);
        g->label[i + 10 * (j + 9 * k)] = inner ? (i < 5 ? 2 : 4) : 1;
      }
  PetscFunctionReturn(0);
}

/* Two boxes of label 1 apart; the left one has an empty cavity, the right one holds a box
   of label 3: region 1 has two outer shells and two holes, each hole to be put in the right
   outer shell. */
static PetscErrorCode ComponentsGrid(Grid *g)
{
  PetscFunctionBeginUser;
  PetscCall(GridCreate(14, 7, 7, g));
  for (PetscInt k = 0; k < 7; k++)
    for (PetscInt j = 0; j < 7; j++)
      for (PetscInt i = 0; i < 14; i++) {
        PetscBool core = (PetscBool)(j >= 2 && j < 5 && k >= 2 && k < 5);
        int32_t   l    = (i < 6 || i >= 8) ? 1 : 0;
        if (core && i >= 2 && i < 4) l = 0;
        if (core && i >= 10 && i < 12) l = 3;
        g->label[i + 14 * (j + 7 * k)] = l;
      }
  PetscFunctionReturn(0);
}

static void CheckPositiveTets(TwinfeMesh mesh)
{
  PetscInt         ntets;
  const PetscInt  *tets;
  const PetscReal *x;
  TWINFE_CK(TwinfeMeshGetTetrahedra(mesh, &ntets, &tets, NULL));
  TWINFE_CK(TwinfeMeshGetVertices(mesh, NULL, &x));
  for (PetscInt t = 0; t < ntets; t++) {
    const PetscReal *p[4];
    PetscReal        a[3], b[3], c[3], det;
    for (int k = 0; k < 4; k++)
      p[k] = &x[3 * tets[4 * t + k]];
    for (int d = 0; d < 3; d++)
      a[d] = p[1][d] - p[0][d], b[d] = p[2][d] - p[0][d], c[d] = p[3][d] - p[0][d];
    det = a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]);
    ck_assert_msg(det > 0, "tet %d has det %g", (int)t, (double)det);
  }
}

/* Mesh a surface and check everything the mesh stage promises: one region per label with the
   given name, region volumes within rel_tol of the expected ones, positive tets, conforming
   interfaces with the right facet tags, and element quality above a floor. */
static void CheckSurfaceMesh(TwinfeSurface surface, PetscInt nregions, const int32_t labels[], const char *const names[],
                             const PetscReal expected[], PetscReal rel_tol, const char *what)
{
  TwinfeMesh     mesh;
  PetscInt       nfound, ntets;
  const int32_t *found;
  PetscReal      volumes[8], gmin, gmean, dmin, worst = 0, peeled;
  PetscLogDouble t0, t1;

  TWINFE_CK(PetscTime(&t0));
  TWINFE_CK(TwinfeMeshCreateFromSurface(surface, nregions, labels, names, &mesh));
  TWINFE_CK(PetscTime(&t1));
  TWINFE_CK(TwinfeMeshGetRegions(mesh, &nfound, &found));
  ck_assert_int_eq(nfound, nregions);
  TWINFE_CK(TwinfeMeshComputeRegionVolumes(mesh, volumes));
  {
    PetscBool              improved;
    TwinfeMeshImproveStats stats;
    TWINFE_CK(TwinfeMeshGetImproveStats(mesh, &improved, &stats));
    /* A boundary sliver the repair peels takes its volume with it (TwinfeMeshImproveStats: the
       only change the mesh stage makes to a region's volume). HXT's meshes differ from run to
       run: CI once saw the split ball 7e-6 off (2026-12-04), not reproduced in 31 runs here
       (all within 1e-14, nothing peeled); -report prints the peeled volume. */
    peeled = improved ? stats.peeled_volume_mm3 : 0;
  }
  for (PetscInt r = 0; r < nfound; r++) {
    const char *name;
    PetscInt    i;
    for (i = 0; i < nregions && labels[i] != found[r]; i++) {
    }
    ck_assert_int_lt(i, nregions);
    ck_assert_double_eq_tol(volumes[r], expected[i], rel_tol * expected[i] + peeled);
    if (PetscAbsReal(volumes[r] / expected[i] - 1) > PetscAbsReal(worst)) worst = volumes[r] / expected[i] - 1;
    TWINFE_CK(TwinfeMeshGetRegionName(mesh, found[r], &name));
    ck_assert_str_eq(name, names[i]);
  }
  CheckPositiveTets(mesh);
  twinfe_test_check_conforming(mesh);
  TWINFE_CK(TwinfeMeshComputeQuality(mesh, &gmin, &gmean, &dmin));
  TWINFE_CK(TwinfeMeshGetTetrahedra(mesh, &ntets, NULL, NULL));
  if (report)
    printf("# %s: %d tets, min gamma %.3f, mean gamma %.3f, min dihedral %.1f deg, worst volume change %+.2e (peeled %.3g "
           "mm^3), %.2f s\n",
           what, (int)ntets, (double)gmin, (double)gmean, (double)dmin, (double)worst, (double)peeled, (double)(t1 - t0));
  /* Measured with HXT and Mesh.Optimize = 1 on these surfaces over 25 runs of this program
     (HXT is not bit-reproducible): min gamma 0.088-0.34 (usually >= 0.15), mean 0.63-0.75.
     HXT can keep one sliver pinned between surface triangles in a rare run, so the floor is on
     the count of poor tets (gamma < 0.1, at most 3) with every tet of positive volume: that
     still fails on the slivers that Mesh.Optimize = 0 leaves here (min gamma 1e-17 to 0.016). */
  ck_assert_int_le(twinfe_test_count_poor_tets(mesh), 3);
  ck_assert_double_gt(gmin, 0);
  ck_assert_double_gt(gmean, 0.5);
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  ck_assert_ptr_null(mesh);
}

static void CheckGridMesh(Grid *g, PetscInt nregions, const int32_t labels[], const char *const names[], const char *what)
{
  TwinfeSurface surface;
  PetscReal     expected[8];
  TWINFE_CK(VoxelSurface(g, &surface));
  for (PetscInt r = 0; r < nregions; r++)
    expected[r] = GridLabelVolume(g, labels[r]);
  /* The surface is kept exactly and the tets fill it, so only rounding separates the
     volumes: 1e-9 relative is many orders above double rounding over a few thousand tets. */
  CheckSurfaceMesh(surface, nregions, labels, names, expected, 1e-9, what);
  TWINFE_CK(TwinfeSurfaceDestroy(&surface));
}

/* ---------------------------------------------------------------- label images */

typedef enum { ONE_BALL, SPLIT_BALL, NESTED_BALLS } BallCase;

/* Balls on a 1.2 x 1.2 x 1.5 mm grid with a rotated direction matrix: one ball (label 5,
   r 11 mm), a ball (r 13 mm) split by the plane x = centre into labels 1 | 2, or a ball of
   label 2 (r 6 mm, off centre) inside a ball of label 1 (r 14 mm). */
static PetscErrorCode BallImage(BallCase which, TwinfeImage *image)
{
  const PetscInt  dims[3]    = {30, 30, 24};
  const PetscReal spacing[3] = {1.2, 1.2, 1.5}, origin[3] = {-40.0, 120.0, -300.0};
  const PetscReal c = 0.8660254037844387, s = 0.5; /* 30 degrees about z */
  const PetscReal direction[9] = {c, -s, 0, s, c, 0, 0, 0, 1};
  int32_t        *lab;

  PetscFunctionBeginUser;
  PetscCall(TwinfeImageCreate(dims, spacing, origin, direction, image));
  PetscCall(TwinfeImageGetLabels(*image, &lab));
  for (PetscInt k = 0; k < dims[2]; k++)
    for (PetscInt j = 0; j < dims[1]; j++)
      for (PetscInt i = 0; i < dims[0]; i++) {
        const PetscReal x = (i - 14.5) * spacing[0], y = (j - 14.5) * spacing[1], z = (k - 11.5) * spacing[2];
        const PetscReal r = PetscSqrtReal(x * x + y * y + z * z);
        const PetscReal q = PetscSqrtReal((x - 2) * (x - 2) + (y + 1) * (y + 1) + z * z);
        int32_t         l = 0;
        if (which == ONE_BALL) l = r < 11 ? 5 : 0;
        if (which == SPLIT_BALL) l = r < 13 ? (x < 0 ? 1 : 2) : 0;
        if (which == NESTED_BALLS) l = q < 6 ? 2 : (r < 14 ? 1 : 0);
        lab[i + dims[0] * (j + dims[1] * k)] = l;
      }
  PetscFunctionReturn(0);
}

static void CheckBallMesh(BallCase which, PetscInt nregions, const int32_t labels[], const char *const names[], const char *what)
{
  TwinfeImage   image;
  TwinfeSurface surface;
  PetscReal     expected[8], voxel;
  char          label[128];

  TWINFE_CK(BallImage(which, &image));
  TWINFE_CK(TwinfeImageGetVoxelVolume(image, &voxel));
  for (PetscInt r = 0; r < nregions; r++) {
    PetscInt count;
    TWINFE_CK(TwinfeImageCountLabel(image, labels[r], &count));
    expected[r] = (PetscReal)count * voxel;
  }
  TWINFE_CK(TwinfeSurfaceCreateFromImage(image, nregions, labels, &surface));
  /* unsmoothed surface nets lie on voxel faces: exact voxel volumes (see CheckGridMesh) */
  snprintf(label, sizeof label, "%s, voxel faces", what);
  CheckSurfaceMesh(surface, nregions, labels, names, expected, 1e-9, label);
  /* Smoothed: the mesh must keep the smoothed triangles, so its region volumes equal the
     volumes the surface encloses (1e-9, as above); and those stay within 3% of the voxel
     volume. Windowed-sinc smoothing with the defaults changed real labels by -0.5% to -9%
     (docs/stack-measurements.md, small ones worst); on these balls of >= 5 voxels radius it measured -0.5%,
     so 3% bounds it with margin yet fails for a region part dropped or doubled. */
  TWINFE_CK(TwinfeSurfaceSmooth(surface, -1, -1, -1));
  for (PetscInt r = 0; r < nregions; r++) {
    PetscReal enclosed;
    TWINFE_CK(TwinfeSurfaceComputeLabelVolume(surface, labels[r], &enclosed));
    ck_assert_double_eq_tol(enclosed, expected[r], 0.03 * expected[r]);
    expected[r] = enclosed;
  }
  snprintf(label, sizeof label, "%s, smoothed", what);
  CheckSurfaceMesh(surface, nregions, labels, names, expected, 1e-9, label);
  TWINFE_CK(TwinfeSurfaceDestroy(&surface));
  TWINFE_CK(TwinfeImageDestroy(&image));
}

START_TEST(one_ball_from_an_image)
{
  const int32_t     labels[] = {5};
  const char *const names[]  = {"liver"};
  CheckBallMesh(ONE_BALL, 1, labels, names, "ball");
}
END_TEST

START_TEST(ball_split_in_two_labels)
{
  const int32_t     labels[] = {1, 2};
  const char *const names[]  = {"left_lobe", "right_lobe"};
  CheckBallMesh(SPLIT_BALL, 2, labels, names, "split ball");
}
END_TEST

START_TEST(ball_nested_in_a_larger_ball)
{
  const int32_t     labels[] = {1, 2};
  const char *const names[]  = {"kidney", "tumor"};
  CheckBallMesh(NESTED_BALLS, 2, labels, names, "nested balls");
}
END_TEST

START_TEST(touching_regions_share_a_conforming_interface)
{
  Grid              g;
  const int32_t     labels[] = {1, 2};
  const char *const names[]  = {"liver", "tumor"};
  TWINFE_CK(TouchingGrid(&g));
  CheckGridMesh(&g, 2, labels, names, "touching");
  free(g.label);
}
END_TEST

START_TEST(nested_region_is_a_hole_of_the_outer_one)
{
  Grid              g;
  const int32_t     labels[] = {3, 1};
  const char *const names[]  = {"lesion", "organ"};
  TWINFE_CK(NestedGrid(&g));
  CheckGridMesh(&g, 2, labels, names, "nested");
  free(g.label);
}
END_TEST

START_TEST(triple_lines_between_three_regions)
{
  Grid              g;
  const int32_t     labels[] = {1, 2, 4};
  const char *const names[]  = {"kidney", "tumor_a", "tumor_b"};
  TWINFE_CK(TripleGrid(&g));
  CheckGridMesh(&g, 3, labels, names, "triple");
  free(g.label);
}
END_TEST

START_TEST(components_and_cavities)
{
  Grid              g;
  const int32_t     labels[] = {1, 3};
  const char *const names[]  = {"organ", "lesion"};
  TWINFE_CK(ComponentsGrid(&g));
  CheckGridMesh(&g, 2, labels, names, "components");
  free(g.label);
}
END_TEST

/* Meshing only region 2 of the touching pair: region 1 becomes background, so the interface
   is region 2's outer surface (tag 2) and no tet is labelled 1. */
START_TEST(unlisted_label_counts_as_background)
{
  Grid           g;
  TwinfeSurface  surface;
  TwinfeMesh     mesh;
  const int32_t  label = 2;
  PetscInt       nregions, nfacets;
  const int32_t *tags;
  PetscReal      volume;
  TWINFE_CK(TouchingGrid(&g));
  TWINFE_CK(VoxelSurface(&g, &surface));
  TWINFE_CK(TwinfeMeshCreateFromSurface(surface, 1, &label, NULL, &mesh));
  TWINFE_CK(TwinfeMeshGetRegions(mesh, &nregions, NULL));
  ck_assert_int_eq(nregions, 1);
  TWINFE_CK(TwinfeMeshComputeRegionVolumes(mesh, &volume));
  ck_assert_double_eq_tol(volume, GridLabelVolume(&g, 2), 1e-9 * volume);
  TWINFE_CK(TwinfeMeshGetFacets(mesh, &nfacets, NULL, &tags));
  for (PetscInt f = 0; f < nfacets; f++)
    ck_assert_int_eq(tags[f], 2);
  {
    const char *name;
    TWINFE_CK(TwinfeMeshGetRegionName(mesh, 2, &name));
    ck_assert_str_eq(name, "region_2");
    TWINFE_CK_FAILS(TwinfeMeshGetRegionName(mesh, 1, &name));
  }
  twinfe_test_check_conforming(mesh);
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  TWINFE_CK(TwinfeMeshDestroy(&mesh)); /* NULL is a no-op */
  /* no labels given: every label of the surface is a region */
  TWINFE_CK(TwinfeMeshCreateFromSurface(surface, 0, NULL, NULL, &mesh));
  TWINFE_CK(TwinfeMeshGetRegions(mesh, &nregions, NULL));
  ck_assert_int_eq(nregions, 2);
  twinfe_test_check_conforming(mesh);
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  TWINFE_CK(TwinfeSurfaceDestroy(&surface));
  free(g.label);
}
END_TEST

START_TEST(bad_input_is_refused)
{
  Grid              g;
  TwinfeSurface     surface;
  TwinfeMesh        mesh      = NULL;
  const int32_t     missing[] = {1, 7}, twice[] = {1, 1}, ok[] = {1, 2};
  const char *const spaced[] = {"left kidney", "tumor"};
  TWINFE_CK(TouchingGrid(&g));
  TWINFE_CK(VoxelSurface(&g, &surface));
  TWINFE_CK_FAILS(TwinfeMeshCreateFromSurface(surface, 2, missing, NULL, &mesh));
  TWINFE_CK_FAILS(TwinfeMeshCreateFromSurface(surface, 2, twice, NULL, &mesh));
  TWINFE_CK_FAILS(TwinfeMeshCreateFromSurface(surface, 2, ok, spaced, &mesh));
  {
    /* an open surface (one triangle dropped) and a reversed triangle are refused before Gmsh */
    TwinfeSurface    broken;
    PetscInt         nv, nt;
    const PetscReal *xyz;
    const PetscInt  *tri;
    const int32_t   *lab;
    PetscInt        *flipped;
    TWINFE_CK(TwinfeSurfaceGetVertices(surface, &nv, &xyz));
    TWINFE_CK(TwinfeSurfaceGetTriangles(surface, &nt, &tri, &lab));
    TWINFE_CK(TwinfeSurfaceCreate(nv, xyz, nt - 1, tri, lab, &broken));
    TWINFE_CK_FAILS(TwinfeMeshCreateFromSurface(broken, 2, ok, NULL, &mesh));
    TWINFE_CK(TwinfeSurfaceDestroy(&broken));
    flipped = (PetscInt *)malloc(sizeof(PetscInt) * 3 * nt);
    memcpy(flipped, tri, sizeof(PetscInt) * 3 * nt);
    flipped[3 * 7 + 1] = tri[3 * 7 + 2], flipped[3 * 7 + 2] = tri[3 * 7 + 1];
    TWINFE_CK(TwinfeSurfaceCreate(nv, xyz, nt, flipped, lab, &broken));
    TWINFE_CK_FAILS(TwinfeMeshCreateFromSurface(broken, 2, ok, NULL, &mesh));
    TWINFE_CK(TwinfeSurfaceDestroy(&broken));
    free(flipped);
  }
  TWINFE_CK(PetscOptionsSetValue(NULL, "-mesh_algorithm", "frontal"));
  TWINFE_CK_FAILS(TwinfeMeshCreateFromSurface(surface, 2, ok, NULL, &mesh));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-mesh_algorithm"));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-mesh_threads", "0"));
  TWINFE_CK_FAILS(TwinfeMeshCreateFromSurface(surface, 2, ok, NULL, &mesh));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-mesh_threads"));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-mesh_optimize", "2"));
  TWINFE_CK_FAILS(TwinfeMeshCreateFromSurface(surface, 2, ok, NULL, &mesh));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-mesh_optimize"));
  ck_assert_ptr_null(mesh);
  /* after all these failures the next call still works */
  TWINFE_CK(TwinfeMeshCreateFromSurface(surface, 2, ok, NULL, &mesh));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  TWINFE_CK(TwinfeSurfaceDestroy(&surface));
  free(g.label);
}
END_TEST

/* The regular tet scores gamma 1 and 70.53 degrees (acos(1/3)); a flattened one scores
   near 0. Tolerances are rounding level. */
START_TEST(quality_of_known_tets)
{
  const PetscReal regular[] = {1, 1, 1, 1, -1, -1, -1, 1, -1, -1, -1, 1};
  const PetscReal flat[]    = {0, 0, 0, 1, 0, 0, 0, 1, 0, 0.3, 0.3, 1e-6};
  const PetscInt  tet[]     = {0, 2, 1, 3}; /* negative orientation: Create must fix it */
  const int32_t   region    = 5;
  TwinfeMesh      mesh;
  PetscReal       gmin, gmean, dmin, volume;
  TWINFE_CK(TwinfeMeshCreate(4, regular, 1, tet, &region, 0, NULL, NULL, &mesh));
  CheckPositiveTets(mesh);
  TWINFE_CK(TwinfeMeshComputeQuality(mesh, &gmin, &gmean, &dmin));
  ck_assert_double_eq_tol(gmin, 1.0, 1e-12);
  ck_assert_double_eq_tol(dmin, 70.528779365509308, 1e-9);
  TWINFE_CK(TwinfeMeshComputeRegionVolumes(mesh, &volume));
  ck_assert_double_eq_tol(volume, 8.0 / 3.0, 1e-12); /* edge 2*sqrt(2): V = a^3 / (6 sqrt 2) */
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  TWINFE_CK(TwinfeMeshCreate(4, flat, 1, tet, &region, 0, NULL, NULL, &mesh));
  TWINFE_CK(TwinfeMeshComputeQuality(mesh, &gmin, &gmean, &dmin));
  ck_assert_double_lt(gmin, 1e-4);
  ck_assert_double_lt(dmin, 1e-2);
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  {
    /* the histogram puts the regular tet in the top bin (gamma exactly 1 is counted) and the
       flat one in the lowest; edges that do not increase are refused */
    PetscReal       both[24];
    const PetscInt  tets[]     = {0, 2, 1, 3, 4, 6, 5, 7};
    const int32_t   regions[]  = {5, 5};
    const PetscReal edges[]    = {0, 0.01, 0.5, 1};
    const PetscReal unsorted[] = {0, 0.5, 0.5, 1};
    PetscInt        counts[3];
    for (int i = 0; i < 12; i++) {
      both[i]      = regular[i];
      both[12 + i] = flat[i] + 10;
    }
    TWINFE_CK(TwinfeMeshCreate(8, both, 2, tets, regions, 0, NULL, NULL, &mesh));
    TWINFE_CK(TwinfeMeshGammaHistogram(mesh, 3, edges, counts));
    ck_assert_int_eq(counts[0], 1);
    ck_assert_int_eq(counts[1], 0);
    ck_assert_int_eq(counts[2], 1);
    TWINFE_CK_FAILS(TwinfeMeshGammaHistogram(mesh, 3, unsorted, counts));
    TWINFE_CK(TwinfeMeshDestroy(&mesh));
  }
  /* a vertex index out of range and a background region are refused */
  {
    const PetscInt bad[] = {0, 1, 2, 4};
    const int32_t  zero  = 0;
    TWINFE_CK_FAILS(TwinfeMeshCreate(4, regular, 1, bad, &region, 0, NULL, NULL, &mesh));
    TWINFE_CK_FAILS(TwinfeMeshCreate(4, regular, 1, tet, &zero, 0, NULL, NULL, &mesh));
  }
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s = suite_create("mesh_regions");
  PetscOptionsGetBool(NULL, NULL, "-report", &report, NULL);
  TCase *tc = tcase_create("regions");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, quality_of_known_tets);
  tcase_add_test(tc, touching_regions_share_a_conforming_interface);
  tcase_add_test(tc, nested_region_is_a_hole_of_the_outer_one);
  tcase_add_test(tc, triple_lines_between_three_regions);
  tcase_add_test(tc, components_and_cavities);
  tcase_add_test(tc, unlisted_label_counts_as_background);
  tcase_add_test(tc, bad_input_is_refused);
  tcase_add_test(tc, one_ball_from_an_image);
  tcase_add_test(tc, ball_split_in_two_labels);
  tcase_add_test(tc, ball_nested_in_a_larger_ball);
  suite_add_tcase(s, tc);
  return s;
}
