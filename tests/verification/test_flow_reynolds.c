/* Navier-Stokes at Re 300: the solver's defaults converge, and each flow gets its regime's.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A square duct (D 10 mm, 5 D long, 4 hexes across and 20 along, 6 tets each: 10,488 unknowns)
 * with a fully developed-like inflow whose mean U gives Re = rho U D / mu = 300, no-slip walls
 * and a free outlet, blood's density and viscosity, grad-div 10 mu: benchmarks/bench_flow's
 * case at n = 4. Navier-Stokes gets the velocity block preconditioned by its lower block
 * triangle in the components with one BoomerAMG V-cycle each (libtwinfe/physics/flow.c,
 * SetInnerSolverDefaults). Measured on 1 rank: 3 Newton steps of 147-155 GMRES iterations;
 * with the Stokes default (one GAMG V-cycle on the whole block) 522-559. Asserted: Newton
 * converges, at most 250 iterations in a step, and the outflow equals the inflow to 1e-8.
 * Also: a Stokes flow made after a Navier-Stokes one in the same process gets GAMG, not the
 * other's defaults, and a user's choice of the velocity block's preconditioner is kept. */
#include "flow_duct.h"
#include "twinfe_checks.h"
#include "twinfe_test.h"

#include <twinfe/flow.h>

#define RE 300.0

static TwinfeFlow DuctFlow(DM dm, PetscBool navier_stokes, PetscReal *mean)
{
  TwinfeFlow flow;
  *mean = RE * MU / (RHO * DUCT_D);
  TWINFE_CK(TwinfeFlowCreate(dm, &flow));
  TWINFE_CK(TwinfeFlowSetFluid(flow, RHO, MU));
  TWINFE_CK(TwinfeFlowSetConvection(flow, navier_stokes));
  TWINFE_CK(TwinfeFlowSetGradDiv(flow, 10 * MU));
  for (PetscInt tag = 1; tag <= 4; ++tag)
    TWINFE_CK(TwinfeFlowAddWall(flow, tag));
  TWINFE_CK(TwinfeFlowAddVelocity(flow, INLET, DuctInflow, mean));
  TWINFE_CK(TwinfeFlowSetFromOptions(flow));
  return flow;
}

static PetscBool HasOption(const char name[])
{
  PetscBool set;
  TWINFE_CK(PetscOptionsHasName(NULL, NULL, name, &set));
  return set;
}

START_TEST(test_re300_duct_converges)
{
  DM          dm = Duct();
  TwinfeFlow  flow;
  TwinfeSpace space;
  Vec         U;
  PetscReal   mean, in, out;
  PetscInt    newton, linear, max_linear;

  flow = DuctFlow(dm, PETSC_TRUE, &mean);
  TWINFE_CK(TwinfeFlowSolve(flow));
  TWINFE_CK(TwinfeFlowGetSolverInfo(flow, &newton, &linear, &max_linear));
  TWINFE_CK(TwinfeFlowGetSpace(flow, &space));
  TWINFE_CK(TwinfeFlowGetSolution(flow, &U));
  TWINFE_CK(TwinfeSpaceComputeFaceFlux(space, INLET, 0, U, &in));
  TWINFE_CK(TwinfeSpaceComputeFaceFlux(space, OUTLET, 0, U, &out));
  PetscPrintf(PETSC_COMM_WORLD,
              "duct at Re 300: %d Newton steps, %d linear iterations, at most %d in a step; in %.9g, out %.9g mm^3/s\n",
              (int)newton, (int)linear, (int)max_linear, (double)-in, (double)out);
  ck_assert_int_le(max_linear, 250);
  ck_assert_double_eq_tol(out, -in, 1e-8 * PetscAbsReal(in));
  TWINFE_CK(TwinfeFlowDestroy(&flow));
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

START_TEST(test_defaults_follow_the_regime)
{
  DM         dm = Duct();
  TwinfeFlow flow;
  PetscReal  mean;

  flow = DuctFlow(dm, PETSC_TRUE, &mean);
  ck_assert(HasOption("-flow_fieldsplit_velocity_component_pc_type"));
  ck_assert(!HasOption("-flow_fieldsplit_velocity_pc_gamg_threshold"));
  TWINFE_CK(TwinfeFlowDestroy(&flow));

  flow = DuctFlow(dm, PETSC_FALSE, &mean); /* Stokes after Navier-Stokes: its own defaults */
  ck_assert(HasOption("-flow_fieldsplit_velocity_pc_gamg_threshold"));
  ck_assert(!HasOption("-flow_fieldsplit_velocity_component_pc_type"));
  TWINFE_CK(TwinfeFlowSolve(flow));
  TWINFE_CK(TwinfeFlowDestroy(&flow));

  /* the user's choice stays, and brings none of either regime's velocity options */
  TWINFE_CK(PetscOptionsSetValue(NULL, "-flow_fieldsplit_velocity_pc_type", "jacobi"));
  flow = DuctFlow(dm, PETSC_TRUE, &mean);
  TWINFE_CK(TwinfeFlowDestroy(&flow));
  flow = DuctFlow(dm, PETSC_FALSE, &mean);
  {
    char      type[64];
    PetscBool set;
    TWINFE_CK(PetscOptionsGetString(NULL, NULL, "-flow_fieldsplit_velocity_pc_type", type, sizeof type, &set));
    ck_assert(set);
    ck_assert_str_eq(type, "jacobi");
  }
  ck_assert(!HasOption("-flow_fieldsplit_velocity_pc_gamg_threshold"));
  ck_assert(!HasOption("-flow_fieldsplit_velocity_component_pc_type"));
  TWINFE_CK(TwinfeFlowDestroy(&flow));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-flow_fieldsplit_velocity_pc_type"));
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("flow_reynolds");
  TCase *tc = tcase_create("reynolds");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_re300_duct_converges);
  tcase_add_test(tc, test_defaults_follow_the_regime);
  suite_add_tcase(s, tc);
  return s;
}
