/* Patch tests: a linear displacement prescribed on the whole boundary is reproduced inside.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Linear fields lie in the P1 and P2 spaces and have constant stress (zero divergence), so the
 * discrete solution equals them up to the linear solver tolerance: with CG rtol 1e-12 the
 * relative error is ~1e-10 at most here, well inside the 1e-8 asserted. */
#include "twinfe_test.h"

#include <twinfe/fem.h>
#include <twinfe/partition.h>
#include <twinfe/physics.h>

typedef struct {
  PetscReal A[3][3], b[3];
} Linear;

static PetscErrorCode LinearField(const PetscReal x[3], PetscReal u[3], void *ctx)
{
  const Linear *L = (const Linear *)ctx;
  for (PetscInt i = 0; i < 3; ++i)
    u[i] = L->b[i] + L->A[i][0] * x[0] + L->A[i][1] * x[1] + L->A[i][2] * x[2];
  return 0;
}

/* Cells with centroid x > 0.5 get region 2: the interface is a mesh plane for even n. */
static DM TwoRegionBox(PetscInt n)
{
  DM        dm;
  DMLabel   label;
  PetscInt  nn[3] = {n, n, n}, cStart, cEnd;
  PetscReal lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1};

  TWINFE_CK(TwinfeCreateBoxTetMesh(PETSC_COMM_WORLD, nn, lo, hi, &dm));
  TWINFE_CK(DMGetLabel(dm, "Cell Sets", &label));
  TWINFE_CK(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  for (PetscInt c = cStart; c < cEnd; ++c) {
    PetscReal centroid[3];
    TWINFE_CK(DMPlexComputeCellGeometryFVM(dm, c, NULL, centroid, NULL));
    if (centroid[0] > 0.5) {
      TWINFE_CK(DMLabelClearValue(label, c, 1));
      TWINFE_CK(DMLabelSetValue(label, c, 2));
    }
  }
  return dm;
}

/* max |u_h - u| / max |u| over every dof of the solution (P2 edge dofs included). With
   resolve, region 2 is first solved 10 times stiffer and then set to E2 and solved again: a
   small-strain solve frees its matrix pattern map after assembly, so the second solve shows
   that a changed material re-assembles the stiffness through a rebuilt pattern. */
static PetscReal PatchErrorAfter(PetscInt degree, PetscReal E2, PetscReal nu2, const Linear *L, PetscBool resolve)
{
  DM                 dm = TwoRegionBox(4), sdm;
  TwinfeElasticity   el;
  TwinfeSpace        space;
  SNES               snes;
  KSP                ksp;
  Vec                u, coords, exact;
  PetscReal          err, ref;
  const PetscScalar *x;
  PetscScalar       *ex;
  PetscInt           n;

  TWINFE_CK(TwinfeElasticityCreate(dm, &el));
  TWINFE_CK(TwinfeElasticitySetDegree(el, degree));
  TWINFE_CK(TwinfeElasticitySetMaterial(el, 1, 1000.0, 0.3, 1e-3));
  TWINFE_CK(TwinfeElasticitySetMaterial(el, 2, resolve ? 10 * E2 : E2, nu2, 1e-3));
  for (PetscInt tag = 1; tag <= 6; ++tag)
    TWINFE_CK(TwinfeElasticityAddDisplacement(el, tag, 7, LinearField, (void *)L));
  TWINFE_CK(TwinfeElasticityGetSNES(el, &snes));
  TWINFE_CK(SNESGetKSP(snes, &ksp));
  TWINFE_CK(KSPSetTolerances(ksp, 1e-12, 1e-30, PETSC_DEFAULT, 1000));
  TWINFE_CK(TwinfeElasticitySolve(el));
  if (resolve) {
    TWINFE_CK(TwinfeElasticitySetMaterial(el, 2, E2, nu2, 1e-3));
    TWINFE_CK(TwinfeElasticitySolve(el));
  }
  TWINFE_CK(TwinfeElasticityGetSpace(el, &space));
  TWINFE_CK(TwinfeElasticityGetSolution(el, &u));
  TWINFE_CK(TwinfeSpaceGetDM(space, &sdm));
  TWINFE_CK(TwinfeSpaceCreateNodeCoordinates(space, 0, &coords));
  TWINFE_CK(VecDuplicate(u, &exact));
  TWINFE_CK(VecGetLocalSize(u, &n));
  TWINFE_CK(VecGetArrayRead(coords, &x));
  TWINFE_CK(VecGetArray(exact, &ex));
  for (PetscInt i = 0; i < n; i += 3) {
    PetscReal p[3] = {PetscRealPart(x[i]), PetscRealPart(x[i + 1]), PetscRealPart(x[i + 2])}, v[3];
    LinearField(p, v, (void *)L);
    for (PetscInt k = 0; k < 3; ++k)
      ex[i + k] = v[k];
  }
  TWINFE_CK(VecRestoreArrayRead(coords, &x));
  TWINFE_CK(VecRestoreArray(exact, &ex));
  TWINFE_CK(VecNorm(exact, NORM_INFINITY, &ref));
  TWINFE_CK(VecAXPY(exact, -1.0, u));
  TWINFE_CK(VecNorm(exact, NORM_INFINITY, &err));
  TWINFE_CK(VecDestroy(&exact));
  TWINFE_CK(VecDestroy(&coords));
  TWINFE_CK(TwinfeElasticityDestroy(&el));
  TWINFE_CK(DMDestroy(&dm));
  return err / ref;
}

static PetscReal PatchError(PetscInt degree, PetscReal E2, PetscReal nu2, const Linear *L)
{
  return PatchErrorAfter(degree, E2, nu2, L, PETSC_FALSE);
}

/* Any linear field with one material everywhere (two regions, same E: tests the region plumbing). */
static const Linear general = {{{1e-3, 2e-3, -1e-3}, {0.5e-3, -2e-3, 1e-3}, {3e-3, 1e-3, 1.5e-3}}, {0.1, -0.2, 0.05}};
/* With different materials a linear field is in equilibrium only if the traction on the
   interface x = 0.5 is continuous: eps_xx = eps_xy = eps_xz = 0 and tr(eps) = 0 make
   sigma.e_x = 0 on both sides. */
static const Linear interface = {{{0, 0, 0}, {0, 2e-3, 1e-3}, {0, 3e-3, -2e-3}}, {0.01, 0.02, -0.03}};

START_TEST(test_patch_p1)
{
  PetscReal err = PatchError(1, 1000.0, 0.3, &general);
  PetscPrintf(PETSC_COMM_WORLD, "patch P1 one material: relative error %.3e\n", (double)err);
  ck_assert_double_le(err, 1e-8);
}
END_TEST

START_TEST(test_patch_p2)
{
  PetscReal err = PatchError(2, 1000.0, 0.3, &general);
  PetscPrintf(PETSC_COMM_WORLD, "patch P2 one material: relative error %.3e\n", (double)err);
  ck_assert_double_le(err, 1e-8);
}
END_TEST

START_TEST(test_patch_after_material_change)
{
  /* the first solve (region 2 ten times stiffer) cannot reproduce the general field; the second must */
  PetscReal err = PatchErrorAfter(1, 1000.0, 0.3, &general, PETSC_TRUE);
  PetscPrintf(PETSC_COMM_WORLD, "patch P1 re-solved after a material change: relative error %.3e\n", (double)err);
  ck_assert_double_le(err, 1e-8);
}
END_TEST

START_TEST(test_patch_two_materials)
{
  PetscReal e1 = PatchError(1, 8000.0, 0.45, &interface), e2 = PatchError(2, 8000.0, 0.45, &interface);
  PetscPrintf(PETSC_COMM_WORLD, "patch two materials (E ratio 8): relative error P1 %.3e P2 %.3e\n", (double)e1, (double)e2);
  ck_assert_double_le(e1, 1e-8);
  ck_assert_double_le(e2, 1e-8);
}
END_TEST

START_TEST(test_material_checks)
{
  DM               dm = TwoRegionBox(2);
  TwinfeElasticity el;

  TWINFE_CK(TwinfeElasticityCreate(dm, &el));
  TWINFE_CK_FAILS(TwinfeElasticitySetMaterial(el, 1, -5.0, 0.3, 1e-3));
  TWINFE_CK_FAILS(TwinfeElasticitySetMaterial(el, 1, 1000.0, 0.5, 1e-3));
  TWINFE_CK_FAILS(TwinfeElasticitySetMaterial(el, 1, 1000.0, -1.0, 1e-3));
  TWINFE_CK_FAILS(TwinfeElasticitySetMaterial(el, 1, 1000.0, 0.3, -1.0));
  TWINFE_CK_FAILS(TwinfeElasticitySetDegree(el, 3));
  TWINFE_CK(TwinfeElasticitySetMaterial(el, 1, 1000.0, 0.3, 1e-3));
  TWINFE_CK(TwinfeElasticityAddClamp(el, 1, NULL));
  TWINFE_CK_FAILS(TwinfeElasticitySolve(el)); /* region 2 has no material */
  TWINFE_CK(TwinfeElasticityDestroy(&el));
  ck_assert_ptr_null(el);
  TWINFE_CK(TwinfeElasticityDestroy(&el));
  TWINFE_CK(TwinfeElasticityCreate(dm, &el));
  TWINFE_CK(TwinfeElasticitySetMaterial(el, 1, 1000.0, 0.3, 1e-3));
  TWINFE_CK(TwinfeElasticitySetMaterial(el, 2, 1000.0, 0.3, 1e-3));
  TWINFE_CK(TwinfeElasticityAddClamp(el, 42, NULL));
  TWINFE_CK_FAILS(TwinfeElasticitySolve(el)); /* no face has tag 42 */
  TWINFE_CK(TwinfeElasticityDestroy(&el));
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("elasticity_patch");
  TCase *tc = tcase_create("patch");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_patch_p1);
  tcase_add_test(tc, test_patch_p2);
  tcase_add_test(tc, test_patch_after_material_change);
  tcase_add_test(tc, test_patch_two_materials);
  tcase_add_test(tc, test_material_checks);
  suite_add_tcase(s, tc);
  return s;
}
