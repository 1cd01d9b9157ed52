/* TwinfeImageSelectLabels: make each requested label one solid a mesher can fill.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "image_impl.h"

/* Flat 6-connected flood fills over the grid: a queue of voxel indices, no recursion, so
   256^3 grids neither overflow the stack nor allocate per voxel. */
typedef struct {
  PetscInt  dims[3];
  PetscInt  n;
  PetscInt *queue;
} TwinfeFlood;

/* Visit the 6 face neighbours of voxel v that lie inside the grid. */
static inline int TwinfeNeighbours_Private(const PetscInt dims[3], PetscInt v, PetscInt nb[6])
{
  const PetscInt i = v % dims[0], j = (v / dims[0]) % dims[1], k = v / (dims[0] * dims[1]);
  const PetscInt sj = dims[0], sk = dims[0] * dims[1];
  int            m = 0;
  if (i > 0) nb[m++] = v - 1;
  if (i < dims[0] - 1) nb[m++] = v + 1;
  if (j > 0) nb[m++] = v - sj;
  if (j < dims[1] - 1) nb[m++] = v + sj;
  if (k > 0) nb[m++] = v - sk;
  if (k < dims[2] - 1) nb[m++] = v + sk;
  return m;
}

static inline PetscBool TwinfeOnBorder_Private(const PetscInt dims[3], PetscInt v)
{
  const PetscInt i = v % dims[0], j = (v / dims[0]) % dims[1], k = v / (dims[0] * dims[1]);
  return (PetscBool)(i == 0 || j == 0 || k == 0 || i == dims[0] - 1 || j == dims[1] - 1 || k == dims[2] - 1);
}

/* Give every voxel of the same label a component id (6-connected), ids from 0; background
   voxels get -1. Returns the number of components and each one's size and label. */
static PetscErrorCode TwinfeLabelComponents_Private(TwinfeFlood *f, const int32_t labels[], PetscInt comp[], PetscInt *ncomp,
                                                    PetscInt **size, int32_t **label)
{
  PetscInt nc = 0, cap = 64, *sz;
  int32_t *lb;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(cap, &sz, cap, &lb));
  for (PetscInt v = 0; v < f->n; v++)
    comp[v] = -1;
  for (PetscInt seed = 0; seed < f->n; seed++) {
    PetscInt head = 0, tail = 0;
    if (labels[seed] == 0 || comp[seed] >= 0) continue;
    if (nc == cap) {
      PetscInt *sz2;
      int32_t  *lb2;
      PetscCall(PetscMalloc2(2 * cap, &sz2, 2 * cap, &lb2));
      PetscCall(PetscArraycpy(sz2, sz, cap));
      PetscCall(PetscArraycpy(lb2, lb, cap));
      PetscCall(PetscFree2(sz, lb));
      sz = sz2, lb = lb2, cap *= 2;
    }
    comp[seed]       = nc;
    f->queue[tail++] = seed;
    while (head < tail) {
      PetscInt v = f->queue[head++], nb[6];
      int      m = TwinfeNeighbours_Private(f->dims, v, nb);
      for (int e = 0; e < m; e++)
        if (comp[nb[e]] < 0 && labels[nb[e]] == labels[seed]) {
          comp[nb[e]]      = nc;
          f->queue[tail++] = nb[e];
        }
    }
    sz[nc] = tail;
    lb[nc] = labels[seed];
    nc++;
  }
  *ncomp = nc, *size = sz, *label = lb;
  PetscFunctionReturn(0);
}

/* Zero every component of a label except its largest. Only requested labels are left at
   this point, so the winner is tracked per requested label. */
static PetscErrorCode TwinfeKeepLargestComponents_Private(TwinfeFlood *f, PetscInt nlabels, const int32_t requested[],
                                                          int32_t labels[], PetscInt *removed)
{
  PetscInt *comp, nc, *size, *best;
  int32_t  *label;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(f->n, &comp));
  PetscCall(TwinfeLabelComponents_Private(f, labels, comp, &nc, &size, &label));
  PetscCall(PetscMalloc1(nlabels, &best));
  for (PetscInt l = 0; l < nlabels; l++)
    best[l] = -1;
  for (PetscInt c = 0; c < nc; c++)
    for (PetscInt l = 0; l < nlabels; l++)
      if (requested[l] == label[c] && (best[l] < 0 || size[c] > size[best[l]])) best[l] = c;
  for (PetscInt v = 0; v < f->n; v++) {
    PetscBool winner = PETSC_FALSE;
    if (comp[v] < 0) continue;
    for (PetscInt l = 0; l < nlabels && !winner; l++)
      winner = (PetscBool)(best[l] == comp[v]);
    if (!winner) {
      labels[v] = 0;
      (*removed)++;
    }
  }
  PetscCall(PetscFree(best));
  PetscCall(PetscFree2(size, label));
  PetscCall(PetscFree(comp));
  PetscFunctionReturn(0);
}

/* Background not 6-connected to the grid border is a cavity: mark the border-reachable
   background, then fill each remaining pocket with the label most of its faces touch. */
static PetscErrorCode TwinfeFillCavities_Private(TwinfeFlood *f, int32_t labels[], PetscInt *filled)
{
  PetscBool *seen;
  PetscInt   head = 0, tail = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(f->n, &seen));
  for (PetscInt v = 0; v < f->n; v++)
    if (labels[v] == 0 && TwinfeOnBorder_Private(f->dims, v)) {
      seen[v]          = PETSC_TRUE;
      f->queue[tail++] = v;
    }
  while (head < tail) {
    PetscInt v = f->queue[head++], nb[6];
    int      m = TwinfeNeighbours_Private(f->dims, v, nb);
    for (int e = 0; e < m; e++)
      if (!seen[nb[e]] && labels[nb[e]] == 0) {
        seen[nb[e]]      = PETSC_TRUE;
        f->queue[tail++] = nb[e];
      }
  }
  for (PetscInt seed = 0; seed < f->n; seed++) {
    if (labels[seed] != 0 || seen[seed]) continue;
    /* collect the pocket, and vote among its non-background neighbours (at most 8 labels are
       kept in the tally; a pocket touching more is rare and the first ones win) */
    int32_t  cand[8];
    PetscInt votes[8], ncand = 0, best = 0;
    head = tail      = 0;
    seen[seed]       = PETSC_TRUE;
    f->queue[tail++] = seed;
    while (head < tail) {
      PetscInt v = f->queue[head++], nb[6];
      int      m = TwinfeNeighbours_Private(f->dims, v, nb);
      for (int e = 0; e < m; e++) {
        int32_t l = labels[nb[e]];
        if (l == 0 && !seen[nb[e]]) {
          seen[nb[e]]      = PETSC_TRUE;
          f->queue[tail++] = nb[e];
        } else if (l != 0) {
          PetscInt c = 0;
          while (c < ncand && cand[c] != l)
            c++;
          if (c == ncand && ncand < 8) cand[ncand] = l, votes[ncand++] = 0;
          if (c < ncand) votes[c]++;
        }
      }
    }
    for (PetscInt c = 1; c < ncand; c++)
      if (votes[c] > votes[best]) best = c;
    /* every pocket voxel is in queue[0..tail): a pocket is enclosed, so it has a neighbour */
    for (PetscInt q = 0; q < tail; q++)
      labels[f->queue[q]] = cand[best];
    *filled += tail;
  }
  PetscCall(PetscFree(seen));
  PetscFunctionReturn(0);
}

static PetscErrorCode TwinfeCheckRequestedLabels_Private(TwinfeImage image, PetscInt nlabels, const int32_t labels[])
{
  PetscFunctionBeginUser;
  PetscCheck(nlabels > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeImageSelectLabels: nlabels = %" PetscInt_FMT ", at least one label is needed", nlabels);
  for (PetscInt l = 0; l < nlabels; l++) {
    PetscInt count;
    PetscCheck(labels[l] > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "TwinfeImageSelectLabels: label %d is not a region label (labels are > 0; 0 is background)", (int)labels[l]);
    PetscCall(TwinfeImageCountLabel(image, labels[l], &count));
    PetscCheck(count > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "TwinfeImageSelectLabels: label %d has no voxel in %s; check the label number against the "
               "segmentation's label table",
               (int)labels[l], image->source[0] ? image->source : "the image (built in memory)");
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageSelectLabels(TwinfeImage image, PetscInt nlabels, const int32_t labels[], PetscInt *voxels_removed,
                                       PetscInt *voxels_filled)
{
  TwinfeFlood f;
  PetscInt    removed = 0, filled = 0, unselected = 0;

  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  TwinfeCheckPointer_Private(labels);
  PetscCall(TwinfeCheckRequestedLabels_Private(image, nlabels, labels));
  for (int d = 0; d < 3; d++)
    f.dims[d] = image->dims[d];
  f.n = (PetscInt)TwinfeImageVoxelCount_Private(image->dims);
  for (PetscInt v = 0; v < f.n; v++) {
    PetscBool keep = PETSC_FALSE;
    if (image->labels[v] == 0) continue;
    for (PetscInt l = 0; l < nlabels && !keep; l++)
      keep = (PetscBool)(image->labels[v] == labels[l]);
    if (!keep) {
      image->labels[v] = 0;
      unselected++;
    }
  }
  PetscCall(PetscMalloc1(f.n, &f.queue));
  PetscCall(TwinfeKeepLargestComponents_Private(&f, nlabels, labels, image->labels, &removed));
  PetscCall(TwinfeFillCavities_Private(&f, image->labels, &filled));
  PetscCall(PetscFree(f.queue));
  if (voxels_removed) *voxels_removed = removed;
  if (voxels_filled) *voxels_filled = filled;
  PetscCall(PetscInfo(NULL,
                      "%s: kept %" PetscInt_FMT " labels, %" PetscInt_FMT " voxels of other labels and %" PetscInt_FMT
                      " of stray components set to background, %" PetscInt_FMT " cavity voxels filled\n",
                      image->source[0] ? image->source : "image", nlabels, unselected, removed, filled));
  PetscFunctionReturn(0);
}
