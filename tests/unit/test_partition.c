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
  tcase_add_test(tc, null_mesh_is_refused);
  suite_add_tcase(s, tc);
  return s;
}
