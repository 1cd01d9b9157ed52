/* TwinfeMeshWriteVTU: a serial mesh and its facets as .vtu, read back with vtkXMLUnstructuredGridReader.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_checks.h"

#include <twinfe/io.h>
#include <twinfe/mesh.h>

/* A 10 mm cube: TwinfeMeshCreateBox's one hex, its 6 Kuhn tetrahedra given regions 1, 1, 1,
   2, 2, 2 and its 12 boundary triangles (listed face by face, box tags 1..6) retagged
   100 + face number (two triangles per face). */
static PetscErrorCode CreateCubeMesh(TwinfeMesh *mesh)
{
  const PetscInt   n[3]  = {1, 1, 1};
  const PetscReal  lo[3] = {0, 0, 0}, hi[3] = {10, 10, 10};
  const int32_t    regions[] = {1, 1, 1, 2, 2, 2};
  TwinfeMesh       box;
  PetscInt         nv, nt, nf;
  const PetscReal *xyz;
  const PetscInt  *tets, *tri;
  const int32_t   *box_tags;
  int32_t          tags[12];

  PetscFunctionBeginUser;
  PetscCall(TwinfeMeshCreateBox(n, lo, hi, &box));
  PetscCall(TwinfeMeshGetVertices(box, &nv, &xyz));
  PetscCall(TwinfeMeshGetTetrahedra(box, &nt, &tets, NULL));
  PetscCall(TwinfeMeshGetFacets(box, &nf, &tri, &box_tags));
  PetscCheck(nt == 6 && nf == 12, PETSC_COMM_SELF, PETSC_ERR_PLIB, "one hex gave %d tets, %d facets", (int)nt, (int)nf);
  for (PetscInt f = 0; f < 12; ++f)
    tags[f] = (int32_t)(99 + box_tags[f]);
  PetscCall(TwinfeMeshCreate(nv, xyz, nt, tets, regions, nf, tri, tags, mesh));
  PetscCall(TwinfeMeshDestroy(&box));
  PetscFunctionReturn(0);
}

START_TEST(test_mesh_vtu_read_back)
{
  TwinfeMesh mesh;
  char       path[PETSC_MAX_PATH_LEN], args[4096];

  TWINFE_CK(CreateCubeMesh(&mesh));
  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/cube.vtu", twinfe_test_work_dir()));
  TWINFE_CK(TwinfeMeshWriteVTU(mesh, path));
  /* Volumes and areas are sums of exact binary values (1000/6 per tet is not, so 1e-9 mm^3
     allows for the 6 roundings of ~1e-13 each with a wide margin). */
  TWINFE_CK(PetscSNPrintf(args, sizeof args,
                          "grid '%s' --cells 6 --points 8 --array cell:region:1 --check \"volume > 0\" "
                          "--check \"abs(volume.sum() - 1000.0) < 1e-9\" "
                          "--check \"np.array_equal(cell['region'], [1, 1, 1, 2, 2, 2])\"",
                          path));
  ck_assert_int_eq(twinfe_test_readback(args), 0);
  TWINFE_CK(PetscSNPrintf(args, sizeof args,
                          "grid '%s/cube_facets.vtu' --cells 12 --points 8 --array cell:tag:1 "
                          "--check \"abs(area.sum() - 600.0) < 1e-9\" "
                          "--check \"np.array_equal(cell['tag'], 100 + np.arange(12) // 2)\"",
                          twinfe_test_work_dir()));
  ck_assert_int_eq(twinfe_test_readback(args), 0);
  /* The facets' name is derived from .vtu: another extension is refused, nothing written. */
  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/cube.vtk", twinfe_test_work_dir()));
  TWINFE_CK_FAILS(TwinfeMeshWriteVTU(mesh, path));
  ck_assert(!twinfe_test_file_exists(path));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *suite = suite_create("io_mesh");
  TCase *tc    = tcase_create("io");

  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_mesh_vtu_read_back);
  suite_add_tcase(suite, tc);
  return suite;
}
