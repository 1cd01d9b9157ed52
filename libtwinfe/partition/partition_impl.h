/* Private to the partition stage. SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <petscdmplex.h>

/* The faces and edges of a cell-vertex tetrahedral DMPlex, about 8x faster than
   DMPlexInterpolate: on one rank numbered, coned and oriented exactly as it would; on a
   distributed mesh with shared faces and edges in the point SF and coned alike on every rank.
   Labels, coordinates and name are copied. Collective. */
PETSC_INTERN PetscErrorCode TwinfeInterpolateTets(DM dm, DM *idm);

/* On a cell-vertex tet mesh: "Cell Sets" and four cell labels that carry a facet's tag on the
   cells it bounds, as "the face opposite the cell's k-th vertex" (k = 0..3, the cone's order),
   until the faces exist. */
PETSC_INTERN PetscErrorCode TwinfeCreateCellLabels_Private(DM dm);
PETSC_INTERN PetscErrorCode TwinfeGetFacetLabel_Private(DM dm, PetscInt opposite, DMLabel *label);
/* Interpolate (TwinfeInterpolateTets), then turn the carried facet tags into "Face Sets" on the
   faces and drop the four labels. Collective. */
PETSC_INTERN PetscErrorCode TwinfeInterpolateAndLabelFaces_Private(DM *dm);
/* On a distributed DMPlex before any section, numbering or global vector is made from it:
   each shared vertex (and edge, on an interpolated mesh: P2 puts dofs there) owned by one of
   its ranks so that every rank owns close to the mean of each (ownership.c says how), the
   point SF rewritten to match. Deterministic. Nothing on one rank. Collective. */
PETSC_INTERN PetscErrorCode TwinfePartitionBalanceOwnership_Private(DM dm);
