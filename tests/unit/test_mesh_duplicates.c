/* TwinfeMeshMergeDuplicateVertices: a vertex split in two copies (as Gmsh's HXT leaves a few
 * on several threads) is joined when that closes the mesh, and refused when it does not.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A 3 x 3 x 3 box of Kuhn tets; one vertex (interior, then on the boundary) is split: a copy at
 * the same place is appended and the tets on one side of it use the copy. */
#include "twinfe_checks.h"

#include <stdlib.h>
#include <string.h>

static TwinfeMesh box(void)
{
  const PetscInt  n[3]  = {3, 3, 3};
  const PetscReal lo[3] = {0, 0, 0}, hi[3] = {3, 3, 3};
  TwinfeMesh      mesh;
  TWINFE_CK(TwinfeMeshCreateBox(n, lo, hi, &mesh));
  return mesh;
}

/* The box with vertex v split: a copy at its place, used by the tets whose centroid lies below
   the vertex along axis (and by the facets whose centroid does). */
static TwinfeMesh split(TwinfeMesh mesh, PetscInt v, int axis, PetscInt *moved)
{
  PetscInt         nv, nt, nf;
  const PetscReal *x;
  const PetscInt  *tets, *facets;
  const int32_t   *regions, *tags;
  PetscReal       *x2;
  PetscInt        *t2, *f2;
  TwinfeMesh       out;
  TWINFE_CK(TwinfeMeshGetVertices(mesh, &nv, &x));
  TWINFE_CK(TwinfeMeshGetTetrahedra(mesh, &nt, &tets, &regions));
  TWINFE_CK(TwinfeMeshGetFacets(mesh, &nf, &facets, &tags));
  x2 = malloc((3 * (size_t)nv + 3) * sizeof *x2);
  t2 = malloc(4 * (size_t)nt * sizeof *t2);
  f2 = malloc((3 * (size_t)nf + 1) * sizeof *f2);
  memcpy(x2, x, 3 * (size_t)nv * sizeof *x2);
  memcpy(x2 + 3 * nv, x + 3 * v, 3 * sizeof *x2);
  memcpy(t2, tets, 4 * (size_t)nt * sizeof *t2);
  memcpy(f2, facets, 3 * (size_t)nf * sizeof *f2);
  *moved = 0;
  for (PetscInt t = 0; t < nt; t++) {
    PetscReal cx = 0;
    for (int k = 0; k < 4; k++)
      cx += x[3 * tets[4 * t + k] + axis] / 4;
    if (cx >= x[3 * v + axis]) continue;
    for (int k = 0; k < 4; k++)
      if (t2[4 * t + k] == v) t2[4 * t + k] = nv, (*moved)++;
  }
  for (PetscInt f = 0; f < nf; f++) {
    PetscReal cx = 0;
    for (int k = 0; k < 3; k++)
      cx += x[3 * facets[3 * f + k] + axis] / 3;
    if (cx >= x[3 * v + axis]) continue;
    for (int k = 0; k < 3; k++)
      if (f2[3 * f + k] == v) f2[3 * f + k] = nv;
  }
  TWINFE_CK(TwinfeMeshCreate(nv + 1, x2, nt, t2, regions, nf, f2, tags, &out));
  free(x2);
  free(t2);
  free(f2);
  return out;
}

/* Same vertices (in order), tets and facets as the reference. */
static void assert_same(TwinfeMesh a, TwinfeMesh b)
{
  PetscInt         nv[2], nt[2], nf[2];
  const PetscReal *x[2];
  const PetscInt  *t[2], *f[2];
  TWINFE_CK(TwinfeMeshGetVertices(a, &nv[0], &x[0]));
  TWINFE_CK(TwinfeMeshGetVertices(b, &nv[1], &x[1]));
  TWINFE_CK(TwinfeMeshGetTetrahedra(a, &nt[0], &t[0], NULL));
  TWINFE_CK(TwinfeMeshGetTetrahedra(b, &nt[1], &t[1], NULL));
  TWINFE_CK(TwinfeMeshGetFacets(a, &nf[0], &f[0], NULL));
  TWINFE_CK(TwinfeMeshGetFacets(b, &nf[1], &f[1], NULL));
  ck_assert_int_eq(nv[0], nv[1]);
  ck_assert_int_eq(nt[0], nt[1]);
  ck_assert_int_eq(nf[0], nf[1]);
  ck_assert(!memcmp(x[0], x[1], 3 * (size_t)nv[0] * sizeof(PetscReal)));
  ck_assert(!memcmp(t[0], t[1], 4 * (size_t)nt[0] * sizeof(PetscInt)));
  ck_assert(!memcmp(f[0], f[1], 3 * (size_t)nf[0] * sizeof(PetscInt)));
}

START_TEST(test_split_vertex_is_joined)
{
  /* vertex (1,1,1) inside the box, split across x; (0,1,1) on its x = 0 face, with boundary
     facets around it, split across y */
  const PetscInt vertices[2] = {1 + 4 * (1 + 4 * 1), 0 + 4 * (1 + 4 * 1)};
  const int      axes[2]     = {0, 1};
  for (int c = 0; c < 2; c++) {
    TwinfeMesh ref = box(), cracked;
    PetscInt   moved, merged, nv;
    cracked = split(ref, vertices[c], axes[c], &moved);
    ck_assert_msg(moved > 0, "the split moved no tet");
    TWINFE_CK(TwinfeMeshGetVertices(cracked, &nv, NULL));
    ck_assert_int_eq(nv, 65);
    TWINFE_CK(TwinfeMeshMergeDuplicateVertices(cracked, &merged));
    ck_assert_int_eq(merged, 1);
    assert_same(ref, cracked); /* the copy was the last vertex: the box is back as it was */
    TWINFE_CK(TwinfeMeshMergeDuplicateVertices(cracked, &merged));
    ck_assert_int_eq(merged, 0); /* nothing left to join */
    TWINFE_CK(TwinfeMeshDestroy(&ref));
    TWINFE_CK(TwinfeMeshDestroy(&cracked));
  }
}
END_TEST

/* Two vertices of one tet moved to the same place: joining them would flatten tets. */
START_TEST(test_join_that_flattens_is_refused)
{
  TwinfeMesh       mesh = box(), bad;
  PetscInt         nv, nt, nf, merged = -1;
  const PetscReal *x;
  const PetscInt  *tets, *facets;
  const int32_t   *regions, *tags;
  PetscReal       *x2;
  TWINFE_CK(TwinfeMeshGetVertices(mesh, &nv, &x));
  TWINFE_CK(TwinfeMeshGetTetrahedra(mesh, &nt, &tets, &regions));
  TWINFE_CK(TwinfeMeshGetFacets(mesh, &nf, &facets, &tags));
  x2 = malloc(3 * (size_t)nv * sizeof *x2);
  memcpy(x2, x, 3 * (size_t)nv * sizeof *x2);
  /* vertex (2,1,1) onto (1,1,1), its neighbour along x */
  memcpy(x2 + 3 * (2 + 4 * (1 + 4 * 1)), x2 + 3 * (1 + 4 * (1 + 4 * 1)), 3 * sizeof *x2);
  TWINFE_CK(TwinfeMeshCreate(nv, x2, nt, tets, regions, nf, facets, tags, &bad));
  free(x2);
  TWINFE_CK_FAILS(TwinfeMeshMergeDuplicateVertices(bad, &merged));
  ck_assert_int_eq(merged, 0);
  TWINFE_CK(TwinfeMeshDestroy(&bad));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("mesh_duplicates");
  TCase *tc = tcase_create("duplicates");
  tcase_add_test(tc, test_split_vertex_is_joined);
  tcase_add_test(tc, test_join_that_flattens_is_refused);
  suite_add_tcase(s, tc);
  return s;
}
