/* Manufactured solutions for Stokes and steady Navier-Stokes on the unit cube (Taylor-Hood
 * P2-P1): velocity, its gradient and pressure errors converge at the element's rates.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * u = (pi sin(pi x) cos(pi y) e^z, -pi cos(pi x) sin(pi y) e^z, 0) is divergence-free,
 * p = sin(pi x) cos(pi y) z; the body force is f = -mu lap u + rho (u . grad) u + grad p.
 * Velocity is prescribed on five faces; the sixth (z = 1) gets the traction mu du/dn - p n of
 * the exact solution, which fixes the pressure and checks the traction term. mu = 1, and
 * rho = 1 for Navier-Stokes: the convective and viscous terms are of one size (Reynolds number
 * about 1 on the unit length), so a wrong convective Jacobian shows in the rates and Newton's
 * steps. Theory for Taylor-Hood: velocity L2 O(h^3), H1 seminorm O(h^2), pressure L2 O(h^2).
 * The rates between the two finest levels (n = 4 and 8) are asserted within 0.2 of theory
 * (measured: 2.99 and 1.95 for the velocity, both problems; figures in docs/verification.md). Errors are integrated with a rule
 * exact to degree 8. */
#include "twinfe_test.h"

#include <twinfe/flow.h>
#include <twinfe/partition.h>

typedef struct {
  PetscReal density, viscosity;
} Fluid;

/* Exact velocity u, gradient G[i][j] = du_i/dx_j, Laplacian L, pressure p and its gradient. */
static void Exact(const PetscReal x[3], PetscReal u[3], PetscReal G[3][3], PetscReal L[3], PetscReal *p, PetscReal gp[3])
{
  const PetscReal pi = PETSC_PI, Sx = PetscSinReal(pi * x[0]), Cx = PetscCosReal(pi * x[0]), Sy = PetscSinReal(pi * x[1]),
                  Cy = PetscCosReal(pi * x[1]), E = PetscExpReal(x[2]);

  u[0]    = pi * Sx * Cy * E;
  u[1]    = -pi * Cx * Sy * E;
  u[2]    = 0;
  G[0][0] = pi * pi * Cx * Cy * E;
  G[0][1] = -pi * pi * Sx * Sy * E;
  G[0][2] = pi * Sx * Cy * E;
  G[1][0] = pi * pi * Sx * Sy * E;
  G[1][1] = -pi * pi * Cx * Cy * E;
  G[1][2] = -pi * Cx * Sy * E;
  G[2][0] = G[2][1] = G[2][2] = 0;
  L[0]                        = u[0] * (1 - 2 * pi * pi);
  L[1]                        = u[1] * (1 - 2 * pi * pi);
  L[2]                        = 0;
  *p                          = Sx * Cy * x[2];
  gp[0]                       = pi * Cx * Cy * x[2];
  gp[1]                       = -pi * Sx * Sy * x[2];
  gp[2]                       = Sx * Cy;
}

static PetscErrorCode BodyForce(const PetscReal x[3], PetscReal f[3], void *ctx)
{
  const Fluid *fl = (const Fluid *)ctx;
  PetscReal    u[3], G[3][3], L[3], p, gp[3];

  Exact(x, u, G, L, &p, gp);
  for (PetscInt i = 0; i < 3; ++i)
    f[i] = -fl->viscosity * L[i] + fl->density * (u[0] * G[i][0] + u[1] * G[i][1] + u[2] * G[i][2]) + gp[i];
  return 0;
}

static PetscErrorCode ExactVelocity(const PetscReal x[3], PetscReal u[3], void *ctx)
{
  PetscReal G[3][3], L[3], p, gp[3];
  (void)ctx;
  Exact(x, u, G, L, &p, gp);
  return 0;
}

static PetscErrorCode ExactTraction(const PetscReal x[3], const PetscReal n[3], PetscReal t[3], void *ctx)
{
  const Fluid *fl = (const Fluid *)ctx;
  PetscReal    u[3], G[3][3], L[3], p, gp[3];

  Exact(x, u, G, L, &p, gp);
  for (PetscInt i = 0; i < 3; ++i)
    t[i] = fl->viscosity * (G[i][0] * n[0] + G[i][1] * n[1] + G[i][2] * n[2]) - p * n[i];
  return 0;
}

/* out[0] += |u_h - u|^2, out[1] += |grad u_h - grad u|^2, out[2] += (p_h - p)^2; out[3] and
   out[4]: the largest velocity-component and pressure errors at the cell's quadrature points. */
static PetscErrorCode ErrorKernel(const TwinfeElement *e, PetscScalar out[], void *ctx)
{
  (void)ctx;
  for (PetscInt q = 0; q < e->nq; ++q) {
    PetscReal u[3], G[3][3], L[3], p, gp[3], uh[3] = {0, 0, 0}, Gh[3][3] = {{0}}, ph = 0;
    Exact(&e->x[3 * q], u, G, L, &p, gp);
    for (PetscInt b = 0; b < 10; ++b)
      for (PetscInt i = 0; i < 3; ++i) {
        const PetscReal ub = PetscRealPart(e->u[3 * b + i]);
        uh[i] += e->B[0][q * 10 + b] * ub;
        for (PetscInt j = 0; j < 3; ++j)
          Gh[i][j] += ub * e->D[0][(q * 10 + b) * 3 + j];
      }
    for (PetscInt b = 0; b < 4; ++b)
      ph += e->B[1][q * 4 + b] * PetscRealPart(e->u[30 + b]);
    for (PetscInt i = 0; i < 3; ++i) {
      out[0] += e->w[q] * PetscSqr(uh[i] - u[i]);
      for (PetscInt j = 0; j < 3; ++j)
        out[1] += e->w[q] * PetscSqr(Gh[i][j] - G[i][j]);
    }
    out[2] += e->w[q] * PetscSqr(ph - p);
    for (PetscInt i = 0; i < 3; ++i) /* out is zeroed per cell: these are the cell's maxima */
      out[3] = PetscMax(PetscRealPart(out[3]), PetscAbsReal(uh[i] - u[i]));
    out[4] = PetscMax(PetscRealPart(out[4]), PetscAbsReal(ph - p));
  }
  return 0;
}

typedef struct {
  PetscReal l2, h1, pressure, max_velocity, max_pressure;
  PetscInt  newton, max_linear;
} Errors;

static Errors Solve(PetscBool convection, PetscReal grad_div, PetscInt n)
{
  DM              dm;
  TwinfeFlow      flow;
  TwinfeSpace     space;
  Vec             U;
  Fluid           fluid = {convection ? 1.0 : 0.0, 1.0};
  const PetscInt  nn[3] = {n, n, n};
  const PetscReal lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1};
  PetscInt        ncells;
  PetscReal       local[3] = {0, 0, 0}, global[3], local_max[2] = {0, 0}, global_max[2];
  PetscScalar    *cell;
  Errors          err;

  TWINFE_CK(TwinfeCreateBoxTetMesh(PETSC_COMM_WORLD, nn, lo, hi, &dm));
  TWINFE_CK(TwinfeFlowCreate(dm, &flow));
  TWINFE_CK(TwinfeFlowSetFluid(flow, fluid.density, fluid.viscosity));
  TWINFE_CK(TwinfeFlowSetConvection(flow, convection));
  TWINFE_CK(TwinfeFlowSetGradDiv(flow, grad_div));
  for (PetscInt tag = 1; tag <= 5; ++tag)
    TWINFE_CK(TwinfeFlowAddVelocity(flow, tag, ExactVelocity, NULL));
  TWINFE_CK(TwinfeFlowAddTraction(flow, 6, ExactTraction, &fluid));
  TWINFE_CK(TwinfeFlowSetBodyForce(flow, BodyForce, &fluid));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-flow_ksp_rtol", "1e-12"));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-flow_snes_rtol", "1e-10"));
  TWINFE_CK(TwinfeFlowSetFromOptions(flow));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-flow_ksp_rtol"));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-flow_snes_rtol"));
  TWINFE_CK(TwinfeFlowSolve(flow));
  TWINFE_CK(TwinfeFlowGetSolverInfo(flow, &err.newton, NULL, &err.max_linear));
  TWINFE_CK(TwinfeFlowGetSpace(flow, &space));
  TWINFE_CK(TwinfeFlowGetSolution(flow, &U));
  TWINFE_CK(TwinfeSpaceGetSizes(space, &ncells, NULL));
  TWINFE_CK(PetscMalloc1(5 * ncells, &cell));
  TWINFE_CK(TwinfeSpaceEvaluateCells(space, 8, U, ErrorKernel, NULL, 5, cell));
  for (PetscInt c = 0; c < ncells; ++c) {
    for (PetscInt k = 0; k < 3; ++k)
      local[k] += PetscRealPart(cell[5 * c + k]);
    for (PetscInt k = 3; k < 5; ++k)
      local_max[k - 3] = PetscMax(local_max[k - 3], PetscRealPart(cell[5 * c + k]));
  }
  MPI_Allreduce(local, global, 3, MPIU_REAL, MPIU_SUM, PETSC_COMM_WORLD);
  MPI_Allreduce(local_max, global_max, 2, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD);
  err.max_velocity = global_max[0];
  err.max_pressure = global_max[1];
  err.l2           = PetscSqrtReal(global[0]);
  err.h1           = PetscSqrtReal(global[1]);
  err.pressure     = PetscSqrtReal(global[2]);
  TWINFE_CK(PetscFree(cell));
  TWINFE_CK(TwinfeFlowDestroy(&flow));
  TWINFE_CK(DMDestroy(&dm));
  return err;
}

#define LEVELS 3

/* Largest velocity and pressure errors at the quadrature points on the finest level (n = 8),
   1-rank run: Stokes, Navier-Stokes, Navier-Stokes with grad-div. The mesh is the same on any rank count (built on rank
   0, then distributed), so on N ranks only the solver's stopping point differs: GMRES stops at
   a relative residual of 1e-12, and measured on 2 and 3 ranks the values moved by 1.3e-7 at most
   (the Schur complement's pressure is the least tied field; at 1e-11 Stokes' moved by 1.0e-6). 1e-6 relative is asserted; a ghost
   value not updated or a dof mis-mapped between ranks moves them by the field's size. */
static const PetscReal max_error_1rank[3][2] = {
    {2.328218215e-02, 1.578499974e+00}, {2.334133591e-02, 1.582139238e+00}, {2.404786977e-02, 2.080827417e+00}};
static const char *const names[3] = {"stokes", "navier-stokes", "navier-stokes+grad-div"};
#define RANK_TOLERANCE 1e-6

/* case_index: 0 Stokes, 1 Navier-Stokes, 2 Navier-Stokes with grad-div (the row of
   max_error_1rank). */
static void Rates(PetscInt case_index, PetscInt n0)
{
  const PetscBool convection = case_index > 0;
  const PetscReal grad_div   = case_index == 2 ? 1.0 : 0.0;
  Errors          e[LEVELS];
  PetscReal       rate[3] = {0, 0, 0};

  for (PetscInt k = 0; k < LEVELS; ++k) {
    const PetscInt n = n0 << k;
    e[k]             = Solve(convection, grad_div, n);
    if (k > 0) {
      rate[0] = PetscLog2Real(e[k - 1].l2 / e[k].l2);
      rate[1] = PetscLog2Real(e[k - 1].h1 / e[k].h1);
      rate[2] = PetscLog2Real(e[k - 1].pressure / e[k].pressure);
    }
    PetscPrintf(PETSC_COMM_WORLD, "%s n=%2d: largest errors at the quadrature points: velocity %.9e, pressure %.9e\n",
                names[case_index], (int)n, (double)e[k].max_velocity, (double)e[k].max_pressure);
    PetscPrintf(PETSC_COMM_WORLD,
                "%s n=%2d (%6d tets): velocity L2 %.9e H1 %.9e, pressure L2 %.9e; rates %.2f %.2f %.2f; Newton %d, linear "
                "iterations at most %d\n",
                names[case_index], (int)n, (int)(6 * n * n * n), (double)e[k].l2, (double)e[k].h1, (double)e[k].pressure,
                (double)rate[0], (double)rate[1], (double)rate[2], (int)e[k].newton, (int)e[k].max_linear);
  }
  ck_assert_double_eq_tol(e[LEVELS - 1].max_velocity, max_error_1rank[case_index][0],
                          RANK_TOLERANCE * max_error_1rank[case_index][0]);
  ck_assert_double_eq_tol(e[LEVELS - 1].max_pressure, max_error_1rank[case_index][1],
                          RANK_TOLERANCE * max_error_1rank[case_index][1]);
  ck_assert_double_eq_tol(rate[0], 3.0, 0.2);
  ck_assert_double_eq_tol(rate[1], 2.0, 0.2);
  /* On these structured (Kuhn) meshes the pressure superconverges: 3.4 at n = 8 and 3.2 at
     n = 16, where theory guarantees 2; so only the guaranteed rate is asserted. */
  ck_assert_double_ge(rate[2], 2.0 - 0.2);
}

START_TEST(test_stokes_mms)
{
  Rates(0, 2);
}
END_TEST

START_TEST(test_navier_stokes_mms)
{
  Rates(1, 2);
}
END_TEST

/* The grad-div term (gamma = 1 Pa s = mu) is consistent: the rates stay. */
START_TEST(test_navier_stokes_grad_div_mms)
{
  Rates(2, 2);
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("flow_mms");
  TCase *tc = tcase_create("mms");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_stokes_mms);
  tcase_add_test(tc, test_navier_stokes_mms);
  tcase_add_test(tc, test_navier_stokes_grad_div_mms);
  suite_add_tcase(s, tc);
  return s;
}
