/* TwinfePhysics, the interface the case drives: chosen by name, its options checked before any
 * work, its clamps refused on the whole mesh when a part would float, then set up, solved and
 * written without a case.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The mesh is a 10 mm box of 4^3 hexes (region 1, facet tags 1..6 by face, TwinfeMeshCreateBox);
 * for the floating-part test a copy of it 20 mm away along x (region 2, facet tags 11..16). */
#include "twinfe_checks.h"

#include <stdio.h>
#include <string.h>
#include <twinfe/core.h>
#include <twinfe/partition.h>
#include <twinfe/physics.h>

static TwinfeMesh box_mesh(void)
{
  const PetscInt  n[3]  = {4, 4, 4};
  const PetscReal lo[3] = {0, 0, 0}, hi[3] = {10, 10, 10};
  TwinfeMesh      mesh;
  TWINFE_CK(TwinfeMeshCreateBox(n, lo, hi, &mesh));
  return mesh;
}

/* The box and a copy of it shifted by 20 mm along x, region 2, facet tags + 10: two parts. */
static TwinfeMesh two_boxes(void)
{
  TwinfeMesh       a = box_mesh(), two;
  PetscInt         nv, nt, nf;
  const PetscReal *x;
  const PetscInt  *tets, *facets;
  const int32_t   *regions, *tags;
  PetscReal       *x2;
  PetscInt        *tets2, *facets2;
  int32_t         *regions2, *tags2;

  TWINFE_CK(TwinfeMeshGetVertices(a, &nv, &x));
  TWINFE_CK(TwinfeMeshGetTetrahedra(a, &nt, &tets, &regions));
  TWINFE_CK(TwinfeMeshGetFacets(a, &nf, &facets, &tags));
  x2       = malloc(sizeof *x2 * 6 * (size_t)nv);
  tets2    = malloc(sizeof *tets2 * 8 * (size_t)nt);
  regions2 = malloc(sizeof *regions2 * 2 * (size_t)nt);
  facets2  = malloc(sizeof *facets2 * 6 * (size_t)nf);
  tags2    = malloc(sizeof *tags2 * 2 * (size_t)nf);
  for (PetscInt i = 0; i < 3 * nv; i++)
    x2[i] = x[i], x2[3 * nv + i] = x[i] + (i % 3 == 0 ? 20 : 0);
  for (PetscInt i = 0; i < 4 * nt; i++)
    tets2[i] = tets[i], tets2[4 * nt + i] = tets[i] + nv;
  for (PetscInt i = 0; i < nt; i++)
    regions2[i] = 1, regions2[nt + i] = 2;
  for (PetscInt i = 0; i < 3 * nf; i++)
    facets2[i] = facets[i], facets2[3 * nf + i] = facets[i] + nv;
  for (PetscInt i = 0; i < nf; i++)
    tags2[i] = tags[i], tags2[nf + i] = tags[i] + 10;
  TWINFE_CK(TwinfeMeshCreate(2 * nv, x2, 2 * nt, tets2, regions2, 2 * nf, facets2, tags2, &two));
  free(x2), free(tets2), free(regions2), free(facets2), free(tags2);
  TWINFE_CK(TwinfeMeshDestroy(&a));
  return two;
}

START_TEST(test_names)
{
  const char *const *names;
  TwinfePhysics      physics    = NULL;
  PetscBool          elasticity = PETSC_FALSE;
  const char        *name, *fields;

  TWINFE_CK(TwinfePhysicsList(&names));
  for (PetscInt i = 0; names[i]; i++)
    elasticity = (PetscBool)(elasticity || !strcmp(names[i], "elasticity"));
  ck_assert(elasticity);
  TWINFE_CK_FAILS(TwinfePhysicsCreate(PETSC_COMM_WORLD, "stokes_typo", &physics));
  ck_assert_ptr_null(physics);
  TWINFE_CK(TwinfePhysicsCreate(PETSC_COMM_WORLD, "elasticity", &physics));
  TWINFE_CK(TwinfePhysicsGetName(physics, &name, &fields));
  ck_assert_str_eq(name, "elasticity");
  ck_assert_ptr_nonnull(strstr(fields, "displacement"));
  /* solving before setting up is an error, not a crash */
  TWINFE_CK_FAILS(TwinfePhysicsSolve(physics));
  TWINFE_CK(TwinfePhysicsDestroy(&physics));
}
END_TEST

START_TEST(test_options_checked_before_work)
{
  const int32_t     label   = 1;
  const char *const names[] = {"box"};
  TwinfePhysics     physics;

  TWINFE_CK(TwinfePhysicsCreate(PETSC_COMM_WORLD, "elasticity", &physics));
  TWINFE_CK(TwinfePhysicsSetRegions(physics, 1, &label, names));
  TWINFE_CK(TwinfePhysicsCheckOptions(physics));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-box_E", "-5"));
  TWINFE_CK_FAILS(TwinfePhysicsCheckOptions(physics));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-box_E"));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-box_nu", "0.5"));
  TWINFE_CK_FAILS(TwinfePhysicsCheckOptions(physics));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-box_nu"));
  TWINFE_CK(TwinfePhysicsDestroy(&physics));
}
END_TEST

START_TEST(test_prepare_refuses_a_floating_part)
{
  const int32_t     labels[2] = {1, 2};
  const char *const names[2]  = {"left", "right"};
  TwinfeMesh        mesh      = two_boxes();
  TwinfePhysics     physics;

  TWINFE_CK(TwinfePhysicsCreate(PETSC_COMM_WORLD, "elasticity", &physics));
  TWINFE_CK(TwinfePhysicsSetRegions(physics, 2, labels, names));
  /* by default every outer tag holds its own part: both parts held */
  TWINFE_CK(TwinfePhysicsPrepare(physics, mesh));
  /* only the left box's x = 0 face: the right box floats and is refused before any solve */
  TWINFE_CK(PetscOptionsSetValue(NULL, "-clamp_tags", "1"));
  TWINFE_CK_FAILS(TwinfePhysicsPrepare(physics, mesh));
  /* a tag no facet carries */
  TWINFE_CK(PetscOptionsSetValue(NULL, "-clamp_tags", "7"));
  TWINFE_CK_FAILS(TwinfePhysicsPrepare(physics, mesh));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-clamp_tags"));
  TWINFE_CK(TwinfePhysicsDestroy(&physics));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

/* A vessel's caps (TwinfeCapTag) are outer surfaces of its region, not interfaces: held by the
   default clamp with the wall (one box per tag: wall, inlet and outlet) and listed as outer
   surfaces when -clamp_tags names a tag the mesh lacks. */
START_TEST(test_caps_are_outer_surfaces)
{
  const int32_t     label   = 1;
  const char *const names[] = {"vessel"};
  TwinfeMesh        mesh;
  TwinfePhysics     physics;
  TwinfeReport      report;
  PetscInt          boxes = 0;
  PetscBool         found = PETSC_FALSE;
  PetscErrorCode    ierr;
  const char       *message;
  char              inlet[16];

  TWINFE_CK(TwinfeMeshCreateTube(2.0, 10.0, 1.0, &mesh));
  TWINFE_CK(TwinfeReportCreate(&report));
  TWINFE_CK(TwinfePhysicsCreate(PETSC_COMM_WORLD, "elasticity", &physics));
  TWINFE_CK(TwinfePhysicsSetRegions(physics, 1, &label, names));
  TWINFE_CK(TwinfePhysicsSetReport(physics, report));
  TWINFE_CK(TwinfePhysicsPrepare(physics, mesh));
  TWINFE_CK(TwinfeReportGetInt(report, "boundary.clamp.boxes", &boxes, &found));
  ck_assert(found);
  ck_assert_int_eq(boxes, 3);
  TWINFE_CK(PetscOptionsSetValue(NULL, "-clamp_tags", "7"));
  twinfe_test_capture_errors_begin();
  ierr    = TwinfePhysicsPrepare(physics, mesh);
  message = twinfe_test_capture_errors_end();
  TWINFE_CK(PetscOptionsClearValue(NULL, "-clamp_tags"));
  ck_assert_msg(ierr != 0, "-clamp_tags 7 was accepted on a tube tagged 1 and its caps");
  snprintf(inlet, sizeof inlet, "%d", (int)TwinfeCapTag(1, 1));
  ck_assert_msg(strstr(message, "the outer surfaces are 1 (") && strstr(message, inlet), "caps not listed as outer: %s", message);
  ck_assert_msg(!strstr(message, "interface"), "a cap called an interface: %s", message);
  TWINFE_CK(TwinfePhysicsDestroy(&physics));
  TWINFE_CK(TwinfeReportDestroy(&report));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

START_TEST(test_lifecycle_without_a_case)
{
  const int32_t      label   = 1;
  const char *const  names[] = {"box"};
  TwinfeMesh         mesh    = box_mesh();
  TwinfePhysics      physics;
  TwinfeReport       report;
  TwinfeResults      results;
  DM                 dm;
  PetscInt           iterations = 0, nfiles = 0;
  PetscBool          found = PETSC_FALSE;
  const char *const *files;

  TWINFE_CK(TwinfeReportCreate(&report));
  TWINFE_CK(TwinfePhysicsCreate(PETSC_COMM_WORLD, "elasticity", &physics));
  TWINFE_CK(TwinfePhysicsSetRegions(physics, 1, &label, names));
  TWINFE_CK(TwinfePhysicsSetReport(physics, report));
  TWINFE_CK(TwinfePhysicsCheckOptions(physics));
  TWINFE_CK(TwinfePhysicsPrepare(physics, mesh));
  TWINFE_CK(TwinfePartitionDistribute(PETSC_COMM_WORLD, mesh, &dm));
  TWINFE_CK(TwinfePhysicsSetUp(physics, dm));
  TWINFE_CK(TwinfePhysicsSolve(physics));
  TWINFE_CK(TwinfeReportGetInt(report, "solve.iterations", &iterations, &found));
  ck_assert_msg(found && iterations > 0, "solve.iterations %d (found %d)", (int)iterations, (int)found);
  TWINFE_CK(TwinfeResultsCreate(PETSC_COMM_WORLD, twinfe_test_work_dir(), "physics_api", &results));
  TWINFE_CK(TwinfePhysicsWriteResults(physics, results));
  TWINFE_CK(TwinfeResultsGetFiles(results, &nfiles, &files));
  /* the series (.pvd), the unloaded state and the solution */
  ck_assert_int_eq(nfiles, 3);
  TWINFE_CK(TwinfeResultsDestroy(&results));
  TWINFE_CK(TwinfePhysicsDestroy(&physics));
  TWINFE_CK(DMDestroy(&dm));
  TWINFE_CK(TwinfeReportDestroy(&report));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("physics_api");
  TCase *tc = tcase_create("physics");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_names);
  tcase_add_test(tc, test_options_checked_before_work);
  tcase_add_test(tc, test_prepare_refuses_a_floating_part);
  tcase_add_test(tc, test_lifecycle_without_a_case);
  tcase_add_test(tc, test_caps_are_outer_surfaces);
  suite_add_tcase(s, tc);
  return s;
}
