/* Element kernels of incompressible flow, Taylor-Hood P2-P1 (weak form in include/twinfe/flow.h).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Residual, for test functions v (velocity node a, component i) and q (pressure node b):
 *   R_ai = int mu grad u_i . grad phi_a + rho (u . grad u_i) phi_a - p d_i phi_a - f_i phi_a
 *          + gamma div u d_i phi_a + rho (c0 u_i + h_i) phi_a
 * (grad-div term; time derivative by BDF: c0 u + h with the history h of earlier states)
 *   R_b  = -int psi_b div u
 * The pressure rows carry a minus sign so that the Stokes matrix [A B^T; B 0] is symmetric.
 *
 * Carreau-Yasuda blood (flow_rheology.c): with a viscosity that varies in space the Laplacian
 * form is not the viscous term (div(mu grad u^T) = grad u^T grad mu != 0), so the residual's
 * viscous part is 2 mu(g) D(u) : D(phi_a e_i) = 2 mu (D grad phi_a)_i, and the Jacobian is
 * Newton's own, the derivative of mu included (flow_kernels.c, JacobianKernel). The Newtonian
 * kernels are left exactly as they were. */
#include "flow_impl.h"

#define NU 10 /* P2 velocity nodes */
#define NP 4  /* P1 pressure nodes */
#define OFFSET_P (3 * NU)

/* Carreau-Yasuda: a non-polynomial viscosity mu(g(u_h)) makes no rule exact. For a smooth
   coefficient, a rule exact to degree 2k - 2 keeps the H1 error O(h^k) and one exact to 2k - 1 the
   L2 error O(h^(k+1)) (Ciarlet, The finite element method for elliptic problems, 4.1): 2 and 3
   for P2. The solve that counts is Newton's with convection, degree 5 (6 with a body force, and
   the Jacobian then takes the residual's rule so that it is the residual's exact derivative);
   degree 4 serves the Stokes step that starts it, and Newton without inertia (Stokes). Measured: the tube of test_flow_carreau
   gives the same flow rate to 6 digits at degree 8 as at 5. */
PetscInt TwinfeFlowJacobianOrder_Private(TwinfeFlow f)
{
  if (f->rheology.carreau_yasuda) {
    if (f->body) return 6; /* the residual's rule: Newton's matrix is then its exact derivative */
    if (f->with_convection) return 5;
    return 4;
  }
  if (f->with_convection) return 5;
  return f->mass_coeff > 0 ? 4 : 2;
}

PetscInt TwinfeFlowResidualOrder_Private(TwinfeFlow f)
{
  return f->body ? 6 : TwinfeFlowJacobianOrder_Private(f);
}

/* Carreau-Yasuda at the gradient G: S = 2 mu D (the viscous flux: the residual's viscous part is
   S grad phi_a), DS = 2 D, mu, and c = mu'(g) / g. */
static void ShearThinning(TwinfeFlow f, const PetscReal G[3][3], PetscReal S[3][3], PetscReal DS[3][3], PetscReal *mu,
                          PetscReal *c)
{
  PetscReal dd = 0;

  for (PetscInt i = 0; i < 3; ++i)
    for (PetscInt j = 0; j < 3; ++j) {
      DS[i][j] = G[i][j] + G[j][i];
      dd += 0.5 * DS[i][j] * DS[i][j]; /* 2 D:D */
    }
  TwinfeFlowCarreauYasuda_Private(f, PetscSqrtReal(dd), mu, c);
  for (PetscInt i = 0; i < 3; ++i)
    for (PetscInt j = 0; j < 3; ++j)
      S[i][j] = *mu * DS[i][j];
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
  const PetscBool cy  = f->rheology.carreau_yasuda;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < e->nq; ++q) {
    const PetscReal *B = &e->B[0][q * NU], *D = &e->D[0][q * NU * 3], *Bp = &e->B[1][q * NP], w = e->w[q];
    PetscReal        u[3], G[3][3], p, conv[3], body[3] = {0, 0, 0}, div, S[3][3], DS[3][3], muq, c;
    PointState(e, q, u, G, &p);
    if (cy) ShearThinning(f, G, S, DS, &muq, &c);
    if (f->body) PetscCall(f->body(&e->x[3 * q], body, f->body_ctx));
    for (PetscInt i = 0; i < 3; ++i)
      conv[i] = rho * (u[0] * G[i][0] + u[1] * G[i][1] + u[2] * G[i][2]) + m * u[i];
    div = G[0][0] + G[1][1] + G[2][2];
    for (PetscInt a = 0; a < NU; ++a) {
      const PetscReal *da = &D[3 * a];
      for (PetscInt i = 0; i < 3; ++i) {
        const PetscReal viscous =
            cy ? S[i][0] * da[0] + S[i][1] * da[1] + S[i][2] * da[2] : mu * (G[i][0] * da[0] + G[i][1] * da[1] + G[i][2] * da[2]);
        r[3 * a + i] += w * (viscous + (conv[i] - body[i]) * B[a] + (f->grad_div * div - p) * da[i]);
      }
    }
    for (PetscInt b = 0; b < NP; ++b)
      r[OFFSET_P + b] -= w * Bp[b] * div;
  }
  PetscFunctionReturn(0);
}

/* The velocity rows' part at one point (the pressure coupling is added to K directly): diag[a][b],
   the part on i = j, and couple[a][i][j][b], the 3 x 3 coupling of nodes a and b. Both are indexed
   so that every inner loop runs over b along contiguous memory (the loops over b were strided by
   the element matrix's 34-entry rows, and the kernel was 8.5% of a steady Navier-Stokes run). */
typedef struct {
  PetscReal diag[NU][NU];
  PetscReal couple[NU][3][3][NU];
  PetscBool coupled; /* couple holds something: convection's rho G, grad-div or Carreau-Yasuda */
} VelocityBlock;

static void AddVelocityPoint(TwinfeFlow f, const TwinfeElement *e, PetscInt q, VelocityBlock *vb)
{
  const PetscReal  rho = f->with_convection ? f->density : 0, m = f->density * f->mass_coeff;
  const PetscBool  cy = f->rheology.carreau_yasuda;
  const PetscReal *B = &e->B[0][q * NU], *D = &e->D[0][q * NU * 3], w = e->w[q], wgd = w * f->grad_div;
  PetscReal        u[3] = {0, 0, 0}, G[3][3] = {{0}}, p, S[3][3], DS[3][3], muq = f->viscosity, c = 0;
  PetscReal        Dc[3][NU], Dg[3][NU], along[NU], wG[3][3], wmu;
  PetscBool        coupled; /* components coupled at this point: convection's rho G, or grad-div */

  if (rho != 0 || cy) PointState(e, q, u, G, &p);
  for (PetscInt b = 0; b < NU; ++b) /* Dc[k][b] = d phi_b / d x_k */
    for (PetscInt k = 0; k < 3; ++k)
      Dc[k][b] = D[3 * b + k];
  if (cy) {
    ShearThinning(f, G, S, DS, &muq, &c);
    for (PetscInt i = 0; i < 3; ++i) /* (2 D grad phi_b)_i */
      for (PetscInt b = 0; b < NU; ++b)
        Dg[i][b] = DS[i][0] * Dc[0][b] + DS[i][1] * Dc[1][b] + DS[i][2] * Dc[2][b];
  }
  wmu = w * muq;
  for (PetscInt i = 0; i < 3; ++i) /* Newton's reaction rho (du . grad) u; a Picard step leaves it out */
    for (PetscInt j = 0; j < 3; ++j)
      wG[i][j] = f->picard ? 0 : w * rho * G[i][j];
  for (PetscInt b = 0; b < NU; ++b) /* rho u . grad phi_b + rho c0 phi_b */
    along[b] = w * (rho * (u[0] * Dc[0][b] + u[1] * Dc[1][b] + u[2] * Dc[2][b]) + m * B[b]);
  coupled     = rho != 0 || wgd != 0 ? PETSC_TRUE : PETSC_FALSE;
  vb->coupled = vb->coupled || coupled || cy ? PETSC_TRUE : PETSC_FALSE;
  for (PetscInt a = 0; a < NU; ++a) {
    const PetscReal da[3] = {Dc[0][a], Dc[1][a], Dc[2][a]}, Ba = B[a];
    PetscReal      *diag = vb->diag[a];
    for (PetscInt b = 0; b < NU; ++b)
      diag[b] += wmu * (da[0] * Dc[0][b] + da[1] * Dc[1][b] + da[2] * Dc[2][b]) + Ba * along[b];
    if (coupled)
      for (PetscInt i = 0; i < 3; ++i)
        for (PetscInt j = 0; j < 3; ++j) {
          const PetscReal cB = Ba * wG[i][j], cD = wgd * da[i], *dj = Dc[j];
          PetscReal      *t = vb->couple[a][i][j];
          for (PetscInt b = 0; b < NU; ++b)
            t[b] += cB * B[b] + cD * dj[b];
        }
    if (cy) /* mu d_j phi_a d_i phi_b + (2 D grad phi_a)_i (2 D grad phi_b)_j c */
      for (PetscInt i = 0; i < 3; ++i)
        for (PetscInt j = 0; j < 3; ++j) {
          const PetscReal cm = wmu * da[j], cc = w * c * Dg[i][a], *di = Dc[i], *gj = Dg[j];
          PetscReal      *t = vb->couple[a][i][j];
          for (PetscInt b = 0; b < NU; ++b)
            t[b] += cm * di[b] + cc * gj[b];
        }
  }
}

/* d(residual)/d(element values). With convection (Newton): rho ((du . grad) u + (u . grad) du).
   Row (a, i), column (b, j): mu delta_ij grad phi_a . grad phi_b
                               + rho phi_a (phi_b G_ij + delta_ij u . grad phi_b)
                               + rho c0 delta_ij phi_a phi_b (the time derivative).
   Carreau-Yasuda adds mu d_j phi_a d_i phi_b (the symmetric form) and Newton's derivative of
   mu(g): with dmu/dG = 2 c D (c = mu'(g)/g, g^2 = 2 D:D), 4 c (D grad phi_a)_i (D grad phi_b)_j.
   That term is kept although mu' < 0 lowers the matrix: since (D : D(v))^2 <= (g^2 / 2) |D(v)|^2,
   the viscous part stays >= 2 (mu + g mu') |D(v)|^2 > 0 for n > 0 (the stress mu g rises with g).
   Without it Newton becomes a Picard iteration, linear at the rate of the shear thinning:
   measured in test_flow_carreau, 25 and 17 steps instead of 9 and 5 (manufactured solutions,
   n = 8), and no convergence in 30 steps instead of 5 in the blood tube. */
PetscErrorCode TwinfeFlowJacobianKernel_Private(const TwinfeElement *e, PetscScalar K[], void *ctx)
{
  TwinfeFlow     f  = (TwinfeFlow)ctx;
  const PetscInt nd = e->ndof;
  VelocityBlock  vb;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&vb, sizeof vb));
  for (PetscInt q = 0; q < e->nq; ++q) {
    const PetscReal *D = &e->D[0][q * NU * 3], *Bp = &e->B[1][q * NP], w = e->w[q];
    AddVelocityPoint(f, e, q, &vb);
    for (PetscInt a = 0; a < NU; ++a)
      for (PetscInt b = 0; b < NP; ++b)
        for (PetscInt i = 0; i < 3; ++i) {
          const PetscReal coupling = -w * Bp[b] * D[3 * a + i];
          K[(3 * a + i) * nd + OFFSET_P + b] += coupling; /* -p div v */
          K[(OFFSET_P + b) * nd + 3 * a + i] += coupling; /* -q div u */
        }
  }
  for (PetscInt a = 0; a < NU; ++a)
    for (PetscInt i = 0; i < 3; ++i) {
      PetscScalar *row = &K[(3 * a + i) * nd];
      for (PetscInt b = 0; b < NU; ++b) {
        row[3 * b + i] += vb.diag[a][b];
        if (vb.coupled)
          for (PetscInt j = 0; j < 3; ++j)
            row[3 * b + j] += vb.couple[a][i][j][b];
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

/* Backflow stabilisation (Esmaily Moghadam, Bazilevs, Hsia, Vignon-Clementel and Marsden,
   Comput Mech 48 (2011) 277-291): where blood enters through an outlet (u . n < 0) the outlet's
   traction gains beta rho (u . n) u, which the residual gets as -int beta rho (u . n)_- u . v.
   Why: with v = u the convective term puts 1/2 rho (u . n) |u|^2 of kinetic energy per unit area
   into the flow where it enters through an open boundary; nothing bounds it, and the flow
   diverges there (reversed flow at an outlet in diastole). The added traction takes
   beta rho (u . n) |u|^2 out again: for beta >= 1/2 the outlet can no longer feed the flow's
   energy. Where blood leaves (u . n >= 0) it is zero: the outlet stays a free one. */
static PetscReal FaceVelocity(const TwinfeFaceElement *fe, PetscInt q, PetscReal u[3])
{
  const PetscReal *B  = &fe->B[0][q * NU];
  PetscReal        un = 0;

  for (PetscInt i = 0; i < 3; ++i) {
    u[i] = 0;
    for (PetscInt a = 0; a < NU; ++a)
      u[i] += PetscRealPart(fe->u[3 * a + i]) * B[a];
    un += u[i] * fe->normal[i];
  }
  return un;
}

PetscErrorCode TwinfeFlowBackflowKernel_Private(const TwinfeFaceElement *fe, PetscScalar r[], void *ctx)
{
  const TwinfeFlowBackflow *bf = (const TwinfeFlowBackflow *)ctx;
  const PetscReal           c  = bf->beta * bf->flow->density;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < fe->nq; ++q) {
    PetscReal u[3], un = FaceVelocity(fe, q, u);
    if (un >= 0) continue;
    for (PetscInt a = 0; a < NU; ++a)
      for (PetscInt i = 0; i < 3; ++i)
        r[3 * a + i] -= fe->w[q] * c * un * u[i] * fe->B[0][q * NU + a];
  }
  PetscFunctionReturn(0);
}

/* Its derivative where u . n < 0: -beta rho phi_a (n_j phi_b u_i + (u . n) delta_ij phi_b). */
PetscErrorCode TwinfeFlowBackflowJacobianKernel_Private(const TwinfeFaceElement *fe, PetscScalar K[], void *ctx)
{
  const TwinfeFlowBackflow *bf = (const TwinfeFlowBackflow *)ctx;
  const PetscReal           c  = bf->beta * bf->flow->density;
  const PetscInt            nd = fe->ndof;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < fe->nq; ++q) {
    const PetscReal *B = &fe->B[0][q * NU];
    PetscReal        u[3], un = FaceVelocity(fe, q, u);
    if (un >= 0) continue;
    for (PetscInt a = 0; a < NU; ++a)
      for (PetscInt b = 0; b < NU; ++b) {
        const PetscReal s = -fe->w[q] * c * B[a] * B[b];
        for (PetscInt i = 0; i < 3; ++i) {
          PetscScalar *row = &K[(3 * a + i) * nd + 3 * b];
          row[i] += s * un;
          for (PetscInt j = 0; j < 3; ++j)
            row[j] += s * u[i] * fe->normal[j];
        }
      }
  }
  PetscFunctionReturn(0);
}
