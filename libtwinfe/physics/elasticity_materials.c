/* Soft-tissue material laws: parameters (E/nu, mu/kappa, C10/C01) checked for physical ranges,
 * and the stress and its derivative at a quadrature point.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every hyperelastic law here is a strain energy W(I1, I2, J) of the invariants of F:
 * I1 = tr C, I2 = (I1^2 - tr C^2)/2, J = det F, C = F^T F. The stress and its derivative follow
 * by the chain rule from W's partial derivatives and the invariants' derivatives in F:
 *   P = sum_a W_a dI_a/dF,
 *   A = dP/dF = sum_a W_a d2I_a/dF2 + sum_ab W_ab dI_a/dF (x) dI_b/dF,
 * so a new law only gives its W_a and W_ab (docs/mechanics.md derives them).
 *   compressible neo-Hookean: W = mu/2 (I1 - 3) - mu ln J + lambda/2 (ln J)^2;
 *   Mooney-Rivlin:            W = C10 (J^-2/3 I1 - 3) + C01 (J^-4/3 I2 - 3) + kappa/2 (ln J)^2.
 * Both reduce to linear elasticity with the same shear and bulk moduli at small strain. */
#include "elasticity_impl.h"

#include "core/core_impl.h"

#include <string.h>

const char *const TwinfeMaterialModels[] = {"linear", "neo_hookean", "mooney_rivlin", NULL};

/* ---- tissue presets (docs/tissues.md: sources, ranges and why each default) ------------------- */

const TwinfeTissue TwinfeTissues[] = {{"liver", 4.0e3, 0.49, 1.06e-3, "liver"},
                                      {"kidney", 1.0e4, 0.49, 1.05e-3, "kidney"},
                                      {"brain", 3.0e3, 0.49, 1.04e-3, "brain"},
                                      {"tumor", 3.0e4, 0.49, 1.06e-3, "tumor"},
                                      {"fat", 3.0e3, 0.49, 0.95e-3, "fat"},
                                      {"muscle", 8.0e3, 0.49, 1.05e-3, "muscle"},
                                      {"vessel_wall", 6.3e5, 0.49, 1.05e-3, "vessel_wall"},
                                      {NULL, 0, 0, 0, NULL}};

const char *const TwinfeTissueNames[] = {"liver", "kidney", "brain", "tumor", "fat", "muscle", "vessel_wall", NULL};

PetscErrorCode TwinfeMaterialModelGetName(TwinfeMaterialModel model, const char **name)
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeListGetName_Private("TwinfeMaterialModelGetName", TwinfeMaterialModels, 0, (PetscInt)model, name));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeTissueGetCount(PetscInt *ntissues)
{
  PetscFunctionBeginUser;
  PetscCheck(ntissues, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeTissueGetCount: ntissues (output) is NULL");
  *ntissues = (PetscInt)PETSC_STATIC_ARRAY_LENGTH(TwinfeTissues) - 1;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeTissueGet(PetscInt i, const TwinfeTissue **tissue)
{
  const PetscInt n = (PetscInt)PETSC_STATIC_ARRAY_LENGTH(TwinfeTissues) - 1;

  PetscFunctionBeginUser;
  PetscCheck(tissue, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeTissueGet: tissue (output) is NULL");
  PetscCheck(i >= 0 && i < n, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeTissueGet: tissue %" PetscInt_FMT " is outside [0, %" PetscInt_FMT ") (TwinfeTissueGetCount)", i, n);
  *tissue = &TwinfeTissues[i];
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeTissueFind(const char name[], const TwinfeTissue **tissue)
{
  PetscFunctionBeginUser;
  *tissue = NULL;
  for (const TwinfeTissue *t = TwinfeTissues; t->name && name; ++t)
    if (!strcmp(t->name, name)) *tissue = t;
  PetscCheck(*tissue, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "tissue '%s' is not known: give liver, kidney, brain, tumor, fat, muscle or vessel_wall (docs/tissues.md)",
             name ? name : "(null)");
  PetscFunctionReturn(0);
}

/* ---- parameters ---------------------------------------------------------------------------- */

/* A modulus above this (stiffer than steel) is a unit slip, not a tissue. The library takes any
   positive modulus (tests run in scaled units); the case's options refuse moduli no tissue has. */
#define MAX_MODULUS_PA 1.0e11

PetscErrorCode TwinfeMaterialFromYoung(TwinfeMaterialModel model, PetscReal E, PetscReal nu, PetscReal density, TwinfeMaterial *m)
{
  PetscFunctionBeginUser;
  PetscCheck(PetscIsNormalReal(E) && E > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "Young's modulus E = %g Pa is not allowed: it must be > 0 (soft tissue: 1e3 to 1e5 Pa)", (double)E);
  PetscCheck(!PetscIsInfOrNanReal(nu) && nu > -1 && nu < 0.5, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "Poisson ratio nu = %g is not allowed: it must lie in (-1, 0.5) (soft tissue: 0.45 to 0.4999)", (double)nu);
  PetscCall(PetscMemzero(m, sizeof *m));
  m->model   = model;
  m->mu      = E / (2 * (1 + nu));
  m->kappa   = E / (3 * (1 - 2 * nu));
  m->density = density;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMaterialFromMooneyRivlin(PetscReal c10, PetscReal c01, PetscReal kappa, PetscReal density, TwinfeMaterial *m)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(m, sizeof *m));
  m->model   = TWINFE_MATERIAL_MOONEY_RIVLIN;
  m->mu      = 2 * (c10 + c01);
  m->c01     = c01;
  m->kappa   = kappa;
  m->density = density;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMaterialCheck(const TwinfeMaterial *m, const char who[])
{
  PetscReal nu;

  PetscFunctionBeginUser;
  PetscCheck(m->model >= TWINFE_MATERIAL_LINEAR && m->model <= TWINFE_MATERIAL_MOONEY_RIVLIN, PETSC_COMM_SELF,
             PETSC_ERR_ARG_OUTOFRANGE, "%s: material model %d is not known: give linear, neo_hookean or mooney_rivlin", who,
             (int)m->model);
  PetscCheck(PetscIsNormalReal(m->mu) && m->mu > 0 && m->mu <= MAX_MODULUS_PA, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: shear modulus mu = %g Pa is not allowed: it must be > 0 and at most %g Pa (soft tissue: 300 to 30000 Pa)", who,
             (double)m->mu, (double)MAX_MODULUS_PA);
  PetscCheck(PetscIsNormalReal(m->kappa) && m->kappa > 0 && m->kappa <= MAX_MODULUS_PA * 1e3, PETSC_COMM_SELF,
             PETSC_ERR_ARG_OUTOFRANGE, "%s: bulk modulus kappa = %g Pa is not allowed: it must be > 0 and at most %g Pa", who,
             (double)m->kappa, (double)(MAX_MODULUS_PA * 1e3));
  /* nu from mu and kappa; -1 < nu < 0.5 is kappa > 0 and mu > 0, so only a bound on how
     incompressible: beyond nu = 0.49999 the discrete problem is ill-conditioned past use. */
  nu = (3 * m->kappa - 2 * m->mu) / (2 * (3 * m->kappa + m->mu));
  PetscCheck(nu <= 0.49999, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: Poisson ratio %.7g (kappa/mu = %g) is too close to 0.5: give at most 0.49999 (kappa/mu <= 33333)", who,
             (double)nu, (double)(m->kappa / m->mu));
  if (m->model == TWINFE_MATERIAL_MOONEY_RIVLIN) {
    PetscReal c10 = m->mu / 2 - m->c01;
    PetscCheck(PetscIsNormalReal(m->c01) || m->c01 == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "%s: C01 = %g is not a number", who, (double)m->c01);
    PetscCheck(m->c01 >= 0 && c10 > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "%s: Mooney-Rivlin C10 = %g Pa and C01 = %g Pa are not allowed: give C10 > 0 and C01 >= 0 (a stable, "
               "polyconvex energy; mu = 2 (C10 + C01))",
               who, (double)c10, (double)m->c01);
  }
  PetscCheck(!PetscIsInfOrNanReal(m->density) && m->density >= 0 && m->density < 0.03, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: density %g g/mm^3 is not allowed: give 0 to 0.03 g/mm^3 (tissue about 1.06e-3; were g/cm^3 given?)", who,
             (double)m->density);
  PetscFunctionReturn(0);
}

void TwinfeElasticLawFromMaterial_Private(const TwinfeMaterial *m, TwinfeElasticLaw *law)
{
  law->model   = m->model;
  law->mu      = m->mu;
  law->kappa   = m->kappa;
  law->lambda  = m->kappa - 2 * m->mu / 3;
  law->c01     = m->c01;
  law->c10     = m->mu / 2 - m->c01;
  law->density = m->density;
}

/* ---- kinematics ---------------------------------------------------------------------------- */

/* The invariants I1, I2, J and their first derivatives (9 each, index 3i+J) and, where d2 is
   not NULL, their second derivatives (81 each) at F. I2's are computed only if want_i2. */
typedef struct {
  PetscReal I1, I2, J;
  PetscReal dI1[9], dI2[9], dJ[9];
} Invariants;

static PetscBool ComputeInvariants(const PetscReal F[9], PetscBool want_i2, Invariants *v, PetscReal Finv[9], PetscReal C[9],
                                   PetscReal b[9])
{
  v->J = TwinfeDet3_Private(F);
  if (!(v->J > 0)) return PETSC_FALSE;
  TwinfeInverse3_Private(F, v->J, Finv);
  v->I1 = 0;
  for (PetscInt k = 0; k < 9; ++k)
    v->I1 += F[k] * F[k];
  for (PetscInt i = 0; i < 3; ++i)
    for (PetscInt J = 0; J < 3; ++J) {
      v->dI1[3 * i + J] = 2 * F[3 * i + J];
      v->dJ[3 * i + J]  = v->J * Finv[3 * J + i]; /* J F^{-T} */
    }
  if (!want_i2) return PETSC_TRUE;
  for (PetscInt R = 0; R < 3; ++R)
    for (PetscInt J = 0; J < 3; ++J) {
      C[3 * R + J] = b[3 * R + J] = 0;
      for (PetscInt n = 0; n < 3; ++n) {
        C[3 * R + J] += F[3 * n + R] * F[3 * n + J];
        b[3 * R + J] += F[3 * R + n] * F[3 * J + n];
      }
    }
  v->I2 = 0.5 * v->I1 * v->I1;
  for (PetscInt k = 0; k < 9; ++k)
    v->I2 -= 0.5 * C[k] * C[k]; /* C symmetric: tr C^2 = C:C */
  for (PetscInt i = 0; i < 3; ++i)
    for (PetscInt J = 0; J < 3; ++J) {
      PetscReal FC = 0;
      for (PetscInt M = 0; M < 3; ++M)
        FC += F[3 * i + M] * C[3 * M + J];
      v->dI2[3 * i + J] = 2 * (v->I1 * F[3 * i + J] - FC);
    }
  return PETSC_TRUE;
}

/* Partial derivatives of W in (I1, I2, J): the only thing a law gives. */
typedef struct {
  PetscReal W, W1, W2, WJ;
  PetscReal W1J, W2J, WJJ; /* W11 = W22 = W12 = 0 for both laws here */
} EnergyDerivatives;

static void NeoHookeanDerivatives(const TwinfeElasticLaw *law, const Invariants *v, EnergyDerivatives *d)
{
  PetscReal mu = law->mu, lambda = law->lambda, lnJ = PetscLogReal(v->J), J = v->J;

  d->W   = 0.5 * mu * (v->I1 - 3) - mu * lnJ + 0.5 * lambda * lnJ * lnJ;
  d->W1  = 0.5 * mu;
  d->W2  = 0;
  d->WJ  = (lambda * lnJ - mu) / J;
  d->W1J = d->W2J = 0;
  d->WJJ          = (mu + lambda * (1 - lnJ)) / (J * J);
}

static void MooneyRivlinDerivatives(const TwinfeElasticLaw *law, const Invariants *v, EnergyDerivatives *d)
{
  PetscReal J = v->J, lnJ = PetscLogReal(J), c10 = law->c10, c01 = law->c01, kappa = law->kappa;
  PetscReal j23 = PetscPowReal(J, -2.0 / 3.0), j43 = j23 * j23; /* J^-2/3, J^-4/3 */

  d->W   = c10 * (j23 * v->I1 - 3) + c01 * (j43 * v->I2 - 3) + 0.5 * kappa * lnJ * lnJ;
  d->W1  = c10 * j23;
  d->W2  = c01 * j43;
  d->WJ  = (-2.0 / 3.0 * c10 * j23 * v->I1 - 4.0 / 3.0 * c01 * j43 * v->I2 + kappa * lnJ) / J;
  d->W1J = -2.0 / 3.0 * c10 * j23 / J;
  d->W2J = -4.0 / 3.0 * c01 * j43 / J;
  d->WJJ = (10.0 / 9.0 * c10 * j23 * v->I1 + 28.0 / 9.0 * c01 * j43 * v->I2 + kappa * (1 - lnJ)) / (J * J);
}

/* ---- stress and tangent ---------------------------------------------------------------------- */

static void LinearStress(const TwinfeElasticLaw *law, const PetscReal F[9], PetscReal P[9], PetscReal A[81])
{
  PetscReal tr = F[0] + F[4] + F[8] - 3;

  for (PetscInt i = 0; i < 3; ++i)
    for (PetscInt J = 0; J < 3; ++J)
      P[3 * i + J] = law->mu * (F[3 * i + J] + F[3 * J + i] - 2 * (i == J)) + (i == J ? law->lambda * tr : 0);
  if (!A) return;
  for (PetscInt i = 0; i < 3; ++i)
    for (PetscInt J = 0; J < 3; ++J)
      for (PetscInt k = 0; k < 3; ++k)
        for (PetscInt L = 0; L < 3; ++L)
          A[(3 * i + J) * 9 + 3 * k + L] =
              law->mu * ((i == k && J == L) + (i == L && J == k)) + (i == J && k == L ? law->lambda : 0);
}

/* A += the second-derivative terms of the invariants, weighted by W_a. */
static void AddInvariantCurvature(const EnergyDerivatives *d, const Invariants *v, const PetscReal F[9], const PetscReal Finv[9],
                                  const PetscReal C[9], const PetscReal b[9], PetscReal A[81])
{
  for (PetscInt i = 0; i < 3; ++i)
    for (PetscInt J = 0; J < 3; ++J)
      for (PetscInt k = 0; k < 3; ++k)
        for (PetscInt L = 0; L < 3; ++L) {
          PetscReal dik = i == k, dJL = J == L, a;
          a = d->W1 * 2 * dik * dJL;
          a += d->WJ * v->J * (Finv[3 * J + i] * Finv[3 * L + k] - Finv[3 * J + k] * Finv[3 * L + i]);
          if (d->W2 != 0)
            a += d->W2 * 2 *
                 (2 * F[3 * i + J] * F[3 * k + L] + v->I1 * dik * dJL - dik * C[3 * J + L] - F[3 * i + L] * F[3 * k + J] -
                  b[3 * i + k] * dJL);
          A[(3 * i + J) * 9 + 3 * k + L] = a;
        }
}

/* A += W_ab dI_a (x) dI_b over the pairs that do not vanish. */
static void AddInvariantProducts(const EnergyDerivatives *d, const Invariants *v, PetscReal A[81])
{
  for (PetscInt r = 0; r < 9; ++r)
    for (PetscInt s = 0; s < 9; ++s) {
      PetscReal a = d->WJJ * v->dJ[r] * v->dJ[s] + d->W1J * (v->dI1[r] * v->dJ[s] + v->dJ[r] * v->dI1[s]);
      if (d->W2J != 0) a += d->W2J * (v->dI2[r] * v->dJ[s] + v->dJ[r] * v->dI2[s]);
      A[9 * r + s] += a;
    }
}

static PetscBool HyperelasticDerivatives(const TwinfeElasticLaw *law, const PetscReal F[9], Invariants *v, EnergyDerivatives *d,
                                         PetscReal Finv[9], PetscReal C[9], PetscReal b[9])
{
  PetscBool mooney = law->model == TWINFE_MATERIAL_MOONEY_RIVLIN;

  if (!ComputeInvariants(F, mooney, v, Finv, C, b)) return PETSC_FALSE;
  if (mooney)
    MooneyRivlinDerivatives(law, v, d);
  else
    NeoHookeanDerivatives(law, v, d);
  return PETSC_TRUE;
}

PetscBool TwinfeElasticLawStress_Private(const TwinfeElasticLaw *law, const PetscReal F[9], PetscReal P[9], PetscReal A[81])
{
  Invariants        v;
  EnergyDerivatives d;
  PetscReal         Finv[9], C[9], b[9];

  if (law->model == TWINFE_MATERIAL_LINEAR) {
    LinearStress(law, F, P, A);
    return PETSC_TRUE;
  }
  if (!HyperelasticDerivatives(law, F, &v, &d, Finv, C, b)) return PETSC_FALSE;
  for (PetscInt r = 0; r < 9; ++r)
    P[r] = d.W1 * v.dI1[r] + d.WJ * v.dJ[r] + (d.W2 != 0 ? d.W2 * v.dI2[r] : 0);
  if (!A) return PETSC_TRUE;
  AddInvariantCurvature(&d, &v, F, Finv, C, b, A);
  AddInvariantProducts(&d, &v, A);
  return PETSC_TRUE;
}

PetscBool TwinfeElasticLawEnergy_Private(const TwinfeElasticLaw *law, const PetscReal F[9], PetscReal *W)
{
  Invariants        v;
  EnergyDerivatives d;
  PetscReal         Finv[9], C[9], b[9];

  if (law->model == TWINFE_MATERIAL_LINEAR) {
    PetscReal eps[9], tr = F[0] + F[4] + F[8] - 3;
    *W = 0.5 * law->lambda * tr * tr;
    for (PetscInt i = 0; i < 3; ++i)
      for (PetscInt J = 0; J < 3; ++J) {
        eps[3 * i + J] = 0.5 * (F[3 * i + J] + F[3 * J + i]) - (i == J);
        *W += law->mu * eps[3 * i + J] * eps[3 * i + J];
      }
    return PETSC_TRUE;
  }
  if (!HyperelasticDerivatives(law, F, &v, &d, Finv, C, b)) return PETSC_FALSE;
  *W = d.W;
  return PETSC_TRUE;
}

PetscErrorCode TwinfeMaterialEvaluate(const TwinfeMaterial *m, const PetscReal F[9], PetscReal *W, PetscReal P[9],
                                      PetscReal A[81], PetscBool *admissible)
{
  TwinfeElasticLaw law;
  PetscReal        Pw[9];

  PetscFunctionBeginUser;
  TwinfeElasticLawFromMaterial_Private(m, &law);
  *admissible = TwinfeElasticLawStress_Private(&law, F, P ? P : Pw, A);
  if (*admissible && W) *admissible = TwinfeElasticLawEnergy_Private(&law, F, W);
  PetscFunctionReturn(0);
}

/* ---- the volumetric part, for the mixed displacement-pressure form ----------------------------- */

PetscReal TwinfeElasticLawSplit_Private(const TwinfeElasticLaw *law, TwinfeElasticLaw *shear)
{
  *shear = *law;
  if (law->model == TWINFE_MATERIAL_MOONEY_RIVLIN) {
    shear->kappa = 0;
    return law->kappa;
  }
  shear->lambda = 0;
  return law->lambda;
}

PetscBool TwinfeElasticLawVolumetric_Private(const TwinfeElasticLaw *law, const PetscReal F[9], PetscReal *theta,
                                             PetscReal dtheta[9], PetscReal d2theta[81])
{
  PetscReal J, Finv[9];

  if (law->model == TWINFE_MATERIAL_LINEAR) { /* theta = tr(grad u), linear in F */
    *theta = F[0] + F[4] + F[8] - 3;
    for (PetscInt r = 0; r < 9; ++r)
      dtheta[r] = r % 4 == 0 ? 1 : 0;
    for (PetscInt r = 0; d2theta && r < 81; ++r)
      d2theta[r] = 0;
    return PETSC_TRUE;
  }
  J = TwinfeDet3_Private(F);
  if (!(J > 0)) return PETSC_FALSE;
  TwinfeInverse3_Private(F, J, Finv);
  *theta = PetscLogReal(J);
  for (PetscInt i = 0; i < 3; ++i)
    for (PetscInt K = 0; K < 3; ++K)
      dtheta[3 * i + K] = Finv[3 * K + i]; /* d ln J / dF = F^{-T} */
  if (!d2theta) return PETSC_TRUE;
  for (PetscInt i = 0; i < 3; ++i)
    for (PetscInt K = 0; K < 3; ++K)
      for (PetscInt k = 0; k < 3; ++k)
        for (PetscInt L = 0; L < 3; ++L)
          d2theta[(3 * i + K) * 9 + 3 * k + L] = -Finv[3 * K + k] * Finv[3 * L + i];
  return PETSC_TRUE;
}
