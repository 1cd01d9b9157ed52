/* Regular refinement of a distributed tetrahedral DMPlex, keeping the levels for multigrid.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why: a fine mesh made on one rank and then distributed costs that rank the whole mesh (and
 * 7 s of interpolation per 2.5M tets); a coarse mesh distributed and refined in place costs
 * each rank only its share. The refined levels are nested, so a P1 function of a coarse level
 * is exactly a P1 function of the next: the prolongation is exact and the Galerkin product
 * P^T A P is the coarse level's own operator, which is what geometric multigrid needs.
 *
 * PETSc's DMPlexTransform (type refine_regular) splits each tet into 8 (4 corner tets and an
 * octahedron cut along a diagonal), each edge at its midpoint, and carries every label to the
 * points each labelled point turns into: "Cell Sets" to the child cells, "Face Sets" to the
 * child faces (and to the edges and vertices inside a face, which the readers skip by height).
 * The transform also builds the refined point SF, so shared faces stay shared. */
#include <twinfe/partition.h>

#include <petscdmplextransform.h>

#define PARENTS_KEY "twinfe_vertex_parents"

typedef struct {
  PetscInt  nvertices; /* local vertices of the fine level */
  PetscInt *parents;   /* 2 per fine vertex: coarse vertex points (equal when it was one) */
} VertexParents;

static PetscErrorCode VertexParentsDestroy(void *ctx)
{
  VertexParents *vp = (VertexParents *)ctx;

  PetscFunctionBeginUser;
  PetscCall(PetscFree(vp->parents));
  PetscCall(PetscFree(vp));
  PetscFunctionReturn(0);
}

/* A fine vertex is an old vertex (its parents: itself twice) or an edge's midpoint (the
   edge's two ends); a tet's regular refinement makes no vertex inside a face or a cell. */
static PetscErrorCode FindParents(DMPlexTransform tr, DM coarse, DM fine, VertexParents *vp)
{
  PetscInt vStart, vEnd;

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetDepthStratum(fine, 0, &vStart, &vEnd));
  vp->nvertices = vEnd - vStart;
  PetscCall(PetscMalloc1(2 * vp->nvertices, &vp->parents));
  for (PetscInt v = vStart; v < vEnd; ++v) {
    DMPolytopeType  source_type, target_type;
    PetscInt        source, replica, *pair = &vp->parents[2 * (v - vStart)];
    const PetscInt *cone;

    PetscCall(DMPlexTransformGetSourcePoint(tr, v, &source_type, &target_type, &source, &replica));
    if (source_type == DM_POLYTOPE_POINT) {
      pair[0] = pair[1] = source;
    } else {
      PetscCheck(source_type == DM_POLYTOPE_SEGMENT, PETSC_COMM_SELF, PETSC_ERR_PLIB,
                 "refinement: fine vertex %" PetscInt_FMT " comes from a %s, not a vertex or an edge", v,
                 DMPolytopeTypes[source_type]);
      PetscCall(DMPlexGetCone(coarse, source, &cone));
      pair[0] = cone[0], pair[1] = cone[1];
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode AttachParents(DM fine, VertexParents *vp)
{
  PetscContainer container;

  PetscFunctionBeginUser;
  PetscCall(PetscContainerCreate(PetscObjectComm((PetscObject)fine), &container));
  PetscCall(PetscContainerSetPointer(container, vp));
  PetscCall(PetscContainerSetUserDestroy(container, VertexParentsDestroy));
  PetscCall(PetscObjectCompose((PetscObject)fine, PARENTS_KEY, (PetscObject)container));
  PetscCall(PetscContainerDestroy(&container));
  PetscFunctionReturn(0);
}

static PetscErrorCode RefineOnce(DM coarse, DM *fine)
{
  DMPlexTransform tr;
  VertexParents  *vp;
  const char     *name;
  PetscErrorCode  ierr;

  PetscFunctionBeginUser;
  PetscCall(DMPlexTransformCreate(PetscObjectComm((PetscObject)coarse), &tr));
  PetscCall(DMPlexTransformSetType(tr, DMPLEXREFINEREGULAR));
  PetscCall(DMPlexTransformSetDM(tr, coarse));
  PetscCall(DMPlexTransformSetUp(tr));
  ierr = DMPlexTransformApply(tr, coarse, fine);
  if (!ierr) ierr = PetscNew(&vp);
  if (!ierr) {
    ierr = FindParents(tr, coarse, *fine, vp);
    if (!ierr)
      ierr = AttachParents(*fine, vp);
    else
      (void)VertexParentsDestroy(vp);
  }
  PetscCall(DMPlexTransformDestroy(&tr));
  PetscCall(ierr);
  PetscCall(PetscObjectGetName((PetscObject)coarse, &name));
  PetscCall(PetscObjectSetName((PetscObject)*fine, name));
  PetscCall(DMSetCoarseDM(*fine, coarse));
  PetscFunctionReturn(0);
}

/*@C
  TwinfePartitionRefine - Refine a distributed tetrahedral mesh levels times, each tet into 8,
  on every rank for its own cells, keeping each level reachable from the next.

  Collective

  Input Parameters:
+ coarse - an interpolated tetrahedral DMPLEX (distributed or not) with "Cell Sets" and
           "Face Sets", as TwinfePartitionDistribute gives
- levels - refinements, >= 0 (0 gives coarse itself, referenced)

  Output Parameter:
. fine - the refined mesh: 8^levels times the cells, the same volume and labels;
         DMGetCoarseDM(fine) is the level below (NULL on coarse itself), and
         TwinfePartitionGetVertexParents gives each fine vertex's coarse parents

  Notes:
  New vertices lie at edge midpoints, so a curved boundary keeps the coarse mesh's facets.
  The levels below hold a reference each (the coarse mesh is 1/8 of the next).

  Level: intermediate

.seealso: TwinfePartitionDistribute(), TwinfePartitionGetVertexParents()
@*/
PetscErrorCode TwinfePartitionRefine(DM coarse, PetscInt levels, DM *fine)
{
  DM             level;
  PetscLogEvent  event;
  PetscErrorCode ierr = 0;

  PetscFunctionBegin;
  PetscCheck(levels >= 0, PetscObjectComm((PetscObject)coarse), PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfePartitionRefine: levels = %" PetscInt_FMT "; give 0 or more refinements", levels);
  PetscCall(PetscLogEventRegister("TwinfeRefine", DM_CLASSID, &event));
  PetscCall(PetscLogEventBegin(event, coarse, 0, 0, 0));
  PetscCall(PetscObjectReference((PetscObject)coarse));
  level = coarse;
  for (PetscInt l = 0; l < levels && !ierr; ++l) {
    DM next = NULL;

    ierr = RefineOnce(level, &next);
    PetscCall(DMDestroy(&level)); /* next holds it as its coarse DM */
    level = next;
  }
  PetscCall(PetscLogEventEnd(event, coarse, 0, 0, 0));
  PetscCall(ierr);
  *fine = level;
  PetscFunctionReturn(0);
}

/*@C
  TwinfePartitionGetVertexParents - The coarse vertices each vertex of a refined level comes
  from: a vertex already there (its point twice) or an edge's midpoint (the edge's ends).

  Not collective

  Input Parameter:
. fine - a level made by TwinfePartitionRefine (a DMClone of it does not carry the parents)

  Output Parameters:
+ coarse  - the level below (lent), NULL when fine was not refined from one
- parents - 2 coarse vertex points per local vertex of fine, in vertex order (lent), NULL
            likewise

  Level: developer
@*/
PetscErrorCode TwinfePartitionGetVertexParents(DM fine, DM *coarse, const PetscInt **parents)
{
  PetscContainer container;
  VertexParents *vp;

  PetscFunctionBegin;
  *coarse  = NULL;
  *parents = NULL;
  PetscCall(PetscObjectQuery((PetscObject)fine, PARENTS_KEY, (PetscObject *)&container));
  if (!container) PetscFunctionReturn(0);
  PetscCall(PetscContainerGetPointer(container, (void **)&vp));
  PetscCall(DMGetCoarseDM(fine, coarse));
  *parents = vp->parents;
  PetscFunctionReturn(0);
}
