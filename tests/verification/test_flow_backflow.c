/* Pulsatile Navier-Stokes driven by a prescribed inflow that reverses: every time step converges,
 * and blood entering through the outlet is held by the backflow stabilisation.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The duct of test_flow_reynolds (D 10 mm, 5 D long, 10,488 unknowns), blood, grad-div 10 mu,
 * no-slip walls, a free outlet stabilised with beta = 1 (TwinfeFlowAddBackflowStabilization).
 * The inlet's velocity is the duct's profile of mean U (Re = rho U D / mu = 300 at its peak) times
 * cos(2 pi t / T), T = 0.4 s: from rest at t = -T/4 the flow rises, falls, and in the second half
 * of the cycle runs backwards, leaving by the inlet and entering by the outlet. Steps of T/20.
 *
 * Asserted at every step: Newton converges (a time step raises an error otherwise) in at most 4
 * steps, and the outflow equals the prescribed inflow of that instant to 1e-8 of the peak flow
 * (the fluid is incompressible and the duct rigid). In the reversed half the outlet must really
 * carry reversed flow (so that the stabilisation is what is tested).
 *
 * What each part guards, measured on one rank:
 * - Newton from the state with the new step's boundary values: without it the first step from
 *   rest "converged" at once to the fluid at rest (outflow 0 against 3,061 mm^3/s; the
 *   constrained rows' residual is scaled by the first Jacobian's diagonal, not yet formed), and
 *   on the cut aorta a later step stalled in the line search (the Jacobian eliminates the
 *   constrained columns, so a Newton step from the last step's values moves only those rows);
 * - the stabilisation: with beta = 0 the GMRES count climbs as the outlet's inflow grows (52 to
 *   337 per Newton step from t = 0.10 to 0.20 s) and the step to t = 0.22 s fails; with beta = 1
 *   at most 95 and 3-4 Newton steps throughout (docs/flow.md, "Backflow"). */
#include "flow_duct.h"
#include "twinfe_checks.h"
#include "twinfe_test.h"

#include <twinfe/flow.h>
#include <twinfe/waveform.h>

#define RE 300.0
#define PERIOD 0.4
#define STEPS 20

/* Runs one cycle from rest at t = -T/4 with the outlet's beta, checking every step. */
static void RunCycle(DM dm, PetscReal beta)
{
  const PetscReal mean = RE * MU / (RHO * DUCT_D), cosine[2] = {0, 1};
  const PetscReal peak = mean * DUCT_D * DUCT_D, dt = PERIOD / STEPS;
  TwinfeFlow      flow;
  TwinfeWaveform  w;
  TwinfeSpace     space;
  Vec             U;
  PetscInt        reversed = 0;

  TWINFE_CK(TwinfeFlowCreate(dm, &flow));
  TWINFE_CK(TwinfeFlowSetFluid(flow, RHO, MU));
  TWINFE_CK(TwinfeFlowSetGradDiv(flow, 10 * MU));
  for (PetscInt tag = 1; tag <= 4; ++tag)
    TWINFE_CK(TwinfeFlowAddWall(flow, tag));
  TWINFE_CK(TwinfeFlowAddVelocity(flow, INLET, DuctInflow, (void *)&mean));
  if (beta > 0) TWINFE_CK(TwinfeFlowAddBackflowStabilization(flow, OUTLET, beta));
  TWINFE_CK(TwinfeFlowScaleVelocityToFlowRate(flow, INLET, peak)); /* exactly, on the discrete inlet */
  TWINFE_CK(TwinfeWaveformCreateFourier(PETSC_COMM_WORLD, PERIOD, 2, cosine, NULL, &w));
  TWINFE_CK(TwinfeFlowSetWaveform(flow, INLET, w));
  TWINFE_CK(TwinfeWaveformDestroy(&w));
  TWINFE_CK(TwinfeFlowSetFromOptions(flow));
  TWINFE_CK(TwinfeFlowSetTime(flow, -PERIOD / 4));
  TWINFE_CK(TwinfeFlowGetSpace(flow, &space));
  for (PetscInt k = 1; k <= STEPS; ++k) {
    const PetscReal t = -PERIOD / 4 + k * dt, inflow = peak * PetscCosReal(2 * PETSC_PI * t / PERIOD);
    PetscReal       out, in;
    PetscInt        newton, linear, max_linear;
    PetscErrorCode  ierr;

    TWINFE_CK(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = TwinfeFlowStep(flow, dt);
    TWINFE_CK(PetscPopErrorHandler());
    ck_assert_msg(!ierr, "beta %g: the step to t = %.3f s failed", (double)beta, (double)t);
    TWINFE_CK(TwinfeFlowGetSolverInfo(flow, &newton, &linear, &max_linear));
    TWINFE_CK(TwinfeFlowGetSolution(flow, &U));
    TWINFE_CK(TwinfeSpaceComputeFaceFlux(space, INLET, 0, U, &in));
    TWINFE_CK(TwinfeSpaceComputeFaceFlux(space, OUTLET, 0, U, &out));
    PetscPrintf(PETSC_COMM_WORLD, "beta %g, t %.3f s: inflow %10.1f, out %10.1f mm^3/s; Newton %d, GMRES at most %d\n",
                (double)beta, (double)t, (double)-in, (double)out, (int)newton, (int)max_linear);
    ck_assert_int_le(newton, 4);
    ck_assert_double_eq_tol(-in, inflow, 1e-8 * peak);
    ck_assert_double_eq_tol(out, inflow, 1e-8 * peak);
    if (out < -0.1 * peak) reversed++;
  }
  ck_assert_int_ge(reversed, STEPS / 4);
  TWINFE_CK(TwinfeFlowDestroy(&flow));
}

START_TEST(test_reversing_inflow)
{
  DM dm = Duct();
  RunCycle(dm, 1.0);
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("flow_backflow");
  TCase *tc = tcase_create("backflow");
  tcase_set_timeout(tc, 900);
  tcase_add_test(tc, test_reversing_inflow);
  suite_add_tcase(s, tc);
  return s;
}
