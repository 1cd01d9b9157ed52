/* Volume groups (-mesh_groups): the regions' volumes meshed by separate Gmsh models, in turn or
 * at once in forked processes, joined into one conformal mesh.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A label map shaped like a scan: label 1 in two balls (the second with a hole that label 3
 * fills), label 2 touching the first ball, label 4 a slab on the image border. Meshed in one
 * group, in two groups on one thread and on two, and in five groups, every mesh must hold the
 * same regions with the same volumes and facets, and be conformal (twinfe_test_check_conforming
 * rebuilds every tet face from scratch: on one tet an outer facet, on two tets of two regions
 * an interface facet, nothing else listed). */
#include "twinfe_checks.h"

#include <twinfe/surface.h>

#define NX 64
#define NY 44
#define NZ 40

static int inside(int i, int j, int k, int ci, int cj, int ck, int r)
{
  return (i - ci) * (i - ci) + (j - cj) * (j - cj) + (k - ck) * (k - ck) <= r * r;
}

static int32_t scan_label(int i, int j, int k)
{
  if (inside(i, j, k, 46, 22, 20, 4)) return 3;
  if (inside(i, j, k, 24, 22, 20, 7)) return 2;
  if (inside(i, j, k, 15, 22, 20, 10) || inside(i, j, k, 46, 22, 20, 11)) return 1;
  if (i < 4 && j > 8 && j < 36 && k > 8 && k < 32) return 4;
  return 0;
}

static TwinfeSurface scan_surface(void)
{
  const PetscInt  dims[3]    = {NX, NY, NZ};
  const PetscReal spacing[3] = {1, 1, 1}, origin[3] = {0, 0, 0}, target[1] = {2.0};
  const int32_t   labels[4] = {1, 2, 3, 4};
  TwinfeImage     image     = twinfe_test_image_from(dims, spacing, origin, scan_label);
  TwinfeSurface   s;
  TWINFE_CK(TwinfeSurfaceCreateFromImage(image, 4, labels, &s));
  TWINFE_CK(TwinfeSurfaceSmooth(s, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT));
  TWINFE_CK(TwinfeSurfaceRemesh(s, 1, labels, target, 0.5, NULL));
  TWINFE_CK(TwinfeImageDestroy(&image));
  return s;
}

static TwinfeMesh mesh_with(TwinfeSurface s, const char groups[], const char threads[])
{
  TwinfeMesh mesh;
  TWINFE_CK(PetscOptionsSetValue(NULL, "-mesh_groups", groups));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-threads", threads));
  TWINFE_CK(TwinfeMeshCreateFromSurface(s, 0, NULL, NULL, &mesh));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-mesh_groups"));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-threads"));
  return mesh;
}

START_TEST(test_groups_join_conformally)
{
  TwinfeSurface s          = scan_surface();
  const char   *runs[][2]  = {{"1", "1"}, {"2", "1"}, {"2", "2"}, {"5", "2"}};
  PetscReal     volume0[8] = {0};
  PetscInt      nf0 = 0, nr0 = 0;

  for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
    TwinfeMesh     mesh = mesh_with(s, runs[r][0], runs[r][1]);
    PetscInt       nt, nf, nr, ncomp;
    const int32_t *labels;
    PetscReal      volume[8], rr, dih;
    char           what[64];

    snprintf(what, sizeof what, "-mesh_groups %s -threads %s", runs[r][0], runs[r][1]);
    TWINFE_CK(TwinfeMeshGetTetrahedra(mesh, &nt, NULL, NULL));
    TWINFE_CK(TwinfeMeshGetFacets(mesh, &nf, NULL, NULL));
    TWINFE_CK(TwinfeMeshGetRegions(mesh, &nr, &labels));
    TWINFE_CK(TwinfeMeshComputeRegionVolumes(mesh, volume));
    TWINFE_CK(TwinfeMeshComputeQuality(mesh, &rr, NULL, &dih));
    TWINFE_CK(TwinfeMeshGetComponents(mesh, &ncomp, NULL, NULL));
    printf(
        "%s: %d tets, %d facets, %d regions, %d parts, volumes %.1f %.1f %.1f %.1f mm3, min radius ratio %.3f, dihedral %.1f\n",
        what, (int)nt, (int)nf, (int)nr, (int)ncomp, (double)volume[0], (double)volume[1], (double)volume[2], (double)volume[3],
        (double)rr, (double)dih);
    ck_assert_int_eq(nr, 4);
    /* the first ball with label 2 on it, the second ball with label 3 in its hole, the slab */
    ck_assert_int_eq(ncomp, 3);
    twinfe_test_check_conforming(mesh);
    ck_assert_msg(rr >= 0.1 && dih >= 10, "%s: min radius ratio %.3f, min dihedral %.1f deg", what, (double)rr, (double)dih);
    if (r == 0) {
      nf0 = nf;
      nr0 = nr;
      for (PetscInt i = 0; i < nr; i++)
        volume0[i] = volume[i];
    }
    /* the surface is every group's input, kept as it is: the same facets, the same volumes */
    ck_assert_int_eq(nf, nf0);
    ck_assert_int_eq(nr, nr0);
    for (PetscInt i = 0; i < nr; i++)
      ck_assert_msg(PetscAbsReal(volume[i] - volume0[i]) <= 1e-9 * volume0[i], "%s: region %d volume %.6f, one group %.6f", what,
                    (int)labels[i], (double)volume[i], (double)volume0[i]);
    TWINFE_CK(TwinfeMeshDestroy(&mesh));
  }
  TWINFE_CK(TwinfeSurfaceDestroy(&s));
}
END_TEST

START_TEST(test_groups_refuses_bad_values)
{
  TwinfeSurface s    = scan_surface();
  TwinfeMesh    mesh = NULL;
  TWINFE_CK(PetscOptionsSetValue(NULL, "-mesh_groups", "0"));
  TWINFE_CK_FAILS(TwinfeMeshCreateFromSurface(s, 0, NULL, NULL, &mesh));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-mesh_groups", "65"));
  TWINFE_CK_FAILS(TwinfeMeshCreateFromSurface(s, 0, NULL, NULL, &mesh));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-mesh_groups"));
  ck_assert_ptr_null(mesh);
  TWINFE_CK(TwinfeSurfaceDestroy(&s));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("mesh_groups");
  TCase *tc = tcase_create("groups");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_groups_join_conformally);
  tcase_add_test(tc, test_groups_refuses_bad_values);
  suite_add_tcase(s, tc);
  return s;
}
