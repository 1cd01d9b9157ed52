/* Element kernels of soft-tissue mechanics, small and finite strain.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Total Lagrangian weak form on the reference (unloaded) configuration: find u with u = t g on
 * the prescribed faces and, for every v,
 *   int P(F) : grad v dX = t ( int (rho g + f) . v dX + int_traction T . v dA ),  F = I + grad u,
 * P the first Piola-Kirchhoff stress of the cell's law (elasticity_materials.c) and t the load
 * factor. Newton's matrix is its derivative, int grad v : A : grad du, A = dP/dF. */
#include "elasticity_impl.h"

#include "core/core_impl.h"

PetscInt TwinfeElasticityStiffnessOrder_Private(TwinfeElasticity e)
{
  /* P1: constant gradients, one point is exact. P2: gradients are linear, so the small-strain
     stiffness is degree 2 and a rule exact for degree 2 is the usual choice at finite strain. */
  return 2 * (e->degree - 1);
}

PetscInt TwinfeElasticityLoadOrder_Private(TwinfeElasticity e)
{
  /* a body-force function is not polynomial: integrate it more finely than f . v needs */
  return e->body ? 2 * e->degree + 2 : e->degree;
}

PetscErrorCode TwinfeElasticityLinearStiffnessKernel_Private(const TwinfeElement *el, PetscScalar K[], void *ctx)
{
  TwinfeElasticity        e      = (TwinfeElasticity)ctx;
  const TwinfeElasticLaw *law    = TwinfeElasticityCellLaw(e, el->cell);
  PetscReal               lambda = law->lambda, mu = law->mu;
  PetscInt                nb = el->nbasis[0], nd = el->ndof;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < el->nq; ++q) {
    const PetscReal *D = &el->D[0][q * nb * 3];
    PetscReal        w = el->w[q];
    for (PetscInt a = 0; a < nb; ++a) {
      const PetscReal *da = &D[3 * a];
      for (PetscInt b = 0; b < nb; ++b) {
        const PetscReal *db  = &D[3 * b];
        PetscReal        dot = da[0] * db[0] + da[1] * db[1] + da[2] * db[2];
        for (PetscInt i = 0; i < 3; ++i) {
          PetscScalar *row = &K[(3 * a + i) * nd + 3 * b];
          for (PetscInt j = 0; j < 3; ++j)
            row[j] += w * (lambda * da[i] * db[j] + mu * (da[j] * db[i] + (i == j ? dot : 0)));
        }
      }
    }
  }
  PetscFunctionReturn(0);
}

void TwinfeElasticityDeformationGradient_Private(const TwinfeElement *el, PetscInt q, PetscReal F[9])
{
  PetscInt         nb = el->nbasis[0];
  const PetscReal *D  = &el->D[0][q * nb * 3];

  for (PetscInt k = 0; k < 9; ++k)
    F[k] = (k % 4 == 0) ? 1 : 0;
  if (!el->u) return;
  for (PetscInt b = 0; b < nb; ++b)
    for (PetscInt i = 0; i < 3; ++i) {
      PetscReal ub = PetscRealPart(el->u[3 * b + i]);
      for (PetscInt J = 0; J < 3; ++J)
        F[3 * i + J] += ub * D[3 * b + J];
    }
}

/* The body force per reference volume at point q, times the load factor. */
static PetscErrorCode BodyForce(TwinfeElasticity e, const TwinfeElement *el, PetscInt q, PetscReal f[3])
{
  const TwinfeElasticLaw *law = TwinfeElasticityCellLaw(e, el->cell);

  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < 3; ++k)
    f[k] = law->density * e->gravity[k];
  if (e->body) {
    PetscReal fb[3];
    PetscCall(e->body(&el->x[3 * q], fb, e->body_ctx));
    for (PetscInt k = 0; k < 3; ++k)
      f[k] += fb[k];
  }
  for (PetscInt k = 0; k < 3; ++k)
    f[k] *= e->load;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityResidualKernel_Private(const TwinfeElement *el, PetscScalar r[], void *ctx)
{
  TwinfeElasticity        e   = (TwinfeElasticity)ctx;
  const TwinfeElasticLaw *law = TwinfeElasticityCellLaw(e, el->cell);
  PetscInt                nb  = el->nbasis[0];

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < el->nq; ++q) {
    const PetscReal *D = &el->D[0][q * nb * 3];
    PetscReal        F[9], P[9], w = el->w[q];
    TwinfeElasticityDeformationGradient_Private(el, q, F);
    if (!TwinfeElasticLawStress_Private(law, F, P, NULL)) {
      e->inverted++;
      continue;
    }
    for (PetscInt a = 0; a < nb; ++a)
      for (PetscInt i = 0; i < 3; ++i)
        r[3 * a + i] += w * (P[3 * i] * D[3 * a] + P[3 * i + 1] * D[3 * a + 1] + P[3 * i + 2] * D[3 * a + 2]);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityBodyKernel_Private(const TwinfeElement *el, PetscScalar r[], void *ctx)
{
  TwinfeElasticity e  = (TwinfeElasticity)ctx;
  PetscInt         nb = el->nbasis[0];

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < el->nq; ++q) {
    const PetscReal *B = &el->B[0][q * nb];
    PetscReal        f[3], w = el->w[q];
    PetscCall(BodyForce(e, el, q, f));
    for (PetscInt a = 0; a < nb; ++a)
      for (PetscInt i = 0; i < 3; ++i)
        r[3 * a + i] -= w * f[i] * B[a];
  }
  PetscFunctionReturn(0);
}

void TwinfeElasticityAddTangent_Private(const TwinfeElement *el, PetscInt q, const PetscReal A[81], PetscScalar K[])
{
  PetscInt         nb = el->nbasis[0], nd = el->ndof;
  const PetscReal *D = &el->D[0][q * nb * 3];
  PetscReal        w = el->w[q];

  for (PetscInt b = 0; b < nb; ++b) {
    const PetscReal *db = &D[3 * b];
    PetscReal        AD[27]; /* AD[(3i+J)*3 + k] = sum_L A_iJkL db_L */
    for (PetscInt iJ = 0; iJ < 9; ++iJ)
      for (PetscInt k = 0; k < 3; ++k) {
        const PetscReal *a = &A[iJ * 9 + 3 * k];
        AD[3 * iJ + k]     = w * (a[0] * db[0] + a[1] * db[1] + a[2] * db[2]);
      }
    for (PetscInt a = 0; a < nb; ++a) {
      const PetscReal *da = &D[3 * a];
      for (PetscInt i = 0; i < 3; ++i) {
        PetscScalar     *row = &K[(3 * a + i) * nd + 3 * b];
        const PetscReal *t   = &AD[9 * i];
        for (PetscInt k = 0; k < 3; ++k)
          row[k] += da[0] * t[k] + da[1] * t[3 + k] + da[2] * t[6 + k];
      }
    }
  }
}

PetscErrorCode TwinfeElasticityTangentKernel_Private(const TwinfeElement *el, PetscScalar K[], void *ctx)
{
  TwinfeElasticity        e   = (TwinfeElasticity)ctx;
  const TwinfeElasticLaw *law = TwinfeElasticityCellLaw(e, el->cell);

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < el->nq; ++q) {
    PetscReal F[9], P[9], A[81];
    TwinfeElasticityDeformationGradient_Private(el, q, F);
    if (!TwinfeElasticLawStress_Private(law, F, P, A)) continue; /* the residual has refused this state */
    TwinfeElasticityAddTangent_Private(el, q, A, K);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityTractionKernel_Private(const TwinfeFaceElement *fe, PetscScalar r[], void *ctx)
{
  const TwinfeElasticityTraction *t  = (const TwinfeElasticityTraction *)ctx;
  PetscInt                        nb = fe->nbasis[0];

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < fe->nq; ++q)
    for (PetscInt a = 0; a < nb; ++a)
      for (PetscInt i = 0; i < 3; ++i)
        r[3 * a + i] -= fe->w[q] * fe->B[0][q * nb + a] * t->load * t->t[i];
  PetscFunctionReturn(0);
}

/* F = I + grad u at face quadrature point q, from the cell's values. */
static void FaceDeformationGradient(const TwinfeFaceElement *fe, PetscInt q, PetscReal F[9])
{
  PetscInt         nb = fe->nbasis[0];
  const PetscReal *D  = &fe->D[0][q * nb * 3];

  for (PetscInt k = 0; k < 9; ++k)
    F[k] = (k % 4 == 0) ? 1 : 0;
  for (PetscInt b = 0; fe->u && b < nb; ++b)
    for (PetscInt i = 0; i < 3; ++i)
      for (PetscInt J = 0; J < 3; ++J)
        F[3 * i + J] += PetscRealPart(fe->u[3 * b + i]) * D[3 * b + J];
}

/* The deformed area vector n da = cof(F) N dA per reference area: cof(F) = det(F) F^-T, whose
   rows are the cross products of F's other rows (Nanson's formula without dividing by J). */
static void DeformedAreaVector(const PetscReal F[9], const PetscReal N[3], PetscReal a[3])
{
  PetscReal cof[9];

  for (PetscInt i = 0; i < 3; ++i) {
    const PetscReal *r1 = &F[3 * ((i + 1) % 3)], *r2 = &F[3 * ((i + 2) % 3)];
    cof[3 * i + 0] = r1[1] * r2[2] - r1[2] * r2[1];
    cof[3 * i + 1] = r1[2] * r2[0] - r1[0] * r2[2];
    cof[3 * i + 2] = r1[0] * r2[1] - r1[1] * r2[0];
  }
  for (PetscInt i = 0; i < 3; ++i)
    a[i] = cof[3 * i] * N[0] + cof[3 * i + 1] * N[1] + cof[3 * i + 2] * N[2];
}

PetscErrorCode TwinfeElasticityPressureKernel_Private(const TwinfeFaceElement *fe, PetscScalar r[], void *ctx)
{
  const TwinfeElasticityPressure *pr = (const TwinfeElasticityPressure *)ctx;
  PetscInt                        nb = fe->nbasis[0];

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < fe->nq; ++q) {
    PetscReal F[9], a[3], p = pr->load * pr->pressure;
    if (pr->follower) {
      FaceDeformationGradient(fe, q, F);
      DeformedAreaVector(F, fe->normal, a);
    } else
      for (PetscInt i = 0; i < 3; ++i)
        a[i] = fe->normal[i];
    /* internal minus external forces: the load -p a . v enters with the opposite sign */
    for (PetscInt b = 0; b < nb; ++b)
      for (PetscInt i = 0; i < 3; ++i)
        r[3 * b + i] += fe->w[q] * p * a[i] * fe->B[0][q * nb + b];
  }
  PetscFunctionReturn(0);
}

/* d (cof F N)_i / dF_kL = sum_m eps_ikm (F_m x N)_L, F_m the m-th row of F. */
PetscErrorCode TwinfeElasticityPressureMatrixKernel_Private(const TwinfeFaceElement *fe, PetscScalar K[], void *ctx)
{
  const TwinfeElasticityPressure *pr = (const TwinfeElasticityPressure *)ctx;
  PetscInt                        nb = fe->nbasis[0], nd = fe->ndof;
  const PetscReal                *N = fe->normal;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < fe->nq; ++q) {
    PetscReal F[9], c[9], T[27], p = pr->load * pr->pressure * fe->w[q];
    FaceDeformationGradient(fe, q, F);
    for (PetscInt m = 0; m < 3; ++m) {
      const PetscReal *Fm = &F[3 * m];
      c[3 * m + 0]        = Fm[1] * N[2] - Fm[2] * N[1];
      c[3 * m + 1]        = Fm[2] * N[0] - Fm[0] * N[2];
      c[3 * m + 2]        = Fm[0] * N[1] - Fm[1] * N[0];
    }
    for (PetscInt i = 0; i < 3; ++i) /* T[(3i+k)*3 + L] = sum_m eps_ikm c_mL */
      for (PetscInt k = 0; k < 3; ++k)
        for (PetscInt L = 0; L < 3; ++L) {
          PetscInt m             = 3 - i - k;
          T[(3 * i + k) * 3 + L] = (i == k) ? 0 : ((k - i + 3) % 3 == 1 ? 1 : -1) * c[3 * m + L];
        }
    for (PetscInt a = 0; a < nb; ++a)
      for (PetscInt b = 0; b < nb; ++b) {
        const PetscReal *db = &fe->D[0][(q * nb + b) * 3];
        PetscReal        na = p * fe->B[0][q * nb + a];
        for (PetscInt i = 0; i < 3; ++i)
          for (PetscInt k = 0; k < 3; ++k) {
            const PetscReal *t = &T[(3 * i + k) * 3];
            K[(3 * a + i) * nd + 3 * b + k] += na * (t[0] * db[0] + t[1] * db[1] + t[2] * db[2]);
          }
      }
  }
  PetscFunctionReturn(0);
}

/* Cauchy stress sigma = P F^T / J (symmetric); Green-Lagrange E = (F^T F - I)/2. A small-strain
   law gives its own sigma(eps) and the small strain eps (the linearised E). */
static void PointFields(const TwinfeElasticLaw *law, const PetscReal F[9], const PetscReal P[9], PetscReal sigma[9],
                        PetscReal E[9], PetscReal *J)
{
  *J = TwinfeDet3_Private(F);
  for (PetscInt i = 0; i < 3; ++i)
    for (PetscInt j = 0; j < 3; ++j) {
      PetscReal s = 0, c = 0;
      for (PetscInt K = 0; K < 3; ++K) {
        s += P[3 * i + K] * F[3 * j + K];
        c += F[3 * K + i] * F[3 * K + j];
      }
      if (law->model == TWINFE_MATERIAL_LINEAR) {
        sigma[3 * i + j] = P[3 * i + j];
        E[3 * i + j]     = 0.5 * (F[3 * i + j] + F[3 * j + i]) - (i == j);
      } else {
        sigma[3 * i + j] = s / *J;
        E[3 * i + j]     = 0.5 * (c - (i == j));
      }
    }
}

PetscBool TwinfeElasticityPointStress_Private(TwinfeElasticity e, const TwinfeElement *el, PetscInt q, const PetscReal F[9],
                                              PetscReal P[9])
{
  PetscInt         cl = e->cell_law[el->cell], nbp, off;
  PetscReal        theta, dtheta[9], p = 0;
  const PetscReal *Bp;

  if (!TwinfeElasticityMixed(e)) return TwinfeElasticLawStress_Private(&e->laws[cl], F, P, NULL);
  if (!TwinfeElasticLawStress_Private(&e->shear_laws[cl], F, P, NULL)) return PETSC_FALSE;
  if (!TwinfeElasticLawVolumetric_Private(&e->laws[cl], F, &theta, dtheta, NULL)) return PETSC_FALSE;
  nbp = el->nbasis[1], off = el->offset[1], Bp = &el->B[1][q * nbp];
  for (PetscInt b = 0; el->u && b < nbp; ++b)
    p += Bp[b] * PetscRealPart(el->u[off + b]);
  for (PetscInt r = 0; r < 9; ++r)
    P[r] -= p * dtheta[r];
  return PETSC_TRUE;
}

PetscErrorCode TwinfeElasticityCellFieldsKernel_Private(const TwinfeElement *el, PetscScalar out[], void *ctx)
{
  TwinfeElasticity        e           = (TwinfeElasticity)ctx;
  const TwinfeElasticLaw *law         = TwinfeElasticityCellLaw(e, el->cell);
  static const PetscInt   voigt[6][2] = {{0, 0}, {1, 1}, {2, 2}, {0, 1}, {1, 2}, {0, 2}};
  PetscReal               vol         = 0;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < el->nq; ++q)
    vol += el->w[q];
  for (PetscInt q = 0; q < el->nq; ++q) {
    PetscReal F[9], P[9], sigma[9], E[9], J, w = el->w[q] / vol;
    TwinfeElasticityDeformationGradient_Private(el, q, F);
    if (!TwinfeElasticityPointStress_Private(e, el, q, F, P)) {
      e->inverted++;
      continue;
    }
    PointFields(law, F, P, sigma, E, &J);
    for (PetscInt k = 0; k < 6; ++k) {
      out[k] += w * sigma[3 * voigt[k][0] + voigt[k][1]];
      out[6 + k] += w * E[3 * voigt[k][0] + voigt[k][1]];
    }
    out[12] += w * J;
  }
  PetscFunctionReturn(0);
}

/* u at face quadrature point q. */
static void FaceDisplacement(const TwinfeFaceElement *fe, PetscInt q, PetscReal u[3])
{
  PetscInt nb = fe->nbasis[0];
  u[0] = u[1] = u[2] = 0;
  for (PetscInt b = 0; b < nb; ++b)
    for (PetscInt i = 0; i < 3; ++i)
      u[i] += fe->B[0][q * nb + b] * PetscRealPart(fe->u[3 * b + i]);
}

PetscErrorCode TwinfeElasticitySpringKernel_Private(const TwinfeFaceElement *fe, PetscScalar r[], void *ctx)
{
  const TwinfeElasticitySpring *s  = (const TwinfeElasticitySpring *)ctx;
  PetscInt                      nb = fe->nbasis[0];

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < fe->nq; ++q) {
    PetscReal u[3];
    FaceDisplacement(fe, q, u);
    for (PetscInt a = 0; a < nb; ++a)
      for (PetscInt i = 0; i < 3; ++i)
        r[3 * a + i] += fe->w[q] * s->stiffness * fe->B[0][q * nb + a] * u[i];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticitySpringMatrixKernel_Private(const TwinfeFaceElement *fe, PetscScalar K[], void *ctx)
{
  const TwinfeElasticitySpring *s  = (const TwinfeElasticitySpring *)ctx;
  PetscInt                      nb = fe->nbasis[0], nd = fe->ndof;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < fe->nq; ++q)
    for (PetscInt a = 0; a < nb; ++a)
      for (PetscInt b = 0; b < nb; ++b) {
        PetscReal k = fe->w[q] * s->stiffness * fe->B[0][q * nb + a] * fe->B[0][q * nb + b];
        for (PetscInt i = 0; i < 3; ++i)
          K[(3 * a + i) * nd + 3 * b + i] += k;
      }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticitySpringForceKernel_Private(const TwinfeFaceElement *fe, PetscScalar out[], void *ctx)
{
  const TwinfeElasticitySpring *s = (const TwinfeElasticitySpring *)ctx;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < fe->nq; ++q) {
    PetscReal u[3];
    FaceDisplacement(fe, q, u);
    for (PetscInt i = 0; i < 3; ++i)
      out[i] += fe->w[q] * s->stiffness * u[i];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityFaceStressKernel_Private(const TwinfeFaceElement *fe, PetscScalar out[], void *ctx)
{
  TwinfeElasticity        e           = (TwinfeElasticity)ctx;
  const TwinfeElasticLaw *law         = TwinfeElasticityCellLaw(e, fe->cell);
  static const PetscInt   voigt[6][2] = {{0, 0}, {1, 1}, {2, 2}, {0, 1}, {1, 2}, {0, 2}};
  TwinfeElement           el;

  PetscFunctionBeginUser;
  TwinfeFaceElementAsElement(fe, &el);
  for (PetscInt q = 0; q < fe->nq; ++q) {
    PetscReal F[9], P[9], sigma[9], E[9], J;
    TwinfeElasticityDeformationGradient_Private(&el, q, F);
    if (!TwinfeElasticityPointStress_Private(e, &el, q, F, P)) {
      e->inverted++;
      continue;
    }
    PointFields(law, F, P, sigma, E, &J);
    for (PetscInt k = 0; k < 6; ++k)
      out[k] += fe->w[q] * sigma[3 * voigt[k][0] + voigt[k][1]];
    out[6] += fe->w[q];
  }
  PetscFunctionReturn(0);
}
