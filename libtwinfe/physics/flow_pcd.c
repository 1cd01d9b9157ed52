/* The pressure convection-diffusion (PCD) approximation of the flow's Schur complement.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why: with the velocity block F = mu L + rho (w . grad) + rho c0 I (Oseen, time step c0) the
 * Schur complement is S = -B F^-1 B^T. The pressure mass matrix approximates it only while
 * viscosity dominates (Stokes; it fails from Re about 50, benchmarks/flow_solver_study.md).
 * PCD assumes that F commutes with the divergence up to boundary terms, which gives
 *   S^-1 ~ -M^-1 Fp Ap^-1,  Fp = mu Ap + rho Kp + rho c0 M,
 * with Ap the pressure Laplacian, Kp the pressure convection matrix of the same velocity w and
 * M the pressure mass matrix (Kay, Loghin and Wathen 2002; Elman, Silvester and Wathen,
 * "Finite Elements and Fast Iterative Solvers", 2nd ed., ch. 9). Written out,
 *   S^-1 x ~ -( mu M^-1 x + M^-1 rho Kp y + rho c0 y ),  y = Ap^-1 x,
 * the form Blechta and Ryan call BRM1: Ap carries a zero Dirichlet condition on the inlets
 * (the caps where the velocity is prescribed) and Fp needs no boundary condition of its own. Its
 * parts are what each regime needs: mu M^-1 is the Stokes preconditioner, rho c0 Ap^-1 the
 * Cahouet-Chabard term of short time steps, and Kp carries convection. Without convection
 * (unsteady Stokes) only the Cahouet-Chabard term uses Ap, and Ap then stands for
 * B M_u^-1 B^T: integrating (div v, p) by parts leaves p v . n only where the velocity is free,
 * so Ap gets its zero condition there (the outlets: free, a traction or a Windkessel) and none
 * where the velocity is given (Cahouet and Chabard 1988; Olshanskii, Peters and Reusken 2006).
 * On the vessel phantom at 1.5 mm, dt = T/100, the inlet condition took 380 iterations per step
 * and this one 135. Navier-Stokes time steps, where rho c0 M dominates the velocity block as in
 * Stokes, take the outlets' condition too (69 -> 44 iterations per Newton step on that mesh);
 * steady Navier-Stokes keeps BRM1's inlets (with the outlets' it diverges). With grad-div gamma the
 * augmented Schur complement adds -gamma M^-1 (so mu becomes mu + gamma). Ap^-1 is one GAMG
 * V-cycle (options -flow_pcd_laplace_*). M^-1 is 4 Chebyshev steps with Jacobi (options
 * -flow_pcd_mass_*): the P1 mass matrix's Jacobi-scaled eigenvalues lie in [1/2, 5/2] on any
 * tetrahedral mesh (Wathen 1987), so the steps need no estimate and are one fixed linear
 * operator, each step dividing the error by 2.6. M's diagonal alone is spectrally equivalent
 * too, but its error grew the Stokes iterations with the mesh: Poiseuille tubes at h 2.5 to
 * 0.75 mm with an exact velocity solve took 48, 54, 59, 61 GMRES iterations (+27%) with the
 * diagonal and 43, 43, 44, 44 with 4 steps; Womersley's time steps 38 against 49 on average,
 * a Navier-Stokes cycle with backflow 1,310 against 1,418. Steady solves on the assembled matrix
 * keep the diagonal: their velocity block gets one GAMG V-cycle on the whole P2 block, which
 * pairs worse with the steps (Stokes in the duct at 549k unknowns: 102 iterations against 90;
 * Navier-Stokes at Re 300, 73k: 220 against 180; docs/flow.md).
 *
 * The operator is a MATSHELL handed to PCFIELDSPLIT as the user's Schur preconditioning matrix;
 * its Schur solver applies it with PCMAT. */
#include "flow_impl.h"

struct _p_TwinfeFlowPCD {
  Mat          laplace;         /* int grad psi_a . grad psi_b; the constrained rows and columns (ConstrainLaplace) */
  Mat          convection;      /* int rho (w . grad psi_b) psi_a of the current iterate */
  Mat          mass;            /* int psi_a psi_b */
  Vec          mass_diag;       /* its diagonal (ApplyMassInverse) */
  KSP          mass_ksp;        /* M^-1: Chebyshev steps with Jacobi (CreateMassSolver) */
  KSP          laplace_ksp;     /* one GAMG V-cycle on laplace */
  Vec          rhs, y, r;       /* work */
  PetscScalar *cell_velocity;   /* 4 per local cell: the cell mean of w, then the cell's volume */
  PetscBool    use_pcd;         /* -flow_schur_pre pcd (else the mass term alone) */
  PetscBool    laplace_set;     /* Ap is set up: there is a boundary to give it its condition */
  PetscInt     laplace_outlets; /* Ap's condition is on the outlets (1) or the inlets (0); -1: not made */
};

static PetscErrorCode LaplaceKernel(const TwinfeElement *e, PetscScalar K[], void *ctx)
{
  PetscFunctionBeginUser;
  (void)ctx;
  for (PetscInt q = 0; q < e->nq; ++q) {
    const PetscReal *D = &e->D[0][q * 4 * 3];
    for (PetscInt a = 0; a < 4; ++a)
      for (PetscInt b = 0; b < 4; ++b)
        K[a * 4 + b] += e->w[q] * (D[3 * a] * D[3 * b] + D[3 * a + 1] * D[3 * b + 1] + D[3 * a + 2] * D[3 * b + 2]);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode MassKernel(const TwinfeElement *e, PetscScalar K[], void *ctx)
{
  PetscFunctionBeginUser;
  (void)ctx;
  for (PetscInt q = 0; q < e->nq; ++q) {
    const PetscReal *B = &e->B[0][q * 4];
    for (PetscInt a = 0; a < 4; ++a)
      for (PetscInt b = 0; b < 4; ++b)
        K[a * 4 + b] += e->w[q] * B[a] * B[b];
  }
  PetscFunctionReturn(0);
}

/* On the velocity-pressure space: the integral of the velocity and the cell's volume. */
static PetscErrorCode CellVelocityKernel(const TwinfeElement *e, PetscScalar out[], void *ctx)
{
  PetscFunctionBeginUser;
  (void)ctx;
  for (PetscInt q = 0; q < e->nq; ++q) {
    const PetscReal *B = &e->B[0][q * 10];
    for (PetscInt a = 0; a < 10; ++a)
      for (PetscInt i = 0; i < 3; ++i)
        out[i] += e->w[q] * B[a] * e->u[3 * a + i];
    out[3] += e->w[q];
  }
  PetscFunctionReturn(0);
}

/* rho (w . grad psi_b) psi_a with w constant on the cell (its mean): a preconditioner needs the
   transport's direction and size, not the velocity's variation inside one cell. */
static PetscErrorCode ConvectionKernel(const TwinfeElement *e, PetscScalar K[], void *ctx)
{
  TwinfeFlow         f = (TwinfeFlow)ctx;
  const PetscScalar *w = &f->pcd->cell_velocity[4 * e->cell];

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < e->nq; ++q) {
    const PetscReal *B = &e->B[0][q * 4], *D = &e->D[0][q * 4 * 3];
    for (PetscInt b = 0; b < 4; ++b) {
      const PetscReal transport = f->density * (w[0] * D[3 * b] + w[1] * D[3 * b + 1] + w[2] * D[3 * b + 2]);
      for (PetscInt a = 0; a < 4; ++a)
        K[a * 4 + b] += e->w[q] * B[a] * transport;
    }
  }
  PetscFunctionReturn(0);
}

/* z = M^-1 x: Chebyshev steps, or M's diagonal for steady solves on the assembled matrix (see
   the top). */
static PetscErrorCode ApplyMassInverse(TwinfeFlow f, Vec x, Vec z)
{
  PetscFunctionBeginUser;
  if (!f->split && !(f->mass_coeff > 0))
    PetscCall(VecPointwiseDivide(z, x, f->pcd->mass_diag));
  else
    PetscCall(KSPSolve(f->pcd->mass_ksp, x, z));
  PetscFunctionReturn(0);
}

/* z = S^-1 x as above. Without convection and time derivative (steady Stokes), or without a
   boundary for Ap's condition (ConstrainLaplace), only the mass term is left:
   -(mu + gamma) M^-1 x, the pressure-mass preconditioner. */
static PetscErrorCode ApplyPCD(Mat S, Vec x, Vec z)
{
  TwinfeFlow    f;
  TwinfeFlowPCD pcd;
  PetscBool     convection;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(S, &f));
  pcd        = f->pcd;
  convection = f->with_convection && f->density > 0 ? PETSC_TRUE : PETSC_FALSE;
  if (!pcd->laplace_set || (!convection && !(f->mass_coeff > 0))) {
    PetscCall(ApplyMassInverse(f, x, z));
    PetscCall(VecScale(z, -(TwinfeFlowSchurViscosity_Private(f) + f->grad_div)));
    PetscFunctionReturn(0);
  }
  PetscCall(VecCopy(x, pcd->rhs));
  PetscCall(TwinfeSpaceApplyDirichletToVector(f->pressure_space, pcd->rhs)); /* the inlet rows: 0 */
  PetscCall(KSPSolve(pcd->laplace_ksp, pcd->rhs, pcd->y));
  PetscCall(VecCopy(x, pcd->r));
  PetscCall(VecScale(pcd->r, TwinfeFlowSchurViscosity_Private(f) + f->grad_div));
  if (convection) PetscCall(MatMultAdd(pcd->convection, pcd->y, pcd->r, pcd->r));
  PetscCall(ApplyMassInverse(f, pcd->r, z));
  if (f->mass_coeff > 0) PetscCall(VecAXPY(z, f->density * f->mass_coeff, pcd->y));
  PetscCall(VecScale(z, -1.0));
  PetscFunctionReturn(0);
}

static PetscBool GivenVelocity(TwinfeFlow f, PetscInt tag, PetscBool inlets_only)
{
  for (PetscInt i = 0; i < f->nvelocity_bcs; ++i)
    if (f->velocity_bcs[i].tag == tag && (f->velocity_bcs[i].fn || !inlets_only)) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* Ap's zero condition: on the boundary where the velocity is free (outlets), or on the inlets
   (a prescribed velocity other than no slip; see the top). *set is false where no such boundary
   exists (a flow driven by tractions alone has no inlet; a flow with the velocity given
   everywhere no free boundary): then only the mass term is used. Collective. */
static PetscErrorCode ConstrainLaplace(TwinfeFlow f, PetscBool outlets, PetscBool *set)
{
  PetscInt ntags, *tags, nset = 0;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceClearDirichlet(f->pressure_space));
  PetscCall(TwinfeSpaceGetFaceTags(f->pressure_space, &ntags, &tags));
  for (PetscInt i = 0; i < ntags; ++i) {
    const PetscBool inlet = GivenVelocity(f, tags[i], PETSC_TRUE), given = GivenVelocity(f, tags[i], PETSC_FALSE);
    if (outlets ? given : !inlet) continue;
    PetscCall(TwinfeSpaceAddDirichlet(f->pressure_space, tags[i], 0, 1, NULL, NULL, NULL));
    nset++;
  }
  PetscCall(PetscFree(tags));
  *set = nset > 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Chebyshev steps on M with Jacobi over [1/2, 5/2], the bounds of a P1 mass matrix's
   Jacobi-scaled spectrum (top of the file); no norms, so a fixed number of steps. */
static PetscErrorCode CreateMassSolver(MPI_Comm comm, KSP *ksp)
{
  PC pc;

  PetscFunctionBeginUser;
  PetscCall(KSPCreate(comm, ksp));
  PetscCall(KSPSetOptionsPrefix(*ksp, "flow_pcd_mass_"));
  PetscCall(KSPSetType(*ksp, KSPCHEBYSHEV));
  PetscCall(KSPChebyshevSetEigenvalues(*ksp, 2.5, 0.5));
  PetscCall(KSPSetNormType(*ksp, KSP_NORM_NONE));
  PetscCall(KSPSetTolerances(*ksp, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT, 4));
  PetscCall(KSPGetPC(*ksp, &pc));
  PetscCall(PCSetType(pc, PCJACOBI));
  PetscCall(KSPSetFromOptions(*ksp));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowPCDCreate_Private(TwinfeFlow f, Mat *S)
{
  TwinfeFlowPCD pcd;
  PetscInt      n, N, ncells, ndof;
  PC            pc;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&pcd));
  f->pcd = pcd;
  PetscCall(TwinfeSpaceCreateMatrix(f->pressure_space, &pcd->laplace));
  PetscCall(TwinfeSpaceCreateMatrix(f->pressure_space, &pcd->convection));
  PetscCall(TwinfeSpaceCreateMatrix(f->pressure_space, &pcd->mass));
  PetscCall(MatCreateVecs(pcd->laplace, &pcd->mass_diag, &pcd->rhs));
  PetscCall(VecDuplicate(pcd->rhs, &pcd->y));
  PetscCall(VecDuplicate(pcd->rhs, &pcd->r));
  PetscCall(TwinfeSpaceGetSizes(f->pressure_space, &ncells, &ndof));
  PetscCall(PetscMalloc1(4 * ncells, &pcd->cell_velocity));
  PetscCall(KSPCreate(f->comm, &pcd->laplace_ksp));
  PetscCall(KSPSetOptionsPrefix(pcd->laplace_ksp, "flow_pcd_laplace_"));
  PetscCall(KSPSetType(pcd->laplace_ksp, KSPPREONLY));
  PetscCall(KSPGetPC(pcd->laplace_ksp, &pc));
  PetscCall(PCSetType(pc, PCGAMG));
  PetscCall(KSPSetFromOptions(pcd->laplace_ksp));
  PetscCall(CreateMassSolver(f->comm, &pcd->mass_ksp));
  PetscCall(VecGetLocalSize(pcd->rhs, &n));
  PetscCall(VecGetSize(pcd->rhs, &N));
  PetscCall(MatCreateShell(f->comm, n, n, N, N, f, S));
  PetscCall(MatShellSetOperation(*S, MATOP_MULT, (void (*)(void))ApplyPCD));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowPCDDestroy_Private(TwinfeFlow f)
{
  TwinfeFlowPCD pcd = f->pcd;

  PetscFunctionBeginUser;
  if (!pcd) PetscFunctionReturn(0);
  PetscCall(MatDestroy(&pcd->laplace));
  PetscCall(MatDestroy(&pcd->convection));
  PetscCall(MatDestroy(&pcd->mass));
  PetscCall(VecDestroy(&pcd->mass_diag));
  PetscCall(KSPDestroy(&pcd->mass_ksp));
  PetscCall(VecDestroy(&pcd->rhs));
  PetscCall(VecDestroy(&pcd->y));
  PetscCall(VecDestroy(&pcd->r));
  PetscCall(KSPDestroy(&pcd->laplace_ksp));
  PetscCall(PetscFree(pcd->cell_velocity));
  PetscCall(PetscFree(f->pcd));
  PetscFunctionReturn(0);
}

/* Ap with its condition where the current solve wants it (see the top): the outlets but for
   steady Navier-Stokes. Made again only when that changes (a run's steady start, then its
   time steps). Collective. */
static PetscErrorCode AssembleLaplace(TwinfeFlow f)
{
  TwinfeFlowPCD   pcd     = f->pcd;
  const PetscBool outlets = !TwinfeFlowNavierStokes_Private(f) || f->mass_coeff > 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscReal       scale;

  PetscFunctionBeginUser;
  if (!pcd->use_pcd || pcd->laplace_outlets == (PetscInt)outlets) PetscFunctionReturn(0);
  pcd->laplace_outlets = outlets;
  PetscCall(ConstrainLaplace(f, outlets, &pcd->laplace_set));
  if (!pcd->laplace_set) PetscFunctionReturn(0);
  PetscCall(TwinfeSpaceAssembleMatrix(f->pressure_space, 0, NULL, LaplaceKernel, f, pcd->laplace));
  PetscCall(TwinfeFlowMeanDiagonal_Private(pcd->laplace, &scale));
  PetscCall(TwinfeSpaceApplyDirichletToMatrix(f->pressure_space, scale, pcd->laplace));
  PetscCall(KSPSetOperators(pcd->laplace_ksp, pcd->laplace, pcd->laplace));
  PetscCall(KSPSetUp(pcd->laplace_ksp));
  PetscFunctionReturn(0);
}

/* After the boundary conditions change: M's diagonal, and Ap with its condition. */
PetscErrorCode TwinfeFlowPCDSetUp_Private(TwinfeFlow f)
{
  TwinfeFlowPCD pcd     = f->pcd;
  PetscInt      kind    = 0;
  const char   *kinds[] = {"pcd", "mass"};

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceAssembleMatrix(f->pressure_space, 2, NULL, MassKernel, f, pcd->mass));
  PetscCall(MatGetDiagonal(pcd->mass, pcd->mass_diag));
  PetscCall(KSPSetOperators(pcd->mass_ksp, pcd->mass, pcd->mass));
  PetscCall(PetscOptionsGetEList(NULL, "flow_", "-schur_pre", kinds, 2, &kind, NULL));
  pcd->use_pcd         = kind == 0 ? PETSC_TRUE : PETSC_FALSE;
  pcd->laplace_set     = PETSC_FALSE;
  pcd->laplace_outlets = -1;
  PetscCall(AssembleLaplace(f));
  PetscFunctionReturn(0);
}

/* Kp of the iterate U, and Ap for the solve (called with each Navier-Stokes Jacobian). */
PetscErrorCode TwinfeFlowPCDUpdate_Private(TwinfeFlow f, Vec U)
{
  TwinfeFlowPCD pcd = f->pcd;
  PetscInt      ncells, ndof;

  PetscFunctionBeginUser;
  PetscCall(AssembleLaplace(f));
  if (!pcd->laplace_set) PetscFunctionReturn(0);
  PetscCall(TwinfeSpaceGetSizes(f->space, &ncells, &ndof));
  PetscCall(TwinfeSpaceEvaluateCells(f->space, 2, U, CellVelocityKernel, f, 4, pcd->cell_velocity));
  for (PetscInt c = 0; c < ncells; ++c)
    for (PetscInt i = 0; i < 3; ++i)
      pcd->cell_velocity[4 * c + i] /= pcd->cell_velocity[4 * c + 3]; /* integral / volume */
  PetscCall(TwinfeSpaceAssembleMatrix(f->pressure_space, 1, NULL, ConvectionKernel, f, pcd->convection));
  PetscFunctionReturn(0);
}
