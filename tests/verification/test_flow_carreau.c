/* Carreau-Yasuda blood (TwinfeFlowSetCarreauYasuda): the shear-thinning viscous term
 * 2 mu(g) D(u) : D(v), its Newton Jacobian and the wall shear stress.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * 1. Manufactured solution on the unit cube (steady Navier-Stokes, Taylor-Hood P2-P1): u, p of
 *    test_flow_mms, the body force f = -div(2 mu(g) D(u)) + rho (u . grad) u + grad p computed
 *    from u's gradient and Hessian, the traction 2 mu D n - p n on z = 1, the exact velocity on
 *    the other faces. Two fluids, both with the viscosity varying 5-10 fold over the cube: the
 *    Carreau form (a = 2) and a Yasuda exponent a = 0.64 (c = mu'(g)/g unbounded at rest); and
 *    the Carreau fluid without inertia (rho 0: Stokes, Newton for the viscosity alone; measured
 *    rates 2.97, 1.96, 3.10 and 9 Newton steps at n = 8, as with inertia).
 *    Velocity L2 and H1 rates between n = 4 and 8 asserted within 0.2 of 3 and 2; the
 *    body force itself is checked against central differences of the stress.
 * 2. Newtonian limit: mu_inf = mu0 in a tube with the exact Poiseuille data (velocity on the
 *    inlet and the wall, the traction 2 mu D n - p n on the outlet) reproduces Poiseuille flow,
 *    which lies in the Taylor-Hood space, to the solver's tolerance (necessary, not sufficient).
 * 3. A tube driven by a pressure drop (blood's parameters): fully developed flow of any
 *    generalized Newtonian fluid has the shear stress G r / 2 (G = -dp/dz), so the shear rate
 *    solves mu(g) g = G r / 2 at each radius, and Q = pi int_0^R r^2 g(r) dr (a 1-D integral,
 *    computed here). The tractions of that solution, -p n plus the tangential G r / 2, drive
 *    the tube. The flow rate exceeds that of a Newtonian fluid with mu = mu0 (shear thinning)
 *    and matches the 1-D integral; the wall shear stress is G R / 2 whatever the rheology, so
 *    it also checks that the wall's viscosity is mu(g) there. */
#include "twinfe_checks.h"
#include "twinfe_test.h"

#include <twinfe/flow.h>
#include <twinfe/partition.h>
#include <string.h>

typedef struct {
  PetscReal rho, mu0, mu_inf, lambda, n, a;
} Fluid;

/* mu(g) and mu'(g) (0 at g = 0, where only a = 1 ... 2 would give a finite value). */
static void Viscosity(const Fluid *fl, PetscReal g, PetscReal *mu, PetscReal *dmu)
{
  const PetscReal s = PetscPowReal(fl->lambda * g, fl->a), e = (fl->n - 1) / fl->a;

  *mu  = fl->mu_inf + (fl->mu0 - fl->mu_inf) * PetscPowReal(1 + s, e);
  *dmu = g > 0 ? (fl->mu0 - fl->mu_inf) * (fl->n - 1) * (s / g) * PetscPowReal(1 + s, e - 1) : 0;
}

/* ---- 1. manufactured solution ------------------------------------------------------------ */

/* u = (pi sin(pi x) cos(pi y) e^z, -pi cos(pi x) sin(pi y) e^z, 0), p = sin(pi x) cos(pi y) z:
   u, G[i][j] = du_i/dx_j, H[i][j][k] = d2u_i/dx_j dx_k, p and grad p. */
static void Exact(const PetscReal x[3], PetscReal u[3], PetscReal G[3][3], PetscReal H[3][3][3], PetscReal *p, PetscReal gp[3])
{
  const PetscReal pi = PETSC_PI, Sx = PetscSinReal(pi * x[0]), Cx = PetscCosReal(pi * x[0]), Sy = PetscSinReal(pi * x[1]),
                  Cy = PetscCosReal(pi * x[1]), E = PetscExpReal(x[2]), p2 = pi * pi, p3 = p2 * pi;

  u[0]    = pi * Sx * Cy * E;
  u[1]    = -pi * Cx * Sy * E;
  u[2]    = 0;
  G[0][0] = p2 * Cx * Cy * E;
  G[0][1] = -p2 * Sx * Sy * E;
  G[0][2] = pi * Sx * Cy * E;
  G[1][0] = p2 * Sx * Sy * E;
  G[1][1] = -p2 * Cx * Cy * E;
  G[1][2] = -pi * Cx * Sy * E;
  G[2][0] = G[2][1] = G[2][2] = 0;
  PetscMemzero(H, sizeof(PetscReal[3][3][3]));
  H[0][0][0] = -p3 * Sx * Cy * E;
  H[0][0][1] = H[0][1][0] = -p3 * Cx * Sy * E;
  H[0][0][2] = H[0][2][0] = p2 * Cx * Cy * E;
  H[0][1][1]              = -p3 * Sx * Cy * E;
  H[0][1][2] = H[0][2][1] = -p2 * Sx * Sy * E;
  H[0][2][2]              = pi * Sx * Cy * E;
  H[1][0][0]              = p3 * Cx * Sy * E;
  H[1][0][1] = H[1][1][0] = p3 * Sx * Cy * E;
  H[1][0][2] = H[1][2][0] = p2 * Sx * Sy * E;
  H[1][1][1]              = p3 * Cx * Sy * E;
  H[1][1][2] = H[1][2][1] = -p2 * Cx * Cy * E;
  H[1][2][2]              = -pi * Cx * Sy * E;
  *p                      = Sx * Cy * x[2];
  gp[0]                   = pi * Cx * Cy * x[2];
  gp[1]                   = -pi * Sx * Sy * x[2];
  gp[2]                   = Sx * Cy;
}

/* The viscous stress S = 2 mu(g) D of the exact solution, and the shear rate g. */
static void Stress(const Fluid *fl, const PetscReal G[3][3], PetscReal S[3][3], PetscReal *g)
{
  PetscReal dd = 0, mu, dmu;

  for (PetscInt i = 0; i < 3; ++i)
    for (PetscInt j = 0; j < 3; ++j)
      dd += 0.5 * PetscSqr(G[i][j] + G[j][i]);
  *g = PetscSqrtReal(dd);
  Viscosity(fl, *g, &mu, &dmu);
  for (PetscInt i = 0; i < 3; ++i)
    for (PetscInt j = 0; j < 3; ++j)
      S[i][j] = mu * (G[i][j] + G[j][i]);
}

/* div S_i = 2 mu d_j D_ij + 2 D_ij d_j mu, d_k mu = mu'(g) 2 D_ij d_k D_ij / g. */
static void StressDivergence(const Fluid *fl, const PetscReal G[3][3], const PetscReal H[3][3][3], PetscReal div[3])
{
  PetscReal D[3][3], dD[3][3][3], dd = 0, g, mu, dmu, gmu[3] = {0, 0, 0};

  for (PetscInt i = 0; i < 3; ++i)
    for (PetscInt j = 0; j < 3; ++j) {
      D[i][j] = 0.5 * (G[i][j] + G[j][i]);
      dd += 2 * D[i][j] * D[i][j];
      for (PetscInt k = 0; k < 3; ++k)
        dD[k][i][j] = 0.5 * (H[i][j][k] + H[j][i][k]);
    }
  g = PetscSqrtReal(dd);
  Viscosity(fl, g, &mu, &dmu);
  for (PetscInt k = 0; k < 3 && g > 0; ++k)
    for (PetscInt i = 0; i < 3; ++i)
      for (PetscInt j = 0; j < 3; ++j)
        gmu[k] += dmu * 2 * D[i][j] * dD[k][i][j] / g;
  for (PetscInt i = 0; i < 3; ++i) {
    div[i] = 0;
    for (PetscInt j = 0; j < 3; ++j)
      div[i] += 2 * mu * dD[j][i][j] + 2 * D[i][j] * gmu[j];
  }
}

static PetscErrorCode BodyForce(const PetscReal x[3], PetscReal f[3], void *ctx)
{
  const Fluid *fl = (const Fluid *)ctx;
  PetscReal    u[3], G[3][3], H[3][3][3], p, gp[3], div[3];

  Exact(x, u, G, H, &p, gp);
  StressDivergence(fl, G, H, div);
  for (PetscInt i = 0; i < 3; ++i)
    f[i] = -div[i] + fl->rho * (u[0] * G[i][0] + u[1] * G[i][1] + u[2] * G[i][2]) + gp[i];
  return 0;
}

static PetscErrorCode ExactVelocity(const PetscReal x[3], PetscReal u[3], void *ctx)
{
  PetscReal G[3][3], H[3][3][3], p, gp[3];
  (void)ctx;
  Exact(x, u, G, H, &p, gp);
  return 0;
}

static PetscErrorCode ExactTraction(const PetscReal x[3], const PetscReal n[3], PetscReal t[3], void *ctx)
{
  PetscReal u[3], G[3][3], H[3][3][3], p, gp[3], S[3][3], g;

  Exact(x, u, G, H, &p, gp);
  Stress((const Fluid *)ctx, G, S, &g);
  for (PetscInt i = 0; i < 3; ++i)
    t[i] = S[i][0] * n[0] + S[i][1] * n[1] + S[i][2] * n[2] - p * n[i];
  return 0;
}

/* out[0] += |u_h - u|^2, out[1] += |grad u_h - grad u|^2, out[2] += (p_h - p)^2, out[3] the
   cell's largest velocity-component error at a quadrature point. */
static PetscErrorCode ErrorKernel(const TwinfeElement *e, PetscScalar out[], void *ctx)
{
  (void)ctx;
  for (PetscInt q = 0; q < e->nq; ++q) {
    PetscReal u[3], G[3][3], H[3][3][3], p, gp[3], uh[3] = {0, 0, 0}, Gh[3][3] = {{0}}, ph = 0;
    Exact(&e->x[3 * q], u, G, H, &p, gp);
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
      out[3] = PetscMax(PetscRealPart(out[3]), PetscAbsReal(uh[i] - u[i]));
    }
    out[2] += e->w[q] * PetscSqr(ph - p);
  }
  return 0;
}

typedef struct {
  PetscReal l2, h1, pressure, max_velocity;
  PetscInt  newton, max_linear;
} Errors;

static Errors SolveMMS(Fluid *fluid, PetscInt n)
{
  DM              dm;
  TwinfeFlow      flow;
  TwinfeSpace     space;
  Vec             U;
  const PetscInt  nn[3] = {n, n, n};
  const PetscReal lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1};
  PetscInt        ncells;
  PetscReal       local[4] = {0, 0, 0, 0}, global[3], max;
  PetscScalar    *cell;
  Errors          err;

  TWINFE_CK(TwinfeCreateBoxTetMesh(PETSC_COMM_WORLD, nn, lo, hi, &dm));
  TWINFE_CK(TwinfeFlowCreate(dm, &flow));
  TWINFE_CK(TwinfeFlowSetFluid(flow, fluid->rho, fluid->mu0));
  TWINFE_CK(TwinfeFlowSetCarreauYasuda(flow, fluid->mu0, fluid->mu_inf, fluid->lambda, fluid->n, fluid->a));
  for (PetscInt tag = 1; tag <= 5; ++tag)
    TWINFE_CK(TwinfeFlowAddVelocity(flow, tag, ExactVelocity, NULL));
  TWINFE_CK(TwinfeFlowAddTraction(flow, 6, ExactTraction, fluid));
  TWINFE_CK(TwinfeFlowSetBodyForce(flow, BodyForce, fluid));
  /* Newton stops at 1e-10; FGMRES to 1e-8 per step keeps its end quadratic (the error of a
     step's linear solve is 1e-8 of a residual that is already small) */
  TWINFE_CK(PetscOptionsSetValue(NULL, "-flow_ksp_rtol", "1e-8"));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-flow_snes_rtol", "1e-10"));
  TWINFE_CK(TwinfeFlowSetFromOptions(flow));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-flow_ksp_rtol"));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-flow_snes_rtol"));
  TWINFE_CK(TwinfeFlowSolve(flow));
  TWINFE_CK(TwinfeFlowGetSolverInfo(flow, &err.newton, NULL, &err.max_linear));
  TWINFE_CK(TwinfeFlowGetSpace(flow, &space));
  TWINFE_CK(TwinfeFlowGetSolution(flow, &U));
  TWINFE_CK(TwinfeSpaceGetSizes(space, &ncells, NULL));
  TWINFE_CK(PetscMalloc1(4 * ncells, &cell));
  TWINFE_CK(TwinfeSpaceEvaluateCells(space, 8, U, ErrorKernel, NULL, 4, cell));
  for (PetscInt c = 0; c < ncells; ++c) {
    for (PetscInt k = 0; k < 3; ++k)
      local[k] += PetscRealPart(cell[4 * c + k]);
    local[3] = PetscMax(local[3], PetscRealPart(cell[4 * c + 3]));
  }
  MPI_Allreduce(local, global, 3, MPIU_REAL, MPIU_SUM, PETSC_COMM_WORLD);
  MPI_Allreduce(&local[3], &max, 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD);
  err.l2           = PetscSqrtReal(global[0]);
  err.h1           = PetscSqrtReal(global[1]);
  err.pressure     = PetscSqrtReal(global[2]);
  err.max_velocity = max;
  TWINFE_CK(PetscFree(cell));
  TWINFE_CK(TwinfeFlowDestroy(&flow));
  TWINFE_CK(DMDestroy(&dm));
  return err;
}

/* rho 0.1 keeps the Reynolds number near 1 at mu about 0.1: the viscous term, which is what is
   checked here, dominates. The exact solution's shear rate spans 0 to about 50 /s, so with
   lambda 1 s mu varies from mu0 = 1 to about 0.1 (a = 2) and 0.2 (a = 0.64) Pa s. */
/* Carreau, Yasuda; and the Carreau fluid without inertia (rho 0: Stokes, solved by Newton for the
   viscosity alone). */
static Fluid fluids[3] = {
    {0.1, 1.0, 0.05, 1.0, 0.3568, 2.0}, {0.1, 1.0, 0.05, 1.0, 0.5, 0.64}, {0.0, 1.0, 0.05, 1.0, 0.3568, 2.0}};

/* The body force against central differences of the exact stress (step 1e-5: truncation
   about 1e-10 x the third derivative, rounding 1e-16 / 1e-5 of the stress, both below 1e-8
   relative); a wrong Hessian entry or a missing grad mu term is off by O(1). */
START_TEST(test_body_force)
{
  const PetscReal points[3][3] = {{0.3, 0.7, 0.2}, {0.81, 0.1, 0.9}, {0.5, 0.4, 0.6}};
  const PetscReal h            = 1e-5;

  for (PetscInt k = 0; k < 2; ++k)
    for (PetscInt m = 0; m < 3; ++m) {
      PetscReal u[3], G[3][3], H[3][3][3], p, gp[3], div[3], fd[3] = {0, 0, 0}, norm = 0, diff = 0;
      Exact(points[m], u, G, H, &p, gp);
      StressDivergence(&fluids[k], G, H, div);
      for (PetscInt j = 0; j < 3; ++j) {
        PetscReal xp[3], xm[3], Sp[3][3], Sm[3][3], g;
        for (PetscInt d = 0; d < 3; ++d)
          xp[d] = xm[d] = points[m][d];
        xp[j] += h, xm[j] -= h;
        Exact(xp, u, G, H, &p, gp);
        Stress(&fluids[k], G, Sp, &g);
        Exact(xm, u, G, H, &p, gp);
        Stress(&fluids[k], G, Sm, &g);
        for (PetscInt i = 0; i < 3; ++i)
          fd[i] += (Sp[i][j] - Sm[i][j]) / (2 * h);
      }
      for (PetscInt i = 0; i < 3; ++i) {
        norm += div[i] * div[i];
        diff += PetscSqr(div[i] - fd[i]);
      }
      ck_assert_double_lt(PetscSqrtReal(diff), 1e-7 * PetscSqrtReal(norm));
    }
}
END_TEST

#define LEVELS 3

/* Velocity L2 errors at n = 8 on one rank, per fluid. */
static const PetscReal l2_1rank[3] = {4.779665077e-03, 4.644177845e-03, 4.783597783e-03};

static void Rates(PetscInt k)
{
  Errors    e[LEVELS];
  PetscReal rate[3] = {0, 0, 0};

  for (PetscInt l = 0; l < LEVELS; ++l) {
    const PetscInt n = 2 << l;
    e[l]             = SolveMMS(&fluids[k], n);
    if (l > 0) {
      rate[0] = PetscLog2Real(e[l - 1].l2 / e[l].l2);
      rate[1] = PetscLog2Real(e[l - 1].h1 / e[l].h1);
      rate[2] = PetscLog2Real(e[l - 1].pressure / e[l].pressure);
    }
    PetscPrintf(
        PETSC_COMM_WORLD,
        "carreau-yasuda rho=%g a=%g n=%2d: velocity L2 %.9e H1 %.9e, pressure L2 %.9e; rates %.2f %.2f %.2f; largest velocity "
        "error %.9e; Newton %d, linear iterations at most %d\n",
        (double)fluids[k].rho, (double)fluids[k].a, (int)n, (double)e[l].l2, (double)e[l].h1, (double)e[l].pressure,
        (double)rate[0], (double)rate[1], (double)rate[2], (double)e[l].max_velocity, (int)e[l].newton, (int)e[l].max_linear);
  }
  ck_assert_double_eq_tol(rate[0], 3.0, 0.2);
  ck_assert_double_eq_tol(rate[1], 2.0, 0.2);
  /* the pressure superconverges on these Kuhn meshes as in test_flow_mms (3.1-3.3 measured);
     theory guarantees 2 */
  ck_assert_double_ge(rate[2], 2.0 - 0.2);
  /* The mesh is the same on any rank count; Newton stops at a 1e-10 relative
     residual (FGMRES 1e-8 per step), and 1, 2 and 3 ranks gave the same L2 error to the 10 digits printed. 1e-6
     relative is asserted; a ghost value not updated moves it by percent. */
  ck_assert_double_eq_tol(e[LEVELS - 1].l2, l2_1rank[k], 1e-6 * l2_1rank[k]);
}

START_TEST(test_carreau_mms)
{
  Rates(0);
}
END_TEST

START_TEST(test_yasuda_mms)
{
  Rates(1);
}
END_TEST

START_TEST(test_stokes_carreau_mms)
{
  Rates(2);
}
END_TEST

/* ---- tubes -------------------------------------------------------------------------------- */

#define INLET 1000001 /* TwinfeCapTag(1, 1), z = 0 */
#define OUTLET 2000001
#define WALL 1

typedef struct {
  PetscReal G, L; /* pressure gradient -dp/dz (Pa/mm), tube length (mm) */
} Drive;

/* The traction of fully developed flow, p = G (L - z): -p n on a cap, plus the shear stress
   G r / 2 along e_r, whose sign follows the cap's normal (n_z = -1 at the inlet, +1 at the
   outlet): whatever the rheology. */
static PetscErrorCode DevelopedTraction(const PetscReal x[3], const PetscReal n[3], PetscReal t[3], void *ctx)
{
  const Drive    *d = (const Drive *)ctx;
  const PetscReal p = d->G * (d->L - x[2]);

  for (PetscInt i = 0; i < 3; ++i)
    t[i] = -p * n[i];
  t[0] -= n[2] * d->G * x[0] / 2;
  t[1] -= n[2] * d->G * x[1] / 2;
  return 0;
}

#define TUBE_R 2.0
#define U_MEAN 50.0 /* mm/s */
#define MU 3.5e-3

static PetscErrorCode PoiseuilleVelocity(const PetscReal x[3], PetscReal u[3], void *ctx)
{
  (void)ctx;
  u[0] = u[1] = 0;
  u[2]        = 2 * U_MEAN * (1 - (x[0] * x[0] + x[1] * x[1]) / (TUBE_R * TUBE_R));
  return 0;
}

/* out[0]: the cell's largest |u_h - u| at its quadrature points, out[1] its largest |p_h - p|. */
static PetscErrorCode PoiseuilleErrorKernel(const TwinfeElement *e, PetscScalar out[], void *ctx)
{
  const Drive *d = (const Drive *)ctx;

  for (PetscInt q = 0; q < e->nq; ++q) {
    PetscReal u[3], uh[3] = {0, 0, 0}, ph = 0;
    PoiseuilleVelocity(&e->x[3 * q], u, NULL);
    for (PetscInt b = 0; b < 10; ++b)
      for (PetscInt i = 0; i < 3; ++i)
        uh[i] += e->B[0][q * 10 + b] * PetscRealPart(e->u[3 * b + i]);
    for (PetscInt b = 0; b < 4; ++b)
      ph += e->B[1][q * 4 + b] * PetscRealPart(e->u[30 + b]);
    for (PetscInt i = 0; i < 3; ++i)
      out[0] = PetscMax(PetscRealPart(out[0]), PetscAbsReal(uh[i] - u[i]));
    out[1] = PetscMax(PetscRealPart(out[1]), PetscAbsReal(ph - d->G * (d->L - e->x[3 * q + 2])));
  }
  return 0;
}

static TwinfeFlow CreateFlow(DM dm, const Fluid *fl, const char rtol[])
{
  TwinfeFlow flow;

  TWINFE_CK(TwinfeFlowCreate(dm, &flow));
  TWINFE_CK(TwinfeFlowSetFluid(flow, fl->rho, fl->mu0));
  TWINFE_CK(TwinfeFlowSetCarreauYasuda(flow, fl->mu0, fl->mu_inf, fl->lambda, fl->n, fl->a));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-flow_ksp_rtol", rtol));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-flow_snes_rtol", "1e-10"));
  TWINFE_CK(TwinfeFlowSetFromOptions(flow));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-flow_ksp_rtol"));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-flow_snes_rtol"));
  return flow;
}

/* mu_inf = mu0: Poiseuille flow (in the discrete space) is reproduced to the solver's tolerance,
   as by the Newtonian fluid in test_flow_poiseuille (1e-9 of the peak there). */
START_TEST(test_newtonian_limit)
{
  const PetscReal length = 6.0;
  DM              dm     = twinfe_test_tube_dm(TUBE_R, length, 1.0);
  const Fluid     fl     = {1.06e-3, MU, MU, 3.313, 0.3568, 2};
  Drive           drive  = {8 * MU * U_MEAN / (TUBE_R * TUBE_R), length};
  TwinfeFlow      flow   = CreateFlow(dm, &fl, "1e-8");
  TwinfeSpace     space;
  Vec             U;
  PetscInt        ncells, newton;
  PetscScalar    *cell;
  PetscReal       local[2] = {0, 0}, max[2], mean, largest;
  DM              vdm;
  Vec             wss;

  TWINFE_CK(TwinfeFlowAddVelocity(flow, INLET, PoiseuilleVelocity, NULL));
  TWINFE_CK(TwinfeFlowAddVelocity(flow, WALL, PoiseuilleVelocity, NULL));
  TWINFE_CK(TwinfeFlowAddTraction(flow, OUTLET, DevelopedTraction, &drive));
  TWINFE_CK(TwinfeFlowSolve(flow));
  TWINFE_CK(TwinfeFlowGetSolverInfo(flow, &newton, NULL, NULL));
  TWINFE_CK(TwinfeFlowGetSpace(flow, &space));
  TWINFE_CK(TwinfeFlowGetSolution(flow, &U));
  TWINFE_CK(TwinfeSpaceGetSizes(space, &ncells, NULL));
  TWINFE_CK(PetscCalloc1(2 * ncells + 2, &cell));
  TWINFE_CK(TwinfeSpaceEvaluateCells(space, 4, U, PoiseuilleErrorKernel, &drive, 2, cell));
  for (PetscInt c = 0; c < ncells; ++c)
    for (PetscInt k = 0; k < 2; ++k)
      local[k] = PetscMax(local[k], PetscRealPart(cell[2 * c + k]));
  MPI_Allreduce(local, max, 2, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD);
  TWINFE_CK(TwinfeFlowComputeWallShearStress(flow, WALL, &vdm, &wss, &mean, &largest));
  PetscPrintf(PETSC_COMM_WORLD,
              "Newtonian limit: largest error velocity %.3e mm/s (peak %g), pressure %.3e Pa (drop %g); Newton %d; wall shear "
              "stress mean %.6g, largest %.6g Pa (4 mu U / R = %.6g)\n",
              (double)max[0], 2 * U_MEAN, (double)max[1], (double)(drive.G * length), (int)newton, (double)mean, (double)largest,
              4 * MU * U_MEAN / TUBE_R);
  /* Newton stops at a 1e-10 relative residual; a wrong term of the symmetric form (or
     its traction) gives errors of percent */
  ck_assert_double_lt(max[0], 1e-7 * 2 * U_MEAN);
  ck_assert_double_lt(max[1], 1e-7 * drive.G * length);
  /* the exact field's wall shear stress on the chords (test_flow_poiseuille): at most 4 mu U / R */
  ck_assert_double_le(largest, 4 * MU * U_MEAN / TUBE_R);
  ck_assert_double_ge(largest, 0.98 * 4 * MU * U_MEAN / TUBE_R);
  TWINFE_CK(VecDestroy(&wss));
  TWINFE_CK(DMDestroy(&vdm));
  TWINFE_CK(PetscFree(cell));
  TWINFE_CK(TwinfeFlowDestroy(&flow));
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

/* The shear rate where mu(g) g = tau (the stress rises with g: bisection). */
static PetscReal ShearRate(const Fluid *fl, PetscReal tau)
{
  PetscReal lo = 0, hi = tau / fl->mu_inf;

  for (PetscInt it = 0; it < 200; ++it) {
    const PetscReal mid = 0.5 * (lo + hi);
    PetscReal       mu, dmu;
    Viscosity(fl, mid, &mu, &dmu);
    if (mu * mid < tau)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

/* Q = pi int_0^R r^2 g(r) dr, g(r) solving mu(g) g = G r / 2; composite Simpson, 4000 intervals
   (the integrand is smooth; 2000 intervals agree to 1e-9 relative). */
static PetscReal DevelopedFlowRate(const Fluid *fl, PetscReal G, PetscReal R)
{
  const PetscInt m   = 4000;
  PetscReal      sum = 0;

  for (PetscInt k = 0; k <= m; ++k) {
    const PetscReal r = R * k / m, w = (k == 0 || k == m) ? 1 : (k % 2 ? 4 : 2);
    sum += w * r * r * ShearRate(fl, G * r / 2);
  }
  return PETSC_PI * sum * (R / m) / 3;
}

typedef struct {
  PetscReal flow_rate, exact, wss_mean;
  PetscInt  newton, max_linear;
} TubeResult;

static TubeResult DrivenTube(DM dm, const Fluid *fl, Drive *drive)
{
  TwinfeFlow  flow = CreateFlow(dm, fl, "1e-8");
  TwinfeSpace space;
  Vec         U, wss;
  DM          vdm;
  PetscReal   q_in, largest;
  TubeResult  r;

  TWINFE_CK(TwinfeFlowAddWall(flow, WALL));
  TWINFE_CK(TwinfeFlowAddTraction(flow, INLET, DevelopedTraction, drive));
  TWINFE_CK(TwinfeFlowAddTraction(flow, OUTLET, DevelopedTraction, drive));
  TWINFE_CK(TwinfeFlowSolve(flow));
  TWINFE_CK(TwinfeFlowGetSolverInfo(flow, &r.newton, NULL, &r.max_linear));
  TWINFE_CK(TwinfeFlowGetSpace(flow, &space));
  TWINFE_CK(TwinfeFlowGetSolution(flow, &U));
  TWINFE_CK(TwinfeSpaceComputeFaceFlux(space, OUTLET, 0, U, &r.flow_rate));
  TWINFE_CK(TwinfeSpaceComputeFaceFlux(space, INLET, 0, U, &q_in));
  ck_assert_double_eq_tol(-q_in, r.flow_rate, 1e-6 * r.flow_rate);
  TWINFE_CK(TwinfeFlowComputeWallShearStress(flow, WALL, &vdm, &wss, &r.wss_mean, &largest));
  r.exact = DevelopedFlowRate(fl, drive->G, TUBE_R);
  TWINFE_CK(VecDestroy(&wss));
  TWINFE_CK(DMDestroy(&vdm));
  TWINFE_CK(TwinfeFlowDestroy(&flow));
  return r;
}

START_TEST(test_shear_thinning_tube)
{
  const PetscReal length = 4.0; /* developed flow from cap to cap: any length does */
  DM              dm     = twinfe_test_tube_dm(TUBE_R, length, 0.5);
  const Fluid     blood = {1.06e-3, 0.056, 0.00345, 3.313, 0.3568, 2}, thick = {1.06e-3, 0.056, 0.056, 3.313, 0.3568, 2};
  Drive           drive = {0.1, length}; /* wall shear stress G R / 2 = 0.1 Pa: wall shear rate about 10 /s */
  TubeResult      cy, newtonian;

  cy        = DrivenTube(dm, &blood, &drive);
  newtonian = DrivenTube(dm, &thick, &drive);
  PetscPrintf(PETSC_COMM_WORLD,
              "tube R %g mm, G %g Pa/mm: Carreau-Yasuda Q %.6g mm^3/s (1-D integral %.6g, error %.3f%%), Newton %d, at most %d "
              "FGMRES; mu = mu0: Q %.6g (pi R^4 G / (8 mu0) %.6g, error %.3f%%), Newton %d; wall shear stress mean %.6g and %.6g "
              "Pa (G R / 2 = %g)\n",
              TUBE_R, (double)drive.G, (double)cy.flow_rate, (double)cy.exact, (double)(100 * (cy.flow_rate / cy.exact - 1)),
              (int)cy.newton, (int)cy.max_linear, (double)newtonian.flow_rate, (double)newtonian.exact,
              (double)(100 * (newtonian.flow_rate / newtonian.exact - 1)), (int)newtonian.newton, (double)cy.wss_mean,
              (double)newtonian.wss_mean, (double)(drive.G * TUBE_R / 2));
  /* Shear thinning: mu(g) <= mu0 everywhere, so more flow at the same pressure drop (measured
     5.7 times as much, between mu0's and mu_inf's 16 times). */
  ck_assert_double_gt(cy.flow_rate, 2 * newtonian.flow_rate);
  /* The faceted wall: the cross-section is short of pi R^2 (h 0.5 mm, R 2 mm), which costs the
     Newtonian flow rate 1.6% (measured; it goes as R^4). A power-law fluid's flow goes as
     R^(3 + 1/n), 5.8 against 4 at n = 0.3568, so up to 1.6% x 5.8 / 4 = 2.3% (measured 1.96%).
     3% is asserted; the viscosity mu0 or mu_inf throughout is off by a factor 5 or 3. */
  ck_assert_double_lt(PetscAbsReal(newtonian.flow_rate / newtonian.exact - 1), 0.02);
  ck_assert_double_lt(PetscAbsReal(cy.flow_rate / cy.exact - 1), 0.03);
  /* The wall shear stress of developed flow is G R / 2 for any rheology; on the chords, slightly
     inside the circle, a little less (measured 0.7% less). With mu0 at the wall instead of
     mu(g) it would be about 6 times as large. */
  ck_assert_double_le(cy.wss_mean, drive.G * TUBE_R / 2);
  ck_assert_double_ge(cy.wss_mean, 0.98 * drive.G * TUBE_R / 2);
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

/* Bad parameters are refused naming what is wrong. */
START_TEST(test_refusals)
{
  const PetscInt  nn[3] = {1, 1, 1};
  const PetscReal lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1};
  DM              dm;
  TwinfeFlow      flow;
  PetscErrorCode  ierr;
  const char     *message;
  PetscBool       set;
  PetscReal       param[5];

  TWINFE_CK(TwinfeCreateBoxTetMesh(PETSC_COMM_WORLD, nn, lo, hi, &dm));
  TWINFE_CK(TwinfeFlowCreate(dm, &flow));
  twinfe_test_capture_errors_begin();
  ierr    = TwinfeFlowSetCarreauYasuda(flow, 0.056, 0.1, 3.313, 0.3568, 2);
  message = twinfe_test_capture_errors_end();
  ck_assert_int_ne(ierr, 0);
  ck_assert_msg(strstr(message, "mu_inf 0.1 Pa s is not allowed"), "message: %s", message);
  twinfe_test_capture_errors_begin();
  ierr    = TwinfeFlowSetCarreauYasuda(flow, 0.056, 0.00345, 3.313, 1.5, 2);
  message = twinfe_test_capture_errors_end();
  ck_assert_int_ne(ierr, 0);
  ck_assert_msg(strstr(message, "n 1.5 is not allowed"), "message: %s", message);
  TWINFE_CK(TwinfeFlowGetCarreauYasuda(flow, &set, NULL));
  ck_assert(!set); /* a refused call changes nothing */
  TWINFE_CK(TwinfeFlowSetCarreauYasuda(flow, 0.056, 0.00345, 3.313, 0.3568, 2));
  TWINFE_CK(TwinfeFlowGetCarreauYasuda(flow, &set, param));
  ck_assert(set && param[0] == 0.056 && param[4] == 2);
  TWINFE_CK(TwinfeFlowDestroy(&flow));
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s     = suite_create("flow_carreau");
  TCase *mms   = tcase_create("mms");
  TCase *tubes = tcase_create("tubes");
  tcase_set_timeout(mms, 600);
  tcase_set_timeout(tubes, 600);
  tcase_add_test(mms, test_body_force);
  tcase_add_test(mms, test_carreau_mms);
  tcase_add_test(mms, test_stokes_carreau_mms);
  tcase_add_test(mms, test_yasuda_mms);
  tcase_add_test(tubes, test_refusals);
  tcase_add_test(tubes, test_newtonian_limit);
  tcase_add_test(tubes, test_shear_thinning_tube);
  suite_add_tcase(s, mms);
  suite_add_tcase(s, tubes);
  return s;
}
