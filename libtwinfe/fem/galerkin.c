/* The Galerkin product P^T A P of a symmetric block matrix (SeqSBAIJ) and a vertex prolongation.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why: PETSc 3.18 forms P^T A P for AIJ matrices only. The small-strain stiffness on a refined
 * mesh is stored as SBAIJ on one rank (the upper triangle in 3x3 blocks: 200 MB instead of
 * 540 MB at 1M P1 unknowns), and converting it back to AIJ for the product would bring back the
 * memory it saves. P here has the structure every geometric prolongation between nested P1
 * levels has: the rows of a fine node's components share their coarse nodes and weights (the
 * parent vertex, or the two ends of the parent edge, each component on its own). So the
 * product is worked out node by node, one coarse row at a time, from A's blocks and a few
 * weights: no intermediate A P (the 341 MB transient of PETSc's PtAP at 1M unknowns). */
#include "fem_impl.h"

/* P at node level: row n (a fine node) lists its coarse nodes and weights. */
typedef struct {
  PetscInt   nfine, ncoarse;
  PetscInt  *start, *node; /* CSR over fine nodes */
  PetscReal *weight;
  PetscInt  *tstart, *tnode; /* the transpose: per coarse node, its fine nodes */
  PetscReal *tweight;
} NodeProlongation;

/* The node-level P read from row bs*n of every fine node n; its other components' rows must
   carry the same nodes and weights (checked). */
static PetscErrorCode NodeProlongationCreate(Mat P, PetscInt bs, NodeProlongation *np)
{
  const PetscInt    *ia, *ja;
  const PetscScalar *va;
  PetscInt           m, n, nrows, *count;
  PetscBool          done;

  PetscFunctionBeginUser;
  PetscCall(MatGetSize(P, &m, &n));
  PetscCheck(m % bs == 0 && n % bs == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "Galerkin product: P is %" PetscInt_FMT " x %" PetscInt_FMT ", not in blocks of %" PetscInt_FMT, m, n, bs);
  np->nfine   = m / bs;
  np->ncoarse = n / bs;
  PetscCall(MatGetRowIJ(P, 0, PETSC_FALSE, PETSC_FALSE, &nrows, &ia, &ja, &done));
  PetscCheck(done && nrows == m, PETSC_COMM_SELF, PETSC_ERR_SUP, "Galerkin product: P gives no CSR arrays");
  PetscCall(MatSeqAIJGetArrayRead(P, &va));
  PetscCall(PetscMalloc3(np->nfine + 1, &np->start, ia[m] / bs, &np->node, ia[m] / bs, &np->weight));
  np->start[0] = 0;
  for (PetscInt f = 0; f < np->nfine; ++f) {
    const PetscInt r = bs * f, len = ia[r + 1] - ia[r];
    np->start[f + 1] = np->start[f] + len;
    for (PetscInt k = 0; k < len; ++k) {
      np->node[np->start[f] + k]   = ja[ia[r] + k] / bs;
      np->weight[np->start[f] + k] = PetscRealPart(va[ia[r] + k]);
    }
    for (PetscInt c = 1; c < bs; ++c) { /* the other components: the same nodes, shifted by c */
      PetscBool same = (PetscBool)(ia[r + c + 1] - ia[r + c] == len);
      for (PetscInt k = 0; k < len && same; ++k)
        same = (PetscBool)(ja[ia[r + c] + k] == ja[ia[r] + k] + c && va[ia[r + c] + k] == va[ia[r] + k]);
      PetscCheck(same, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "Galerkin product: row %" PetscInt_FMT " of P is not row %" PetscInt_FMT " shifted by one component", r + c, r);
    }
  }
  PetscCall(MatSeqAIJRestoreArrayRead(P, &va));
  PetscCall(MatRestoreRowIJ(P, 0, PETSC_FALSE, PETSC_FALSE, &nrows, &ia, &ja, &done));
  /* transpose */
  PetscCall(PetscCalloc1(np->ncoarse + 1, &np->tstart));
  PetscCall(PetscMalloc2(np->start[np->nfine], &np->tnode, np->start[np->nfine], &np->tweight));
  for (PetscInt k = 0; k < np->start[np->nfine]; ++k)
    np->tstart[np->node[k] + 1]++;
  for (PetscInt c = 0; c < np->ncoarse; ++c)
    np->tstart[c + 1] += np->tstart[c];
  PetscCall(PetscMalloc1(np->ncoarse, &count));
  PetscCall(PetscArraycpy(count, np->tstart, np->ncoarse));
  for (PetscInt f = 0; f < np->nfine; ++f)
    for (PetscInt k = np->start[f]; k < np->start[f + 1]; ++k) {
      const PetscInt at = count[np->node[k]]++;
      np->tnode[at]     = f;
      np->tweight[at]   = np->weight[k];
    }
  PetscCall(PetscFree(count));
  PetscFunctionReturn(0);
}

static PetscErrorCode NodeProlongationDestroy(NodeProlongation *np)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree3(np->start, np->node, np->weight));
  PetscCall(PetscFree(np->tstart));
  PetscCall(PetscFree2(np->tnode, np->tweight));
  PetscFunctionReturn(0);
}

/* A's block structure: its upper triangle as stored (ui, uj, blocks ua, column-major), and the
   strictly lower one as the transpose of the upper (per block row: the rows above it and the
   block to transpose), so that a row's every neighbour is at hand. */
typedef struct {
  PetscInt           nb, bs;
  const PetscInt    *ui, *uj;
  const PetscScalar *ua;
  PetscInt          *li, *lrow, *lblock;
} SymmetricBlocks;

static PetscErrorCode SymmetricBlocksGet(Mat A, SymmetricBlocks *s)
{
  PetscInt  *count, nrows;
  PetscBool  done;
  PetscCount nlower = 0;

  PetscFunctionBeginUser;
  PetscCall(MatGetBlockSize(A, &s->bs));
  PetscCall(MatGetRowIJ(A, 0, PETSC_FALSE, PETSC_TRUE, &nrows, &s->ui, &s->uj, &done));
  PetscCheck(done, PETSC_COMM_SELF, PETSC_ERR_SUP, "Galerkin product: A gives no block CSR arrays");
  s->nb = nrows;
  PetscCall(MatSeqSBAIJGetArray(A, (PetscScalar **)&s->ua));
  PetscCall(PetscCalloc1(s->nb + 1, &s->li));
  for (PetscInt r = 0; r < s->nb; ++r)
    for (PetscInt b = s->ui[r]; b < s->ui[r + 1]; ++b)
      if (s->uj[b] != r) {
        s->li[s->uj[b] + 1]++;
        nlower++;
      }
  for (PetscInt r = 0; r < s->nb; ++r)
    s->li[r + 1] += s->li[r];
  PetscCall(PetscMalloc2(nlower, &s->lrow, nlower, &s->lblock));
  PetscCall(PetscMalloc1(s->nb, &count));
  PetscCall(PetscArraycpy(count, s->li, s->nb));
  for (PetscInt r = 0; r < s->nb; ++r)
    for (PetscInt b = s->ui[r]; b < s->ui[r + 1]; ++b)
      if (s->uj[b] != r) {
        const PetscInt at = count[s->uj[b]]++;
        s->lrow[at]       = r;
        s->lblock[at]     = b;
      }
  PetscCall(PetscFree(count));
  PetscFunctionReturn(0);
}

static PetscErrorCode SymmetricBlocksRestore(Mat A, SymmetricBlocks *s)
{
  PetscInt  nrows;
  PetscBool done;

  PetscFunctionBeginUser;
  PetscCall(MatSeqSBAIJRestoreArray(A, (PetscScalar **)&s->ua));
  PetscCall(MatRestoreRowIJ(A, 0, PETSC_FALSE, PETSC_TRUE, &nrows, &s->ui, &s->uj, &done));
  PetscCall(PetscFree(s->li));
  PetscCall(PetscFree2(s->lrow, s->lblock));
  PetscFunctionReturn(0);
}

/* Scratch for one coarse row: a dense block per coarse node, and which ones it touched. */
typedef struct {
  PetscScalar *acc;     /* ncoarse * bs * bs, row-major blocks, zero where untouched */
  PetscInt    *touched; /* coarse nodes of the row */
  PetscInt     ntouched;
  PetscInt    *mark; /* coarse node -> the row that touched it last */
} RowScratch;

/* acc[q] += w * B (transpose: B^T) for every coarse node q of fine node m, weighted by its
   weight: B is one stored block, column-major. */
static inline void AddToParents(const NodeProlongation *np, PetscInt bs, PetscInt m, PetscReal w, const PetscScalar *B,
                                PetscBool transpose, PetscInt row, RowScratch *rs, PetscBool numeric)
{
  for (PetscInt k = np->start[m]; k < np->start[m + 1]; ++k) {
    const PetscInt q = np->node[k];
    if (rs->mark[q] != row) {
      rs->mark[q]                 = row;
      rs->touched[rs->ntouched++] = q;
    }
    if (!numeric) continue;
    {
      const PetscReal ww  = w * np->weight[k];
      PetscScalar    *dst = &rs->acc[(size_t)q * bs * bs];
      for (PetscInt r = 0; r < bs; ++r)
        for (PetscInt c = 0; c < bs; ++c)
          dst[r * bs + c] += ww * (transpose ? B[r * bs + c] : B[c * bs + r]);
    }
  }
}

/* Coarse row p of P^T A P into rs: every fine node n under p (weight wn), every neighbour m of
   n in A (upper blocks as stored, lower ones transposed), every coarse node of m. */
static void CoarseRow(const SymmetricBlocks *s, const NodeProlongation *np, PetscInt p, RowScratch *rs, PetscBool numeric)
{
  const PetscInt bs = s->bs, bs2 = bs * bs;

  rs->ntouched = 0;
  for (PetscInt t = np->tstart[p]; t < np->tstart[p + 1]; ++t) {
    const PetscInt  n  = np->tnode[t];
    const PetscReal wn = np->tweight[t];
    for (PetscInt b = s->ui[n]; b < s->ui[n + 1]; ++b)
      AddToParents(np, bs, s->uj[b], wn, &s->ua[(size_t)b * bs2], PETSC_FALSE, p, rs, numeric);
    for (PetscInt l = s->li[n]; l < s->li[n + 1]; ++l)
      AddToParents(np, bs, s->lrow[l], wn, &s->ua[(size_t)s->lblock[l] * bs2], PETSC_TRUE, p, rs, numeric);
  }
}

/*@C
  TwinfeGalerkinSymmetric_Private - C = P^T A P as a SeqAIJ of block size bs, for A a SeqSBAIJ
  of block size bs and P a SeqAIJ whose rows are a node-level prolongation repeated per
  component (as TwinfeMultigrid builds it). Not collective.
@*/
PetscErrorCode TwinfeGalerkinSymmetric_Private(Mat A, Mat P, Mat *C)
{
  static PetscLogEvent event = -1;
  SymmetricBlocks      s;
  NodeProlongation     np;
  RowScratch           rs;
  PetscInt            *nnz, *cols;
  PetscScalar         *vals;

  PetscFunctionBeginUser;
  PetscCall(TwinfeLogBegin_Private("TwinfeGalerkin", &event));
  PetscCall(SymmetricBlocksGet(A, &s));
  PetscCall(NodeProlongationCreate(P, s.bs, &np));
  PetscCheck(np.nfine == s.nb, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "Galerkin product: P has %" PetscInt_FMT " fine nodes, A %" PetscInt_FMT, np.nfine, s.nb);
  PetscCall(PetscCalloc1((size_t)np.ncoarse * s.bs * s.bs, &rs.acc));
  PetscCall(PetscMalloc2(np.ncoarse, &rs.touched, np.ncoarse, &rs.mark));
  for (PetscInt q = 0; q < np.ncoarse; ++q)
    rs.mark[q] = -1;
  /* symbolic: the coarse nodes of each row, for the preallocation */
  PetscCall(PetscMalloc1(np.ncoarse * s.bs, &nnz));
  for (PetscInt p = 0; p < np.ncoarse; ++p) {
    CoarseRow(&s, &np, p, &rs, PETSC_FALSE);
    for (PetscInt r = 0; r < s.bs; ++r)
      nnz[p * s.bs + r] = rs.ntouched * s.bs;
  }
  PetscCall(MatCreateSeqAIJ(PETSC_COMM_SELF, np.ncoarse * s.bs, np.ncoarse * s.bs, 0, nnz, C));
  PetscCall(MatSetBlockSize(*C, s.bs));
  PetscCall(MatSetOption(*C, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_TRUE));
  PetscCall(PetscFree(nnz));
  /* numeric: row by row, sorted columns */
  PetscCall(PetscMalloc2(np.ncoarse * s.bs, &cols, np.ncoarse * s.bs * s.bs, &vals));
  for (PetscInt q = 0; q < np.ncoarse; ++q)
    rs.mark[q] = -1;
  for (PetscInt p = 0; p < np.ncoarse; ++p) {
    CoarseRow(&s, &np, p, &rs, PETSC_TRUE);
    PetscCall(PetscSortInt(rs.ntouched, rs.touched));
    for (PetscInt r = 0; r < s.bs; ++r) {
      const PetscInt row = p * s.bs + r;
      PetscInt       n   = 0;
      for (PetscInt t = 0; t < rs.ntouched; ++t) {
        const PetscScalar *blk = &rs.acc[(size_t)rs.touched[t] * s.bs * s.bs];
        for (PetscInt c = 0; c < s.bs; ++c) {
          cols[n]   = rs.touched[t] * s.bs + c;
          vals[n++] = blk[r * s.bs + c];
        }
      }
      PetscCall(MatSetValues(*C, 1, &row, n, cols, vals, INSERT_VALUES));
    }
    for (PetscInt t = 0; t < rs.ntouched; ++t)
      PetscCall(PetscArrayzero(&rs.acc[(size_t)rs.touched[t] * s.bs * s.bs], s.bs * s.bs));
  }
  PetscCall(MatAssemblyBegin(*C, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*C, MAT_FINAL_ASSEMBLY));
  PetscCall(PetscFree2(cols, vals));
  PetscCall(PetscFree(rs.acc));
  PetscCall(PetscFree2(rs.touched, rs.mark));
  PetscCall(NodeProlongationDestroy(&np));
  PetscCall(SymmetricBlocksRestore(A, &s));
  PetscCall(PetscLogEventEnd(event, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
