/* Serial steps inside collective functions.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Meshing, labelling and METIS run on rank 0 while the other ranks wait for the collective
 * step that follows. If rank 0 failed and simply returned, the others would wait forever, so
 * every such step ends here: rank 0's error code is broadcast and every rank fails with it. */
#include "core_impl.h"

PetscErrorCode TwinfeRunOnRoot(MPI_Comm comm, PetscErrorCode root_error)
{
  int code = (int)root_error;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Bcast(&code, 1, MPI_INT, 0, comm));
  if (code) {
    PetscMPIInt rank;
    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    /* Rank 0 already raised (and recorded) the real error; the others follow it. */
    PetscCheck(rank == 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "A step on rank 0 failed (see rank 0's message)");
    PetscFunctionReturn(root_error);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode CaptureHandler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n,
                                     PetscErrorType p, const char *mess, void *ctx)
{
  TwinfeErrorCapture *capture = (TwinfeErrorCapture *)ctx;
  (void)comm, (void)line, (void)fun, (void)file;
  if (p == PETSC_ERROR_INITIAL && mess && !capture->message[0]) PetscStrncpy(capture->message, mess, sizeof capture->message);
  return n;
}

PetscErrorCode TwinfeErrorCaptureBegin(TwinfeErrorCapture *capture)
{
  PetscFunctionBegin;
  capture->message[0] = 0;
  PetscCall(PetscPushErrorHandler(CaptureHandler, capture));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeErrorCaptureEnd(TwinfeErrorCapture *capture)
{
  PetscFunctionBegin;
  PetscCall(PetscPopErrorHandler());
  if (!capture->message[0]) PetscCall(PetscStrncpy(capture->message, "no message", sizeof capture->message));
  for (char *p = capture->message; *p; ++p) /* one line in a summary */
    if (*p == '\n') *p = ' ';
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeRankSpread(MPI_Comm comm, PetscInt local, PetscInt *min, PetscInt *max, PetscInt *total,
                                PetscReal *imbalance)
{
  PetscMPIInt size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Allreduce(&local, min, 1, MPIU_INT, MPI_MIN, comm));
  PetscCallMPI(MPI_Allreduce(&local, max, 1, MPIU_INT, MPI_MAX, comm));
  PetscCallMPI(MPI_Allreduce(&local, total, 1, MPIU_INT, MPI_SUM, comm));
  *imbalance = *total > 0 ? (PetscReal)*max * size / *total : 1;
  PetscFunctionReturn(0);
}
