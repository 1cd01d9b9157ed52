/* libtwinfe partition stage: from a serial mesh to a distributed DMPlex.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <petscdmplex.h>
#include <twinfe/mesh.h>

/*@
  TwinfePartitionDistribute - Builds a distributed DMPlex from a serial mesh held on rank 0.

  Collective

  Input Parameters:
+ comm - MPI communicator
- mesh - the serial mesh (read on rank 0 only)

  Output Parameter:
. dm - the new distributed DMPlex

  Notes:
  Build an interpolated DMPlex from the mesh held on rank 0 (other ranks pass NULL or any
  mesh: it is not read there), with labels "Cell Sets" (region label per tet) and
  "Face Sets" (facet tag per boundary/interface face), partition the cells with METIS on
  the dual graph (rank 0) and distribute through PetscPartitionerShell + DMPlexDistribute.
  Cells do not overlap between ranks (the assembly adds shared rows across ranks).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfePartitionDistribute(MPI_Comm comm, TwinfeMesh mesh, DM *dm);

/*@
  TwinfePartitionComputeParts - Computes the split TwinfePartitionDistribute() makes, for any number of parts.

  Not collective

  Input Parameters:
+ mesh   - the mesh
- nparts - number of parts

  Output Parameters:
+ part - part of each tet
- cut  - faces between parts (may be NULL)

  Notes:
  The split TwinfePartitionDistribute makes for nparts ranks, computed alone (METIS on the dual
  graph, a fixed seed): part[t] for every tet of the serial mesh; cut (may be NULL) gets the
  faces between parts. To study partitions into more parts than there are ranks.

  Level: advanced

.seealso: TwinfePartitionDistribute()
@*/
PETSC_EXTERN PetscErrorCode TwinfePartitionComputeParts(TwinfeMesh mesh, PetscInt nparts, PetscInt part[], PetscInt *cut);

/*@
  TwinfePartitionBalanceOwnersSerial - Emulates in one process how shared points get their owners.

  Not collective

  Input Parameters:
+ nparts  - number of parts
. npoints - number of points
. start   - offsets into holders[], npoints + 1 values
- holders - the parts holding each point, its hub first

  Output Parameters:
+ owner  - the owning part of each point (-1: none)
- rounds - the hand-over rounds run (may be NULL)

  Notes:
  Who owns the points several parts hold, as TwinfePartitionDistribute and TwinfePartitionRefine
  decide it on the ranks (each shared vertex, and edge, to one holder so that every part owns
  close to the mean), emulated for nparts parts in one process: to study many parts with few
  ranks. Point i is held by the distinct parts holders[start[i] .. start[i + 1]), its hub (the
  part whose copy is the point SF's root as found) first; owner[i] gets its part (-1: none
  holds it); rounds (may be NULL) the hand-over rounds run.

  Level: developer

.seealso: TwinfePartitionDistribute(), TwinfePartitionRefine()
@*/
PETSC_EXTERN PetscErrorCode TwinfePartitionBalanceOwnersSerial(PetscInt nparts, PetscInt npoints, const PetscInt start[],
                                                               const PetscInt holders[], PetscInt owner[], PetscInt *rounds);

/*@
  TwinfeCreateBoxTetMesh - Creates a distributed interpolated tet mesh of a box.

  Collective

  Input Parameters:
+ comm - MPI communicator
. n    - hexes per direction
. lo   - lower corner (mm)
- hi   - upper corner (mm)

  Output Parameter:
. dm - the new distributed DMPlex

  Notes:
  Interpolated tet mesh of the box [lo, hi] (mm), n[k] hexes per direction split into 6 tets
  each, built on rank 0 and distributed: "Cell Sets" 1 everywhere, "Face Sets" 1/2 on x = lo/hi,
  3/4 on y = lo/hi, 5/6 on z = lo/hi. For tests and benchmarks (PETSc 3.18's simplex
  DMPlexCreateBoxMesh needs TetGen, which Debian's PETSc lacks).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeCreateBoxTetMesh(MPI_Comm comm, const PetscInt n[3], const PetscReal lo[3],
                                                   const PetscReal hi[3], DM *dm);

/*@
  TwinfePartitionRefine - Refines a distributed tet mesh uniformly, keeping the levels for multigrid.

  Collective

  Input Parameters:
+ coarse - the distributed tet mesh
- levels - number of refinements

  Output Parameter:
. fine - the new refined mesh

  Notes:
  Refine a distributed tet mesh `levels` times (each tet into 8, edges at their midpoints) on
  every rank for its own cells, with labels carried to the children; levels below stay
  reachable (DMGetCoarseDM) for geometric multigrid.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfePartitionRefine(DM coarse, PetscInt levels, DM *fine);

/*@
  TwinfePartitionRefineCellVertex - Refines like TwinfePartitionRefine(), the finest level as cells and vertices only.

  Collective

  Input Parameters:
+ coarse - the distributed tet mesh
- levels - number of refinements

  Output Parameter:
. fine - the new refined mesh, cells and vertices only

  Notes:
  TwinfePartitionRefine with the finest level as cells and vertices only (a third of the
  memory; what P1 fields need): each tagged facet there is carried by the one cell that
  integrates it, which TwinfeSpaceCreate reads. A P2 field needs TwinfePartitionRefine.

  Level: advanced

.seealso: TwinfePartitionRefine(), TwinfeSpaceCreate()
@*/
PETSC_EXTERN PetscErrorCode TwinfePartitionRefineCellVertex(DM coarse, PetscInt levels, DM *fine);

/*@
  TwinfePartitionGetVertexParents - Returns the level below a refined level and each vertex's parents.

  Not collective

  Input Parameter:
. fine - a level made by TwinfePartitionRefine()

  Output Parameters:
+ coarse    - the level below (lent; NULL when not refined)
. nvertices - local vertices of fine when it was refined
- parents   - two coarse vertex points per vertex (lent)

  Notes:
  For a level made by TwinfePartitionRefine: the level below (lent) and, per local vertex of
  fine in vertex order, the 2 coarse vertex points it comes from (equal for an old vertex; an
  edge's ends for its midpoint), for the nvertices local vertices fine had when refined. NULL
  and 0 for a mesh not refined.

  Level: advanced

.seealso: TwinfePartitionRefine()
@*/
PETSC_EXTERN PetscErrorCode TwinfePartitionGetVertexParents(DM fine, DM *coarse, PetscInt *nvertices, const PetscInt **parents);

/* How a distributed mesh is split: parts (ranks); cells in all, fewest and most on a rank,
   and their imbalance (most / mean); faces between cells of two ranks (the dual graph's edge
   cut; on a refined cell-vertex level 4 per cut face of the interpolated level below per
   refinement; -1 when no level has faces); vertices held by more than one rank, each once. */
typedef struct {
  PetscInt  parts, cells, cells_min, cells_max, cut_faces, interface_vertices;
  PetscReal cells_imbalance;
} TwinfePartitionQuality;

/*@
  TwinfePartitionGetQuality - Measures how a distributed mesh is split.

  Collective

  Input Parameter:
. dm - the DM

  Output Parameter:
. quality - the figures

  Notes:
  How a distributed mesh is split: parts (ranks); cells in all, fewest and most on a rank,
  and their imbalance (most / mean); faces between cells of two ranks (the dual graph's edge
  cut; on a refined cell-vertex level 4 per cut face of the interpolated level below per
  refinement; -1 when no level has faces); vertices held by more than one rank, each once.
  The figures above for dm (interpolated, or cell-vertex from TwinfePartitionRefineCellVertex).
  Collective; every rank gets them.

  Level: intermediate

.seealso: TwinfePartitionRefineCellVertex()
@*/
PETSC_EXTERN PetscErrorCode TwinfePartitionGetQuality(DM dm, TwinfePartitionQuality *quality);

/*@
  TwinfePartitionComputeRegionVolumes - Computes region volumes of a distributed tet mesh.

  Collective; every rank gets them

  Input Parameters:
+ dm       - distributed tet mesh
. nregions - number of regions
- regions  - their "Cell Sets" values

  Output Parameter:
. volumes - volume of each (mm^3), on every rank

  Notes:
  Region volumes of a distributed tet mesh: volumes[i] (mm^3) sums the cells whose "Cell Sets"
  value is regions[i].

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfePartitionComputeRegionVolumes(DM dm, PetscInt nregions, const PetscInt regions[],
                                                                PetscReal volumes[]);

/* The closest point y to x on the surface patch of facet tag `tag` (found PETSC_FALSE when the
   surface has none): TwinfeSurfaceLocatorClosest is one. */
typedef PetscErrorCode (*TwinfePartitionProjectFn)(void *ctx, PetscInt tag, const PetscReal x[3], PetscReal y[3],
                                                   PetscBool *found);
/* What snapping did, over all ranks. Boundary vertices are those on tagged facets, each once;
   junction vertices lie on facets of several tags (where patches meet); unmatched ones have a
   tag the surface lacks (not moved). Moved whole, in part (a whole move would have spoiled a
   cell), or kept; the largest move; the largest distance from a boundary vertex to the patches
   of its tags before and after (mm), and how many stay farther than the tolerance asked; the least radius ratio of a cell before
   and after (negative: a flipped cell; never after a snap) and the cells below the bound after. */
typedef struct {
  PetscInt  boundary_vertices, junction_vertices, unmatched_vertices, moved_whole, moved_part, kept, cells_below_bound, far_after;
  PetscReal max_move_mm, max_distance_before_mm, max_distance_after_mm, min_radius_ratio_before, min_radius_ratio_after;
} TwinfePartitionSnapStats;

/*@
  TwinfePartitionSnapBoundary - Moves the boundary vertices of a refined mesh onto the surface it was made from.

  Collective

  Input Parameters:
+ project          - closest point on a surface patch
. ctx              - context handed to project
. min_radius_ratio - least radius ratio a cell may get
- tolerance_mm     - distance past which a vertex counts as far (mm)

  Input/Output Parameter:
. dm - the distributed tet mesh, changed in place

  Output Parameter:
. stats - statistics of what was done (may be NULL)

  Notes:
  Move the boundary and interface vertices of a distributed tet mesh onto the surface it was
  made from (a refined mesh's new vertices lie on the coarse facets), never flipping a cell or
  taking its radius ratio below min_radius_ratio (or below what it had); stats->far_after counts
  the boundary vertices left farther than tolerance_mm from their patches.
  What snapping did, over all ranks. Boundary vertices are those on tagged facets, each once;
  junction vertices lie on facets of several tags (where patches meet); unmatched ones have a
  tag the surface lacks (not moved). Moved whole, in part (a whole move would have spoiled a
  cell), or kept; the largest move; the largest distance from a boundary vertex to the patches
  of its tags before and after (mm), and how many stay farther than the tolerance asked; the least radius ratio of a cell
  before
  and after (negative: a flipped cell; never after a snap) and the cells below the bound after.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfePartitionSnapBoundary(DM dm, TwinfePartitionProjectFn project, void *ctx,
                                                        PetscReal min_radius_ratio, PetscReal tolerance_mm,
                                                        TwinfePartitionSnapStats *stats);
