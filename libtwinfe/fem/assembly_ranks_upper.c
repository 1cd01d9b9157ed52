/* A symmetric space matrix over several ranks, stored as its upper blocks (MPISBAIJ).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why: on one rank the small-strain stiffness keeps only its upper triangle in 3x3 blocks
 * (assembly.c, SeqSBAIJ); over several ranks it was an AIJ of both triangles with a column index
 * per value, 12 bytes a value against about 4.5 for every value of the whole matrix. On the CT
 * case's 2 ranks (607k unknowns) the AIJ held 160 MB a rank where one rank's SBAIJ held 108 MB
 * for the whole problem, and every MatMult read the AIJ's bytes.
 *
 * How: a block entry is a node pair. Each rank lists, per local node, the block columns at or
 * after it in global numbering (the upper triangle of its rows); the plan of assembly_ranks.c
 * merges the rows several ranks hold at their owner. The diagonal block is PETSc's (a SeqSBAIJ
 * preallocated from the plan) and element blocks are summed straight into its values; the
 * off-diagonal block (columns owned by later ranks: interface rows only) is summed in our array
 * and set block row by block row; the blocks of rows owned elsewhere are summed in a short
 * buffer and sent to their owners, which add them after their own, in rank order (the same
 * fixed order as assembly_ranks.c, so a run gives the same matrix each time). */
#include "fem_impl.h"

#include <petsc/private/petscimpl.h> /* PetscObjectStateGet: 3.18 declares it only here */
#include <petscsf.h>

typedef struct {
  const void     *owner;          /* the space's DM */
  TwinfeRanksPlan plan;           /* block entries: where they land */
  PetscInt        bs, bs2;        /* block size, its square */
  PetscInt        rstart;         /* first owned block row */
  PetscInt       *upper_at;       /* per entry of the local block pattern (both triangles): its place among its
                                     row's upper entries, -1 below the diagonal */
  PetscScalar     *off;           /* the off-diagonal block's values, plan.nzb blocks */
  PetscScalar     *ghost, *recv;  /* blocks sent (plan.nghost) and received (plan.nrecv) */
  MPI_Datatype     block;         /* bs2 scalars */
  PetscObjectState nonzero_state; /* the matrix's when made */
  PetscObjectState values_state;  /* the matrix's once off was last pushed into it: off is a copy of PETSc's block */
} UpperMatrix;

static const char upper_key[] = "TwinfeRanksUpperMatrix";

static PetscErrorCode UpperMatrixDestroy(void *ctx)
{
  UpperMatrix *um = (UpperMatrix *)ctx;

  PetscFunctionBeginUser;
  PetscCall(TwinfeRanksPlanDestroy_Private(&um->plan));
  PetscCall(PetscFree(um->upper_at));
  PetscCall(PetscFree3(um->off, um->ghost, um->recv));
  if (um->block != MPI_DATATYPE_NULL) PetscCallMPI(MPI_Type_free(&um->block));
  PetscCall(PetscFree(um));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetUpperMatrix(Mat A, UpperMatrix **um)
{
  PetscContainer keep;

  PetscFunctionBeginUser;
  *um = NULL;
  PetscCall(PetscObjectQuery((PetscObject)A, upper_key, (PetscObject *)&keep));
  if (keep) PetscCall(PetscContainerGetPointer(keep, (void **)um));
  PetscFunctionReturn(0);
}

/* Whether the space's dofs come in whole nodes of bs consecutive dofs, locally and globally, so
   that local node n is block row idx[bs n] / bs. Collective. */
PetscErrorCode TwinfeSpaceCanStoreRanksUpper_Private(TwinfeSpace space, PetscInt nowned, PetscBool *can)
{
  const PetscInt         bs = space->ncomp[0];
  ISLocalToGlobalMapping ltog;
  const PetscInt        *idx;
  PetscInt               nl;
  PetscBool              mine;

  PetscFunctionBeginUser;
  PetscCall(DMGetLocalToGlobalMapping(space->dm, &ltog));
  PetscCall(ISLocalToGlobalMappingGetSize(ltog, &nl));
  mine = (PetscBool)(space->nfields == 1 && bs > 1 && nl % bs == 0 && nowned % bs == 0);
  PetscCall(ISLocalToGlobalMappingGetIndices(ltog, &idx));
  for (PetscInt n = 0; mine && n < nl / bs; ++n) {
    mine = (PetscBool)(idx[bs * n] >= 0 && idx[bs * n] % bs == 0);
    for (PetscInt c = 1; c < bs && mine; ++c)
      mine = (PetscBool)(idx[bs * n + c] == idx[bs * n] + c);
  }
  for (PetscInt c = 0; c < space->ncells && mine; ++c) /* a node's first dof starts a block */
    for (PetscInt j = 0; j < space->nnodes && mine; ++j)
      mine = (PetscBool)(TwinfeSpaceNodeDof(space, c, j) % bs == 0);
  PetscCall(ISLocalToGlobalMappingRestoreIndices(ltog, &idx));
  PetscCall(MPIU_Allreduce(&mine, can, 1, MPIU_BOOL, MPI_LAND, space->comm));
  PetscFunctionReturn(0);
}

/* The local nodes' upper block rows in global numbers, and upper_at for every entry of the
   local block pattern. The rows of a node's components share its block columns, so the node's
   first row stands for all. */
static PetscErrorCode ListUpperRows(TwinfeSpace space, const PetscInt idx[], PetscInt nnodes, UpperMatrix *um, PetscInt **grow,
                                    PetscInt **rowptr, PetscInt **gcol)
{
  const PetscInt bs = um->bs, nfull = space->nnz / um->bs2;
  PetscInt       nupper = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(nfull + 1, &um->upper_at));
  PetscCall(PetscMalloc2(nnodes + 1, grow, nnodes + 1, rowptr));
  (*rowptr)[0] = 0;
  for (PetscInt n = 0; n < nnodes; ++n) {
    const PetscInt d = bs * n, first = space->pattern_rowptr[d] / um->bs2;
    (*grow)[n] = idx[d] / bs;
    for (PetscInt k = space->pattern_rowptr[d]; k < space->pattern_rowptr[d + 1]; k += bs) {
      const PetscInt col                                        = idx[space->pattern_cols[k]] / bs;
      um->upper_at[first + (k - space->pattern_rowptr[d]) / bs] = col >= (*grow)[n] ? nupper++ - (*rowptr)[n] : -1;
    }
    (*rowptr)[n + 1] = nupper;
  }
  PetscCall(PetscMalloc1(nupper + 1, gcol));
  for (PetscInt n = 0, at = 0; n < nnodes; ++n) {
    const PetscInt d = bs * n;
    for (PetscInt k = space->pattern_rowptr[d]; k < space->pattern_rowptr[d + 1]; k += bs) {
      const PetscInt col = idx[space->pattern_cols[k]] / bs;
      if (col >= (*grow)[n]) (*gcol)[at++] = col;
    }
  }
  PetscFunctionReturn(0);
}

/* PETSc's MPISBAIJ preallocated with the plan's blocks (global block columns, ascending). */
static PetscErrorCode CreateSBAIJ(MPI_Comm comm, const UpperMatrix *um, PetscInt nowned, Mat *A)
{
  const TwinfeRanksPlan *pl = &um->plan;
  PetscInt              *ii, *jj;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(pl->nowned + 1, &ii, pl->nza + pl->nzb + 1, &jj));
  ii[0] = 0;
  for (PetscInt i = 0; i < pl->nowned; ++i) {
    PetscInt at = ii[i];
    for (PetscInt k = pl->ai[i]; k < pl->ai[i + 1]; ++k) /* owned columns come before later ranks' */
      jj[at++] = pl->aj[k] + um->rstart;
    for (PetscInt k = pl->bi[i]; k < pl->bi[i + 1]; ++k)
      jj[at++] = pl->bj[k];
    ii[i + 1] = at;
  }
  PetscCall(MatCreate(comm, A));
  PetscCall(MatSetSizes(*A, nowned, nowned, PETSC_DETERMINE, PETSC_DETERMINE));
  PetscCall(MatSetType(*A, MATMPISBAIJ));
  PetscCall(MatMPISBAIJSetPreallocationCSR(*A, um->bs, ii, jj, NULL));
  PetscCall(PetscFree2(ii, jj));
  PetscFunctionReturn(0);
}

/* The diagonal block's pattern must be the plan's, block for block: assembly writes into its
   values by the plan's places. */
static PetscErrorCode CheckDiagonalPattern(Mat A, const TwinfeRanksPlan *pl)
{
  Mat             Ad;
  const PetscInt *ia, *ja;
  PetscInt        nb;
  PetscBool       done, same;

  PetscFunctionBeginUser;
  PetscCall(MatGetDiagonalBlock(A, &Ad));
  PetscCall(MatGetRowIJ(Ad, 0, PETSC_FALSE, PETSC_TRUE, &nb, &ia, &ja, &done));
  same = (PetscBool)(done && nb == pl->nowned);
  if (same) PetscCall(PetscArraycmp(ia, pl->ai, nb + 1, &same));
  if (same) PetscCall(PetscArraycmp(ja, pl->aj, pl->nza, &same));
  PetscCall(MatRestoreRowIJ(Ad, 0, PETSC_FALSE, PETSC_TRUE, &nb, &ia, &ja, &done));
  PetscCheck(same, PETSC_COMM_SELF, PETSC_ERR_PLIB, "TwinfeSpace: PETSc stored the symmetric matrix's blocks in another order");
  PetscFunctionReturn(0);
}

/*
  TwinfeSpaceCreateRanksUpperMatrix_Private - The space's symmetric matrix over several ranks as
  an MPISBAIJ of block size ncomp (TwinfeSpaceCanStoreRanksUpper_Private must hold); nowned owned
  dofs here. Needs pattern_cols. Collective.
*/
PetscErrorCode TwinfeSpaceCreateRanksUpperMatrix_Private(TwinfeSpace space, PetscInt nowned, Mat *A)
{
  static PetscLogEvent   event = -1;
  ISLocalToGlobalMapping ltog;
  const PetscInt        *idx;
  PetscInt               nl, *grow, *rowptr, *gcol;
  UpperMatrix           *um;
  TwinfeLocalRows        rows;
  PetscContainer         keep;

  PetscFunctionBeginUser;
  PetscCall(TwinfeLogBegin_Private("TwinfeRanksMatrix", &event));
  PetscCall(PetscNew(&um));
  um->owner = space->dm;
  um->bs    = space->ncomp[0];
  um->bs2   = um->bs * um->bs;
  um->block = MPI_DATATYPE_NULL;
  PetscCall(DMGetLocalToGlobalMapping(space->dm, &ltog));
  PetscCall(ISLocalToGlobalMappingGetSize(ltog, &nl));
  PetscCall(ISLocalToGlobalMappingGetIndices(ltog, &idx));
  PetscCall(ListUpperRows(space, idx, nl / um->bs, um, &grow, &rowptr, &gcol));
  PetscCall(ISLocalToGlobalMappingRestoreIndices(ltog, &idx));
  rows.nlocal = nl / um->bs;
  rows.grow   = grow;
  rows.rowptr = rowptr;
  rows.gcol   = gcol;
  PetscCall(TwinfeRanksPlanCreate_Private(space->comm, nowned / um->bs, &rows, PETSC_TRUE, &um->plan));
  PetscCall(PetscFree2(grow, rowptr));
  PetscCall(PetscFree(gcol));
  PetscCallMPI(MPI_Exscan(&um->plan.nowned, &um->rstart, 1, MPIU_INT, MPI_SUM, space->comm));
  {
    PetscMPIInt rank;
    PetscCallMPI(MPI_Comm_rank(space->comm, &rank));
    if (!rank) um->rstart = 0;
  }
  PetscCall(PetscMalloc3((size_t)um->plan.nzb * um->bs2 + 1, &um->off, (size_t)um->plan.nghost * um->bs2 + 1, &um->ghost,
                         (size_t)um->plan.nrecv * um->bs2 + 1, &um->recv));
  PetscCallMPI(MPI_Type_contiguous((PetscMPIInt)um->bs2, MPIU_SCALAR, &um->block));
  PetscCallMPI(MPI_Type_commit(&um->block));
  PetscCall(CreateSBAIJ(space->comm, um, nowned, A));
  PetscCall(PetscContainerCreate(PETSC_COMM_SELF, &keep));
  PetscCall(PetscContainerSetPointer(keep, um));
  PetscCall(PetscContainerSetUserDestroy(keep, UpperMatrixDestroy));
  PetscCall(PetscObjectCompose((PetscObject)*A, upper_key, (PetscObject)keep));
  PetscCall(PetscContainerDestroy(&keep));
  PetscCall(CheckDiagonalPattern(*A, &um->plan));
  PetscCall(MatSetOption(*A, MAT_NEW_NONZERO_LOCATION_ERR, PETSC_TRUE));
  PetscCall(MatGetNonzeroState(*A, &um->nonzero_state));
  PetscCall(PetscLogEventEnd(event, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*
  TwinfeRanksUpperGetSink_Private - If A is the MPISBAIJ that owner's space made, its blocks
  zeroed and open for sums (sink, *is set); otherwise *is false. Not collective.
*/
PetscErrorCode TwinfeRanksUpperGetSink_Private(Mat A, const void *owner, TwinfeUpperSink *sink, PetscBool *is)
{
  UpperMatrix     *um;
  Mat              Ad;
  PetscObjectState now;

  PetscFunctionBeginUser;
  *is = PETSC_FALSE;
  PetscCall(GetUpperMatrix(A, &um));
  if (!um || um->owner != owner) PetscFunctionReturn(0);
  PetscCall(MatGetNonzeroState(A, &now));
  PetscCheck(now == um->nonzero_state, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "The matrix's nonzero pattern changed since it was created: create it again");
  sink->plan     = &um->plan;
  sink->upper_at = um->upper_at;
  sink->bs       = um->bs;
  sink->bs2      = um->bs2;
  sink->off      = um->off;
  sink->ghost    = um->ghost;
  PetscCall(MatGetDiagonalBlock(A, &Ad));
  PetscCall(MatSeqSBAIJGetArray(Ad, &sink->diag));
  PetscCall(PetscArrayzero(sink->diag, (size_t)um->plan.nza * um->bs2));
  PetscCall(PetscArrayzero(um->off, (size_t)um->plan.nzb * um->bs2));
  PetscCall(PetscArrayzero(um->ghost, (size_t)um->plan.nghost * um->bs2));
  *is = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* The off-diagonal block's values into PETSc's, block row by block row, then the assembly
   (which raises A's state, so preconditioners are set up again). */
static PetscErrorCode PushOffDiagonal(Mat A, UpperMatrix *um)
{
  const TwinfeRanksPlan *pl = &um->plan;

  PetscFunctionBeginUser;
  PetscCall(MatSetOption(A, MAT_ROW_ORIENTED, PETSC_FALSE)); /* our blocks are column-major */
  for (PetscInt i = 0; i < pl->nowned; ++i) {
    const PetscInt row = um->rstart + i, n = pl->bi[i + 1] - pl->bi[i];
    if (n)
      PetscCall(MatSetValuesBlocked(A, 1, &row, n, &pl->bj[pl->bi[i]], &um->off[(size_t)pl->bi[i] * um->bs2], INSERT_VALUES));
  }
  PetscCall(MatSetOption(A, MAT_ROW_ORIENTED, PETSC_TRUE));
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscCall(PetscObjectStateGet((PetscObject)A, &um->values_state));
  PetscFunctionReturn(0);
}

/* Zeroing rows and the Galerkin product read the off-diagonal block from our copy: A's values
   must not have changed since it was pushed (a MatScale, MatShift or MatAXPY into A would leave
   the copy behind, and those would silently use old values). */
static PetscErrorCode CheckValuesCurrent(Mat A, const UpperMatrix *um)
{
  PetscObjectState now;

  PetscFunctionBeginUser;
  PetscCall(PetscObjectStateGet((PetscObject)A, &now));
  PetscCheck(now == um->values_state, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "The symmetric matrix's values were changed outside its assembly (TwinfeSpaceAssembleMatrix): assemble it again");
  PetscFunctionReturn(0);
}

/*
  TwinfeRanksUpperRestoreSink_Private - Closes the sums: the blocks of rows owned elsewhere sent
  and added at their owners after their own, the off-diagonal block set, A assembled. After a
  failed kernel (failed) only the array is given back: sending is collective and the other
  ranks may have stopped elsewhere. Collective unless failed.
*/
PetscErrorCode TwinfeRanksUpperRestoreSink_Private(Mat A, TwinfeUpperSink *sink, PetscBool failed)
{
  UpperMatrix           *um;
  const TwinfeRanksPlan *pl;
  Mat                    Ad;

  PetscFunctionBeginUser;
  PetscCall(GetUpperMatrix(A, &um));
  pl = &um->plan;
  if (!failed) {
    PetscCall(PetscSFReduceBegin(pl->entries, um->block, um->ghost, um->recv, MPI_REPLACE));
    PetscCall(PetscSFReduceEnd(pl->entries, um->block, um->ghost, um->recv, MPI_REPLACE));
    for (PetscInt r = 0; r < pl->nrecv; ++r) {
      const PetscInt     at  = pl->recv_at[r];
      PetscScalar       *dst = at < pl->nza ? &sink->diag[(size_t)at * um->bs2] : &um->off[(size_t)(at - pl->nza) * um->bs2];
      const PetscScalar *src = &um->recv[(size_t)r * um->bs2];
      for (PetscInt k = 0; k < um->bs2; ++k)
        dst[k] += src[k];
    }
  }
  PetscCall(MatGetDiagonalBlock(A, &Ad));
  PetscCall(MatSeqSBAIJRestoreArray(Ad, &sink->diag));
  if (!failed) PetscCall(PushOffDiagonal(A, um));
  PetscFunctionReturn(0);
}

/* Per owned block row's off-diagonal block column, which of its dofs are held (bit c: dof c),
   from the columns' owners. */
static PetscErrorCode HeldMasksOfOffColumns(Mat A, const UpperMatrix *um, const PetscBool held[], PetscInt **mask)
{
  const TwinfeRanksPlan *pl = &um->plan;
  PetscInt              *own, *cols, ncols;
  PetscLayout            blocks;
  PetscSF                sf;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(pl->nowned + 1, &own));
  for (PetscInt i = 0; i < pl->nowned; ++i) {
    own[i] = 0;
    for (PetscInt c = 0; c < um->bs; ++c)
      if (held[um->bs * i + c]) own[i] |= (PetscInt)1 << c;
  }
  ncols = pl->nzb;
  PetscCall(PetscMalloc1(ncols + 1, &cols));
  PetscCall(PetscArraycpy(cols, pl->bj, ncols));
  PetscCall(PetscSortRemoveDupsInt(&ncols, cols));
  PetscCall(PetscLayoutCreateFromSizes(PetscObjectComm((PetscObject)A), pl->nowned, PETSC_DECIDE, 1, &blocks));
  PetscCall(PetscSFCreate(PetscObjectComm((PetscObject)A), &sf));
  PetscCall(PetscSFSetGraphLayout(sf, blocks, ncols, NULL, PETSC_COPY_VALUES, cols));
  PetscCall(PetscMalloc1(pl->nzb + 1, mask));
  {
    PetscInt *col_mask;
    PetscCall(PetscMalloc1(ncols + 1, &col_mask));
    PetscCall(PetscSFBcastBegin(sf, MPIU_INT, own, col_mask, MPI_REPLACE));
    PetscCall(PetscSFBcastEnd(sf, MPIU_INT, own, col_mask, MPI_REPLACE));
    for (PetscInt k = 0; k < pl->nzb; ++k) {
      PetscInt at;
      PetscCall(PetscFindInt(pl->bj[k], ncols, cols, &at));
      (*mask)[k] = col_mask[at];
    }
    PetscCall(PetscFree(col_mask));
  }
  PetscCall(PetscSFDestroy(&sf));
  PetscCall(PetscLayoutDestroy(&blocks));
  PetscCall(PetscFree(cols));
  PetscCall(PetscFree(own));
  PetscFunctionReturn(0);
}

/* Zero every value of a block (column-major) in a held row or column; a held diagonal dof gets
   diag. row_mask, col_mask: bit c set for held dof c of the block's row, column. */
static void ZeroHeldInBlock(PetscScalar blk[], PetscInt bs, PetscInt row_mask, PetscInt col_mask, PetscBool diagonal,
                            PetscScalar diag)
{
  for (PetscInt cj = 0; cj < bs; ++cj)
    for (PetscInt ri = 0; ri < bs; ++ri)
      if ((row_mask >> ri & 1) || (col_mask >> cj & 1)) blk[cj * bs + ri] = diagonal && ri == cj ? diag : 0;
}

/*
  TwinfeRanksUpperZeroRowsColumns_Private - MatZeroRowsColumns for the MPISBAIJ the space made
  (PETSc 3.18's MPISBAIJ has none): every stored value in a held row or column zeroed, a held
  diagonal set to diag. rows: global, owned here. The stored triangle holds one of each
  symmetric pair, so both are covered; a column owned by a later rank learns from it whether it
  is held. Collective.
*/
PetscErrorCode TwinfeRanksUpperZeroRowsColumns_Private(Mat A, PetscInt n, const PetscInt rows[], PetscScalar diag)
{
  UpperMatrix           *um;
  const TwinfeRanksPlan *pl;
  PetscBool             *held;
  PetscInt              *off_mask, start, nb;
  Mat                    Ad;
  PetscScalar           *a;
  const PetscInt        *ia, *ja;
  PetscBool              done;

  PetscFunctionBeginUser;
  PetscCall(GetUpperMatrix(A, &um));
  PetscCheck(um, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "The matrix was not made by TwinfeSpaceCreateSymmetricMatrix");
  PetscCall(CheckValuesCurrent(A, um));
  pl    = &um->plan;
  start = um->rstart * um->bs;
  {
    PetscInt foreign = -1, any; /* checked on every rank before any message: one rank alone would leave the others waiting */
    for (PetscInt i = 0; i < n && foreign < 0; ++i)
      if (rows[i] < start || rows[i] >= start + pl->nowned * um->bs) foreign = rows[i];
    PetscCallMPI(MPIU_Allreduce(&foreign, &any, 1, MPIU_INT, MPI_MAX, PetscObjectComm((PetscObject)A)));
    PetscCheck(any < 0, PetscObjectComm((PetscObject)A), PETSC_ERR_ARG_OUTOFRANGE,
               "Dirichlet row %" PetscInt_FMT " is not owned by the rank that gave it", any);
  }
  PetscCall(PetscCalloc1(pl->nowned * um->bs + 1, &held));
  for (PetscInt i = 0; i < n; ++i)
    held[rows[i] - start] = PETSC_TRUE;
  PetscCall(HeldMasksOfOffColumns(A, um, held, &off_mask));
  PetscCall(MatGetDiagonalBlock(A, &Ad));
  PetscCall(MatGetRowIJ(Ad, 0, PETSC_FALSE, PETSC_TRUE, &nb, &ia, &ja, &done));
  PetscCall(MatSeqSBAIJGetArray(Ad, &a));
  for (PetscInt i = 0; i < pl->nowned; ++i) {
    PetscInt row_mask = 0;
    for (PetscInt c = 0; c < um->bs; ++c)
      if (held[um->bs * i + c]) row_mask |= (PetscInt)1 << c;
    for (PetscInt k = ia[i]; k < ia[i + 1]; ++k) {
      PetscInt col_mask = 0;
      for (PetscInt c = 0; c < um->bs; ++c)
        if (held[um->bs * ja[k] + c]) col_mask |= (PetscInt)1 << c;
      if (row_mask || col_mask)
        ZeroHeldInBlock(&a[(size_t)k * um->bs2], um->bs, row_mask, col_mask, (PetscBool)(ja[k] == i), diag);
    }
    for (PetscInt k = pl->bi[i]; k < pl->bi[i + 1]; ++k)
      if (row_mask || off_mask[k])
        ZeroHeldInBlock(&um->off[(size_t)k * um->bs2], um->bs, row_mask, off_mask[k], PETSC_FALSE, diag);
  }
  PetscCall(MatSeqSBAIJRestoreArray(Ad, &a));
  PetscCall(MatRestoreRowIJ(Ad, 0, PETSC_FALSE, PETSC_TRUE, &nb, &ia, &ja, &done));
  PetscCall(PushOffDiagonal(A, um));
  PetscCall(PetscFree(off_mask));
  PetscCall(PetscFree(held));
  PetscFunctionReturn(0);
}

/* The stored upper blocks as the Galerkin product's fine rows, read in place: PETSc's diagonal
   block (SeqSBAIJ) and our copy of the off-diagonal one, its global block columns made compact.
   The diagonal blocks count half (U'). Free *garray and *oj after. */
static PetscErrorCode GetUpperRows(Mat A, const UpperMatrix *um, TwinfeFineRows *rows, PetscInt **garray, PetscInt **oj)
{
  const TwinfeRanksPlan *pl = &um->plan;
  PetscInt               nb, n = pl->nzb;
  PetscBool              done;
  Mat                    Ad;

  PetscFunctionBeginUser;
  PetscCall(MatGetDiagonalBlock(A, &Ad));
  *rows = (TwinfeFineRows){.bs = um->bs, .nblocks = pl->nowned, .diag_scale = 0.5, .oi = pl->bi, .oa = um->off};
  PetscCall(MatGetRowIJ(Ad, 0, PETSC_FALSE, PETSC_TRUE, &nb, &rows->di, &rows->dj, &done));
  PetscCall(MatSeqSBAIJGetArray(Ad, (PetscScalar **)&rows->da));
  PetscCall(PetscMalloc2(n + 1, garray, n + 1, oj));
  PetscCall(PetscArraycpy(*garray, pl->bj, n));
  PetscCall(PetscSortRemoveDupsInt(&n, *garray));
  for (PetscInt k = 0; k < pl->nzb; ++k)
    PetscCall(PetscFindInt(pl->bj[k], n, *garray, &(*oj)[k]));
  rows->ngarray = n, rows->garray = *garray, rows->oj = *oj;
  PetscFunctionReturn(0);
}

static PetscErrorCode RestoreUpperRows(Mat A, TwinfeFineRows *rows, PetscInt **garray, PetscInt **oj)
{
  PetscInt  nb;
  PetscBool done;
  Mat       Ad;

  PetscFunctionBeginUser;
  PetscCall(MatGetDiagonalBlock(A, &Ad));
  PetscCall(MatSeqSBAIJRestoreArray(Ad, (PetscScalar **)&rows->da));
  PetscCall(MatRestoreRowIJ(Ad, 0, PETSC_FALSE, PETSC_TRUE, &nb, &rows->di, &rows->dj, &done));
  PetscCall(PetscFree2(*garray, *oj));
  PetscFunctionReturn(0);
}

/*
  TwinfeRanksUpperGalerkin_Private - C = P^T A P as an MPIAIJ for A the MPISBAIJ a space made and
  P an MPIAIJ prolongation (galerkin_ranks.c's product of P and the stored triangle with halved
  diagonal blocks, U', then C = P^T U' P + its transpose: A = U' + U'^T). C is exactly
  symmetric. Collective.
*/
PetscErrorCode TwinfeRanksUpperGalerkin_Private(Mat A, Mat P, Mat *C)
{
  UpperMatrix        *um;
  Mat                 half;
  TwinfeRanksGalerkin g;
  TwinfeFineRows      rows;
  PetscInt           *garray, *oj;

  PetscFunctionBeginUser;
  PetscCall(GetUpperMatrix(A, &um));
  PetscCheck(um, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "The matrix was not made by TwinfeSpaceCreateSymmetricMatrix");
  PetscCall(CheckValuesCurrent(A, um));
  PetscCall(GetUpperRows(A, um, &rows, &garray, &oj));
  PetscCall(TwinfeRanksGalerkinCreateFromRows_Private(A, &rows, P, &g, &half));
  PetscCall(PetscObjectReference((PetscObject)half));
  PetscCall(TwinfeRanksGalerkinDestroy_Private(&g));
  PetscCall(RestoreUpperRows(A, &rows, &garray, &oj));
  PetscCall(MatTranspose(half, MAT_INITIAL_MATRIX, C));
  PetscCall(MatAXPY(*C, 1.0, half, DIFFERENT_NONZERO_PATTERN));
  PetscCall(MatDestroy(&half));
  PetscCall(MatSetOption(*C, MAT_SYMMETRIC, PETSC_TRUE));
  PetscCall(MatSetOption(*C, MAT_SYMMETRY_ETERNAL, PETSC_TRUE));
  PetscFunctionReturn(0);
}
