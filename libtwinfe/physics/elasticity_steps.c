/* The solve over load steps: small strain (one assembled stiffness, one linear solve per step) or
 * finite strain (Newton's method per step, from a tangent predictor, with cut-back on failure).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "elasticity_impl.h"
#include "core/core_impl.h"

/* A nominal step is halved at most this often (1/64 of it) before the solve gives up. */
#define MAX_HALVINGS 6

static PetscErrorCode SetLoad(TwinfeElasticity e, PetscReal t)
{
  PetscFunctionBeginUser;
  e->load = t;
  for (PetscInt i = 0; i < e->ntractions; ++i)
    e->tractions[i].load = t;
  for (PetscInt i = 0; i < e->npressures; ++i)
    e->pressures[i].load = t;
  PetscCall(TwinfeElasticitySetDisplacementLoad_Private(e, t));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityAssembleForces_Private(TwinfeElasticity e, Vec U, Vec F)
{
  static PetscLogEvent event = -1;
  PetscInt             inverted;

  PetscFunctionBeginUser;
  PetscCall(TwinfeLogBegin_Private("TwinfeElaForces", &event));
  PetscCall(VecZeroEntries(F));
  e->inverted = 0;
  PetscCall(TwinfeSpaceAssembleVector(
      e->space, TwinfeElasticityStiffnessOrder_Private(e), U,
      TwinfeElasticityMixed(e) ? TwinfeElasticityMixedResidualKernel_Private : TwinfeElasticityResidualKernel_Private, e, F));
  if (e->body || e->gravity[0] != 0 || e->gravity[1] != 0 || e->gravity[2] != 0)
    PetscCall(TwinfeSpaceAssembleVector(e->space, TwinfeElasticityLoadOrder_Private(e), NULL, TwinfeElasticityBodyKernel_Private,
                                        e, F));
  for (PetscInt i = 0; i < e->ntractions; ++i)
    PetscCall(TwinfeSpaceAssembleFaceVector(e->space, e->tractions[i].tag, e->degree, NULL,
                                            TwinfeElasticityTractionKernel_Private, &e->tractions[i], F));
  for (PetscInt i = 0; i < e->nsprings; ++i)
    PetscCall(TwinfeSpaceAssembleFaceVector(e->space, e->springs[i].tag, 2 * e->degree, U, TwinfeElasticitySpringKernel_Private,
                                            &e->springs[i], F));
  for (PetscInt i = 0; i < e->npressures; ++i)
    PetscCall(TwinfeSpaceAssembleFaceVector(e->space, e->pressures[i].tag, 3 * e->degree - 2, U,
                                            TwinfeElasticityPressureKernel_Private, &e->pressures[i], F));
  PetscCall(MPIU_Allreduce(&e->inverted, &inverted, 1, MPIU_INT, MPI_SUM, e->comm));
  e->inverted = inverted;
  PetscCall(PetscLogEventEnd(event, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityFormFunction_Private(SNES snes, Vec U, Vec F, void *ctx)
{
  TwinfeElasticity e = (TwinfeElasticity)ctx;

  PetscFunctionBeginUser;
  PetscCall(TwinfeElasticityAssembleForces_Private(e, U, F));
  /* An inverted element has no stress: tell Newton's line search to step back. */
  if (e->inverted) PetscCall(SNESSetFunctionDomainError(snes));
  PetscCall(TwinfeSpaceApplyDirichletToResidual(e->space, e->bc_scale, U, F));
  PetscFunctionReturn(0);
}

/* The mixed form's kernel covers both cases: with no U it is the tangent at the unloaded state,
   for a linear law the constant matrix. */
PetscErrorCode TwinfeElasticityAssembleMatrix_Private(TwinfeElasticity e, Vec U, Mat J)
{
  PetscBool                 tangent = e->nonlinear && U ? PETSC_TRUE : PETSC_FALSE;
  TwinfeElementMatrixKernel kernel  = TwinfeElasticityMixed(e) ? TwinfeElasticityMixedTangentKernel_Private
                                      : tangent                ? TwinfeElasticityTangentKernel_Private
                                                               : TwinfeElasticityLinearStiffnessKernel_Private;
  PetscInt                  nterms  = e->nface_terms + (tangent ? e->nfollower_terms : 0);

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceAssembleMatrixWithFaces(e->space, TwinfeElasticityStiffnessOrder_Private(e), tangent ? U : NULL, kernel, e,
                                               nterms, e->face_terms, J));
  PetscFunctionReturn(0);
}

/* Small strain: the stiffness is constant, assembled once by the set-up. */
PetscErrorCode TwinfeElasticityFormJacobian_Private(SNES snes, Vec U, Mat J, Mat P, void *ctx)
{
  TwinfeElasticity e = (TwinfeElasticity)ctx;

  PetscFunctionBeginUser;
  (void)snes, (void)J;
  if (!e->nonlinear) PetscFunctionReturn(0);
  PetscCall(TwinfeElasticityAssembleMatrix_Private(e, U, P));
  PetscCall(TwinfeSpaceApplyDirichletToMatrix(e->space, e->bc_scale, P));
  PetscCall(TwinfeElasticityOperatorChanged_Private(e));
  PetscFunctionReturn(0);
}

/* The vectors assembly borrowed from the space's DM stay cached there (DMRestoreLocalVector):
   3 of the solution's size here, freed before the Krylov solve, where the run's memory peaks;
   a later assembly borrows new ones. */
static PetscErrorCode ReleaseWorkVectors(TwinfeElasticity e)
{
  DM dm;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceGetDM(e->space, &dm));
  PetscCall(DMClearGlobalVectors(dm));
  PetscCall(DMClearLocalVectors(dm));
  TwinfeReturnFreedMemory_Private(); /* and what the set-up's products and patterns left */
  PetscFunctionReturn(0);
}

/* Small strain: the operator is set up once and not changed, so what a multigrid's set-up kept
   to redo its Galerkin products is freed before the Krylov solve, where the run's memory peaks
   (TwinfeMultigridReleaseProducts; not inside a fieldsplit). The set-up runs before the solve
   has a solution vector, so the Krylov method takes its work vectors' layout from the DM, which
   keeps one: released again. */
static PetscErrorCode SetUpForConstantOperator(TwinfeElasticity e, KSP ksp)
{
  PC pc;

  PetscFunctionBeginUser;
  PetscCall(KSPSetUp(ksp));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(TwinfeMultigridReleaseProducts(pc));
  PetscCall(ReleaseWorkVectors(e));
  PetscFunctionReturn(0);
}

/* The solver of the constant small-strain stiffness, made ready once for all load steps: a
   solver the store kept whose operator is this very stiffness (an earlier run's: its
   preconditioner is not set up again), or this one's own, set up and offered to the store. */
static PetscErrorCode LinearSolver(TwinfeElasticity e, KSP *ksp)
{
  KSP mine;

  PetscFunctionBeginUser;
  PetscCall(SNESGetKSP(e->snes, &mine));
  if (!e->linear_ready) {
    PetscCall(KSPDestroy(&e->kept));
    if (e->store) PetscCall(TwinfeSolverStoreFind(e->store, "elasticity", mine, e->J, &e->kept));
    e->reused = e->kept ? PETSC_TRUE : PETSC_FALSE;
    if (!e->kept) {
      if (e->operator_pending) PetscCall(TwinfeElasticityOperatorChanged_Private(e));
      e->operator_pending = PETSC_FALSE;
      PetscCall(KSPSetOperators(mine, e->J, e->J));
      if (TwinfeElasticityMixed(e)) PetscCall(TwinfeElasticityMixedConfigureBlocks_Private(e, mine));
      PetscCall(ReleaseWorkVectors(e));
      PetscCall(SetUpForConstantOperator(e, mine));
      if (e->store) PetscCall(TwinfeSolverStoreOffer(e->store, "elasticity", mine));
      e->offered = e->store ? PETSC_TRUE : PETSC_FALSE;
    }
    e->linear_ready = PETSC_TRUE;
  }
  PetscCall(ReleaseWorkVectors(e));
  *ksp = e->kept ? e->kept : mine;
  PetscFunctionReturn(0);
}

static PetscErrorCode KeepResidualHistory(TwinfeElasticity e, KSP ksp)
{
  const PetscReal *norms;
  PetscInt         n;
  PetscFunctionBeginUser;
  PetscCall(KSPGetResidualHistory(ksp, &norms, &n));
  PetscCall(PetscFree(e->residual_history));
  PetscCall(PetscMalloc1(n, &e->residual_history));
  PetscCall(PetscArraycpy(e->residual_history, norms, n));
  e->nresidual_history = n;
  PetscFunctionReturn(0);
}

static PetscErrorCode KeepNewtonHistory(TwinfeElasticity e)
{
  PetscReal *norms;
  PetscInt   n;
  PetscFunctionBeginUser;
  PetscCall(SNESGetConvergenceHistory(e->snes, &norms, NULL, &n));
  PetscCall(PetscFree(e->residual_history));
  PetscCall(PetscMalloc1(n, &e->residual_history));
  PetscCall(PetscArraycpy(e->residual_history, norms, n));
  e->nresidual_history = n;
  PetscFunctionReturn(0);
}

/* Small strain: U = U0 with the constraints at load t, then one solve with the stiffness the
   set-up assembled (constraint rows and columns zeroed): K dU = -R(U) is exact, as R is linear. */
static PetscErrorCode SolveLinear(TwinfeElasticity e, Vec U0, Vec U)
{
  Vec                F, dU;
  KSP                ksp = NULL;
  KSPConvergedReason reason;
  PetscInt           its;

  PetscFunctionBeginUser;
  PetscCall(VecCopy(U0, U));
  PetscCall(TwinfeSpaceApplyDirichletToVector(e->space, U));
  PetscCall(VecDuplicate(U, &F));
  PetscCall(VecDuplicate(U, &dU));
  PetscCall(TwinfeElasticityFormFunction_Private(e->snes, U, F, e));
  PetscCall(VecScale(F, -1));
  PetscCall(LinearSolver(e, &ksp));
  /* PETSc keeps the history (its own array, 10000 long: a kept KSP never points into e) */
  PetscCall(KSPSetResidualHistory(ksp, NULL, PETSC_DECIDE, PETSC_TRUE));
  PetscCall(KSPSolve(ksp, F, dU));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  PetscCall(KSPGetIterationNumber(ksp, &its));
  PetscCall(KeepResidualHistory(e, ksp));
  e->linear_its += its;
  PetscCall(VecAXPY(U, 1, dU));
  /* the update of a constrained dof is zero only to the solver's tolerance (about 1e-11 mm):
     the prescribed value is known exactly, so put it back */
  PetscCall(TwinfeSpaceApplyDirichletToVector(e->space, U));
  PetscCall(VecDestroy(&F));
  PetscCall(VecDestroy(&dU));
  PetscCheck(reason >= 0, e->comm, PETSC_ERR_NOT_CONVERGED,
             "elasticity solve did not converge (%s after %" PetscInt_FMT
             " iterations): check that the boundary conditions hold the body "
             "(a free body has no unique displacement), or raise -elasticity_ksp_max_it",
             KSPConvergedReasons[reason], its);
  PetscFunctionReturn(0);
}

/* The predictor's operator: the tangent at U with the constrained rows and columns zeroed (their
   columns times jump moved into rhs, when given), set on the KSP. */
static PetscErrorCode SetPredictorOperator(TwinfeElasticity e, Vec U, Vec jump, Vec rhs, KSP *ksp)
{
  PetscInt        n;
  const PetscInt *rows;

  PetscFunctionBeginUser;
  PetscCall(TwinfeElasticityAssembleMatrix_Private(e, U, e->J));
  PetscCall(TwinfeSpaceGetDirichlet(e->space, &n, &rows, NULL));
  PetscCall(MatZeroRowsColumns(e->J, n, rows, e->bc_scale, jump, rhs));
  PetscCall(TwinfeElasticityOperatorChanged_Private(e));
  PetscCall(SNESGetKSP(e->snes, ksp));
  PetscCall(KSPSetOperators(*ksp, e->J, e->J));
  if (TwinfeElasticityMixed(e)) PetscCall(TwinfeElasticityMixedConfigureBlocks_Private(e, *ksp));
  PetscFunctionReturn(0);
}

/* Finite strain: the linearised increment from the converged state U0 to load factor t. Solve
   K(U0) dU = -R(U0; t) with dU = t g - U0 on the constrained rows (their stiffness columns moved
   to the right-hand side, so the interior follows the prescribed motion instead of leaving the
   layer of cells at the boundary to absorb it), then U = U0 + dU: Newton's start. */
static PetscErrorCode Predict(TwinfeElasticity e, Vec U0, Vec U, PetscBool *ok)
{
  Vec                rhs, jump, dU;
  KSP                ksp;
  KSPConvergedReason reason;
  PetscInt           its;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(U0, &rhs));
  PetscCall(VecDuplicate(U0, &jump));
  PetscCall(VecDuplicate(U0, &dU));
  PetscCall(TwinfeElasticityAssembleForces_Private(e, U0, rhs));
  *ok = e->inverted ? PETSC_FALSE : PETSC_TRUE;
  if (*ok) {
    PetscCall(VecScale(rhs, -1));
    PetscCall(VecCopy(U0, dU)); /* jump = t g - U0 on the constrained rows (the rest is not read) */
    PetscCall(TwinfeSpaceApplyDirichletToVector(e->space, dU));
    PetscCall(VecWAXPY(jump, -1, U0, dU));
    PetscCall(SetPredictorOperator(e, U0, jump, rhs, &ksp));
    PetscCall(VecZeroEntries(dU));
    PetscCall(KSPSolve(ksp, rhs, dU));
    PetscCall(KSPGetConvergedReason(ksp, &reason));
    PetscCall(KSPGetIterationNumber(ksp, &its));
    e->linear_its += its;
    *ok = reason > 0 ? PETSC_TRUE : PETSC_FALSE;
    PetscCall(VecWAXPY(U, 1, dU, U0));
    PetscCall(TwinfeSpaceApplyDirichletToVector(e->space, U)); /* exact, not to the solver's tolerance */
  }
  PetscCall(VecDestroy(&rhs));
  PetscCall(VecDestroy(&jump));
  PetscCall(VecDestroy(&dU));
  PetscFunctionReturn(0);
}

/* One step to load factor t from the converged U0: predictor, then Newton (finite strain). */
static PetscErrorCode SolveStep(TwinfeElasticity e, PetscReal t, Vec U0, PetscBool *converged, SNESConvergedReason *why)
{
  PetscInt newton = 0, linear = 0;

  PetscFunctionBeginUser;
  PetscCall(SetLoad(e, t));
  if (!e->nonlinear) {
    PetscCall(SolveLinear(e, U0, e->u));
    *converged = PETSC_TRUE;
    *why       = SNES_CONVERGED_ITS;
    PetscFunctionReturn(0);
  }
  PetscCall(Predict(e, U0, e->u, converged));
  *why = e->inverted ? SNES_DIVERGED_FUNCTION_DOMAIN : SNES_DIVERGED_LINEAR_SOLVE;
  if (!*converged) PetscFunctionReturn(0);
  PetscCall(SNESSetConvergenceHistory(e->snes, e->newton_norms, NULL, (PetscInt)(sizeof e->newton_norms / sizeof(PetscReal)),
                                      PETSC_TRUE));
  PetscCall(SNESSolve(e->snes, NULL, e->u));
  PetscCall(KeepNewtonHistory(e));
  PetscCall(SNESGetConvergedReason(e->snes, why));
  PetscCall(SNESGetIterationNumber(e->snes, &newton));
  PetscCall(SNESGetLinearSolveIterations(e->snes, &linear));
  e->newton_its += newton;
  e->linear_its += linear;
  *converged = *why > 0 ? PETSC_TRUE : PETSC_FALSE;
  if (*converged) PetscCall(TwinfeSpaceApplyDirichletToVector(e->space, e->u));
  PetscFunctionReturn(0);
}

/* A restarted finite-strain solve: GAMG keeps the prolongation it built on its first matrix
   (ConfigureNewtonSolver), which in the uninterrupted solve was the first step's predictor, the
   tangent at U = 0. It is built on that same matrix here, so that the restarted steps repeat the
   uninterrupted ones to round-off rather than to the solver's tolerance. */
static PetscErrorCode PrimeSolver(TwinfeElasticity e, Vec work)
{
  KSP ksp;

  PetscFunctionBeginUser;
  if (!e->nonlinear) PetscFunctionReturn(0); /* one matrix for all steps: nothing is carried */
  PetscCall(SetLoad(e, e->nsteps == 1 ? 1.0 : 1.0 / e->nsteps));
  PetscCall(VecZeroEntries(work));
  PetscCall(SetPredictorOperator(e, work, NULL, NULL, &ksp));
  PetscCall(KSPSetUp(ksp));
  PetscFunctionReturn(0);
}

/* The steps go on from a checkpoint's converged state (elasticity_checkpoint.c set e->resume). */
static PetscErrorCode Resume(TwinfeElasticity e, Vec U0, PetscInt *step, PetscReal *t, PetscReal *dt)
{
  PetscFunctionBeginUser;
  PetscCall(PrimeSolver(e, U0));
  PetscCall(VecCopy(e->resume.u, U0));
  PetscCall(VecCopy(U0, e->u));
  PetscCall(VecDestroy(&e->resume.u));
  *step          = e->resume.step + 1;
  *t             = e->resume.t;
  *dt            = e->resume.dt;
  e->steps_taken = e->resume.steps_taken;
  e->newton_its  = e->resume.newton_its;
  e->linear_its  = e->resume.linear_its;
  e->cutbacks    = e->resume.cutbacks;
  PetscFunctionReturn(0);
}

/* The load factors 1/n, 2/n, ..., 1 in turn; a failed step is retried from the last converged
   state with half the increment. A small-strain solve takes every step in one linear solve. */
PetscErrorCode TwinfeElasticitySolveSteps_Private(TwinfeElasticity e)
{
  Vec                 U0;
  PetscReal           t = 0, nominal = 1.0 / e->nsteps, dt = nominal;
  PetscInt            step = 1, halvings = 0;
  SNESConvergedReason why       = SNES_CONVERGED_ITERATING;
  PetscBool           converged = PETSC_FALSE;

  PetscFunctionBeginUser;
  e->steps_taken = e->newton_its = e->linear_its = e->cutbacks = 0;
  PetscCall(VecDuplicate(e->u, &U0));
  PetscCall(VecZeroEntries(U0));
  if (e->resume.u) PetscCall(Resume(e, U0, &step, &t, &dt));
  while (step <= e->nsteps) {
    PetscReal target = step == e->nsteps ? 1.0 : step * nominal, t_new = PetscMin(t + dt, target);
    if (target - t_new < 1e-9 * nominal) t_new = target;
    PetscCall(SolveStep(e, t_new, U0, &converged, &why));
    e->steps_taken++;
    if (!converged) {
      if (++halvings > MAX_HALVINGS) break;
      e->cutbacks++;
      dt = 0.5 * (t_new - t);
      PetscCall(PetscInfo(e->snes, "load step to t = %g failed (%s): retried with increment %g\n", (double)t_new,
                          SNESConvergedReasons[why], (double)dt));
      continue;
    }
    t = t_new;
    PetscCall(VecCopy(e->u, U0));
    if (t_new == target) {
      dt         = PetscMin(2 * dt, nominal); /* a step that was cut back grows back */
      e->next_dt = dt;                        /* before the monitor: a checkpoint keeps it */
      if (e->monitor) PetscCall(e->monitor(e, step, t, e->monitor_ctx));
      step++;
      halvings = 0;
    }
  }
  if (step <= e->nsteps) PetscCall(VecCopy(U0, e->u)); /* keep the last converged state, not garbage */
  PetscCall(VecDestroy(&U0));
  PetscCheck(step > e->nsteps, e->comm, PETSC_ERR_NOT_CONVERGED,
             "elasticity: load step %" PetscInt_FMT " of %" PetscInt_FMT " did not converge (%s, %" PetscInt_FMT
             " inverted quadrature points) even with its increment halved %d times: the "
             "solve reached load factor %g of 1. Give more load steps (-elasticity_load_steps), a smaller load, or check that "
             "the supports hold the body",
             step, e->nsteps, SNESConvergedReasons[why], e->inverted, MAX_HALVINGS, (double)t);
  PetscFunctionReturn(0);
}
