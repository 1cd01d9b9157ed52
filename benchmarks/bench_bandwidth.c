/* The memory bandwidth the ranks of one machine share (issue 14's two-rank efficiency): every
 * rank runs the triad c = a + 3 b over its own arrays at once, the best of 10 sweeps timed
 * between barriers; printed is the bandwidth of all ranks together and per rank. A solve made of
 * such sweeps (CG's MatMult, smoothers, assembly's writes) cannot speed up on n ranks more than
 * the total here grows from 1 to n ranks (docs/performance.md: on this 2-core virtual machine
 * 21.8-30.4 GB/s on 1 rank and 40-54 GB/s on 2, varying from hour to hour).
 * usage: mpiexec -n N bench_bandwidth [-n DOUBLES_PER_ARRAY]   (default 20M: well past the caches)
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <petscsys.h>
#include <petsctime.h>

static PetscErrorCode BestTriad(PetscInt n, PetscLogDouble *seconds)
{
  PetscScalar *a, *b, *c;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(n, &a, n, &b, n, &c));
  for (PetscInt i = 0; i < n; ++i)
    a[i] = 1, b[i] = 2, c[i] = 0; /* touched: no page faults timed */
  *seconds = 1e30;
  for (int sweep = 0; sweep < 10; ++sweep) {
    PetscLogDouble t0, t1;
    PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
    PetscCall(PetscTime(&t0));
    for (PetscInt i = 0; i < n; ++i)
      c[i] = a[i] + 3.0 * b[i];
    PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
    PetscCall(PetscTime(&t1));
    *seconds = PetscMin(*seconds, t1 - t0);
  }
  PetscCheck(c[n / 2] == 7.0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "the triad went wrong"); /* and keeps the loop */
  PetscCall(PetscFree3(a, b, c));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt       n = 20000000;
  PetscMPIInt    size;
  PetscLogDouble seconds;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n", &n, NULL));
  PetscCheck(n > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-n %" PetscInt_FMT ": give the doubles per array, 1 or more", n);
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(BestTriad(n, &seconds));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPIU_PETSCLOGDOUBLE, MPI_MAX, PETSC_COMM_WORLD));
  {
    const double bytes = 3.0 * (double)n * sizeof(PetscScalar); /* two reads and a write per entry */
    PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                          "%d rank(s), %" PetscInt_FMT " doubles an array: triad %.1f GB/s in all, %.1f GB/s a rank\n", size, n,
                          size * bytes / seconds / 1e9, bytes / seconds / 1e9));
  }
  PetscCall(PetscFinalize());
  return 0;
}
