/* A host program with its own Gmsh session (TwinfeMeshSetGmshHosted): twinfe meshes inside it
 * without ending it. The test links the Gmsh SDK itself, as such a host would; libtwinfe loads
 * the same library by its soname. After twinfe has meshed a tube twice: Gmsh is still
 * initialised (the host's calls succeed), the host's model is current again with its entity,
 * and every option twinfe sets (3D algorithm, mesh sizes, threads, terminal) has the host's
 * value back. Without the hosted mode twinfe would finalise Gmsh under the host: shown here too,
 * last (the host's next call then fails).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_test.h"
#include <gmshc.h>
#include <string.h>
#include <twinfe/mesh.h>

static const char *const options[]     = {"Mesh.Algorithm3D",   "Mesh.MeshSizeMax", "Mesh.MeshSizeMin",
                                          "General.NumThreads", "General.Terminal", "Mesh.Optimize"};
static const double      host_values[] = {4, 7.5, 0.25, 1, 0, 0};

static void HostSession(void)
{
  int ierr = 0;
  gmshInitialize(0, NULL, 0, &ierr);
  ck_assert_int_eq(ierr, 0);
  gmshModelAdd("host", &ierr);
  gmshModelAddDiscreteEntity(0, 17, NULL, 0, &ierr);
  for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
    gmshOptionSetNumber(options[i], host_values[i], &ierr);
  ck_assert_int_eq(ierr, 0);
}

static void CheckHostSessionIntact(void)
{
  char  *name   = NULL;
  int   *dimtag = NULL, ierr = 0;
  size_t n = 0;
  gmshModelGetCurrent(&name, &ierr);
  ck_assert_msg(ierr == 0, "Gmsh was finalised under the host");
  ck_assert_str_eq(name, "host");
  gmshFree(name);
  gmshModelGetEntities(&dimtag, &n, 0, &ierr);
  ck_assert_msg(ierr == 0 && n == 2 && dimtag[1] == 17, "the host's model lost its point entity");
  gmshFree(dimtag);
  for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
    double value = -1;
    gmshOptionGetNumber(options[i], &value, &ierr);
    ck_assert_msg(value == host_values[i], "%s is %g after twinfe meshed, the host set %g", options[i], value, host_values[i]);
  }
}

START_TEST(meshes_inside_a_host_session)
{
  TwinfeMesh mesh;
  PetscInt   ntets;
  HostSession();
  TWINFE_CK(TwinfeMeshSetGmshHosted(PETSC_TRUE));
  for (int k = 0; k < 2; k++) {
    TWINFE_CK(TwinfeMeshCreateTube(3.0, 20.0, 2.0, &mesh));
    TWINFE_CK(TwinfeMeshGetTetrahedra(mesh, &ntets, NULL, NULL));
    ck_assert_int_gt(ntets, 50);
    TWINFE_CK(TwinfeMeshDestroy(&mesh));
    CheckHostSessionIntact();
  }
  /* the default, which finalises Gmsh after meshing: the host's session is gone */
  TWINFE_CK(TwinfeMeshSetGmshHosted(PETSC_FALSE));
  TWINFE_CK(TwinfeMeshCreateTube(3.0, 20.0, 2.0, &mesh));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  {
    char *name = NULL;
    int   ierr = 0;
    gmshModelGetCurrent(&name, &ierr);
    ck_assert_msg(ierr != 0 || !name || strcmp(name, "host"), "the host's model survived a non-hosted meshing");
    if (name) gmshFree(name);
  }
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("mesh_gmsh_hosted");
  TCase *tc = tcase_create("mesh_gmsh_hosted");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, meshes_inside_a_host_session);
  suite_add_tcase(s, tc);
  return s;
}
