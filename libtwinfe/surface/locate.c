/* TwinfeSurfaceLocator: the closest point of a surface's patch (the triangles of one facet tag)
 * to a point, on every rank. What the partition stage snaps a refined mesh's boundary onto:
 * the surface lives on rank 0, the refined vertices on every rank, so the locator copies the
 * triangles to all ranks (a CT case's smoothed surface is about 100k triangles, a few MB).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "surface_impl.h"

#include <stdlib.h>
#include <twinfe/core.h>

/* Search boxes start at this many grid cells and double until the closest item found lies
   within the box (then nothing outside can be closer). The points asked about lie near the
   surface (a fraction of an edge), so a small first box is usually the last. */
#define FIRST_REACH_CELLS 0.25

struct _p_TwinfeSurfaceLocator {
  PetscInt       nvertices, ntriangles, ntags;
  PetscReal     *xyz;
  PetscInt      *tri;
  int32_t       *triangle_tag; /* per triangle */
  int32_t       *tags;         /* the distinct tags, ascending */
  TwinfeBoxGrid *grids;        /* one per distinct tag, over its triangles */
  PetscReal      reach_limit;  /* a box this wide covers every grid */
};

static int CompareInt32(const void *a, const void *b)
{
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* Rank 0's triangles, vertices and per-triangle tags on every rank. */
static PetscErrorCode BroadcastTriangles(MPI_Comm comm, TwinfeSurface surface, TwinfeSurfaceLocator l)
{
  PetscMPIInt rank;
  PetscInt    counts[2] = {0, 0};

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) counts[0] = surface->nvertices, counts[1] = surface->ntriangles;
  PetscCallMPI(MPI_Bcast(counts, 2, MPIU_INT, 0, comm));
  l->nvertices = counts[0], l->ntriangles = counts[1];
  PetscCall(PetscMalloc3(3 * l->nvertices, &l->xyz, 3 * l->ntriangles, &l->tri, l->ntriangles, &l->triangle_tag));
  if (rank == 0) {
    PetscCall(PetscArraycpy(l->xyz, surface->xyz, 3 * l->nvertices));
    PetscCall(PetscArraycpy(l->tri, surface->tri, 3 * l->ntriangles));
    for (PetscInt t = 0; t < l->ntriangles; ++t)
      l->triangle_tag[t] =
          surface->tag ? surface->tag[t] : (int32_t)TwinfeFacetTag(surface->labels[2 * t], surface->labels[2 * t + 1]);
  }
  PetscCallMPI(MPI_Bcast(l->xyz, (PetscMPIInt)(3 * l->nvertices), MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(l->tri, (PetscMPIInt)(3 * l->ntriangles), MPIU_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(l->triangle_tag, (PetscMPIInt)l->ntriangles, MPI_INT32_T, 0, comm));
  PetscFunctionReturn(0);
}

static PetscErrorCode ListTags(TwinfeSurfaceLocator l)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(l->ntriangles + 1, &l->tags));
  PetscCall(PetscArraycpy(l->tags, l->triangle_tag, l->ntriangles));
  qsort(l->tags, (size_t)l->ntriangles, sizeof *l->tags, CompareInt32);
  l->ntags = 0;
  for (PetscInt t = 0; t < l->ntriangles; ++t)
    if (l->ntags == 0 || l->tags[l->ntags - 1] != l->tags[t]) l->tags[l->ntags++] = l->tags[t];
  PetscFunctionReturn(0);
}

static PetscErrorCode BuildGrids(TwinfeSurfaceLocator l)
{
  PetscBool *keep;
  PetscReal  cell = 2 * TwinfeSurfaceMeanEdge_Private(l->xyz, l->ntriangles, l->tri), lo[3], hi[3];

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(l->ntags, &l->grids));
  PetscCall(PetscMalloc1(l->ntriangles + 1, &keep));
  for (PetscInt k = 0; k < l->ntags; ++k) {
    for (PetscInt t = 0; t < l->ntriangles; ++t)
      keep[t] = l->triangle_tag[t] == l->tags[k];
    PetscCall(TwinfeBoxGridCreate_Private(l->xyz, l->ntriangles, 3, l->tri, keep, cell, &l->grids[k]));
  }
  PetscCall(PetscFree(keep));
  l->reach_limit = 0;
  if (l->nvertices) {
    TwinfeItemBox_Private(l->xyz, 1, (PetscInt[]){0}, lo, hi);
    for (PetscInt v = 0; v < l->nvertices; ++v)
      for (int d = 0; d < 3; ++d)
        lo[d] = PetscMin(lo[d], l->xyz[3 * v + d]), hi[d] = PetscMax(hi[d], l->xyz[3 * v + d]);
    for (int d = 0; d < 3; ++d)
      l->reach_limit += (hi[d] - lo[d]) * (hi[d] - lo[d]);
    l->reach_limit = PetscSqrtReal(l->reach_limit);
  }
  PetscFunctionReturn(0);
}

/*@C
  TwinfeSurfaceLocatorCreate - Closest-point queries on a surface's patches, on every rank.

  Collective on comm

  Input: comm; surface, read on rank 0 only (other ranks may pass NULL). A triangle's patch is
  its facet tag: TwinfeFacetTag of its two labels, or its cap's tag (TwinfeSurfaceGetTriangleTags).
  Output: locator, the same on every rank.
@*/
PetscErrorCode TwinfeSurfaceLocatorCreate(MPI_Comm comm, TwinfeSurface surface, TwinfeSurfaceLocator *locator)
{
  TwinfeSurfaceLocator l;
  PetscMPIInt          rank;

  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(locator);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCheck(rank != 0 || surface, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeSurfaceLocatorCreate: rank 0 needs the surface");
  PetscCall(PetscNew(&l));
  PetscCall(BroadcastTriangles(comm, surface, l));
  PetscCall(ListTags(l));
  PetscCall(BuildGrids(l));
  *locator = l;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceLocatorDestroy(TwinfeSurfaceLocator *locator)
{
  TwinfeSurfaceLocator l;

  PetscFunctionBeginUser;
  if (!locator || !*locator) PetscFunctionReturn(0);
  l = *locator;
  for (PetscInt k = 0; k < l->ntags; ++k)
    PetscCall(TwinfeBoxGridDestroy_Private(&l->grids[k]));
  PetscCall(PetscFree(l->grids));
  PetscCall(PetscFree(l->tags));
  PetscCall(PetscFree3(l->xyz, l->tri, l->triangle_tag));
  PetscCall(PetscFree(l));
  *locator = NULL;
  PetscFunctionReturn(0);
}

/* The closest of the triangles listed in the grid cells of the box x +- r (squared distance in
 *best, the point in y); *best unchanged when none is nearer. */
static void ScanBox(TwinfeSurfaceLocator l, const TwinfeBoxGrid *g, int32_t tag, const PetscReal x[3], PetscReal r,
                    PetscReal *best, PetscReal y[3])
{
  PetscReal lo[3], hi[3];
  PetscInt  c0[3], c1[3];

  for (int d = 0; d < 3; ++d)
    lo[d] = x[d] - r, hi[d] = x[d] + r;
  TwinfeBoxGridRange_Private(g, lo, hi, c0, c1);
  for (PetscInt k = c0[2]; k <= c1[2]; ++k)
    for (PetscInt j = c0[1]; j <= c1[1]; ++j)
      for (PetscInt i = c0[0]; i <= c1[0]; ++i) {
        PetscInt cell = i + g->n[0] * (j + g->n[1] * k);
        for (PetscInt s = g->start[cell]; s < g->start[cell + 1]; ++s) {
          const PetscInt *T = l->tri + 3 * g->item[s];
          PetscReal       q[3], d2;
          if (l->triangle_tag[g->item[s]] != tag) continue;
          d2 = TwinfeClosestPointTriangle_Private(x, l->xyz + 3 * T[0], l->xyz + 3 * T[1], l->xyz + 3 * T[2], q);
          if (d2 < *best) {
            *best = d2;
            for (int d = 0; d < 3; ++d)
              y[d] = q[d];
          }
        }
      }
}

/*@C
  TwinfeSurfaceLocatorClosest - The closest point to x on the triangles tagged tag.

  Not collective

  Output: y (may be x) and distance (mm; may be NULL); found is PETSC_FALSE, y and distance
  untouched, when the surface has no triangle of that tag.
@*/
PetscErrorCode TwinfeSurfaceLocatorClosest(TwinfeSurfaceLocator locator, PetscInt tag, const PetscReal x[3], PetscReal y[3],
                                           PetscReal *distance, PetscBool *found)
{
  int32_t              key = (int32_t)tag;
  const int32_t       *hit;
  const TwinfeBoxGrid *g;
  PetscReal            best = PETSC_MAX_REAL, q[3] = {0, 0, 0}, p[3] = {x[0], x[1], x[2]};

  PetscFunctionBeginUser;
  *found = PETSC_FALSE;
  hit    = (const int32_t *)bsearch(&key, locator->tags, (size_t)locator->ntags, sizeof key, CompareInt32);
  if (!hit) PetscFunctionReturn(0);
  g = &locator->grids[hit - locator->tags];
  /* every triangle within r of p crosses the box p +- r, so the closest one found is the
     closest of all once it lies within r */
  for (PetscReal r = FIRST_REACH_CELLS * g->cell;; r *= 2) {
    ScanBox(locator, g, key, p, r, &best, q);
    if (best <= r * r || r > 2 * locator->reach_limit + 2 * g->cell) break;
  }
  if (best == PETSC_MAX_REAL) PetscFunctionReturn(0);
  for (int d = 0; d < 3; ++d)
    y[d] = q[d];
  if (distance) *distance = PetscSqrtReal(best);
  *found = PETSC_TRUE;
  PetscFunctionReturn(0);
}
