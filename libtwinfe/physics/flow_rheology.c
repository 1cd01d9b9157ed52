/* Blood rheology of TwinfeFlow: the Carreau-Yasuda viscosity (docs/flow.md, "Blood rheology").
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 *   mu(g) = mu_inf + (mu0 - mu_inf) (1 + (lambda g)^a)^((n - 1) / a),  g = sqrt(2 D:D),
 *
 * D the symmetric part of the velocity gradient. With 0 < n <= 1 it falls monotonically from mu0
 * at rest to mu_inf at high shear (shear thinning), and the shear stress mu(g) g still rises with
 * g, so the viscous operator stays monotone and Newton has a unique solution to go to. */
#include "flow_impl.h"

PetscErrorCode TwinfeFlowSetCarreauYasuda(TwinfeFlow f, PetscReal mu0, PetscReal mu_inf, PetscReal lambda, PetscReal n,
                                          PetscReal a)
{
  PetscFunctionBeginUser;
  PetscCheck(PetscIsNormalReal(mu0) && mu0 > 0, f->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Carreau-Yasuda mu0 %g Pa s is not allowed: the viscosity at rest must be > 0 (blood: 0.056)", (double)mu0);
  PetscCheck(PetscIsNormalReal(mu_inf) && mu_inf > 0 && mu_inf <= mu0, f->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Carreau-Yasuda mu_inf %g Pa s is not allowed: the viscosity at high shear must be > 0 and at most mu0 = %g "
             "(blood: 0.00345)",
             (double)mu_inf, (double)mu0);
  PetscCheck(!PetscIsInfOrNanReal(lambda) && lambda >= 0, f->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Carreau-Yasuda lambda %g s is not allowed: the time constant must be >= 0 (blood: 3.313)", (double)lambda);
  PetscCheck(PetscIsNormalReal(n) && n > 0 && n <= 1, f->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Carreau-Yasuda n %g is not allowed: the power-law index of a shear-thinning fluid is in (0, 1] (blood: 0.3568)",
             (double)n);
  PetscCheck(PetscIsNormalReal(a) && a > 0, f->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Carreau-Yasuda a %g is not allowed: the transition exponent must be > 0 (blood: 2, the Carreau model)", (double)a);
  f->rheology.carreau_yasuda = PETSC_TRUE;
  f->rheology.mu0            = mu0;
  f->rheology.mu_inf         = mu_inf;
  f->rheology.lambda         = lambda;
  f->rheology.n              = n;
  f->rheology.a              = a;
  f->dirty                   = PETSC_TRUE; /* the Schur complement's scale changes */
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowGetCarreauYasuda(TwinfeFlow f, PetscBool *set, PetscReal param[5])
{
  PetscFunctionBeginUser;
  if (set) *set = f->rheology.carreau_yasuda;
  if (param && f->rheology.carreau_yasuda) {
    param[0] = f->rheology.mu0, param[1] = f->rheology.mu_inf, param[2] = f->rheology.lambda;
    param[3] = f->rheology.n, param[4] = f->rheology.a;
  }
  PetscFunctionReturn(0);
}

/* With s = (lambda g)^a: mu = mu_inf + (mu0 - mu_inf) (1 + s)^((n-1)/a) and
   mu'(g) = (mu0 - mu_inf) (n - 1) (s / g) (1 + s)^((n-1)/a - 1). c = mu'(g) / g behaves as
   g^(a-2) near rest, unbounded for a < 2, but it only ever multiplies D (x) D, of size g^2. */
void TwinfeFlowCarreauYasuda_Private(TwinfeFlow f, PetscReal g, PetscReal *mu, PetscReal *c)
{
  const PetscReal a = f->rheology.a, n = f->rheology.n, dmu = f->rheology.mu0 - f->rheology.mu_inf;
  const PetscReal s = PetscPowReal(f->rheology.lambda * g, a), base = PetscPowReal(1 + s, (n - 1) / a);

  *mu = f->rheology.mu_inf + dmu * base;
  *c  = g > 0 && s > 0 ? dmu * (n - 1) * (s / g / g) * base / (1 + s) : 0;
}

PetscReal TwinfeFlowViscosity_Private(TwinfeFlow f, const PetscReal G[3][3])
{
  PetscReal dd = 0, mu, c;

  if (!f->rheology.carreau_yasuda) return f->viscosity;
  for (PetscInt i = 0; i < 3; ++i)
    for (PetscInt j = 0; j < 3; ++j)
      dd += 0.25 * PetscSqr(G[i][j] + G[j][i]);
  TwinfeFlowCarreauYasuda_Private(f, PetscSqrtReal(2 * dd), &mu, &c);
  return mu;
}

/* The Schur complement of a variable viscosity is close to the pressure mass matrix weighted by
   1 / mu(x), mu between mu_inf and mu0. The mass matrix is assembled once per set-up, before the
   velocity is known, so it gets one constant: the geometric mean sqrt(mu0 mu_inf) puts the
   spread mu_c / mu(x) symmetric about 1 on a log scale. Measured, the largest FGMRES count of a
   Newton step with mu_c = mu0 / sqrt(mu0 mu_inf) / mu_inf: 147 / 117 / 225 in the tube of
   test_flow_carreau, 123 / 107 / 156 in its manufactured solution (n = 8); on the vessel
   phantom at 1.5 mm (grad-div 10 mu_inf) 3195 against 2978 iterations in all for mu0 and the
   mean. */
PetscReal TwinfeFlowSchurViscosity_Private(TwinfeFlow f)
{
  if (!f->rheology.carreau_yasuda) return f->viscosity;
  return PetscSqrtReal(f->rheology.mu0 * f->rheology.mu_inf);
}
