/* Element loops of a TwinfeSpace: CSR matrices and local-array vectors.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fem_impl.h"

static const PetscReal ref_vertex[4][3] = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}};

/* The element loops below keep a kernel's error in ierr and leave the loop, so that they release
   what they hold (work arrays, local state and vectors), with no collective call, before
   PetscCall(ierr) reports it. */
PetscErrorCode TwinfeElementWorkCreate(TwinfeSpace space, const TwinfeRule *rule, PetscBool matrix, TwinfeElementWork *work)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(work, sizeof(*work)));
  PetscCall(PetscMalloc4(rule->nq * 3, &work->x, rule->nq, &work->w, space->ndof, &work->u,
                         matrix ? space->ndof * space->ndof : space->ndof, &work->block));
  for (PetscInt f = 0; f < space->nfields; ++f)
    PetscCall(PetscMalloc1(rule->nq * space->nbasis[f] * 3, &work->D[f]));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElementWorkDestroy(TwinfeElementWork *work)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree4(work->x, work->w, work->u, work->block));
  for (PetscInt f = 0; f < TWINFE_MAX_FIELDS; ++f)
    PetscCall(PetscFree(work->D[f]));
  PetscFunctionReturn(0);
}

/* Physical points and gradients of cell c at the rule's points: x = v0 + J xi, grad = J^{-T} grad_ref. */
static void MapRule(TwinfeSpace space, PetscInt c, const TwinfeRule *rule, TwinfeElementWork *work)
{
  PetscReal v0[3], J[9], Ji[9];

  TwinfeCellAffine(space->cells, c, v0, J);
  TwinfeInvertJacobian(J, Ji);

  for (PetscInt q = 0; q < rule->nq; ++q) {
    const PetscReal *xi = &rule->xi[3 * q];
    for (PetscInt k = 0; k < 3; ++k)
      work->x[3 * q + k] = v0[k] + J[3 * k] * xi[0] + J[3 * k + 1] * xi[1] + J[3 * k + 2] * xi[2];
  }
  for (PetscInt f = 0; f < space->nfields; ++f) {
    PetscInt n = rule->nq * space->nbasis[f];
    for (PetscInt i = 0; i < n; ++i) {
      const PetscReal *g = &rule->D[f][3 * i];
      for (PetscInt j = 0; j < 3; ++j)
        work->D[f][3 * i + j] = g[0] * Ji[j] + g[1] * Ji[3 + j] + g[2] * Ji[6 + j];
    }
  }
}

void TwinfeSpaceGatherCell(TwinfeSpace space, PetscInt c, const PetscScalar *ulocal, TwinfeElementWork *work)
{
  for (PetscInt j = 0; j < space->nnodes; ++j) {
    const PetscScalar *src = &ulocal[TwinfeSpaceNodeDof(space, c, j)];
    PetscScalar       *dst = &work->u[space->node_first[j]];
    for (PetscInt k = 0; k < space->node_ncomp[j]; ++k)
      dst[k] = src[k];
  }
}

void TwinfeSpaceElementSetUp(TwinfeSpace space, PetscInt c, const TwinfeRule *rule, const PetscScalar *ulocal,
                             TwinfeElementWork *work, TwinfeElement *e)
{
  MapRule(space, c, rule, work);
  for (PetscInt q = 0; q < rule->nq; ++q)
    work->w[q] = rule->w[q] * space->detJ[c];
  if (ulocal) TwinfeSpaceGatherCell(space, c, ulocal, work);
  TWINFE_ELEMENT_VIEW_SET(e, space, c, rule, ulocal, work);
}

PetscErrorCode TwinfeSpaceGetLocalState(TwinfeSpace space, Vec U, const PetscScalar **ulocal)
{
  PetscFunctionBeginUser;
  *ulocal = NULL;
  if (!U) PetscFunctionReturn(0);
  PetscCall(DMGlobalToLocal(space->dm, U, INSERT_VALUES, space->work_local));
  PetscCall(VecGetArrayRead(space->work_local, ulocal));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceRestoreLocalState(TwinfeSpace space, Vec U, const PetscScalar **ulocal)
{
  PetscFunctionBeginUser;
  if (U) PetscCall(VecRestoreArrayRead(space->work_local, ulocal));
  PetscFunctionReturn(0);
}

/* A zeroed local vector to sum element vectors into, and its array. */
static PetscErrorCode GetLocalSum(TwinfeSpace space, Vec *Floc, PetscScalar **floc)
{
  PetscFunctionBeginUser;
  PetscCall(DMGetLocalVector(space->dm, Floc));
  PetscCall(VecZeroEntries(*Floc));
  PetscCall(VecGetArray(*Floc, floc));
  PetscFunctionReturn(0);
}

/* Adds the local sums into the global F (shared dofs from every rank) and returns the vector;
   after a failed kernel (failed nonzero) only returns it: no communication, F left as it was. */
static PetscErrorCode AddLocalSum(TwinfeSpace space, Vec *Floc, PetscScalar **floc, PetscErrorCode failed, Vec F)
{
  PetscFunctionBeginUser;
  PetscCall(VecRestoreArray(*Floc, floc));
  if (!failed) PetscCall(DMLocalToGlobal(space->dm, *Floc, ADD_VALUES, F));
  PetscCall(DMRestoreLocalVector(space->dm, Floc));
  PetscFunctionReturn(0);
}

/* The element vector of cell c into the local sum, node by node. */
static inline void ScatterAdd(const TwinfeSpace space, PetscInt c, const PetscScalar block[], PetscScalar floc[])
{
  for (PetscInt j = 0; j < space->nnodes; ++j) {
    const PetscScalar *src = &block[space->node_first[j]];
    PetscScalar       *dst = &floc[TwinfeSpaceNodeDof(space, c, j)];
    for (PetscInt k = 0; k < space->node_ncomp[j]; ++k)
      dst[k] += src[k];
  }
}

/* Where the pattern is built from: the cells around each node (CSR indexed by the node's first
   local dof, the other dofs' lists empty), each entry a cell and which of its nodes it is
   (c * nnodes + i); width[first] = the node's number of dofs (0 for dofs that do not start a
   node). A node's dofs are consecutive (CellDofs), so its rows share their columns and the
   pattern is worked out once per node: 4 entries per P1 tet here where a list per dof had 12. */
typedef struct {
  PetscInt *start, *entries, *width;
} NodeCells;

static PetscErrorCode NodeCellsCreate(TwinfeSpace space, PetscInt nl, NodeCells *nc)
{
  const PetscInt nn = space->nnodes;
  PetscInt      *fill;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc2(nl + 1, &nc->start, nl, &nc->width));
  PetscCall(PetscCalloc1(nl, &fill));
  for (PetscInt c = 0; c < space->ncells; ++c)
    for (PetscInt i = 0; i < nn; ++i) {
      const PetscInt first = TwinfeSpaceNodeDof(space, c, i);
      nc->start[first + 1]++;
      nc->width[first] = space->node_ncomp[i];
    }
  for (PetscInt d = 0; d < nl; ++d)
    nc->start[d + 1] += nc->start[d];
  PetscCall(PetscMalloc1(nc->start[nl] + 1, &nc->entries));
  for (PetscInt c = 0; c < space->ncells; ++c)
    for (PetscInt i = 0; i < nn; ++i) {
      const PetscInt first                          = TwinfeSpaceNodeDof(space, c, i);
      nc->entries[nc->start[first] + fill[first]++] = c * nn + i;
    }
  PetscCall(PetscFree(fill));
  PetscFunctionReturn(0);
}

static PetscErrorCode NodeCellsDestroy(NodeCells *nc)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree2(nc->start, nc->width));
  PetscCall(PetscFree(nc->entries));
  PetscFunctionReturn(0);
}

/* The nodes that share a cell with the node starting at dof `first`, each once, named by their
   first dof, into buf (unsorted); *len = their dofs in all, the length of each of the node's
   rows. seen[] (size nl) marks with `first` the nodes already taken. */
static void NodeNeighbours(const TwinfeSpace space, const NodeCells *nc, PetscInt first, PetscInt seen[], PetscInt buf[],
                           PetscInt *n, PetscInt *len)
{
  const PetscInt nn = space->nnodes;

  *n = *len = 0;
  for (PetscInt k = nc->start[first]; k < nc->start[first + 1]; ++k) {
    const PetscInt c = nc->entries[k] / nn;
    for (PetscInt j = 0; j < nn; ++j) {
      const PetscInt g = TwinfeSpaceNodeDof(space, c, j);
      if (seen[g] == first) continue;
      seen[g]     = first;
      buf[(*n)++] = g;
      *len += space->node_ncomp[j];
    }
  }
}

/* Row lengths: every row of a node as long as the dofs of its neighbour nodes. */
static PetscErrorCode CountRows(const TwinfeSpace space, const NodeCells *nc, PetscInt nl, PetscInt seen[], PetscInt buf[],
                                PetscInt rowptr[])
{
  PetscFunctionBeginUser;
  for (PetscInt d = 0; d < nl; ++d)
    seen[d] = -1;
  rowptr[0] = 0;
  for (PetscInt d = 0; d < nl;) {
    PetscInt n = 0, len = 0, width = PetscMax(nc->width[d], 1);
    if (nc->width[d]) NodeNeighbours(space, nc, d, seen, buf, &n, &len);
    for (PetscInt r = d; r < d + width; ++r) {
      PetscCheck((PetscInt64)rowptr[r] + len <= PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_SUP,
                 "This rank's matrix would hold more than %d nonzeros (%" PetscInt_FMT
                 " local unknowns), past 32-bit indices: run on more ranks",
                 (int)PETSC_MAX_INT, nl);
      rowptr[r + 1] = rowptr[r] + len;
    }
    d += width;
  }
  PetscFunctionReturn(0);
}

/* One node's rows: its neighbours sorted, their dofs side by side as the columns (copied to each
   of the node's rows), and for every cell around it where each node's first column sits
   (pattern_map). pos[] (size nl) is scratch. */
static PetscErrorCode FillNodeRows(TwinfeSpace space, const NodeCells *nc, PetscInt first, PetscInt seen[], PetscInt pos[],
                                   PetscInt buf[])
{
  const PetscInt nn = space->nnodes, width = nc->width[first];
  PetscInt       n, len, at = 0, *row = &space->pattern_cols[space->pattern_rowptr[first]];

  PetscFunctionBeginUser;
  NodeNeighbours(space, nc, first, seen, buf, &n, &len);
  PetscCall(PetscSortInt(n, buf));
  for (PetscInt m = 0; m < n; ++m) {
    pos[buf[m]] = at;
    for (PetscInt k = 0; k < nc->width[buf[m]]; ++k)
      row[at++] = buf[m] + k;
  }
  for (PetscInt r = 1; r < width; ++r)
    PetscCall(PetscArraycpy(&space->pattern_cols[space->pattern_rowptr[first + r]], row, len));
  for (PetscInt k = nc->start[first]; k < nc->start[first + 1]; ++k) {
    const PetscInt e   = nc->entries[k];
    PetscInt      *map = &space->pattern_map[(size_t)e * nn];
    for (PetscInt j = 0; j < nn; ++j)
      map[j] = pos[TwinfeSpaceNodeDof(space, e / nn, j)];
  }
  PetscFunctionReturn(0);
}

/* One field of 3 components (elasticity): the same sum with the component loops unrolled,
   which keeps the matrix assembly as fast as with a map per entry. */
static void AddElementBlock3(const TwinfeSpace space, PetscInt c, const PetscScalar block[], PetscScalar values[])
{
  const PetscInt  nd = space->ndof, nn = space->nnodes;
  const PetscInt *loc = &space->pattern_map[(size_t)c * nn * nn];

  for (PetscInt i = 0; i < nn; ++i) {
    const PetscInt first = TwinfeSpaceNodeDof(space, c, i);
    for (PetscInt ci = 0; ci < 3; ++ci) {
      const PetscInt     base = space->pattern_rowptr[first + ci];
      const PetscScalar *brow = &block[(3 * i + ci) * nd];
      for (PetscInt j = 0; j < nn; ++j) {
        PetscScalar       *dst = &values[base + loc[i * nn + j]];
        const PetscScalar *src = &brow[3 * j];
        dst[0] += src[0];
        dst[1] += src[1];
        dst[2] += src[2];
      }
    }
  }
}

/* Element block of cell c summed into the pattern's values (see pattern_map). */
static void AddElementBlock(const TwinfeSpace space, PetscInt c, const PetscScalar block[], PetscScalar values[])
{
  const PetscInt  nd = space->ndof, nn = space->nnodes;
  const PetscInt *loc = &space->pattern_map[(size_t)c * nn * nn];

  if (space->nfields == 1 && space->ncomp[0] == 3) {
    AddElementBlock3(space, c, block, values);
    return;
  }
  for (PetscInt i = 0; i < nn; ++i)
    for (PetscInt ci = 0; ci < space->node_ncomp[i]; ++ci) {
      const PetscInt     a    = space->node_first[i] + ci;
      const PetscInt     base = space->pattern_rowptr[TwinfeSpaceNodeDof(space, c, i) + ci];
      const PetscScalar *brow = &block[a * nd];
      for (PetscInt j = 0; j < nn; ++j) {
        PetscScalar       *dst = &values[base + loc[i * nn + j]];
        const PetscScalar *src = &brow[space->node_first[j]];
        for (PetscInt cj = 0; cj < space->node_ncomp[j]; ++cj)
          dst[cj] += src[cj];
      }
    }
}

/* Where element blocks go: the pattern's values (AIJ: its value array on one rank, else an
   array in pattern order sent to the rows' owners), or a symmetric matrix's upper blocks (SBAIJ, upper_start set). */
typedef struct {
  PetscScalar    *values;
  const PetscInt *upper_start; /* SBAIJ: per node, its first stored block (the diagonal) */
  PetscBool       ranks_upper; /* an MPISBAIJ over several ranks: its sink */
  TwinfeUpperSink upper;
} MatrixSink;

/* Node pair (i, j) of an element matrix (row-major, nd wide) added to a stored bs x bs block
   (column-major, as PETSc's SBAIJ keeps them). */
static inline void AddNodePairBlock(PetscScalar dst[], const PetscScalar block[], PetscInt nd, PetscInt bs, PetscInt i,
                                    PetscInt j)
{
  for (PetscInt cj = 0; cj < bs; ++cj)
    for (PetscInt ri = 0; ri < bs; ++ri)
      dst[cj * bs + ri] += block[(bs * i + ri) * nd + bs * j + cj];
}

/* Element block of cell c into a SeqSBAIJ made by TwinfeSpaceCreateSymmetricMatrix: node pairs
   (i, j) whose column node is not below the row node, each a bs x bs block stored column-major.
   The row's full pattern lists its block columns sorted, so the upper ones are its last
   upper_start[n+1] - upper_start[n], and pattern_map's offset (in columns) gives the block. */
static void AddElementBlockUpper(const TwinfeSpace space, PetscInt c, const PetscScalar block[], const MatrixSink *sink)
{
  const PetscInt  nd = space->ndof, nn = space->nnodes, bs = space->ncomp[0];
  const PetscInt *loc = &space->pattern_map[(size_t)c * nn * nn];

  for (PetscInt i = 0; i < nn; ++i) {
    const PetscInt d = TwinfeSpaceNodeDof(space, c, i), n = d / bs;
    const PetscInt full = (space->pattern_rowptr[d + 1] - space->pattern_rowptr[d]) / bs;
    const PetscInt diag = full - (sink->upper_start[n + 1] - sink->upper_start[n]); /* the diagonal's place in the row */
    for (PetscInt j = 0; j < nn; ++j) {
      const PetscInt k = loc[i * nn + j] / bs;
      PetscScalar   *dst;
      if (k < diag) continue; /* below the diagonal: its transpose is stored */
      dst = &sink->values[(size_t)(sink->upper_start[n] + k - diag) * bs * bs];
      AddNodePairBlock(dst, block, nd, bs, i, j);
    }
  }
}

/* Element block of cell c into an MPISBAIJ made over several ranks: the node pairs whose column
   is not below the row in global numbering (the sink's upper_at says which, and where). */
static void AddElementBlockRanksUpper(const TwinfeSpace space, PetscInt c, const PetscScalar block[], const TwinfeUpperSink *sink)
{
  const PetscInt  nd = space->ndof, nn = space->nnodes, bs = sink->bs;
  const PetscInt *loc = &space->pattern_map[(size_t)c * nn * nn];

  for (PetscInt i = 0; i < nn; ++i) {
    const PetscInt d = TwinfeSpaceNodeDof(space, c, i), n = d / bs, first = space->pattern_rowptr[d] / sink->bs2;
    for (PetscInt j = 0; j < nn; ++j) {
      const PetscInt s = sink->upper_at[first + loc[i * nn + j] / bs];
      PetscScalar   *dst;
      if (s < 0) continue; /* below the diagonal: its transpose is stored */
      dst = TwinfeUpperSinkBlock(sink, n, s);
      AddNodePairBlock(dst, block, nd, bs, i, j);
    }
  }
}

static void AddElementBlockToSink(const TwinfeSpace space, PetscInt c, const PetscScalar block[], const MatrixSink *sink)
{
  if (sink->ranks_upper)
    AddElementBlockRanksUpper(space, c, block, &sink->upper);
  else if (sink->upper_start)
    AddElementBlockUpper(space, c, block, sink);
  else
    AddElementBlock(space, c, block, sink->values);
}

/* Unique columns of every local row, then where each element-matrix entry lands among them.
   Summing element blocks ourselves leaves about 6x fewer (P1), unique entries to place:
   PETSc's COO preallocation had spent its time sorting the duplicates. Worked out node by node
   (NodeCells). Leaves pattern_cols set for TwinfeSpaceCreateMatrix, which drops it. */
static PetscErrorCode BuildPattern(TwinfeSpace space)
{
  static PetscLogEvent event = -1;
  PetscInt             nl, maxrow = 0, *buf, *seen, *pos;
  NodeCells            nc;

  PetscFunctionBeginUser;
  if (space->pattern_built) PetscFunctionReturn(0);
  PetscCall(TwinfeLogBegin_Private("TwinfeSpacePattern", &event));
  PetscCall(VecGetLocalSize(space->work_local, &nl));
  PetscCall(NodeCellsCreate(space, nl, &nc));
  for (PetscInt d = 0; d < nl; ++d)
    maxrow = PetscMax(maxrow, (nc.start[d + 1] - nc.start[d]) * space->nnodes);
  PetscCall(PetscMalloc3(maxrow + 1, &buf, nl, &seen, nl, &pos));
  /* rowptr and map are one allocation (TwinfeSpaceReleasePattern); the columns apart, dropped
     once the matrices are made (see DropPatternColumns) */
  PetscCall(
      PetscMalloc2(nl + 1, &space->pattern_rowptr, (size_t)space->ncells * space->nnodes * space->nnodes, &space->pattern_map));
  PetscCall(CountRows(space, &nc, nl, seen, buf, space->pattern_rowptr));
  space->nnz = space->pattern_rowptr[nl];
  PetscCall(PetscMalloc1(space->nnz, &space->pattern_cols));
  for (PetscInt d = 0; d < nl; ++d)
    seen[d] = -1;
  for (PetscInt d = 0; d < nl; ++d)
    if (nc.width[d]) PetscCall(FillNodeRows(space, &nc, d, seen, pos, buf));
  space->pattern_built = PETSC_TRUE;
  PetscCall(PetscFree3(buf, seen, pos));
  PetscCall(NodeCellsDestroy(&nc));
  PetscCall(PetscLogEventEnd(event, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* The pattern's columns duplicate the column indices of every matrix made from it (209 MB of
   Taylor-Hood at 549k unknowns) and assembly reads only pattern_rowptr and pattern_map: they
   live only while a matrix is being made. Never left set when a public function returns, which
   also keeps TwinfeSpaceDestroy's one free of the pattern arrays right (PETSc's coalesced
   PetscFree3 frees only the first block). */
static PetscErrorCode DropPatternColumns(TwinfeSpace space)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(space->pattern_cols));
  PetscFunctionReturn(0);
}

/* pattern_cols again from pattern_map, for a later matrix of the same space: every pattern entry
   is some cell's (node i, node j) pair, and the rows of node i's components share its columns.
   A scatter with no sorting, about the cost of one matrix assembly's sums. */
static PetscErrorCode RebuildPatternColumns(TwinfeSpace space)
{
  const PetscInt nn = space->nnodes;
  PetscInt      *cols;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(space->nnz, &cols));
  for (PetscInt k = 0; k < space->nnz; ++k)
    cols[k] = -1;
  for (PetscInt c = 0; c < space->ncells; ++c) {
    const PetscInt *loc = &space->pattern_map[(size_t)c * nn * nn];
    for (PetscInt i = 0; i < nn; ++i)
      for (PetscInt ci = 0; ci < space->node_ncomp[i]; ++ci) {
        PetscInt *row = &cols[space->pattern_rowptr[TwinfeSpaceNodeDof(space, c, i) + ci]];
        for (PetscInt j = 0; j < nn; ++j)
          for (PetscInt cj = 0; cj < space->node_ncomp[j]; ++cj)
            row[loc[i * nn + j] + cj] = TwinfeSpaceNodeDof(space, c, j) + cj;
      }
  }
  for (PetscInt k = 0; k < space->nnz; ++k)
    PetscCheck(cols[k] >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "TwinfeSpace: matrix entry %" PetscInt_FMT " belongs to no cell",
               k);
  space->pattern_cols = cols;
  PetscFunctionReturn(0);
}

/* The pattern with its columns, built or rebuilt as needed. */
static PetscErrorCode GetPatternColumns(TwinfeSpace space)
{
  PetscFunctionBeginUser;
  PetscCall(BuildPattern(space));
  if (!space->pattern_cols && space->nnz > 0) PetscCall(RebuildPatternColumns(space));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceReleasePattern(TwinfeSpace space)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(space->pattern_cols));
  PetscCall(PetscFree2(space->pattern_rowptr, space->pattern_map));
  space->pattern_built = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Name under which a matrix built straight from the pattern's CSR carries its space's DM. */
static const char csr_key[] = "TwinfeSpacePatternCSR";

/* Whether the local numbering is the global one: one rank whose local vector has no ghosts and
   whose local-to-global map is the identity, so the pattern's CSR is the matrix's. */
static PetscErrorCode LocalIsGlobal(TwinfeSpace space, PetscInt nlocal, PetscBool *same)
{
  ISLocalToGlobalMapping ltog;
  const PetscInt        *idx;
  PetscMPIInt            size;
  PetscInt               nl, n;

  PetscFunctionBeginUser;
  *same = PETSC_FALSE;
  PetscCallMPI(MPI_Comm_size(space->comm, &size));
  PetscCall(VecGetLocalSize(space->work_local, &nl));
  if (size != 1 || nl != nlocal) PetscFunctionReturn(0);
  PetscCall(DMGetLocalToGlobalMapping(space->dm, &ltog));
  PetscCall(ISLocalToGlobalMappingGetSize(ltog, &n));
  if (n != nl) PetscFunctionReturn(0);
  PetscCall(ISLocalToGlobalMappingGetIndices(ltog, &idx));
  *same = PETSC_TRUE;
  for (PetscInt i = 0; i < n && *same; ++i)
    if (idx[i] != i) *same = PETSC_FALSE;
  PetscCall(ISLocalToGlobalMappingRestoreIndices(ltog, &idx));
  PetscFunctionReturn(0);
}

/* Name under which a CSR matrix keeps the nonzero state it had when its rows and columns were
   checked against the pattern: assembly writes its value array in pattern order only while the
   state is the same. */
static const char csr_state_key[] = "TwinfeSpacePatternCSRState";

/* On one rank: the matrix's CSR is the pattern's, checked entry by entry now (pattern_cols is
   still there; StampCSR then remembers it by the matrix's nonzero state). */
/* The arrays a matrix made from the pattern holds (MatCreateSeqAIJWithArrays does not free
   them): freed with the matrix, through a container composed on it. */
typedef struct {
  PetscInt    *rowptr, *cols;
  PetscScalar *values;
} PatternArrays;

static PetscErrorCode PatternArraysDestroy(void *ctx)
{
  PatternArrays *arrays = (PatternArrays *)ctx;

  PetscFunctionBeginUser;
  PetscCall(PetscFree(arrays->rowptr));
  PetscCall(PetscFree(arrays->cols));
  PetscCall(PetscFree(arrays->values));
  PetscCall(PetscFree(arrays));
  PetscFunctionReturn(0);
}

/* On one rank the pattern's CSR becomes the matrix's own: its columns move over, its row starts
   are copied, and the values start as untouched zero pages. MatSeqAIJSetPreallocationCSR, which
   inserts every row through MatSetValues, took 2.0 s of 3.7 for the Taylor-Hood matrix of the
   cut aorta at 1 mm (98k tets, 449k rows). The pattern is final: a new nonzero is an error,
   never a reallocation (which would free arrays the matrix does not own). */
static PetscErrorCode CreateFromPatternCSR(TwinfeSpace space, PetscInt n, Mat *A)
{
  PatternArrays *arrays;
  PetscContainer keep;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&arrays));
  PetscCall(PetscMalloc1(n + 1, &arrays->rowptr));
  PetscCall(PetscArraycpy(arrays->rowptr, space->pattern_rowptr, n + 1));
  PetscCall(PetscCalloc1(space->nnz + 1, &arrays->values));
  arrays->cols        = space->pattern_cols; /* moved: the pattern drops its columns after every matrix anyway */
  space->pattern_cols = NULL;
  PetscCall(MatCreateSeqAIJWithArrays(space->comm, n, n, arrays->rowptr, arrays->cols, arrays->values, A));
  PetscCall(PetscContainerCreate(PETSC_COMM_SELF, &keep));
  PetscCall(PetscContainerSetPointer(keep, arrays));
  PetscCall(PetscContainerSetUserDestroy(keep, PatternArraysDestroy));
  PetscCall(PetscObjectCompose((PetscObject)*A, "TwinfeSpacePatternArrays", (PetscObject)keep));
  PetscCall(PetscContainerDestroy(&keep));
  PetscCall(MatSetOption(*A, MAT_NEW_NONZERO_LOCATION_ERR, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* Marks A as this space's CSR matrix (its DM) as it is now (its nonzero state). */
static PetscErrorCode StampCSR(TwinfeSpace space, Mat A)
{
  PetscContainer    stamp;
  PetscObjectState *state;

  PetscFunctionBeginUser;
  PetscCall(PetscObjectCompose((PetscObject)A, csr_key, (PetscObject)space->dm));
  PetscCall(PetscNew(&state));
  PetscCall(MatGetNonzeroState(A, state));
  PetscCall(PetscContainerCreate(PETSC_COMM_SELF, &stamp));
  PetscCall(PetscContainerSetPointer(stamp, state));
  PetscCall(PetscContainerSetUserDestroy(stamp, PetscContainerUserDestroyDefault));
  PetscCall(PetscObjectCompose((PetscObject)A, csr_state_key, (PetscObject)stamp));
  PetscCall(PetscContainerDestroy(&stamp));
  PetscFunctionReturn(0);
}

/* The dofs this rank owns. */
static PetscErrorCode OwnedSize(TwinfeSpace space, PetscInt *nowned)
{
  Vec g;

  PetscFunctionBeginUser;
  PetscCall(DMGetGlobalVector(space->dm, &g));
  PetscCall(VecGetLocalSize(g, nowned));
  PetscCall(DMRestoreGlobalVector(space->dm, &g));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeSpaceCreateMatrix - AIJ matrix holding exactly the element pattern's (row, col) pairs.
  On one rank the pattern's sorted, unique CSR is the matrix's, handed over as it is (PETSc's COO
  preallocation spent most of its time sorting it again: 19 s per 1M P2 tets); on several
  ranks each row at its owner, merged only where ranks share it (assembly_ranks.c). Collective.
@*/
PetscErrorCode TwinfeSpaceCreateMatrix(TwinfeSpace space, Mat *A)
{
  PetscInt               nlocal;
  ISLocalToGlobalMapping ltog;
  PetscBool              csr;

  PetscFunctionBeginUser;
  PetscCall(GetPatternColumns(space));
  PetscCall(OwnedSize(space, &nlocal));
  PetscCall(LocalIsGlobal(space, nlocal, &csr));
  if (csr)
    PetscCall(CreateFromPatternCSR(space, nlocal, A));
  else {
    PetscCall(TwinfeSpaceCreateRanksMatrix_Private(space, nlocal, A));
    PetscCall(DropPatternColumns(space));
  }
  if (space->nfields == 1) PetscCall(MatSetBlockSize(*A, space->ncomp[0]));
  PetscCall(DMGetLocalToGlobalMapping(space->dm, &ltog));
  PetscCall(MatSetLocalToGlobalMapping(*A, ltog, ltog));
  PetscCall(MatSetOption(*A, MAT_KEEP_NONZERO_PATTERN, PETSC_TRUE));
  if (csr) PetscCall(StampCSR(space, *A));
  PetscFunctionReturn(0);
}

/* Name under which a SeqSBAIJ made from the pattern carries its space's DM. */
static const char sbaij_key[] = "TwinfeSpacePatternSBAIJ";

/* Whether a symmetric matrix can be stored as SBAIJ here: one field, one rank, local numbering
   the global one, and every node's dofs consecutive from a multiple of the block size (so node
   n is block row n). */
static PetscErrorCode CanStoreUpperBlocks(TwinfeSpace space, PetscInt nlocal, PetscBool *can)
{
  const PetscInt bs = space->ncomp[0];

  PetscFunctionBeginUser;
  *can = PETSC_FALSE;
  if (space->nfields != 1) PetscFunctionReturn(0);
  PetscCall(LocalIsGlobal(space, nlocal, can));
  if (!*can) PetscFunctionReturn(0);
  *can = (PetscBool)(nlocal % bs == 0);
  for (PetscInt c = 0; c < space->ncells && *can; ++c) /* a node's dofs are consecutive: its first must be a block's */
    for (PetscInt j = 0; j < space->nnodes && *can; ++j)
      *can = (PetscBool)(TwinfeSpaceNodeDof(space, c, j) % bs == 0);
  PetscFunctionReturn(0);
}

/* The pattern's upper triangle in blocks: per node row its block columns at or after its own.
   PETSc 3.18 takes a caller's SBAIJ arrays for block size 1 only, so the matrix copies these
   (block CSR, about 11 MB at 1M P1 unknowns) and they go. */
static PetscErrorCode CreateUpperBlocks(TwinfeSpace space, PetscInt nlocal, Mat *A)
{
  const PetscInt bs = space->ncomp[0], nb = nlocal / bs;
  PetscInt      *rowptr, *cols, nupper = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(nb + 1, &rowptr));
  rowptr[0] = 0;
  for (PetscInt n = 0; n < nb; ++n) {
    const PetscInt d = bs * n;
    for (PetscInt k = space->pattern_rowptr[d]; k < space->pattern_rowptr[d + 1]; k += bs)
      if (space->pattern_cols[k] / bs >= n) nupper++;
    rowptr[n + 1] = nupper;
  }
  PetscCall(PetscMalloc1(nupper, &cols));
  nupper = 0;
  for (PetscInt n = 0; n < nb; ++n) {
    const PetscInt d = bs * n;
    for (PetscInt k = space->pattern_rowptr[d]; k < space->pattern_rowptr[d + 1]; k += bs)
      if (space->pattern_cols[k] / bs >= n) cols[nupper++] = space->pattern_cols[k] / bs;
  }
  PetscCall(MatCreate(space->comm, A));
  PetscCall(MatSetSizes(*A, nlocal, nlocal, nlocal, nlocal));
  PetscCall(MatSetType(*A, MATSEQSBAIJ));
  PetscCall(MatSeqSBAIJSetPreallocationCSR(*A, bs, rowptr, cols, NULL));
  PetscCall(PetscFree(rowptr));
  PetscCall(PetscFree(cols));
  PetscCall(MatSetOption(*A, MAT_NEW_NONZERO_LOCATION_ERR, PETSC_TRUE));
  PetscCall(PetscObjectCompose((PetscObject)*A, sbaij_key, (PetscObject)space->dm));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeSpaceCreateSymmetricMatrix - For a symmetric operator: on one rank, a SeqSBAIJ of block
  size ncomp holding the pattern's upper triangle (44% of the AIJ's bytes for P1 elasticity);
  on several ranks an MPISBAIJ of the same blocks (assembly_ranks_upper.c, which also zeroes
  its Dirichlet rows and columns: PETSc 3.18's MPISBAIJ has no MatZeroRowsColumns) when every
  node's components are consecutive dofs starting a block; otherwise (several fields, scalar
  fields) the AIJ of TwinfeSpaceCreateMatrix. Assembly writes the upper blocks of each element
  matrix, so the kernel's matrices must be symmetric. Collective.
@*/
PetscErrorCode TwinfeSpaceCreateSymmetricMatrix(TwinfeSpace space, Mat *A)
{
  PetscInt               nlocal;
  PetscBool              can;
  ISLocalToGlobalMapping ltog;

  PetscFunctionBeginUser;
  PetscCall(GetPatternColumns(space));
  PetscCall(VecGetLocalSize(space->work_local, &nlocal));
  PetscCall(CanStoreUpperBlocks(space, nlocal, &can));
  if (can)
    PetscCall(CreateUpperBlocks(space, nlocal, A));
  else {
    PetscMPIInt size;
    PetscInt    nowned;
    PetscCallMPI(MPI_Comm_size(space->comm, &size));
    PetscCall(OwnedSize(space, &nowned));
    if (size > 1) PetscCall(TwinfeSpaceCanStoreRanksUpper_Private(space, nowned, &can));
    if (!can) {
      PetscCall(TwinfeSpaceCreateMatrix(space, A));
      PetscFunctionReturn(0);
    }
    PetscCall(TwinfeSpaceCreateRanksUpperMatrix_Private(space, nowned, A));
  }
  PetscCall(DropPatternColumns(space));
  PetscCall(DMGetLocalToGlobalMapping(space->dm, &ltog));
  PetscCall(MatSetLocalToGlobalMapping(*A, ltog, ltog));
  PetscCall(MatSetOption(*A, MAT_SYMMETRIC, PETSC_TRUE));
  PetscCall(MatSetOption(*A, MAT_SYMMETRY_ETERNAL, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* A SeqSBAIJ this space made: its upper blocks' row starts and values, zeroed (sink->upper_start
   NULL when A is not one). */
static PetscErrorCode GetUpperBlocks(TwinfeSpace space, Mat A, MatrixSink *sink)
{
  PetscObject     owner;
  PetscBool       sbaij, done;
  const PetscInt *ja;
  PetscInt        nb;

  PetscFunctionBeginUser;
  sink->upper_start = NULL;
  sink->ranks_upper = PETSC_FALSE;
  PetscCall(PetscObjectQuery((PetscObject)A, sbaij_key, &owner));
  if (owner != (PetscObject)space->dm) PetscFunctionReturn(0);
  PetscCall(PetscObjectTypeCompare((PetscObject)A, MATSEQSBAIJ, &sbaij));
  PetscCheck(sbaij, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "The matrix is no longer of the type the space created (expected %s): create it again", MATSEQSBAIJ);
  PetscCall(MatGetRowIJ(A, 0, PETSC_FALSE, PETSC_TRUE, &nb, &sink->upper_start, &ja, &done));
  PetscCheck(done, PETSC_COMM_SELF, PETSC_ERR_PLIB, "TwinfeSpace: the symmetric matrix gives no block CSR arrays");
  PetscCall(MatSeqSBAIJGetArray(A, &sink->values));
  PetscCall(PetscArrayzero(sink->values, (size_t)sink->upper_start[nb] * space->ncomp[0] * space->ncomp[0]));
  PetscFunctionReturn(0);
}

static PetscErrorCode RestoreUpperBlocks(Mat A, MatrixSink *sink)
{
  PetscInt        nb;
  const PetscInt *ja = NULL;
  PetscBool       done;

  PetscFunctionBeginUser;
  PetscCall(MatSeqSBAIJRestoreArray(A, &sink->values));
  PetscCall(MatRestoreRowIJ(A, 0, PETSC_FALSE, PETSC_TRUE, &nb, &sink->upper_start, &ja, &done));
  /* new values: the assembly raises the matrix's state, so preconditioners are set up again */
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/* Whether the element blocks can be summed straight into A's value array: A is the SeqAIJ this
   space made from its pattern, and its rows and columns are still those checked at creation
   (same nonzero state, same row starts). A matrix that carries the space's mark but changed is
   refused rather than filled in the wrong order. Checked before anything is allocated. */
static PetscErrorCode IsPatternCSR(TwinfeSpace space, Mat A, PetscBool *direct)
{
  PetscObject       owner, stamp;
  PetscObjectState *created, now;
  PetscBool         seqaij, done, same;
  const PetscInt   *ia, *ja;
  PetscInt          n, nl, nz;
  MatType           type;

  PetscFunctionBeginUser;
  *direct = PETSC_FALSE;
  PetscCall(PetscObjectQuery((PetscObject)A, csr_key, &owner));
  if (owner != (PetscObject)space->dm) PetscFunctionReturn(0);
  PetscCall(MatGetType(A, &type));
  PetscCall(PetscObjectTypeCompare((PetscObject)A, MATSEQAIJ, &seqaij));
  PetscCall(PetscObjectQuery((PetscObject)A, csr_state_key, &stamp));
  PetscCheck(seqaij && stamp, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "The matrix is no longer of the type the space created (%s, expected %s): create it again", type, MATSEQAIJ);
  PetscCall(PetscContainerGetPointer((PetscContainer)stamp, (void **)&created));
  PetscCall(MatGetNonzeroState(A, &now));
  PetscCall(VecGetLocalSize(space->work_local, &nl));
  PetscCall(MatGetRowIJ(A, 0, PETSC_FALSE, PETSC_FALSE, &n, &ia, &ja, &done));
  PetscCheck(done, PETSC_COMM_SELF, PETSC_ERR_PLIB, "TwinfeSpace: the matrix gives no CSR arrays");
  nz   = ia[n];
  same = (PetscBool)(n == nl && now == *created);
  if (same) PetscCall(PetscArraycmp(ia, space->pattern_rowptr, nl + 1, &same));
  PetscCall(MatRestoreRowIJ(A, 0, PETSC_FALSE, PETSC_FALSE, &n, &ia, &ja, &done));
  PetscCheck(same, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "The matrix's nonzero pattern changed since the space created it (now %" PetscInt_FMT " rows and %" PetscInt_FMT
             " nonzeros, created with %" PetscInt_FMT " and %" PetscInt_FMT "): create it again",
             n, nz, nl, space->nnz);
  *direct = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* Where the element blocks are summed: A's own zeroed value array on one rank (pattern order is
   its CSR order); on several ranks an nnz-long array in pattern order, which
   TwinfeRanksMatrixSetValues_Private then sums at the rows' owners. */
static PetscErrorCode GetPatternValues(TwinfeSpace space, Mat A, PetscBool direct, PetscScalar **values)
{
  PetscFunctionBeginUser;
  if (direct) {
    PetscCall(MatSeqAIJGetArrayWrite(A, values));
    PetscCall(PetscArrayzero(*values, space->nnz));
  } else
    PetscCall(PetscCalloc1(space->nnz, values));
  PetscFunctionReturn(0);
}

/* After a failed kernel (failed nonzero) the values are only freed: sending them is
   collective and the other ranks may have stopped elsewhere. */
static PetscErrorCode RestorePatternValues(TwinfeSpace space, Mat A, PetscBool direct, PetscErrorCode failed,
                                           PetscScalar **values)
{
  PetscFunctionBeginUser;
  if (direct)
    PetscCall(MatSeqAIJRestoreArrayWrite(A, values));
  else {
    if (!failed) PetscCall(TwinfeRanksMatrixSetValues_Private(A, space->pattern_rowptr, *values));
    PetscCall(PetscFree(*values));
  }
  PetscFunctionReturn(0);
}

/*@C
  TwinfeSpaceAssembleMatrix - Element matrices from kernel summed in pattern order: on one rank
  straight into A's value array, on several into an array whose shared rows are then summed at
  their owners (the matrix must come from TwinfeSpaceCreateMatrix). Replaces A's values; if kernel fails, A's
  values are undefined. Collective.
@*/
PetscErrorCode TwinfeSpaceAssembleMatrix(TwinfeSpace space, PetscInt qorder, Vec U, TwinfeElementMatrixKernel kernel, void *ctx,
                                         Mat A)
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceAssembleMatrixWithFaces(space, qorder, U, kernel, ctx, 0, NULL, A));
  PetscFunctionReturn(0);
}

/* The face matrices of one boundary term summed into the pattern's values; returns the
   kernel's error instead of raising it, so that the caller can release the values collectively. */
static PetscErrorCode AddFaceTerm(TwinfeSpace space, const PetscScalar *ulocal, const TwinfeFaceMatrixTerm *term,
                                  const MatrixSink *sink, PetscErrorCode *failed)
{
  TwinfeRule       *rule;
  TwinfeElementWork work;
  PetscReal         normal[3];
  const PetscInt    nd2 = space->ndof * space->ndof;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceGetFaceRule(space, term->qorder, 0, &rule));
  PetscCall(TwinfeElementWorkCreate(space, rule, PETSC_TRUE, &work));
  for (PetscInt i = 0; i < space->nfaces && !*failed; ++i) {
    TwinfeFaceElement fe;
    if (space->face_tag[i] != term->tag) continue;
    *failed = TwinfeSpaceFaceElementSetUp(space, i, term->qorder, ulocal, &work, normal, &fe);
    if (*failed) break;
    PetscCall(PetscArrayzero(work.block, nd2));
    *failed = term->kernel(&fe, work.block, term->ctx);
    if (!*failed) AddElementBlockToSink(space, space->face_cell[i], work.block, sink);
  }
  PetscCall(TwinfeElementWorkDestroy(&work));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceAssembleMatrixWithFaces(TwinfeSpace space, PetscInt qorder, Vec U, TwinfeElementMatrixKernel kernel,
                                                  void *ctx, PetscInt nterms, const TwinfeFaceMatrixTerm terms[], Mat A)
{
  TwinfeRule        *rule;
  TwinfeElementWork  work;
  TwinfeElement      e;
  const PetscScalar *ulocal;
  MatrixSink         sink;
  PetscInt           nd2    = space->ndof * space->ndof;
  PetscBool          direct = PETSC_FALSE;
  PetscErrorCode     ierr   = 0;

  PetscFunctionBeginUser;
  PetscCall(BuildPattern(space));
  PetscCall(DropPatternColumns(space)); /* only set here if A did not come from the space */
  PetscCall(GetUpperBlocks(space, A, &sink));
  if (!sink.upper_start) PetscCall(TwinfeRanksUpperGetSink_Private(A, space->dm, &sink.upper, &sink.ranks_upper));
  if (!sink.upper_start && !sink.ranks_upper) PetscCall(IsPatternCSR(space, A, &direct));
  if (!sink.upper_start && !sink.ranks_upper && !direct) {
    PetscBool ranks;
    PetscCall(TwinfeRanksMatrixIsOwnedBy_Private(A, space->dm, &ranks));
    PetscCheck(ranks, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "The matrix was not made by TwinfeSpaceCreateMatrix of this space: create it so");
  }
  PetscCall(TwinfeSpaceGetVolumeRule(space, qorder, &rule));
  PetscCall(TwinfeElementWorkCreate(space, rule, PETSC_TRUE, &work));
  PetscCall(TwinfeSpaceGetLocalState(space, U, &ulocal));
  if (!sink.upper_start && !sink.ranks_upper) PetscCall(GetPatternValues(space, A, direct, &sink.values));
  for (PetscInt c = 0; c < space->ncells; ++c) {
    TwinfeSpaceElementSetUp(space, c, rule, ulocal, &work, &e);
    PetscCall(PetscArrayzero(work.block, nd2));
    ierr = kernel(&e, work.block, ctx);
    if (ierr) break;
    AddElementBlockToSink(space, c, work.block, &sink);
  }
  for (PetscInt t = 0; t < nterms && !ierr; ++t)
    PetscCall(AddFaceTerm(space, ulocal, &terms[t], &sink, &ierr));
  PetscCall(TwinfeSpaceRestoreLocalState(space, U, &ulocal));
  if (sink.upper_start)
    PetscCall(RestoreUpperBlocks(A, &sink));
  else if (sink.ranks_upper)
    PetscCall(TwinfeRanksUpperRestoreSink_Private(A, &sink.upper, (PetscBool)(ierr != 0)));
  else
    PetscCall(RestorePatternValues(space, A, direct, ierr, &sink.values));
  PetscCall(TwinfeElementWorkDestroy(&work));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceAssembleVector(TwinfeSpace space, PetscInt qorder, Vec U, TwinfeElementVectorKernel kernel, void *ctx,
                                         Vec F)
{
  TwinfeRule        *rule;
  TwinfeElementWork  work;
  TwinfeElement      e;
  const PetscScalar *ulocal;
  PetscScalar       *floc;
  Vec                Floc;
  PetscErrorCode     ierr = 0;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceGetVolumeRule(space, qorder, &rule));
  PetscCall(TwinfeElementWorkCreate(space, rule, PETSC_FALSE, &work));
  PetscCall(TwinfeSpaceGetLocalState(space, U, &ulocal));
  PetscCall(GetLocalSum(space, &Floc, &floc));
  for (PetscInt c = 0; c < space->ncells; ++c) {
    TwinfeSpaceElementSetUp(space, c, rule, ulocal, &work, &e);
    PetscCall(PetscArrayzero(work.block, space->ndof));
    ierr = kernel(&e, work.block, ctx);
    if (ierr) break;
    ScatterAdd(space, c, work.block, floc);
  }
  PetscCall(TwinfeSpaceRestoreLocalState(space, U, &ulocal));
  PetscCall(AddLocalSum(space, &Floc, &floc, ierr, F));
  PetscCall(TwinfeElementWorkDestroy(&work));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* J (ref_vertex[to] - ref_vertex[from]): a reference edge mapped to cell c. */
static void MapReferenceEdge(const PetscReal J[9], PetscInt from, PetscInt to, PetscReal out[3])
{
  const PetscReal d[3] = {ref_vertex[to][0] - ref_vertex[from][0], ref_vertex[to][1] - ref_vertex[from][1],
                          ref_vertex[to][2] - ref_vertex[from][2]};
  for (PetscInt k = 0; k < 3; ++k)
    out[k] = J[3 * k] * d[0] + J[3 * k + 1] * d[1] + J[3 * k + 2] * d[2];
}

/* Face points, measure and outward normal of local face `face` of cell c. */
void TwinfeSpaceFaceSetUp(TwinfeSpace space, PetscInt c, PetscInt face, const TwinfeRule *rule, TwinfeElementWork *work,
                          PetscReal normal[3])
{
  PetscInt  fv[3], m = 0;
  PetscReal v0[3], J[9], t[2][3], n[3], len, d[3];

  TwinfeCellAffine(space->cells, c, v0, J);

  for (PetscInt v = 0; v < 4; ++v)
    if (v != face) fv[m++] = v;
  MapReferenceEdge(J, fv[0], fv[1], t[0]);
  MapReferenceEdge(J, fv[0], fv[2], t[1]);
  n[0] = t[0][1] * t[1][2] - t[0][2] * t[1][1];
  n[1] = t[0][2] * t[1][0] - t[0][0] * t[1][2];
  n[2] = t[0][0] * t[1][1] - t[0][1] * t[1][0];
  len  = PetscSqrtReal(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  /* Outward: away from the vertex opposite the face. */
  MapReferenceEdge(J, fv[0], face, d);
  if (n[0] * d[0] + n[1] * d[1] + n[2] * d[2] > 0) len = -len;
  for (PetscInt k = 0; k < 3; ++k)
    normal[k] = n[k] / len;
  MapRule(space, c, rule, work);
  for (PetscInt q = 0; q < rule->nq; ++q)
    work->w[q] = rule->w[q] * PetscAbsReal(len);
}

/* Face i of the space as a kernel sees it: the rule for qorder on its local face, the cell's
   geometry and (ulocal not NULL) values; normal receives the cell's outward unit normal and
   fe->normal points at it. */
PetscErrorCode TwinfeSpaceFaceElementSetUp(TwinfeSpace space, PetscInt i, PetscInt qorder, const PetscScalar *ulocal,
                                           TwinfeElementWork *work, PetscReal normal[3], TwinfeFaceElement *fe)
{
  const PetscInt c = space->face_cell[i];
  TwinfeRule    *rule;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceGetFaceRule(space, qorder, space->face_local[i], &rule));
  TwinfeSpaceFaceSetUp(space, c, space->face_local[i], rule, work, normal);
  if (ulocal) TwinfeSpaceGatherCell(space, c, ulocal, work);
  TWINFE_ELEMENT_VIEW_SET(fe, space, c, rule, ulocal, work);
  fe->face   = space->face_local[i];
  fe->tag    = space->face_tag[i];
  fe->normal = normal;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceAssembleFaceVector(TwinfeSpace space, PetscInt tag, PetscInt qorder, Vec U,
                                             TwinfeFaceVectorKernel kernel, void *ctx, Vec F)
{
  TwinfeRule        *rule;
  TwinfeElementWork  work;
  const PetscScalar *ulocal;
  PetscScalar       *floc;
  Vec                Floc;
  PetscReal          normal[3];
  PetscErrorCode     ierr = 0;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceGetFaceRule(space, qorder, 0, &rule));
  PetscCall(TwinfeElementWorkCreate(space, rule, PETSC_FALSE, &work));
  PetscCall(TwinfeSpaceGetLocalState(space, U, &ulocal));
  PetscCall(GetLocalSum(space, &Floc, &floc));
  for (PetscInt i = 0; i < space->nfaces; ++i) {
    PetscInt          c = space->face_cell[i];
    TwinfeFaceElement fe;
    if (space->face_tag[i] != tag) continue;
    ierr = TwinfeSpaceFaceElementSetUp(space, i, qorder, ulocal, &work, normal, &fe);
    if (ierr) break;
    PetscCall(PetscArrayzero(work.block, space->ndof));
    ierr = kernel(&fe, work.block, ctx);
    if (ierr) break;
    ScatterAdd(space, c, work.block, floc);
  }
  PetscCall(TwinfeSpaceRestoreLocalState(space, U, &ulocal));
  PetscCall(AddLocalSum(space, &Floc, &floc, ierr, F));
  PetscCall(TwinfeElementWorkDestroy(&work));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* Cells [cstart, cend) through kernel into out[(c - cstart)*nout]. */
static PetscErrorCode EvaluateRange(TwinfeSpace space, const TwinfeRule *rule, TwinfeElementWork *work, const PetscScalar *ulocal,
                                    TwinfeElementVectorKernel kernel, void *ctx, PetscInt nout, PetscInt cstart, PetscInt cend,
                                    PetscScalar out[])
{
  TwinfeElement e;

  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(out, (cend - cstart) * nout));
  for (PetscInt c = cstart; c < cend; ++c) {
    TwinfeSpaceElementSetUp(space, c, rule, ulocal, work, &e);
    PetscCall(kernel(&e, &out[(c - cstart) * nout], ctx));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceEvaluateCellBlocks(TwinfeSpace space, PetscInt qorder, Vec U, TwinfeElementVectorKernel kernel,
                                             void *ctx, PetscInt nout, PetscInt block, TwinfeCellValuesFn consume,
                                             void *consume_ctx)
{
  TwinfeRule        *rule;
  TwinfeElementWork  work;
  const PetscScalar *ulocal;
  PetscScalar       *values;
  PetscErrorCode     ierr = 0;

  PetscFunctionBeginUser;
  PetscCheck(block > 0, space->comm, PETSC_ERR_ARG_OUTOFRANGE, "TwinfeSpaceEvaluateCellBlocks: block %" PetscInt_FMT " < 1",
             block);
  block = PetscMin(block, PetscMax(space->ncells, 1));
  PetscCall(TwinfeSpaceGetVolumeRule(space, qorder, &rule));
  PetscCall(PetscMalloc1(block * nout, &values));
  PetscCall(TwinfeElementWorkCreate(space, rule, PETSC_FALSE, &work));
  PetscCall(TwinfeSpaceGetLocalState(space, U, &ulocal));
  for (PetscInt c = 0; c < space->ncells && !ierr; c += block) {
    const PetscInt end = PetscMin(c + block, space->ncells);
    ierr               = EvaluateRange(space, rule, &work, ulocal, kernel, ctx, nout, c, end, values);
    if (!ierr) ierr = consume(c, end, values, consume_ctx);
  }
  PetscCall(TwinfeSpaceRestoreLocalState(space, U, &ulocal));
  PetscCall(TwinfeElementWorkDestroy(&work));
  PetscCall(PetscFree(values));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceEvaluateCells(TwinfeSpace space, PetscInt qorder, Vec U, TwinfeElementVectorKernel kernel, void *ctx,
                                        PetscInt nout, PetscScalar out[])
{
  TwinfeRule        *rule;
  TwinfeElementWork  work;
  const PetscScalar *ulocal;
  PetscErrorCode     ierr;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceGetVolumeRule(space, qorder, &rule));
  PetscCall(TwinfeElementWorkCreate(space, rule, PETSC_FALSE, &work));
  PetscCall(TwinfeSpaceGetLocalState(space, U, &ulocal));
  ierr = EvaluateRange(space, rule, &work, ulocal, kernel, ctx, nout, 0, space->ncells, out);
  PetscCall(TwinfeSpaceRestoreLocalState(space, U, &ulocal));
  PetscCall(TwinfeElementWorkDestroy(&work));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
