/* Regular refinement of a distributed tetrahedral DMPlex, keeping the levels for multigrid.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why: a fine mesh made on one rank and then distributed costs that rank the whole mesh (and
 * 7 s of interpolation per 2.5M tets); a coarse mesh distributed and refined in place costs
 * each rank only its share. The refined levels are nested, so a P1 function of a coarse level
 * is exactly a P1 function of the next: the prolongation is exact and the Galerkin product
 * P^T A P is the coarse level's own operator, which is what geometric multigrid needs.
 *
 * Each tet becomes 8: 4 corner tets, and an octahedron cut along its shortest diagonal into 4
 * (Bey's rule; the diagonal choice is what keeps the shapes from degrading: PETSc 3.18's
 * refine_regular cuts along a fixed one and took the phantom's min radius ratio from 0.277 to
 * 0.059 in one step; docs/stack-measurements.md). Fine vertices are the coarse vertices and
 * the coarse edges' midpoints, each rank's in the order of its coarse points, shared where
 * the coarse point was (ShareFineVertices; owners balanced by ownership.c); the fine cells
 * are listed by them (DMPlexBuildFromCellList, per rank) and our bulk interpolation makes the
 * faces and edges and their sharing (interpolate.c). A coarse cell's region goes to its children; a tagged coarse face's tag
 * goes to the child faces inside it, carried on the child cells as distribute.c carries
 * facets. Everything is local to a coarse cell, so no rank needs another's cells. */
#include <petscsf.h>
#include <twinfe/partition.h>

#include "core/core_impl.h"
#include "partition_impl.h"

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

/* The coarse level as the refinement reads it. */
typedef struct {
  DM         dm;
  PetscInt   cStart, cEnd, vStart, vEnd, eStart, eEnd, fStart, fEnd;
  PetscInt   nfine_cells, nfine_vertices; /* this rank's: 8 per coarse cell; one per coarse vertex and edge */
  PetscReal *fine_xyz;    /* 3 per fine vertex (FineVertex order): the coarse vertices, then the edges' midpoints */
  PetscBool  cell_vertex; /* the fine level stays cells and vertices: each tagged facet on one cell */
  PetscBool *face_ghost;  /* cell_vertex: per coarse face, another rank owns it (a leaf of the point SF) */
} Coarse;

/* This rank's fine vertices: its coarse vertices, then its coarse edges' midpoints. */
static PetscInt FineVertex(const Coarse *c, PetscInt p)
{
  return p >= c->vStart && p < c->vEnd ? p - c->vStart : (c->vEnd - c->vStart) + (p - c->eStart);
}

/* Fine nodes of a coarse tet: its 4 vertices (0-3), then the midpoints of its edges 01 02 03
   12 13 23 (4-9); each node's mask holds the tet vertices it lies between. */
static const PetscInt node_mask[10]     = {1, 2, 4, 8, 3, 5, 9, 6, 10, 12};
static const PetscInt edge_node[4][4]   = {{-1, 4, 5, 6}, {4, -1, 7, 8}, {5, 7, -1, 9}, {6, 8, 9, -1}};
static const PetscInt corner_tets[4][4] = {{0, 4, 5, 6}, {4, 1, 7, 8}, {5, 7, 2, 9}, {6, 8, 9, 3}};
/* The octahedron's three diagonals (opposite midpoints) and, for each, its equator as a cycle. */
static const PetscInt diagonals[3][2] = {{4, 9}, {5, 8}, {6, 7}};
static const PetscInt equators[3][4]  = {{5, 6, 8, 7}, {4, 6, 9, 7}, {4, 5, 9, 8}};

/* A coarse cell's 4 vertices (closure order), its edges by vertex pair, its faces. */
typedef struct {
  PetscInt vertex[4], edge[4][4], face[4];
} CoarseCell;

static PetscInt LocalVertex(const CoarseCell *cell, PetscInt v)
{
  for (PetscInt k = 0; k < 4; ++k)
    if (cell->vertex[k] == v) return k;
  return -1;
}

static PetscErrorCode ReadCoarseCell(const Coarse *c, PetscInt cell, CoarseCell *cc)
{
  PetscInt *closure = NULL, n, nv = 0, nf = 0, ne = 0;

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetTransitiveClosure(c->dm, cell, PETSC_TRUE, &n, &closure));
  for (PetscInt i = 0; i < n; ++i) {
    PetscInt p = closure[2 * i];
    if (p >= c->vStart && p < c->vEnd && nv < 4)
      cc->vertex[nv++] = p;
    else if (p >= c->fStart && p < c->fEnd && nf < 4)
      cc->face[nf++] = p;
  }
  for (PetscInt i = 0; i < n && nv == 4; ++i) {
    PetscInt        p = closure[2 * i], a, b;
    const PetscInt *cone;
    if (p < c->eStart || p >= c->eEnd) continue;
    PetscCall(DMPlexGetCone(c->dm, p, &cone));
    a = LocalVertex(cc, cone[0]), b = LocalVertex(cc, cone[1]);
    if (a < 0 || b < 0 || a == b) break;
    cc->edge[a][b] = cc->edge[b][a] = p;
    ne++;
  }
  PetscCall(DMPlexRestoreTransitiveClosure(c->dm, cell, PETSC_TRUE, &n, &closure));
  PetscCheck(nv == 4 && nf == 4 && ne == 6, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "refinement: cell %" PetscInt_FMT " is not an interpolated tetrahedron (%" PetscInt_FMT " vertices, %" PetscInt_FMT
             " faces, %" PetscInt_FMT " edges)",
             cell, nv, nf, ne);
  PetscFunctionReturn(0);
}

/* The tet vertices (as a mask over the cell's local vertices) of a face, from its edges' cones. */
static PetscErrorCode FaceMask(const Coarse *c, const CoarseCell *cc, PetscInt face, PetscInt *mask)
{
  const PetscInt *edges, *ends;

  PetscFunctionBeginUser;
  *mask = 0;
  PetscCall(DMPlexGetCone(c->dm, face, &edges));
  for (PetscInt i = 0; i < 3; ++i) {
    PetscCall(DMPlexGetCone(c->dm, edges[i], &ends));
    *mask |= (1 << LocalVertex(cc, ends[0])) | (1 << LocalVertex(cc, ends[1]));
  }
  PetscFunctionReturn(0);
}

/* The cell's 10 fine nodes: their fine vertex numbers and positions. */
static void CellNodes(const Coarse *c, const CoarseCell *cc, PetscInt node_id[10], PetscReal x[10][3])
{
  for (PetscInt i = 0; i < 4; ++i) {
    node_id[i] = FineVertex(c, cc->vertex[i]);
    for (PetscInt j = i + 1; j < 4; ++j)
      node_id[edge_node[i][j]] = FineVertex(c, cc->edge[i][j]);
  }
  for (PetscInt n = 0; n < 10; ++n)
    for (PetscInt k = 0; k < 3; ++k)
      x[n][k] = c->fine_xyz[3 * node_id[n] + k];
}

static PetscReal Distance2(const PetscReal a[3], const PetscReal b[3])
{
  return PetscSqr(a[0] - b[0]) + PetscSqr(a[1] - b[1]) + PetscSqr(a[2] - b[2]);
}

static PetscReal Det(const PetscReal x[10][3], const PetscInt t[4])
{
  PetscReal a[3], b[3], d[3];
  for (PetscInt k = 0; k < 3; ++k) {
    a[k] = x[t[1]][k] - x[t[0]][k];
    b[k] = x[t[2]][k] - x[t[0]][k];
    d[k] = x[t[3]][k] - x[t[0]][k];
  }
  return a[0] * (b[1] * d[2] - b[2] * d[1]) - a[1] * (b[0] * d[2] - b[2] * d[0]) + a[2] * (b[0] * d[1] - b[1] * d[0]);
}

/* The 8 children as node lists, each ordered as DMPlex orders a tet's vertices (negative
   determinant: distribute.c's CreateSerialPlex swaps Gmsh's positive order to get it). */
static void Children(const PetscReal x[10][3], PetscInt child[8][4])
{
  PetscInt  best     = 0;
  PetscReal shortest = PETSC_MAX_REAL;

  for (PetscInt d = 0; d < 3; ++d) {
    PetscReal l = Distance2(x[diagonals[d][0]], x[diagonals[d][1]]);
    if (l < shortest) shortest = l, best = d;
  }
  for (PetscInt t = 0; t < 4; ++t)
    for (PetscInt k = 0; k < 4; ++k)
      child[t][k] = corner_tets[t][k];
  for (PetscInt t = 0; t < 4; ++t) {
    child[4 + t][0] = diagonals[best][0];
    child[4 + t][1] = diagonals[best][1];
    child[4 + t][2] = equators[best][t];
    child[4 + t][3] = equators[best][(t + 1) % 4];
  }
  for (PetscInt t = 0; t < 8; ++t)
    if (Det(x, child[t]) > 0) {
      PetscInt swap = child[t][0];
      child[t][0]   = child[t][1];
      child[t][1]   = swap;
    }
}

/* Whether the children of coarse cell `cell` carry the tag of its face f: always when the fine
   level gets faces (the faces take it from either side); on a cell-vertex level only from the
   face's first support cell on the rank that owns it, so that each fine facet is carried once
   over all ranks. */
static PetscErrorCode CarriesFace(const Coarse *c, PetscInt cell, PetscInt face, PetscBool *carries)
{
  const PetscInt *support;

  PetscFunctionBeginUser;
  *carries = PETSC_TRUE;
  if (!c->cell_vertex) PetscFunctionReturn(0);
  PetscCall(DMPlexGetSupport(c->dm, face, &support));
  *carries = !c->face_ghost[face - c->fStart] && support[0] == cell ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* The fine cells' vertices (this rank's fine vertex numbers), and per child face lying in a tagged coarse face,
   that tag (tags[4 * fine cell + k] for the face opposite the child's vertex k, else -1). */
static PetscErrorCode ListFineCells(const Coarse *c, PetscInt *cells, PetscInt *regions, PetscInt *tags)
{
  DMLabel cell_sets, face_sets;

  PetscFunctionBeginUser;
  PetscCall(DMGetLabel(c->dm, "Cell Sets", &cell_sets));
  PetscCall(DMGetLabel(c->dm, "Face Sets", &face_sets));
  for (PetscInt cell = c->cStart; cell < c->cEnd; ++cell) {
    CoarseCell     cc;
    PetscReal      x[10][3];
    PetscInt       child[8][4], node_id[10], region = -1, face_tag[4], face_mask[4] = {0, 0, 0, 0};
    const PetscInt base = 8 * (cell - c->cStart);

    PetscCall(ReadCoarseCell(c, cell, &cc));
    CellNodes(c, &cc, node_id, x);
    Children(x, child);
    if (cell_sets) PetscCall(DMLabelGetValue(cell_sets, cell, &region));
    for (PetscInt f = 0; f < 4; ++f) {
      PetscBool carries = PETSC_FALSE;
      face_tag[f]       = -1;
      if (face_sets) PetscCall(DMLabelGetValue(face_sets, cc.face[f], &face_tag[f]));
      if (face_tag[f] >= 0) PetscCall(CarriesFace(c, cell, cc.face[f], &carries));
      if (!carries) face_tag[f] = -1;
      if (face_tag[f] >= 0) PetscCall(FaceMask(c, &cc, cc.face[f], &face_mask[f]));
    }
    for (PetscInt t = 0; t < 8; ++t) {
      regions[base + t] = region;
      for (PetscInt k = 0; k < 4; ++k) {
        PetscInt on               = 0; /* the child's face opposite its vertex k: the coarse face it lies in, if any */
        cells[4 * (base + t) + k] = node_id[child[t][k]];
        tags[4 * (base + t) + k]  = -1;
        for (PetscInt j = 0; j < 4; ++j)
          if (j != k) on |= node_mask[child[t][j]];
        for (PetscInt f = 0; f < 4; ++f)
          if (face_tag[f] >= 0 && (on & ~face_mask[f]) == 0) tags[4 * (base + t) + k] = face_tag[f];
      }
    }
  }
  PetscFunctionReturn(0);
}

/* "Cell Sets", and the facet tags on the cells: until the faces exist (distribute.c's labels),
   or for good on a cell-vertex level (core_impl.h's). */
static PetscErrorCode LabelFineCells(DM fine, PetscBool cell_vertex, PetscInt ncells, const PetscInt regions[],
                                     const PetscInt tags[])
{
  DMLabel cell_sets, facet[4];

  PetscFunctionBeginUser;
  if (cell_vertex) {
    PetscCall(DMCreateLabel(fine, "Cell Sets"));
    for (PetscInt k = 0; k < 4; ++k) {
      PetscCall(DMCreateLabel(fine, TwinfeOwnedFacetLabelName(k)));
      PetscCall(DMGetLabel(fine, TwinfeOwnedFacetLabelName(k), &facet[k]));
    }
  } else {
    PetscCall(TwinfeCreateCellLabels_Private(fine));
    for (PetscInt k = 0; k < 4; ++k)
      PetscCall(TwinfeGetFacetLabel_Private(fine, k, &facet[k]));
  }
  PetscCall(DMGetLabel(fine, "Cell Sets", &cell_sets));
  for (PetscInt c = 0; c < ncells; ++c) {
    if (regions[c] >= 0) PetscCall(DMLabelSetValue(cell_sets, c, regions[c]));
    for (PetscInt k = 0; k < 4; ++k)
      if (tags[4 * c + k] >= 0) PetscCall(DMLabelSetValue(facet[k], c, tags[4 * c + k]));
  }
  PetscFunctionReturn(0);
}

/* Each fine vertex's coarse parents: the coarse vertex it is, or the edge it halves. */
static PetscErrorCode FindParents(const Coarse *c, VertexParents *vp)
{
  const PetscInt nv = c->vEnd - c->vStart;

  PetscFunctionBeginUser;
  vp->nvertices = c->nfine_vertices;
  PetscCall(PetscMalloc1(2 * vp->nvertices, &vp->parents));
  for (PetscInt v = 0; v < nv; ++v)
    vp->parents[2 * v] = vp->parents[2 * v + 1] = c->vStart + v;
  for (PetscInt e = c->eStart; e < c->eEnd; ++e) {
    const PetscInt *cone;
    PetscCall(DMPlexGetCone(c->dm, e, &cone));
    vp->parents[2 * (nv + e - c->eStart)]     = cone[0];
    vp->parents[2 * (nv + e - c->eStart) + 1] = cone[1];
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

/* Coarse vertices where they were, edges' midpoints, in fine vertex order: each midpoint
   once, for the children's shapes and for the fine mesh alike. */
static PetscErrorCode FineCoordinates(Coarse *c)
{
  const PetscInt nv = c->vEnd - c->vStart;
  PetscReal     *xyz;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(3 * c->nfine_vertices, &c->fine_xyz));
  xyz = c->fine_xyz;
  PetscCall(TwinfeReadVertexCoordinates_Private(c->dm, xyz));
  for (PetscInt e = c->eStart; e < c->eEnd; ++e) {
    const PetscInt *cone;
    PetscCall(DMPlexGetCone(c->dm, e, &cone));
    for (PetscInt k = 0; k < 3; ++k)
      xyz[3 * (nv + e - c->eStart) + k] = 0.5 * (xyz[3 * (cone[0] - c->vStart) + k] + xyz[3 * (cone[1] - c->vStart) + k]);
  }
  PetscFunctionReturn(0);
}

/* Which coarse faces another rank owns: a cell-vertex level carries a facet from its owner. */
static PetscErrorCode MarkGhostFaces(Coarse *c)
{
  PetscSF         sf;
  PetscInt        nroots, nleaves;
  const PetscInt *leaves;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(c->fEnd - c->fStart, &c->face_ghost));
  PetscCall(DMGetPointSF(c->dm, &sf));
  PetscCall(PetscSFGetGraph(sf, &nroots, &nleaves, &leaves, NULL));
  for (PetscInt l = 0; nroots >= 0 && l < nleaves; ++l) {
    PetscInt p = leaves ? leaves[l] : l;
    if (p >= c->fStart && p < c->fEnd) c->face_ghost[p - c->fStart] = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadCoarse(DM dm, PetscBool cell_vertex, Coarse *c)
{
  PetscFunctionBeginUser;
  c->dm          = dm;
  c->cell_vertex = cell_vertex;
  PetscCall(DMPlexGetHeightStratum(dm, 0, &c->cStart, &c->cEnd));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &c->vStart, &c->vEnd));
  PetscCall(DMPlexGetDepthStratum(dm, 1, &c->eStart, &c->eEnd));
  PetscCall(DMPlexGetHeightStratum(dm, 1, &c->fStart, &c->fEnd));
  c->nfine_cells    = 8 * (c->cEnd - c->cStart);
  c->nfine_vertices = (c->vEnd - c->vStart) + (c->eEnd - c->eStart);
  PetscCall(FineCoordinates(c));
  if (cell_vertex) PetscCall(MarkGhostFaces(c));
  PetscFunctionReturn(0);
}

static PetscErrorCode CoarseDestroy(Coarse *c)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(c->fine_xyz));
  PetscCall(PetscFree(c->face_ghost));
  PetscFunctionReturn(0);
}

/* A fine vertex is shared as its coarse vertex or edge was, first owned where that was: each
   leaf of the coarse SF among vertices and edges becomes a leaf to the root's fine vertex (its
   number there sent over the coarse SF). TwinfePartitionBalanceOwnership_Private then picks
   the owners that balance the unknowns (RefineOnce). */
static PetscErrorCode ShareFineVertices(const Coarse *c, DM fine)
{
  PetscSF            coarse_sf, sf;
  PetscInt           pEnd, nroots, nleaves, n = 0, *fine_point, *root_point, *ilocal;
  const PetscInt    *leaves;
  const PetscSFNode *remote;
  PetscSFNode       *iremote;

  PetscFunctionBeginUser;
  PetscCall(DMGetPointSF(c->dm, &coarse_sf));
  PetscCall(PetscSFGetGraph(coarse_sf, &nroots, &nleaves, &leaves, &remote));
  PetscCall(DMPlexGetChart(c->dm, NULL, &pEnd));
  PetscCall(PetscMalloc2(pEnd, &fine_point, pEnd, &root_point));
  for (PetscInt p = 0; p < pEnd; ++p)
    fine_point[p] = root_point[p] = -1;
  for (PetscInt p = c->vStart; p < c->vEnd; ++p)
    fine_point[p] = c->nfine_cells + FineVertex(c, p);
  for (PetscInt p = c->eStart; p < c->eEnd; ++p)
    fine_point[p] = c->nfine_cells + FineVertex(c, p);
  /* a serial mesh's SF may have no graph at all: nothing is shared (and a debug PETSc refuses
     communication on it) */
  if (nroots >= 0) {
    PetscCall(PetscSFBcastBegin(coarse_sf, MPIU_INT, fine_point, root_point, MPI_REPLACE));
    PetscCall(PetscSFBcastEnd(coarse_sf, MPIU_INT, fine_point, root_point, MPI_REPLACE));
  } else
    nleaves = 0;
  PetscCall(PetscMalloc1(nleaves + 1, &ilocal));
  PetscCall(PetscMalloc1(nleaves + 1, &iremote));
  for (PetscInt l = 0; l < nleaves; ++l) {
    const PetscInt p = leaves ? leaves[l] : l;
    if (fine_point[p] < 0) continue; /* a face */
    ilocal[n]        = fine_point[p];
    iremote[n].rank  = remote[l].rank;
    iremote[n].index = root_point[p];
    n++;
  }
  { /* leaves in point order, as DMPlex keeps them */
    PetscSFNode *scratch;
    PetscCall(PetscMalloc1(n + 1, &scratch));
    PetscCall(PetscSortIntWithDataArray(n, ilocal, iremote, sizeof(PetscSFNode), scratch));
    PetscCall(PetscFree(scratch));
  }
  PetscCall(PetscSFCreate(PetscObjectComm((PetscObject)fine), &sf));
  PetscCall(PetscSFSetGraph(sf, c->nfine_cells + c->nfine_vertices, n, ilocal, PETSC_OWN_POINTER, iremote, PETSC_OWN_POINTER));
  PetscCall(DMSetPointSF(fine, sf));
  PetscCall(PetscSFDestroy(&sf));
  PetscCall(PetscFree2(fine_point, root_point));
  PetscFunctionReturn(0);
}

/* The cell-vertex fine mesh of this rank: cells [0, 8 nc), then its vertices. */
static PetscErrorCode CreateFineCellVertexMesh(const Coarse *c, const PetscInt cells[], DM *fine)
{
  PetscFunctionBeginUser;
  PetscCall(DMCreate(PetscObjectComm((PetscObject)c->dm), fine));
  PetscCall(DMSetType(*fine, DMPLEX));
  PetscCall(DMSetDimension(*fine, 3));
  PetscCall(DMPlexBuildFromCellList(*fine, c->nfine_cells, c->nfine_vertices, 4, cells));
  PetscCall(DMPlexBuildCoordinatesFromCellList(*fine, 3, c->fine_xyz));
  PetscCall(ShareFineVertices(c, *fine));
  PetscFunctionReturn(0);
}

/* One refinement; a cell-vertex fine level gets no faces or edges (TwinfePartitionRefineCellVertex). */
static PetscErrorCode RefineOnce(DM coarse, PetscBool cell_vertex, DM *fine)
{
  Coarse         c;
  PetscInt      *cells, *regions, *tags;
  VertexParents *vp;
  const char    *name;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&c, sizeof c));
  PetscCall(ReadCoarse(coarse, cell_vertex, &c));
  PetscCall(PetscMalloc3(4 * c.nfine_cells, &cells, c.nfine_cells, &regions, 4 * c.nfine_cells, &tags));
  PetscCall(ListFineCells(&c, cells, regions, tags));
  PetscCall(CreateFineCellVertexMesh(&c, cells, fine));
  PetscCall(LabelFineCells(*fine, cell_vertex, c.nfine_cells, regions, tags));
  PetscCall(PetscFree3(cells, regions, tags));
  if (!cell_vertex) PetscCall(TwinfeInterpolateAndLabelFaces_Private(fine));
  PetscCall(TwinfePartitionBalanceOwnership_Private(*fine)); /* the unknowns per rank, after the edges exist */
  PetscCall(PetscNew(&vp));
  PetscCall(FindParents(&c, vp));
  PetscCall(AttachParents(*fine, vp));
  PetscCall(CoarseDestroy(&c));
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
/* Every rank's cells are interpolated tets (faces and edges present), checked on all ranks
   together so that none goes on alone into the collective steps. */
static PetscErrorCode CheckInterpolatedTets(DM dm)
{
  PetscInt cStart, cEnd, depth, bad = 0, any;

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetDepth(dm, &depth));
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  if (cEnd > cStart && depth != 3) bad = 1;
  for (PetscInt c = cStart; c < cEnd && !bad; ++c) {
    PetscInt size;
    PetscCall(DMPlexGetConeSize(dm, c, &size));
    bad = size != 4;
  }
  PetscCallMPI(MPI_Allreduce(&bad, &any, 1, MPIU_INT, MPI_MAX, PetscObjectComm((PetscObject)dm)));
  PetscCheck(!any, PetscObjectComm((PetscObject)dm), PETSC_ERR_ARG_WRONG,
             "TwinfePartitionRefine: the mesh must be interpolated tetrahedra (faces and edges made, as "
             "TwinfePartitionDistribute gives); a rank holds cells of depth %" PetscInt_FMT " or not of 4 faces",
             depth);
  PetscFunctionReturn(0);
}

static PetscErrorCode Refine(DM coarse, PetscInt levels, PetscBool cell_vertex_finest, const char caller[], DM *fine)
{
  DM             level;
  PetscLogEvent  event;
  PetscErrorCode ierr = 0;

  PetscFunctionBegin;
  PetscCheck(levels >= 0, PetscObjectComm((PetscObject)coarse), PETSC_ERR_ARG_OUTOFRANGE,
             "%s: levels = %" PetscInt_FMT "; give 0 or more refinements", caller, levels);
  PetscCall(CheckInterpolatedTets(coarse));
  PetscCall(PetscLogEventRegister("TwinfeRefine", DM_CLASSID, &event));
  PetscCall(PetscLogEventBegin(event, coarse, 0, 0, 0));
  PetscCall(PetscObjectReference((PetscObject)coarse));
  level = coarse;
  for (PetscInt l = 0; l < levels && !ierr; ++l) {
    DM next = NULL;

    ierr = RefineOnce(level, cell_vertex_finest && l == levels - 1, &next);
    PetscCall(DMDestroy(&level)); /* next holds it as its coarse DM */
    level = next;
  }
  PetscCall(PetscLogEventEnd(event, coarse, 0, 0, 0));
  PetscCall(ierr);
  *fine = level;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePartitionRefine(DM coarse, PetscInt levels, DM *fine)
{
  PetscFunctionBegin;
  PetscCall(Refine(coarse, levels, PETSC_FALSE, "TwinfePartitionRefine", fine));
  PetscFunctionReturn(0);
}

/*@C
  TwinfePartitionRefineCellVertex - TwinfePartitionRefine, but the finest level is a cell-vertex
  mesh: cells and vertices only, what a P1 field needs. At 1.93M tets (the phantom refined once)
  that level holds about 130 MB instead of 420 MB, and making it skips the interpolation, whose
  work arrays had peaked near 730 MB.

  Collective

  Notes:
  The finest level has no faces, so no "Face Sets": each tagged fine facet is carried by the one
  fine cell that integrates it (the child of the coarse face's first support cell on the rank
  owning the coarse face), in the labels TwinfeOwnedFacetLabelName() names, and TwinfeSpaceCreate
  reads them there. A P2 field needs edges: refine with TwinfePartitionRefine for it. The levels
  below are interpolated as TwinfePartitionRefine leaves them; levels = 0 gives coarse itself.

  Level: intermediate

.seealso: TwinfePartitionRefine(), TwinfeSpaceCreate()
@*/
PetscErrorCode TwinfePartitionRefineCellVertex(DM coarse, PetscInt levels, DM *fine)
{
  PetscFunctionBegin;
  PetscCall(Refine(coarse, levels, PETSC_TRUE, "TwinfePartitionRefineCellVertex", fine));
  PetscFunctionReturn(0);
}

/*@C
  TwinfePartitionGetVertexParents - The coarse vertices each vertex of a refined level comes
  from: a vertex already there (its point twice) or an edge's midpoint (the edge's ends).

  Not collective

  Input Parameter:
. fine - a level made by TwinfePartitionRefine (a DMClone of it does not carry the parents)

  Output Parameters:
+ coarse    - the level below (lent), NULL when fine was not refined from one
. nvertices - the local vertices of fine when the parents were recorded (0 likewise): a mesh
              changed since (redistributed) no longer matches them
- parents   - 2 coarse vertex points per local vertex of fine, in vertex order (lent), NULL
              likewise

  Level: developer
@*/
PetscErrorCode TwinfePartitionGetVertexParents(DM fine, DM *coarse, PetscInt *nvertices, const PetscInt **parents)
{
  PetscContainer container;
  VertexParents *vp;

  PetscFunctionBegin;
  *coarse    = NULL;
  *nvertices = 0;
  *parents   = NULL;
  PetscCall(PetscObjectQuery((PetscObject)fine, PARENTS_KEY, (PetscObject *)&container));
  if (!container) PetscFunctionReturn(0);
  PetscCall(PetscContainerGetPointer(container, (void **)&vp));
  PetscCall(DMGetCoarseDM(fine, coarse));
  *nvertices = vp->nvertices;
  *parents   = vp->parents;
  PetscFunctionReturn(0);
}
