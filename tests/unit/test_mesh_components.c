/* Connected parts of a mesh (TwinfeMeshGetComponents): boxes that touch, boxes apart, two tets
 * that share one vertex only.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_test.h"
#include <twinfe/mesh.h>

#include <string.h>

/* Two structured boxes of 2x2x2 hexes (48 tets each), the second shifted by dx along x, in
   one mesh. Vertices at the same point are merged, so boxes that touch share the vertices of
   their common face; grid coordinates are exact in binary, so == finds them. */
static PetscErrorCode TwoBoxes(PetscReal dx, TwinfeMesh *mesh)
{
  const PetscInt   n[3]  = {2, 2, 2};
  const PetscReal  lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1};
  TwinfeMesh       box;
  PetscInt         nv, nt, *tets, *map, nmerged = 0;
  const PetscReal *xyz;
  const PetscInt  *btets;
  const int32_t   *bregions;
  PetscReal       *x;
  int32_t         *regions;
  PetscFunctionBeginUser;
  PetscCall(TwinfeMeshCreateBox(n, lo, hi, &box));
  PetscCall(TwinfeMeshGetVertices(box, &nv, &xyz));
  PetscCall(TwinfeMeshGetTetrahedra(box, &nt, &btets, &bregions));
  PetscCall(PetscMalloc4(6 * nv, &x, 8 * nt, &tets, 2 * nt, &regions, 2 * nv, &map));
  for (PetscInt copy = 0; copy < 2; ++copy)
    for (PetscInt v = 0; v < nv; ++v) {
      const PetscReal p[3]  = {xyz[3 * v] + copy * dx, xyz[3 * v + 1], xyz[3 * v + 2]};
      PetscInt        found = -1;
      for (PetscInt w = 0; w < nmerged && found < 0; ++w)
        if (x[3 * w] == p[0] && x[3 * w + 1] == p[1] && x[3 * w + 2] == p[2]) found = w;
      if (found < 0) {
        memcpy(&x[3 * nmerged], p, sizeof p);
        found = nmerged++;
      }
      map[copy * nv + v] = found;
    }
  for (PetscInt copy = 0; copy < 2; ++copy)
    for (PetscInt t = 0; t < nt; ++t) {
      for (int k = 0; k < 4; ++k)
        tets[4 * (copy * nt + t) + k] = map[copy * nv + btets[4 * t + k]];
      regions[copy * nt + t] = (int32_t)(1 + copy);
    }
  PetscCall(TwinfeMeshCreate(nmerged, x, 2 * nt, tets, regions, 0, NULL, NULL, mesh));
  PetscCall(PetscFree4(x, tets, regions, map));
  PetscCall(TwinfeMeshDestroy(&box));
  PetscFunctionReturn(0);
}

/* Checks that the first half of the tets is part 0 and the second half part `second`. */
static void CheckHalves(TwinfeMesh mesh, PetscInt expected_parts, PetscInt second)
{
  PetscInt         nparts = -1, nt, nv, *part, *vpart;
  const PetscInt  *tets;
  const int32_t   *regions;
  const PetscReal *xyz;
  TWINFE_CK(TwinfeMeshGetTetrahedra(mesh, &nt, &tets, &regions));
  TWINFE_CK(TwinfeMeshGetVertices(mesh, &nv, &xyz));
  TWINFE_CK(PetscMalloc2(nt, &part, nv, &vpart));
  TWINFE_CK(TwinfeMeshGetComponents(mesh, &nparts, part, vpart));
  ck_assert_int_eq(nparts, expected_parts);
  for (PetscInt t = 0; t < nt; ++t) {
    ck_assert_int_eq(part[t], t < nt / 2 ? 0 : second);
    for (int k = 0; k < 4; ++k)
      ck_assert_int_eq(vpart[tets[4 * t + k]], part[t]);
  }
  TWINFE_CK(PetscFree2(part, vpart));
}

START_TEST(touching_boxes_are_one_part)
{
  TwinfeMesh mesh;
  TWINFE_CK(TwoBoxes(1.0, &mesh));
  CheckHalves(mesh, 1, 0);
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

START_TEST(boxes_apart_are_two_parts)
{
  TwinfeMesh mesh;
  TWINFE_CK(TwoBoxes(1.5, &mesh));
  CheckHalves(mesh, 2, 1);
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

/* Two tets meeting at the origin only: one vertex in common is enough to be one part (the
   solver would hold the second through that vertex). A third tet apart makes a second part,
   numbered after the first. */
START_TEST(vertex_sharing_tets_are_one_part)
{
  const PetscReal x[]    = {0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, -1, 0, 0, 0, -1, 0, 0, 0, -1, 5, 0, 0, 6, 0, 0, 5, 1, 0, 5, 0, 1};
  const PetscInt  tets[] = {0, 1, 2, 3, 7, 8, 9, 10, 0, 4, 6, 5};
  const int32_t   regions[] = {1, 1, 1};
  PetscInt        part[3] = {-1, -1, -1}, vpart[11], nparts = -1;
  TwinfeMesh      mesh;
  TWINFE_CK(TwinfeMeshCreate(11, x, 3, tets, regions, 0, NULL, NULL, &mesh));
  TWINFE_CK(TwinfeMeshGetComponents(mesh, &nparts, part, vpart));
  ck_assert_int_eq(nparts, 2);
  ck_assert_int_eq(part[0], 0);
  ck_assert_int_eq(part[1], 1);
  ck_assert_int_eq(part[2], 0);
  ck_assert_int_eq(vpart[4], 0);
  ck_assert_int_eq(vpart[7], 1);
  nparts = -1;
  TWINFE_CK(TwinfeMeshGetComponents(mesh, &nparts, NULL, NULL)); /* counts alone */
  ck_assert_int_eq(nparts, 2);
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("mesh_components");
  TCase *tc = tcase_create("mesh_components");
  tcase_add_test(tc, touching_boxes_are_one_part);
  tcase_add_test(tc, boxes_apart_are_two_parts);
  tcase_add_test(tc, vertex_sharing_tets_are_one_part);
  suite_add_tcase(s, tc);
  return s;
}
