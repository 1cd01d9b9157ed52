/* Geometric multigrid on the nested levels of a refined mesh, for a space of one P1 field.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why: on a mesh refined from a coarse one (TwinfePartitionRefine), the levels are nested and
 * P1 on a coarse level is exactly P1 on the next, so the prolongation is known without any
 * set-up: a fine vertex takes its coarse vertex's value or the mean of its edge's two ends.
 * Algebraic multigrid (GAMG) has to find the same hierarchy from the matrix: at 1.27M unknowns
 * its set-up took 38.8 s of an 87.6 s run, 33 s of it in the Galerkin products of its smoothed,
 * much denser prolongation (docs/mechanics.md). With at most 2 entries a row, the products here
 * cost about two matrix products of the fine operator's size.
 *
 * The coarse operators are Galerkin products P^T A P of the assembled fine operator, redone
 * whenever it changes (a Newton step): they equal the coarse level's own stiffness for a
 * linear problem, carry the fine level's Dirichlet rows in a consistent way, and need no space
 * on any coarse level. The coarsest level gets one GAMG V-cycle (with the rigid-body modes
 * of its vertices for 3 components), so the coarse mesh may be of any size. */
#include "fem_impl.h"

#include <petscksp.h>
#include <twinfe/partition.h>

struct _p_TwinfeMultigrid {
  MPI_Comm             comm;
  PetscInt             nlevels; /* with the finest; 1 when the mesh was not refined */
  PetscInt             ncomp;
  Mat                 *P;        /* nlevels - 1: P[l] from level l to level l + 1 (0 = coarsest) */
  Mat                 *A;        /* nlevels - 1 coarse operators, A[l] on level l; the finest is the caller's */
  TwinfeRanksGalerkin *galerkin; /* nlevels - 1: our product for A[l] over several ranks (NULL: PETSc's or galerkin.c's) */
  Vec                  coarse_coordinates; /* the coarsest level's vertex coordinates, in its layout */
  Mat                  fine_operator;      /* the matrix the products were made from (referenced) */
  PetscBool            have_operators;
};

/* A DMClone of dm with ncomp dofs on every vertex and nothing else as its local section. */
static PetscErrorCode CreateVertexLayout(DM dm, PetscInt ncomp, DM *layout)
{
  PetscSection section;
  PetscInt     pStart, pEnd, vStart, vEnd;

  PetscFunctionBeginUser;
  PetscCall(DMClone(dm, layout));
  PetscCall(DMPlexGetChart(dm, &pStart, &pEnd));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  PetscCall(PetscSectionCreate(PetscObjectComm((PetscObject)dm), &section));
  PetscCall(PetscSectionSetChart(section, pStart, pEnd));
  for (PetscInt v = vStart; v < vEnd; ++v)
    PetscCall(PetscSectionSetDof(section, v, ncomp));
  PetscCall(PetscSectionSetUp(section));
  PetscCall(DMSetLocalSection(*layout, section));
  PetscCall(PetscSectionDestroy(&section));
  PetscFunctionReturn(0);
}

/* Global index of each vertex's first dof (ncomp consecutive ones follow), owned or not. */
static PetscErrorCode VertexGlobalDofs(DM layout, PetscInt **first)
{
  PetscSection           section;
  ISLocalToGlobalMapping map;
  const PetscInt        *global;
  PetscInt               vStart, vEnd, offset;

  PetscFunctionBeginUser;
  PetscCall(DMGetLocalSection(layout, &section));
  PetscCall(DMGetLocalToGlobalMapping(layout, &map));
  PetscCall(ISLocalToGlobalMappingGetIndices(map, &global));
  PetscCall(DMPlexGetDepthStratum(layout, 0, &vStart, &vEnd));
  PetscCall(PetscMalloc1(vEnd - vStart, first));
  for (PetscInt v = vStart; v < vEnd; ++v) {
    PetscCall(PetscSectionGetOffset(section, v, &offset));
    (*first)[v - vStart] = global[offset];
  }
  PetscCall(ISLocalToGlobalMappingRestoreIndices(map, &global));
  PetscFunctionReturn(0);
}

/* Local and global sizes of a layout's global vectors, and the first owned row, from its global
   section (a global vector borrowed from the DM would stay cached there for the whole run). */
static PetscErrorCode LayoutSizes(DM layout, PetscInt *n, PetscInt *N, PetscInt *start)
{
  PetscSection section;
  MPI_Comm     comm = PetscObjectComm((PetscObject)layout);
  PetscMPIInt  rank;

  PetscFunctionBeginUser;
  PetscCall(DMGetGlobalSection(layout, &section));
  PetscCall(PetscSectionGetConstrainedStorageSize(section, n));
  PetscCallMPI(MPI_Allreduce(n, N, 1, MPIU_INT, MPI_SUM, comm));
  PetscCallMPI(MPI_Exscan(n, start, 1, MPIU_INT, MPI_SUM, comm));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) *start = 0; /* MPI_Exscan leaves rank 0's undefined */
  PetscFunctionReturn(0);
}

/* P: a fine vertex's dofs = the mean of its two parents' (the same vertex twice: its value).
   Only owned fine rows are set: no communication, the parents being local. */
static PetscErrorCode CreateVertexProlongation(DM coarse, DM fine, const PetscInt parents[], PetscInt ncomp, Mat *P)
{
  PetscInt   m, M, n, N, rstart, cstart, vStart, vEnd, cvStart, cvEnd, nentries = 0, *fine_first, *coarse_first, *rows, *cols;
  PetscInt  *dnnz, *onnz;
  PetscReal *values;

  PetscFunctionBeginUser;
  PetscCall(LayoutSizes(fine, &m, &M, &rstart));
  PetscCall(LayoutSizes(coarse, &n, &N, &cstart));
  PetscCall(VertexGlobalDofs(fine, &fine_first));
  PetscCall(VertexGlobalDofs(coarse, &coarse_first));
  PetscCall(DMPlexGetDepthStratum(fine, 0, &vStart, &vEnd));
  PetscCall(DMPlexGetDepthStratum(coarse, 0, &cvStart, &cvEnd));
  PetscCall(PetscMalloc3(2 * m, &rows, 2 * m, &cols, 2 * m, &values));
  for (PetscInt v = 0; v < vEnd - vStart; ++v) {
    const PetscInt *pair = &parents[2 * v];
    PetscInt        row  = fine_first[v];

    if (row < rstart || row >= rstart + m) continue; /* a ghost: its owner sets it */
    for (PetscInt k = 0; k < ncomp; ++k)
      for (PetscInt j = 0; j < (pair[0] == pair[1] ? 1 : 2); ++j) {
        rows[nentries]   = row + k;
        cols[nentries]   = coarse_first[pair[j] - cvStart] + k;
        values[nentries] = pair[0] == pair[1] ? 1.0 : 0.5;
        nentries++;
      }
  }
  /* preallocated row by row and set with MatSetValues: COO would keep its maps beside P (30 MB
     at 1M unknowns) for a matrix set once */
  PetscCall(PetscCalloc2(m, &dnnz, m, &onnz));
  for (PetscInt k = 0; k < nentries; ++k) {
    if (cols[k] >= cstart && cols[k] < cstart + n)
      dnnz[rows[k] - rstart]++;
    else
      onnz[rows[k] - rstart]++;
  }
  PetscCall(MatCreate(PetscObjectComm((PetscObject)fine), P));
  PetscCall(MatSetSizes(*P, m, n, M, N));
  PetscCall(MatSetType(*P, MATAIJ));
  PetscCall(MatXAIJSetPreallocation(*P, 1, dnnz, onnz, NULL, NULL));
  /* after the preallocation, which sets its own block size (1: dnnz counts scalar rows): the
     product takes its coarse operator's block size from P's columns, and GAMG on the coarsest
     level aggregates nodes only with it (on several ranks it had 1 and worked on the scalar
     graph: 3x the rows, 9x the graph's entries) */
  PetscCall(MatSetBlockSizes(*P, ncomp, ncomp));
  PetscCall(MatSetOption(*P, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_TRUE));
  for (PetscInt k = 0; k < nentries; ++k)
    PetscCall(MatSetValue(*P, rows[k], cols[k], values[k], INSERT_VALUES));
  PetscCall(MatAssemblyBegin(*P, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*P, MAT_FINAL_ASSEMBLY));
  PetscCall(PetscFree2(dnnz, onnz));
  PetscCall(PetscFree3(rows, cols, values));
  PetscCall(PetscFree(fine_first));
  PetscCall(PetscFree(coarse_first));
  PetscFunctionReturn(0);
}

/* The owned vertices' coordinates in the layout's global order (block size 3). */
static PetscErrorCode CreateLayoutCoordinates(DM layout, Vec *coordinates)
{
  PetscInt     n, N, start, vStart, vEnd, *first;
  PetscReal   *xyz;
  PetscScalar *c;

  PetscFunctionBeginUser;
  PetscCall(LayoutSizes(layout, &n, &N, &start));
  PetscCall(DMPlexGetDepthStratum(layout, 0, &vStart, &vEnd));
  PetscCall(PetscMalloc1(3 * (vEnd - vStart), &xyz));
  PetscCall(TwinfeReadVertexCoordinates_Private(layout, xyz));
  PetscCall(VertexGlobalDofs(layout, &first));
  PetscCall(VecCreateMPI(PetscObjectComm((PetscObject)layout), n, N, coordinates));
  PetscCall(VecSetBlockSize(*coordinates, 3));
  PetscCall(VecGetArray(*coordinates, &c));
  for (PetscInt v = 0; v < vEnd - vStart; ++v)
    if (first[v] >= start && first[v] < start + n)
      for (PetscInt k = 0; k < 3; ++k)
        c[first[v] - start + k] = xyz[3 * v + k];
  PetscCall(VecRestoreArray(*coordinates, &c));
  PetscCall(PetscFree(first));
  PetscCall(PetscFree(xyz));
  PetscFunctionReturn(0);
}

/* The meshes from the finest (dm) down, as far as the refinement recorded them. */
static PetscErrorCode CountLevels(DM dm, PetscInt *nlevels)
{
  DM              level = dm, coarse;
  const PetscInt *parents;
  PetscInt        nvertices, vStart, vEnd, stale = 0, any;

  PetscFunctionBeginUser;
  *nlevels = 1;
  for (;;) {
    PetscCall(TwinfePartitionGetVertexParents(level, &coarse, &nvertices, &parents));
    if (!parents) break;
    PetscCall(DMPlexGetDepthStratum(level, 0, &vStart, &vEnd));
    if (vEnd - vStart != nvertices) stale = 1;
    level = coarse;
    (*nlevels)++;
  }
  PetscCallMPI(MPI_Allreduce(&stale, &any, 1, MPIU_INT, MPI_MAX, PetscObjectComm((PetscObject)dm)));
  PetscCheck(!any, PetscObjectComm((PetscObject)dm), PETSC_ERR_ARG_WRONG,
             "geometric multigrid: a level's vertices no longer match the refinement that made it (the mesh was changed "
             "or redistributed since)");
  PetscFunctionReturn(0);
}

/* P[l] for each pair of levels, from the finest down: the finest layout is the space's own. */
static PetscErrorCode BuildProlongations(TwinfeMultigrid mg, TwinfeSpace space, DM dm)
{
  DM              level = dm, coarse, fine_layout, coarse_layout;
  const PetscInt *parents;
  PetscInt        nvertices;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceGetDM(space, &fine_layout));
  PetscCall(PetscObjectReference((PetscObject)fine_layout));
  for (PetscInt l = mg->nlevels - 2; l >= 0; --l) {
    PetscCall(TwinfePartitionGetVertexParents(level, &coarse, &nvertices, &parents));
    PetscCall(CreateVertexLayout(coarse, mg->ncomp, &coarse_layout));
    PetscCall(CreateVertexProlongation(coarse_layout, fine_layout, parents, mg->ncomp, &mg->P[l]));
    if (l == 0 && mg->ncomp == 3) PetscCall(CreateLayoutCoordinates(coarse_layout, &mg->coarse_coordinates));
    PetscCall(DMDestroy(&fine_layout));
    fine_layout = coarse_layout;
    level       = coarse;
  }
  PetscCall(DMDestroy(&fine_layout));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeMultigridCreate - The levels of geometric multigrid for a space of one P1 field on a
  mesh made by TwinfePartitionRefine.

  Collective

  Input Parameters:
+ space - one P1 field (any number of components), made on dm
- dm    - the mesh the space was made from (it carries the coarser levels; the space's clone
          does not)

  Output Parameter:
. mg - the levels; TwinfeMultigridGetLevels gives 1 when dm was not refined (then there is
       nothing to set up and the caller keeps its own preconditioner)

  Level: intermediate

.seealso: TwinfeMultigridSetUpPC(), TwinfePartitionRefine()
@*/
PetscErrorCode TwinfeMultigridCreate(TwinfeSpace space, DM dm, TwinfeMultigrid *mg)
{
  PetscInt pStart, pEnd, qStart, qEnd, mismatch;
  DM       sdm;

  PetscFunctionBegin;
  PetscCall(PetscNew(mg));
  (*mg)->comm  = space->comm;
  (*mg)->ncomp = space->ncomp[0];
  PetscCall(CountLevels(dm, &(*mg)->nlevels));
  if ((*mg)->nlevels == 1) PetscFunctionReturn(0);
  PetscCheck(space->nfields == 1 && space->degree[0] == 1, space->comm, PETSC_ERR_SUP,
             "geometric multigrid: the space must hold one P1 field (it holds %" PetscInt_FMT
             " fields, the first of degree %" PetscInt_FMT "); use algebraic multigrid for it",
             space->nfields, space->degree[0]);
  PetscCall(TwinfeSpaceGetDM(space, &sdm));
  PetscCall(DMPlexGetChart(sdm, &pStart, &pEnd));
  PetscCall(DMPlexGetChart(dm, &qStart, &qEnd));
  mismatch = pStart != qStart || pEnd != qEnd;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &mismatch, 1, MPIU_INT, MPI_MAX, space->comm));
  PetscCheck(!mismatch, space->comm, PETSC_ERR_ARG_WRONG, "geometric multigrid: dm is not the mesh the space was made from");
  PetscCall(PetscCalloc3((*mg)->nlevels - 1, &(*mg)->P, (*mg)->nlevels - 1, &(*mg)->A, (*mg)->nlevels - 1, &(*mg)->galerkin));
  PetscCall(BuildProlongations(*mg, space, dm));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMultigridDestroy(TwinfeMultigrid *mg)
{
  PetscFunctionBegin;
  if (!*mg) PetscFunctionReturn(0);
  for (PetscInt l = 0; l < (*mg)->nlevels - 1; ++l) {
    PetscCall(MatDestroy(&(*mg)->P[l]));
    PetscCall(MatDestroy(&(*mg)->A[l]));
    PetscCall(TwinfeRanksGalerkinDestroy_Private(&(*mg)->galerkin[l]));
  }
  PetscCall(PetscFree3((*mg)->P, (*mg)->A, (*mg)->galerkin));
  PetscCall(VecDestroy(&(*mg)->coarse_coordinates));
  PetscCall(MatDestroy(&(*mg)->fine_operator));
  PetscCall(PetscFree(*mg));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMultigridGetLevels(TwinfeMultigrid mg, PetscInt *nlevels)
{
  PetscFunctionBegin;
  *nlevels = mg->nlevels;
  PetscFunctionReturn(0);
}

/* The smoother of every level above the coarsest: one Chebyshev step preconditioned by the
   diagonal before and one after the coarse correction, the eigenvalue bound estimated on each
   new operator (cheap and symmetric, so CG may use the cycle). Two steps each (GAMG's default)
   took the same iterations at 1.19M unknowns (28 against 29) for 40% more CG time (14.1 s
   against 8.5 s); SOR instead of the diagonal, 30.4 s. */
static PetscErrorCode SetUpSmoother(PC pc, PetscInt level)
{
  KSP smoother, estimator;
  PC  jacobi;

  PetscFunctionBeginUser;
  PetscCall(PCMGGetSmoother(pc, level, &smoother));
  PetscCall(KSPSetType(smoother, KSPCHEBYSHEV));
  PetscCall(KSPChebyshevEstEigSet(smoother, 0, 0.1, 0, 1.1));
  /* the operator is symmetric positive definite and so is Jacobi: CG estimates the eigenvalues
     with 4 work vectors where PETSc's default GMRES kept 14 after its 10 iterations (112 MB on
     the finest level at 1M unknowns) */
  PetscCall(KSPChebyshevEstEigGetKSP(smoother, &estimator));
  PetscCall(KSPSetType(estimator, KSPCG));
  PetscCall(KSPSetTolerances(smoother, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT, 1));
  PetscCall(KSPSetNormType(smoother, KSP_NORM_NONE));
  PetscCall(KSPGetPC(smoother, &jacobi));
  PetscCall(PCSetType(jacobi, PCJACOBI));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUpCoarseSolver(PC pc)
{
  KSP coarse;
  PC  amg;

  PetscFunctionBeginUser;
  PetscCall(PCMGGetCoarseSolve(pc, &coarse));
  PetscCall(KSPSetType(coarse, KSPPREONLY));
  PetscCall(KSPGetPC(coarse, &amg));
  PetscCall(PCSetType(amg, PCGAMG));
  PetscCall(PCGAMGSetReuseInterpolation(amg, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeMultigridSetUpPC - Make pc a multigrid V-cycle over the levels (PCMG): the
  prolongations, one Chebyshev/Jacobi step before and after on every level above the coarsest, one GAMG V-cycle
  on the coarsest. The operators come from TwinfeMultigridSetOperator. The options under pc's
  prefix (-..._mg_levels_*, -..._mg_coarse_*) still apply when the caller sets pc from options.

  Collective

  Level: intermediate
@*/
PetscErrorCode TwinfeMultigridSetUpPC(TwinfeMultigrid mg, PC pc)
{
  PetscFunctionBegin;
  PetscCheck(mg->nlevels > 1, mg->comm, PETSC_ERR_ORDER, "geometric multigrid: the mesh has no coarser level");
  PetscCall(PCSetType(pc, PCMG));
  PetscCall(PCMGSetLevels(pc, mg->nlevels, NULL));
  PetscCall(PCMGSetType(pc, PC_MG_MULTIPLICATIVE));
  PetscCall(PCMGSetGalerkin(pc, PC_MG_GALERKIN_NONE));
  for (PetscInt l = 1; l < mg->nlevels; ++l) {
    PetscCall(PCMGSetInterpolation(pc, l, mg->P[l - 1]));
    PetscCall(SetUpSmoother(pc, l));
  }
  PetscCall(SetUpCoarseSolver(pc));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeMultigridReleaseProducts - Free what pc's set-up kept only to redo its Galerkin products
  faster: PETSc keeps each P^T A P's symbolic data (transposed and gathered copies of P, the
  product's plan) on the coarse operator it made. On pc's levels and, nested, on those of the
  multigrid on its coarsest level (GAMG's). Call it once the operator will not change; a later
  set-up still works: GAMG makes a product afresh where one has no data, and so does
  TwinfeMultigridSetOperator. A PCMG that forms its own Galerkin operators (-pc_mg_galerkin)
  would redo them from that data, so its levels are left as they are. Nothing is freed inside
  other PCs (fieldsplit, bjacobi). The CT case on 2 ranks: 50 MB a rank (docs/performance.md).

  Collective

  Level: intermediate
@*/
PetscErrorCode TwinfeMultigridReleaseProducts(PC pc)
{
  PetscBool        multigrid;
  PetscInt         nlevels;
  PCMGGalerkinType galerkin;
  KSP              coarse;
  PC               coarse_pc;

  PetscFunctionBegin;
  PetscCheck(pc, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeMultigridReleaseProducts: pc must not be NULL");
  PetscCall(PetscObjectTypeCompareAny((PetscObject)pc, &multigrid, PCMG, PCGAMG, ""));
  if (!multigrid) PetscFunctionReturn(0);
  PetscCall(PCMGGetLevels(pc, &nlevels));
  if (nlevels < 1) PetscFunctionReturn(0);
  PetscCall(PCMGGetGalerkin(pc, &galerkin));
  if (galerkin != PC_MG_GALERKIN_NONE && galerkin != PC_MG_GALERKIN_EXTERNAL) nlevels = 0; /* it redoes its own products */
  for (PetscInt l = 0; l < nlevels; ++l) {
    KSP       smoother;
    Mat       A, B;
    PetscBool set_a, set_b;
    PetscCall(PCMGGetSmoother(pc, l, &smoother));
    PetscCall(KSPGetOperatorsSet(smoother, &set_a, &set_b));
    if (!set_a) continue;
    PetscCall(KSPGetOperators(smoother, &A, set_b ? &B : NULL)); /* B left NULL: asking would set it to A */
    PetscCall(MatProductClear(A));
    if (set_b && B != A) PetscCall(MatProductClear(B));
  }
  PetscCall(PCMGGetCoarseSolve(pc, &coarse));
  PetscCall(KSPGetPC(coarse, &coarse_pc));
  PetscCall(TwinfeMultigridReleaseProducts(coarse_pc));
  PetscFunctionReturn(0);
}

/* Whether P^T A P over several ranks can be ours (galerkin_ranks.c): both MPIAIJ. PETSc's
   distributed PtAP took 5.0 s of the 2-rank CT case's 10.5 s solve stage. */
static PetscErrorCode UseRanksGalerkin(Mat A, Mat P, PetscBool *ours)
{
  PetscBool a, p;

  PetscFunctionBeginUser;
  PetscCall(PetscObjectTypeCompare((PetscObject)A, MATMPIAIJ, &a));
  PetscCall(PetscObjectTypeCompare((PetscObject)P, MATMPIAIJ, &p));
  *ours = (PetscBool)(a && p && !PetscDefined(USE_COMPLEX));
  PetscFunctionReturn(0);
}

/* P^T A P as a MatProduct kept for its numeric phase at every new A. On several ranks, PETSc's
   "allatonce" algorithm: the default ("scalable") kept 355 MB a rank for reuse at 1M unknowns
   on 2 ranks (-log_view_memory), against 49 MB on one rank for the sequential product. */
static PetscErrorCode CreateGalerkinProduct(Mat A, Mat P, Mat *C)
{
  PetscMPIInt size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(PetscObjectComm((PetscObject)A), &size));
  PetscCall(MatProductCreate(A, P, NULL, C));
  PetscCall(MatProductSetType(*C, MATPRODUCT_PtAP));
  if (size > 1) PetscCall(MatProductSetAlgorithm(*C, "allatonce"));
  PetscCall(MatProductSetFill(*C, 2.0));
  PetscCall(MatProductSetFromOptions(*C));
  PetscCall(MatProductSymbolic(*C));
  PetscCall(MatProductNumeric(*C));
  PetscFunctionReturn(0);
}

/* A rigid-body near null space for the coarsest operator, so that its GAMG cycle coarsens
   elasticity as it should (translations alone leave rotations to the smoother). */
static PetscErrorCode SetCoarseNearNullSpace(TwinfeMultigrid mg)
{
  MatNullSpace rigid;

  PetscFunctionBeginUser;
  if (!mg->coarse_coordinates) PetscFunctionReturn(0);
  PetscCall(MatNullSpaceCreateRigidBody(mg->coarse_coordinates, &rigid));
  PetscCall(MatSetNearNullSpace(mg->A[0], rigid));
  PetscCall(MatNullSpaceDestroy(&rigid));
  PetscFunctionReturn(0);
}

/* Whether a level made by PETSc's product lost its data to TwinfeMultigridReleaseProducts:
   its numeric phase cannot be redone, so the levels are made anew. */
static PetscErrorCode ProductsReleased(TwinfeMultigrid mg, PetscBool *released)
{
  PetscFunctionBeginUser;
  *released = PETSC_FALSE;
  if (!mg->have_operators) PetscFunctionReturn(0);
  for (PetscInt l = 0; l < mg->nlevels - 1 && !*released; ++l) {
    MatProductType type;
    if (mg->galerkin[l] || !mg->A[l]) continue;
    PetscCall(MatProductGetType(mg->A[l], &type));
    *released = (PetscBool)(type == MATPRODUCT_UNSPECIFIED);
  }
  PetscFunctionReturn(0);
}

/*@C
  TwinfeMultigridSetOperator - The coarse levels' operators as Galerkin products of A (the
  finest level's assembled operator, Dirichlet rows included) and the levels' operators in pc.
  Call it again after A's values change (each Newton step): the products keep their pattern.

  Collective

  Level: intermediate
@*/
PetscErrorCode TwinfeMultigridSetOperator(TwinfeMultigrid mg, Mat A, PC pc)
{
  KSP       smoother;
  PetscBool symmetric, ranks_upper, released;

  PetscFunctionBegin;
  /* a symmetric (SBAIJ) finest operator: its product is ours (galerkin.c, and over several
     ranks assembly_ranks_upper.c) and has no numeric phase to redo, so every level below is made
     anew */
  PetscCall(PetscObjectTypeCompare((PetscObject)A, MATSEQSBAIJ, &symmetric));
  PetscCall(PetscObjectTypeCompare((PetscObject)A, MATMPISBAIJ, &ranks_upper));
  symmetric = (PetscBool)(symmetric || ranks_upper);
  PetscCall(ProductsReleased(mg, &released));
  if (mg->have_operators && (A != mg->fine_operator || symmetric || released)) { /* products made anew */
    for (PetscInt l = 0; l < mg->nlevels - 1; ++l) {
      PetscCall(MatDestroy(&mg->A[l]));
      PetscCall(TwinfeRanksGalerkinDestroy_Private(&mg->galerkin[l]));
    }
    mg->have_operators = PETSC_FALSE;
  }
  if (!mg->have_operators) {
    PetscCall(PetscObjectReference((PetscObject)A));
    PetscCall(MatDestroy(&mg->fine_operator));
    mg->fine_operator = A;
  }
  for (PetscInt l = mg->nlevels - 2; l >= 0; --l) {
    Mat       fine = l == mg->nlevels - 2 ? A : mg->A[l + 1];
    PetscBool ours = PETSC_FALSE;
    PetscCall(UseRanksGalerkin(fine, mg->P[l], &ours));
    if (mg->have_operators && mg->galerkin[l])
      PetscCall(TwinfeRanksGalerkinNumeric_Private(mg->galerkin[l]));
    else if (mg->have_operators)
      PetscCall(MatProductNumeric(mg->A[l]));
    else if (ranks_upper && fine == A)
      PetscCall(TwinfeRanksUpperGalerkin_Private(A, mg->P[l], &mg->A[l]));
    else if (symmetric && fine == A)
      PetscCall(TwinfeGalerkinSymmetric_Private(A, mg->P[l], &mg->A[l]));
    else if (ours) {
      PetscCall(TwinfeRanksGalerkinCreate_Private(fine, mg->P[l], &mg->galerkin[l], &mg->A[l]));
      PetscCall(PetscObjectReference((PetscObject)mg->A[l]));
    } else
      PetscCall(CreateGalerkinProduct(fine, mg->P[l], &mg->A[l]));
  }
  if (!mg->have_operators) PetscCall(SetCoarseNearNullSpace(mg));
  mg->have_operators = PETSC_TRUE;
  for (PetscInt l = 0; l < mg->nlevels - 1; ++l) {
    PetscCall(PCMGGetSmoother(pc, l, &smoother));
    PetscCall(KSPSetOperators(smoother, mg->A[l], mg->A[l]));
  }
  PetscCall(PCMGGetSmoother(pc, mg->nlevels - 1, &smoother));
  PetscCall(KSPSetOperators(smoother, A, A));
  /* The levels are ours: a DM lent by a SNES would make PCMG coarsen it and restrict the
     SNES's vectors onto levels it cannot build. */
  PetscCall(PCSetDM(pc, NULL));
  PetscFunctionReturn(0);
}
