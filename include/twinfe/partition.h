/* libtwinfe partition stage: from a serial mesh to a distributed DMPlex.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <petscdmplex.h>
#include <twinfe/mesh.h>

/* Build an interpolated DMPlex from the mesh held on rank 0 (other ranks pass NULL or any
   mesh: it is not read there), with labels "Cell Sets" (region label per tet) and
   "Face Sets" (facet tag per boundary/interface face), partition the cells with METIS on
   the dual graph (rank 0) and distribute through PetscPartitionerShell + DMPlexDistribute.
   Collective. Cells do not overlap between ranks (the assembly adds shared rows across ranks). */
PETSC_EXTERN PetscErrorCode TwinfePartitionDistribute(MPI_Comm comm, TwinfeMesh mesh, DM *dm);
