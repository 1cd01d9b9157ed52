/* TwinfeSpace: asks DMPlex once for what every element loop needs.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fem_impl.h"

#include "core/core_impl.h"

#include <petscsf.h>
/* PetscObjectStateGet (a documented, exported call) is declared only here in PETSc 3.18 */
#include <petsc/private/petscimpl.h>

static const PetscInt edge_vertex[6][2] = {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};

/* A tet DMPlex, interpolated or (all fields P1) cell-vertex, not overlapping. */
static PetscErrorCode CheckMesh(DM dm, PetscInt nfields, const PetscInt degree[])
{
  PetscInt               dim, overlap;
  PetscBool              isplex;
  DMPlexInterpolatedFlag interpolated;

  PetscFunctionBeginUser;
  PetscCall(PetscObjectTypeCompare((PetscObject)dm, DMPLEX, &isplex));
  PetscCheck(isplex, PetscObjectComm((PetscObject)dm), PETSC_ERR_ARG_WRONG, "TwinfeSpaceCreate needs a DMPLEX");
  PetscCall(DMGetDimension(dm, &dim));
  PetscCheck(dim == 3, PetscObjectComm((PetscObject)dm), PETSC_ERR_ARG_WRONG,
             "TwinfeSpaceCreate needs a 3D tetrahedral mesh, got dimension %" PetscInt_FMT, dim);
  PetscCall(DMPlexIsInterpolatedCollective(dm, &interpolated));
  if (interpolated == DMPLEX_INTERPOLATED_NONE)
    for (PetscInt f = 0; f < nfields; ++f)
      PetscCheck(degree[f] == 1, PetscObjectComm((PetscObject)dm), PETSC_ERR_ARG_WRONG,
                 "TwinfeSpaceCreate: field %" PetscInt_FMT " is P2, which needs the mesh's edges, but the DMPlex is cells and "
                 "vertices only: interpolate it (DMPlexInterpolate), or refine with TwinfePartitionRefine instead of "
                 "TwinfePartitionRefineCellVertex",
                 f);
  PetscCheck(interpolated == DMPLEX_INTERPOLATED_FULL || interpolated == DMPLEX_INTERPOLATED_NONE,
             PetscObjectComm((PetscObject)dm), PETSC_ERR_ARG_WRONG,
             "TwinfeSpaceCreate needs an interpolated DMPlex (edges and faces present; cells and vertices alone serve P1 "
             "fields), got one interpolated on some ranks or up to some depth only");
  PetscCall(DMPlexGetOverlap(dm, &overlap));
  PetscCheck(overlap == 0, PetscObjectComm((PetscObject)dm), PETSC_ERR_ARG_WRONG,
             "TwinfeSpaceCreate needs a mesh distributed with overlap 0, got overlap %" PetscInt_FMT, overlap);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeNodeChart(DM dm, PetscInt ndepths, PetscInt *pStart, PetscInt *pEnd)
{
  PetscFunctionBeginUser;
  PetscCall(DMPlexGetDepthStratum(dm, 0, pStart, pEnd));
  for (PetscInt depth = 1; depth < ndepths; ++depth) {
    PetscInt start, end;
    PetscCall(DMPlexGetDepthStratum(dm, depth, &start, &end));
    if (end <= start) continue;
    *pStart = PetscMin(*pStart, start);
    *pEnd   = PetscMax(*pEnd, end);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSectionDofAt(PetscSection section, PetscInt p, PetscInt *dof)
{
  PetscInt pStart, pEnd;

  PetscFunctionBeginUser;
  *dof = 0;
  PetscCall(PetscSectionGetChart(section, &pStart, &pEnd));
  if (p >= pStart && p < pEnd) PetscCall(PetscSectionGetDof(section, p, dof));
  PetscFunctionReturn(0);
}

/* Dofs per vertex and per edge, field by field: the layout the section describes. Its chart
   spans only the points that carry dofs: over every point (cells and faces too) a section and
   its field's and the global one had cost 260 MB at 2.5M tets for P1. */
static PetscErrorCode CreateLayout(TwinfeSpace space, DM dm)
{
  PetscSection section;
  PetscInt     pStart, pEnd, vStart, vEnd, eStart, eEnd, ndepths = 1;

  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < space->nfields; ++f)
    if (space->degree[f] == 2) ndepths = 2;
  PetscCall(TwinfeNodeChart(dm, ndepths, &pStart, &pEnd));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  PetscCall(DMPlexGetDepthStratum(dm, 1, &eStart, &eEnd));
  if (ndepths == 1) eStart = eEnd = 0; /* no edge dofs, and edges are outside the chart */
  PetscCall(PetscSectionCreate(space->comm, &section));
  PetscCall(PetscSectionSetNumFields(section, space->nfields));
  for (PetscInt f = 0; f < space->nfields; ++f)
    PetscCall(PetscSectionSetFieldComponents(section, f, space->ncomp[f]));
  PetscCall(PetscSectionSetChart(section, pStart, pEnd));
  for (PetscInt v = vStart; v < vEnd; ++v) {
    PetscInt total = 0;
    for (PetscInt f = 0; f < space->nfields; ++f) {
      PetscCall(PetscSectionSetFieldDof(section, v, f, space->ncomp[f]));
      total += space->ncomp[f];
    }
    PetscCall(PetscSectionSetDof(section, v, total));
  }
  for (PetscInt e = eStart; e < eEnd; ++e) {
    PetscInt total = 0;
    for (PetscInt f = 0; f < space->nfields; ++f) {
      if (space->degree[f] != 2) continue;
      PetscCall(PetscSectionSetFieldDof(section, e, f, space->ncomp[f]));
      total += space->ncomp[f];
    }
    if (total) PetscCall(PetscSectionSetDof(section, e, total));
  }
  PetscCall(PetscSectionSetUp(section));
  PetscCall(DMClone(dm, &space->dm));
  PetscCall(DMSetLocalSection(space->dm, section));
  PetscCall(PetscSectionDestroy(&section));
  PetscFunctionReturn(0);
}

/* Appends p to list[0..*n) unless it is there already. */
static void AddUnique(PetscInt p, PetscInt list[], PetscInt *n, PetscInt max)
{
  for (PetscInt i = 0; i < *n; ++i)
    if (list[i] == p) return;
  if (*n < max) list[*n] = p;
  ++*n;
}

/* Cone of point p with its expected size checked (the cell, face or edge of a tet). */
static PetscErrorCode ConeOfSize(DM dm, PetscInt cell, PetscInt p, PetscInt size, const PetscInt **cone)
{
  PetscInt n;

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetConeSize(dm, p, &n));
  PetscCheck(n == size, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "cell %" PetscInt_FMT " is not a tetrahedron (point %" PetscInt_FMT " has %" PetscInt_FMT
             " cone points, a tet's has %" PetscInt_FMT "): TwinfeSpace supports tets only",
             cell, p, n, size);
  PetscCall(DMPlexGetCone(dm, p, cone));
  PetscFunctionReturn(0);
}

/* The 4 vertices of a tet (any order defines the affine map: |det J| and J^{-1} serve either
   way): the ends of two edges of its first face, then the vertex of its second face that the
   first lacks. Seven cone reads a cell; the 40 of reading every edge of every face cost 2.5 s of
   the P1 space at 2.5M tets, and P1 needs no edge (CellEdges reads them for P2). */
static PetscErrorCode CellVertices(DM dm, PetscInt cell, PetscInt vStart, PetscInt vEnd, PetscInt points[4])
{
  const PetscInt *cone, *edges, *ends;
  PetscInt        nv = 0;

  PetscFunctionBeginUser;
  PetscCall(ConeOfSize(dm, cell, cell, 4, &cone));
  if (cone[0] >= vStart && cone[0] < vEnd) { /* a cell-vertex mesh: its cone, in the order its owned-facet labels use */
    for (PetscInt v = 0; v < 4; ++v)
      points[v] = cone[v];
  } else {
    for (PetscInt f = 0; f < 2; ++f) { /* cone[] are faces */
      PetscCall(ConeOfSize(dm, cell, cone[f], 3, &edges));
      for (PetscInt k = 0; k < 2 && nv < 4; ++k) {
        PetscCall(ConeOfSize(dm, cell, edges[k], 2, &ends));
        for (PetscInt v = 0; v < 2; ++v)
          AddUnique(ends[v], points, &nv, 4);
      }
      PetscCheck(nv == 3 + f, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "cell %" PetscInt_FMT " is not a tetrahedron (face %" PetscInt_FMT " does not add one vertex to the first)",
                 cell, cone[f]);
    }
  }
  for (PetscInt v = 0; v < 4; ++v)
    PetscCheck(points[v] >= vStart && points[v] < vEnd, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "cell %" PetscInt_FMT ": point %" PetscInt_FMT " is not a vertex", cell, points[v]);
  PetscFunctionReturn(0);
}

/* The 6 edges of a tet whose vertices are points[0..3], each placed at the reference edge
   named by its two vertices (out[slot]). */
static PetscErrorCode CellEdges(DM dm, PetscInt cell, PetscInt eStart, PetscInt eEnd, const PetscInt points[4], PetscInt out[6])
{
  const PetscInt *faces;
  PetscInt        ne = 0, edges[6];

  PetscFunctionBeginUser;
  PetscCall(ConeOfSize(dm, cell, cell, 4, &faces));
  for (PetscInt f = 0; f < 4; ++f) {
    const PetscInt *face_edges;
    PetscCall(ConeOfSize(dm, cell, faces[f], 3, &face_edges));
    for (PetscInt k = 0; k < 3; ++k)
      AddUnique(face_edges[k], edges, &ne, 6);
  }
  PetscCheck(ne == 6, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "cell %" PetscInt_FMT " is not a tetrahedron (%" PetscInt_FMT " edges): TwinfeSpace supports tets only", cell, ne);
  for (PetscInt k = 0; k < 6; ++k) {
    const PetscInt *cone;
    PetscInt        a = -1, b = -1, slot = -1;
    PetscCheck(edges[k] >= eStart && edges[k] < eEnd, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "cell %" PetscInt_FMT ": point %" PetscInt_FMT " is not an edge", cell, edges[k]);
    PetscCall(ConeOfSize(dm, cell, edges[k], 2, &cone));
    for (PetscInt v = 0; v < 4; ++v) {
      if (points[v] == cone[0]) a = v;
      if (points[v] == cone[1]) b = v;
    }
    for (PetscInt r = 0; r < 6; ++r)
      if ((edge_vertex[r][0] == a && edge_vertex[r][1] == b) || (edge_vertex[r][0] == b && edge_vertex[r][1] == a)) slot = r;
    PetscCheck(slot >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "edge %" PetscInt_FMT " of cell %" PetscInt_FMT " does not join two of its vertices", edges[k], cell);
    out[slot] = edges[k];
  }
  PetscFunctionReturn(0);
}

/* The edges of every cell, once, for the first P2 space on the DM. */
static PetscErrorCode ReadCellEdges(TwinfeCells *cells, DM dm)
{
  PetscInt eStart, eEnd;

  PetscFunctionBeginUser;
  if (cells->cell_edges) PetscFunctionReturn(0);
  PetscCall(DMPlexGetDepthStratum(dm, 1, &eStart, &eEnd));
  PetscCall(PetscMalloc1(6 * cells->ncells, &cells->cell_edges));
  for (PetscInt c = 0; c < cells->ncells; ++c)
    PetscCall(CellEdges(dm, c + cells->cStart, eStart, eEnd, &cells->cell_vertices[4 * c], &cells->cell_edges[6 * c]));
  PetscFunctionReturn(0);
}

/* |det J| of cell c, which must not be flat. */
static PetscErrorCode CellVolume(TwinfeCells *cells, PetscInt c)
{
  PetscReal v0[3], J[9], det;

  PetscFunctionBeginUser;
  TwinfeCellAffine(cells, c, v0, J);
  det = TwinfeDet3_Private(J);
  PetscCheck(PetscAbsReal(det) > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "cell %" PetscInt_FMT " has zero volume",
             c + cells->cStart);
  cells->detJ[c] = PetscAbsReal(det);
  PetscFunctionReturn(0);
}

/* The nodes of a cell: field by field, basis function by basis function (the element order). */
static void SetNodes(TwinfeSpace space)
{
  space->nnodes = 0;
  for (PetscInt f = 0; f < space->nfields; ++f)
    for (PetscInt a = 0; a < space->nbasis[f]; ++a) {
      space->node_first[space->nnodes] = space->offset[f] + a * space->ncomp[f];
      space->node_ncomp[space->nnodes] = space->ncomp[f];
      space->node_field[space->nnodes] = f;
      space->node_basis[space->nnodes] = a;
      space->nnodes++;
    }
}

/* Each node point's first local dof, field by field, from the section (whose chart spans the
   node points alone); -1 where the field has no dof. */
static PetscErrorCode BuildPointDofs(TwinfeSpace space, PetscSection section)
{
  PetscInt pStart, pEnd;

  PetscFunctionBeginUser;
  PetscCall(PetscSectionGetChart(section, &pStart, &pEnd));
  space->node_pStart = pStart;
  for (PetscInt f = 0; f < space->nfields; ++f) {
    PetscCall(PetscMalloc1(PetscMax(pEnd - pStart, 1), &space->point_dof[f]));
    for (PetscInt p = pStart; p < pEnd; ++p) {
      PetscInt dof, off = -1;
      PetscCall(PetscSectionGetFieldDof(section, p, f, &dof));
      if (dof) PetscCall(PetscSectionGetFieldOffset(section, p, f, &off));
      space->point_dof[f][p - pStart] = off;
    }
  }
  PetscFunctionReturn(0);
}

/* Every node of every cell has its field's dofs (a cell's dofs are read through its points). */
static PetscErrorCode CheckCellDofs(TwinfeSpace space)
{
  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < space->ncells; ++c)
    for (PetscInt j = 0; j < space->nnodes; ++j)
      PetscCheck(TwinfeSpaceNodeDof(space, c, j) >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB,
                 "cell %" PetscInt_FMT ": node %" PetscInt_FMT " (point %" PetscInt_FMT ") has no dof of field %" PetscInt_FMT,
                 c + space->cStart, j, TwinfeCellNodePoint(space, c, space->node_basis[j]), space->node_field[j]);
  PetscFunctionReturn(0);
}

static PetscErrorCode BuildCellGeometry(TwinfeCells *cells, DM dm)
{
  PetscInt cEnd, vEnd;

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cells->cStart, &cEnd));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &cells->vStart, &vEnd));
  cells->ncells    = cEnd - cells->cStart;
  cells->nvertices = vEnd - cells->vStart;
  PetscCall(
      PetscMalloc3(cells->ncells * 4, &cells->cell_vertices, cells->nvertices * 3, &cells->xyz, cells->ncells, &cells->detJ));
  PetscCall(PetscMalloc1(cells->ncells, &cells->region));
  PetscCall(TwinfeReadVertexCoordinates_Private(dm, cells->xyz));
  for (PetscInt c = 0; c < cells->ncells; ++c) {
    PetscCall(CellVertices(dm, c + cells->cStart, cells->vStart, vEnd, &cells->cell_vertices[4 * c]));
    PetscCall(CellVolume(cells, c));
  }
  PetscFunctionReturn(0);
}

/* Points of a DM's label with their values (see TwinfeLabelForEachPoint). */
static PetscErrorCode ForEachLabelPoint(DM dm, const char name[], TwinfeLabelPointVisitor visit, void *ctx)
{
  DMLabel label;

  PetscFunctionBeginUser;
  PetscCall(DMGetLabel(dm, name, &label));
  PetscCall(TwinfeLabelForEachPoint(label, visit, ctx));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetCellRegion(PetscInt point, PetscInt value, void *ctx)
{
  TwinfeCells *cells = (TwinfeCells *)ctx;
  PetscInt     c     = point - cells->cStart;

  PetscFunctionBeginUser;
  if (c >= 0 && c < cells->ncells) cells->region[c] = value;
  PetscFunctionReturn(0);
}

/* "Cell Sets" value of each cell, 0 where it has none. */
static PetscErrorCode BuildRegions(TwinfeCells *cells, DM dm)
{
  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < cells->ncells; ++c)
    cells->region[c] = 0;
  PetscCall(ForEachLabelPoint(dm, "Cell Sets", SetCellRegion, cells));
  PetscFunctionReturn(0);
}

/* The states a TwinfeCells is built from: moved coordinates or changed regions make a new one. */
static PetscErrorCode CellStates(DM dm, PetscObjectState *coordinates_state, PetscObjectState *regions_state)
{
  Vec     coordinates;
  DMLabel label;

  PetscFunctionBeginUser;
  PetscCall(DMGetCoordinatesLocal(dm, &coordinates));
  PetscCall(PetscObjectStateGet((PetscObject)coordinates, coordinates_state));
  PetscCall(DMGetLabel(dm, "Cell Sets", &label));
  *regions_state = 0;
  if (label) PetscCall(PetscObjectStateGet((PetscObject)label, regions_state));
  PetscFunctionReturn(0);
}

static PetscErrorCode CellsRelease(TwinfeCells **cells)
{
  TwinfeCells *c = *cells;

  PetscFunctionBeginUser;
  *cells = NULL;
  if (!c || --c->refct > 0) PetscFunctionReturn(0);
  PetscCall(PetscFree3(c->cell_vertices, c->xyz, c->detJ));
  PetscCall(PetscFree(c->cell_edges));
  PetscCall(PetscFree(c->region));
  PetscCall(PetscFree(c));
  PetscFunctionReturn(0);
}

static PetscErrorCode CellsContainerDestroy(void *ctx)
{
  TwinfeCells *cells = (TwinfeCells *)ctx;

  PetscFunctionBeginUser;
  PetscCall(CellsRelease(&cells));
  PetscFunctionReturn(0);
}

/* The DM's cells, shared through a container composed on it: every space on the DM holds a
   reference, and so does the container (dropped with the DM or when the cells go stale). On
   the flow's three spaces at 123k tets this saves 2 x 27 MB (220 bytes per cell and space). */
static PetscErrorCode GetCells(DM dm, TwinfeCells **cells)
{
  const char      *key = "TwinfeCells";
  PetscContainer   container;
  TwinfeCells     *c = NULL;
  PetscObjectState coordinates_state, regions_state;

  PetscFunctionBeginUser;
  PetscCall(CellStates(dm, &coordinates_state, &regions_state));
  PetscCall(PetscObjectQuery((PetscObject)dm, key, (PetscObject *)&container));
  if (container) PetscCall(PetscContainerGetPointer(container, (void **)&c));
  if (!c || c->coordinates_state != coordinates_state || c->regions_state != regions_state) {
    PetscCall(PetscNew(&c));
    c->refct             = 1; /* the container's */
    c->coordinates_state = coordinates_state;
    c->regions_state     = regions_state;
    PetscCall(BuildCellGeometry(c, dm));
    PetscCall(BuildRegions(c, dm));
    PetscCall(PetscContainerCreate(PetscObjectComm((PetscObject)dm), &container));
    PetscCall(PetscContainerSetPointer(container, c));
    PetscCall(PetscContainerSetUserDestroy(container, CellsContainerDestroy));
    PetscCall(PetscObjectCompose((PetscObject)dm, key, (PetscObject)container));
    PetscCall(PetscContainerDestroy(&container));
  }
  c->refct++;
  *cells = c;
  PetscFunctionReturn(0);
}

static PetscErrorCode BuildCells(TwinfeSpace space, DM dm)
{
  TwinfeCells *cells = NULL;
  PetscSection section;

  PetscFunctionBeginUser;
  PetscCall(GetCells(dm, &cells));
  for (PetscInt f = 0; f < space->nfields; ++f)
    if (space->degree[f] == 2) PetscCall(ReadCellEdges(cells, dm));
  space->cells         = cells;
  space->cStart        = cells->cStart;
  space->ncells        = cells->ncells;
  space->cell_vertices = cells->cell_vertices;
  space->cell_edges    = cells->cell_edges;
  space->detJ          = cells->detJ;
  space->region        = cells->region;
  PetscCall(DMGetLocalSection(space->dm, &section));
  SetNodes(space);
  PetscCall(BuildPointDofs(space, section));
  PetscCall(CheckCellDofs(space));
  PetscFunctionReturn(0);
}

/* Which local face (0..3, named by the opposite vertex) of cell c the face point is. */
static PetscErrorCode LocalFace(DM dm, TwinfeSpace space, PetscInt c, PetscInt face, PetscInt *local)
{
  PetscInt *closure = NULL, n, vStart, vEnd;
  PetscBool in[4]   = {PETSC_FALSE, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE};

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  PetscCall(DMPlexGetTransitiveClosure(dm, face, PETSC_TRUE, &n, &closure));
  for (PetscInt i = 0; i < n; ++i)
    for (PetscInt v = 0; v < 4; ++v)
      if (closure[2 * i] == space->cell_vertices[4 * c + v]) in[v] = PETSC_TRUE;
  PetscCall(DMPlexRestoreTransitiveClosure(dm, face, PETSC_TRUE, &n, &closure));
  *local = -1;
  for (PetscInt v = 0; v < 4; ++v)
    if (!in[v]) *local = v;
  PetscCheck(*local >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "face %" PetscInt_FMT " is not a face of its support cell", face);
  PetscFunctionReturn(0);
}

/* What BuildFaces's visitor needs besides the space. */
typedef struct {
  TwinfeSpace space;
  DM          dm;
  PetscInt    fStart, fEnd, pStart, capacity;
  PetscInt    opposite; /* a cell-vertex mesh's facets: the label (vertex opposite) being read */
  PetscBool  *ghost;    /* point is a leaf of the point SF: another rank owns it */
} FaceCollector;

static PetscErrorCode GrowFaces(TwinfeSpace space, PetscInt *capacity)
{
  PetscInt *cell, *loc, *tag;

  PetscFunctionBeginUser;
  *capacity = PetscMax(2 * *capacity, 64);
  PetscCall(PetscMalloc3(*capacity, &cell, *capacity, &loc, *capacity, &tag));
  PetscCall(PetscArraycpy(cell, space->face_cell, space->nfaces));
  PetscCall(PetscArraycpy(loc, space->face_local, space->nfaces));
  PetscCall(PetscArraycpy(tag, space->face_tag, space->nfaces));
  PetscCall(PetscFree3(space->face_cell, space->face_local, space->face_tag));
  space->face_cell = cell, space->face_local = loc, space->face_tag = tag;
  PetscFunctionReturn(0);
}

/* Local face `local` (the one opposite that vertex) of local cell c, with its tag. */
static PetscErrorCode AppendFace(FaceCollector *fc, PetscInt c, PetscInt local, PetscInt tag)
{
  TwinfeSpace space = fc->space;

  PetscFunctionBeginUser;
  if (space->nfaces == fc->capacity) PetscCall(GrowFaces(space, &fc->capacity));
  space->face_cell[space->nfaces]  = c;
  space->face_local[space->nfaces] = local;
  space->face_tag[space->nfaces]   = tag;
  space->nfaces++;
  PetscFunctionReturn(0);
}

static PetscErrorCode AddOwnedFace(PetscInt p, PetscInt tag, void *ctx)
{
  FaceCollector  *fc    = (FaceCollector *)ctx;
  TwinfeSpace     space = fc->space;
  PetscInt        ssize, c, local = -1;
  const PetscInt *support;

  PetscFunctionBeginUser;
  if (p < fc->fStart || p >= fc->fEnd || fc->ghost[p - fc->pStart]) PetscFunctionReturn(0);
  PetscCall(DMPlexGetSupportSize(fc->dm, p, &ssize));
  if (ssize < 1) PetscFunctionReturn(0);
  PetscCall(DMPlexGetSupport(fc->dm, p, &support));
  c = support[0] - space->cStart;
  PetscCall(LocalFace(fc->dm, space, c, p, &local));
  PetscCall(AppendFace(fc, c, local, tag));
  PetscFunctionReturn(0);
}

/* A facet carried by cell `point` opposite its vertex fc->opposite (a cell-vertex mesh). */
static PetscErrorCode AddCarriedFace(PetscInt point, PetscInt tag, void *ctx)
{
  FaceCollector *fc = (FaceCollector *)ctx;
  PetscInt       c  = point - fc->space->cStart;

  PetscFunctionBeginUser;
  PetscCheck(c >= 0 && c < fc->space->ncells, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "label \"%s\" holds point %" PetscInt_FMT ", which is not a cell", TwinfeOwnedFacetLabelName(fc->opposite), point);
  PetscCall(AppendFace(fc, c, fc->opposite, tag));
  PetscFunctionReturn(0);
}

/* A cell-vertex mesh has no face points: its tagged facets are on the cells that integrate
   them, one cell each over all ranks (TwinfeOwnedFacetLabelName). */
static PetscErrorCode BuildCarriedFaces(TwinfeSpace space, DM dm)
{
  FaceCollector fc = {space, dm, 0, 0, 0, 0, 0, NULL};

  PetscFunctionBeginUser;
  space->nfaces = 0;
  for (fc.opposite = 0; fc.opposite < 4; ++fc.opposite)
    PetscCall(ForEachLabelPoint(dm, TwinfeOwnedFacetLabelName(fc.opposite), AddCarriedFace, &fc));
  PetscFunctionReturn(0);
}

/* Tagged faces this rank owns (not a leaf of the point SF), seen from their first support cell,
   so that every face is integrated exactly once over all ranks. */
static PetscErrorCode BuildFaces(TwinfeSpace space, DM dm)
{
  FaceCollector   fc = {space, dm, 0, 0, 0, 0, 0, NULL};
  PetscInt        pEnd, nleaves;
  const PetscInt *leaves;
  PetscSF         sf;

  PetscFunctionBeginUser;
  space->nfaces = 0;
  PetscCall(DMPlexGetHeightStratum(dm, 1, &fc.fStart, &fc.fEnd));
  PetscCall(DMPlexGetChart(dm, &fc.pStart, &pEnd));
  PetscCall(PetscCalloc1(pEnd - fc.pStart, &fc.ghost));
  PetscCall(DMGetPointSF(dm, &sf));
  PetscCall(PetscSFGetGraph(sf, NULL, &nleaves, &leaves, NULL));
  for (PetscInt l = 0; l < nleaves; ++l)
    fc.ghost[(leaves ? leaves[l] : l) - fc.pStart] = PETSC_TRUE;
  PetscCall(ForEachLabelPoint(dm, "Face Sets", AddOwnedFace, &fc));
  PetscCall(PetscFree(fc.ghost));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeSpaceCreate - Lagrange P1/P2 fields on an interpolated tetrahedral DMPlex, with the
  cell-to-dof map, affine geometry, regions and tagged boundary faces computed once. P1 fields
  alone may sit on a cell-vertex DMPlex, whose tagged facets its cells carry
  (TwinfePartitionRefineCellVertex); its faces are then integrated over the same way.

  Collective on dm

  Input: dm (not modified; a clone carries the layout), nfields (1..4), degree[] (1 or 2),
  ncomp[] (>= 1). Output: space.
@*/
PetscErrorCode TwinfeSpaceCreate(DM dm, PetscInt nfields, const PetscInt degree[], const PetscInt ncomp[], TwinfeSpace *space)
{
  static PetscLogEvent layout_event = -1, cells_event = -1;
  TwinfeSpace          s;
  PetscInt             depth, ndof = 0;
  MPI_Comm             comm = PetscObjectComm((PetscObject)dm);

  PetscFunctionBeginUser;
  PetscCheck(nfields >= 1 && nfields <= TWINFE_MAX_FIELDS, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeSpaceCreate: %" PetscInt_FMT " fields requested, 1..%d allowed", nfields, TWINFE_MAX_FIELDS);
  for (PetscInt f = 0; f < nfields; ++f) {
    PetscCheck(degree[f] == 1 || degree[f] == 2, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "TwinfeSpaceCreate: field %" PetscInt_FMT " has degree %" PetscInt_FMT ", only 1 (P1) and 2 (P2) exist", f,
               degree[f]);
    PetscCheck(ncomp[f] >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "TwinfeSpaceCreate: field %" PetscInt_FMT " has %" PetscInt_FMT " components, need at least 1", f, ncomp[f]);
  }
  for (PetscInt f = 0; f < nfields; ++f)
    ndof += (degree[f] == 1 ? 4 : 10) * ncomp[f];
  PetscCheck(ndof <= TWINFE_MAX_ELEMENT_DOFS, comm, PETSC_ERR_SUP,
             "TwinfeSpaceCreate: an element would have %" PetscInt_FMT " dofs over its fields, at most %d are supported (fewer "
             "components or fields)",
             ndof, TWINFE_MAX_ELEMENT_DOFS);
  PetscCall(CheckMesh(dm, nfields, degree));
  PetscCall(PetscNew(&s));
  s->comm    = comm;
  s->nfields = nfields;
  for (PetscInt f = 0; f < nfields; ++f) {
    s->degree[f] = degree[f];
    s->ncomp[f]  = ncomp[f];
    s->nbasis[f] = degree[f] == 1 ? 4 : 10;
    s->offset[f] = s->ndof;
    s->ndof += s->nbasis[f] * ncomp[f];
  }

  s->bc_dirty = PETSC_TRUE;
  s->bc_scale = 1;
  PetscCall(TwinfeLogBegin_Private("TwinfeSpaceLayout", &layout_event));
  PetscCall(CreateLayout(s, dm));
  PetscCall(PetscLogEventEnd(layout_event, 0, 0, 0, 0));
  PetscCall(TwinfeLogBegin_Private("TwinfeSpaceCells", &cells_event));
  PetscCall(BuildCells(s, dm));
  PetscCall(DMPlexGetDepth(dm, &depth));
  if (depth == 1)
    PetscCall(BuildCarriedFaces(s, dm));
  else
    PetscCall(BuildFaces(s, dm));
  PetscCall(PetscLogEventEnd(cells_event, 0, 0, 0, 0));
  PetscCall(DMCreateLocalVector(s->dm, &s->work_local));
  *space = s;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceDestroy(TwinfeSpace *space)
{
  TwinfeSpace s;

  PetscFunctionBeginUser;
  if (!space || !*space) PetscFunctionReturn(0);
  s = *space;
  for (PetscInt o = 0; o <= TWINFE_MAX_QORDER; ++o) {
    PetscCall(TwinfeRuleDestroy(&s->vol[o]));
    for (PetscInt f = 0; f < 4; ++f)
      PetscCall(TwinfeRuleDestroy(&s->face[o][f]));
  }
  for (PetscInt f = 0; f < s->nfields; ++f)
    PetscCall(PetscFree(s->point_dof[f]));
  PetscCall(CellsRelease(&s->cells));
  PetscCall(PetscFree3(s->face_cell, s->face_local, s->face_tag));
  PetscCall(PetscFree3(s->bc_rows, s->bc_local, s->bc_g));
  PetscCall(PetscFree(s->pattern_cols)); /* NULL once the matrix exists (assembly.c) */
  PetscCall(PetscFree2(s->pattern_rowptr, s->pattern_map));
  PetscCall(VecDestroy(&s->bc_mark));
  PetscCall(VecDestroy(&s->bc_value));
  PetscCall(VecDestroy(&s->work_local));
  PetscCall(DMDestroy(&s->dm));
  PetscCall(PetscFree(s));
  *space = NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceGetDM(TwinfeSpace space, DM *dm)
{
  PetscFunctionBeginUser;
  *dm = space->dm;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceGetSizes(TwinfeSpace space, PetscInt *ncells, PetscInt *ndof)
{
  PetscFunctionBeginUser;
  if (ncells) *ncells = space->ncells;
  if (ndof) *ndof = space->ndof;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceGetCellDofs(TwinfeSpace space, PetscInt c, PetscInt dofs[])
{
  PetscFunctionBeginUser;
  PetscCheck(c >= 0 && c < space->ncells, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeSpaceGetCellDofs: cell %" PetscInt_FMT " is not one of this rank's 0..%" PetscInt_FMT, c, space->ncells - 1);
  TwinfeSpaceCellDofs(space, c, dofs);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceGetLocalVolume(TwinfeSpace space, PetscReal *volume)
{
  PetscFunctionBeginUser;
  *volume = 0;
  for (PetscInt c = 0; c < space->ncells; ++c)
    *volume += space->detJ[c] / 6;
  PetscFunctionReturn(0);
}

/* Physical position of node a (vertex, or edge midpoint) of cell c. */
static void NodePosition(TwinfeSpace space, PetscInt c, PetscInt a, PetscReal x[3])
{
  static const PetscReal ref[10][3] = {{0, 0, 0},  {1, 0, 0},  {0, 1, 0},   {0, 0, 1},   {.5, 0, 0},
                                       {0, .5, 0}, {0, 0, .5}, {.5, .5, 0}, {.5, 0, .5}, {0, .5, .5}};
  PetscReal              v0[3], J[9];

  TwinfeCellAffine(space->cells, c, v0, J);
  for (PetscInt k = 0; k < 3; ++k)
    x[k] = v0[k] + J[3 * k] * ref[a][0] + J[3 * k + 1] * ref[a][1] + J[3 * k + 2] * ref[a][2];
}

PetscErrorCode TwinfeSpaceCreateNodeCoordinates(TwinfeSpace space, PetscInt field, Vec *coords)
{
  Vec          local;
  PetscScalar *a;
  PetscInt     nc = space->ncomp[field], nlocal;

  PetscFunctionBeginUser;
  PetscCheck(field >= 0 && field < space->nfields, space->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "field %" PetscInt_FMT " does not exist (%" PetscInt_FMT " fields)", field, space->nfields);
  PetscCall(DMGetLocalVector(space->dm, &local));
  PetscCall(VecZeroEntries(local));
  PetscCall(VecGetArray(local, &a));
  for (PetscInt c = 0; c < space->ncells; ++c) {
    for (PetscInt n = 0; n < space->nbasis[field]; ++n) {
      PetscReal x[3];
      PetscInt  first = TwinfeSpaceFieldNodeDof(space, c, field, n);
      NodePosition(space, c, n, x);
      for (PetscInt k = 0; k < PetscMin(nc, 3); ++k)
        a[first + k] = x[k];
    }
  }
  PetscCall(VecRestoreArray(local, &a));
  {
    Vec g;
    PetscCall(DMCreateGlobalVector(space->dm, &g));
    PetscCall(VecGetLocalSize(g, &nlocal));
    PetscCall(VecCreate(space->comm, coords));
    PetscCall(VecSetSizes(*coords, nlocal, PETSC_DETERMINE));
    if (space->nfields == 1) PetscCall(VecSetBlockSize(*coords, nc));
    PetscCall(VecSetType(*coords, VECSTANDARD));
    PetscCall(DMLocalToGlobal(space->dm, local, INSERT_VALUES, g));
    PetscCall(VecCopy(g, *coords));
    PetscCall(VecDestroy(&g));
  }
  PetscCall(DMRestoreLocalVector(space->dm, &local));
  PetscFunctionReturn(0);
}

/* Node positions for the Dirichlet conditions (dirichlet.c) and transfers (transfer.c). */
void TwinfeSpaceNodePosition(TwinfeSpace space, PetscInt c, PetscInt a, PetscReal x[3])
{
  NodePosition(space, c, a, x);
}

PetscErrorCode TwinfeSpaceGetCellRegions(TwinfeSpace space, const PetscInt **region)
{
  PetscFunctionBeginUser;
  *region = space->region;
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckField(TwinfeSpace space, PetscInt field)
{
  PetscFunctionBeginUser;
  PetscCheck(field >= 0 && field < space->nfields, space->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Vertex values of field %" PetscInt_FMT " asked for, but the space has fields 0 to %" PetscInt_FMT, field,
             space->nfields - 1);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceCreateVertexVector(TwinfeSpace space, PetscInt field, DM *vdm, Vec *V)
{
  PetscFunctionBeginUser;
  PetscCall(CheckField(space, field));
  PetscCall(TwinfeSpaceCreateStrataVector(space, field, 1, vdm, V));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceCopyVertexValues(TwinfeSpace space, PetscInt field, Vec U, DM vdm, Vec V)
{
  PetscSection       vsec, ssec;
  PetscInt           vStart, vEnd, nc;
  Vec                ul, vl;
  const PetscScalar *src;
  PetscScalar       *dst;

  PetscFunctionBeginUser;
  PetscCall(CheckField(space, field));
  nc = space->ncomp[field];
  PetscCall(DMGetLocalSection(space->dm, &ssec));
  PetscCall(DMGetLocalSection(vdm, &vsec));
  PetscCall(DMPlexGetDepthStratum(space->dm, 0, &vStart, &vEnd));
  PetscCall(DMGetLocalVector(space->dm, &ul));
  PetscCall(DMGetLocalVector(vdm, &vl));
  PetscCall(DMGlobalToLocal(space->dm, U, INSERT_VALUES, ul));
  PetscCall(VecGetArrayRead(ul, &src));
  PetscCall(VecGetArray(vl, &dst));
  for (PetscInt v = vStart; v < vEnd; ++v) {
    PetscInt so, vo, vd;
    PetscCall(PetscSectionGetDof(vsec, v, &vd));
    PetscCheck(vd == nc, space->comm, PETSC_ERR_ARG_WRONG,
               "The vertex vector holds %" PetscInt_FMT " values per vertex, the field %" PetscInt_FMT
               ": create it for the same field",
               vd, nc);
    PetscCall(PetscSectionGetFieldOffset(ssec, v, field, &so));
    PetscCall(PetscSectionGetOffset(vsec, v, &vo));
    for (PetscInt k = 0; k < nc; ++k)
      dst[vo + k] = src[so + k];
  }
  PetscCall(VecRestoreArray(vl, &dst));
  PetscCall(VecRestoreArrayRead(ul, &src));
  PetscCall(DMLocalToGlobal(vdm, vl, INSERT_VALUES, V));
  PetscCall(DMRestoreLocalVector(space->dm, &ul));
  PetscCall(DMRestoreLocalVector(vdm, &vl));
  PetscFunctionReturn(0);
}
