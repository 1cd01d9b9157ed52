/* Threads for loops of pure arithmetic over independent items.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Debian's PETSc 3.18 is not built thread-safe (its debugging malloc keeps one list, its error
 * stack is global), so a loop body run here calls no PETSc function and allocates nothing: it
 * reads shared input and writes only its own items. Every item is computed alone, so the
 * result is the same on any number of threads. Only one rank per machine should use several
 * threads: with more ranks the cores are taken already, so the default is then 1, except on
 * rank 0 in a serial step while the other ranks sleep (TwinfeRootStepBegin). */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "core_impl.h"
#include <sched.h>
#include <threads.h>
#include <twinfe/core.h>
#include <unistd.h>

#define TWINFE_MAX_THREADS 64

PetscErrorCode TwinfeGetThreads(PetscInt *nthreads)
{
  PetscMPIInt size;
  PetscInt    allowed;
  const long  cores = sysconf(_SC_NPROCESSORS_ONLN);
  PetscBool   set   = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCheck(nthreads, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeGetThreads: nthreads must not be NULL");
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  if (size == 1) {
    /* the cores this process may run on (taskset, a batch system's binding or cgroup), not the
       machine's: threads beyond those would only take turns */
    PetscCall(TwinfeGetCores_Private(&allowed));
    *nthreads = PetscMax(1, PetscMin(allowed, TWINFE_MAX_THREADS));
  } else
    *nthreads = PetscMax(1, PetscMin(PetscMin(TwinfeRootStepThreads_Private(), cores), TWINFE_MAX_THREADS));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-threads", nthreads, &set));
  PetscCheck(*nthreads >= 1 && *nthreads <= TWINFE_MAX_THREADS, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-threads %" PetscInt_FMT
             " is out of range: give 1 to %d (default: the cores this process may run on when one rank runs, 1 with several "
             "ranks)",
             *nthreads, TWINFE_MAX_THREADS);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeGetCores_Private(PetscInt *cores)
{
  cpu_set_t set;

  PetscFunctionBeginUser;
  CPU_ZERO(&set);
  PetscCheck(sched_getaffinity(0, sizeof set, &set) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "sched_getaffinity failed");
  *cores = CPU_COUNT(&set);
  PetscFunctionReturn(0);
}

typedef struct {
  TwinfeRangeFn body;
  void         *ctx;
  PetscInt      begin, end;
} Range;

static int RunRange(void *arg)
{
  const Range *r = (const Range *)arg;
  r->body(r->begin, r->end, r->ctx);
  return 0;
}

PetscErrorCode TwinfeParallelFor_Private(PetscInt n, TwinfeRangeFn body, void *ctx)
{
  PetscInt nthreads;
  Range    range[TWINFE_MAX_THREADS];
  thrd_t   thread[TWINFE_MAX_THREADS];
  int      started[TWINFE_MAX_THREADS] = {0};

  PetscFunctionBeginUser;
  if (n <= 0) PetscFunctionReturn(0);
  PetscCall(TwinfeGetThreads(&nthreads));
  /* below a few thousand items a thread costs more than it saves */
  nthreads = PetscMax(1, PetscMin(nthreads, n / 4096));
  for (PetscInt i = 0; i < nthreads; i++)
    range[i] = (Range){body, ctx, n * i / nthreads, n * (i + 1) / nthreads};
  for (PetscInt i = 1; i < nthreads; i++)
    started[i] = thrd_create(&thread[i], RunRange, &range[i]) == thrd_success;
  RunRange(&range[0]);
  for (PetscInt i = 1; i < nthreads; i++)
    if (started[i])
      thrd_join(thread[i], NULL);
    else
      RunRange(&range[i]); /* no thread to be had: this one does it */
  PetscFunctionReturn(0);
}

typedef struct {
  const int32_t *values;
  PetscInt       row_length;
  unsigned char *used;
} NonzeroRows;

static void MarkNonzeroRows(PetscInt begin, PetscInt end, void *ctx)
{
  const NonzeroRows *u = (const NonzeroRows *)ctx;
  for (PetscInt r = begin; r < end; r++) {
    const int32_t *row = u->values + (size_t)r * (size_t)u->row_length;
    int32_t        acc = 0;
    for (PetscInt i = 0; i < u->row_length; i++) /* an OR the compiler vectorises */
      acc |= row[i];
    u->used[r] = acc != 0;
  }
}

PetscErrorCode TwinfeNonzeroRows_Private(const int32_t values[], PetscInt row_length, PetscInt nrows, unsigned char used[])
{
  NonzeroRows u = {values, row_length, used};

  PetscFunctionBeginUser;
  PetscCall(TwinfeParallelFor_Private(nrows, MarkNonzeroRows, &u));
  PetscFunctionReturn(0);
}
