/* A program of an engineer's own, built against an installed libtwinfe (test_install.py builds
 * it with pkg-config and with CMake's find_package): a box mesh distributed as a DMPlex.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <twinfe/twinfe.h>

int main(int argc, char **argv)
{
  const PetscInt  n[3]  = {4, 3, 2};
  const PetscReal lo[3] = {0, 0, 0}, hi[3] = {40, 30, 20};
  TwinfeMesh      mesh = NULL;
  DM              dm;
  PetscInt        cStart, cEnd;
  PetscMPIInt     rank;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (rank == 0) PetscCall(TwinfeMeshCreateBox(n, lo, hi, &mesh));
  PetscCall(TwinfePartitionDistribute(PETSC_COMM_WORLD, mesh, &dm));
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  PetscCall(PetscSynchronizedPrintf(PETSC_COMM_WORLD, "libtwinfe %s: rank %d holds %d tets\n", TwinfeVersion(), rank,
                                    (int)(cEnd - cStart)));
  PetscCall(PetscSynchronizedFlush(PETSC_COMM_WORLD, PETSC_STDOUT));
  PetscCall(DMDestroy(&dm));
  PetscCall(TwinfeMeshDestroy(&mesh));
  PetscCall(PetscFinalize());
  return 0;
}
