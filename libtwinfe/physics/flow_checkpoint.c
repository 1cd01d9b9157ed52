/* The flow's part of a pulsatile run's checkpoint: what its next BDF2 step reads. That is the
 * solution now and one step back, the time, the last step's length (it sets the BDF2
 * coefficients), and each Windkessel capacitor's pressure now and one step back.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "flow_impl.h"
#include "physics_impl.h"

/* time, dt_prev, outlets, then Pc and Pc_prev per outlet */
#define NFIXED 3

PetscErrorCode TwinfeFlowCheckpointAdd_Private(TwinfeFlow f, TwinfeCheckpoint ck)
{
  DM         dm;
  PetscReal *s;
  PetscInt   n = NFIXED + 2 * f->noutlets;

  PetscFunctionBeginUser;
  PetscCheck(f->have_state && f->U_prev, f->comm, PETSC_ERR_ORDER, "checkpoint of a flow before its first time step");
  PetscCall(TwinfeSpaceGetDM(f->space, &dm));
  PetscCall(TwinfeCheckpointAddVec(ck, "flow_U", dm, f->U));
  PetscCall(TwinfeCheckpointAddVec(ck, "flow_U_prev", dm, f->U_prev));
  PetscCall(PetscMalloc1(n, &s));
  s[0] = f->time, s[1] = f->dt_prev, s[2] = (PetscReal)f->noutlets;
  for (PetscInt k = 0; k < f->noutlets; ++k)
    s[NFIXED + 2 * k] = f->outlets[k].Pc, s[NFIXED + 2 * k + 1] = f->outlets[k].Pc_prev;
  PetscCall(TwinfeCheckpointAddReals(ck, "flow", n, s));
  PetscCall(PetscFree(s));
  PetscFunctionReturn(0);
}

/* After the start was solved again (so that the solvers are set up as they were then). */
PetscErrorCode TwinfeFlowCheckpointGet_Private(TwinfeFlow f, TwinfeCheckpoint ck)
{
  DM         dm;
  PetscReal *s;
  PetscInt   n = NFIXED + 2 * f->noutlets;

  PetscFunctionBeginUser;
  PetscCheck(f->U, f->comm, PETSC_ERR_ORDER, "restart of a flow before its start was solved");
  PetscCall(TwinfeSpaceGetDM(f->space, &dm));
  if (!f->history) { /* as the first step makes them (flow.c, AssembleHistory) */
    PetscCall(VecDuplicate(f->U, &f->history));
    PetscCall(VecDuplicate(f->U, &f->U_prev));
  }
  PetscCall(TwinfeCheckpointGetVec(ck, "flow_U", dm, f->U));
  PetscCall(TwinfeCheckpointGetVec(ck, "flow_U_prev", dm, f->U_prev));
  PetscCall(PetscMalloc1(n, &s));
  PetscCall(TwinfeCheckpointGetReals(ck, "flow", n, s));
  f->time       = s[0];
  f->dt_prev    = s[1];
  f->have_state = PETSC_TRUE;
  for (PetscInt k = 0; k < f->noutlets; ++k)
    f->outlets[k].Pc = s[NFIXED + 2 * k], f->outlets[k].Pc_prev = s[NFIXED + 2 * k + 1];
  PetscCall(PetscFree(s));
  PetscFunctionReturn(0);
}
