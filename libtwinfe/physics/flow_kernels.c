/* Element kernels of incompressible flow, Taylor-Hood P2-P1 (weak form in include/twinfe/flow.h).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Residual, for test functions v (velocity node a, component i) and q (pressure node b):
 *   R_ai = int mu grad u_i . grad phi_a + rho (u . grad u_i) phi_a - p d_i phi_a - f_i phi_a
 *          + gamma div u d_i phi_a + rho (c0 u_i + h_i) phi_a
 * (grad-div term; time derivative by BDF: c0 u + h with the history h of earlier states)
 *   R_b  = -int psi_b div u
 * The pressure rows carry a minus sign so that the Stokes matrix [A B^T; B 0] is symmetric. */
#include "flow_impl.h"

#define NU 10 /* P2 velocity nodes */
#define NP 4  /* P1 pressure nodes */
#define OFFSET_P (3 * NU)

PetscInt TwinfeFlowJacobianOrder_Private(TwinfeFlow f)
{
  if (f->with_convection) return 5;
  return f->mass_coeff > 0 ? 4 : 2;
}

PetscInt TwinfeFlowResidualOrder_Private(TwinfeFlow f)
{
  return f->body ? 6 : TwinfeFlowJacobianOrder_Private(f);
}

/* Velocity, its gradient G[i][j] = du_i/dx_j and the pressure at quadrature point q. */
static void PointState(const TwinfeElement *e, PetscInt q, PetscReal u[3], PetscReal G[3][3], PetscReal *p)
{
  const PetscReal *B = &e->B[0][q * NU], *D = &e->D[0][q * NU * 3], *Bp = &e->B[1][q * NP];

  for (PetscInt i = 0; i < 3; ++i) {
    u[i] = 0;
    for (PetscInt j = 0; j < 3; ++j)
      G[i][j] = 0;
  }
  for (PetscInt a = 0; a < NU; ++a)
    for (PetscInt i = 0; i < 3; ++i) {
      const PetscReal ua = PetscRealPart(e->u[3 * a + i]);
      u[i] += ua * B[a];
      for (PetscInt j = 0; j < 3; ++j)
        G[i][j] += ua * D[3 * a + j];
    }
  *p = 0;
  for (PetscInt b = 0; b < NP; ++b)
    *p += PetscRealPart(e->u[OFFSET_P + b]) * Bp[b];
}

PetscErrorCode TwinfeFlowResidualKernel_Private(const TwinfeElement *e, PetscScalar r[], void *ctx)
{
  TwinfeFlow      f   = (TwinfeFlow)ctx;
  const PetscReal mu  = f->viscosity;
  const PetscReal rho = f->with_convection ? f->density : 0;
  const PetscReal m   = f->density * f->mass_coeff; /* rho c0 of the time derivative */

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < e->nq; ++q) {
    const PetscReal *B = &e->B[0][q * NU], *D = &e->D[0][q * NU * 3], *Bp = &e->B[1][q * NP], w = e->w[q];
    PetscReal        u[3], G[3][3], p, conv[3], body[3] = {0, 0, 0}, div;
    PointState(e, q, u, G, &p);
    if (f->body) PetscCall(f->body(&e->x[3 * q], body, f->body_ctx));
    for (PetscInt i = 0; i < 3; ++i)
      conv[i] = rho * (u[0] * G[i][0] + u[1] * G[i][1] + u[2] * G[i][2]) + m * u[i];
    div = G[0][0] + G[1][1] + G[2][2];
    for (PetscInt a = 0; a < NU; ++a) {
      const PetscReal *da = &D[3 * a];
      for (PetscInt i = 0; i < 3; ++i)
        r[3 * a + i] += w * (mu * (G[i][0] * da[0] + G[i][1] * da[1] + G[i][2] * da[2]) + (conv[i] - body[i]) * B[a] +
                             (f->grad_div * div - p) * da[i]);
    }
    for (PetscInt b = 0; b < NP; ++b)
      r[OFFSET_P + b] -= w * Bp[b] * div;
  }
  PetscFunctionReturn(0);
}

/* d(residual)/d(element values). With convection (Newton): rho ((du . grad) u + (u . grad) du).
   Row (a, i), column (b, j): mu delta_ij grad phi_a . grad phi_b
                               + rho phi_a (phi_b G_ij + delta_ij u . grad phi_b)
                               + rho c0 delta_ij phi_a phi_b (the time derivative). */
PetscErrorCode TwinfeFlowJacobianKernel_Private(const TwinfeElement *e, PetscScalar K[], void *ctx)
{
  TwinfeFlow      f   = (TwinfeFlow)ctx;
  const PetscReal mu  = f->viscosity;
  const PetscReal rho = f->with_convection ? f->density : 0;
  const PetscReal m   = f->density * f->mass_coeff;
  const PetscInt  nd  = e->ndof;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < e->nq; ++q) {
    const PetscReal *B = &e->B[0][q * NU], *D = &e->D[0][q * NU * 3], *Bp = &e->B[1][q * NP], w = e->w[q];
    PetscReal        u[3] = {0, 0, 0}, G[3][3] = {{0}}, p;
    if (rho != 0) PointState(e, q, u, G, &p);
    for (PetscInt a = 0; a < NU; ++a) {
      const PetscReal *da = &D[3 * a];
      for (PetscInt b = 0; b < NU; ++b) {
        const PetscReal *db        = &D[3 * b];
        const PetscReal  diffusion = mu * (da[0] * db[0] + da[1] * db[1] + da[2] * db[2]);
        const PetscReal  inertia   = B[a] * (rho * (u[0] * db[0] + u[1] * db[1] + u[2] * db[2]) + m * B[b]);
        for (PetscInt i = 0; i < 3; ++i) {
          PetscScalar *row = &K[(3 * a + i) * nd + 3 * b];
          row[i] += w * (diffusion + inertia);
          for (PetscInt j = 0; j < 3; ++j)
            row[j] += w * (rho * B[a] * B[b] * G[i][j] + f->grad_div * da[i] * db[j]);
        }
      }
      for (PetscInt b = 0; b < NP; ++b)
        for (PetscInt i = 0; i < 3; ++i) {
          const PetscReal coupling = -w * Bp[b] * da[i];
          K[(3 * a + i) * nd + OFFSET_P + b] += coupling; /* -p div v */
          K[(OFFSET_P + b) * nd + 3 * a + i] += coupling; /* -q div u */
        }
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowHistoryKernel_Private(const TwinfeElement *e, PetscScalar r[], void *ctx)
{
  const PetscReal rho = ((TwinfeFlow)ctx)->density;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < e->nq; ++q) {
    const PetscReal *B    = &e->B[0][q * NU];
    PetscReal        h[3] = {0, 0, 0};
    for (PetscInt a = 0; a < NU; ++a)
      for (PetscInt i = 0; i < 3; ++i)
        h[i] += PetscRealPart(e->u[3 * a + i]) * B[a];
    for (PetscInt a = 0; a < NU; ++a)
      for (PetscInt i = 0; i < 3; ++i)
        r[3 * a + i] += e->w[q] * rho * h[i] * B[a];
  }
  PetscFunctionReturn(0);
}

/* -int t(x, n) . v over a face: the traction moves to the left-hand side of the residual. */
PetscErrorCode TwinfeFlowTractionKernel_Private(const TwinfeFaceElement *fe, PetscScalar r[], void *ctx)
{
  const TwinfeFlowTraction *t = (const TwinfeFlowTraction *)ctx;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < fe->nq; ++q) {
    PetscReal tq[3];
    PetscCall(t->fn(&fe->x[3 * q], fe->normal, tq, t->ctx));
    for (PetscInt a = 0; a < NU; ++a)
      for (PetscInt i = 0; i < 3; ++i)
        r[3 * a + i] -= fe->w[q] * fe->B[0][q * NU + a] * t->factor * tq[i];
  }
  PetscFunctionReturn(0);
}

/* -(1/mu) int psi_a psi_b on the P1 pressure space alone: the Schur complement
   S = -B A^-1 B^T of the Stokes matrix is spectrally equivalent to it (the inf-sup condition),
   sign included, so S's eigenvalues cluster and the preconditioned operator stays definite. */
PetscErrorCode TwinfeFlowPressureMassKernel_Private(const TwinfeElement *e, PetscScalar K[], void *ctx)
{
  TwinfeFlow      f     = (TwinfeFlow)ctx;
  const PetscReal scale = -1.0 / (f->viscosity + f->grad_div);

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < e->nq; ++q) {
    const PetscReal *B = &e->B[0][q * NP];
    for (PetscInt a = 0; a < NP; ++a)
      for (PetscInt b = 0; b < NP; ++b)
        K[a * NP + b] += scale * e->w[q] * B[a] * B[b];
  }
  PetscFunctionReturn(0);
}
