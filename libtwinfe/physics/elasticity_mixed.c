/* Nearly incompressible tissue without locking: the mixed displacement-pressure form.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every law's energy splits as W(F) = W_shear(F) + K/2 theta(F)^2 (theta = ln J; tr(grad u) for
 * the linear law). The pressure p = -K theta becomes an unknown of its own, and the solution
 * makes stationary (a saddle point of)
 *   Pi(u, p) = int W_shear(F) - p theta(F) - p^2/(2K) dX - loads(u),
 * so that, for every v (P2) and q (P1, Taylor-Hood):
 *   R_u = int (P_shear - p dtheta/dF) : grad v - loads = 0,   R_p = -int (theta + p/K) q = 0.
 * Eliminating p gives back P_shear + K theta dtheta/dF, the law's own stress: the same solution
 * for every K, but as K/mu grows (nu -> 1/2) no displacement mode is forced to keep its volume
 * pointwise, which is what locks pure-displacement tets. Newton's matrix is symmetric:
 *   [ A_shear - p d2theta   -B^T  ]      B[p-row q, u-col] = int q dtheta/dF : grad du
 *   [ -B                    -M/K  ].
 * Its Schur complement on the pressure, -M/K - B A^-1 B^T, behaves as -(1/K + 1/mu) M (B A^-1 B^T
 * is about M/mu for a divergence-stable pair): that weighted pressure mass matrix is the
 * Schur complement's model in PCFIELDSPLIT (docs/mechanics.md). */
#include "elasticity_impl.h"

#include "core/core_impl.h"

const char *const TwinfeElasticityFormulations[] = {"displacement", "mixed", NULL};

PetscErrorCode TwinfeElasticityFormulationGetName(TwinfeElasticityFormulation formulation, const char **name)
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeListGetName_Private("TwinfeElasticityFormulationGetName", TwinfeElasticityFormulations, 0,
                                      (PetscInt)formulation, name));
  PetscFunctionReturn(0);
}

/* p at point q (0 where the element has no values). */
static PetscReal PointPressure(const TwinfeElement *el, PetscInt q)
{
  PetscInt         nbp = el->nbasis[1], off = el->offset[1];
  const PetscReal *Bp = &el->B[1][q * nbp];
  PetscReal        p  = 0;

  for (PetscInt b = 0; el->u && b < nbp; ++b)
    p += Bp[b] * PetscRealPart(el->u[off + b]);
  return p;
}

PetscErrorCode TwinfeElasticityMixedResidualKernel_Private(const TwinfeElement *el, PetscScalar r[], void *ctx)
{
  TwinfeElasticity e  = (TwinfeElasticity)ctx;
  PetscInt         cl = e->cell_law[el->cell], nb = el->nbasis[0], nbp = el->nbasis[1], off = el->offset[1];

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < el->nq; ++q) {
    const PetscReal *D = &el->D[0][q * nb * 3], *Bp = &el->B[1][q * nbp];
    PetscReal        F[9], P[9], theta, dtheta[9], p = PointPressure(el, q), w = el->w[q];
    TwinfeElasticityDeformationGradient_Private(el, q, F);
    if (!TwinfeElasticLawStress_Private(&e->shear_laws[cl], F, P, NULL) ||
        !TwinfeElasticLawVolumetric_Private(&e->laws[cl], F, &theta, dtheta, NULL)) {
      e->inverted++;
      continue;
    }
    for (PetscInt k = 0; k < 9; ++k)
      P[k] -= p * dtheta[k];
    for (PetscInt a = 0; a < nb; ++a)
      for (PetscInt i = 0; i < 3; ++i)
        r[3 * a + i] += w * (P[3 * i] * D[3 * a] + P[3 * i + 1] * D[3 * a + 1] + P[3 * i + 2] * D[3 * a + 2]);
    for (PetscInt b = 0; b < nbp; ++b)
      r[off + b] -= w * (theta + p / e->bulk[cl]) * Bp[b];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityMixedTangentKernel_Private(const TwinfeElement *el, PetscScalar K[], void *ctx)
{
  TwinfeElasticity e  = (TwinfeElasticity)ctx;
  PetscInt         cl = e->cell_law[el->cell], nb = el->nbasis[0], nbp = el->nbasis[1], off = el->offset[1], nd = el->ndof;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < el->nq; ++q) {
    const PetscReal *D = &el->D[0][q * nb * 3], *Bp = &el->B[1][q * nbp];
    PetscReal        F[9], P[9], A[81], theta, dtheta[9], d2theta[81], p = PointPressure(el, q), w = el->w[q];
    TwinfeElasticityDeformationGradient_Private(el, q, F);
    if (!TwinfeElasticLawStress_Private(&e->shear_laws[cl], F, P, A) ||
        !TwinfeElasticLawVolumetric_Private(&e->laws[cl], F, &theta, dtheta, d2theta))
      continue; /* the residual has refused this state */
    for (PetscInt k = 0; k < 81; ++k)
      A[k] -= p * d2theta[k];
    TwinfeElasticityAddTangent_Private(el, q, A, K);
    for (PetscInt a = 0; a < nb; ++a)
      for (PetscInt i = 0; i < 3; ++i) {
        const PetscReal *da = &D[3 * a], *t = &dtheta[3 * i];
        PetscReal        g = -w * (t[0] * da[0] + t[1] * da[1] + t[2] * da[2]); /* -dtheta/dF : grad v */
        for (PetscInt b = 0; b < nbp; ++b) {
          K[(3 * a + i) * nd + off + b] += g * Bp[b];
          K[(off + b) * nd + 3 * a + i] += g * Bp[b];
        }
      }
    for (PetscInt b = 0; b < nbp; ++b)
      for (PetscInt c = 0; c < nbp; ++c)
        K[(off + b) * nd + off + c] -= w * Bp[b] * Bp[c] / e->bulk[cl];
  }
  PetscFunctionReturn(0);
}

/* -(1/mu + 1/K) int p q per cell: the model of the pressure Schur complement. */
static PetscErrorCode SchurModelKernel(const TwinfeElement *el, PetscScalar K[], void *ctx)
{
  TwinfeElasticity e  = (TwinfeElasticity)ctx;
  PetscInt         cl = e->cell_law[el->cell], nbp = el->nbasis[1], off = el->offset[1], nd = el->ndof;
  PetscReal        s = 1 / e->laws[cl].mu + 1 / e->bulk[cl];

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < el->nq; ++q) {
    const PetscReal *Bp = &el->B[1][q * nbp];
    for (PetscInt b = 0; b < nbp; ++b)
      for (PetscInt c = 0; c < nbp; ++c)
        K[(off + b) * nd + off + c] -= el->w[q] * s * Bp[b] * Bp[c];
  }
  PetscFunctionReturn(0);
}

/* The split of every law; a law without a volumetric stiffness (nu <= 0) has no pressure to
   carry and is refused, naming its region. */
static PetscErrorCode SplitLaws(TwinfeElasticity e)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree2(e->shear_laws, e->bulk));
  PetscCall(PetscMalloc2(PetscMax(e->nmaterials, 1), &e->shear_laws, PetscMax(e->nmaterials, 1), &e->bulk));
  for (PetscInt i = 0; i < e->nmaterials; ++i) {
    e->bulk[i] = TwinfeElasticLawSplit_Private(&e->laws[i], &e->shear_laws[i]);
    PetscCheck(e->bulk[i] > 0, e->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "region %" PetscInt_FMT ": the mixed formulation needs a positive volumetric modulus (lambda = %g Pa): give "
               "Poisson's ratio nu > 0, or -elasticity_formulation displacement",
               e->materials[i].region, (double)e->bulk[i]);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityMixedSetUp_Private(TwinfeElasticity e)
{
  KSP ksp;
  PC  pc;

  PetscFunctionBeginUser;
  PetscCall(SplitLaws(e));
  PetscCall(MatDestroy(&e->schur_pre));
  PetscCall(TwinfeSpaceAssembleFieldBlock(e->space, 1, 1, 2, SchurModelKernel, e, &e->schur_pre));
  PetscCall(SNESGetKSP(e->snes, &ksp));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCFieldSplitSetSchurPre(pc, PC_FIELDSPLIT_SCHUR_PRE_USER, e->schur_pre));
  PetscFunctionReturn(0);
}

/* FGMRES on the whole system; PCFIELDSPLIT's block upper-triangular Schur factorisation with
   one GAMG V-cycle for the displacement block (rigid-body modes as its near null space) and one
   Jacobi sweep on the weighted pressure mass matrix for the Schur complement: spectrally
   equivalent blocks, so the iterations stay bounded under refinement and as nu -> 1/2. On the
   liver at 9k tets (neo-Hookean, nu 0.4999) the upper factorisation took 628 iterations in 22 s
   where the full one took 523 in 36 s (two V-cycles per iteration); an exact pressure mass solve
   instead of Jacobi changed nothing (596): the mass matrix's distance from the true Schur
   complement, not its inversion, sets the count. Options with the prefix
   -elasticity_fieldsplit_displacement_ and -elasticity_fieldsplit_pressure_ change them. */
PetscErrorCode TwinfeElasticityMixedCreateSolver_Private(TwinfeElasticity e, KSP ksp)
{
  PC           pc;
  Vec          coords, sub;
  MatNullSpace nullsp;

  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < 2; ++f)
    PetscCall(TwinfeSpaceCreateFieldIS(e->space, f, &e->field_is[f]));
  PetscCall(ISSetBlockSize(e->field_is[0], 3));
  PetscCall(TwinfeSpaceCreateNodeCoordinates(e->space, 0, &coords));
  PetscCall(VecGetSubVector(coords, e->field_is[0], &sub));
  PetscCall(VecSetBlockSize(sub, 3));
  PetscCall(MatNullSpaceCreateRigidBody(sub, &nullsp));
  PetscCall(VecRestoreSubVector(coords, e->field_is[0], &sub));
  PetscCall(VecDestroy(&coords));
  /* PCFIELDSPLIT hands a near null space composed on a split's index set to its block */
  PetscCall(PetscObjectCompose((PetscObject)e->field_is[0], "nearnullspace", (PetscObject)nullsp));
  PetscCall(MatNullSpaceDestroy(&nullsp));

  PetscCall(KSPSetType(ksp, KSPFGMRES));
  PetscCall(KSPGMRESSetRestart(ksp, 200));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCFIELDSPLIT));
  PetscCall(PCFieldSplitSetIS(pc, "displacement", e->field_is[0]));
  PetscCall(PCFieldSplitSetIS(pc, "pressure", e->field_is[1]));
  PetscCall(PCFieldSplitSetType(pc, PC_COMPOSITE_SCHUR));
  PetscCall(PCFieldSplitSetSchurFactType(pc, PC_FIELDSPLIT_SCHUR_FACT_UPPER));
  PetscFunctionReturn(0);
}

/* The sub-solvers exist once PCFIELDSPLIT is set up: give them their defaults there, then let
   the options have the last word. */
PetscErrorCode TwinfeElasticityMixedConfigureBlocks_Private(TwinfeElasticity e, KSP ksp)
{
  PC       pc, sub_pc;
  KSP     *sub;
  PetscInt n;

  PetscFunctionBeginUser;
  if (e->blocks_configured) PetscFunctionReturn(0);
  PetscCall(KSPSetUp(ksp));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCFieldSplitSchurGetSubKSP(pc, &n, &sub));
  PetscCall(KSPSetType(sub[0], KSPPREONLY));
  PetscCall(KSPGetPC(sub[0], &sub_pc));
  PetscCall(PCSetType(sub_pc, PCGAMG));
  PetscCall(PCGAMGSetReuseInterpolation(sub_pc, PETSC_TRUE));
  PetscCall(PCGAMGSetUseSAEstEig(sub_pc, PETSC_FALSE));
  PetscCall(KSPSetFromOptions(sub[0]));
  PetscCall(KSPSetType(sub[1], KSPPREONLY));
  PetscCall(KSPGetPC(sub[1], &sub_pc));
  PetscCall(PCSetType(sub_pc, PCJACOBI));
  PetscCall(KSPSetFromOptions(sub[1]));
  PetscCall(PetscFree(sub));
  e->blocks_configured = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityMixedDestroy_Private(TwinfeElasticity e)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree2(e->shear_laws, e->bulk));
  PetscCall(MatDestroy(&e->schur_pre));
  for (PetscInt f = 0; f < 2; ++f)
    PetscCall(ISDestroy(&e->field_is[f]));
  PetscFunctionReturn(0);
}
