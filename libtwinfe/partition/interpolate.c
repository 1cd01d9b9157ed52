/* Faces and edges of a tetrahedral DMPlex, in bulk.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * DMPlexInterpolate in PETSc 3.18 costs about 13 us per tet (12.6 s of a 47 s run at 942k
 * tets, one rank), most of it per-point DMPlex queries around its hash table. This builds the
 * same DAG with radix sorts, linear in the mesh size whatever its shape: the faces of every
 * tet (PETSc's own face order for a tetrahedron), numbered by first appearance as
 * DMPlexInterpolate numbers them, then the edges of those faces likewise.
 *
 * On one rank the points come out exactly as DMPlexInterpolate makes them (cells, vertices,
 * faces, edges; the same cones and orientations), which a test checks point by point. On a
 * distributed mesh a face's or edge's cone lists its vertices by ascending global number, so
 * that every rank holding a shared one gives it the same cone (what PETSc gets by reorienting
 * the interface afterwards), and the point SF is extended level by level with
 * DMPlexInterpolatePointSF, as DMPlexInterpolate extends it. */
#include "partition_impl.h"

/* Vertices of face k of a tet with cone c, as DMPlexGetRawFaces_Internal gives them for
   DM_POLYTOPE_TETRAHEDRON: the first face follows the right-hand rule, its normal pointing
   away from the last vertex. */
static const int tet_faces[4][3] = {{0, 1, 2}, {0, 3, 1}, {0, 2, 3}, {2, 1, 3}};
/* Edges of a triangle with cone t: (t0 t1), (t1 t2), (t2 t0). */
static const int tri_edges[3][2] = {{0, 1}, {1, 2}, {2, 0}};

/* Groups of equal sorted keys (n vertices each, n = 2 or 3), listed in the order of their
   first appearance; entries keep their position in the input. */
typedef struct {
  PetscInt  nentries, nkeys;
  PetscInt *key_of; /* nentries: the key (0..nkeys-1, numbered by first appearance) of each entry */
  PetscInt *first;  /* nkeys: the entry where each key first appears */
} KeyGroups;

static void SortSmall(PetscInt n, PetscInt v[])
{
  for (PetscInt i = 1; i < n; ++i)
    for (PetscInt j = i; j > 0 && v[j - 1] > v[j]; --j) {
      PetscInt t = v[j];
      v[j]       = v[j - 1];
      v[j - 1]   = t;
    }
}

/* Stable counting sort of order[] by vertex `digit` of each entry's key. */
static void CountingSortBy(PetscInt n, PetscInt width, const PetscInt keys[], PetscInt digit, PetscInt nvertices,
                           PetscInt start[], const PetscInt order[], PetscInt sorted[])
{
  for (PetscInt v = 0; v <= nvertices; ++v)
    start[v] = 0;
  for (PetscInt i = 0; i < n; ++i)
    start[keys[order[i] * width + digit] + 1]++;
  for (PetscInt v = 0; v < nvertices; ++v)
    start[v + 1] += start[v];
  for (PetscInt i = 0; i < n; ++i)
    sorted[start[keys[order[i] * width + digit]]++] = order[i];
}

static PetscBool SameKey(const PetscInt keys[], PetscInt width, PetscInt a, PetscInt b)
{
  for (PetscInt k = 0; k < width; ++k)
    if (keys[a * width + k] != keys[b * width + k]) return PETSC_FALSE;
  return PETSC_TRUE;
}

/* keys: nentries sorted keys of `width` vertices in [0, nvertices). A stable radix sort (one
   counting sort per key vertex, last first: O(width (n + nvertices)) whatever the mesh) puts
   equal keys side by side, each group in input order, so its first entry is where the key
   first appears. */
static PetscErrorCode GroupKeys(PetscInt nentries, PetscInt width, const PetscInt keys[], PetscInt nvertices, KeyGroups *g)
{
  PetscInt *start, *buf0, *buf1, *order, *sorted, *group_of_entry, ngroups = 0, *group_first;

  PetscFunctionBeginUser;
  g->nentries = nentries;
  PetscCall(PetscMalloc1(nvertices + 1, &start));
  PetscCall(PetscMalloc4(nentries, &buf0, nentries, &buf1, nentries, &group_of_entry, nentries, &group_first));
  order  = buf0;
  sorted = buf1;
  for (PetscInt e = 0; e < nentries; ++e)
    order[e] = e;
  for (PetscInt digit = width - 1; digit >= 0; --digit) {
    PetscInt *t;
    CountingSortBy(nentries, width, keys, digit, nvertices, start, order, sorted);
    t = order, order = sorted, sorted = t;
  }
  for (PetscInt i = 0; i < nentries; ++i) {
    if (i == 0 || !SameKey(keys, width, order[i - 1], order[i])) group_first[ngroups++] = order[i];
    group_of_entry[order[i]] = ngroups - 1;
  }
  /* number the groups by first appearance */
  PetscCall(PetscMalloc2(nentries, &g->key_of, ngroups, &g->first));
  {
    PetscInt *number = sorted, next = 0; /* sorted[] is free now */
    for (PetscInt e = 0; e < nentries; ++e)
      if (group_first[group_of_entry[e]] == e) {
        number[group_of_entry[e]] = next;
        g->first[next++]          = e;
      }
    for (PetscInt e = 0; e < nentries; ++e)
      g->key_of[e] = number[group_of_entry[e]];
  }
  g->nkeys = ngroups;
  PetscCall(PetscFree4(buf0, buf1, group_of_entry, group_first));
  PetscCall(PetscFree(start));
  PetscFunctionReturn(0);
}

static PetscErrorCode KeyGroupsDestroy(KeyGroups *g)
{
  PetscFunctionBegin;
  PetscCall(PetscFree2(g->key_of, g->first));
  PetscFunctionReturn(0);
}

/* The DAG as arrays: cell cones (vertices), the faces and edges with their vertex cones, and
   the cones (as face/edge indices) and orientations of cells and faces. Vertices are 0-based. */
typedef struct {
  PetscInt  ncells, nvertices, nfaces, nedges;
  PetscInt *cell_vertices;                 /* 4 per cell */
  PetscInt *face_vertices, *edge_vertices; /* 3 per face, 2 per edge */
  PetscInt *cell_faces, *cell_ornt;        /* 4 per cell */
  PetscInt *face_edges, *face_ornt;        /* 3 per face */
  PetscInt *global;                        /* distributed: global number of each vertex */
} Dag;

/* One level of the DAG: the sub-entities ("children", of `width` vertices each) of every parent,
   listed by `table` (nchildren rows of width local vertex indices), numbered by first
   appearance. A child's cone is its vertices at that first appearance; each parent gets its
   children and their orientations relative to that cone. */
typedef struct {
  PetscInt        nparents, parent_width, nchildren, width;
  const int      *table;
  DMPolytopeType  child_type;
  const PetscInt *global; /* global vertex numbers on a distributed mesh, else NULL */
} Level;

/* A child's cone in ascending global vertex numbers: every rank then gives a shared face or
   edge the same cone, which DMPlex needs of points in the point SF. */
static void SortByGlobal(PetscInt w, PetscInt v[], const PetscInt global[])
{
  for (PetscInt i = 1; i < w; ++i)
    for (PetscInt j = i; j > 0 && global[v[j - 1]] > global[v[j]]; --j) {
      PetscInt t = v[j];
      v[j]       = v[j - 1];
      v[j - 1]   = t;
    }
}

static PetscErrorCode BuildLevel(const Level *l, const PetscInt parent_vertices[], PetscInt nvertices, PetscInt *nkeys,
                                 PetscInt **child_vertices, PetscInt **children, PetscInt **ornt)
{
  const PetscInt n = l->nparents * l->nchildren, w = l->width;
  PetscInt      *raw, *keys;
  KeyGroups      g;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(n * w, &raw, n * w, &keys));
  for (PetscInt p = 0; p < l->nparents; ++p)
    for (PetscInt k = 0; k < l->nchildren; ++k)
      for (PetscInt i = 0; i < w; ++i) {
        const PetscInt e = p * l->nchildren + k;
        raw[e * w + i] = keys[e * w + i] = parent_vertices[p * l->parent_width + l->table[k * w + i]];
      }
  for (PetscInt e = 0; e < n; ++e)
    SortSmall(w, &keys[e * w]);
  PetscCall(GroupKeys(n, w, keys, nvertices, &g));
  *nkeys = g.nkeys;
  PetscCall(PetscMalloc3(w * g.nkeys, child_vertices, n, children, n, ornt));
  for (PetscInt c = 0; c < g.nkeys; ++c) {
    PetscCall(PetscArraycpy(&(*child_vertices)[w * c], &raw[w * g.first[c]], w));
    if (l->global) SortByGlobal(w, &(*child_vertices)[w * c], l->global);
  }
  for (PetscInt e = 0; e < n; ++e) {
    (*children)[e] = g.key_of[e];
    PetscCall(DMPolytopeGetVertexOrientation(l->child_type, &(*child_vertices)[w * g.key_of[e]], &raw[w * e], &(*ornt)[e]));
  }
  PetscCall(KeyGroupsDestroy(&g));
  PetscCall(PetscFree2(raw, keys));
  PetscFunctionReturn(0);
}

static PetscErrorCode BuildFaces(Dag *d)
{
  const Level faces = {d->ncells, 4, 4, 3, &tet_faces[0][0], DM_POLYTOPE_TRIANGLE, d->global};
  PetscFunctionBegin;
  PetscCall(BuildLevel(&faces, d->cell_vertices, d->nvertices, &d->nfaces, &d->face_vertices, &d->cell_faces, &d->cell_ornt));
  PetscFunctionReturn(0);
}

static PetscErrorCode BuildEdges(Dag *d)
{
  const Level edges = {d->nfaces, 3, 3, 2, &tri_edges[0][0], DM_POLYTOPE_SEGMENT, d->global};
  PetscFunctionBegin;
  PetscCall(BuildLevel(&edges, d->face_vertices, d->nvertices, &d->nedges, &d->edge_vertices, &d->face_edges, &d->face_ornt));
  PetscFunctionReturn(0);
}

static PetscErrorCode DagDestroy(Dag *d)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(d->cell_vertices));
  PetscCall(PetscFree3(d->face_vertices, d->cell_faces, d->cell_ornt));
  PetscCall(PetscFree3(d->edge_vertices, d->face_edges, d->face_ornt));
  PetscCall(PetscFree(d->global));
  PetscFunctionReturn(0);
}

/* The cells' vertex cones of a cell-vertex tet mesh: cells [0, nc), vertices [nc, nc + nv). */
static PetscErrorCode ReadCells(DM dm, Dag *d)
{
  PetscInt cStart, cEnd, vStart, vEnd, depth;

  PetscFunctionBegin;
  PetscCall(DMPlexGetDepth(dm, &depth));
  PetscCheck(depth <= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "TwinfeInterpolateTets: the mesh already has faces or edges (depth %" PetscInt_FMT "); it takes a cell-vertex mesh",
             depth);
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  PetscCheck(cStart == 0 && vStart == cEnd, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "TwinfeInterpolateTets: expected cells then vertices, got cells [%" PetscInt_FMT ", %" PetscInt_FMT
             ") and vertices [%" PetscInt_FMT ", %" PetscInt_FMT ")",
             cStart, cEnd, vStart, vEnd);
  /* 12 face vertices per tet must be countable in a PetscInt (PETSc's own cone storage, about
     12 per tet too, stops there as well) */
  PetscCheck(cEnd <= PETSC_MAX_INT / 12, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "TwinfeInterpolateTets: %" PetscInt_FMT " tets on one rank is past 32-bit indices; run on more ranks", cEnd);
  d->ncells    = cEnd;
  d->nvertices = vEnd - vStart;
  PetscCall(PetscMalloc1(4 * d->ncells, &d->cell_vertices));
  for (PetscInt c = 0; c < d->ncells; ++c) {
    const PetscInt *cone;
    PetscInt        n;
    PetscCall(DMPlexGetConeSize(dm, c, &n));
    PetscCheck(n == 4, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "TwinfeInterpolateTets: cell %" PetscInt_FMT " has %" PetscInt_FMT " vertices, not 4", c, n);
    PetscCall(DMPlexGetCone(dm, c, &cone));
    for (int k = 0; k < 4; ++k) {
      PetscCheck(cone[k] >= vStart && cone[k] < vEnd, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "TwinfeInterpolateTets: cell %" PetscInt_FMT " has point %" PetscInt_FMT " in its cone, not a vertex", c,
                 cone[k]);
      d->cell_vertices[4 * c + k] = cone[k] - vStart;
    }
  }
  PetscFunctionReturn(0);
}

/* Cells, vertices, faces, edges: the numbering DMPlexInterpolate gives on one rank. Without
   edges, the faces' cones are their vertices (DMPlexInterpolate's intermediate mesh). */
static PetscErrorCode CreatePlex(DM dm, const Dag *d, PetscBool with_edges, DM *idm)
{
  const PetscInt nc = d->ncells, fStart = nc + d->nvertices, eStart = fStart + d->nfaces,
                 pEnd = eStart + (with_edges ? d->nedges : 0);

  PetscFunctionBegin;
  PetscCall(DMCreate(PetscObjectComm((PetscObject)dm), idm));
  PetscCall(DMSetType(*idm, DMPLEX));
  PetscCall(DMSetDimension(*idm, 3));
  PetscCall(DMPlexSetChart(*idm, 0, pEnd));
  for (PetscInt c = 0; c < nc; ++c)
    PetscCall(DMPlexSetConeSize(*idm, c, 4));
  for (PetscInt f = fStart; f < eStart; ++f)
    PetscCall(DMPlexSetConeSize(*idm, f, 3));
  for (PetscInt e = eStart; e < pEnd; ++e)
    PetscCall(DMPlexSetConeSize(*idm, e, 2));
  PetscCall(DMSetUp(*idm));
  for (PetscInt c = 0; c < nc; ++c) {
    PetscInt cone[4];
    for (int k = 0; k < 4; ++k)
      cone[k] = fStart + d->cell_faces[4 * c + k];
    PetscCall(DMPlexSetCone(*idm, c, cone));
    PetscCall(DMPlexSetConeOrientation(*idm, c, &d->cell_ornt[4 * c]));
  }
  for (PetscInt f = 0; f < d->nfaces; ++f) {
    PetscInt cone[3];
    for (int k = 0; k < 3; ++k)
      cone[k] = with_edges ? eStart + d->face_edges[3 * f + k] : nc + d->face_vertices[3 * f + k];
    PetscCall(DMPlexSetCone(*idm, fStart + f, cone));
    if (with_edges) PetscCall(DMPlexSetConeOrientation(*idm, fStart + f, &d->face_ornt[3 * f]));
  }
  for (PetscInt e = 0; with_edges && e < d->nedges; ++e) {
    const PetscInt cone[2] = {nc + d->edge_vertices[2 * e], nc + d->edge_vertices[2 * e + 1]};
    PetscCall(DMPlexSetCone(*idm, eStart + e, cone));
  }
  PetscCall(DMPlexSymmetrize(*idm));
  PetscCall(DMPlexStratify(*idm));
  PetscFunctionReturn(0);
}

/* Global numbers of this rank's vertices (owned or not), for rank-independent cones. */
static PetscErrorCode ReadGlobalVertices(DM dm, Dag *d)
{
  IS              numbering;
  const PetscInt *g;

  PetscFunctionBegin;
  PetscCall(DMPlexGetVertexNumbering(dm, &numbering));
  PetscCall(ISGetIndices(numbering, &g));
  PetscCall(PetscMalloc1(d->nvertices + 1, &d->global));
  for (PetscInt v = 0; v < d->nvertices; ++v)
    d->global[v] = g[v] >= 0 ? g[v] : -(g[v] + 1);
  PetscCall(ISRestoreIndices(numbering, &g));
  PetscFunctionReturn(0);
}

/* On a distributed mesh, the point SF grows level by level as DMPlexInterpolate grows it: the
   shared faces of the face-level mesh from the vertex SF, then the shared edges from that. */
static PetscErrorCode CreateDistributedPlex(DM dm, const Dag *d, DM *idm)
{
  DM      faces;
  PetscSF sf;

  PetscFunctionBegin;
  PetscCall(CreatePlex(dm, d, PETSC_FALSE, &faces));
  PetscCall(DMGetPointSF(dm, &sf));
  PetscCall(DMPlexInterpolatePointSF(faces, sf));
  PetscCall(CreatePlex(dm, d, PETSC_TRUE, idm));
  PetscCall(DMGetPointSF(faces, &sf));
  PetscCall(DMPlexInterpolatePointSF(*idm, sf));
  PetscCall(DMDestroy(&faces));
  PetscFunctionReturn(0);
}

/* "TwinfeInterpTets" in -log_view (and for tests, proof that this code ran). */
static PetscErrorCode LogEvent(PetscLogEvent *event)
{
  static PetscLogEvent id = -1;
  PetscFunctionBegin;
  if (id < 0) PetscCall(PetscLogEventRegister("TwinfeInterpTets", DM_CLASSID, &id));
  *event = id;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeInterpolateTets(DM dm, DM *idm)
{
  Dag            d;
  PetscBool      distributed;
  PetscLogEvent  event;
  const char    *name;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(DMPlexIsDistributed(dm, &distributed));
  *idm = NULL;
  PetscCall(LogEvent(&event));
  PetscCall(PetscLogEventBegin(event, dm, 0, 0, 0));
  PetscCall(PetscMemzero(&d, sizeof d));
  ierr = ReadCells(dm, &d);
  if (distributed) { /* every rank learns whether one could not read its cells, so none waits */
    int bad = ierr ? 1 : 0, any = 0;
    PetscCallMPI(MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, PetscObjectComm((PetscObject)dm)));
    if (any && !ierr) {
      PetscCall(DagDestroy(&d));
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "TwinfeInterpolateTets: another rank's cells are not a cell-vertex tet mesh");
    }
  }
  if (!ierr && distributed) ierr = ReadGlobalVertices(dm, &d);
  if (!ierr) ierr = BuildFaces(&d);
  if (!ierr) ierr = BuildEdges(&d);
  if (!ierr) ierr = distributed ? CreateDistributedPlex(dm, &d, idm) : CreatePlex(dm, &d, PETSC_TRUE, idm);
  PetscCall(DagDestroy(&d));
  if (!ierr) ierr = DMPlexCopyCoordinates(dm, *idm);
  if (!ierr) ierr = DMCopyLabels(dm, *idm, PETSC_COPY_VALUES, PETSC_FALSE, DM_COPY_LABELS_FAIL);
  if (ierr) PetscCall(DMDestroy(idm));
  PetscCall(ierr);
  PetscCall(PetscLogEventEnd(event, dm, 0, 0, 0));
  PetscCall(PetscObjectGetName((PetscObject)dm, &name));
  PetscCall(PetscObjectSetName((PetscObject)*idm, name));
  PetscFunctionReturn(0);
}
