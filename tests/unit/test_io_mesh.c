/* TwinfeMeshWriteVTU: a serial mesh and its facets as .vtu, read back with vtkXMLUnstructuredGridReader.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _POSIX_C_SOURCE 200809L /* stat() under -std=c11 */
#include "twinfe_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <twinfe/io.h>
#include <twinfe/mesh.h>

static PetscBool FileExists(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 ? PETSC_TRUE : PETSC_FALSE;
}

static int Readback(const char *args)
{
  char command[8192];
  TWINFE_CK(PetscSNPrintf(command, sizeof command, "/usr/bin/python3 '%s' %s",
                          twinfe_test_source_file("tests/clients/vtk_readback.py"), args));
  return system(command);
}

/* A 10 mm cube: 6 Kuhn tetrahedra (regions 1, 1, 1, 2, 2, 2) and its 12 boundary triangles
   tagged 100 + face number (two triangles per face). */
static PetscErrorCode CreateCubeMesh(TwinfeMesh *mesh)
{
  const PetscReal xyz[]     = {0, 0, 0, 10, 0, 0, 10, 10, 0, 0, 10, 0, 0, 0, 10, 10, 0, 10, 10, 10, 10, 0, 10, 10};
  const PetscInt  tets[]    = {0, 1, 2, 6, 0, 2, 3, 6, 0, 3, 7, 6, 0, 7, 4, 6, 0, 4, 5, 6, 0, 5, 1, 6};
  const int32_t   regions[] = {1, 1, 1, 2, 2, 2};
  const PetscInt  tri[]     = {0, 2, 1, 0, 3, 2, 4, 5, 6, 4, 6, 7, 0, 1, 5, 0, 5, 4,
                               1, 2, 6, 1, 6, 5, 2, 3, 7, 2, 7, 6, 3, 0, 4, 3, 4, 7};
  int32_t         tags[12];

  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < 12; ++f)
    tags[f] = (int32_t)(100 + f / 2);
  PetscCall(TwinfeMeshCreate(8, xyz, 6, tets, regions, 12, tri, tags, mesh));
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
  ck_assert_int_eq(Readback(args), 0);
  TWINFE_CK(PetscSNPrintf(args, sizeof args,
                          "grid '%s/cube_facets.vtu' --cells 12 --points 8 --array cell:tag:1 "
                          "--check \"abs(area.sum() - 600.0) < 1e-9\" "
                          "--check \"np.array_equal(cell['tag'], 100 + np.arange(12) // 2)\"",
                          twinfe_test_work_dir()));
  ck_assert_int_eq(Readback(args), 0);
  /* The facets' name is derived from .vtu: another extension is refused, nothing written. */
  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/cube.vtk", twinfe_test_work_dir()));
  TWINFE_CK_FAILS(TwinfeMeshWriteVTU(mesh, path));
  ck_assert(!FileExists(path));
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
