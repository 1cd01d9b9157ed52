/* A space's matrix over several ranks: the element pattern's rows summed at their owner.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why: on one rank the pattern's CSR is the matrix's (assembly.c). Over several ranks a row
 * shared by ranks gets entries from the cells of each, and PETSc's COO assembly merged them by
 * sorting every entry of every row: MatSetPreallocationCOO took 2.8 s of the 2-rank CT case's
 * 10 s solve stage (607k unknowns). The pattern's rows are already sorted and unique on each
 * rank, and owned dofs keep their order from local to global numbering, so a rank's own rows
 * need no sorting at all unless another rank adds to them or they reach another rank's
 * columns: only the interface's rows are merged. Each rank sends the rows it holds but does not
 * own to their owner once (PetscSF), and the owner learns where each entry lands in its
 * diagonal and off-diagonal blocks; an assembly then sends the values of those rows only.
 *
 * The owner sums in a fixed order: its own cells first, then the other ranks' sums in rank
 * order, so that a run gives the same matrix bit for bit each time (the message order of
 * MPI does not enter). */
#include "fem_impl.h"

#include <petscsf.h>

/* What the matrix keeps to be filled again from pattern-ordered values (composed on it). One
   place per pattern entry for every entry (the map the plan's row offsets replace) took 55 MB a
   rank on the CT case's 2 ranks. */
typedef struct {
  const void      *owner;         /* who made it (the space's DM, a Galerkin product), to recognise it */
  TwinfeRanksPlan  plan;          /* where the entries land */
  PetscScalar     *aa, *ba;       /* the blocks' values, held by the matrix (split arrays) */
  PetscScalar     *recv;          /* received values */
  PetscObjectState nonzero_state; /* the matrix's when made */
} RanksMatrix;

static const char ranks_key[] = "TwinfeRanksMatrix";

#define NOT_OWNED TWINFE_NOT_OWNED

PetscErrorCode TwinfeRanksPlanDestroy_Private(TwinfeRanksPlan *plan)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree2(plan->ai, plan->bi));
  PetscCall(PetscFree2(plan->aj, plan->bj));
  PetscCall(PetscFree2(plan->row_at, plan->slow_at));
  PetscCall(PetscFree(plan->recv_at));
  PetscCall(PetscFree(plan->ghost_at));
  PetscCall(PetscSFDestroy(&plan->entries));
  PetscFunctionReturn(0);
}

static PetscErrorCode RanksMatrixDestroy(void *ctx)
{
  RanksMatrix *rm = (RanksMatrix *)ctx;

  PetscFunctionBeginUser;
  PetscCall(TwinfeRanksPlanDestroy_Private(&rm->plan));
  PetscCall(PetscFree2(rm->aa, rm->ba));
  PetscCall(PetscFree(rm->recv));
  PetscCall(PetscFree(rm));
  PetscFunctionReturn(0);
}

/* What the matrix is built from: the local rows in global numbers and the owned range. */
typedef struct {
  MPI_Comm        comm;
  PetscInt        nlocal, rstart, rend, nnz;
  const PetscInt *rowptr, *grow, *gcol; /* TwinfeLocalRows' */
  PetscInt       *own_row;              /* per owned row, its local row (-1: none here) */
  PetscLayout     layout;               /* rows over the ranks */
} RanksPattern;

static PetscErrorCode RanksPatternCreate(MPI_Comm comm, PetscInt nowned, const TwinfeLocalRows *rows, RanksPattern *rp)
{
  PetscFunctionBeginUser;
  rp->comm   = comm;
  rp->nlocal = rows->nlocal;
  rp->rowptr = rows->rowptr;
  rp->grow   = rows->grow;
  rp->gcol   = rows->gcol;
  rp->nnz    = rows->rowptr[rows->nlocal];
  PetscCall(PetscLayoutCreateFromSizes(comm, nowned, PETSC_DECIDE, 1, &rp->layout));
  PetscCall(PetscLayoutGetRange(rp->layout, &rp->rstart, &rp->rend));
  PetscCall(PetscMalloc1(nowned + 1, &rp->own_row));
  for (PetscInt i = 0; i < nowned; ++i)
    rp->own_row[i] = -1;
  for (PetscInt d = 0; d < rp->nlocal; ++d) {
    PetscCheck(rp->grow[d] >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "TwinfeRanksMatrix: local row %" PetscInt_FMT " has no global number", d);
    if (rp->grow[d] >= rp->rstart && rp->grow[d] < rp->rend) {
      PetscCheck(rp->own_row[rp->grow[d] - rp->rstart] < 0, PETSC_COMM_SELF, PETSC_ERR_PLIB,
                 "TwinfeRanksMatrix: row %" PetscInt_FMT " listed twice", rp->grow[d]);
      rp->own_row[rp->grow[d] - rp->rstart] = d;
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode RanksPatternDestroy(RanksPattern *rp)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(rp->own_row));
  PetscCall(PetscLayoutDestroy(&rp->layout));
  PetscFunctionReturn(0);
}

static inline PetscBool IsOwned(const RanksPattern *rp, PetscInt g)
{
  return (PetscBool)(g >= rp->rstart && g < rp->rend);
}

/* Where the rows this rank holds but does not own go: one receive range per (owned row,
   sending rank) on the owner, laid out row after row and, within a row, in rank order.
   Returns the SF of the pattern's entries in those rows towards their slots, and on the
   owner, per owned row, the start of its received entries (recv_start, nowned + 1). */
typedef struct {
  PetscInt *ghost; /* local dofs held here, owned elsewhere */
  PetscInt  nghost;
} GhostRows;

static PetscErrorCode ListGhostRows(const RanksPattern *rp, GhostRows *gr, PetscInt **gidx)
{
  PetscFunctionBeginUser;
  gr->nghost = 0;
  for (PetscInt d = 0; d < rp->nlocal; ++d)
    if (!IsOwned(rp, rp->grow[d])) gr->nghost++;
  PetscCall(PetscMalloc1(gr->nghost, &gr->ghost));
  PetscCall(PetscMalloc1(gr->nghost, gidx));
  gr->nghost = 0;
  for (PetscInt d = 0; d < rp->nlocal; ++d)
    if (!IsOwned(rp, rp->grow[d])) {
      (*gidx)[gr->nghost]     = rp->grow[d];
      gr->ghost[gr->nghost++] = d;
    }
  PetscFunctionReturn(0);
}

/* Insertion sort of one row's (rank, length, slot) triples by rank: a row has one slot per
   rank holding it, a handful at most. */
static void SortSlotsByRank(PetscInt n, PetscInt triple[])
{
  for (PetscInt i = 1; i < n; ++i)
    for (PetscInt j = i; j > 0 && triple[3 * (j - 1)] > triple[3 * j]; --j)
      for (PetscInt t = 0; t < 3; ++t) {
        const PetscInt s        = triple[3 * (j - 1) + t];
        triple[3 * (j - 1) + t] = triple[3 * j + t];
        triple[3 * j + t]       = s;
      }
}

/* Each ghost row's offset in its owner's receive buffer, and the owner's per-row ranges. */
static PetscErrorCode PlaceGhostRows(const RanksPattern *rp, const GhostRows *gr, PetscSF rows, PetscInt leaf_offset[],
                                     PetscInt recv_start[])
{
  const PetscInt *degree;
  PetscInt        nowned = rp->rend - rp->rstart, nmulti = 0, *mine, *gathered, *triple, *slot_offset;
  PetscMPIInt     rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PetscObjectComm((PetscObject)rows), &rank));
  PetscCall(PetscSFComputeDegreeBegin(rows, &degree));
  PetscCall(PetscSFComputeDegreeEnd(rows, &degree));
  for (PetscInt i = 0; i < nowned; ++i)
    nmulti += degree[i];
  PetscCall(
      PetscMalloc4(2 * gr->nghost + 1, &mine, 2 * nmulti + 1, &gathered, 3 * nmulti + 3, &triple, nmulti + 1, &slot_offset));
  for (PetscInt g = 0; g < gr->nghost; ++g) {
    const PetscInt d = gr->ghost[g];
    mine[2 * g]      = rank;
    mine[2 * g + 1]  = rp->rowptr[d + 1] - rp->rowptr[d];
  }
  PetscCall(PetscSFGatherBegin(rows, MPIU_2INT, mine, gathered));
  PetscCall(PetscSFGatherEnd(rows, MPIU_2INT, mine, gathered));
  recv_start[0] = 0;
  for (PetscInt i = 0, m = 0; i < nowned; m += degree[i], ++i) {
    PetscInt at = recv_start[i];
    for (PetscInt s = 0; s < degree[i]; ++s) {
      triple[3 * s]     = gathered[2 * (m + s)];
      triple[3 * s + 1] = gathered[2 * (m + s) + 1];
      triple[3 * s + 2] = m + s;
    }
    SortSlotsByRank(degree[i], triple);
    for (PetscInt s = 0; s < degree[i]; ++s) {
      slot_offset[triple[3 * s + 2]] = at;
      at += triple[3 * s + 1];
    }
    recv_start[i + 1] = at;
  }
  PetscCall(PetscSFScatterBegin(rows, MPIU_INT, slot_offset, leaf_offset));
  PetscCall(PetscSFScatterEnd(rows, MPIU_INT, slot_offset, leaf_offset));
  PetscCall(PetscFree4(mine, gathered, triple, slot_offset));
  PetscFunctionReturn(0);
}

/* The SF of the ghost rows' entries to their places on the owners (nrecv roots here). Its
   leaves are the entries' places among all local rows', or, compact, their order among the
   ghost rows' entries (pl->ghost_at: where each ghost row's start). */
static PetscErrorCode CreateEntrySF(const RanksPattern *rp, const GhostRows *gr, const PetscInt gidx[],
                                    const PetscInt leaf_offset[], PetscInt nrecv, PetscBool compact, TwinfeRanksPlan *pl)
{
  PetscInt     nleaves = 0, *ilocal = NULL;
  PetscSFNode *iremote;

  PetscFunctionBeginUser;
  for (PetscInt g = 0; g < gr->nghost; ++g)
    nleaves += rp->rowptr[gr->ghost[g] + 1] - rp->rowptr[gr->ghost[g]];
  pl->nghost = nleaves;
  if (compact) {
    PetscCall(PetscMalloc1(rp->nlocal + 1, &pl->ghost_at));
    for (PetscInt d = 0; d < rp->nlocal; ++d)
      pl->ghost_at[d] = -1;
  } else
    PetscCall(PetscMalloc1(nleaves, &ilocal));
  PetscCall(PetscMalloc1(nleaves, &iremote));
  nleaves = 0;
  for (PetscInt g = 0; g < gr->nghost; ++g) {
    const PetscInt d = gr->ghost[g];
    PetscMPIInt    owner;
    PetscCall(PetscLayoutFindOwner(rp->layout, gidx[g], &owner));
    if (compact) pl->ghost_at[d] = nleaves;
    for (PetscInt k = rp->rowptr[d]; k < rp->rowptr[d + 1]; ++k) {
      if (!compact) ilocal[nleaves] = k;
      iremote[nleaves].rank  = owner;
      iremote[nleaves].index = leaf_offset[g] + k - rp->rowptr[d];
      nleaves++;
    }
  }
  PetscCall(PetscSFCreate(rp->comm, &pl->entries));
  PetscCall(PetscSFSetGraph(pl->entries, nrecv, nleaves, ilocal, PETSC_OWN_POINTER, iremote, PETSC_OWN_POINTER));
  PetscCall(PetscSFSetUp(pl->entries));
  PetscFunctionReturn(0);
}

/* One owned row's columns: its own entries (sources 0..nown-1) and those received (nown..),
   sorted and made unique into col[0..*n); where[s] = the unique column source s lands on.
   A row with nothing received and every column ours is in order already (the fast path:
   most rows). scratch holds 2 * (nown + nrecv). */
static void MergeRow(const RanksPattern *rp, const PetscInt own[], PetscInt nown, const PetscInt received[], PetscInt nrecv,
                     PetscInt scratch[], PetscInt col[], PetscInt where[], PetscInt *n, PetscBool *in_order)
{
  PetscBool sorted = (PetscBool)(nrecv == 0);

  for (PetscInt s = 0; s < nown && sorted; ++s)
    sorted = IsOwned(rp, own[s]);
  *in_order = sorted;
  if (sorted) {
    for (PetscInt s = 0; s < nown; ++s)
      col[s] = own[s], where[s] = s;
    *n = nown;
    return;
  }
  {
    const PetscInt total = nown + nrecv;
    PetscInt      *key = scratch, *src = scratch + total;
    for (PetscInt s = 0; s < total; ++s)
      key[s] = s < nown ? own[s] : received[s - nown], src[s] = s;
    (void)PetscSortIntWithArray(total, key, src); /* small arrays: cannot fail */
    *n = 0;
    for (PetscInt s = 0; s < total; ++s) {
      if (!*n || col[*n - 1] != key[s]) col[(*n)++] = key[s];
      where[src[s]] = *n - 1;
    }
  }
}

/* Both passes over the owned rows: counting sets ai, bi and *nslow (the entries of rows out of
   order); filling sets the columns and where each own and received entry lands. */
static PetscErrorCode WalkOwnedRows(const RanksPattern *rp, const PetscInt recv_start[], const PetscInt recv_col[],
                                    TwinfeRanksPlan *pl, PetscBool fill, PetscInt *nslow)
{
  const PetscInt nowned = rp->rend - rp->rstart;
  PetscInt       maxlen = 0, *scratch, *col, *where;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < nowned; ++i) {
    const PetscInt d = rp->own_row[i];
    maxlen           = PetscMax(maxlen, (d < 0 ? 0 : rp->rowptr[d + 1] - rp->rowptr[d]) + recv_start[i + 1] - recv_start[i]);
  }
  PetscCall(PetscMalloc3(2 * maxlen + 1, &scratch, maxlen + 1, &col, maxlen + 1, &where));
  if (!fill) pl->ai[0] = pl->bi[0] = 0;
  *nslow = 0;
  for (PetscInt i = 0; i < nowned; ++i) {
    const PetscInt d = rp->own_row[i], first = d < 0 ? 0 : rp->rowptr[d], nown = d < 0 ? 0 : rp->rowptr[d + 1] - first;
    const PetscInt nrecv = recv_start[i + 1] - recv_start[i];
    PetscInt       n, na = 0, nb = 0;
    PetscBool      in_order;
    MergeRow(rp, &rp->gcol[first], nown, &recv_col[recv_start[i]], nrecv, scratch, col, where, &n, &in_order);
    for (PetscInt u = 0; u < n; ++u) {
      if (IsOwned(rp, col[u])) {
        if (fill) pl->aj[pl->ai[i] + na] = col[u] - rp->rstart;
        scratch[u] = pl->ai[i] + na++; /* where unique column u is stored */
      } else {
        if (fill) pl->bj[pl->bi[i] + nb] = col[u];
        scratch[u] = pl->nza + pl->bi[i] + nb++;
      }
    }
    if (!fill) {
      pl->ai[i + 1] = pl->ai[i] + na;
      pl->bi[i + 1] = pl->bi[i] + nb;
      if (!in_order) *nslow += nown;
      continue;
    }
    if (d >= 0 && in_order)
      pl->row_at[d] = pl->ai[i]; /* scratch[s] == ai[i] + s */
    else if (d >= 0) {
      pl->row_at[d] = -1 - *nslow;
      for (PetscInt s = 0; s < nown; ++s)
        pl->slow_at[*nslow + s] = scratch[where[s]];
      *nslow += nown;
    }
    for (PetscInt s = 0; s < nrecv; ++s)
      pl->recv_at[recv_start[i] + s] = scratch[where[nown + s]];
  }
  PetscCall(PetscFree3(scratch, col, where));
  PetscFunctionReturn(0);
}

/* The blocks' CSR and where every own and received entry lands. */
static PetscErrorCode BuildBlocks(const RanksPattern *rp, const PetscInt recv_start[], const PetscInt recv_col[],
                                  TwinfeRanksPlan *pl)
{
  const PetscInt nowned = rp->rend - rp->rstart;
  PetscInt       nslow;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(nowned + 1, &pl->ai, nowned + 1, &pl->bi));
  PetscCall(WalkOwnedRows(rp, recv_start, recv_col, pl, PETSC_FALSE, &nslow));
  pl->nza   = pl->ai[nowned];
  pl->nzb   = pl->bi[nowned];
  pl->nrecv = recv_start[nowned];
  PetscCall(PetscMalloc2(pl->nza + 1, &pl->aj, pl->nzb + 1, &pl->bj));
  PetscCall(PetscMalloc2(rp->nlocal + 1, &pl->row_at, nslow + 1, &pl->slow_at));
  for (PetscInt d = 0; d < rp->nlocal; ++d)
    pl->row_at[d] = NOT_OWNED;
  PetscCall(PetscMalloc1(pl->nrecv + 1, &pl->recv_at));
  PetscCall(WalkOwnedRows(rp, recv_start, recv_col, pl, PETSC_TRUE, &nslow));
  PetscFunctionReturn(0);
}

/* The ghost rows' columns to their owners' receive slots (recv_col). */
static PetscErrorCode SendGhostColumns(const RanksPattern *rp, const GhostRows *gr, const TwinfeRanksPlan *pl,
                                       PetscInt recv_col[])
{
  PetscInt *sent = NULL;

  PetscFunctionBeginUser;
  if (pl->ghost_at) { /* compact leaves: the ghost rows' columns one after the other */
    PetscCall(PetscMalloc1(pl->nghost + 1, &sent));
    for (PetscInt g = 0; g < gr->nghost; ++g) {
      const PetscInt d = gr->ghost[g];
      PetscCall(PetscArraycpy(&sent[pl->ghost_at[d]], &rp->gcol[rp->rowptr[d]], rp->rowptr[d + 1] - rp->rowptr[d]));
    }
  }
  PetscCall(PetscSFReduceBegin(pl->entries, MPIU_INT, sent ? sent : rp->gcol, recv_col, MPI_REPLACE));
  PetscCall(PetscSFReduceEnd(pl->entries, MPIU_INT, sent ? sent : rp->gcol, recv_col, MPI_REPLACE));
  PetscCall(PetscFree(sent));
  PetscFunctionReturn(0);
}

/* The plan: the ghost rows placed on their owners, their columns sent there once, every owned
   row merged. */
static PetscErrorCode RanksPlanBuild(const RanksPattern *rp, PetscBool compact, TwinfeRanksPlan *pl)
{
  const PetscInt nowned = rp->rend - rp->rstart;
  GhostRows      gr;
  PetscInt      *gidx, *leaf_offset, *recv_start, *recv_col;
  PetscSF        rows;

  PetscFunctionBeginUser;
  PetscCall(ListGhostRows(rp, &gr, &gidx));
  PetscCall(PetscSFCreate(rp->comm, &rows));
  PetscCall(PetscSFSetGraphLayout(rows, rp->layout, gr.nghost, NULL, PETSC_OWN_POINTER, gidx));
  PetscCall(PetscMalloc2(gr.nghost + 1, &leaf_offset, nowned + 1, &recv_start));
  PetscCall(PlaceGhostRows(rp, &gr, rows, leaf_offset, recv_start));
  PetscCall(CreateEntrySF(rp, &gr, gidx, leaf_offset, recv_start[nowned], compact, pl));
  PetscCall(PetscSFDestroy(&rows));
  PetscCall(PetscMalloc1(recv_start[nowned] + 1, &recv_col));
  PetscCall(SendGhostColumns(rp, &gr, pl, recv_col));
  PetscCall(BuildBlocks(rp, recv_start, recv_col, pl));
  pl->nlocal = rp->nlocal;
  pl->nowned = nowned;
  PetscCall(PetscFree(recv_col));
  PetscCall(PetscFree2(leaf_offset, recv_start));
  PetscCall(PetscFree(gidx));
  PetscCall(PetscFree(gr.ghost));
  PetscFunctionReturn(0);
}

/* PETSc must have kept the arrays it was given (it renumbers the off-diagonal block's columns in
   place): assembly writes into them. */
static PetscErrorCode CheckArraysKept(Mat A, const RanksMatrix *rm)
{
  Mat          Ad, Ao;
  PetscScalar *a, *b;
  PetscBool    kept;

  PetscFunctionBeginUser;
  PetscCall(MatMPIAIJGetSeqAIJ(A, &Ad, &Ao, NULL));
  PetscCall(MatSeqAIJGetArray(Ad, &a));
  PetscCall(MatSeqAIJGetArray(Ao, &b));
  kept = (PetscBool)(a == rm->aa && b == rm->ba);
  PetscCall(MatSeqAIJRestoreArray(Ad, &a));
  PetscCall(MatSeqAIJRestoreArray(Ao, &b));
  PetscCheck(kept, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "TwinfeSpace: PETSc copied the matrix's value arrays; assembly cannot fill them");
  PetscFunctionReturn(0);
}

/*
  TwinfeRanksPlanCreate_Private - Where every local row's entries land at their owner (fem_impl.h).
  Collective.
*/
PetscErrorCode TwinfeRanksPlanCreate_Private(MPI_Comm comm, PetscInt nowned, const TwinfeLocalRows *rows, PetscBool compact,
                                             TwinfeRanksPlan *plan)
{
  RanksPattern rp;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(plan, sizeof(*plan)));
  PetscCall(RanksPatternCreate(comm, nowned, rows, &rp));
  PetscCall(RanksPlanBuild(&rp, compact, plan));
  PetscCall(RanksPatternDestroy(&rp));
  PetscFunctionReturn(0);
}

/*
  TwinfeRanksMatrixCreate_Private - A square MPIAIJ with nowned rows here, holding every local
  row at its owner with the columns every rank gives it; owner marks who made it (see
  TwinfeRanksMatrixIsOwnedBy_Private). Filled by TwinfeRanksMatrixSetValues_Private. Collective.
*/
PetscErrorCode TwinfeRanksMatrixCreate_Private(MPI_Comm comm, PetscInt nowned, const TwinfeLocalRows *rows, const void *owner,
                                               Mat *A)
{
  static PetscLogEvent event = -1;
  RanksMatrix         *rm;
  TwinfeRanksPlan     *pl;
  PetscContainer       keep;

  PetscFunctionBeginUser;
  PetscCall(TwinfeLogBegin_Private("TwinfeRanksMatrix", &event));
  PetscCall(PetscNew(&rm));
  pl = &rm->plan;
  PetscCall(TwinfeRanksPlanCreate_Private(comm, nowned, rows, PETSC_FALSE, pl));
  PetscCall(PetscCalloc2(pl->nza + 1, &rm->aa, pl->nzb + 1, &rm->ba));
  PetscCall(PetscMalloc1(pl->nrecv + 1, &rm->recv));
  rm->owner = owner;
  PetscCall(MatCreateMPIAIJWithSplitArrays(comm, nowned, nowned, PETSC_DETERMINE, PETSC_DETERMINE, pl->ai, pl->aj, rm->aa, pl->bi,
                                           pl->bj, rm->ba, A));
  PetscCall(PetscContainerCreate(PETSC_COMM_SELF, &keep));
  PetscCall(PetscContainerSetPointer(keep, rm));
  PetscCall(PetscContainerSetUserDestroy(keep, RanksMatrixDestroy));
  PetscCall(PetscObjectCompose((PetscObject)*A, ranks_key, (PetscObject)keep));
  PetscCall(PetscContainerDestroy(&keep));
  PetscCall(CheckArraysKept(*A, rm));
  PetscCall(MatSetOption(*A, MAT_NEW_NONZERO_LOCATION_ERR, PETSC_TRUE));
  PetscCall(MatGetNonzeroState(*A, &rm->nonzero_state));
  PetscCall(PetscLogEventEnd(event, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*
  TwinfeRanksMatrixIsOwnedBy_Private - Whether A is a RanksMatrix made for owner, its pattern
  unchanged (an error if it carries owner's mark but its nonzeros changed). Not collective.
*/
PetscErrorCode TwinfeRanksMatrixIsOwnedBy_Private(Mat A, const void *owner, PetscBool *is)
{
  PetscContainer   keep;
  RanksMatrix     *rm;
  PetscObjectState now;

  PetscFunctionBeginUser;
  *is = PETSC_FALSE;
  PetscCall(PetscObjectQuery((PetscObject)A, ranks_key, (PetscObject *)&keep));
  if (!keep) PetscFunctionReturn(0);
  PetscCall(PetscContainerGetPointer(keep, (void **)&rm));
  if (rm->owner != owner) PetscFunctionReturn(0);
  PetscCall(MatGetNonzeroState(A, &now));
  PetscCheck(now == rm->nonzero_state, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "The matrix's nonzero pattern changed since it was created: create it again");
  *is = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*
  TwinfeRanksMatrixSetValues_Private - A's values from sums over this rank's local rows (values
  in the order of the TwinfeLocalRows it was made from, rowptr its row starts): the rows owned
  elsewhere sent to their owners, each entry summed there own part first, then the other
  ranks' in rank order. Collective.
*/
PetscErrorCode TwinfeRanksMatrixSetValues_Private(Mat A, const PetscInt rowptr[], const PetscScalar values[])
{
  PetscContainer   keep;
  RanksMatrix     *rm;
  TwinfeRanksPlan *pl;
  Mat              Ad, Ao;
  PetscScalar     *a, *b;

  PetscFunctionBeginUser;
  PetscCall(PetscObjectQuery((PetscObject)A, ranks_key, (PetscObject *)&keep));
  PetscCheck(keep, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "The matrix was not made by TwinfeRanksMatrixCreate_Private");
  PetscCall(PetscContainerGetPointer(keep, (void **)&rm));
  pl = &rm->plan;
  PetscCall(PetscSFReduceBegin(pl->entries, MPIU_SCALAR, values, rm->recv, MPI_REPLACE));
  PetscCall(MatMPIAIJGetSeqAIJ(A, &Ad, &Ao, NULL));
  PetscCall(MatSeqAIJGetArrayWrite(Ad, &a));
  PetscCall(MatSeqAIJGetArrayWrite(Ao, &b));
  PetscCall(PetscArrayzero(a, pl->nza));
  PetscCall(PetscArrayzero(b, pl->nzb));
  for (PetscInt d = 0; d < pl->nlocal; ++d) {
    const PetscInt code = pl->row_at[d], first = rowptr[d], len = rowptr[d + 1] - first;
    if (code == NOT_OWNED) continue;
    if (code >= 0) { /* in order in the diagonal block, and nothing else adds to the row */
      PetscCall(PetscArraycpy(&a[code], &values[first], len));
      continue;
    }
    for (PetscInt k = 0; k < len; ++k) {
      const PetscInt at = pl->slow_at[-1 - code + k];
      if (at < pl->nza)
        a[at] += values[first + k];
      else
        b[at - pl->nza] += values[first + k];
    }
  }
  PetscCall(PetscSFReduceEnd(pl->entries, MPIU_SCALAR, values, rm->recv, MPI_REPLACE));
  for (PetscInt r = 0; r < pl->nrecv; ++r) {
    const PetscInt at = pl->recv_at[r];
    if (at < pl->nza)
      a[at] += rm->recv[r];
    else
      b[at - pl->nza] += rm->recv[r];
  }
  PetscCall(MatSeqAIJRestoreArrayWrite(Ad, &a));
  PetscCall(MatSeqAIJRestoreArrayWrite(Ao, &b));
  /* no entries are stashed: the assembly only raises A's state, so preconditioners set up again */
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/*
  TwinfeSpaceCreateRanksMatrix_Private - The space's pattern as a RanksMatrix: its local dofs'
  rows in global numbers (owned dofs keep their order from local to global, so a row whose
  columns are all owned lists them ascending). pattern_cols must be present; it is freed once
  mapped to global columns. Collective.
*/
PetscErrorCode TwinfeSpaceCreateRanksMatrix_Private(TwinfeSpace space, PetscInt nowned, Mat *A)
{
  ISLocalToGlobalMapping ltog;
  const PetscInt        *idx;
  PetscInt               n, *grow, *gcol;
  TwinfeLocalRows        rows;

  PetscFunctionBeginUser;
  PetscCall(VecGetLocalSize(space->work_local, &rows.nlocal));
  PetscCall(DMGetLocalToGlobalMapping(space->dm, &ltog));
  PetscCall(ISLocalToGlobalMappingGetSize(ltog, &n));
  PetscCheck(n == rows.nlocal, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "TwinfeSpace: %" PetscInt_FMT " local dofs, %" PetscInt_FMT " mapped", rows.nlocal, n);
  PetscCall(PetscMalloc2(rows.nlocal + 1, &grow, space->nnz + 1, &gcol));
  PetscCall(ISLocalToGlobalMappingGetIndices(ltog, &idx));
  PetscCall(PetscArraycpy(grow, idx, rows.nlocal));
  for (PetscInt k = 0; k < space->nnz; ++k)
    gcol[k] = idx[space->pattern_cols[k]];
  PetscCall(ISLocalToGlobalMappingRestoreIndices(ltog, &idx));
  /* gcol holds them now, and the caller drops them after the matrix anyway: freed here, they do
     not sit beside the blocks being built (55 MB a rank on the CT case's 2 ranks) */
  PetscCall(PetscFree(space->pattern_cols));
  rows.grow   = grow;
  rows.gcol   = gcol;
  rows.rowptr = space->pattern_rowptr;
  PetscCall(TwinfeRanksMatrixCreate_Private(space->comm, nowned, &rows, space->dm, A));
  PetscCall(PetscFree2(grow, gcol));
  PetscFunctionReturn(0);
}
