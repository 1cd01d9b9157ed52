/* The Galerkin product P^T A P over several ranks, for a prolongation with a few entries a row.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why: between nested P1 levels a fine dof takes its value from one or two coarse dofs, so
 * P^T A P is, per coarse row, a short sum over its fine children's rows of A. PETSc's
 * distributed PtAP is general: on the 2-rank CT case (607k unknowns) its symbolic and numeric
 * phases took 5.0 s of the 10.5 s solve stage, where our product on one rank (galerkin.c)
 * takes 0.47 s. Here each rank forms the coarse rows its owned fine rows touch, with a dense
 * accumulator per coarse row (Gustavson), from its rows of A and the rows of P for A's
 * columns (the ones owned elsewhere fetched once); the coarse rows owned elsewhere are summed
 * at their owner in a fixed order (assembly_ranks.c). The symbolic work is done once; each new
 * A (a Newton step) redoes only the sums. A is read through TwinfeFineRows: an MPIAIJ's parts
 * as they are, or the stored upper blocks of a symmetric MPISBAIJ (assembly_ranks_upper.c)
 * without a scalar copy of them (86 MB a rank at 607k unknowns on 2 ranks). */
#include "fem_impl.h"

#include <petscsf.h>
#include <string.h>

struct _n_TwinfeRanksGalerkin {
  Mat              A, P, C;             /* A and P referenced; C the product */
  PetscObjectState A_nonzero_state;     /* A's pattern when the product was planned */
  PetscInt         nfine, nAcols, K;    /* A's owned rows; its diagonal + off-diagonal columns; P's longest row */
  PetscInt        *par;                 /* nAcols x K: P's row for each column of A, as compact coarse columns (-1 pads) */
  PetscScalar     *wt;                  /* the same, weights */
  PetscInt         nrows, ncc;          /* coarse rows formed here; compact coarse columns */
  PetscInt        *child_start, *child; /* per coarse row formed here, its fine children (owned rows of A) */
  PetscScalar     *child_w;             /* and their weights */
  PetscInt        *rowptr, *ccol;       /* the rows' columns (compact, ascending) */
  PetscScalar     *values, *acc;        /* the rows' values; a dense accumulator over compact columns */
};

/* One owned fine row of P as (global coarse column, weight) pairs, padded with -1 to K. */
static void OwnedRowOfP(const PetscInt *pgarray, PetscInt pcstart, PetscInt i, PetscInt K, PetscInt cols[], PetscScalar w[],
                        const PetscInt *di, const PetscInt *dj, const PetscScalar *da, const PetscInt *oi, const PetscInt *oj,
                        const PetscScalar *oa)
{
  PetscInt n = 0;

  for (PetscInt k = di[i]; k < di[i + 1]; ++k)
    cols[n] = dj[k] + pcstart, w[n++] = da[k];
  for (PetscInt k = oi[i]; k < oi[i + 1]; ++k)
    cols[n] = pgarray[oj[k]], w[n++] = oa[k];
  for (; n < K; ++n)
    cols[n] = -1, w[n] = 0;
}

/* P's owned rows, K entries each (global coarse columns), and K itself (over all ranks). */
static PetscErrorCode GetOwnedRowsOfP(Mat P, PetscInt *K, PetscInt **cols, PetscScalar **w)
{
  Mat                Pd, Po;
  const PetscInt    *pgarray, *di, *dj, *oi, *oj;
  const PetscScalar *da, *oa;
  PetscInt           m, pcstart, longest = 0, n;
  PetscBool          done;

  PetscFunctionBeginUser;
  PetscCall(MatMPIAIJGetSeqAIJ(P, &Pd, &Po, &pgarray));
  PetscCall(MatGetLocalSize(P, &m, NULL));
  PetscCall(MatGetOwnershipRangeColumn(P, &pcstart, NULL));
  PetscCall(MatGetRowIJ(Pd, 0, PETSC_FALSE, PETSC_FALSE, &n, &di, &dj, &done));
  PetscCall(MatGetRowIJ(Po, 0, PETSC_FALSE, PETSC_FALSE, &n, &oi, &oj, &done));
  for (PetscInt i = 0; i < m; ++i)
    longest = PetscMax(longest, di[i + 1] - di[i] + oi[i + 1] - oi[i]);
  PetscCall(MPIU_Allreduce(&longest, K, 1, MPIU_INT, MPI_MAX, PetscObjectComm((PetscObject)P)));
  PetscCall(MatSeqAIJGetArrayRead(Pd, &da));
  PetscCall(MatSeqAIJGetArrayRead(Po, &oa));
  PetscCall(PetscMalloc2(m * *K + 1, cols, m * *K + 1, w));
  for (PetscInt i = 0; i < m; ++i)
    OwnedRowOfP(pgarray, pcstart, i, *K, &(*cols)[i * *K], &(*w)[i * *K], di, dj, da, oi, oj, oa);
  PetscCall(MatSeqAIJRestoreArrayRead(Pd, &da));
  PetscCall(MatSeqAIJRestoreArrayRead(Po, &oa));
  PetscCall(MatRestoreRowIJ(Pd, 0, PETSC_FALSE, PETSC_FALSE, &n, &di, &dj, &done));
  PetscCall(MatRestoreRowIJ(Po, 0, PETSC_FALSE, PETSC_FALSE, &n, &oi, &oj, &done));
  PetscFunctionReturn(0);
}

/* P's rows for every column of A: the owned ones copied, those of A's off-diagonal columns
   (owned elsewhere) fetched from their owners. Global coarse columns. */
static PetscErrorCode GetRowsOfPForColumns(Mat A, PetscInt K, const PetscInt own_cols[], const PetscScalar own_w[],
                                           PetscInt nfine, PetscInt nAcols, const PetscInt garray[], PetscInt cols[],
                                           PetscScalar w[])
{
  PetscSF      sf;
  PetscLayout  rows;
  MPI_Datatype kints, kscalars;

  PetscFunctionBeginUser;
  PetscCall(PetscArraycpy(cols, own_cols, nfine * K));
  PetscCall(PetscArraycpy(w, own_w, nfine * K));
  PetscCall(PetscSFCreate(PetscObjectComm((PetscObject)A), &sf));
  PetscCall(MatGetLayouts(A, &rows, NULL));
  PetscCall(PetscSFSetGraphLayout(sf, rows, nAcols - nfine, NULL, PETSC_OWN_POINTER, garray));
  PetscCallMPI(MPI_Type_contiguous((PetscMPIInt)K, MPIU_INT, &kints));
  PetscCallMPI(MPI_Type_commit(&kints));
  PetscCallMPI(MPI_Type_contiguous((PetscMPIInt)K, MPIU_SCALAR, &kscalars));
  PetscCallMPI(MPI_Type_commit(&kscalars));
  PetscCall(PetscSFBcastBegin(sf, kints, own_cols, &cols[nfine * K], MPI_REPLACE));
  PetscCall(PetscSFBcastBegin(sf, kscalars, own_w, &w[nfine * K], MPI_REPLACE));
  PetscCall(PetscSFBcastEnd(sf, kints, own_cols, &cols[nfine * K], MPI_REPLACE));
  PetscCall(PetscSFBcastEnd(sf, kscalars, own_w, &w[nfine * K], MPI_REPLACE));
  PetscCallMPI(MPI_Type_free(&kints));
  PetscCallMPI(MPI_Type_free(&kscalars));
  PetscCall(PetscSFDestroy(&sf));
  PetscFunctionReturn(0);
}

/* Sorted unique copy of the non-negative values of v[0..n), with all of [lo, hi) when whole is
   set. The values in [lo, hi) (the coarse columns owned here: most of them) are marked in a
   table, so only the others are sorted. */
static PetscErrorCode SortedUnique(PetscInt n, const PetscInt v[], PetscInt lo, PetscInt hi, PetscBool whole, PetscInt *m,
                                   PetscInt **out)
{
  PetscInt   nother = 0, count = 0, below;
  PetscInt  *other;
  PetscBool *seen;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(n + 1, &other));
  PetscCall(PetscMalloc1(hi - lo + 1, &seen));
  for (PetscInt g = 0; g < hi - lo; ++g)
    seen[g] = whole;
  for (PetscInt k = 0; k < n; ++k) {
    if (v[k] < 0) continue;
    if (v[k] >= lo && v[k] < hi)
      seen[v[k] - lo] = PETSC_TRUE;
    else
      other[nother++] = v[k];
  }
  PetscCall(PetscSortRemoveDupsInt(&nother, other));
  for (below = 0; below < nother && other[below] < lo; ++below) {
  }
  for (PetscInt g = 0; g < hi - lo; ++g)
    count += seen[g];
  PetscCall(PetscMalloc1(nother + count + 1, out));
  count = 0;
  for (PetscInt k = 0; k < below; ++k)
    (*out)[count++] = other[k];
  for (PetscInt g = 0; g < hi - lo; ++g)
    if (seen[g]) (*out)[count++] = lo + g;
  for (PetscInt k = below; k < nother; ++k)
    (*out)[count++] = other[k];
  *m = count;
  PetscCall(PetscFree(seen));
  PetscCall(PetscFree(other));
  PetscFunctionReturn(0);
}

/* Where each coarse column stands in a sorted array of them: a table for the columns owned here
   (most of them), a binary search for the others. Planning looks up every fine row's parents
   and every column's, 1-2M lookups a rank at 607k unknowns. */
typedef struct {
  PetscInt        n, lo, hi; /* the array's length; the owned range [lo, hi) */
  const PetscInt *a;
  PetscInt       *owned; /* owned[g - lo]: g's place, -1 if not in a */
} ColumnIndex;

static PetscErrorCode ColumnIndexCreate(PetscInt n, const PetscInt a[], PetscInt lo, PetscInt hi, ColumnIndex *ci)
{
  PetscFunctionBeginUser;
  *ci = (ColumnIndex){.n = n, .lo = lo, .hi = hi, .a = a};
  PetscCall(PetscMalloc1(hi - lo + 1, &ci->owned));
  for (PetscInt g = 0; g < hi - lo; ++g)
    ci->owned[g] = -1;
  for (PetscInt k = 0; k < n; ++k)
    if (a[k] >= lo && a[k] < hi) ci->owned[a[k] - lo] = k;
  PetscFunctionReturn(0);
}

/* Index of g in the array, which holds it by construction. */
static PetscErrorCode Locate(const ColumnIndex *ci, PetscInt g, PetscInt *at)
{
  PetscFunctionBeginUser;
  if (g >= ci->lo && g < ci->hi)
    *at = ci->owned[g - ci->lo];
  else
    PetscCall(PetscFindInt(g, ci->n, ci->a, at));
  PetscCheck(*at >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "TwinfeRanksGalerkin: coarse column %" PetscInt_FMT " was not planned",
             g);
  PetscFunctionReturn(0);
}

/* The coarse rows formed here (parents of the owned fine rows, and every owned coarse row so
   that each has a place) and their children: the owned fine rows with their weights. */
static PetscErrorCode PlanRows(TwinfeRanksGalerkin g, const PetscInt own_cols[], const PetscScalar own_w[], PetscInt crstart,
                               PetscInt crend, PetscInt **grow)
{
  const PetscInt K = g->K;
  PetscInt      *fill;

  ColumnIndex index;

  PetscFunctionBeginUser;
  PetscCall(SortedUnique(g->nfine * K, own_cols, crstart, crend, PETSC_TRUE, &g->nrows, grow));
  PetscCall(ColumnIndexCreate(g->nrows, *grow, crstart, crend, &index));
  PetscCall(PetscCalloc1(g->nrows + 1, &g->child_start));
  for (PetscInt k = 0; k < g->nfine * K; ++k) {
    PetscInt r;
    if (own_cols[k] < 0) continue;
    PetscCall(Locate(&index, own_cols[k], &r));
    g->child_start[r + 1]++;
  }
  for (PetscInt r = 0; r < g->nrows; ++r)
    g->child_start[r + 1] += g->child_start[r];
  PetscCall(PetscMalloc2(g->child_start[g->nrows] + 1, &g->child, g->child_start[g->nrows] + 1, &g->child_w));
  PetscCall(PetscCalloc1(g->nrows + 1, &fill));
  for (PetscInt i = 0; i < g->nfine; ++i) /* children in increasing fine row: a fixed summation order */
    for (PetscInt k = 0; k < K; ++k) {
      const PetscInt c = own_cols[i * K + k];
      PetscInt       r, at;
      if (c < 0) continue;
      PetscCall(Locate(&index, c, &r));
      at             = g->child_start[r] + fill[r]++;
      g->child[at]   = i;
      g->child_w[at] = own_w[i * K + k];
    }
  PetscCall(PetscFree(fill));
  PetscCall(PetscFree(index.owned));
  PetscFunctionReturn(0);
}

/* For A's columns, P's rows in compact coarse columns (cc_global, sorted). */
static PetscErrorCode CompactColumns(TwinfeRanksGalerkin g, const PetscInt cols[], PetscInt crstart, PetscInt crend,
                                     PetscInt **cc_global)
{
  ColumnIndex index;

  PetscFunctionBeginUser;
  PetscCall(SortedUnique(g->nAcols * g->K, cols, crstart, crend, PETSC_FALSE, &g->ncc, cc_global));
  PetscCall(ColumnIndexCreate(g->ncc, *cc_global, crstart, crend, &index));
  for (PetscInt k = 0; k < g->nAcols * g->K; ++k) {
    g->par[k] = -1;
    if (cols[k] >= 0) PetscCall(Locate(&index, cols[k], &g->par[k]));
  }
  PetscCall(PetscFree(index.owned));
  PetscFunctionReturn(0);
}

/* The columns of coarse row r (compact, unsorted) into list, marking them in mark[] with r.
   A fine row's columns are its block row's block columns, each bs scalar ones (the diagonal
   part's first, then the off-diagonal's from nfine on: the order of par). */
static PetscInt RowColumns(TwinfeRanksGalerkin g, PetscInt r, const TwinfeFineRows *a, PetscInt mark[], PetscInt list[])
{
  const PetscInt K = g->K, bs = a->bs;
  PetscInt       n = 0;

  for (PetscInt s = g->child_start[r]; s < g->child_start[r + 1]; ++s) {
    const PetscInt bi = g->child[s] / bs;
    for (PetscInt half = 0; half < 2; ++half) {
      const PetscInt *ia = half ? a->oi : a->di, *ja = half ? a->oj : a->dj, shift = half ? g->nfine : 0;
      for (PetscInt k = ia[bi]; k < ia[bi + 1]; ++k)
        for (PetscInt c = 0; c < bs; ++c)
          for (PetscInt p = 0; p < K; ++p) {
            const PetscInt b = g->par[(shift + bs * ja[k] + c) * K + p];
            if (b < 0) break;
            if (mark[b] == r) continue;
            mark[b]   = r;
            list[n++] = b;
          }
    }
  }
  return n;
}

/* Whether fine rows i and i + 1 of A have the same columns in the part ia, ja: always within a
   block row. */
static PetscBool SameFineColumns(PetscInt i, PetscInt bs, const PetscInt *ia, const PetscInt *ja)
{
  const PetscInt bi = i / bs, n = ia[bi + 1] - ia[bi];
  if ((i + 1) / bs == bi) return PETSC_TRUE;
  return n == ia[bi + 2] - ia[bi + 1] && !memcmp(&ja[ia[bi]], &ja[ia[bi + 1]], (size_t)n * sizeof(PetscInt)) ? PETSC_TRUE
                                                                                                             : PETSC_FALSE;
}

/* Whether coarse row r has the columns of row r - 1, by a sufficient condition that holds for the
   components of one node of a vector field (P a vertex prolongation times the identity, A
   assembled node by node): the next global row, each child the next fine row of the previous
   row's child with the same weight, and each child's row of A with the columns of that one.
   Then r's columns are copied, not planned again: two of every three rows for elasticity. */
static PetscBool SameColumnsAsPrevious(TwinfeRanksGalerkin g, const PetscInt grow[], PetscInt r, const TwinfeFineRows *a)
{
  PetscInt n, prev;

  if (r == 0 || grow[r] != grow[r - 1] + 1) return PETSC_FALSE;
  n    = g->child_start[r + 1] - g->child_start[r];
  prev = g->child_start[r - 1];
  if (n != g->child_start[r] - prev) return PETSC_FALSE;
  for (PetscInt s = 0; s < n; ++s) {
    const PetscInt i = g->child[prev + s];
    if (g->child[g->child_start[r] + s] != i + 1 || g->child_w[g->child_start[r] + s] != g->child_w[prev + s] ||
        i + 1 >= g->nfine || !SameFineColumns(i, a->bs, a->di, a->dj) || !SameFineColumns(i, a->bs, a->oi, a->oj))
      return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

/* Every coarse row's columns, ascending (compact order is global order). */
static PetscErrorCode PlanPattern(TwinfeRanksGalerkin g, const PetscInt grow[], const TwinfeFineRows *a)
{
  PetscInt  *mark, *list;
  PetscBool *same;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(g->ncc + 1, &mark, g->ncc + 1, &list, g->nrows + 1, &same));
  for (PetscInt b = 0; b < g->ncc; ++b)
    mark[b] = -1;
  PetscCall(PetscMalloc1(g->nrows + 1, &g->rowptr));
  g->rowptr[0] = 0;
  for (PetscInt r = 0; r < g->nrows; ++r) {
    same[r]          = SameColumnsAsPrevious(g, grow, r, a);
    g->rowptr[r + 1] = g->rowptr[r] + (same[r] ? g->rowptr[r] - g->rowptr[r - 1] : RowColumns(g, r, a, mark, list));
  }
  PetscCall(PetscMalloc1(g->rowptr[g->nrows] + 1, &g->ccol));
  for (PetscInt b = 0; b < g->ncc; ++b)
    mark[b] = -1;
  for (PetscInt r = 0; r < g->nrows; ++r) {
    if (same[r]) {
      PetscCall(PetscArraycpy(&g->ccol[g->rowptr[r]], &g->ccol[g->rowptr[r - 1]], g->rowptr[r] - g->rowptr[r - 1]));
      continue;
    }
    const PetscInt len = RowColumns(g, r, a, mark, &g->ccol[g->rowptr[r]]);
    PetscCall(PetscSortInt(len, &g->ccol[g->rowptr[r]]));
  }
  PetscCall(PetscFree3(mark, list, same));
  PetscFunctionReturn(0);
}

/* The product matrix from the planned rows (global columns from the compact ones). */
static PetscErrorCode CreateProductMatrix(TwinfeRanksGalerkin g, const PetscInt grow[], const PetscInt cc_global[])
{
  TwinfeLocalRows rows;
  PetscInt       *gcol, ncoarse, bs;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(g->rowptr[g->nrows] + 1, &gcol));
  for (PetscInt k = 0; k < g->rowptr[g->nrows]; ++k)
    gcol[k] = cc_global[g->ccol[k]];
  rows.nlocal = g->nrows;
  rows.grow   = grow;
  rows.rowptr = g->rowptr;
  rows.gcol   = gcol;
  PetscCall(MatGetLocalSize(g->P, NULL, &ncoarse));
  PetscCall(TwinfeRanksMatrixCreate_Private(PetscObjectComm((PetscObject)g->A), ncoarse, &rows, g, &g->C));
  PetscCall(PetscFree(gcol));
  PetscCall(MatGetBlockSizes(g->P, NULL, &bs));
  PetscCall(MatSetBlockSize(g->C, bs));
  PetscCall(PetscMalloc2(g->rowptr[g->nrows] + 1, &g->values, g->ncc + 1, &g->acc));
  PetscCall(PetscArrayzero(g->acc, g->ncc));
  PetscFunctionReturn(0);
}

/* An MPIAIJ's parts as fine rows (blocks of 1). */
static PetscErrorCode GetAIJRows(Mat A, TwinfeFineRows *a)
{
  Mat       Ad, Ao;
  PetscInt  n;
  PetscBool done;

  PetscFunctionBeginUser;
  PetscCall(MatMPIAIJGetSeqAIJ(A, &Ad, &Ao, &a->garray));
  a->bs = 1, a->diag_scale = 1;
  PetscCall(MatGetLocalSize(A, &a->nblocks, NULL));
  PetscCall(MatGetSize(Ao, NULL, &a->ngarray));
  PetscCall(MatGetRowIJ(Ad, 0, PETSC_FALSE, PETSC_FALSE, &n, &a->di, &a->dj, &done));
  PetscCall(MatGetRowIJ(Ao, 0, PETSC_FALSE, PETSC_FALSE, &n, &a->oi, &a->oj, &done));
  PetscCall(MatSeqAIJGetArrayRead(Ad, &a->da));
  PetscCall(MatSeqAIJGetArrayRead(Ao, &a->oa));
  PetscFunctionReturn(0);
}

static PetscErrorCode RestoreAIJRows(Mat A, TwinfeFineRows *a)
{
  Mat       Ad, Ao;
  PetscInt  n;
  PetscBool done;

  PetscFunctionBeginUser;
  PetscCall(MatMPIAIJGetSeqAIJ(A, &Ad, &Ao, NULL));
  PetscCall(MatSeqAIJRestoreArrayRead(Ad, &a->da));
  PetscCall(MatSeqAIJRestoreArrayRead(Ao, &a->oa));
  PetscCall(MatRestoreRowIJ(Ad, 0, PETSC_FALSE, PETSC_FALSE, &n, &a->di, &a->dj, &done));
  PetscCall(MatRestoreRowIJ(Ao, 0, PETSC_FALSE, PETSC_FALSE, &n, &a->oi, &a->oj, &done));
  PetscFunctionReturn(0);
}

/* The global rows of A's off-diagonal scalar columns (where P's rows for them are fetched). */
static PetscErrorCode ScalarGarray(const TwinfeFineRows *a, PetscInt **garray)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(a->bs * a->ngarray + 1, garray));
  for (PetscInt b = 0; b < a->ngarray; ++b)
    for (PetscInt c = 0; c < a->bs; ++c)
      (*garray)[a->bs * b + c] = a->bs * a->garray[b] + c;
  PetscFunctionReturn(0);
}

/* C's values from A's: per coarse row, its children's rows of A times P's weights summed in a
   dense accumulator, then the rows owned elsewhere sent to their owners. Collective. */
static PetscErrorCode FormProduct(TwinfeRanksGalerkin g, const TwinfeFineRows *a)
{
  const PetscInt K = g->K, bs = a->bs, bs2 = a->bs * a->bs;

  PetscFunctionBeginUser;
  for (PetscInt r = 0; r < g->nrows; ++r) {
    for (PetscInt s = g->child_start[r]; s < g->child_start[r + 1]; ++s) {
      const PetscInt    i = g->child[s], bi = i / bs, row_in_block = i % bs;
      const PetscScalar w = g->child_w[s];
      for (PetscInt half = 0; half < 2; ++half) {
        const PetscInt    *ia = half ? a->oi : a->di, *ja = half ? a->oj : a->dj, shift = half ? g->nfine : 0;
        const PetscScalar *va = half ? a->oa : a->da;
        for (PetscInt k = ia[bi]; k < ia[bi + 1]; ++k) {
          const PetscScalar  ws    = w * (!half && ja[k] == bi ? a->diag_scale : 1); /* the row's weight, the block's scale */
          const PetscScalar *block = &va[(size_t)k * bs2 + row_in_block];
          for (PetscInt c = 0; c < bs; ++c) {
            const PetscInt     col = shift + bs * ja[k] + c;
            const PetscInt    *par = &g->par[col * K];
            const PetscScalar *wt  = &g->wt[col * K];
            const PetscScalar  wv  = ws * block[c * bs];
            for (PetscInt p = 0; p < K && par[p] >= 0; ++p)
              g->acc[par[p]] += wv * wt[p];
          }
        }
      }
    }
    for (PetscInt k = g->rowptr[r]; k < g->rowptr[r + 1]; ++k) {
      g->values[k]       = g->acc[g->ccol[k]];
      g->acc[g->ccol[k]] = 0;
    }
  }
  PetscCall(TwinfeRanksMatrixSetValues_Private(g->C, g->rowptr, g->values));
  PetscFunctionReturn(0);
}

/*
  TwinfeRanksGalerkinCreateFromRows_Private - Plans C = P^T A P for A read through its fine rows
  (TwinfeFineRows; A gives the layout) and P an MPIAIJ (rows as A's), and forms it; *C is the
  product (owned by g: reference it to keep it). Collective.
*/
PetscErrorCode TwinfeRanksGalerkinCreateFromRows_Private(Mat A, const TwinfeFineRows *a, Mat P, TwinfeRanksGalerkin *galerkin,
                                                         Mat *C)
{
  static PetscLogEvent event = -1;
  TwinfeRanksGalerkin  g;
  PetscInt            *own_cols, *cols, *grow, *cc_global, *garray, crstart, crend;
  PetscScalar         *own_w;

  PetscFunctionBeginUser;
  PetscCall(TwinfeLogBegin_Private("TwinfeRanksGalerkin", &event));
  PetscCall(PetscNew(&g));
  PetscCall(PetscObjectReference((PetscObject)A));
  PetscCall(PetscObjectReference((PetscObject)P));
  g->A = A, g->P = P;
  PetscCall(MatGetNonzeroState(A, &g->A_nonzero_state));
  g->nfine  = a->bs * a->nblocks;
  g->nAcols = g->nfine + a->bs * a->ngarray;
  PetscCall(GetOwnedRowsOfP(P, &g->K, &own_cols, &own_w));
  PetscCall(PetscMalloc1(g->nAcols * g->K + 1, &cols));
  PetscCall(PetscMalloc1(g->nAcols * g->K + 1, &g->wt));
  PetscCall(PetscMalloc1(g->nAcols * g->K + 1, &g->par));
  PetscCall(ScalarGarray(a, &garray));
  PetscCall(GetRowsOfPForColumns(A, g->K, own_cols, own_w, g->nfine, g->nAcols, garray, cols, g->wt));
  PetscCall(PetscFree(garray));
  PetscCall(MatGetOwnershipRangeColumn(P, &crstart, &crend));
  PetscCall(PlanRows(g, own_cols, own_w, crstart, crend, &grow));
  PetscCall(CompactColumns(g, cols, crstart, crend, &cc_global));
  PetscCall(PlanPattern(g, grow, a));
  PetscCall(CreateProductMatrix(g, grow, cc_global));
  PetscCall(PetscFree2(own_cols, own_w));
  PetscCall(PetscFree(cols));
  PetscCall(PetscFree(grow));
  PetscCall(PetscFree(cc_global));
  PetscCall(PetscLogEventEnd(event, 0, 0, 0, 0));
  *galerkin = g;
  PetscCall(FormProduct(g, a));
  *C = g->C;
  PetscFunctionReturn(0);
}

/*
  TwinfeRanksGalerkinCreate_Private - Plans C = P^T A P for MPIAIJ A (square) and P (rows as A's)
  and forms it; *C is the product (owned by g: reference it to keep it). Collective.
*/
PetscErrorCode TwinfeRanksGalerkinCreate_Private(Mat A, Mat P, TwinfeRanksGalerkin *galerkin, Mat *C)
{
  TwinfeFineRows a;

  PetscFunctionBeginUser;
  PetscCall(GetAIJRows(A, &a));
  PetscCall(TwinfeRanksGalerkinCreateFromRows_Private(A, &a, P, galerkin, C));
  PetscCall(RestoreAIJRows(A, &a));
  PetscFunctionReturn(0);
}

/*
  TwinfeRanksGalerkinNumeric_Private - C's values again from the MPIAIJ A's (same pattern as
  planned). Collective.
*/
PetscErrorCode TwinfeRanksGalerkinNumeric_Private(TwinfeRanksGalerkin g)
{
  TwinfeFineRows   a;
  PetscObjectState state;

  PetscFunctionBeginUser;
  PetscCall(MatGetNonzeroState(g->A, &state));
  PetscCheck(state == g->A_nonzero_state, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "Galerkin product: the fine operator's nonzero pattern changed since the product was planned");
  PetscCall(GetAIJRows(g->A, &a));
  PetscCall(FormProduct(g, &a));
  PetscCall(RestoreAIJRows(g->A, &a));
  PetscFunctionReturn(0);
}

/*
  TwinfeRanksGalerkinDestroy_Private - Frees the plan and its references (C too: reference it
  to keep it). Not collective.
*/
PetscErrorCode TwinfeRanksGalerkinDestroy_Private(TwinfeRanksGalerkin *galerkin)
{
  TwinfeRanksGalerkin g = *galerkin;

  PetscFunctionBeginUser;
  if (!g) PetscFunctionReturn(0);
  PetscCall(MatDestroy(&g->A));
  PetscCall(MatDestroy(&g->P));
  PetscCall(MatDestroy(&g->C));
  PetscCall(PetscFree(g->par));
  PetscCall(PetscFree(g->wt));
  PetscCall(PetscFree(g->child_start));
  PetscCall(PetscFree2(g->child, g->child_w));
  PetscCall(PetscFree(g->rowptr));
  PetscCall(PetscFree(g->ccol));
  PetscCall(PetscFree2(g->values, g->acc));
  PetscCall(PetscFree(g));
  *galerkin = NULL;
  PetscFunctionReturn(0);
}
