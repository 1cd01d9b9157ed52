/* Elastic (spring) support: a column standing on springs under its own weight, held by nothing
 * else.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Column [0,2] x [0,2] x [0,10] mm, E 5 kPa, nu 0, density 1e-3 g/mm^3, gravity -9810 mm/s^2
 * along z; springs k = 100 Pa/mm on its base (tag 5), in every direction. Exact (nu = 0, so the
 * column stays one-dimensional): the springs carry the weight, -k u_z(0) = rho g H, and
 *   u_z(z) = -rho g H / k - (rho g / E) (H z - z^2 / 2),  u_x = u_y = 0,
 * which P2 holds: P2's nodal values are exact up to the solver (CG rtol 1e-10: 1e-8 relative
 * asserted). For P1 and P2 the springs' total force equals the weight (equilibrium, any mesh,
 * 1e-8 relative). */
#include "twinfe_test.h"

#include <twinfe/partition.h>
#include <twinfe/physics.h>

#define COL_E 5000.0
#define COL_RHO 1e-3
#define COL_G 9810.0
#define COL_H 10.0
#define COL_K 100.0

static PetscReal ExactUz(PetscReal z)
{
  PetscReal rg = COL_RHO * COL_G;
  return -rg * COL_H / COL_K - rg / COL_E * (COL_H * z - 0.5 * z * z);
}

static void Column(PetscInt degree)
{
  DM                 dm;
  TwinfeElasticity   el;
  TwinfeSpace        space;
  SNES               snes;
  KSP                ksp;
  Vec                u, coords;
  PetscInt           n[3]  = {2, 2, 10}, nsprings, nlocal;
  PetscReal          lo[3] = {0, 0, 0}, hi[3] = {2, 2, COL_H}, g[3] = {0, 0, -COL_G}, force[3], weight, err = 0, global;
  const PetscScalar *x, *uu;

  TWINFE_CK(TwinfeCreateBoxTetMesh(PETSC_COMM_WORLD, n, lo, hi, &dm));
  TWINFE_CK(TwinfeElasticityCreate(dm, &el));
  TWINFE_CK(TwinfeElasticitySetDegree(el, degree));
  TWINFE_CK(TwinfeElasticitySetMaterial(el, 1, COL_E, 0.0, COL_RHO));
  TWINFE_CK(TwinfeElasticitySetGravity(el, g));
  TWINFE_CK(TwinfeElasticityAddSpring(el, 5, COL_K));
  TWINFE_CK(TwinfeElasticityGetSNES(el, &snes));
  TWINFE_CK(SNESGetKSP(snes, &ksp));
  TWINFE_CK(KSPSetTolerances(ksp, 1e-10, 1e-30, PETSC_DEFAULT, 1000));
  TWINFE_CK(TwinfeElasticitySolve(el));

  weight = COL_RHO * COL_G * 2 * 2 * COL_H;
  TWINFE_CK(TwinfeElasticityGetSpringForces(el, &nsprings, force));
  ck_assert_int_eq(nsprings, 1);
  PetscPrintf(PETSC_COMM_WORLD, "P%d: springs' force (%.3e, %.3e, %.9e) uN, weight %.9e uN\n", (int)degree, (double)force[0],
              (double)force[1], (double)force[2], (double)weight);
  ck_assert_double_le(PetscAbsReal(force[2] - weight), 1e-8 * weight);
  ck_assert_double_le(PetscAbsReal(force[0]) + PetscAbsReal(force[1]), 1e-8 * weight);

  /* the nodal displacement against the exact one (every node of the space) */
  TWINFE_CK(TwinfeElasticityGetSpace(el, &space));
  TWINFE_CK(TwinfeElasticityGetSolution(el, &u));
  TWINFE_CK(TwinfeSpaceCreateNodeCoordinates(space, 0, &coords));
  TWINFE_CK(VecGetLocalSize(u, &nlocal));
  TWINFE_CK(VecGetArrayRead(coords, &x));
  TWINFE_CK(VecGetArrayRead(u, &uu));
  for (PetscInt i = 0; i < nlocal; i += 3) {
    err = PetscMax(err, PetscAbsReal(PetscRealPart(uu[i])) + PetscAbsReal(PetscRealPart(uu[i + 1])));
    err = PetscMax(err, PetscAbsReal(PetscRealPart(uu[i + 2]) - ExactUz(PetscRealPart(x[i + 2]))));
  }
  TWINFE_CK(VecRestoreArrayRead(coords, &x));
  TWINFE_CK(VecRestoreArrayRead(u, &uu));
  MPI_Allreduce(&err, &global, 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD);
  PetscPrintf(PETSC_COMM_WORLD, "P%d: max nodal error %.3e mm (base %.6f, top %.6f mm)\n", (int)degree, (double)global,
              (double)ExactUz(0), (double)ExactUz(COL_H));
  if (degree == 2)
    ck_assert_double_le(global, 1e-8 * PetscAbsReal(ExactUz(COL_H)));
  else
    ck_assert_double_le(global, 0.05 * PetscAbsReal(ExactUz(COL_H))); /* P1: near, not exact */
  TWINFE_CK(VecDestroy(&coords));
  TWINFE_CK(TwinfeElasticityDestroy(&el));
  TWINFE_CK(DMDestroy(&dm));
}

START_TEST(column_on_springs_p1)
{
  Column(1);
}
END_TEST

START_TEST(column_on_springs_p2)
{
  Column(2);
}
END_TEST

START_TEST(bad_supports_refused)
{
  DM               dm;
  TwinfeElasticity el;
  PetscInt         n[3]  = {2, 2, 2};
  PetscReal        lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1};

  TWINFE_CK(TwinfeCreateBoxTetMesh(PETSC_COMM_WORLD, n, lo, hi, &dm));
  TWINFE_CK(TwinfeElasticityCreate(dm, &el));
  TWINFE_CK(TwinfeElasticitySetMaterial(el, 1, COL_E, 0.3, COL_RHO));
  TWINFE_CK_FAILS(TwinfeElasticityAddSpring(el, 5, -1));
  TWINFE_CK_FAILS(TwinfeElasticityAddSpring(el, 5, 0));
  TWINFE_CK(TwinfeElasticityAddSpring(el, 77, 10)); /* no face has tag 77: refused at set-up */
  TWINFE_CK_FAILS(TwinfeElasticitySetUp(el));
  TWINFE_CK(TwinfeElasticityDestroy(&el));
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("elasticity_support");
  TCase *tc = tcase_create("support");
  tcase_add_test(tc, column_on_springs_p1);
  tcase_add_test(tc, column_on_springs_p2);
  tcase_add_test(tc, bad_supports_refused);
  suite_add_tcase(s, tc);
  return s;
}
