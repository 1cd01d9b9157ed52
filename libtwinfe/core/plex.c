/* Reading a DMPlex in bulk: what several stages ask of every vertex.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "core_impl.h"

#include <petscdmplex.h>

PetscErrorCode TwinfeReadVertexCoordinates_Private(DM dm, PetscReal xyz[])
{
  Vec                coordinates;
  PetscSection       section;
  const PetscScalar *x;
  PetscInt           vStart, vEnd;

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  PetscCall(DMGetCoordinatesLocal(dm, &coordinates));
  PetscCall(DMGetCoordinateSection(dm, &section));
  PetscCall(VecGetArrayRead(coordinates, &x));
  for (PetscInt v = vStart; v < vEnd; ++v) {
    PetscInt dof, off;
    PetscCall(PetscSectionGetDof(section, v, &dof));
    PetscCall(PetscSectionGetOffset(section, v, &off));
    PetscCheck(dof == 3, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Vertex %" PetscInt_FMT " has %" PetscInt_FMT " coordinates, need 3", v, dof);
    for (PetscInt d = 0; d < 3; ++d)
      xyz[3 * (v - vStart) + d] = PetscRealPart(x[off + d]);
  }
  PetscCall(VecRestoreArrayRead(coordinates, &x));
  PetscFunctionReturn(0);
}
