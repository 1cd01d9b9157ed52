/* PC "twinfe_components": one block Gauss-Seidel sweep over the components of the velocity block.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why: steady Navier-Stokes preconditions its velocity block F (x, y, z interleaved at each
 * node) by its lower block triangle in the components (the modified augmented Lagrangian
 * preconditioner of Benzi, Olshanskii and Wang 2011; flow.c, navier_stokes_velocity):
 *   y_x = F_xx^-1 b_x,  y_y = F_yy^-1 (b_y - F_yx y_x),  y_z = F_zz^-1 (b_z - F_zx y_x - F_zy y_y).
 * PCFIELDSPLIT's multiplicative type computes the same, but it copies each component's whole
 * rows (F_i,:, together a second copy of F) and multiplies them by the whole iterate each
 * time. This PC keeps the three strictly lower blocks only, a third of F: a third less of F's
 * products in each application and two thirds less to copy at each set-up (docs/flow.md).
 *
 * The components are the matrix's block size (2 or 3, interleaved); each diagonal block
 * F_ii is solved by its own KSP, prefix <this PC's prefix>component_ (preonly and the PC the
 * options give; flow.c's defaults give BoomerAMG). */
#include <petsc/private/pcimpl.h>
#include "flow_impl.h"

#define MAX_COMPONENTS 3

typedef struct {
  PetscInt nc;                                    /* components (the block size) */
  IS       rows[MAX_COMPONENTS];                  /* component i's rows (and columns) of F */
  Mat      diag[MAX_COMPONENTS];                  /* F_ii */
  Mat      lower[MAX_COMPONENTS][MAX_COMPONENTS]; /* F_ij, j < i */
  KSP      ksp[MAX_COMPONENTS];
  Vec      b[MAX_COMPONENTS], y[MAX_COMPONENTS], t; /* per component: right side, solution, work */
} Components;

static PetscErrorCode CreateComponentSolver(PC pc, Components *c, PetscInt i)
{
  const char *prefix;

  PetscFunctionBeginUser;
  PetscCall(KSPCreate(PetscObjectComm((PetscObject)pc), &c->ksp[i]));
  PetscCall(PetscObjectIncrementTabLevel((PetscObject)c->ksp[i], (PetscObject)pc, 1));
  PetscCall(KSPSetType(c->ksp[i], KSPPREONLY));
  PetscCall(PCGetOptionsPrefix(pc, &prefix));
  PetscCall(KSPSetOptionsPrefix(c->ksp[i], prefix));
  PetscCall(KSPAppendOptionsPrefix(c->ksp[i], "component_"));
  PetscCall(KSPSetOperators(c->ksp[i], c->diag[i], c->diag[i]));
  PetscCall(KSPSetFromOptions(c->ksp[i]));
  PetscFunctionReturn(0);
}

/* Where component i's block j (j <= i) is kept. */
static Mat *Block(Components *c, PetscInt i, PetscInt j)
{
  return j == i ? &c->diag[i] : &c->lower[i][j];
}

/* On one rank the blocks are made in one pass over F's rows, each entry read once and written
   straight into its block's arrays, where MatCreateSubMatrix with a strided index set scans all
   of a component's rows once per block (2.4 s for the six blocks of the cut aorta's velocity
   block at 1 mm). F's columns are sorted in each row, so each block row's are too. The first
   set-up counts each block row's entries, preallocates exactly (block rows then lie one after
   the other in the block's arrays) and gives the columns (MatSeqAIJSetColumnIndices); later
   set-ups write the values only, the pattern being F's. */
/* col = nc node + comp. A division by a constant: a run-time divisor costs an integer division
   per entry, a third of the pass's time. */
static inline PetscInt SplitColumn(PetscInt col, PetscInt nc, PetscInt *comp)
{
  const PetscInt node = nc == 3 ? col / 3 : col / 2;
  *comp               = col - nc * node;
  return node;
}

static PetscErrorCode CreateBlocksOnOneRank(Mat F, Components *c, PetscInt nodes)
{
  const PetscInt *cols;
  PetscInt        ncols, *count[MAX_COMPONENTS][MAX_COMPONENTS] = {{NULL}};

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < c->nc; ++i)
    for (PetscInt j = 0; j <= i; ++j)
      PetscCall(PetscCalloc1(nodes, &count[i][j]));
  for (PetscInt k = 0; k < nodes; ++k)
    for (PetscInt i = 0; i < c->nc; ++i) {
      PetscCall(MatGetRow(F, c->nc * k + i, &ncols, &cols, NULL));
      for (PetscInt e = 0; e < ncols; ++e) {
        PetscInt j;
        (void)SplitColumn(cols[e], c->nc, &j);
        if (j <= i) count[i][j][k]++;
      }
      PetscCall(MatRestoreRow(F, c->nc * k + i, &ncols, &cols, NULL));
    }
  for (PetscInt i = 0; i < c->nc; ++i)
    for (PetscInt j = 0; j <= i; ++j) {
      PetscCall(MatCreateSeqAIJ(PETSC_COMM_SELF, nodes, nodes, 0, count[i][j], Block(c, i, j)));
      PetscCall(PetscFree(count[i][j]));
    }
  PetscFunctionReturn(0);
}

static PetscErrorCode FillBlocksOnOneRank(Mat F, Components *c, PetscInt nodes, PetscBool with_columns)
{
  const PetscInt    *cols;
  const PetscScalar *vals;
  MatInfo            info;
  PetscInt           ncols, pos[MAX_COMPONENTS][MAX_COMPONENTS] = {{0}}, *bcols[MAX_COMPONENTS][MAX_COMPONENTS] = {{NULL}};
  PetscScalar       *bvals[MAX_COMPONENTS][MAX_COMPONENTS];

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < c->nc; ++i)
    for (PetscInt j = 0; j <= i; ++j) {
      PetscCall(MatSeqAIJGetArrayWrite(*Block(c, i, j), &bvals[i][j]));
      if (!with_columns) continue;
      PetscCall(MatGetInfo(*Block(c, i, j), MAT_LOCAL, &info));
      PetscCall(PetscMalloc1((PetscInt)info.nz_allocated, &bcols[i][j]));
    }
  for (PetscInt k = 0; k < nodes; ++k)
    for (PetscInt i = 0; i < c->nc; ++i) {
      PetscCall(MatGetRow(F, c->nc * k + i, &ncols, &cols, &vals));
      for (PetscInt e = 0; e < ncols; ++e) {
        PetscInt       j;
        const PetscInt node = SplitColumn(cols[e], c->nc, &j);
        if (j > i) continue;
        if (with_columns) bcols[i][j][pos[i][j]] = node;
        bvals[i][j][pos[i][j]++] = vals[e];
      }
      PetscCall(MatRestoreRow(F, c->nc * k + i, &ncols, &cols, &vals));
    }
  for (PetscInt i = 0; i < c->nc; ++i)
    for (PetscInt j = 0; j <= i; ++j) {
      PetscCall(MatSeqAIJRestoreArrayWrite(*Block(c, i, j), &bvals[i][j]));
      if (with_columns) PetscCall(MatSeqAIJSetColumnIndices(*Block(c, i, j), bcols[i][j]));
      PetscCall(PetscFree(bcols[i][j]));
      PetscCall(MatAssemblyBegin(*Block(c, i, j), MAT_FINAL_ASSEMBLY));
      PetscCall(MatAssemblyEnd(*Block(c, i, j), MAT_FINAL_ASSEMBLY));
    }
  PetscFunctionReturn(0);
}

/* The blocks of F: in one pass on one rank (above), through MatCreateSubMatrix on several. */
static PetscErrorCode ExtractBlocks(PC pc, Components *c, MatReuse reuse)
{
  PetscMPIInt size;
  PetscInt    rows;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(PetscObjectComm((PetscObject)pc), &size));
  if (size == 1) {
    PetscCall(MatGetLocalSize(pc->pmat, &rows, NULL));
    if (reuse == MAT_INITIAL_MATRIX) PetscCall(CreateBlocksOnOneRank(pc->pmat, c, rows / c->nc));
    PetscCall(FillBlocksOnOneRank(pc->pmat, c, rows / c->nc, reuse == MAT_INITIAL_MATRIX));
    PetscFunctionReturn(0);
  }
  for (PetscInt i = 0; i < c->nc; ++i)
    for (PetscInt j = 0; j <= i; ++j)
      PetscCall(MatCreateSubMatrix(pc->pmat, c->rows[i], c->rows[j], reuse, Block(c, i, j)));
  PetscFunctionReturn(0);
}

/* The first set-up makes the index sets, blocks, solvers and vectors; later ones refill the
   blocks in place (the pattern of F is fixed) and the solvers set themselves up again. */
static PetscErrorCode PCSetUp_Components(PC pc)
{
  Components *c     = (Components *)pc->data;
  MatReuse    reuse = pc->setupcalled ? MAT_REUSE_MATRIX : MAT_INITIAL_MATRIX;
  PetscInt    bs, rstart, rend;

  PetscFunctionBeginUser;
  PetscCall(MatGetBlockSize(pc->pmat, &bs));
  if (!pc->setupcalled) {
    PetscCheck(bs > 1 && bs <= MAX_COMPONENTS, PetscObjectComm((PetscObject)pc), PETSC_ERR_SUP,
               "twinfe_components: the matrix's block size (its components per node) is %" PetscInt_FMT
               "; it needs 2 or %d (MatSetBlockSize)",
               bs, MAX_COMPONENTS);
    c->nc = bs;
    PetscCall(MatGetOwnershipRange(pc->pmat, &rstart, &rend));
    PetscCheck((rend - rstart) % c->nc == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
               "twinfe_components: %" PetscInt_FMT " local rows do not hold whole nodes of %" PetscInt_FMT " components",
               rend - rstart, c->nc);
    for (PetscInt i = 0; i < c->nc; ++i)
      PetscCall(ISCreateStride(PetscObjectComm((PetscObject)pc), (rend - rstart) / c->nc, rstart + i, c->nc, &c->rows[i]));
  }
  PetscCall(ExtractBlocks(pc, c, reuse));
  if (pc->setupcalled) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < c->nc; ++i) {
    PetscCall(CreateComponentSolver(pc, c, i));
    PetscCall(MatCreateVecs(c->diag[i], &c->y[i], &c->b[i]));
  }
  PetscCall(VecDuplicate(c->b[0], &c->t));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCApply_Components(PC pc, Vec x, Vec y)
{
  Components        *c = (Components *)pc->data;
  KSPConvergedReason reason;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < c->nc; ++i) {
    PetscCall(VecStrideGather(x, i, c->b[i], INSERT_VALUES));
    for (PetscInt j = 0; j < i; ++j) {
      PetscCall(MatMult(c->lower[i][j], c->y[j], c->t));
      PetscCall(VecAXPY(c->b[i], -1.0, c->t));
    }
    PetscCall(KSPSolve(c->ksp[i], c->b[i], c->y[i]));
    PetscCall(KSPGetConvergedReason(c->ksp[i], &reason));
    if (reason == KSP_DIVERGED_PC_FAILED) PetscCall(PCSetFailedReason(pc, PC_SUBPC_ERROR));
    PetscCall(VecStrideScatter(c->y[i], i, y, INSERT_VALUES));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PCReset_Components(PC pc)
{
  Components *c = (Components *)pc->data;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < MAX_COMPONENTS; ++i) {
    PetscCall(ISDestroy(&c->rows[i]));
    PetscCall(MatDestroy(&c->diag[i]));
    for (PetscInt j = 0; j < MAX_COMPONENTS; ++j)
      PetscCall(MatDestroy(&c->lower[i][j]));
    PetscCall(KSPDestroy(&c->ksp[i]));
    PetscCall(VecDestroy(&c->b[i]));
    PetscCall(VecDestroy(&c->y[i]));
  }
  PetscCall(VecDestroy(&c->t));
  c->nc = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCDestroy_Components(PC pc)
{
  PetscFunctionBeginUser;
  PetscCall(PCReset_Components(pc));
  PetscCall(PetscFree(pc->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCView_Components(PC pc, PetscViewer viewer)
{
  Components *c = (Components *)pc->data;
  PetscBool   ascii;

  PetscFunctionBeginUser;
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &ascii));
  if (!ascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(
      viewer, "  one block Gauss-Seidel sweep over %" PetscInt_FMT " components (lower block triangle)\n", c->nc));
  if (!c->ksp[0]) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer, "  each component's solver (the first shown):\n"));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  PetscCall(KSPView(c->ksp[0], viewer));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCCreate_Components(PC pc)
{
  Components *c;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&c));
  pc->data         = c;
  pc->ops->setup   = PCSetUp_Components;
  pc->ops->apply   = PCApply_Components;
  pc->ops->reset   = PCReset_Components;
  pc->ops->destroy = PCDestroy_Components;
  pc->ops->view    = PCView_Components;
  PetscFunctionReturn(0);
}

/* Adding it again replaces it: no state to keep across PetscInitialize/PetscFinalize. */
PetscErrorCode TwinfePCRegisterComponents(void)
{
  PetscFunctionBeginUser;
  PetscCall(PCRegister(TWINFE_PC_COMPONENTS, PCCreate_Components));
  PetscFunctionReturn(0);
}
