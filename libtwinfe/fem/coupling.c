/* One field's dofs as an index set, and the block that couples two fields as a matrix of its own.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why: a mixed problem whose blocks have structure (Stokes: the velocity block is one scalar
 * matrix per component) need not store the whole matrix. These give the block between two fields
 * numbered as the fields' sub-vectors (VecGetSubVector, or a scatter, with the fields' index
 * sets), which is the numbering PCFIELDSPLIT and a user's block preconditioner work in. */
#include "fem_impl.h"

/*@C
  TwinfeSpaceCreateFieldIS - The global indices of one field's dofs, in increasing order (the
  index set PCFIELDSPLIT gets from the space's DM for that field). Collective.
@*/
PetscErrorCode TwinfeSpaceCreateFieldIS(TwinfeSpace space, PetscInt field, IS *is)
{
  PetscInt nfields;
  IS      *fields;

  PetscFunctionBeginUser;
  PetscCheck(field >= 0 && field < space->nfields, space->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "field %" PetscInt_FMT " does not exist: the space has fields 0..%" PetscInt_FMT, field, space->nfields - 1);
  PetscCall(DMCreateFieldIS(space->dm, &nfields, NULL, &fields));
  *is = fields[field];
  for (PetscInt f = 0; f < nfields; ++f)
    if (f != field) PetscCall(ISDestroy(&fields[f]));
  PetscCall(PetscFree(fields));
  PetscFunctionReturn(0);
}

/* For every local dof (owned and ghost) of the fields in `which`, its index in that field's
   sub-vector (the position of its global index in the field's index set); -1 elsewhere. Made
   on the owned dofs and scattered to the ghosts, so all ranks agree. */
static PetscErrorCode FieldNumbering(TwinfeSpace space, const PetscInt which[2], PetscInt **number)
{
  Vec                G, L;
  PetscInt           rstart, nl;
  const PetscScalar *l;

  PetscFunctionBeginUser;
  PetscCall(DMGetGlobalVector(space->dm, &G));
  PetscCall(VecSet(G, -1.0));
  PetscCall(VecGetOwnershipRange(G, &rstart, NULL));
  for (PetscInt k = 0; k < 2; ++k) {
    IS              is;
    const PetscInt *idx;
    PetscInt        n, offset = 0;
    PetscScalar    *g;

    if (k == 1 && which[1] == which[0]) break;
    PetscCall(TwinfeSpaceCreateFieldIS(space, which[k], &is));
    PetscCall(ISGetLocalSize(is, &n));
    PetscCallMPI(MPI_Exscan(&n, &offset, 1, MPIU_INT, MPI_SUM, space->comm));
    PetscCall(ISGetIndices(is, &idx));
    PetscCall(VecGetArray(G, &g));
    for (PetscInt i = 0; i < n; ++i)
      g[idx[i] - rstart] = (PetscScalar)(offset + i); /* exact: dof counts are far below 2^53 */
    PetscCall(VecRestoreArray(G, &g));
    PetscCall(ISRestoreIndices(is, &idx));
    PetscCall(ISDestroy(&is));
  }
  PetscCall(DMGetLocalVector(space->dm, &L));
  PetscCall(DMGlobalToLocal(space->dm, G, INSERT_VALUES, L));
  PetscCall(VecGetLocalSize(L, &nl));
  PetscCall(PetscMalloc1(nl, number));
  PetscCall(VecGetArrayRead(L, &l));
  for (PetscInt i = 0; i < nl; ++i)
    (*number)[i] = (PetscInt)PetscRealPart(l[i]);
  PetscCall(VecRestoreArrayRead(L, &l));
  PetscCall(DMRestoreLocalVector(space->dm, &L));
  PetscCall(DMRestoreGlobalVector(space->dm, &G));
  PetscFunctionReturn(0);
}

/* Field f's dofs of cell c in its sub-vector numbering. */
static void CellFieldDofs(TwinfeSpace space, PetscInt c, PetscInt f, const PetscInt number[], PetscInt out[])
{
  const PetscInt nc = space->ncomp[f];

  for (PetscInt a = 0; a < space->nbasis[f]; ++a) {
    const PetscInt first = TwinfeSpaceFieldNodeDof(space, c, f, a);
    for (PetscInt k = 0; k < nc; ++k)
      out[a * nc + k] = number[first + k];
  }
}

/* The (row, col) part of an element block (ndof x ndof, row-major) as a dense nr x nc block. */
static void ExtractBlock(TwinfeSpace space, PetscInt row, PetscInt col, const PetscScalar block[], PetscScalar out[])
{
  const PetscInt nr = space->nbasis[row] * space->ncomp[row], nc = space->nbasis[col] * space->ncomp[col];

  for (PetscInt i = 0; i < nr; ++i)
    for (PetscInt j = 0; j < nc; ++j)
      out[i * nc + j] = block[(space->offset[row] + i) * space->ndof + space->offset[col] + j];
}

static PetscErrorCode FieldSizes(TwinfeSpace space, PetscInt field, PetscInt *n, PetscInt *N)
{
  IS is;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceCreateFieldIS(space, field, &is));
  PetscCall(ISGetLocalSize(is, n));
  PetscCall(ISGetSize(is, N));
  PetscCall(ISDestroy(&is));
  PetscFunctionReturn(0);
}

/* An AIJ matrix of the block's size preallocated for exactly the cells' couplings
   (MATPREALLOCATOR counts them, rows owned elsewhere included). */
static PetscErrorCode CreateBlockMatrix(TwinfeSpace space, PetscInt row, PetscInt col, const PetscInt number[], Mat *B)
{
  const PetscInt nr = space->nbasis[row] * space->ncomp[row], nc = space->nbasis[col] * space->ncomp[col];
  PetscInt       m, M, n, N, *rows, *cols;
  PetscScalar   *zeros;
  Mat            pre;

  PetscFunctionBeginUser;
  PetscCall(FieldSizes(space, row, &m, &M));
  PetscCall(FieldSizes(space, col, &n, &N));
  PetscCall(MatCreate(space->comm, &pre));
  PetscCall(MatSetType(pre, MATPREALLOCATOR));
  PetscCall(MatSetSizes(pre, m, n, M, N));
  PetscCall(MatSetUp(pre));
  PetscCall(PetscCalloc3(nr, &rows, nc, &cols, nr * nc, &zeros));
  for (PetscInt c = 0; c < space->ncells; ++c) {
    CellFieldDofs(space, c, row, number, rows);
    CellFieldDofs(space, c, col, number, cols);
    PetscCall(MatSetValues(pre, nr, rows, nc, cols, zeros, INSERT_VALUES));
  }
  PetscCall(PetscFree3(rows, cols, zeros));
  PetscCall(MatAssemblyBegin(pre, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(pre, MAT_FINAL_ASSEMBLY));
  PetscCall(MatCreate(space->comm, B));
  PetscCall(MatSetType(*B, MATAIJ));
  PetscCall(MatSetSizes(*B, m, n, M, N));
  PetscCall(MatPreallocatorPreallocate(pre, PETSC_TRUE, *B));
  PetscCall(MatDestroy(&pre));
  PetscCall(MatSetOption(*B, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* Sums the cells' (row, col) blocks into B. */
static PetscErrorCode AddCellBlocks(TwinfeSpace space, PetscInt row, PetscInt col, PetscInt qorder, const PetscInt number[],
                                    TwinfeElementMatrixKernel kernel, void *ctx, Mat B)
{
  const PetscInt    nr = space->nbasis[row] * space->ncomp[row], nc = space->nbasis[col] * space->ncomp[col];
  TwinfeRule       *rule;
  TwinfeElementWork work;
  TwinfeElement     e;
  PetscInt         *rows, *cols;
  PetscScalar      *sub;
  PetscErrorCode    ierr = 0;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceGetVolumeRule(space, qorder, &rule));
  PetscCall(TwinfeElementWorkCreate(space, rule, PETSC_TRUE, &work));
  PetscCall(PetscMalloc3(nr, &rows, nc, &cols, nr * nc, &sub));
  for (PetscInt c = 0; c < space->ncells && !ierr; ++c) {
    TwinfeSpaceElementSetUp(space, c, rule, NULL, &work, &e);
    PetscCall(PetscArrayzero(work.block, space->ndof * space->ndof));
    ierr = kernel(&e, work.block, ctx); /* on failure: free the work, then report */
    if (ierr) break;
    ExtractBlock(space, row, col, work.block, sub);
    CellFieldDofs(space, c, row, number, rows);
    CellFieldDofs(space, c, col, number, cols);
    PetscCall(MatSetValues(B, nr, rows, nc, cols, sub, ADD_VALUES));
  }
  PetscCall(PetscFree3(rows, cols, sub));
  PetscCall(TwinfeElementWorkDestroy(&work));
  PetscCall(ierr);
  PetscCall(MatAssemblyBegin(B, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(B, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeSpaceAssembleFieldBlock - The block of the space's matrix with field row's dofs as rows
  and field col's as columns, assembled as its own AIJ matrix: entry (i, j) sums the kernel's
  element entries of row dof i and column dof j, where i and j count the dofs as the fields'
  index sets (TwinfeSpaceCreateFieldIS) list them. The kernel fills the whole ndof x ndof
  element block; only the (row, col) part is kept, and no matrix of the whole space is made.
  Collective.
@*/
PetscErrorCode TwinfeSpaceAssembleFieldBlock(TwinfeSpace space, PetscInt row, PetscInt col, PetscInt qorder,
                                             TwinfeElementMatrixKernel kernel, void *ctx, Mat *B)
{
  const PetscInt which[2] = {row, col};
  PetscInt      *number;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < 2; ++k)
    PetscCheck(which[k] >= 0 && which[k] < space->nfields, space->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "field %" PetscInt_FMT " does not exist: the space has fields 0..%" PetscInt_FMT, which[k], space->nfields - 1);
  PetscCall(FieldNumbering(space, which, &number));
  PetscCall(CreateBlockMatrix(space, row, col, number, B));
  ierr = AddCellBlocks(space, row, col, qorder, number, kernel, ctx, *B);
  PetscCall(PetscFree(number));
  if (ierr) PetscCall(MatDestroy(B)); /* a failed kernel leaves no matrix behind */
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
