/* A uniform grid over items given by their vertices (segments, triangles, tetrahedra), each
 * listed in every cell its bounding box overlaps: the surface stage's closest-point and overlap
 * queries, and fem's point location in another mesh's cells.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "core_impl.h"

/* A grid of at most this many cells: a larger cell is taken rather than exhaust memory on a
   huge bounding box with tiny triangles. */
#define TWINFE_GRID_MAX_CELLS 8000000
/* and at most this many per item: a surface fills few cells of its box, and every cell is
   zeroed, summed and (for a query) visited. 64 made the sheet separation's grid of a remesh
   half (63k triangles, cells of 0.7 mm) 1.7M cells, a third of the set-up; with 16 the set-up
   took 0.15 s of CPU against 0.24-0.31 s (bench_remesh), the surface the same; 8 was no faster. */
#define TWINFE_GRID_CELLS_PER_ITEM 16

void TwinfeItemBox_Private(const PetscReal xyz[], int nv, const PetscInt *idx, PetscReal lo[3], PetscReal hi[3])
{
  for (int d = 0; d < 3; d++)
    lo[d] = hi[d] = xyz[3 * idx[0] + d];
  for (int m = 1; m < nv; m++)
    for (int d = 0; d < 3; d++) {
      lo[d] = PetscMin(lo[d], xyz[3 * idx[m] + d]);
      hi[d] = PetscMax(hi[d], xyz[3 * idx[m] + d]);
    }
}

void TwinfeBoxGridRange_Private(const TwinfeBoxGrid *g, const PetscReal lo[3], const PetscReal hi[3], PetscInt c0[3],
                                PetscInt c1[3])
{
  for (int d = 0; d < 3; d++) {
    PetscReal a = (lo[d] - g->lo[d]) / g->cell, b = (hi[d] - g->lo[d]) / g->cell;
    c0[d] = (PetscInt)PetscMax(0, PetscMin(g->n[d] - 1, PetscFloorReal(a)));
    c1[d] = (PetscInt)PetscMax(0, PetscMin(g->n[d] - 1, PetscFloorReal(b)));
  }
}

/* One pass counts (fill == PETSC_FALSE) or fills the CSR. */
static void GridVisit(TwinfeBoxGrid *g, const PetscReal xyz[], PetscInt nitems, int nv, const PetscInt idx[],
                      const PetscBool keep[], PetscBool fill)
{
  for (PetscInt i = 0; i < nitems; i++) {
    PetscReal lo[3], hi[3];
    PetscInt  c0[3], c1[3];
    if (keep && !keep[i]) continue;
    TwinfeItemBox_Private(xyz, nv, idx + nv * i, lo, hi);
    TwinfeBoxGridRange_Private(g, lo, hi, c0, c1);
    for (PetscInt k = c0[2]; k <= c1[2]; k++)
      for (PetscInt j = c0[1]; j <= c1[1]; j++)
        for (PetscInt l = c0[0]; l <= c1[0]; l++) {
          PetscInt c = l + g->n[0] * (j + g->n[1] * k);
          if (fill)
            g->item[g->start[c + 1]++] = i;
          else
            g->start[c + 2]++;
        }
  }
}

PetscErrorCode TwinfeBoxGridCreate_Private(const PetscReal xyz[], PetscInt nitems, int nv, const PetscInt idx[],
                                           const PetscBool keep[], PetscReal cell, TwinfeBoxGrid *g)
{
  PetscReal lo[3] = {PETSC_MAX_REAL, PETSC_MAX_REAL, PETSC_MAX_REAL}, hi[3] = {-PETSC_MAX_REAL, -PETSC_MAX_REAL, -PETSC_MAX_REAL};
  PetscInt  ncells, kept                                                    = 0;
  PetscReal most;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < nitems; i++) {
    PetscReal a[3], b[3];
    if (keep && !keep[i]) continue;
    kept++;
    TwinfeItemBox_Private(xyz, nv, idx + nv * i, a, b);
    for (int d = 0; d < 3; d++)
      lo[d] = PetscMin(lo[d], a[d]), hi[d] = PetscMax(hi[d], b[d]);
  }
  if (lo[0] > hi[0])
    for (int d = 0; d < 3; d++)
      lo[d] = hi[d] = 0;
  /* a few items (the feature lines of a surface) in a large box would leave nearly every cell
     empty: millions of cells are megabytes of fresh memory to zero and a prefix sum to run */
  most = PetscMin((PetscReal)TWINFE_GRID_MAX_CELLS, PetscMax(TWINFE_GRID_CELLS_PER_ITEM * (PetscReal)kept, 4096.0));
  for (;;) {
    PetscReal total = 1;
    for (int d = 0; d < 3; d++)
      total *= PetscFloorReal((hi[d] - lo[d]) / cell) + 1;
    if (total <= most) break;
    cell *= 1.5;
  }
  g->cell = cell;
  for (int d = 0; d < 3; d++)
    g->lo[d] = lo[d], g->n[d] = (PetscInt)PetscFloorReal((hi[d] - lo[d]) / cell) + 1;
  ncells = g->n[0] * g->n[1] * g->n[2];
  PetscCall(PetscCalloc1(ncells + 2, &g->start));
  GridVisit(g, xyz, nitems, nv, idx, keep, PETSC_FALSE);
  for (PetscInt c = 0; c < ncells; c++)
    g->start[c + 2] += g->start[c + 1];
  PetscCall(PetscMalloc1(g->start[ncells + 1] + 1, &g->item));
  GridVisit(g, xyz, nitems, nv, idx, keep, PETSC_TRUE);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeBoxGridDestroy_Private(TwinfeBoxGrid *g)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(g->start));
  PetscCall(PetscFree(g->item));
  PetscFunctionReturn(0);
}
