/* Selecting the labels to model: every piece of anatomy kept, islands listed, cavities filled.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Connected pieces are found in one pass over runs: each row of the grid (i fastest) is cut
 * into maximal runs of one label, a run is joined (union-find) to the runs of the same label
 * it touches in the rows before it, and each root is a piece. A CT row of 512 voxels holds a
 * handful of runs, so this touches each voxel once and the union-find works on about 1% of
 * the voxels, where a flood fill queues every voxel. Labels are joined 26-connected (pieces as
 * a reader of the scan sees them) or 6-connected (the solids a mesher sees); background is
 * always joined 6-connected, so a background pocket that a label closes even only through its
 * edges and corners counts as enclosed (the 26/6 pairing keeps the two consistent). */
#include "grid_impl.h"
#include "core/core_impl.h"

#include <stdlib.h>

/* ---------- log events ---------- */

static PetscBool     events_registered = PETSC_FALSE;
static PetscLogEvent events[TWINFE_EV_N];

static PetscErrorCode TwinfeImageEventsFinalize_Private(void)
{
  PetscFunctionBeginUser;
  events_registered = PETSC_FALSE; /* PETSc may be initialised again in the same process */
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageGetEvent_Private(TwinfeImageEvent e, PetscLogEvent *event)
{
  PetscFunctionBeginUser;
  if (!events_registered) {
    static const char *names[TWINFE_EV_N] = {"ImgSelect",   "ImgScan",    "ImgComponents",
                                             "ImgCavities", "ImgPinches", "ImgCountPinches"};
    /* no class of their own: a class registered on rank 0 alone would shift -log_view's class
       numbers between the ranks (core/events.c) */
    for (int i = 0; i < TWINFE_EV_N; i++)
      PetscCall(PetscLogEventRegister(names[i], PETSC_OBJECT_CLASSID, &events[i]));
    PetscCall(PetscRegisterFinalize(TwinfeImageEventsFinalize_Private));
    events_registered = PETSC_TRUE;
  }
  *event = events[e];
  PetscFunctionReturn(0);
}

/* ---------- the box around the labels ---------- */

/* The box [lo, hi] grown by voxels first..last of row (j, k). */
static inline void GrowBox(PetscInt lo[3], PetscInt hi[3], PetscInt first, PetscInt last, PetscInt j, PetscInt k)
{
  lo[0] = PetscMin(lo[0], first), hi[0] = PetscMax(hi[0], last);
  lo[1] = PetscMin(lo[1], j), hi[1] = PetscMax(hi[1], j);
  lo[2] = PetscMin(lo[2], k), hi[2] = PetscMax(hi[2], k);
}

static int CompareInt32(const void *a, const void *b)
{
  const int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* Is label l one of those asked for? table[l] for l in [0, ntable), else a binary search of
   the sorted list; every non-zero label when none are given. */
typedef struct {
  PetscInt       nlabels, ntable;
  const int32_t *sorted;
  unsigned char *table;
} LabelSet;

static inline PetscBool InSet(const LabelSet *set, int32_t l)
{
  if (!set->nlabels) return (PetscBool)(l != 0);
  if (l >= 0 && l < set->ntable) return (PetscBool)set->table[l];
  return (PetscBool)(bsearch(&l, set->sorted, (size_t)set->nlabels, sizeof(int32_t), CompareInt32) != NULL);
}

PetscErrorCode TwinfeImageGetLabelBox(TwinfeImage image, PetscInt nlabels, const int32_t labels[], PetscInt lo[3], PetscInt hi[3],
                                      PetscBool *any)
{
  const PetscInt *n   = image ? image->dims : NULL;
  LabelSet        set = {nlabels, 1024, NULL, NULL};
  int32_t        *sorted;
  unsigned char  *row_used;

  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  TwinfeCheckPointer_Private(any);
  PetscCheck(nlabels >= 0 && (!nlabels || labels), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "TwinfeImageGetLabelBox: %" PetscInt_FMT " labels need a list (or 0 for every non-zero label)", nlabels);
  /* most rows of a CT are background: found on every thread first, then only the others read
     (0.03-0.04 s -> about 0.01 s per call on the CT-sized phantom) */
  PetscCall(PetscMalloc1(n[1] * n[2] + 1, &row_used));
  PetscCall(TwinfeNonzeroRows_Private(image->labels, n[0], n[1] * n[2], row_used));
  PetscCall(PetscMalloc1(nlabels + 1, &sorted));
  PetscCall(PetscCalloc1(set.ntable, &set.table));
  for (PetscInt l = 0; l < nlabels; l++) {
    sorted[l] = labels[l];
    if (labels[l] >= 0 && labels[l] < set.ntable) set.table[labels[l]] = 1;
  }
  qsort(sorted, (size_t)nlabels, sizeof(int32_t), CompareInt32);
  set.sorted = sorted;
  *any       = PETSC_FALSE;
  for (int d = 0; d < 3; d++)
    lo[d] = n[d], hi[d] = -1;
  for (PetscInt k = 0; k < n[2]; k++)
    for (PetscInt j = 0; j < n[1]; j++) {
      const int32_t *row   = image->labels + n[0] * (j + n[1] * k);
      PetscInt       first = -1, last = -1;
      if (!row_used[j + n[1] * k]) continue;
      for (PetscInt i = 0; i < n[0]; i++)
        if (row[i] && InSet(&set, row[i])) {
          if (first < 0) first = i;
          last = i;
        }
      if (first < 0) continue;
      GrowBox(lo, hi, first, last, j, k);
      *any = PETSC_TRUE;
    }
  PetscCall(PetscFree(set.table));
  PetscCall(PetscFree(sorted));
  PetscCall(PetscFree(row_used));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeGridLabelBox_Private(TwinfeImage image, PetscInt lo[3], PetscInt hi[3], PetscBool *any)
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeImageGetLabelBox(image, 0, NULL, lo, hi, any));
  PetscFunctionReturn(0);
}

/* Offset in the image of row (j, k) of the grid. */
static inline PetscInt64 ImageRowOffset(const PetscInt n[3], const TwinfeGrid *grid, PetscInt j, PetscInt k)
{
  return grid->lo[0] + (PetscInt64)n[0] * (grid->lo[1] + j + (PetscInt64)n[1] * (grid->lo[2] + k));
}

/* The grid is compacted inside the image's own array rather than copied out of it: on this
   kind of machine first touching fresh memory costs about 1 s per GB (page faults and zeroing),
   and the box of a CT's labels is 80 MB (TwinfeGridCreate_Private took 0.26 s, nearly all of
   it faults). Row r of the grid moves to r * dims[0], never past where row r + 1 still is, so
   rows move one after the other in place. */
PetscErrorCode TwinfeGridCreate_Private(TwinfeImage image, const PetscInt lo[3], const PetscInt hi[3], TwinfeGrid *grid)
{
  const PetscInt *n     = image->dims;
  PetscBool       whole = PETSC_TRUE;

  PetscFunctionBeginUser;
  for (int d = 0; d < 3; d++) {
    const PetscInt a = PetscMax(lo[d] - TWINFE_GRID_MARGIN, 0), b = PetscMin(hi[d] + TWINFE_GRID_MARGIN, n[d] - 1);
    grid->lo[d]   = a;
    grid->dims[d] = b - a + 1;
    whole         = (PetscBool)(whole && grid->dims[d] == n[d]);
  }
  grid->labels    = image->labels;
  grid->compacted = (PetscBool)!whole;
  if (whole) PetscFunctionReturn(0);
  for (PetscInt k = 0; k < grid->dims[2]; k++)
    for (PetscInt j = 0; j < grid->dims[1]; j++)
      PetscCall(PetscArraymove(grid->labels + (PetscInt64)grid->dims[0] * (j + (PetscInt64)grid->dims[1] * k),
                               image->labels + ImageRowOffset(n, grid, j, k), grid->dims[0]));
  PetscFunctionReturn(0);
}

/* Rows move back last first (each to where it came from, never onto a row not yet moved). Only
   the front of the array, which held the grid, needs background again between them: beyond it
   nothing was written, and outside the box the image was background. */
PetscErrorCode TwinfeGridRestore_Private(TwinfeImage image, TwinfeGrid *grid)
{
  const PetscInt  *n    = image->dims;
  const PetscInt   rows = grid->dims[1] * grid->dims[2];
  const PetscInt64 held = (PetscInt64)grid->dims[0] * rows; /* the front the grid took */
  PetscInt64       next = held;                             /* where the row after this one starts, capped at held */

  PetscFunctionBeginUser;
  if (!grid->compacted) PetscFunctionReturn(0);
  for (PetscInt r = rows - 1; r >= 0; r--) {
    const PetscInt   j = r % grid->dims[1], k = r / grid->dims[1];
    const PetscInt64 at = ImageRowOffset(n, grid, j, k), end = at + grid->dims[0];
    PetscCall(PetscArraymove(image->labels + at, grid->labels + (PetscInt64)grid->dims[0] * r, grid->dims[0]));
    if (end < next) PetscCall(PetscArrayzero(image->labels + end, next - end));
    next = PetscMin(next, at);
  }
  PetscCall(PetscArrayzero(image->labels, next));
  grid->labels    = NULL;
  grid->compacted = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* ---------- connected pieces over runs ---------- */

typedef struct {
  int32_t   label;
  PetscInt  size;
  PetscReal sum[3];    /* of the grid indices of its voxels, for the centroid */
  PetscBool on_border; /* touches the grid's border (for background: not enclosed) */
} Piece;

typedef struct {
  PetscInt  nrows, nruns, *row; /* runs of row r = j + dims[1]*k are row[r]..row[r+1]-1 */
  PetscInt *start, *end;        /* [start, end) in i */
  int32_t  *label;
  PetscInt *parent; /* union-find while joining, then each run's piece */
  PetscInt  npieces;
  Piece    *piece;
} Runs;

static PetscErrorCode RunsDestroy(Runs *r)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(r->row));
  PetscCall(PetscFree4(r->start, r->end, r->label, r->parent));
  PetscCall(PetscFree(r->piece));
  PetscFunctionReturn(0);
}

typedef struct {
  const PetscInt *dims;
  const int32_t  *labels;
  Runs           *r;
} RowRuns;

/* Runs of rows [begin, end), counted into r->row[q + 1]. */
static void CountRowRuns(PetscInt begin, PetscInt end, void *ctx)
{
  const RowRuns *c = (const RowRuns *)ctx;
  const PetscInt n = c->dims[0];
  for (PetscInt q = begin; q < end; q++) {
    const int32_t *row   = c->labels + n * q;
    PetscInt       count = 1;
    for (PetscInt i = 1; i < n; i++)
      count += row[i] != row[i - 1];
    c->r->row[q + 1] = count;
  }
}

/* The runs of rows [begin, end), each row from r->row[q] on. */
static void FillRowRuns(PetscInt begin, PetscInt end, void *ctx)
{
  const RowRuns *c = (const RowRuns *)ctx;
  Runs          *r = c->r;
  const PetscInt n = c->dims[0];
  for (PetscInt q = begin; q < end; q++) {
    const int32_t *row = c->labels + n * q;
    PetscInt       m   = r->row[q];
    for (PetscInt i = 0; i < n; i++) {
      if (i > 0 && row[i] == row[i - 1]) continue;
      if (m > r->row[q]) r->end[m - 1] = i;
      r->start[m] = i, r->label[m] = row[i], r->parent[m] = m;
      m++;
    }
    r->end[m - 1] = n;
  }
}

/* The runs of every row: rows are independent, so both sweeps run on TwinfeGetThreads threads
   (counted first, so the arrays are allocated once). It was nine tenths of the connected
   pieces' time, which the selection needs three or four times over the labels' box. */
static PetscErrorCode RunsBuild(const PetscInt dims[3], const int32_t labels[], Runs *r)
{
  RowRuns c = {dims, labels, r};

  PetscFunctionBeginUser;
  r->nrows = dims[1] * dims[2];
  PetscCall(PetscMalloc1(r->nrows + 1, &r->row));
  r->row[0] = 0;
  PetscCall(TwinfeParallelFor_Private(r->nrows, CountRowRuns, &c));
  for (PetscInt q = 0; q < r->nrows; q++)
    r->row[q + 1] += r->row[q];
  r->nruns = r->row[r->nrows];
  PetscCall(PetscMalloc4(r->nruns, &r->start, r->nruns, &r->end, r->nruns, &r->label, r->nruns, &r->parent));
  PetscCall(TwinfeParallelFor_Private(r->nrows, FillRowRuns, &c));
  r->piece = NULL;
  PetscFunctionReturn(0);
}

static inline PetscInt Find(PetscInt parent[], PetscInt x)
{
  while (parent[x] != x) {
    parent[x] = parent[parent[x]]; /* path halving */
    x         = parent[x];
  }
  return x;
}

static inline void Union(PetscInt parent[], PetscInt a, PetscInt b)
{
  a = Find(parent, a), b = Find(parent, b);
  if (a < b)
    parent[b] = a; /* the earliest run is the root: pieces come out in scan order */
  else if (b < a)
    parent[a] = b;
}

/* Join the runs of row p to those of an earlier row q of the same label that touch them:
   sharing a face (overlapping i ranges), or, when diagonal and labels are 26-connected, also
   an edge or a corner (ranges one voxel apart). face_row says q is a face neighbour of p (the
   row beside or below it), so that background, 6-connected, is joined there only. */
static void JoinRows(Runs *r, PetscInt p, PetscInt q, PetscBool face_row, PetscBool label26)
{
  PetscInt b = r->row[q];
  for (PetscInt a = r->row[p]; a < r->row[p + 1]; a++) {
    const PetscInt reach = label26 && r->label[a] ? 1 : 0; /* how far past its ends a run touches */
    if (!face_row && !(label26 && r->label[a])) continue;
    while (b < r->row[q + 1] && r->end[b] + reach <= r->start[a])
      b++;
    for (PetscInt c = b; c < r->row[q + 1] && r->start[c] < r->end[a] + reach; c++) {
      if (r->label[c] != r->label[a]) continue;
      if (!face_row && !r->label[c]) continue;
      if (face_row && !reach && (r->end[c] <= r->start[a] || r->start[c] >= r->end[a])) continue;
      Union(r->parent, a, c);
    }
  }
}

/* Every run's piece (r->parent), and the pieces' labels, sizes, sums and border flags. */
static PetscErrorCode RunsLabel(const PetscInt dims[3], Runs *r, PetscBool label26)
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < dims[2]; k++)
    for (PetscInt j = 0; j < dims[1]; j++) {
      const PetscInt p = j + dims[1] * k;
      if (j > 0) JoinRows(r, p, p - 1, PETSC_TRUE, label26);
      if (k > 0) JoinRows(r, p, p - dims[1], PETSC_TRUE, label26);
      if (label26 && k > 0 && j > 0) JoinRows(r, p, p - dims[1] - 1, PETSC_FALSE, label26);
      if (label26 && k > 0 && j < dims[1] - 1) JoinRows(r, p, p - dims[1] + 1, PETSC_FALSE, label26);
    }
  /* A run's parent always comes before it (the earlier root wins every union, and path
     halving keeps that), so in run order its parent already holds its piece id, stored as
     -(id + 1) to tell ids from run indices. */
  r->npieces = 0;
  for (PetscInt a = 0; a < r->nruns; a++)
    r->parent[a] = r->parent[a] == a ? -(++r->npieces) : r->parent[r->parent[a]];
  PetscCall(PetscCalloc1(r->npieces, &r->piece));
  for (PetscInt a = 0; a < r->nruns; a++) {
    r->parent[a]                 = -r->parent[a] - 1;
    r->piece[r->parent[a]].label = r->label[a];
    r->piece[r->parent[a]].size += r->end[a] - r->start[a];
  }
  for (PetscInt k = 0; k < dims[2]; k++)
    for (PetscInt j = 0; j < dims[1]; j++) {
      const PetscInt  p      = j + dims[1] * k;
      const PetscBool border = (PetscBool)(j == 0 || k == 0 || j == dims[1] - 1 || k == dims[2] - 1);
      for (PetscInt a = r->row[p]; a < r->row[p + 1]; a++) {
        Piece          *pc  = &r->piece[r->parent[a]];
        const PetscReal len = (PetscReal)(r->end[a] - r->start[a]);
        pc->sum[0] += 0.5 * len * (PetscReal)(r->start[a] + r->end[a] - 1);
        pc->sum[1] += len * (PetscReal)j;
        pc->sum[2] += len * (PetscReal)k;
        if (border || r->start[a] == 0 || r->end[a] == dims[0]) pc->on_border = PETSC_TRUE;
      }
    }
  PetscFunctionReturn(0);
}

static PetscErrorCode Components(const PetscInt dims[3], const int32_t labels[], PetscBool label26, Runs *r)
{
  PetscLogEvent event;

  PetscFunctionBeginUser;
  PetscCall(TwinfeImageGetEvent_Private(TWINFE_EV_COMPONENTS, &event));
  PetscCall(PetscLogEventBegin(event, 0, 0, 0, 0));
  PetscCall(RunsBuild(dims, labels, r));
  PetscCall(RunsLabel(dims, r, label26));
  PetscCall(PetscLogEventEnd(event, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Set the voxels of the pieces marked in drop[] to background. */
static void ClearPieces(const PetscInt dims[3], const Runs *r, const PetscBool drop[], int32_t labels[])
{
  for (PetscInt q = 0; q < r->nrows; q++)
    for (PetscInt a = r->row[q]; a < r->row[q + 1]; a++)
      if (drop[r->parent[a]])
        for (PetscInt i = r->start[a]; i < r->end[a]; i++)
          labels[i + dims[0] * q] = 0;
}

/* ---------- cavities ---------- */

#define TWINFE_CAVITY_CANDIDATES 8 /* labels tallied per pocket; a pocket touching more is rare and the first ones win */
typedef struct {
  int32_t  cand[TWINFE_CAVITY_CANDIDATES];
  PetscInt votes[TWINFE_CAVITY_CANDIDATES], ncand;
} Tally;

static void Vote(Tally *t, int32_t l)
{
  PetscInt c = 0;
  if (!l) return;
  while (c < t->ncand && t->cand[c] != l)
    c++;
  if (c == t->ncand && t->ncand < TWINFE_CAVITY_CANDIDATES) t->cand[t->ncand] = l, t->votes[t->ncand++] = 0;
  if (c < t->ncand) t->votes[c]++;
}

/* Background not 6-connected to the grid's border is a cavity: each goes to the label most of
   its faces touch. A cavity never touches the border, so its neighbours are all in the grid. */
static PetscErrorCode FillCavities(const PetscInt dims[3], int32_t labels[], PetscInt *filled)
{
  Runs          r;
  Tally        *tally;
  PetscLogEvent event;
  PetscInt      ncavities = 0;

  PetscFunctionBeginUser;
  PetscCall(Components(dims, labels, PETSC_FALSE, &r));
  PetscCall(TwinfeImageGetEvent_Private(TWINFE_EV_CAVITIES, &event));
  PetscCall(PetscLogEventBegin(event, 0, 0, 0, 0));
  for (PetscInt c = 0; c < r.npieces; c++)
    ncavities += !r.piece[c].label && !r.piece[c].on_border;
  if (ncavities) {
    const PetscInt sj = dims[0], sk = dims[0] * dims[1];
    PetscCall(PetscCalloc1(r.npieces, &tally));
    for (PetscInt q = 0; q < r.nrows; q++)
      for (PetscInt a = r.row[q]; a < r.row[q + 1]; a++) {
        const PetscInt c = r.parent[a];
        if (r.piece[c].label || r.piece[c].on_border) continue;
        for (PetscInt v = r.start[a] + sj * q; v < r.end[a] + sj * q; v++) {
          Vote(&tally[c], labels[v - 1]), Vote(&tally[c], labels[v + 1]);
          Vote(&tally[c], labels[v - sj]), Vote(&tally[c], labels[v + sj]);
          Vote(&tally[c], labels[v - sk]), Vote(&tally[c], labels[v + sk]);
        }
      }
    for (PetscInt q = 0; q < r.nrows; q++)
      for (PetscInt a = r.row[q]; a < r.row[q + 1]; a++) {
        const PetscInt c    = r.parent[a];
        PetscInt       best = 0;
        if (r.piece[c].label || r.piece[c].on_border) continue;
        for (PetscInt k = 1; k < tally[c].ncand; k++)
          if (tally[c].votes[k] > tally[c].votes[best]) best = k;
        for (PetscInt v = r.start[a] + sj * q; v < r.end[a] + sj * q; v++)
          labels[v] = tally[c].cand[best]; /* an enclosed pocket has a labelled neighbour */
        *filled += r.end[a] - r.start[a];
      }
    PetscCall(PetscFree(tally));
  }
  PetscCall(RunsDestroy(&r));
  PetscCall(PetscLogEventEnd(event, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* ---------- requested labels ---------- */

typedef struct {
  int32_t  label;
  PetscInt index;
} LabelIndex;

static int CompareLabelIndex(const void *a, const void *b)
{
  const int32_t x = ((const LabelIndex *)a)->label, y = ((const LabelIndex *)b)->label;
  return (x > y) - (x < y);
}

/* Index of a label among the requested ones (sorted[] by label), or -1. */
static PetscInt LookUp(const LabelIndex sorted[], PetscInt n, int32_t label)
{
  const LabelIndex  key   = {label, 0};
  const LabelIndex *found = (const LabelIndex *)bsearch(&key, sorted, (size_t)n, sizeof key, CompareLabelIndex);
  return found ? found->index : -1;
}

/* One sweep of the whole image: voxels of labels not requested become background, the
   requested ones are counted, and the box around them is found. */
static PetscErrorCode ScanImage(TwinfeImage image, PetscInt nlabels, const int32_t labels[], PetscInt count[],
                                PetscInt *unselected, PetscInt lo[3], PetscInt hi[3])
{
  const PetscInt *n = image->dims;
  LabelIndex     *sorted;
  unsigned char  *row_used;
  PetscLogEvent   event;

  PetscFunctionBeginUser;
  PetscCall(TwinfeImageGetEvent_Private(TWINFE_EV_SCAN, &event));
  PetscCall(PetscLogEventBegin(event, 0, 0, 0, 0));
  PetscCall(PetscMalloc1(nlabels, &sorted));
  for (PetscInt l = 0; l < nlabels; l++) {
    sorted[l].label = labels[l], sorted[l].index = l;
    count[l] = 0;
  }
  qsort(sorted, (size_t)nlabels, sizeof *sorted, CompareLabelIndex);
  *unselected = 0;
  for (int d = 0; d < 3; d++)
    lo[d] = n[d], hi[d] = -1;
  PetscCall(PetscMalloc1(n[1] * n[2] + 1, &row_used)); /* most rows of a CT are background */
  PetscCall(TwinfeNonzeroRows_Private(image->labels, n[0], n[1] * n[2], row_used));
  for (PetscInt k = 0; k < n[2]; k++)
    for (PetscInt j = 0; j < n[1]; j++) {
      int32_t *row   = image->labels + n[0] * (j + n[1] * k);
      PetscInt first = -1, last = -1, index = -1;
      int32_t  previous = 0;
      if (!row_used[j + n[1] * k]) continue;
      for (PetscInt i = 0; i < n[0]; i++) {
        if (!row[i]) continue;
        if (row[i] != previous) index = LookUp(sorted, nlabels, previous = row[i]); /* labels come in runs */
        if (index < 0) {
          row[i]   = 0;
          previous = 0;
          (*unselected)++;
          continue;
        }
        count[index]++;
        if (first < 0) first = i;
        last = i;
      }
      if (first < 0) continue;
      GrowBox(lo, hi, first, last, j, k);
    }
  PetscCall(PetscFree(row_used));
  PetscCall(PetscFree(sorted));
  PetscCall(PetscLogEventEnd(event, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckRequestedLabels(PetscInt nlabels, const int32_t labels[])
{
  PetscFunctionBeginUser;
  PetscCheck(nlabels > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "Label selection: %" PetscInt_FMT " labels requested, at least one label is needed", nlabels);
  for (PetscInt l = 0; l < nlabels; l++) {
    PetscCheck(labels[l] > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "Label selection: label %d is not a region label (labels are > 0; 0 is background)", (int)labels[l]);
    for (PetscInt m = 0; m < l; m++)
      PetscCheck(labels[m] != labels[l], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "Label selection: label %d is requested twice; list each label once", (int)labels[l]);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckCounts(TwinfeImage image, PetscInt nlabels, const int32_t labels[], const PetscInt count[])
{
  PetscFunctionBeginUser;
  for (PetscInt l = 0; l < nlabels; l++)
    PetscCheck(count[l] > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "Label %d has no voxel in %s; check the label number against the segmentation's label table", (int)labels[l],
               image->source[0] ? image->source : "the image (built in memory)");
  PetscFunctionReturn(0);
}

/* ---------- the selection ---------- */

struct _p_TwinfeImageSelection {
  PetscInt                   nlabels;
  TwinfeImageLabelSelection *label;
  PetscInt                   nislands;
  TwinfeImageIsland         *island;
  PetscInt                   unselected, filled, pinch_voxels, pinches_left;
};

PetscErrorCode TwinfeImageSelectionDestroy(TwinfeImageSelection *selection)
{
  PetscFunctionBeginUser;
  if (!selection || !*selection) PetscFunctionReturn(0);
  PetscCall(PetscFree((*selection)->label));
  PetscCall(PetscFree((*selection)->island));
  PetscCall(PetscFree(*selection));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageSelectionGetLabel(TwinfeImageSelection s, PetscInt i, TwinfeImageLabelSelection *label)
{
  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(s);
  TwinfeCheckPointer_Private(label);
  PetscCheck(i >= 0 && i < s->nlabels, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "Label selection: index %" PetscInt_FMT " is out of range; %" PetscInt_FMT " labels were selected", i, s->nlabels);
  *label = s->label[i];
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageSelectionGetIslands(TwinfeImageSelection s, PetscInt *nislands, const TwinfeImageIsland **islands)
{
  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(s);
  if (nislands) *nislands = s->nislands;
  if (islands) *islands = s->island;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageSelectionGetTotals(TwinfeImageSelection s, PetscInt *unselected, PetscInt *filled,
                                             PetscInt *pinch_voxels, PetscInt *pinches_left)
{
  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(s);
  if (unselected) *unselected = s->unselected;
  if (filled) *filled = s->filled;
  if (pinch_voxels) *pinch_voxels = s->pinch_voxels;
  if (pinches_left) *pinches_left = s->pinches_left;
  PetscFunctionReturn(0);
}

/* The index among the requested labels of each piece's label (-1 for background). */
static PetscErrorCode PieceLabelIndex(const Runs *r, PetscInt nlabels, const int32_t labels[], PetscInt **which)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(r->npieces, which));
  for (PetscInt c = 0; c < r->npieces; c++) {
    (*which)[c] = -1;
    for (PetscInt l = 0; l < nlabels && r->piece[c].label; l++)
      if (labels[l] == r->piece[c].label) (*which)[c] = l;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode AddIsland(TwinfeImage image, const TwinfeGrid *g, const Piece *pc, TwinfeImageSelection s, PetscInt *cap)
{
  TwinfeImageIsland *is;
  PetscReal          ijk[3], voxel;

  PetscFunctionBeginUser;
  if (s->nislands == *cap) {
    *cap = PetscMax(16, 2 * *cap);
    PetscCall(PetscRealloc(sizeof(TwinfeImageIsland) * (size_t)*cap, &s->island));
  }
  is = &s->island[s->nislands++];
  for (int d = 0; d < 3; d++)
    ijk[d] = pc->sum[d] / (PetscReal)pc->size + (PetscReal)g->lo[d];
  PetscCall(TwinfeImageIndexToWorld(image, ijk, is->centroid_lps));
  PetscCall(TwinfeImageGetVoxelVolume(image, &voxel));
  is->label      = pc->label;
  is->voxels     = pc->size;
  is->volume_mm3 = (PetscReal)pc->size * voxel;
  PetscFunctionReturn(0);
}

/* Pieces as given (26-connected); islands (under both thresholds, not the label's largest)
   are listed and cleared. Islands are listed label by label in the order requested. */
static PetscErrorCode RemoveIslands(TwinfeImage image, TwinfeGrid *g, PetscInt island_voxels, PetscReal island_percent,
                                    const int32_t labels[], TwinfeImageSelection s)
{
  Runs       r;
  PetscInt  *which, *largest, cap = 0;
  PetscBool *drop;

  PetscFunctionBeginUser;
  PetscCall(Components(g->dims, g->labels, PETSC_TRUE, &r));
  PetscCall(PieceLabelIndex(&r, s->nlabels, labels, &which));
  PetscCall(PetscMalloc1(s->nlabels, &largest));
  PetscCall(PetscCalloc1(r.npieces, &drop));
  for (PetscInt l = 0; l < s->nlabels; l++)
    largest[l] = -1;
  for (PetscInt c = 0; c < r.npieces; c++) {
    const PetscInt l = which[c];
    if (l < 0) continue;
    s->label[l].components_given++;
    if (largest[l] < 0 || r.piece[c].size > r.piece[largest[l]].size) largest[l] = c;
  }
  for (PetscInt l = 0; l < s->nlabels; l++)
    for (PetscInt c = 0; c < r.npieces; c++) {
      const Piece *pc = &r.piece[c];
      if (which[c] != l || c == largest[l]) continue;
      if (pc->size >= island_voxels || 100.0 * (PetscReal)pc->size >= island_percent * (PetscReal)s->label[l].voxels_given)
        continue;
      drop[c] = PETSC_TRUE;
      s->label[l].islands_removed++;
      s->label[l].voxels_removed += pc->size;
      PetscCall(AddIsland(image, g, pc, s, &cap));
    }
  for (PetscInt l = 0; l < s->nlabels; l++)
    s->label[l].components_kept = s->label[l].components_given - s->label[l].islands_removed;
  ClearPieces(g->dims, &r, drop, g->labels);
  PetscCall(PetscFree(drop));
  PetscCall(PetscFree(largest));
  PetscCall(PetscFree(which));
  PetscCall(RunsDestroy(&r));
  PetscFunctionReturn(0);
}

/* Pieces as meshed (6-connected) and voxels, at the end. */
static PetscErrorCode CountMeshedPieces(TwinfeGrid *g, const int32_t labels[], TwinfeImageSelection s)
{
  Runs      r;
  PetscInt *which;

  PetscFunctionBeginUser;
  PetscCall(Components(g->dims, g->labels, PETSC_FALSE, &r));
  PetscCall(PieceLabelIndex(&r, s->nlabels, labels, &which));
  for (PetscInt c = 0; c < r.npieces; c++)
    if (which[c] >= 0) {
      s->label[which[c]].components_meshed++;
      s->label[which[c]].voxels += r.piece[c].size;
    }
  PetscCall(PetscFree(which));
  PetscCall(RunsDestroy(&r));
  PetscFunctionReturn(0);
}

/* Mending a pinch can close a pocket of background, and filling a pocket can make a pinch:
   the two alternate until neither changes anything (one round on real label maps). */
static PetscErrorCode RepairAndFill(TwinfeGrid *g, TwinfeImageSelection s)
{
  PetscFunctionBeginUser;
  for (int round = 0; round < 8; ++round) {
    PetscInt added = 0, filled = 0;
    PetscCall(TwinfePinchRepairGrid_Private(g->dims, g->labels, &added));
    if (!added) break;
    s->pinch_voxels += added;
    PetscCall(FillCavities(g->dims, g->labels, &filled));
    s->filled += filled;
    if (!filled) break;
  }
  PetscFunctionReturn(0);
}

/* Islands, cavities, pinches and the pieces left, on the grid of the labels' box. */
static PetscErrorCode SelectOnGrid(TwinfeImage image, TwinfeGrid *g, PetscInt island_voxels, PetscReal island_percent,
                                   PetscBool repair_pinches, const int32_t labels[], TwinfeImageSelection s)
{
  PetscLogEvent count_event;

  PetscFunctionBeginUser;
  PetscCall(RemoveIslands(image, g, island_voxels, island_percent, labels, s));
  PetscCall(FillCavities(g->dims, g->labels, &s->filled));
  if (repair_pinches) PetscCall(RepairAndFill(g, s));
  PetscCall(TwinfeImageGetEvent_Private(TWINFE_EV_COUNT_PINCHES, &count_event));
  PetscCall(PetscLogEventBegin(count_event, 0, 0, 0, 0));
  PetscCall(TwinfePinchCountGrid_Private(g->dims, g->labels, &s->pinches_left));
  PetscCall(PetscLogEventEnd(count_event, 0, 0, 0, 0));
  PetscCall(CountMeshedPieces(g, labels, s));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageSelectLabelsKeepAll(TwinfeImage image, PetscInt nlabels, const int32_t labels[], PetscInt island_voxels,
                                              PetscReal island_percent, PetscBool repair_pinches, TwinfeImageSelection *selection)
{
  TwinfeImageSelection s;
  PetscInt             lo[3], hi[3], *count, unselected;
  TwinfeGrid           g;
  PetscLogEvent        event;
  PetscErrorCode       ierr;

  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  TwinfeCheckPointer_Private(labels);
  TwinfeCheckPointer_Private(selection);
  *selection = NULL;
  PetscCall(CheckRequestedLabels(nlabels, labels));
  PetscCheck(island_voxels >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-image_island_voxels %" PetscInt_FMT " is negative: give 0 (remove no island) or more voxels", island_voxels);
  PetscCheck(island_percent >= 0 && island_percent <= 100, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-image_island_percent %g is outside [0, 100] (percent of the label's voxels; 0 removes no island)",
             (double)island_percent);
  PetscCall(TwinfeImageGetEvent_Private(TWINFE_EV_SELECT, &event));
  PetscCall(PetscLogEventBegin(event, 0, 0, 0, 0));
  PetscCall(PetscMalloc1(nlabels, &count));
  PetscCall(ScanImage(image, nlabels, labels, count, &unselected, lo, hi));
  {
    PetscErrorCode ierr = CheckCounts(image, nlabels, labels, count);
    if (ierr) PetscCall(PetscFree(count));
    PetscCall(ierr);
  }
  PetscCall(PetscNew(&s));
  s->nlabels    = nlabels;
  s->unselected = unselected;
  PetscCall(PetscCalloc1(nlabels, &s->label));
  for (PetscInt l = 0; l < nlabels; l++)
    s->label[l].label = labels[l], s->label[l].voxels_given = count[l];
  PetscCall(PetscFree(count));
  PetscCall(TwinfeGridCreate_Private(image, lo, hi, &g));
  ierr = SelectOnGrid(image, &g, island_voxels, island_percent, repair_pinches, labels, s);
  PetscCall(TwinfeGridRestore_Private(image, &g)); /* the labels back in place, whatever happened */
  if (ierr) PetscCall(TwinfeImageSelectionDestroy(&s));
  PetscCall(ierr);
  PetscCall(PetscLogEventEnd(event, 0, 0, 0, 0));
  *selection = s;
  PetscFunctionReturn(0);
}

/* ---------- the former rule: the largest 6-connected piece of each label ---------- */

/* The former rule on the grid of the labels' box: every label's largest piece, cavities filled. */
static PetscErrorCode KeepLargestOnGrid(TwinfeGrid *g, PetscInt nlabels, const int32_t labels[], PetscInt *removed,
                                        PetscInt *filled)
{
  PetscInt  *which, *largest;
  PetscBool *drop;
  Runs       r;

  PetscFunctionBeginUser;
  *removed = 0;
  PetscCall(Components(g->dims, g->labels, PETSC_FALSE, &r));
  PetscCall(PieceLabelIndex(&r, nlabels, labels, &which));
  PetscCall(PetscMalloc1(nlabels, &largest));
  PetscCall(PetscCalloc1(r.npieces, &drop));
  for (PetscInt l = 0; l < nlabels; l++)
    largest[l] = -1;
  for (PetscInt c = 0; c < r.npieces; c++)
    if (which[c] >= 0 && (largest[which[c]] < 0 || r.piece[c].size > r.piece[largest[which[c]]].size)) largest[which[c]] = c;
  for (PetscInt c = 0; c < r.npieces; c++)
    if (which[c] >= 0 && c != largest[which[c]]) {
      drop[c] = PETSC_TRUE;
      *removed += r.piece[c].size;
    }
  ClearPieces(g->dims, &r, drop, g->labels);
  PetscCall(PetscFree(drop));
  PetscCall(PetscFree(largest));
  PetscCall(PetscFree(which));
  PetscCall(RunsDestroy(&r));
  PetscCall(FillCavities(g->dims, g->labels, filled));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageSelectLabels(TwinfeImage image, PetscInt nlabels, const int32_t labels[], PetscInt *voxels_removed,
                                       PetscInt *voxels_filled)
{
  PetscInt       lo[3], hi[3], *count, unselected, removed = 0, filled = 0;
  TwinfeGrid     g;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  TwinfeCheckPointer_Private(labels);
  PetscCall(CheckRequestedLabels(nlabels, labels));
  PetscCall(PetscMalloc1(nlabels, &count));
  PetscCall(ScanImage(image, nlabels, labels, count, &unselected, lo, hi));
  ierr = CheckCounts(image, nlabels, labels, count);
  PetscCall(PetscFree(count));
  PetscCall(ierr);
  PetscCall(TwinfeGridCreate_Private(image, lo, hi, &g));
  ierr = KeepLargestOnGrid(&g, nlabels, labels, &removed, &filled);
  PetscCall(TwinfeGridRestore_Private(image, &g)); /* the labels back in place, whatever happened */
  PetscCall(ierr);
  if (voxels_removed) *voxels_removed = removed;
  if (voxels_filled) *voxels_filled = filled;
  PetscCall(PetscInfo(NULL,
                      "%s: kept %" PetscInt_FMT " labels, %" PetscInt_FMT " voxels of other labels and %" PetscInt_FMT
                      " of stray components set to background, %" PetscInt_FMT " cavity voxels filled\n",
                      image->source[0] ? image->source : "image", nlabels, unselected, removed, filled));
  PetscFunctionReturn(0);
}
