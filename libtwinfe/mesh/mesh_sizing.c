/* A graded interior: the tet size grows with the depth below the surface (-mesh_grading).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * size(x) = min(size_max, h(x) + grading * depth(x)), where depth is the distance from x to the
 * surface and h the surface's own edge length at the nearest surface point; so tets at the
 * surface match its triangles, thin parts (small depth everywhere) keep the surface size, and
 * the inside of a large organ coarsens. Depth and h live on a grid of cells twice the smallest
 * surface edge: the cells holding a surface vertex are seeded with its distance and edge
 * length, a two-pass 26-neighbour chamfer sweep carries both to every cell (an approximation
 * of the Euclidean distance within about 8% plus a cell, plenty for a size), and a query
 * interpolates trilinearly. Gmsh asks through its size callback (HXT: for every point it
 * inserts), with Mesh.MeshSizeExtendFromBoundary off so that the callback alone decides. */
#include "meshimpl.h"

#include <float.h>

/* cells per smallest surface edge... inverted: a cell is this many smallest edges wide */
#define SIZING_CELL_EDGES 2.0
/* no grid larger than this many cells per axis (memory: 2 floats per cell) */
#define SIZING_MAX_CELLS_PER_AXIS 512

static PetscReal EdgeLength(const PetscReal *a, const PetscReal *b)
{
  return PetscSqrtReal((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
}

/* The mean length of the edges at each vertex, and the smallest of these means. */
static PetscErrorCode VertexEdgeLengths(PetscInt nv, PetscInt nt, const PetscReal xyz[], const PetscInt tri[], PetscReal h[],
                                        PetscReal *hmin)
{
  PetscInt *count;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(nv + 1, &count));
  for (PetscInt v = 0; v < nv; v++)
    h[v] = 0;
  for (PetscInt t = 0; t < nt; t++)
    for (int e = 0; e < 3; e++) {
      const PetscInt  a = tri[3 * t + e], b = tri[3 * t + (e + 1) % 3];
      const PetscReal l = EdgeLength(&xyz[3 * a], &xyz[3 * b]);
      h[a] += l, h[b] += l, count[a]++, count[b]++;
    }
  *hmin = PETSC_MAX_REAL;
  for (PetscInt v = 0; v < nv; v++)
    if (count[v]) {
      h[v] /= count[v];
      *hmin = PetscMin(*hmin, h[v]);
    }
  PetscCall(PetscFree(count));
  PetscFunctionReturn(0);
}

static inline size_t CellIndex(const TwinfeSizeField *f, PetscInt i, PetscInt j, PetscInt k)
{
  return (size_t)i + (size_t)f->n[0] * ((size_t)j + (size_t)f->n[1] * (size_t)k);
}

/* Each cell holding a surface vertex: the distance from its centre to the nearest such vertex,
   and that vertex's edge length. */
static void Seed(TwinfeSizeField *f, PetscInt nv, const PetscReal xyz[], const PetscReal h[])
{
  for (PetscInt v = 0; v < nv; v++) {
    PetscInt  c[3];
    PetscReal centre[3], d;
    size_t    at;
    if (h[v] <= 0) continue; /* a vertex no triangle uses */
    for (int a = 0; a < 3; a++) {
      c[a]      = (PetscInt)((xyz[3 * v + a] - f->lo[a]) / f->cell);
      c[a]      = PetscMax(0, PetscMin(f->n[a] - 1, c[a]));
      centre[a] = f->lo[a] + (c[a] + 0.5) * f->cell;
    }
    at = CellIndex(f, c[0], c[1], c[2]);
    d  = EdgeLength(centre, &xyz[3 * v]);
    if (d < f->depth[at]) f->depth[at] = (float)d, f->hsurf[at] = (float)h[v];
  }
}

/* One chamfer pass over the grid, forward (dir 1) or backward (-1): each cell takes the least
   of its already swept neighbours' depth plus the step to them, and their surface size. */
static void Sweep(TwinfeSizeField *f, int dir)
{
  const PetscInt n0 = f->n[0], n1 = f->n[1], n2 = f->n[2];
  for (PetscInt kk = 0; kk < n2; kk++)
    for (PetscInt jj = 0; jj < n1; jj++)
      for (PetscInt ii = 0; ii < n0; ii++) {
        const PetscInt i = dir > 0 ? ii : n0 - 1 - ii, j = dir > 0 ? jj : n1 - 1 - jj, k = dir > 0 ? kk : n2 - 1 - kk;
        const size_t   at   = CellIndex(f, i, j, k);
        float          best = f->depth[at], hs = f->hsurf[at];
        /* the 13 neighbours that come before this cell in the sweep's order */
        for (int dk = -1; dk <= 0; dk++)
          for (int dj = -1; dj <= 1; dj++)
            for (int di = -1; di <= 1; di++) {
              PetscInt  ni, nj, nk;
              size_t    nb;
              PetscReal step;
              if (dk == 0 && (dj > 0 || (dj == 0 && di >= 0))) continue;
              ni = i + dir * di, nj = j + dir * dj, nk = k + dir * dk;
              if (ni < 0 || nj < 0 || nk < 0 || ni >= n0 || nj >= n1 || nk >= n2) continue;
              nb = CellIndex(f, ni, nj, nk);
              if (f->depth[nb] >= FLT_MAX) continue;
              step = f->cell * PetscSqrtReal((PetscReal)(di * di + dj * dj + dk * dk));
              if (f->depth[nb] + step < best) best = (float)(f->depth[nb] + step), hs = f->hsurf[nb];
            }
        f->depth[at] = best, f->hsurf[at] = hs;
      }
}

PetscErrorCode TwinfeSizeFieldCreate_Private(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[],
                                             PetscReal grading, PetscReal size_max, TwinfeSizeField *f)
{
  PetscReal *h, hmin = 1, hi[3];
  size_t     ncells;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(f, sizeof(*f)));
  f->grading = grading, f->size_max = size_max;
  PetscCall(PetscMalloc1(nv + 1, &h));
  PetscCall(VertexEdgeLengths(nv, nt, xyz, tri, h, &hmin));
  for (int a = 0; a < 3; a++)
    f->lo[a] = PETSC_MAX_REAL, hi[a] = -PETSC_MAX_REAL;
  for (PetscInt v = 0; v < nv; v++)
    for (int a = 0; a < 3; a++)
      f->lo[a] = PetscMin(f->lo[a], xyz[3 * v + a]), hi[a] = PetscMax(hi[a], xyz[3 * v + a]);
  f->cell = SIZING_CELL_EDGES * hmin;
  for (int a = 0; a < 3; a++)
    f->cell = PetscMax(f->cell, (hi[a] - f->lo[a]) / (SIZING_MAX_CELLS_PER_AXIS - 2));
  ncells = 1;
  for (int a = 0; a < 3; a++) {
    f->lo[a] -= f->cell; /* a cell of margin around the surface */
    f->n[a] = (PetscInt)((hi[a] - f->lo[a]) / f->cell) + 2;
    ncells *= (size_t)f->n[a];
  }
  PetscCall(PetscMalloc2(ncells, &f->depth, ncells, &f->hsurf));
  for (size_t c = 0; c < ncells; c++)
    f->depth[c] = FLT_MAX, f->hsurf[c] = 0;
  Seed(f, nv, xyz, h);
  Sweep(f, 1);
  Sweep(f, -1);
  PetscCall(PetscFree(h));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSizeFieldDestroy_Private(TwinfeSizeField *f)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree2(f->depth, f->hsurf));
  PetscFunctionReturn(0);
}

/* Trilinear interpolation of depth and surface size at x (clamped to the grid). */
double TwinfeSizeFieldEvaluate_Private(const TwinfeSizeField *f, const double x[3])
{
  PetscInt  c[3];
  PetscReal w[3], depth = 0, hs = 0;
  for (int a = 0; a < 3; a++) {
    PetscReal u = (x[a] - f->lo[a]) / f->cell - 0.5;
    u           = PetscMax(0, PetscMin((PetscReal)f->n[a] - 1.000001, u));
    c[a]        = PetscMin((PetscInt)u, f->n[a] - 2 >= 0 ? f->n[a] - 2 : 0);
    w[a]        = f->n[a] > 1 ? u - c[a] : 0;
  }
  for (int corner = 0; corner < 8; corner++) {
    const int di = corner & 1, dj = (corner >> 1) & 1, dk = (corner >> 2) & 1;
    PetscReal weight = (di ? w[0] : 1 - w[0]) * (dj ? w[1] : 1 - w[1]) * (dk ? w[2] : 1 - w[2]);
    size_t    at;
    if (weight == 0) continue;
    at = CellIndex(f, PetscMin(c[0] + di, f->n[0] - 1), PetscMin(c[1] + dj, f->n[1] - 1), PetscMin(c[2] + dk, f->n[2] - 1));
    depth += weight * f->depth[at];
    hs += weight * f->hsurf[at];
  }
  return (double)PetscMin(f->size_max, hs + f->grading * depth);
}
