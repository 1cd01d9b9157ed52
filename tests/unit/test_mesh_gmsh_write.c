/* The .msh 4.1 writer (TwinfeMeshWriteGmsh) against the reader: every coordinate reads back to
 * the same double, bit for bit, and tets, regions, facets and tags survive.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_test.h"
#include <twinfe/mesh.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int CompareTriples(const void *a, const void *b)
{
  const double *x = a, *y = b;
  for (int d = 0; d < 3; d++)
    if (x[d] != y[d]) return x[d] < y[d] ? -1 : 1;
  return 0;
}

static PetscInt TetOfFacet(PetscInt nt, const PetscInt tets[], const PetscInt f[3])
{
  for (PetscInt t = 0; t < nt; t++) {
    int found = 0;
    for (int k = 0; k < 3; k++)
      for (int j = 0; j < 4; j++)
        found += tets[4 * t + j] == f[k];
    if (found == 3) return t;
  }
  return -1;
}

/* A 3 x 2 x 2 box with its vertices moved by the sine of their number: coordinates that need
   all 17 significant digits (16, as Gmsh prints them, lose the last bit of some). nregions 1:
   one region; 2: the tets alternate between regions 1 and 2 (the facets between them left to
   the reader to find). */
static PetscErrorCode AwkwardMesh(PetscInt nregions, TwinfeMesh *mesh)
{
  const PetscInt   n[3]  = {3, 2, 2};
  const PetscReal  lo[3] = {-123.456, 0.1, 1e-3}, hi[3] = {-100.0 / 3, 0.1 + 0.2, 7e3};
  TwinfeMesh       box;
  PetscInt         nv, nt, nf;
  const PetscReal *bx;
  const PetscInt  *tets, *facets;
  const int32_t   *r, *t;
  PetscReal       *x;
  int32_t         *regions, *tags;
  PetscFunctionBeginUser;
  PetscCall(TwinfeMeshCreateBox(n, lo, hi, &box));
  PetscCall(TwinfeMeshGetVertices(box, &nv, &bx));
  PetscCall(TwinfeMeshGetTetrahedra(box, &nt, &tets, &r));
  PetscCall(TwinfeMeshGetFacets(box, &nf, &facets, &t));
  PetscCall(PetscMalloc3(3 * nv, &x, nt, &regions, nf, &tags));
  for (PetscInt v = 0; v < nv; v++)
    for (int d = 0; d < 3; d++)
      x[3 * v + d] = bx[3 * v + d] + 1e-3 * sin(3.0 * v + d) * (1 + fabs(bx[3 * v + d]));
  for (PetscInt e = 0; e < nt; e++)
    regions[e] = 1 + (int32_t)(e % nregions);
  for (PetscInt f = 0; f < nf; f++)
    tags[f] = regions[TetOfFacet(nt, tets, &facets[3 * f])]; /* an outer facet's tag is its region's label */
  PetscCall(TwinfeMeshCreate(nv, x, nt, tets, regions, nf, facets, tags, mesh));
  PetscCall(PetscFree3(x, regions, tags));
  PetscCall(TwinfeMeshDestroy(&box));
  PetscFunctionReturn(0);
}

START_TEST(coordinates_read_back_bit_exact)
{
  TwinfeMesh       mesh, back;
  char             path[PETSC_MAX_PATH_LEN];
  PetscInt         nv, nv2, nt, nt2, nf, nf2, nr, nr2;
  const PetscReal *x, *x2;
  const PetscInt  *tets, *facets;
  const int32_t   *regions, *tags, *labels;
  double          *a, *b;
  PetscReal        vol[1], vol2[1];
  TWINFE_CK(AwkwardMesh(1, &mesh));
  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/awkward.msh", twinfe_test_work_dir()));
  TWINFE_CK(TwinfeMeshWriteGmsh(mesh, path));
  TWINFE_CK(TwinfeMeshReadGmsh(path, &back));
  TWINFE_CK(TwinfeMeshGetVertices(mesh, &nv, &x));
  TWINFE_CK(TwinfeMeshGetVertices(back, &nv2, &x2));
  ck_assert_int_eq(nv, nv2);
  TWINFE_CK(TwinfeMeshGetTetrahedra(mesh, &nt, &tets, &regions));
  TWINFE_CK(TwinfeMeshGetTetrahedra(back, &nt2, &tets, &regions));
  ck_assert_int_eq(nt, nt2);
  TWINFE_CK(TwinfeMeshGetFacets(mesh, &nf, &facets, &tags));
  TWINFE_CK(TwinfeMeshGetFacets(back, &nf2, &facets, &tags));
  ck_assert_int_eq(nf, nf2);
  TWINFE_CK(TwinfeMeshGetRegions(back, &nr2, &labels));
  TWINFE_CK(TwinfeMeshGetRegions(mesh, &nr, &labels));
  ck_assert_int_eq(nr, 1);
  ck_assert_int_eq(nr2, 1);
  /* the file lists nodes by entity, so compare the coordinate triples as sorted sets */
  a = malloc(sizeof(double) * 3 * nv);
  b = malloc(sizeof(double) * 3 * nv);
  memcpy(a, x, sizeof(double) * 3 * nv);
  memcpy(b, x2, sizeof(double) * 3 * nv);
  qsort(a, (size_t)nv, 3 * sizeof(double), CompareTriples);
  qsort(b, (size_t)nv, 3 * sizeof(double), CompareTriples);
  for (PetscInt i = 0; i < 3 * nv; i++)
    ck_assert_msg(a[i] == b[i], "coordinate %g read back as %g (%a vs %a)", a[i], b[i], a[i], b[i]);
  free(a);
  free(b);
  /* the same tets: the volume agrees to the rounding of another summation order */
  TWINFE_CK(TwinfeMeshComputeRegionVolumes(mesh, vol));
  TWINFE_CK(TwinfeMeshComputeRegionVolumes(back, vol2));
  ck_assert_double_eq_tol(vol[0], vol2[0], 1e-12 * fabs(vol[0]));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  TWINFE_CK(TwinfeMeshDestroy(&back));
}
END_TEST

/* The file groups nodes by entity (surface nodes first) and tets by region, yet the mesh reads
   back in its own order, vertex for vertex and tet for tet: the node and element tags carry it.
   A rehearsal's step reading the baseline's mesh.msh assembles the baseline's matrix entry for
   entry only so (and reuses its preconditioner). */
START_TEST(order_read_back)
{
  TwinfeMesh       mesh, back;
  char             path[PETSC_MAX_PATH_LEN];
  PetscInt         nv, nv2, nt, nt2;
  const PetscReal *x, *x2;
  const PetscInt  *tets, *tets2;
  const int32_t   *regions, *regions2;
  TWINFE_CK(AwkwardMesh(2, &mesh));
  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/order.msh", twinfe_test_work_dir()));
  TWINFE_CK(TwinfeMeshWriteGmsh(mesh, path));
  TWINFE_CK(TwinfeMeshReadGmsh(path, &back));
  TWINFE_CK(TwinfeMeshGetVertices(mesh, &nv, &x));
  TWINFE_CK(TwinfeMeshGetVertices(back, &nv2, &x2));
  ck_assert_int_eq(nv, nv2);
  for (PetscInt i = 0; i < 3 * nv; i++)
    ck_assert_msg(x[i] == x2[i], "vertex %d reads back as another vertex", (int)(i / 3));
  TWINFE_CK(TwinfeMeshGetTetrahedra(mesh, &nt, &tets, &regions));
  TWINFE_CK(TwinfeMeshGetTetrahedra(back, &nt2, &tets2, &regions2));
  ck_assert_int_eq(nt, nt2);
  for (PetscInt e = 0; e < nt; e++) {
    ck_assert_msg(regions[e] == regions2[e], "tet %d reads back in region %d, not %d", (int)e, (int)regions2[e], (int)regions[e]);
    for (int k = 0; k < 4; k++)
      ck_assert_msg(tets[4 * e + k] == tets2[4 * e + k], "tet %d reads back with other vertices", (int)e);
  }
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  TWINFE_CK(TwinfeMeshDestroy(&back));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("mesh_gmsh_write");
  TCase *tc = tcase_create("mesh_gmsh_write");
  tcase_add_test(tc, coordinates_read_back_bit_exact);
  tcase_add_test(tc, order_read_back);
  suite_add_tcase(s, tc);
  return s;
}
