/* The load steps' part of a checkpoint: the converged displacement of the step, and where the
 * steps are (the step, its load factor, the increment the next step starts with, and the
 * counts the report gives). elasticity_run.c adds the force table and the results states.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "elasticity_impl.h"
#include "physics_impl.h"

#define KIND "load_steps"

/* step, t, next increment, steps taken, Newton and linear iterations, cut-backs */
#define NSTEP_VALUES 7

PetscErrorCode TwinfeElasticityCheckpointBegin_Private(TwinfeElasticity e, TwinfeCheckpoint ck, PetscInt step, PetscReal t)
{
  DM        dm;
  PetscReal s[NSTEP_VALUES] = {
      (PetscReal)step,       t, e->next_dt, (PetscReal)e->steps_taken, (PetscReal)e->newton_its, (PetscReal)e->linear_its,
      (PetscReal)e->cutbacks};

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceGetDM(e->space, &dm));
  PetscCall(TwinfeCheckpointBegin(ck, KIND, step, t));
  PetscCall(TwinfeCheckpointAddVec(ck, "displacement", dm, e->u));
  PetscCall(TwinfeCheckpointAddReals(ck, "load_steps", NSTEP_VALUES, s));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityCheckpointLoad_Private(TwinfeElasticity e, TwinfeCheckpoint ck)
{
  Vec       u;
  DM        dm;
  PetscInt  step;
  PetscReal t, s[NSTEP_VALUES];

  PetscFunctionBeginUser;
  PetscCall(TwinfeCheckpointLoad(ck, KIND, &step, &t));
  PetscCall(TwinfeElasticityGetSolution(e, &u)); /* the space and its layout, before the set-up */
  PetscCall(TwinfeSpaceGetDM(e->space, &dm));
  PetscCall(VecDestroy(&e->resume.u));
  PetscCall(VecDuplicate(u, &e->resume.u));
  PetscCall(TwinfeCheckpointGetVec(ck, "displacement", dm, e->resume.u));
  PetscCall(TwinfeCheckpointGetReals(ck, "load_steps", NSTEP_VALUES, s));
  PetscCheck((PetscInt)s[0] == step && step >= 1 && step < e->nsteps && s[2] > 0, e->comm, PETSC_ERR_FILE_UNEXPECTED,
             "-restart: the checkpoint's load step %" PetscInt_FMT " (increment %g) is not one of 1 to %" PetscInt_FMT
             " before the last: the checkpoint is damaged",
             step, (double)s[2], e->nsteps - 1);
  e->resume.step        = step;
  e->resume.t           = s[1];
  e->resume.dt          = s[2];
  e->resume.steps_taken = (PetscInt)s[3];
  e->resume.newton_its  = (PetscInt)s[4];
  e->resume.linear_its  = (PetscInt)s[5];
  e->resume.cutbacks    = (PetscInt)s[6];
  PetscFunctionReturn(0);
}
