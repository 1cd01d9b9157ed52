/* Wall time and peak memory of each stage of a case, and PETSc log stages for -log_view.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "case_impl.h"

#include <sys/resource.h>

/* The process's high-water mark of resident memory in MB (Linux reports kB). */
static PetscReal PeakResidentMB(void)
{
  struct rusage usage;
  return getrusage(RUSAGE_SELF, &usage) == 0 ? (PetscReal)usage.ru_maxrss / 1024.0 : 0.0;
}

/* collective: every rank runs the stage (barriers make the time that of the slowest rank and
   -log_view gets a stage of that name); otherwise only rank 0 runs it. */
PetscErrorCode TwinfeCaseBeginStage(TwinfeCase c, const char name[], PetscBool collective, PetscLogDouble *t0)
{
  PetscFunctionBegin;
  PetscCheck(c->nstages < TWINFE_CASE_MAX_STAGES, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Too many stages");
  PetscCall(PetscStrncpy(c->stage_names[c->nstages], name, TWINFE_NAME_LEN));
  if (collective) {
    PetscLogStage stage;
    PetscCall(PetscLogStageGetId(name, &stage));
    if (stage < 0) PetscCall(PetscLogStageRegister(name, &stage));
    PetscCallMPI(MPI_Barrier(c->comm));
    PetscCall(PetscLogStagePush(stage));
  }
  PetscCall(PetscTime(t0));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseEndStage(TwinfeCase c, PetscBool collective, PetscLogDouble t0)
{
  PetscLogDouble t1;
  PetscReal      peak = PeakResidentMB();
  PetscFunctionBegin;
  if (collective) {
    PetscCall(PetscLogStagePop());
    PetscCallMPI(MPI_Barrier(c->comm));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &peak, 1, MPIU_REAL, MPI_MAX, c->comm));
  }
  PetscCall(PetscTime(&t1));
  c->stage_seconds[c->nstages] = (PetscReal)(t1 - t0);
  c->stage_peak_mb[c->nstages] = peak;
  c->nstages++;
  PetscFunctionReturn(0);
}
