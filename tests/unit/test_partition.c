/* The serial mesh becomes a labelled, correctly oriented DMPlex.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_checks.h"
#include <twinfe/partition.h>

START_TEST(plex_has_all_cells_labelled_and_positive)
{
  TwinfeMesh     mesh;
  DM             dm;
  PetscInt       cStart, cEnd;
  const PetscInt n = 4, nt = 6 * n * n * n;
  TWINFE_CK(twinfe_test_box_mesh(n, &mesh));
  TWINFE_CK(TwinfePartitionDistribute(PETSC_COMM_WORLD, mesh, &dm));
  TWINFE_CK(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  ck_assert_int_eq(cEnd - cStart, nt);
  /* Orientation: DMPlex's Jacobian determinant is positive for every tet we hand over. */
  for (PetscInt c = cStart; c < cEnd; ++c) {
    PetscReal v0[3], J[9], invJ[9], detJ;
    TWINFE_CK(DMPlexComputeCellGeometryAffineFEM(dm, c, v0, J, invJ, &detJ));
    ck_assert_msg(detJ > 0, "cell %d has detJ %g", (int)c, (double)detJ);
  }
  ck_assert_int_eq(twinfe_test_stratum_size(dm, "Cell Sets", 1), nt / 2);
  ck_assert_int_eq(twinfe_test_stratum_size(dm, "Cell Sets", 2), nt / 2);
  /* Each of the 6 unit-cube faces has 2 n^2 triangles; regions share them equally, except
     x = 0 (region 1) and x = 1 (region 2). The interface has 2 n^2 triangles. */
  ck_assert_int_eq(twinfe_test_stratum_size(dm, "Face Sets", 1), 2 * n * n * 3);
  ck_assert_int_eq(twinfe_test_stratum_size(dm, "Face Sets", 2), 2 * n * n * 3);
  ck_assert_int_eq(twinfe_test_stratum_size(dm, "Face Sets", 1002), 2 * n * n);
  TWINFE_CK(DMDestroy(&dm));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

/* The box mesh with its vertices renumbered (a fixed permutation) and its tets reversed, so
   that face and edge numbering meet no structure. */
static void ShuffledBox(PetscInt n, TwinfeMesh *out)
{
  TwinfeMesh       box;
  PetscInt         nv, nt, nf, *perm, *tets, *facets;
  const PetscReal *xyz;
  const PetscInt  *t0, *f0;
  const int32_t   *r0, *g0;
  PetscReal       *pxyz;
  int32_t         *regions;
  TWINFE_CK(twinfe_test_box_mesh(n, &box));
  TWINFE_CK(TwinfeMeshGetVertices(box, &nv, &xyz));
  TWINFE_CK(TwinfeMeshGetTetrahedra(box, &nt, &t0, &r0));
  TWINFE_CK(TwinfeMeshGetFacets(box, &nf, &f0, &g0));
  TWINFE_CK(PetscMalloc5(nv, &perm, 3 * nv, &pxyz, 4 * nt, &tets, nt, &regions, 3 * nf, &facets));
  ck_assert_int_ne(nv % 7919, 0); /* 7919 is prime: then v -> 7919 v + 13 (mod nv) permutes */
  for (PetscInt v = 0; v < nv; ++v)
    perm[v] = (v * 7919 + 13) % nv;
  for (PetscInt v = 0; v < nv; ++v)
    for (int d = 0; d < 3; ++d)
      pxyz[3 * perm[v] + d] = xyz[3 * v + d];
  for (PetscInt t = 0; t < nt; ++t) {
    /* every other tet starts at another vertex: (v1 v2 v0 v3) is an even permutation, so the
       orientation stays */
    static const int rotate[2][4] = {{0, 1, 2, 3}, {1, 2, 0, 3}};
    for (int k = 0; k < 4; ++k)
      tets[4 * (nt - 1 - t) + k] = perm[t0[4 * t + rotate[t % 2][k]]];
    regions[nt - 1 - t] = r0[t];
  }
  for (PetscInt f = 0; f < 3 * nf; ++f)
    facets[f] = perm[f0[f]];
  TWINFE_CK(TwinfeMeshCreate(nv, pxyz, nt, tets, regions, nf, facets, g0, out));
  TWINFE_CK(PetscFree5(perm, pxyz, tets, regions, facets));
  TWINFE_CK(TwinfeMeshDestroy(&box));
}

static void AssertSameLabel(DM a, DM b, const char name[], PetscInt pStart, PetscInt pEnd)
{
  DMLabel la, lb;
  TWINFE_CK(DMGetLabel(a, name, &la));
  TWINFE_CK(DMGetLabel(b, name, &lb));
  for (PetscInt p = pStart; p < pEnd; ++p) {
    PetscInt va, vb;
    TWINFE_CK(DMLabelGetValue(la, p, &va));
    TWINFE_CK(DMLabelGetValue(lb, p, &vb));
    ck_assert_msg(va == vb, "%s of point %d: %d vs %d", name, (int)p, (int)va, (int)vb);
  }
}

/* Our bulk interpolation (the default on one rank) builds the very DAG DMPlexInterpolate does:
   every point's cone and cone orientations, the coordinates and the labels. */
START_TEST(bulk_interpolation_equals_dmplexinterpolate)
{
  TwinfeMesh mesh;
  DM         ours, petsc;
  PetscInt   pStart, pEnd, qStart, qEnd;
  Vec        xa, xb;
  PetscBool  same;
  ShuffledBox(4, &mesh);
  ck_assert_int_eq(twinfe_test_distribute_both(mesh, &petsc, &ours), 1);
  TWINFE_CK(DMPlexGetChart(ours, &pStart, &pEnd));
  TWINFE_CK(DMPlexGetChart(petsc, &qStart, &qEnd));
  ck_assert_int_eq(pStart, qStart);
  ck_assert_int_eq(pEnd, qEnd);
  for (PetscInt p = pStart; p < pEnd; ++p) {
    PetscInt        na, nb;
    const PetscInt *ca, *cb, *oa, *ob;
    TWINFE_CK(DMPlexGetConeSize(ours, p, &na));
    TWINFE_CK(DMPlexGetConeSize(petsc, p, &nb));
    ck_assert_int_eq(na, nb);
    TWINFE_CK(DMPlexGetCone(ours, p, &ca));
    TWINFE_CK(DMPlexGetCone(petsc, p, &cb));
    TWINFE_CK(DMPlexGetConeOrientation(ours, p, &oa));
    TWINFE_CK(DMPlexGetConeOrientation(petsc, p, &ob));
    for (PetscInt k = 0; k < na; ++k) {
      ck_assert_msg(ca[k] == cb[k], "cone %d of point %d: %d vs %d", (int)k, (int)p, (int)ca[k], (int)cb[k]);
      ck_assert_msg(oa[k] == ob[k], "orientation %d of point %d: %d vs %d", (int)k, (int)p, (int)oa[k], (int)ob[k]);
    }
  }
  TWINFE_CK(DMGetCoordinatesLocal(ours, &xa));
  TWINFE_CK(DMGetCoordinatesLocal(petsc, &xb));
  TWINFE_CK(VecEqual(xa, xb, &same));
  ck_assert(same);
  AssertSameLabel(ours, petsc, "Cell Sets", pStart, pEnd);
  AssertSameLabel(ours, petsc, "Face Sets", pStart, pEnd);
  AssertSameLabel(ours, petsc, "depth", pStart, pEnd);
  { /* ours makes its cell types on first use, as PETSc's queries do (nothing of ours needs them) */
    DMPolytopeType type;
    TWINFE_CK(DMPlexGetCellType(ours, pStart, &type));
  }
  AssertSameLabel(ours, petsc, "celltype", pStart, pEnd);
  /* and PETSc's own consistency checks pass on ours */
  TWINFE_CK(DMPlexCheckSymmetry(ours));
  TWINFE_CK(DMPlexCheckSkeleton(ours, 0));
  TWINFE_CK(DMPlexCheckFaces(ours, 0));
  TWINFE_CK(DMPlexCheckGeometry(ours));
  TWINFE_CK(DMDestroy(&ours));
  TWINFE_CK(DMDestroy(&petsc));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

START_TEST(null_mesh_is_refused)
{
  DM dm = NULL;
  TWINFE_CK_FAILS(TwinfePartitionDistribute(PETSC_COMM_WORLD, NULL, &dm));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("partition");
  TCase *tc = tcase_create("serial");
  tcase_add_test(tc, plex_has_all_cells_labelled_and_positive);
  tcase_add_test(tc, bulk_interpolation_equals_dmplexinterpolate);
  tcase_add_test(tc, null_mesh_is_refused);
  suite_add_tcase(s, tc);
  return s;
}
