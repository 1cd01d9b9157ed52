/* The structured tetrahedral box as a distributed DMPlex, for verification and benchmarks:
 * TwinfeMeshCreateBox (mesh stage) on rank 0, then TwinfePartitionDistribute.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <twinfe/partition.h>

/*@C
  TwinfeCreateBoxTetMesh - Interpolated tetrahedral mesh of the box [lo, hi] with n[k] hexes
  per direction, each split into 6 tets, built on rank 0 and distributed. "Cell Sets" is 1 on
  every cell; "Face Sets" is 1/2 on x = lo/hi, 3/4 on y, 5/6 on z (the facet tags of
  TwinfeMeshCreateBox). Collective.
@*/
PetscErrorCode TwinfeCreateBoxTetMesh(MPI_Comm comm, const PetscInt n[3], const PetscReal lo[3], const PetscReal hi[3], DM *dm)
{
  PetscMPIInt rank;
  TwinfeMesh  mesh = NULL;

  PetscFunctionBeginUser;
  /* Checked on every rank: a box refused on rank 0 alone would leave the others waiting. */
  for (PetscInt k = 0; k < 3; ++k)
    PetscCheck(n[k] >= 1 && hi[k] > lo[k], comm, PETSC_ERR_ARG_OUTOFRANGE,
               "box mesh: direction %" PetscInt_FMT " has %" PetscInt_FMT " cells on [%g, %g]; need >= 1 cell and hi > lo", k,
               n[k], (double)lo[k], (double)hi[k]);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) PetscCall(TwinfeMeshCreateBox(n, lo, hi, &mesh));
  PetscCall(TwinfePartitionDistribute(comm, mesh, dm));
  PetscCall(TwinfeMeshDestroy(&mesh));
  PetscFunctionReturn(0);
}
