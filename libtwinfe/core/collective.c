/* Serial steps inside collective functions.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Meshing, labelling and METIS run on rank 0 while the other ranks wait for the collective
 * step that follows. If rank 0 failed and simply returned, the others would wait forever, so
 * every such step ends here: rank 0's error code is broadcast and every rank fails with it. */
#define _GNU_SOURCE /* nanosleep, sched_getaffinity */
#include "core_impl.h"
#include <sched.h>
#include <time.h>

/* Threads rank 0 may use inside a serial step (0: not inside one); core/threads.c reads it. */
static PetscInt  root_step_threads = 0;
static PetscBool root_step_widened = PETSC_FALSE;
static cpu_set_t root_step_own_cpus; /* rank 0's own cores, given back when the step ends */

PetscInt TwinfeRootStepThreads_Private(void)
{
  return root_step_threads;
}

/* mpiexec binds each rank to its own core (Open MPI does for 2 ranks and more by default), and
   threads inherit the binding of the thread that starts them: rank 0's threads would all share
   its one core. For the step, rank 0 runs on the cores of every rank of its machine (they
   sleep meanwhile); TwinfeRunOnRoot gives the others back. */
static PetscErrorCode WidenRootCores(MPI_Comm node, PetscMPIInt on_node)
{
  cpu_set_t   mine, *all = NULL, every;
  PetscMPIInt node_rank;

  PetscFunctionBegin;
  CPU_ZERO(&mine);
  PetscCheck(sched_getaffinity(0, sizeof mine, &mine) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "sched_getaffinity failed");
  PetscCallMPI(MPI_Comm_rank(node, &node_rank));
  if (node_rank == 0) PetscCall(PetscMalloc1(on_node, &all));
  PetscCallMPI(MPI_Gather(&mine, (int)sizeof mine, MPI_BYTE, all, (int)sizeof mine, MPI_BYTE, 0, node));
  if (node_rank == 0) {
    CPU_ZERO(&every);
    for (PetscMPIInt r = 0; r < on_node; ++r)
      CPU_OR(&every, &every, &all[r]);
    PetscCall(PetscFree(all));
    root_step_own_cpus = mine;
    root_step_widened  = sched_setaffinity(0, sizeof every, &every) == 0 ? PETSC_TRUE : PETSC_FALSE; /* else: its own core only */
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeRootStepBegin(MPI_Comm comm)
{
  MPI_Comm    node;
  PetscMPIInt rank, size, on_node;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size == 1) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  /* keyed by rank: comm's rank 0 is rank 0 of its machine's communicator */
  PetscCallMPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node));
  PetscCallMPI(MPI_Comm_size(node, &on_node));
  PetscCall(WidenRootCores(node, on_node));
  PetscCallMPI(MPI_Comm_free(&node));
  if (rank == 0) root_step_threads = on_node;
  PetscFunctionReturn(0);
}

/* Rank 0's step is over: back to one thread and its own core. */
static void EndRootStep(void)
{
  root_step_threads = 0;
  if (root_step_widened) (void)sched_setaffinity(0, sizeof root_step_own_cpus, &root_step_own_cpus);
  root_step_widened = PETSC_FALSE;
}

/* Wait for a nonblocking collective without spinning. Open MPI's waiting ranks poll at full
   speed, and on a machine where every core runs a rank they would hold the cores that rank 0's
   serial step uses (its threads, Gmsh's, the kernel zeroing its fresh pages). Polled every
   50 us at first, then less often up to every 2 ms: negligible against a serial step's seconds. */
static PetscErrorCode WaitAsleep(MPI_Request *request)
{
  int  done  = 0;
  long sleep = 50000; /* ns */

  PetscFunctionBegin;
  for (;;) {
    PetscCallMPI(MPI_Test(request, &done, MPI_STATUS_IGNORE));
    if (done) break;
    nanosleep(&(struct timespec){0, sleep}, NULL);
    sleep = PetscMin(2 * sleep, 2000000L);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeRunOnRoot(MPI_Comm comm, PetscErrorCode root_error)
{
  int         code = (int)root_error;
  PetscMPIInt rank, size;
  MPI_Request request;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (rank == 0 && size > 1) EndRootStep(); /* a step on one rank inside rank 0's step keeps its threads */
  PetscCallMPI(MPI_Ibcast(&code, 1, MPI_INT, 0, comm, &request));
  if (rank == 0)
    PetscCallMPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
  else
    PetscCall(WaitAsleep(&request));
  if (code) {
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
