/* Print checks of the surface stage: is a triangle list a part a printer can build?
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why: a slicer silently mends (or mangles) an STL with open edges, edges of three triangles,
 * flipped triangles or crossings, and the lab finds out after hours of printing. Each defect
 * is counted here, on the triangles as they will be written, so that `twinfe print` refuses a
 * part rather than write one that is not closed, manifold and outward. Handles (a torus-like
 * loop: a vessel ring, a rib touching its neighbour) are not defects, but they change how a
 * part prints and is supported, so they are counted too (genus from the Euler characteristic
 * of each closed shell). */
#include "surface_impl.h"

#include <stdlib.h>

typedef struct {
  PetscInt lo, hi;  /* the edge's vertices, lo < hi */
  PetscInt t;       /* the triangle it belongs to */
  int      forward; /* 1 when the triangle runs lo -> hi */
} HalfEdge;

static int CompareHalfEdges(const void *pa, const void *pb)
{
  const HalfEdge *a = (const HalfEdge *)pa, *b = (const HalfEdge *)pb;
  if (a->lo != b->lo) return a->lo < b->lo ? -1 : 1;
  if (a->hi != b->hi) return a->hi < b->hi ? -1 : 1;
  return (a->t > b->t) - (a->t < b->t);
}

static PetscInt Find(PetscInt parent[], PetscInt i)
{
  while (parent[i] != i)
    i = parent[i] = parent[parent[i]];
  return i;
}

static void Join(PetscInt parent[], PetscInt a, PetscInt b)
{
  a = Find(parent, a), b = Find(parent, b);
  if (a != b) parent[a > b ? a : b] = a < b ? a : b;
}

/* Edges: sorted half-edges; each run of equal (lo, hi) is one edge, counted by how many
   triangles use it and whether two of them run it the same way. Triangles sharing an edge
   join one shell. */
static PetscErrorCode CountEdges(PetscInt nt, const PetscInt tri[], PetscInt shell_of[], TwinfePartCheck *check,
                                 PetscInt *nedges_out, HalfEdge **sorted)
{
  HalfEdge *h;
  PetscInt  nedges = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(3 * nt + 1, &h));
  for (PetscInt t = 0; t < nt; t++)
    for (int e = 0; e < 3; e++) {
      const PetscInt a = tri[3 * t + e], b = tri[3 * t + (e + 1) % 3];
      h[3 * t + e] = (HalfEdge){PetscMin(a, b), PetscMax(a, b), t, a < b};
    }
  qsort(h, (size_t)(3 * nt), sizeof *h, CompareHalfEdges);
  for (PetscInt t = 0; t < nt; t++)
    shell_of[t] = t;
  for (PetscInt i = 0; i < 3 * nt;) {
    PetscInt j = i, forward = 0;
    while (j < 3 * nt && h[j].lo == h[i].lo && h[j].hi == h[i].hi)
      forward += h[j].forward, j++;
    nedges++;
    if (j - i == 1)
      check->open_edges++;
    else if (j - i > 2)
      check->nonmanifold_edges++;
    else if (forward != 1)
      check->misoriented_edges++;
    for (PetscInt k = i + 1; k < j; k++)
      Join(shell_of, h[i].t, h[k].t);
    i = j;
  }
  *nedges_out = nedges;
  *sorted     = h;
  PetscFunctionReturn(0);
}

/* A vertex is manifold when its triangles form one fan: the link (the edge opposite the vertex
   in each of its triangles) is one connected chain or cycle. Two cones meeting at a tip have two. */
static PetscErrorCode CountNonmanifoldVertices(PetscInt nv, PetscInt nt, const PetscInt tri[], PetscInt *count)
{
  PetscInt *start, *fill, *corner, *local, *parent, longest = 0;

  PetscFunctionBeginUser;
  *count = 0;
  PetscCall(PetscCalloc2(nv + 1, &start, nv + 1, &fill));
  for (PetscInt i = 0; i < 3 * nt; i++)
    start[tri[i] + 1]++;
  for (PetscInt v = 0; v < nv; v++) {
    longest = PetscMax(longest, start[v + 1]);
    start[v + 1] += start[v];
  }
  PetscCall(PetscMalloc1(3 * nt + 1, &corner));
  for (PetscInt i = 0; i < 3 * nt; i++)
    corner[start[tri[i]] + fill[tri[i]]++] = i; /* triangle 3 t + position of the vertex */
  PetscCall(PetscMalloc2(2 * longest + 1, &local, 2 * longest + 1, &parent));
  for (PetscInt v = 0; v < nv; v++) {
    PetscInt n = 0, components = 0;
    for (PetscInt k = start[v]; k < start[v + 1]; k++) {
      const PetscInt t = corner[k] / 3, p = corner[k] % 3;
      local[n++] = tri[3 * t + (p + 1) % 3];
      local[n++] = tri[3 * t + (p + 2) % 3];
    }
    for (PetscInt i = 0; i < n; i++)
      parent[i] = i;
    /* the two ends of a link edge are one piece; equal vertices are one piece */
    for (PetscInt i = 0; i < n; i += 2)
      Join(parent, i, i + 1);
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt j = i + 1; j < n; j++)
        if (local[i] == local[j]) Join(parent, i, j);
    for (PetscInt i = 0; i < n; i++)
      if (Find(parent, i) == i) components++;
    if (components > 1) (*count)++;
  }
  PetscCall(PetscFree2(local, parent));
  PetscCall(PetscFree(corner));
  PetscCall(PetscFree2(start, fill));
  PetscFunctionReturn(0);
}

static void TriangleGeometry(const PetscReal xyz[], const PetscInt t3[], const PetscReal ref[3], PetscReal *area,
                             PetscReal *volume6)
{
  const PetscReal *a = xyz + 3 * t3[0], *b = xyz + 3 * t3[1], *c = xyz + 3 * t3[2];
  PetscReal        u[3], w[3], n[3], p[3];
  for (int d = 0; d < 3; d++)
    u[d] = b[d] - a[d], w[d] = c[d] - a[d], p[d] = a[d] - ref[d];
  n[0]     = u[1] * w[2] - u[2] * w[1];
  n[1]     = u[2] * w[0] - u[0] * w[2];
  n[2]     = u[0] * w[1] - u[1] * w[0];
  *area    = 0.5 * PetscSqrtReal(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  *volume6 = p[0] * n[0] + p[1] * n[1] + p[2] * n[2]; /* 6 x the signed tetra volume against ref */
}

/* Area, signed volume (whole part and per shell: a cavity or an inside-out shell is negative),
   and triangles with no area: a repeated vertex, or an area below 1e-10 of the mean edge squared
   (a slicer's normal is undefined there). */
static PetscErrorCode MeasureShells(const PetscReal xyz[], PetscInt nt, const PetscInt tri[], const PetscInt shell_of[],
                                    PetscReal shell_volume[], TwinfePartCheck *check)
{
  PetscReal       ref[3] = {0, 0, 0};
  const PetscReal edge   = TwinfeSurfaceMeanEdge_Private(xyz, nt, tri);

  PetscFunctionBeginUser;
  if (nt) {
    for (int d = 0; d < 3; d++)
      ref[d] = xyz[3 * tri[0] + d];
  }
  for (PetscInt t = 0; t < nt; t++) {
    const PetscInt *t3 = tri + 3 * t;
    PetscReal       area, volume6;
    TriangleGeometry(xyz, t3, ref, &area, &volume6);
    check->area_mm2 += area;
    check->volume_mm3 += volume6 / 6;
    shell_volume[Find((PetscInt *)shell_of, t)] += volume6 / 6;
    if (t3[0] == t3[1] || t3[1] == t3[2] || t3[0] == t3[2] || area <= 1e-10 * edge * edge) check->degenerate_triangles++;
  }
  PetscFunctionReturn(0);
}

/* Shells, and per closed shell its genus g from V - E + F = 2 - 2 g. */
static PetscErrorCode CountShellsAndHandles(PetscInt nv, PetscInt nt, const PetscInt tri[], PetscInt shell_of[],
                                            const HalfEdge h[], const PetscReal shell_volume[], TwinfePartCheck *check)
{
  PetscInt *chi, *seen;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(nt + 1, &chi));
  PetscCall(PetscMalloc1(nv + 1, &seen));
  for (PetscInt v = 0; v < nv; v++)
    seen[v] = -1;
  for (PetscInt t = 0; t < nt; t++) {
    const PetscInt s = Find(shell_of, t);
    chi[s]++; /* F */
    for (int c = 0; c < 3; c++)
      if (seen[tri[3 * t + c]] < 0) seen[tri[3 * t + c]] = s, chi[s]++; /* V */
  }
  for (PetscInt i = 0; i < 3 * nt;) {
    PetscInt j = i;
    while (j < 3 * nt && h[j].lo == h[i].lo && h[j].hi == h[i].hi)
      j++;
    chi[Find(shell_of, h[i].t)]--; /* E */
    i = j;
  }
  for (PetscInt t = 0; t < nt; t++) {
    if (Find(shell_of, t) != t) continue;
    check->shells++;
    if (shell_volume[t] < 0) check->inner_shells++;
    if (chi[t] <= 2 && (2 - chi[t]) % 2 == 0) check->handles += (2 - chi[t]) / 2;
  }
  PetscCall(PetscFree(seen));
  PetscCall(PetscFree(chi));
  PetscFunctionReturn(0);
}

static PetscErrorCode CountCrossings(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[], PetscInt *count)
{
  TwinfeSurface part;
  int32_t      *labels;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(2 * nt + 1, &labels));
  for (PetscInt t = 0; t < nt; t++)
    labels[2 * t] = 1, labels[2 * t + 1] = 0;
  PetscCall(TwinfeSurfaceCreate(nv, xyz, nt, tri, labels, &part));
  PetscCall(TwinfeSurfaceCountSelfIntersections(part, count));
  PetscCall(TwinfeSurfaceDestroy(&part));
  PetscCall(PetscFree(labels));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceCheckPart(PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles, const PetscInt tri[],
                                      TwinfePartCheck *check)
{
  PetscInt  *shell_of, nedges = 0;
  PetscReal *shell_volume;
  HalfEdge  *h;

  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(check);
  PetscCheck(ntriangles > 0 && nvertices > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeSurfaceCheckPart: an empty part (%" PetscInt_FMT " vertices, %" PetscInt_FMT " triangles)", nvertices,
             ntriangles);
  for (PetscInt i = 0; i < 3 * ntriangles; i++)
    PetscCheck(tri[i] >= 0 && tri[i] < nvertices, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "TwinfeSurfaceCheckPart: triangle %" PetscInt_FMT " refers to vertex %" PetscInt_FMT ", outside [0, %" PetscInt_FMT
               ")",
               i / 3, tri[i], nvertices);
  PetscCall(PetscMemzero(check, sizeof *check));
  check->vertices  = nvertices;
  check->triangles = ntriangles;
  PetscCall(PetscMalloc1(ntriangles, &shell_of));
  PetscCall(PetscCalloc1(ntriangles, &shell_volume));
  PetscCall(CountEdges(ntriangles, tri, shell_of, check, &nedges, &h));
  check->edges = nedges;
  PetscCall(MeasureShells(xyz, ntriangles, tri, shell_of, shell_volume, check));
  PetscCall(CountShellsAndHandles(nvertices, ntriangles, tri, shell_of, h, shell_volume, check));
  PetscCall(CountNonmanifoldVertices(nvertices, ntriangles, tri, &check->nonmanifold_vertices));
  PetscCall(CountCrossings(nvertices, xyz, ntriangles, tri, &check->self_intersections));
  check->printable =
      (PetscBool)(!check->open_edges && !check->nonmanifold_edges && !check->misoriented_edges && !check->nonmanifold_vertices &&
                  !check->degenerate_triangles && !check->self_intersections && check->volume_mm3 > 0);
  PetscCall(PetscFree(h));
  PetscCall(PetscFree(shell_volume));
  PetscCall(PetscFree(shell_of));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceExtractLabels(TwinfeSurface surface, PetscInt nlabels, const int32_t labels[], PetscInt *nvertices,
                                          PetscReal **xyz, PetscInt *ntriangles, PetscInt **tri)
{
  PetscInt *newid, nv = 0, nt = 0;

  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(surface);
  PetscCheck(nlabels >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "TwinfeSurfaceExtractLabels: no label given");
  for (PetscInt i = 0; i < nlabels; i++)
    PetscCheck(labels[i] > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "TwinfeSurfaceExtractLabels: label %d is background or negative; regions have labels > 0", (int)labels[i]);
  PetscCall(PetscMalloc1(surface->nvertices, &newid));
  for (PetscInt v = 0; v < surface->nvertices; v++)
    newid[v] = -1;
  /* a triangle bounds the union when exactly one of its sides is in it; it keeps its vertex
     order when that side is its inside (its normal points out of the inside) */
  for (PetscInt pass = 0; pass < 2; pass++) {
    nt = 0;
    for (PetscInt t = 0; t < surface->ntriangles; t++) {
      PetscBool in[2] = {PETSC_FALSE, PETSC_FALSE};
      for (PetscInt i = 0; i < nlabels; i++)
        for (int s = 0; s < 2; s++)
          if (surface->labels[2 * t + s] == labels[i]) in[s] = PETSC_TRUE;
      if (in[0] == in[1]) continue;
      if (pass == 0)
        for (int c = 0; c < 3; c++) {
          if (newid[surface->tri[3 * t + c]] < 0) newid[surface->tri[3 * t + c]] = nv++;
        }
      else {
        (*tri)[3 * nt + 0] = newid[surface->tri[3 * t + 0]];
        (*tri)[3 * nt + 1] = newid[surface->tri[3 * t + (in[0] ? 1 : 2)]];
        (*tri)[3 * nt + 2] = newid[surface->tri[3 * t + (in[0] ? 2 : 1)]];
      }
      nt++;
    }
    if (pass == 0) {
      PetscCall(PetscMalloc1(3 * nv + 1, xyz));
      PetscCall(PetscMalloc1(3 * nt + 1, tri));
    }
  }
  for (PetscInt v = 0; v < surface->nvertices; v++)
    if (newid[v] >= 0)
      for (int d = 0; d < 3; d++)
        (*xyz)[3 * newid[v] + d] = surface->xyz[3 * v + d];
  PetscCall(PetscFree(newid));
  *nvertices  = nv;
  *ntriangles = nt;
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- wall thickness */

/* Outward unit normal per vertex: the area-weighted mean of its triangles' normals. */
static PetscErrorCode VertexNormals(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[], PetscReal n[])
{
  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(n, 3 * nv));
  for (PetscInt t = 0; t < nt; t++) {
    const PetscReal *a = xyz + 3 * tri[3 * t], *b = xyz + 3 * tri[3 * t + 1], *c = xyz + 3 * tri[3 * t + 2];
    PetscReal        u[3], w[3], f[3];
    for (int d = 0; d < 3; d++)
      u[d] = b[d] - a[d], w[d] = c[d] - a[d];
    f[0] = u[1] * w[2] - u[2] * w[1];
    f[1] = u[2] * w[0] - u[0] * w[2];
    f[2] = u[0] * w[1] - u[1] * w[0];
    for (int k = 0; k < 3; k++)
      for (int d = 0; d < 3; d++)
        n[3 * tri[3 * t + k] + d] += f[d];
  }
  for (PetscInt v = 0; v < nv; v++) {
    const PetscReal len = PetscSqrtReal(n[3 * v] * n[3 * v] + n[3 * v + 1] * n[3 * v + 1] + n[3 * v + 2] * n[3 * v + 2]);
    for (int d = 0; d < 3 && len > 0; d++)
      n[3 * v + d] /= len;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceComputeThickness(PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles, const PetscInt tri[],
                                             PetscReal cone_below, PetscReal thickness[])
{
  PetscReal *inward, lo[3] = {PETSC_MAX_REAL, PETSC_MAX_REAL, PETSC_MAX_REAL},
                     hi[3] = {PETSC_MIN_REAL, PETSC_MIN_REAL, PETSC_MIN_REAL};
  PetscReal edge           = 0, diagonal;

  PetscFunctionBeginUser;
  PetscCheck(nvertices > 0 && ntriangles > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeSurfaceComputeThickness: an empty part");
  PetscCall(PetscMalloc1(3 * nvertices, &inward));
  PetscCall(VertexNormals(nvertices, xyz, ntriangles, tri, inward));
  for (PetscInt i = 0; i < 3 * nvertices; i++)
    inward[i] = -inward[i];
  for (PetscInt v = 0; v < nvertices; v++)
    for (int d = 0; d < 3; d++)
      lo[d] = PetscMin(lo[d], xyz[3 * v + d]), hi[d] = PetscMax(hi[d], xyz[3 * v + d]);
  edge = TwinfeSurfaceMeanEdge_Private(xyz, ntriangles, tri);
  diagonal =
      PetscSqrtReal((hi[0] - lo[0]) * (hi[0] - lo[0]) + (hi[1] - lo[1]) * (hi[1] - lo[1]) + (hi[2] - lo[2]) * (hi[2] - lo[2]));
  /* the ray starts a thousandth of an edge inside, past the vertex's own triangles */
  PetscCall(TwinfeSurfaceCastRays_Private(nvertices, xyz, ntriangles, tri, inward, 1e-3 * edge, 2 * diagonal + edge, cone_below,
                                          thickness));
  PetscCall(PetscFree(inward));
  PetscFunctionReturn(0);
}

/* Vertices below the minimum joined through the triangles' edges into spots; per spot its
   thinnest value, where that is, its vertices and a third of its vertices' triangle area. */
PetscErrorCode TwinfeSurfaceFindThinSpots(PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles, const PetscInt tri[],
                                          const PetscReal thickness[], PetscReal minimum, PetscInt *nspots,
                                          TwinfeThinSpot **spots)
{
  PetscInt  *parent, *spot_of, n = 0;
  PetscReal *area;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(nvertices, &parent, nvertices, &spot_of, nvertices, &area));
  for (PetscInt v = 0; v < nvertices; v++)
    parent[v] = v, spot_of[v] = -1, area[v] = 0;
#define THIN(v) (thickness[v] >= 0 && thickness[v] < minimum)
  for (PetscInt t = 0; t < ntriangles; t++) {
    const PetscInt *t3 = tri + 3 * t;
    PetscReal       a, v6;
    const PetscReal origin[3] = {0, 0, 0};
    TriangleGeometry(xyz, t3, origin, &a, &v6);
    for (int k = 0; k < 3; k++) {
      area[t3[k]] += a / 3;
      if (THIN(t3[k]) && THIN(t3[(k + 1) % 3])) Join(parent, t3[k], t3[(k + 1) % 3]);
    }
  }
  for (PetscInt v = 0; v < nvertices; v++)
    if (THIN(v) && Find(parent, v) == v) spot_of[v] = n++;
  PetscCall(PetscCalloc1(n + 1, spots));
  for (PetscInt s = 0; s < n; s++)
    (*spots)[s].min_mm = PETSC_MAX_REAL;
  for (PetscInt v = 0; v < nvertices; v++) {
    TwinfeThinSpot *s;
    if (!THIN(v)) continue;
    s = &(*spots)[spot_of[Find(parent, v)]];
    s->vertices++;
    s->area_mm2 += area[v];
    if (thickness[v] < s->min_mm) {
      s->min_mm = thickness[v];
      for (int d = 0; d < 3; d++)
        s->at[d] = xyz[3 * v + d];
    }
  }
#undef THIN
  *nspots = n;
  PetscCall(PetscFree3(parent, spot_of, area));
  PetscFunctionReturn(0);
}
