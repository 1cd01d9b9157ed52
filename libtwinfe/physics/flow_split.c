/* Stokes without the assembled P2-P1 matrix: the operator and its block preconditioner from the
 * blocks' own structure.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why: for a Newtonian fluid without convection and without grad-div, the velocity block of the
 * Stokes matrix (flow_kernels.c, the Laplacian form) is one scalar matrix per component,
 *   A = I_3 (x) K,  K = mu L + rho c0 M  (P2, c0 the time step's BDF coefficient),
 * and the rest is the divergence B and its transpose. Storing K and B instead of the whole
 * matrix holds a ninth of A's nonzeros; multigrid on K (scalar) is a ninth of the work of
 * multigrid on A, and PCFIELDSPLIT's copies of the blocks are not needed. At 549k unknowns the
 * assembled matrix alone is 626 MB (benchmarks/flow_solver_study.md).
 *
 * The operator J = [I_3 (x) K, B^T; B, 0] is a MATSHELL on the flow's vectors: its velocity and
 * pressure parts are scattered out, I_3 (x) K applied as MATMAIJ (K on the three interleaved
 * components in one pass), B as AIJ. The constrained velocity dofs (walls, inlets) are treated as
 * TwinfeSpaceApplyDirichletToMatrix treats the assembled matrix: K's constrained rows and
 * columns are the identity times the flow's bc_scale, and B's constrained columns are zero.
 * tests/unit/test_flow_split.c compares J with the assembled matrix.
 *
 * The preconditioner is the block upper triangle PCFIELDSPLIT's Schur factorization "upper"
 * applies (with the same Schur approximation, flow_pcd.c):
 *   x_p = S^-1 r_p,  x_u = A^-1 (r_u - B^T x_p),
 * with A^-1 one two-level p-multigrid cycle on K per component (options -flow_velocity_*): one
 * Chebyshev-Jacobi step on K (P2) before and after a correction from the P1 problem on the same
 * mesh, P^T K P with P the embedding of P1 in P2 (fem/prolongation.c), itself given one GAMG
 * V-cycle (-flow_velocity_mg_coarse_*). GAMG on K itself aggregates a P2 matrix, whose
 * off-diagonal entries have both signs, and its cycle weakened with the mesh: Poiseuille tubes
 * at h 2.5 to 0.75 mm (rtol 1e-8) took 69, 82, 89, 99 GMRES iterations with it (+43%; 80, 95,
 * 106, 124 beside flow_pcd.c's Chebyshev mass inverse), against 63, 64, 64, 66 with the
 * p-multigrid, which also costs less: at 549k unknowns in the duct 7.05 s against 8.66 s
 * (benchmarks/flow_solver_study.md). */
#include "flow_impl.h"

#define NU 10 /* P2 velocity nodes */

struct _p_TwinfeFlowSplit {
  TwinfeSpace scalar;         /* P2, one component, on the flow's DM */
  Mat         K;              /* mu L + rho c0 M; constrained rows and columns: bc_scale I */
  Mat         K3;             /* I_3 (x) K on interleaved components (MATMAIJ of K) */
  Mat         B;              /* -int psi div phi: pressure rows, velocity columns; constrained columns 0 */
  IS          is_u, is_p;     /* the flow space's velocity and pressure dofs */
  VecScatter  to_u, to_p;     /* flow vector -> velocity / pressure sub-vector */
  Vec         xu, xp, yu, yp; /* work on the sub-vectors */
  Vec         xs, ys;         /* one velocity component */
  Vec         free_u;         /* 1 on free velocity dofs, 0 on constrained ones */
  KSP         component;      /* A^-1 on one component */
  Mat         prolong;        /* P1 -> P2 on one component: the p-multigrid's interpolation */
  PetscReal   scale;          /* the bc_scale K was made with */
};

/* Whether the flow is Stokes for good (no Navier-Stokes step can follow) with a velocity block
   that is one scalar matrix per component. */
PetscBool TwinfeFlowSplitAllowed_Private(TwinfeFlow f)
{
  const PetscBool navier_stokes = TwinfeFlowNavierStokes_Private(f);

  return !navier_stokes && !f->rheology.carreau_yasuda && f->grad_div == 0 ? PETSC_TRUE : PETSC_FALSE;
}

/* Allowed, and not declined with -flow_stokes_split false (which keeps the assembled matrix and
   PCFIELDSPLIT, for comparison). */
PetscErrorCode TwinfeFlowSplitApplies_Private(TwinfeFlow f, PetscBool *applies)
{
  PetscBool wanted = PETSC_TRUE;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetBool(NULL, "flow_", "-stokes_split", &wanted, NULL));
  *applies = wanted && TwinfeFlowSplitAllowed_Private(f) ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* mu grad phi_a . grad phi_b + rho c0 phi_a phi_b, one component. */
static PetscErrorCode ComponentKernel(const TwinfeElement *e, PetscScalar K[], void *ctx)
{
  TwinfeFlow      f    = (TwinfeFlow)ctx;
  const PetscReal mass = f->density * f->mass_coeff;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < e->nq; ++q) {
    const PetscReal *B = &e->B[0][q * NU], *D = &e->D[0][q * NU * 3];
    const PetscReal  w = e->w[q];
    for (PetscInt a = 0; a < NU; ++a)
      for (PetscInt b = 0; b < NU; ++b)
        K[a * NU + b] += w * (f->viscosity * (D[3 * a] * D[3 * b] + D[3 * a + 1] * D[3 * b + 1] + D[3 * a + 2] * D[3 * b + 2]) +
                              mass * B[a] * B[b]);
  }
  PetscFunctionReturn(0);
}

/* The pressure rows' block: -int psi_b d_i phi_a (flow_kernels.c's R_b = -int psi_b div u). */
static PetscErrorCode DivergenceKernel(const TwinfeElement *e, PetscScalar K[], void *ctx)
{
  const PetscInt ndof = e->ndof, po = e->offset[1];

  PetscFunctionBeginUser;
  (void)ctx;
  for (PetscInt q = 0; q < e->nq; ++q) {
    const PetscReal *Bp = &e->B[1][q * 4], *D = &e->D[0][q * NU * 3];
    for (PetscInt b = 0; b < 4; ++b)
      for (PetscInt a = 0; a < NU; ++a)
        for (PetscInt i = 0; i < 3; ++i)
          K[(po + b) * ndof + 3 * a + i] -= e->w[q] * Bp[b] * D[3 * a + i];
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode CreateSubVector(MPI_Comm comm, IS is, PetscInt bs, Vec *v)
{
  PetscInt n;

  PetscFunctionBeginUser;
  PetscCall(ISGetLocalSize(is, &n));
  PetscCall(VecCreate(comm, v));
  PetscCall(VecSetSizes(*v, n, PETSC_DETERMINE));
  PetscCall(VecSetBlockSize(*v, bs));
  PetscCall(VecSetFromOptions(*v));
  PetscFunctionReturn(0);
}

/* The velocity sub-vector lists the nodes in the scalar space's order, three components each:
   checked on the nodes' x coordinates (the scalar space's node coordinates hold only x; both
   come from the same DM points, so a difference is a bug). */
static PetscErrorCode CheckNodeOrder(TwinfeFlow f, TwinfeFlowSplit s)
{
  Vec       xs, xm, xm_u;
  PetscReal diff;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceCreateNodeCoordinates(s->scalar, 0, &xs));
  PetscCall(TwinfeSpaceCreateNodeCoordinates(f->space, 0, &xm));
  PetscCall(VecGetSubVector(xm, s->is_u, &xm_u));
  PetscCall(VecCopy(xm_u, s->xu)); /* with block size 3 */
  PetscCall(VecRestoreSubVector(xm, s->is_u, &xm_u));
  PetscCall(VecStrideGather(s->xu, 0, s->ys, INSERT_VALUES));
  PetscCall(VecAXPY(s->ys, -1.0, xs));
  PetscCall(VecNorm(s->ys, NORM_INFINITY, &diff));
  PetscCall(VecDestroy(&xs));
  PetscCall(VecDestroy(&xm));
  PetscCheck(diff == 0, f->comm, PETSC_ERR_PLIB,
             "flow: the velocity dofs are not in the scalar P2 space's node order (%g mm apart)", (double)diff);
  PetscFunctionReturn(0);
}

/* xu, xp = the velocity and pressure parts of x. */
static PetscErrorCode ScatterIn(TwinfeFlowSplit s, Vec x)
{
  PetscFunctionBeginUser;
  PetscCall(VecScatterBegin(s->to_u, x, s->xu, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(s->to_u, x, s->xu, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterBegin(s->to_p, x, s->xp, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(s->to_p, x, s->xp, INSERT_VALUES, SCATTER_FORWARD));
  PetscFunctionReturn(0);
}

/* y = (yu, yp) put together. */
static PetscErrorCode ScatterOut(TwinfeFlowSplit s, Vec y)
{
  PetscFunctionBeginUser;
  PetscCall(VecScatterBegin(s->to_u, s->yu, y, INSERT_VALUES, SCATTER_REVERSE));
  PetscCall(VecScatterEnd(s->to_u, s->yu, y, INSERT_VALUES, SCATTER_REVERSE));
  PetscCall(VecScatterBegin(s->to_p, s->yp, y, INSERT_VALUES, SCATTER_REVERSE));
  PetscCall(VecScatterEnd(s->to_p, s->yp, y, INSERT_VALUES, SCATTER_REVERSE));
  PetscFunctionReturn(0);
}

/* y = J x. */
static PetscErrorCode ApplyOperator(Mat J, Vec x, Vec y)
{
  TwinfeFlow      f;
  TwinfeFlowSplit s;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(J, &f));
  s = f->split;
  PetscCall(ScatterIn(s, x));
  PetscCall(MatMult(s->K3, s->xu, s->yu));
  PetscCall(MatMultTransposeAdd(s->B, s->xp, s->yu, s->yu));
  PetscCall(MatMult(s->B, s->xu, s->yp));
  PetscCall(ScatterOut(s, y));
  PetscFunctionReturn(0);
}

/* x_u = A^-1 r_u: one solve with K per component. */
static PetscErrorCode SolveVelocity(TwinfeFlowSplit s, Vec r, Vec x)
{
  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < 3; ++c) {
    PetscCall(VecStrideGather(r, c, s->xs, INSERT_VALUES));
    PetscCall(KSPSolve(s->component, s->xs, s->ys));
    PetscCall(VecStrideScatter(s->ys, c, x, INSERT_VALUES));
  }
  PetscFunctionReturn(0);
}

/* The block upper triangle: x_p = S^-1 r_p, x_u = A^-1 (r_u - B^T x_p). */
static PetscErrorCode ApplyPreconditioner(PC pc, Vec r, Vec x)
{
  TwinfeFlow      f;
  TwinfeFlowSplit s;

  PetscFunctionBeginUser;
  PetscCall(PCShellGetContext(pc, &f));
  s = f->split;
  PetscCall(ScatterIn(s, r));
  PetscCall(MatMult(f->schur_pre, s->xp, s->yp));
  PetscCall(VecScale(s->yp, -1.0));
  PetscCall(MatMultTransposeAdd(s->B, s->yp, s->xu, s->xu)); /* r_u - B^T x_p */
  PetscCall(VecScale(s->yp, -1.0));
  PetscCall(SolveVelocity(s, s->xu, s->yu));
  PetscCall(ScatterOut(s, x));
  PetscFunctionReturn(0);
}

/* One p-multigrid cycle per component (top of the file): PCMG on two levels, the coarse
   operator P^T K P made by PCMG (Galerkin), one Chebyshev step with Jacobi on K before and after
   the coarse correction, one GAMG V-cycle on the coarse (P1) problem. All of it can be changed
   from the options; a user's -flow_velocity_pc_type replaces it. */
static PetscErrorCode CreateComponentSolver(TwinfeFlow f, TwinfeFlowSplit s)
{
  PC  pc, coarse_pc, smooth_pc;
  KSP coarse, smooth;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceCreateProlongation(f->pressure_space, s->scalar, &s->prolong));
  PetscCall(KSPCreate(f->comm, &s->component));
  PetscCall(KSPSetOptionsPrefix(s->component, "flow_velocity_"));
  PetscCall(KSPSetType(s->component, KSPPREONLY));
  PetscCall(KSPGetPC(s->component, &pc));
  PetscCall(PCSetType(pc, PCMG));
  PetscCall(PCMGSetLevels(pc, 2, NULL));
  PetscCall(PCMGSetGalerkin(pc, PC_MG_GALERKIN_BOTH)); /* P comes with each operator (SetMultigridInterpolation) */
  PetscCall(PCMGGetCoarseSolve(pc, &coarse));
  PetscCall(KSPSetType(coarse, KSPPREONLY));
  PetscCall(KSPGetPC(coarse, &coarse_pc));
  PetscCall(PCSetType(coarse_pc, PCGAMG));
  PetscCall(PCMGGetSmoother(pc, 1, &smooth));
  PetscCall(KSPSetType(smooth, KSPCHEBYSHEV));
  PetscCall(KSPChebyshevEstEigSet(smooth, PETSC_DECIDE, PETSC_DECIDE, PETSC_DECIDE, PETSC_DECIDE));
  PetscCall(KSPSetTolerances(smooth, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT, 1));
  PetscCall(KSPGetPC(smooth, &smooth_pc));
  PetscCall(PCSetType(smooth_pc, PCJACOBI));
  PetscCall(KSPSetFromOptions(s->component));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowSplitCreate_Private(TwinfeFlow f, Mat *J)
{
  const PetscInt  two = 2, one = 1;
  TwinfeFlowSplit s;
  PetscInt        n, N, ns;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&s));
  f->split = s;
  PetscCall(TwinfeSpaceCreate(f->dm, 1, &two, &one, &s->scalar));
  PetscCall(TwinfeSpaceCreateFieldIS(f->space, 0, &s->is_u));
  PetscCall(TwinfeSpaceCreateFieldIS(f->space, 1, &s->is_p));
  PetscCall(TwinfeSpaceCreateMatrix(s->scalar, &s->K));
  PetscCall(MatCreateMAIJ(s->K, 3, &s->K3));
  PetscCall(MatCreateVecs(s->K, &s->xs, &s->ys));
  PetscCall(VecGetLocalSize(s->xs, &ns));
  PetscCall(CreateSubVector(f->comm, s->is_u, 3, &s->xu));
  PetscCall(VecGetLocalSize(s->xu, &n));
  PetscCheck(n == 3 * ns, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "flow: %" PetscInt_FMT " velocity dofs on this rank, 3 x %" PetscInt_FMT " expected", n, ns);
  PetscCall(CheckNodeOrder(f, s));
  PetscCall(VecDuplicate(s->xu, &s->yu));
  PetscCall(VecDuplicate(s->xu, &s->free_u));
  PetscCall(CreateSubVector(f->comm, s->is_p, 1, &s->xp));
  PetscCall(VecDuplicate(s->xp, &s->yp));
  PetscCall(VecScatterCreate(f->U, s->is_u, s->xu, NULL, &s->to_u));
  PetscCall(VecScatterCreate(f->U, s->is_p, s->xp, NULL, &s->to_p));
  PetscCall(CreateComponentSolver(f, s));
  PetscCall(VecGetLocalSize(f->U, &n));
  PetscCall(VecGetSize(f->U, &N));
  PetscCall(MatCreateShell(f->comm, n, n, N, N, f, J));
  PetscCall(MatShellSetOperation(*J, MATOP_MULT, (void (*)(void))ApplyOperator));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowSplitSetPC_Private(TwinfeFlow f, PC pc)
{
  PetscFunctionBeginUser;
  PetscCall(PCSetType(pc, PCSHELL));
  PetscCall(PCShellSetContext(pc, f));
  PetscCall(PCShellSetApply(pc, ApplyPreconditioner));
  PetscCall(PCShellSetName(pc, "Stokes block upper triangle: PCD Schur complement, p-multigrid per velocity component"));
  PetscFunctionReturn(0);
}

/* Frees the velocity multigrid hierarchy; TwinfeFlowSplitAssemble_Private gives the component
   solver its operator again. */
PetscErrorCode TwinfeFlowSplitReset_Private(TwinfeFlow f)
{
  PetscFunctionBeginUser;
  if (f->split) PetscCall(KSPReset(f->split->component));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowSplitDestroy_Private(TwinfeFlow f)
{
  TwinfeFlowSplit s = f->split;

  PetscFunctionBeginUser;
  if (!s) PetscFunctionReturn(0);
  PetscCall(MatDestroy(&s->K3));
  PetscCall(MatDestroy(&s->K));
  PetscCall(MatDestroy(&s->B));
  PetscCall(ISDestroy(&s->is_u));
  PetscCall(ISDestroy(&s->is_p));
  PetscCall(VecScatterDestroy(&s->to_u));
  PetscCall(VecScatterDestroy(&s->to_p));
  PetscCall(VecDestroy(&s->xu));
  PetscCall(VecDestroy(&s->xp));
  PetscCall(VecDestroy(&s->yu));
  PetscCall(VecDestroy(&s->yp));
  PetscCall(VecDestroy(&s->xs));
  PetscCall(VecDestroy(&s->ys));
  PetscCall(VecDestroy(&s->free_u));
  PetscCall(KSPDestroy(&s->component));
  PetscCall(MatDestroy(&s->prolong));
  PetscCall(TwinfeSpaceDestroy(&s->scalar));
  PetscCall(PetscFree(f->split));
  PetscFunctionReturn(0);
}

/* The free velocity dofs (1; 0 on the flow space's constrained rows), and a check that only
   velocity dofs are constrained and that the scalar space constrains the same nodes. */
static PetscErrorCode MarkFreeVelocity(TwinfeFlow f, TwinfeFlowSplit s)
{
  const PetscInt *rows;
  PetscInt        nrows, nscalar, counts[2], sums[2];
  PetscScalar    *zeros;
  PetscReal       pmin;
  Vec             free_all, sub;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(f->U, &free_all));
  PetscCall(VecSet(free_all, 1.0));
  PetscCall(TwinfeSpaceGetDirichlet(f->space, &nrows, &rows, NULL));
  PetscCall(PetscCalloc1(nrows, &zeros));
  PetscCall(VecSetValues(free_all, nrows, rows, zeros, INSERT_VALUES));
  PetscCall(PetscFree(zeros));
  PetscCall(VecAssemblyBegin(free_all));
  PetscCall(VecAssemblyEnd(free_all));
  PetscCall(VecGetSubVector(free_all, s->is_u, &sub));
  PetscCall(VecCopy(sub, s->free_u));
  PetscCall(VecRestoreSubVector(free_all, s->is_u, &sub));
  PetscCall(VecGetSubVector(free_all, s->is_p, &sub));
  PetscCall(VecMin(sub, NULL, &pmin));
  PetscCall(VecRestoreSubVector(free_all, s->is_p, &sub));
  PetscCall(VecDestroy(&free_all));
  PetscCall(TwinfeSpaceGetDirichlet(s->scalar, &nscalar, NULL, NULL));
  counts[0] = nrows, counts[1] = 3 * nscalar;
  PetscCallMPI(MPI_Allreduce(counts, sums, 2, MPIU_INT, MPI_SUM, f->comm));
  PetscCheck(pmin == 1 && sums[0] == sums[1], f->comm, PETSC_ERR_PLIB,
             "flow: the split Stokes operator needs the velocity's constraints on whole nodes (%" PetscInt_FMT
             " constrained dofs, 3 x %" PetscInt_FMT " nodes)%s",
             sums[0], sums[1] / 3, pmin == 1 ? "" : " and no constrained pressure");
  PetscFunctionReturn(0);
}

/* After the boundary conditions change: the scalar space gets the velocity's constrained nodes,
   and B is assembled with their columns zero. */
PetscErrorCode TwinfeFlowSplitSetUp_Private(TwinfeFlow f)
{
  TwinfeFlowSplit s = f->split;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceClearDirichlet(s->scalar));
  for (PetscInt i = 0; i < f->nvelocity_bcs; ++i)
    PetscCall(TwinfeSpaceAddDirichlet(s->scalar, f->velocity_bcs[i].tag, 0, 1, NULL, NULL, NULL));
  PetscCall(MarkFreeVelocity(f, s));
  PetscCall(MatDestroy(&s->B));
  PetscCall(TwinfeSpaceAssembleFieldBlock(f->space, 1, 0, 2, DivergenceKernel, f, &s->B));
  PetscCall(MatDiagonalScale(s->B, NULL, s->free_u));
  PetscFunctionReturn(0);
}

/* The p-multigrid's P, given again each time: a reset (TwinfeFlowSplitReset_Private) frees
   the levels' matrices with the rest of the hierarchy. Nothing when the user chose another
   preconditioner. */
static PetscErrorCode SetMultigridInterpolation(TwinfeFlowSplit s)
{
  PC        pc;
  PetscBool mg;

  PetscFunctionBeginUser;
  PetscCall(KSPGetPC(s->component, &pc));
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCMG, &mg));
  if (mg) PetscCall(PCMGSetInterpolation(pc, 1, s->prolong));
  PetscFunctionReturn(0);
}

/* The Jacobian: K at the current time step's c0 with the constrained rows and columns. The
   constraint scale is the assembled matrix's mean |diagonal| (flow.c), 3 diag(K) over all dofs. */
PetscErrorCode TwinfeFlowSplitAssemble_Private(TwinfeFlow f)
{
  TwinfeFlowSplit s = f->split;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceAssembleMatrix(s->scalar, TwinfeFlowJacobianOrder_Private(f), NULL, ComponentKernel, f, s->K));
  if (f->bc_scale == 0) {
    PetscReal sum;
    PetscInt  N;
    PetscCall(MatGetDiagonal(s->K, s->xs));
    PetscCall(VecNorm(s->xs, NORM_1, &sum));
    PetscCall(VecGetSize(f->U, &N));
    f->bc_scale = 3 * sum / N;
  }
  PetscCall(TwinfeSpaceApplyDirichletToMatrix(s->scalar, f->bc_scale, s->K));
  PetscCall(SetMultigridInterpolation(s));
  PetscCall(KSPSetOperators(s->component, s->K, s->K));
  PetscFunctionReturn(0);
}
