/* Snapping a refined mesh's boundary back onto the segmented surface.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why: refinement puts new vertices at the midpoints of coarse edges, so a refined boundary is
 * the coarse one's flat facets cut smaller: a 2 mm mesh refined to 1 mm keeps the 2 mm mesh's
 * chords, short of a curved organ by the sag of each chord, and its volume short by as much.
 * Moving every boundary vertex to the closest point of the surface it was meshed from makes the
 * fine mesh follow the segmentation as a mesh made fine from the start would.
 *
 * A vertex on facets of one tag goes to the closest point of that tag's patch; one on facets of
 * two or more tags (where patches meet: a triple line, a cap's rim) goes where the patches of
 * its lowest and highest tag meet, found by projecting onto the two in turn. A move that would
 * flip a cell or push its radius ratio below the bound (or below what it had) is halved, then
 * halved again, then dropped; each vertex's fate is agreed over every rank that holds it, so
 * the copies of a shared vertex stay at one place. */
#include <petscsf.h>
#include <twinfe/partition.h>

#include "core/core_impl.h"
#include "partition_impl.h"

/* Alternate projections onto two patches this often to find where they meet. */
#define JUNCTION_PROJECTIONS 12
/* A junction vertex moves at most this many times its distance from the patches (a longer
   move means the two patches do not meet nearby). */
#define JUNCTION_MAX_MOVE_FACTOR 4.0
/* Moves are tried whole, halved, quartered, then dropped. */
#define SNAP_ROUNDS 4
#define NO_TAG PETSC_MAX_INT
/* The share of their boundary neighbours' mean move interior vertices take (FollowBoundary). */
#define FOLLOW 0.5

typedef struct {
  DM                       dm;
  TwinfePartitionProjectFn project;
  void                    *ctx;
  PetscInt                 pStart, vStart, vEnd, cStart, cEnd;
  PetscInt                *tag_lo, *tag_hi; /* per chart point (vertices used): the lowest and highest facet tag at it */
  PetscInt                *round;     /* per chart point: the vertex's move is scaled by 2^-round (SNAP_ROUNDS - 1: no move) */
  PetscReal               *from, *to; /* 3 per vertex: where it was, where the surface is */
  PetscReal               *before;    /* per cell: its radius ratio before any move (signed: < 0 when its cone is left-handed) */
  PetscBool               *owned;     /* per vertex: not a leaf of the point SF */
  PetscInt                *cell_vertices; /* 4 per cell */
  PetscInt                *offset;        /* per vertex: where its coordinates start in the local coordinate array */
  PetscBool               *changed;       /* per chart point: the vertex moved in the last pass (only its cells need a look) */
  PetscSF                  sf;
} Snap;

static PetscErrorCode NoteTag(Snap *s, PetscInt v, PetscInt tag)
{
  PetscFunctionBeginUser;
  s->tag_lo[v - s->pStart] = PetscMin(s->tag_lo[v - s->pStart], tag);
  s->tag_hi[v - s->pStart] = PetscMax(s->tag_hi[v - s->pStart], tag);
  PetscFunctionReturn(0);
}

typedef struct {
  Snap    *s;
  PetscInt opposite; /* cell-vertex: the carried facet is the cone without this vertex */
} TagVisit;

static PetscErrorCode NoteCarriedFacet(PetscInt cell, PetscInt tag, void *ctx)
{
  TagVisit       *t = (TagVisit *)ctx;
  const PetscInt *cone;

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetCone(t->s->dm, cell, &cone));
  for (PetscInt k = 0; k < 4; ++k)
    if (k != t->opposite) PetscCall(NoteTag(t->s, cone[k], tag));
  PetscFunctionReturn(0);
}

static PetscErrorCode NoteFace(PetscInt face, PetscInt tag, void *ctx)
{
  TagVisit *t       = (TagVisit *)ctx;
  PetscInt *closure = NULL, n;

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetTransitiveClosure(t->s->dm, face, PETSC_TRUE, &n, &closure));
  for (PetscInt i = 0; i < n; ++i)
    if (closure[2 * i] >= t->s->vStart && closure[2 * i] < t->s->vEnd) PetscCall(NoteTag(t->s, closure[2 * i], tag));
  PetscCall(DMPlexRestoreTransitiveClosure(t->s->dm, face, PETSC_TRUE, &n, &closure));
  PetscFunctionReturn(0);
}

/* Each vertex's lowest and highest facet tag, agreed over the ranks that hold it: a facet is
   seen on one rank only (carried by one cell), its vertices may be on several. */
static PetscErrorCode FindBoundaryVertices(Snap *s)
{
  TagVisit t = {s, -1};
  PetscInt depth;
  DMLabel  label;

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetDepth(s->dm, &depth));
  if (depth == 1) {
    for (t.opposite = 0; t.opposite < 4; ++t.opposite) {
      PetscCall(DMGetLabel(s->dm, TwinfeOwnedFacetLabelName(t.opposite), &label));
      PetscCall(TwinfeLabelForEachPoint(label, NoteCarriedFacet, &t));
    }
  } else {
    PetscCall(DMGetLabel(s->dm, "Face Sets", &label));
    PetscCall(TwinfeLabelForEachPoint(label, NoteFace, &t));
  }
  PetscCall(PetscSFReduceBegin(s->sf, MPIU_INT, s->tag_lo, s->tag_lo, MPI_MIN));
  PetscCall(PetscSFReduceEnd(s->sf, MPIU_INT, s->tag_lo, s->tag_lo, MPI_MIN));
  PetscCall(PetscSFReduceBegin(s->sf, MPIU_INT, s->tag_hi, s->tag_hi, MPI_MAX));
  PetscCall(PetscSFReduceEnd(s->sf, MPIU_INT, s->tag_hi, s->tag_hi, MPI_MAX));
  PetscCall(PetscSFBcastBegin(s->sf, MPIU_INT, s->tag_lo, s->tag_lo, MPI_REPLACE));
  PetscCall(PetscSFBcastEnd(s->sf, MPIU_INT, s->tag_lo, s->tag_lo, MPI_REPLACE));
  PetscCall(PetscSFBcastBegin(s->sf, MPIU_INT, s->tag_hi, s->tag_hi, MPI_REPLACE));
  PetscCall(PetscSFBcastEnd(s->sf, MPIU_INT, s->tag_hi, s->tag_hi, MPI_REPLACE));
  PetscFunctionReturn(0);
}

static PetscReal Distance(const PetscReal a[3], const PetscReal b[3])
{
  return PetscSqrtReal(PetscSqr(a[0] - b[0]) + PetscSqr(a[1] - b[1]) + PetscSqr(a[2] - b[2]));
}

/* Distance from x to the patches of tags lo and hi (the larger of the two), or -1 when the
   surface lacks either. */
static PetscErrorCode DistanceToPatches(const Snap *s, PetscInt lo, PetscInt hi, const PetscReal x[3], PetscReal *dist)
{
  PetscReal y[3];
  PetscBool found;

  PetscFunctionBeginUser;
  *dist = -1;
  PetscCall(s->project(s->ctx, lo, x, y, &found));
  if (!found) PetscFunctionReturn(0);
  *dist = Distance(x, y);
  if (hi == lo) PetscFunctionReturn(0);
  PetscCall(s->project(s->ctx, hi, x, y, &found));
  *dist = found ? PetscMax(*dist, Distance(x, y)) : -1;
  PetscFunctionReturn(0);
}

/* Where vertex x belongs: the closest point of its patch, or where its two patches meet; and
   how far x is from its patches now (*before; -1 when the surface lacks one of them). *to
   stays x when the surface has no such place near. */
static PetscErrorCode FindTarget(const Snap *s, PetscInt lo, PetscInt hi, const PetscReal x[3], PetscReal to[3],
                                 PetscReal *before)
{
  PetscReal y[3]  = {x[0], x[1], x[2]}, after;
  PetscBool found = PETSC_TRUE;

  PetscFunctionBeginUser;
  for (int d = 0; d < 3; ++d)
    to[d] = x[d];
  if (lo == hi) {
    PetscCall(s->project(s->ctx, lo, x, y, &found));
    *before = found ? Distance(x, y) : -1;
    if (found)
      for (int d = 0; d < 3; ++d)
        to[d] = y[d];
    PetscFunctionReturn(0);
  }
  PetscCall(DistanceToPatches(s, lo, hi, x, before));
  if (*before <= 0) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < JUNCTION_PROJECTIONS && found; ++i) {
    PetscCall(s->project(s->ctx, lo, y, y, &found));
    if (found) PetscCall(s->project(s->ctx, hi, y, y, &found));
  }
  PetscCall(DistanceToPatches(s, lo, hi, y, &after));
  if (found && after >= 0 && after < *before && Distance(x, y) <= JUNCTION_MAX_MOVE_FACTOR * *before)
    for (int d = 0; d < 3; ++d)
      to[d] = y[d];
  PetscFunctionReturn(0);
}

/* The vertices' coordinates as the rounds so far left them. */
static void PlaceVertices(const Snap *s, PetscScalar coords[])
{
  for (PetscInt v = s->vStart; v < s->vEnd; ++v) {
    const PetscInt   i = v - s->vStart, off = s->offset[i];
    const PetscReal  f = s->round[v - s->pStart] >= SNAP_ROUNDS - 1 ? 0 : PetscPowReal(0.5, (PetscReal)s->round[v - s->pStart]);
    const PetscReal *a = s->from + 3 * i, *b = s->to + 3 * i;
    for (int d = 0; d < 3; ++d)
      coords[off + d] = a[d] + f * (b[d] - a[d]);
  }
}

/* A cell's radius ratio, signed by the handedness of its cone (so that a flip shows). */
static PetscReal CellShape(const Snap *s, const PetscScalar coords[], const PetscInt vertices[4])
{
  const PetscReal *p[4];
  PetscReal        det;

  for (PetscInt k = 0; k < 4; ++k)
    p[k] = (const PetscReal *)&coords[s->offset[vertices[k] - s->vStart]];
  det = TwinfeTetDet_Private(p[0], p[1], p[2], p[3]);
  if (det < 0) {
    const PetscReal *t = p[0];
    p[0] = p[1], p[1] = t;
  }
  return det == 0 ? 0 : (det > 0 ? 1 : -1) * TwinfeTetRadiusRatio_Private(p);
}

/* Each cell's 4 vertices (its cone on a cell-vertex mesh, from its closure otherwise), and
   where each vertex's coordinates are. */
static PetscErrorCode ListCellVertices(Snap *s, PetscSection cs)
{
  PetscInt depth;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(4 * (s->cEnd - s->cStart) + 1, &s->cell_vertices));
  PetscCall(PetscMalloc1(s->vEnd - s->vStart + 1, &s->offset));
  for (PetscInt v = s->vStart; v < s->vEnd; ++v)
    PetscCall(PetscSectionGetOffset(cs, v, &s->offset[v - s->vStart]));
  PetscCall(DMPlexGetDepth(s->dm, &depth));
  for (PetscInt c = s->cStart; c < s->cEnd; ++c) {
    PetscInt *closure = NULL, n, nv = 0, *v = s->cell_vertices + 4 * (c - s->cStart);
    if (depth == 1) {
      const PetscInt *cone;
      PetscCall(DMPlexGetConeSize(s->dm, c, &n));
      PetscCall(DMPlexGetCone(s->dm, c, &cone));
      PetscCheck(n == 4, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "TwinfePartitionSnapBoundary: cell %" PetscInt_FMT " is not a tetrahedron", c);
      for (PetscInt k = 0; k < 4; ++k)
        v[k] = cone[k];
      continue;
    }
    PetscCall(DMPlexGetTransitiveClosure(s->dm, c, PETSC_TRUE, &n, &closure));
    for (PetscInt i = 0; i < n && nv < 4; ++i)
      if (closure[2 * i] >= s->vStart && closure[2 * i] < s->vEnd) v[nv++] = closure[2 * i];
    PetscCall(DMPlexRestoreTransitiveClosure(s->dm, c, PETSC_TRUE, &n, &closure));
    PetscCheck(nv == 4, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "TwinfePartitionSnapBoundary: cell %" PetscInt_FMT " is not a tetrahedron", c);
  }
  PetscFunctionReturn(0);
}

/* Marks (round + 1) the moving vertices of every cell the current placement spoils: flipped,
   or below min_ratio where it was not before, or worse than it was when it was already below.
   Returns how many cells on this rank. */
static PetscErrorCode MarkSpoiledCells(Snap *s, const PetscScalar coords[], PetscReal min_ratio, PetscInt *spoiled)
{
  PetscFunctionBeginUser;
  *spoiled = 0;
  for (PetscInt c = s->cStart; c < s->cEnd; ++c) {
    const PetscInt *v = s->cell_vertices + 4 * (c - s->cStart);
    PetscReal       now, was = s->before[c - s->cStart];
    PetscBool       flipped;
    /* a cell none of whose vertices moved since the last pass is as good as it was then */
    if (!s->changed[v[0] - s->pStart] && !s->changed[v[1] - s->pStart] && !s->changed[v[2] - s->pStart] &&
        !s->changed[v[3] - s->pStart])
      continue;
    now     = CellShape(s, coords, v);
    flipped = was != 0 && now * was <= 0;
    if (!flipped && PetscAbsReal(now) >= PetscMin(min_ratio, PetscAbsReal(was))) continue;
    ++*spoiled;
    for (PetscInt k = 0; k < 4; ++k) {
      PetscInt *r = &s->round[v[k] - s->pStart];
      if (*r >= 0 && *r < SNAP_ROUNDS - 1) *r = -(*r + 1); /* marked once, however many cells it spoils */
    }
  }
  PetscFunctionReturn(0);
}

/* A vertex marked on any rank (its round stored negated there) moves less on every rank. */
static PetscErrorCode AgreeOnRounds(Snap *s)
{
  PetscFunctionBeginUser;
  /* marked: -(round + 1) < 0; MPI_MIN keeps a mark wherever one rank made it */
  PetscCall(PetscSFReduceBegin(s->sf, MPIU_INT, s->round, s->round, MPI_MIN));
  PetscCall(PetscSFReduceEnd(s->sf, MPIU_INT, s->round, s->round, MPI_MIN));
  PetscCall(PetscSFBcastBegin(s->sf, MPIU_INT, s->round, s->round, MPI_REPLACE));
  PetscCall(PetscSFBcastEnd(s->sf, MPIU_INT, s->round, s->round, MPI_REPLACE));
  for (PetscInt v = s->vStart; v < s->vEnd; ++v) {
    s->changed[v - s->pStart] = s->round[v - s->pStart] < 0;
    if (s->round[v - s->pStart] < 0) s->round[v - s->pStart] = -s->round[v - s->pStart];
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode SnapCreate(DM dm, TwinfePartitionProjectFn project, void *ctx, Snap *s)
{
  PetscInt        pEnd, nleaves;
  const PetscInt *leaves;

  PetscFunctionBeginUser;
  s->dm = dm, s->project = project, s->ctx = ctx;
  PetscCall(DMPlexGetChart(dm, &s->pStart, &pEnd));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &s->vStart, &s->vEnd));
  PetscCall(DMPlexGetHeightStratum(dm, 0, &s->cStart, &s->cEnd));
  PetscCall(PetscMalloc4(pEnd - s->pStart, &s->tag_lo, pEnd - s->pStart, &s->tag_hi, pEnd - s->pStart, &s->round,
                         pEnd - s->pStart, &s->changed));
  s->cell_vertices = NULL, s->offset = NULL;
  PetscCall(PetscMalloc4(3 * (s->vEnd - s->vStart), &s->from, 3 * (s->vEnd - s->vStart), &s->to, s->cEnd - s->cStart, &s->before,
                         s->vEnd - s->vStart, &s->owned));
  for (PetscInt p = 0; p < pEnd - s->pStart; ++p)
    s->tag_lo[p] = NO_TAG, s->tag_hi[p] = -1, s->round[p] = SNAP_ROUNDS - 1, s->changed[p] = PETSC_FALSE;
  for (PetscInt v = 0; v < s->vEnd - s->vStart; ++v)
    s->owned[v] = PETSC_TRUE;
  PetscCall(DMGetPointSF(dm, &s->sf));
  PetscCall(PetscSFGetGraph(s->sf, NULL, &nleaves, &leaves, NULL));
  for (PetscInt l = 0; l < nleaves; ++l) {
    PetscInt p = leaves ? leaves[l] : l;
    if (p >= s->vStart && p < s->vEnd) s->owned[p - s->vStart] = PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode SnapDestroy(Snap *s)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree4(s->tag_lo, s->tag_hi, s->round, s->changed));
  PetscCall(PetscFree4(s->from, s->to, s->before, s->owned));
  PetscCall(PetscFree(s->cell_vertices));
  PetscCall(PetscFree(s->offset));
  PetscFunctionReturn(0);
}

/* Where each boundary vertex should go (every copy of a shared vertex computes the same). */
static PetscErrorCode ChooseTargets(Snap *s, const PetscScalar coords[], TwinfePartitionSnapStats *st)
{
  PetscFunctionBeginUser;
  for (PetscInt v = s->vStart; v < s->vEnd; ++v) {
    const PetscInt i = v - s->vStart, lo = s->tag_lo[v - s->pStart], hi = s->tag_hi[v - s->pStart];
    PetscReal      dist;
    for (int d = 0; d < 3; ++d)
      s->from[3 * i + d] = s->to[3 * i + d] = PetscRealPart(coords[s->offset[i] + d]);
    if (lo == NO_TAG) continue;
    PetscCall(FindTarget(s, lo, hi, s->from + 3 * i, s->to + 3 * i, &dist));
    if (s->owned[i]) {
      st->boundary_vertices++;
      if (lo != hi) st->junction_vertices++;
      if (dist < 0) st->unmatched_vertices++;
      st->max_distance_before_mm = PetscMax(st->max_distance_before_mm, dist);
    }
    if (dist >= 0) s->round[v - s->pStart] = 0; /* on its patch already: a move of length 0 */
  }
  PetscFunctionReturn(0);
}

/* Interior vertices next to moving boundary vertices follow them by FOLLOW times their mean
   move: a boundary vertex moving towards an interior one would otherwise flatten the thin cells
   between them, and its move be cut back. Sums over the cells of every rank that holds a vertex. */
static PetscErrorCode FollowBoundary(Snap *s)
{
  PetscInt   pEnd;
  PetscReal *sum[4];

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetChart(s->dm, NULL, &pEnd));
  for (int k = 0; k < 4; ++k)
    PetscCall(PetscCalloc1(pEnd - s->pStart, &sum[k]));
  for (PetscInt c = s->cStart; c < s->cEnd; ++c) {
    const PetscInt *v = s->cell_vertices + 4 * (c - s->cStart);
    for (int a = 0; a < 4; ++a) {
      if (s->tag_lo[v[a] - s->pStart] != NO_TAG) continue;
      for (int b = 0; b < 4; ++b) {
        const PetscInt j = v[b] - s->vStart;
        if (s->tag_lo[v[b] - s->pStart] == NO_TAG || s->round[v[b] - s->pStart] != 0) continue;
        for (int d = 0; d < 3; ++d)
          sum[d][v[a] - s->pStart] += s->to[3 * j + d] - s->from[3 * j + d];
        sum[3][v[a] - s->pStart] += 1;
      }
    }
  }
  for (int k = 0; k < 4; ++k) {
    PetscCall(PetscSFReduceBegin(s->sf, MPIU_REAL, sum[k], sum[k], MPI_SUM));
    PetscCall(PetscSFReduceEnd(s->sf, MPIU_REAL, sum[k], sum[k], MPI_SUM));
    PetscCall(PetscSFBcastBegin(s->sf, MPIU_REAL, sum[k], sum[k], MPI_REPLACE));
    PetscCall(PetscSFBcastEnd(s->sf, MPIU_REAL, sum[k], sum[k], MPI_REPLACE));
  }
  for (PetscInt v = s->vStart; v < s->vEnd; ++v) {
    const PetscInt  i = v - s->vStart;
    const PetscReal n = sum[3][v - s->pStart];
    if (n == 0) continue;
    for (int d = 0; d < 3; ++d)
      s->to[3 * i + d] = s->from[3 * i + d] + FOLLOW * sum[d][v - s->pStart] / n;
    s->round[v - s->pStart] = 0;
  }
  for (int k = 0; k < 4; ++k)
    PetscCall(PetscFree(sum[k]));
  PetscFunctionReturn(0);
}

/* Every cell's radius ratio before the moves; the least of them. */
static PetscErrorCode MeasureCellsBefore(Snap *s, const PetscScalar coords[], PetscReal *least)
{
  PetscFunctionBeginUser;
  *least = PETSC_MAX_REAL;
  for (PetscInt c = s->cStart; c < s->cEnd; ++c) {
    s->before[c - s->cStart] = CellShape(s, coords, s->cell_vertices + 4 * (c - s->cStart));
    *least                   = PetscMin(*least, PetscAbsReal(s->before[c - s->cStart]));
  }
  PetscFunctionReturn(0);
}

/* The figures after the moves: moved whole, in part, not at all; the largest move; the
   distance left to the patches; the least radius ratio and the cells below the bound. */
static PetscErrorCode MeasureAfter(Snap *s, const PetscScalar coords[], PetscReal min_ratio, PetscReal tolerance,
                                   TwinfePartitionSnapStats *st)
{
  PetscFunctionBeginUser;
  st->min_radius_ratio_after = PETSC_MAX_REAL;
  for (PetscInt c = s->cStart; c < s->cEnd; ++c) {
    PetscReal now              = CellShape(s, coords, s->cell_vertices + 4 * (c - s->cStart));
    st->min_radius_ratio_after = PetscMin(st->min_radius_ratio_after, now * (s->before[c - s->cStart] > 0 ? 1 : -1));
    if (PetscAbsReal(now) < min_ratio) st->cells_below_bound++;
  }
  for (PetscInt v = s->vStart; v < s->vEnd; ++v) {
    const PetscInt i = v - s->vStart, lo = s->tag_lo[v - s->pStart], hi = s->tag_hi[v - s->pStart], r = s->round[v - s->pStart];
    PetscReal      dist, x[3];
    if (lo == NO_TAG || !s->owned[i]) continue;
    for (int d = 0; d < 3; ++d)
      x[d] = PetscRealPart(coords[s->offset[i] + d]);
    /* a vertex moved whole onto its one patch is on it (its target is a closest point) */
    if (lo == hi && r == 0)
      dist = 0;
    else
      PetscCall(DistanceToPatches(s, lo, hi, x, &dist));
    st->max_distance_after_mm = PetscMax(st->max_distance_after_mm, dist);
    if (dist > tolerance) st->far_after++;
    st->max_move_mm = PetscMax(st->max_move_mm, Distance(x, s->from + 3 * i));
    if (r == 0)
      st->moved_whole++;
    else if (r < SNAP_ROUNDS - 1)
      st->moved_part++;
    else
      st->kept++;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode SumStats(MPI_Comm comm, TwinfePartitionSnapStats *st)
{
  PetscInt  counts[8] = {st->boundary_vertices, st->junction_vertices, st->unmatched_vertices,
                         st->moved_whole,       st->moved_part,        st->kept,
                         st->cells_below_bound, st->far_after};
  PetscReal most[4]   = {st->max_move_mm, st->max_distance_before_mm, st->max_distance_after_mm, 0};
  PetscReal least[2]  = {st->min_radius_ratio_before, st->min_radius_ratio_after};

  PetscFunctionBeginUser;
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, counts, 8, MPIU_INT, MPI_SUM, comm));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, most, 4, MPIU_REAL, MPI_MAX, comm));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, least, 2, MPIU_REAL, MPI_MIN, comm));
  st->boundary_vertices = counts[0], st->junction_vertices = counts[1], st->unmatched_vertices = counts[2];
  st->moved_whole = counts[3], st->moved_part = counts[4], st->kept = counts[5], st->cells_below_bound = counts[6];
  st->far_after   = counts[7];
  st->max_move_mm = most[0], st->max_distance_before_mm = most[1], st->max_distance_after_mm = most[2];
  st->min_radius_ratio_before = least[0], st->min_radius_ratio_after = least[1];
  PetscFunctionReturn(0);
}

/*@C
  TwinfePartitionSnapBoundary - Move the boundary and interface vertices of a distributed tet
  mesh (a refined one: its new vertices lie on the coarse facets) onto the surface it was made
  from, without flipping a cell or taking its radius ratio below min_radius_ratio.

  Collective on dm

  Input: dm (interpolated, or cell-vertex from TwinfePartitionRefineCellVertex: the tagged
  facets say which vertices are on the boundary and on which patch); project (the closest
  point of a tag's patch; called with the same arguments on every rank that holds a vertex,
  it must answer the same); ctx; min_radius_ratio (0.1: what the mesher's quality report
  counts as poor); tolerance_mm (a vertex left farther from its patches counts in
  stats->far_after). Output: the coordinates of dm; stats (every rank the same).
@*/
PetscErrorCode TwinfePartitionSnapBoundary(DM dm, TwinfePartitionProjectFn project, void *ctx, PetscReal min_radius_ratio,
                                           PetscReal tolerance_mm, TwinfePartitionSnapStats *stats)
{
  static PetscLogEvent event = -1;
  Snap                 s;
  Vec                  X;
  PetscSection         cs;
  PetscScalar         *coords;
  MPI_Comm             comm = PetscObjectComm((PetscObject)dm);

  PetscFunctionBeginUser;
  PetscCheck(project, comm, PETSC_ERR_ARG_NULL, "TwinfePartitionSnapBoundary: no projection given");
  PetscCall(TwinfeLogBegin_Private("TwinfeSnap", &event));
  PetscCall(PetscMemzero(stats, sizeof *stats));
  PetscCall(SnapCreate(dm, project, ctx, &s));
  PetscCall(DMGetCoordinateSection(dm, &cs));
  PetscCall(ListCellVertices(&s, cs));
  PetscCall(FindBoundaryVertices(&s));
  PetscCall(DMGetCoordinatesLocal(dm, &X));
  PetscCall(VecGetArray(X, &coords));
  PetscCall(ChooseTargets(&s, coords, stats));
  PetscCall(FollowBoundary(&s));
  PetscCall(MeasureCellsBefore(&s, coords, &stats->min_radius_ratio_before));
  for (PetscInt v = s.vStart; v < s.vEnd; ++v)
    s.changed[v - s.pStart] = s.round[v - s.pStart] < SNAP_ROUNDS - 1;
  /* each pass moves some vertex of every spoiled cell less (a cell whose vertices are all back
     where they were is as it was), so the passes end */
  for (;;) {
    PetscInt spoiled;
    PlaceVertices(&s, coords);
    PetscCall(MarkSpoiledCells(&s, coords, min_radius_ratio, &spoiled));
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &spoiled, 1, MPIU_INT, MPI_SUM, comm));
    if (!spoiled) break;
    PetscCall(AgreeOnRounds(&s));
  }
  PlaceVertices(&s, coords);
  PetscCall(MeasureAfter(&s, coords, min_radius_ratio, tolerance_mm, stats));
  PetscCall(VecRestoreArray(X, &coords));
  /* the same local vector again: the global copy is dropped and made anew from it on demand */
  PetscCall(DMSetCoordinatesLocal(dm, X));
  PetscCall(SnapDestroy(&s));
  PetscCall(SumStats(comm, stats));
  PetscCall(PetscLogEventEnd(event, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
