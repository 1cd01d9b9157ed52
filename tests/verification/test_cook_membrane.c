/* Cook's membrane, the standard locking benchmark, at nu = 0.4999: the mixed displacement-
 * pressure form converges under refinement where pure-displacement P1 tets lock.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The tapered panel with corners (0,0), (48,44), (48,60), (0,44) mm, 1 mm thick, in plane strain
 * (u_z = 0 on both faces z = 0, 1), clamped on x = 0 and loaded by a vertical shear traction of
 * total 100 uN on x = 48; small-strain linear law, E = 250 Pa, nu = 0.4999. Meshes of N x N x 1
 * hexes of 6 tets mapped onto the panel, N = 2, 4, 8, 16, 32. Printed: the vertical displacement
 * of the top corner (48, 60) per mesh and formulation (docs/verification.md gives the table).
 * Pure displacement is solved up to N = 8 only: CG needs over a thousand iterations beyond (the
 * stiffness' condition number grows with lambda/mu; 1,187 for P1 and 2,111 for P2 at N = 16,
 * measured once and listed in docs/verification.md), the mixed system about 140. Asserted:
 *   - mixed P2-P1: the corner's displacement converges: successive changes shrink, and the last
 *     (N = 16 to 32) is below 1% of the value;
 *   - the mixed value at N = 8 is already within 3% of N = 32 (no locking on coarse meshes);
 *   - pure-displacement P1 locks: at N = 8 it reaches less than half the mixed value. */
#include "twinfe_test.h"

#include <twinfe/partition.h>
#include <twinfe/physics.h>

#define E_PA 250.0
#define NU 0.4999
#define LOAD 100.0 /* uN, over the 16 x 1 mm^2 face */

/* The unit box onto the panel: x = 48 s, y = 44 s + t (44 - 28 s). */
static PetscErrorCode MapToPanel(DM dm)
{
  Vec          c;
  PetscScalar *x;
  PetscInt     n;

  PetscFunctionBeginUser;
  PetscCall(DMGetCoordinatesLocal(dm, &c));
  PetscCall(VecGetLocalSize(c, &n));
  PetscCall(VecGetArray(c, &x));
  for (PetscInt i = 0; i < n; i += 3) {
    PetscReal s = PetscRealPart(x[i]), t = PetscRealPart(x[i + 1]);
    x[i]     = 48 * s;
    x[i + 1] = 44 * s + t * (44 - 28 * s);
  }
  PetscCall(VecRestoreArray(c, &x));
  PetscCall(DMSetCoordinatesLocal(dm, c));
  PetscFunctionReturn(0);
}

/* u_y at the vertices at (48, 60). */
static PetscBool CornerUy(const PetscReal x[3], const PetscReal u[3], PetscReal *v)
{
  *v = u[1];
  return PetscAbsReal(x[0] - 48) < 1e-9 && PetscAbsReal(x[1] - 60) < 1e-9;
}

static PetscReal CornerDisplacement(TwinfeElasticity el)
{
  PetscInt  count;
  PetscReal uy = twinfe_test_vertex_mean(el, CornerUy, &count);
  ck_assert_int_eq(count, 2);
  return uy;
}

static PetscReal Solve(PetscInt N, TwinfeElasticityFormulation form, PetscInt degree, PetscInt *its)
{
  DM               dm;
  TwinfeElasticity el;
  SNES             snes;
  KSP              ksp;
  PetscInt         n[3]  = {N, N, 1};
  PetscReal        lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1}, shear[3] = {0, LOAD / 16.0, 0}, uy;

  TWINFE_CK(TwinfeCreateBoxTetMesh(PETSC_COMM_WORLD, n, lo, hi, &dm));
  TWINFE_CK(MapToPanel(dm));
  TWINFE_CK(TwinfeElasticityCreate(dm, &el));
  TWINFE_CK(TwinfeElasticitySetDegree(el, degree));
  TWINFE_CK(TwinfeElasticitySetFormulation(el, form));
  TWINFE_CK(TwinfeElasticitySetMaterial(el, 1, E_PA, NU, 0));
  TWINFE_CK(TwinfeElasticityAddClamp(el, 1, NULL));
  TWINFE_CK(TwinfeElasticityAddDisplacement(el, 5, 4, NULL, NULL));
  TWINFE_CK(TwinfeElasticityAddDisplacement(el, 6, 4, NULL, NULL));
  TWINFE_CK(TwinfeElasticityAddTraction(el, 2, shear));
  TWINFE_CK(TwinfeElasticityGetSNES(el, &snes));
  TWINFE_CK(SNESGetKSP(snes, &ksp));
  TWINFE_CK(KSPSetTolerances(ksp, 1e-10, 1e-30, PETSC_DEFAULT, 5000));
  TWINFE_CK(TwinfeElasticitySolve(el));
  uy = CornerDisplacement(el);
  TWINFE_CK(TwinfeElasticityGetNewtonInfo(el, NULL, NULL, its, NULL));
  TWINFE_CK(TwinfeElasticityDestroy(&el));
  TWINFE_CK(DMDestroy(&dm));
  return uy;
}

START_TEST(cook_membrane)
{
  const PetscInt nmesh = 5, sizes[5] = {2, 4, 8, 16, 32};
  PetscReal      mixed[5], p1[5] = {0}, p2[5] = {0};
  PetscInt       its[3][5] = {{0}};

  PetscPrintf(PETSC_COMM_WORLD, "Cook's membrane, nu %.4f: corner u_y (mm) [linear iterations]\n%4s %22s %22s %22s\n", NU, "N",
              "mixed P2-P1", "displacement P1", "displacement P2");
  for (PetscInt i = 0; i < nmesh; ++i) {
    mixed[i] = Solve(sizes[i], TWINFE_ELASTICITY_MIXED, 2, &its[0][i]);
    if (sizes[i] <= 8) {
      p1[i] = Solve(sizes[i], TWINFE_ELASTICITY_DISPLACEMENT, 1, &its[1][i]);
      p2[i] = Solve(sizes[i], TWINFE_ELASTICITY_DISPLACEMENT, 2, &its[2][i]);
    }
    PetscPrintf(PETSC_COMM_WORLD, "%4d %14.6f [%5d] %14.6f [%5d] %14.6f [%5d]\n", (int)sizes[i], (double)mixed[i], (int)its[0][i],
                (double)p1[i], (int)its[1][i], (double)p2[i], (int)its[2][i]);
  }
  for (PetscInt i = 2; i < nmesh; ++i)
    ck_assert_double_lt(PetscAbsReal(mixed[i] - mixed[i - 1]), PetscAbsReal(mixed[i - 1] - mixed[i - 2]));
  ck_assert_double_lt(PetscAbsReal(mixed[4] - mixed[3]), 0.01 * mixed[4]);
  ck_assert_double_lt(PetscAbsReal(mixed[2] - mixed[4]), 0.03 * mixed[4]);
  ck_assert_double_lt(p1[2], 0.5 * mixed[2]);
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("cook_membrane");
  TCase *tc = tcase_create("cook");
  tcase_set_timeout(tc, 900);
  tcase_add_test(tc, cook_membrane);
  suite_add_tcase(s, tc);
  return s;
}
