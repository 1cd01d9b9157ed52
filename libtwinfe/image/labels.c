/* The labels an image holds, and renumbering them.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Labels can be any positive int32 (FreeSurfer's cortex is 1000-2035, other atlases go past
 * 65535), so the set of labels is found with a hash set, not an array indexed by label. */
#include "image_impl.h"
#include "core/core_impl.h"

#include <stdlib.h>

typedef struct {
  int32_t *slots; /* 0 marks an empty slot: background is never stored */
  size_t   capacity, count;
} LabelSet;

static size_t Slot(int32_t value, size_t capacity)
{
  /* Fibonacci hashing spreads consecutive labels over the table */
  return (size_t)(((uint64_t)(uint32_t)value * 11400714819323198485ull) >> 32) & (capacity - 1);
}

static void InsertNoGrow(LabelSet *set, int32_t value)
{
  size_t s = Slot(value, set->capacity);
  while (set->slots[s] && set->slots[s] != value)
    s = (s + 1) & (set->capacity - 1);
  if (!set->slots[s]) {
    set->slots[s] = value;
    set->count++;
  }
}

/* Keeps the table at most half full, so probes stay short. */
static PetscErrorCode Insert(LabelSet *set, int32_t value)
{
  PetscFunctionBeginUser;
  if (2 * (set->count + 1) > set->capacity) {
    LabelSet bigger = {NULL, 2 * set->capacity, 0};
    PetscCall(PetscCalloc1(bigger.capacity, &bigger.slots));
    for (size_t s = 0; s < set->capacity; s++)
      if (set->slots[s]) InsertNoGrow(&bigger, set->slots[s]);
    PetscCall(PetscFree(set->slots));
    *set = bigger;
  }
  InsertNoGrow(set, value);
  PetscFunctionReturn(0);
}

static int CompareInt32(const void *a, const void *b)
{
  const int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

PetscErrorCode TwinfeImageGetLabelValues(TwinfeImage image, PetscInt *nvalues, int32_t **values)
{
  LabelSet       set = {NULL, 64, 0};
  size_t         n, m = 0;
  int32_t        previous = 0;
  const PetscInt row      = image ? image->dims[0] : 1;
  unsigned char *row_used;

  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  TwinfeCheckPointer_Private(nvalues);
  TwinfeCheckPointer_Private(values);
  n = TwinfeImageVoxelCount_Private(image->dims);
  PetscCall(PetscCalloc1(set.capacity, &set.slots));
  /* only the rows that hold labels, found on all threads: most of a CT is background */
  PetscCall(PetscMalloc1(n / (size_t)row + 1, &row_used));
  PetscCall(TwinfeNonzeroRows_Private(image->labels, row, (PetscInt)(n / (size_t)row), row_used));
  for (size_t r = 0; r < n / (size_t)row; r++) {
    const int32_t *in_row = image->labels + r * (size_t)row;
    if (!row_used[r]) continue;
    for (PetscInt i = 0; i < row; i++) {
      const int32_t l = in_row[i];
      if (l == 0 || l == previous) continue; /* label maps come in long runs: skip the hash there */
      previous = l;
      PetscCall(Insert(&set, l));
    }
  }
  PetscCall(PetscFree(row_used));
  PetscCall(PetscMalloc1(set.count > 0 ? set.count : 1, values));
  for (size_t s = 0; s < set.capacity; s++)
    if (set.slots[s]) (*values)[m++] = set.slots[s];
  qsort(*values, m, sizeof **values, CompareInt32);
  *nvalues = (PetscInt)m;
  PetscCall(PetscFree(set.slots));
  PetscFunctionReturn(0);
}

typedef struct {
  int32_t from, to;
} LabelPair;

static int ComparePairs(const void *a, const void *b)
{
  return CompareInt32(&((const LabelPair *)a)->from, &((const LabelPair *)b)->from);
}

PetscErrorCode TwinfeImageRelabel(TwinfeImage image, PetscInt n, const int32_t from[], const int32_t to[])
{
  LabelPair *pairs;
  size_t     nvoxels;
  int32_t    last_from = 0, last_to = 0;

  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  PetscCheck(n >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "TwinfeImageRelabel: %" PetscInt_FMT " labels; give 0 or more",
             n);
  PetscCall(PetscMalloc1(n > 0 ? n : 1, &pairs));
  for (PetscInt i = 0; i < n; i++) {
    pairs[i].from = from[i];
    pairs[i].to   = to[i];
  }
  qsort(pairs, (size_t)n, sizeof *pairs, ComparePairs);
  for (PetscInt i = 0; i < n; i++) {
    const LabelPair p = pairs[i];
    if (p.from > 0 && p.to > 0 && (i == 0 || p.from != pairs[i - 1].from)) continue;
    PetscCall(PetscFree(pairs));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
            "TwinfeImageRelabel: label %d -> %d: labels must be positive and each listed once (0 is background)", (int)p.from,
            (int)p.to);
  }
  nvoxels = TwinfeImageVoxelCount_Private(image->dims);
  for (size_t v = 0; v < nvoxels; v++) {
    const int32_t l = image->labels[v];
    if (l == 0) continue;
    if (l != last_from) { /* runs of one label look up once */
      const LabelPair  key   = {l, 0};
      const LabelPair *found = (const LabelPair *)bsearch(&key, pairs, (size_t)n, sizeof *pairs, ComparePairs);
      last_from              = l;
      last_to                = found ? found->to : 0;
    }
    image->labels[v] = last_to;
  }
  PetscCall(PetscFree(pairs));
  PetscFunctionReturn(0);
}
