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
 * A (a Newton step) redoes only the sums. */
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
                                           PetscInt nfine, PetscInt nAcols, PetscInt cols[], PetscScalar w[])
{
  Mat             Ao;
  const PetscInt *garray;
  PetscSF         sf;
  PetscLayout     rows;
  MPI_Datatype    kints, kscalars;

  PetscFunctionBeginUser;
  PetscCall(PetscArraycpy(cols, own_cols, nfine * K));
  PetscCall(PetscArraycpy(w, own_w, nfine * K));
  PetscCall(MatMPIAIJGetSeqAIJ(A, NULL, &Ao, &garray));
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

/* The columns of coarse row r (compact, unsorted) into list, marking them in mark[] with r. */
static PetscInt RowColumns(TwinfeRanksGalerkin g, PetscInt r, const PetscInt *di, const PetscInt *dj, const PetscInt *oi,
                           const PetscInt *oj, PetscInt mark[], PetscInt list[])
{
  const PetscInt K = g->K;
  PetscInt       n = 0;

  for (PetscInt s = g->child_start[r]; s < g->child_start[r + 1]; ++s) {
    const PetscInt i = g->child[s];
    for (PetscInt half = 0; half < 2; ++half) {
      const PetscInt *ia = half ? oi : di, *ja = half ? oj : dj, shift = half ? g->nfine : 0;
      for (PetscInt k = ia[i]; k < ia[i + 1]; ++k)
        for (PetscInt p = 0; p < K; ++p) {
          const PetscInt b = g->par[(ja[k] + shift) * K + p];
          if (b < 0) break;
          if (mark[b] == r) continue;
          mark[b]   = r;
          list[n++] = b;
        }
    }
  }
  return n;
}

/* Whether fine rows i and i + 1 of A have the same columns (in both blocks). */
static PetscBool SameFineColumns(PetscInt i, const PetscInt *ia, const PetscInt *ja)
{
  const PetscInt n = ia[i + 1] - ia[i];
  return n == ia[i + 2] - ia[i + 1] && !memcmp(&ja[ia[i]], &ja[ia[i + 1]], (size_t)n * sizeof(PetscInt)) ? PETSC_TRUE
                                                                                                         : PETSC_FALSE;
}

/* Whether coarse row r has the columns of row r - 1, by a sufficient condition that holds for the
   components of one node of a vector field (P a vertex prolongation times the identity, A
   assembled node by node): the next global row, each child the next fine row of the previous
   row's child with the same weight, and each child's row of A with the columns of that one.
   Then r's columns are copied, not planned again: two of every three rows for elasticity. */
static PetscBool SameColumnsAsPrevious(TwinfeRanksGalerkin g, const PetscInt grow[], PetscInt r, const PetscInt *di,
                                       const PetscInt *dj, const PetscInt *oi, const PetscInt *oj)
{
  PetscInt n, prev;

  if (r == 0 || grow[r] != grow[r - 1] + 1) return PETSC_FALSE;
  n    = g->child_start[r + 1] - g->child_start[r];
  prev = g->child_start[r - 1];
  if (n != g->child_start[r] - prev) return PETSC_FALSE;
  for (PetscInt s = 0; s < n; ++s) {
    const PetscInt i = g->child[prev + s];
    if (g->child[g->child_start[r] + s] != i + 1 || g->child_w[g->child_start[r] + s] != g->child_w[prev + s] ||
        i + 1 >= g->nfine || !SameFineColumns(i, di, dj) || !SameFineColumns(i, oi, oj))
      return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

/* Every coarse row's columns, ascending (compact order is global order). */
static PetscErrorCode PlanPattern(TwinfeRanksGalerkin g, const PetscInt grow[])
{
  Mat             Ad, Ao;
  const PetscInt *di, *dj, *oi, *oj;
  PetscInt        n, *mark, *list;
  PetscBool       done, *same;

  PetscFunctionBeginUser;
  PetscCall(MatMPIAIJGetSeqAIJ(g->A, &Ad, &Ao, NULL));
  PetscCall(MatGetRowIJ(Ad, 0, PETSC_FALSE, PETSC_FALSE, &n, &di, &dj, &done));
  PetscCall(MatGetRowIJ(Ao, 0, PETSC_FALSE, PETSC_FALSE, &n, &oi, &oj, &done));
  PetscCall(PetscMalloc3(g->ncc + 1, &mark, g->ncc + 1, &list, g->nrows + 1, &same));
  for (PetscInt b = 0; b < g->ncc; ++b)
    mark[b] = -1;
  PetscCall(PetscMalloc1(g->nrows + 1, &g->rowptr));
  g->rowptr[0] = 0;
  for (PetscInt r = 0; r < g->nrows; ++r) {
    same[r]          = SameColumnsAsPrevious(g, grow, r, di, dj, oi, oj);
    g->rowptr[r + 1] = g->rowptr[r] + (same[r] ? g->rowptr[r] - g->rowptr[r - 1] : RowColumns(g, r, di, dj, oi, oj, mark, list));
  }
  PetscCall(PetscMalloc1(g->rowptr[g->nrows] + 1, &g->ccol));
  for (PetscInt b = 0; b < g->ncc; ++b)
    mark[b] = -1;
  for (PetscInt r = 0; r < g->nrows; ++r) {
    if (same[r]) {
      PetscCall(PetscArraycpy(&g->ccol[g->rowptr[r]], &g->ccol[g->rowptr[r - 1]], g->rowptr[r] - g->rowptr[r - 1]));
      continue;
    }
    const PetscInt len = RowColumns(g, r, di, dj, oi, oj, mark, &g->ccol[g->rowptr[r]]);
    PetscCall(PetscSortInt(len, &g->ccol[g->rowptr[r]]));
  }
  PetscCall(PetscFree3(mark, list, same));
  PetscCall(MatRestoreRowIJ(Ad, 0, PETSC_FALSE, PETSC_FALSE, &n, &di, &dj, &done));
  PetscCall(MatRestoreRowIJ(Ao, 0, PETSC_FALSE, PETSC_FALSE, &n, &oi, &oj, &done));
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

/*
  TwinfeRanksGalerkinCreate_Private - Plans C = P^T A P for MPIAIJ A (square) and P (rows as A's)
  and forms it; *C is the product (owned by g: reference it to keep it). Collective.
*/
PetscErrorCode TwinfeRanksGalerkinCreate_Private(Mat A, Mat P, TwinfeRanksGalerkin *galerkin, Mat *C)
{
  static PetscLogEvent event = -1;
  TwinfeRanksGalerkin  g;
  PetscInt            *own_cols, *cols, *grow, *cc_global, nB, crstart, crend;
  PetscScalar         *own_w;
  Mat                  Ao;

  PetscFunctionBeginUser;
  PetscCall(TwinfeLogBegin_Private("TwinfeRanksGalerkin", &event));
  PetscCall(PetscNew(&g));
  PetscCall(PetscObjectReference((PetscObject)A));
  PetscCall(PetscObjectReference((PetscObject)P));
  g->A = A, g->P = P;
  PetscCall(MatGetNonzeroState(A, &g->A_nonzero_state));
  PetscCall(MatMPIAIJGetSeqAIJ(A, NULL, &Ao, NULL));
  PetscCall(MatGetLocalSize(A, &g->nfine, NULL));
  PetscCall(MatGetSize(Ao, NULL, &nB));
  g->nAcols = g->nfine + nB;
  PetscCall(GetOwnedRowsOfP(P, &g->K, &own_cols, &own_w));
  PetscCall(PetscMalloc1(g->nAcols * g->K + 1, &cols));
  PetscCall(PetscMalloc1(g->nAcols * g->K + 1, &g->wt));
  PetscCall(PetscMalloc1(g->nAcols * g->K + 1, &g->par));
  PetscCall(GetRowsOfPForColumns(A, g->K, own_cols, own_w, g->nfine, g->nAcols, cols, g->wt));
  PetscCall(MatGetOwnershipRangeColumn(P, &crstart, &crend));
  PetscCall(PlanRows(g, own_cols, own_w, crstart, crend, &grow));
  PetscCall(CompactColumns(g, cols, crstart, crend, &cc_global));
  PetscCall(PlanPattern(g, grow));
  PetscCall(CreateProductMatrix(g, grow, cc_global));
  PetscCall(PetscFree2(own_cols, own_w));
  PetscCall(PetscFree(cols));
  PetscCall(PetscFree(grow));
  PetscCall(PetscFree(cc_global));
  PetscCall(PetscLogEventEnd(event, 0, 0, 0, 0));
  *galerkin = g;
  PetscCall(TwinfeRanksGalerkinNumeric_Private(g));
  *C = g->C;
  PetscFunctionReturn(0);
}

/*
  TwinfeRanksGalerkinNumeric_Private - C's values again from A's (same pattern as planned):
  per coarse row, its children's rows of A times P's weights summed in a dense accumulator, then
  the rows owned elsewhere sent to their owners. Collective.
*/
PetscErrorCode TwinfeRanksGalerkinNumeric_Private(TwinfeRanksGalerkin g)
{
  Mat                Ad, Ao;
  const PetscInt    *di, *dj, *oi, *oj, K = g->K;
  const PetscScalar *da, *oa;
  PetscInt           n;
  PetscBool          done;
  PetscObjectState   state;

  PetscFunctionBeginUser;
  PetscCall(MatGetNonzeroState(g->A, &state));
  PetscCheck(state == g->A_nonzero_state, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "Galerkin product: the fine operator's nonzero pattern changed since the product was planned");
  PetscCall(MatMPIAIJGetSeqAIJ(g->A, &Ad, &Ao, NULL));
  PetscCall(MatGetRowIJ(Ad, 0, PETSC_FALSE, PETSC_FALSE, &n, &di, &dj, &done));
  PetscCall(MatGetRowIJ(Ao, 0, PETSC_FALSE, PETSC_FALSE, &n, &oi, &oj, &done));
  PetscCall(MatSeqAIJGetArrayRead(Ad, &da));
  PetscCall(MatSeqAIJGetArrayRead(Ao, &oa));
  for (PetscInt r = 0; r < g->nrows; ++r) {
    for (PetscInt s = g->child_start[r]; s < g->child_start[r + 1]; ++s) {
      const PetscInt    i = g->child[s];
      const PetscScalar w = g->child_w[s];
      for (PetscInt half = 0; half < 2; ++half) {
        const PetscInt    *ia = half ? oi : di, *ja = half ? oj : dj, shift = half ? g->nfine : 0;
        const PetscScalar *va = half ? oa : da;
        for (PetscInt k = ia[i]; k < ia[i + 1]; ++k) {
          const PetscInt    *par = &g->par[(ja[k] + shift) * K];
          const PetscScalar *wt  = &g->wt[(ja[k] + shift) * K];
          const PetscScalar  wv  = w * va[k];
          for (PetscInt p = 0; p < K && par[p] >= 0; ++p)
            g->acc[par[p]] += wv * wt[p];
        }
      }
    }
    for (PetscInt k = g->rowptr[r]; k < g->rowptr[r + 1]; ++k) {
      g->values[k]       = g->acc[g->ccol[k]];
      g->acc[g->ccol[k]] = 0;
    }
  }
  PetscCall(MatSeqAIJRestoreArrayRead(Ad, &da));
  PetscCall(MatSeqAIJRestoreArrayRead(Ao, &oa));
  PetscCall(MatRestoreRowIJ(Ad, 0, PETSC_FALSE, PETSC_FALSE, &n, &di, &dj, &done));
  PetscCall(MatRestoreRowIJ(Ao, 0, PETSC_FALSE, PETSC_FALSE, &n, &oi, &oj, &done));
  PetscCall(TwinfeRanksMatrixSetValues_Private(g->C, g->rowptr, g->values));
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
