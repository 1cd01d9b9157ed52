/* Assembly timings of TwinfeSpace on a structured tet box (P1 or P2 elasticity kernels).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Built with the project: build/benchmarks/bench_assembly.
 * Run: build/benchmarks/bench_assembly -n 40 [-degree 2] [-solve]   (6 n^3 tets) */
#include <petsctime.h>
#include <twinfe/fem.h>
#include <twinfe/partition.h>
#include <twinfe/physics.h>

static PetscErrorCode Stiffness(const TwinfeElement *e, PetscScalar K[], void *ctx)
{
  const PetscReal lambda = 1.0, mu = 0.5;
  PetscInt        nb = e->nbasis[0], nd = e->ndof;

  PetscFunctionBeginUser;
  (void)ctx;
  for (PetscInt q = 0; q < e->nq; ++q)
    for (PetscInt a = 0; a < nb; ++a)
      for (PetscInt b = 0; b < nb; ++b) {
        const PetscReal *da = &e->D[0][(q * nb + a) * 3], *db = &e->D[0][(q * nb + b) * 3];
        PetscReal        dot = da[0] * db[0] + da[1] * db[1] + da[2] * db[2];
        for (PetscInt i = 0; i < 3; ++i)
          for (PetscInt j = 0; j < 3; ++j)
            K[(3 * a + i) * nd + 3 * b + j] += e->w[q] * (lambda * da[i] * db[j] + mu * (da[j] * db[i] + (i == j ? dot : 0)));
      }
  PetscFunctionReturn(0);
}

static PetscErrorCode Residual(const TwinfeElement *e, PetscScalar r[], void *ctx)
{
  PetscInt nb = e->nbasis[0];

  PetscFunctionBeginUser;
  (void)ctx;
  for (PetscInt q = 0; q < e->nq; ++q) {
    PetscReal G[3][3] = {{0}}, tr;
    for (PetscInt b = 0; b < nb; ++b)
      for (PetscInt i = 0; i < 3; ++i)
        for (PetscInt j = 0; j < 3; ++j)
          G[i][j] += PetscRealPart(e->u[3 * b + i]) * e->D[0][(q * nb + b) * 3 + j];
    tr = G[0][0] + G[1][1] + G[2][2];
    for (PetscInt a = 0; a < nb; ++a)
      for (PetscInt i = 0; i < 3; ++i)
        for (PetscInt j = 0; j < 3; ++j)
          r[3 * a + i] += e->w[q] * (0.5 * (G[i][j] + G[j][i]) + (i == j ? tr : 0)) * e->D[0][(q * nb + a) * 3 + j];
  }
  PetscFunctionReturn(0);
}

/* Nonzeros of A per row and per tet (rank 0's tets). */
static PetscErrorCode ReportNonzeros(Mat A, PetscInt ncells, const char *what)
{
  MatInfo  info;
  PetscInt N;

  PetscFunctionBeginUser;
  PetscCall(MatGetInfo(A, MAT_GLOBAL_SUM, &info));
  PetscCall(MatGetSize(A, &N, NULL));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s: %.0f nonzeros, %.1f per row, %.1f per tet\n", what, info.nz_used, info.nz_used / N,
                        info.nz_used / ncells));
  PetscFunctionReturn(0);
}

/* DMCreateMatrix on the space's DM (same PetscSection): its time, nonzeros, and whether its
   preallocated pattern holds A's. */
static PetscErrorCode CompareDMCreateMatrix(DM sdm, Mat A, PetscInt ncells)
{
  Mat            B;
  PetscLogDouble t0, t1;
  PetscBool      same;

  PetscFunctionBeginUser;
  PetscCall(DMSetMatType(sdm, MATAIJ));
  PetscCall(PetscTime(&t0));
  PetscCall(DMCreateMatrix(sdm, &B));
  PetscCall(PetscTime(&t1));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "DMCreateMatrix %.2f s (per 1M tets %.2f s)\n", t1 - t0, (t1 - t0) * 1e6 / ncells));
  PetscCall(MatAssemblyBegin(B, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(B, MAT_FINAL_ASSEMBLY));
  PetscCall(ReportNonzeros(B, ncells, "DMCreateMatrix"));
  PetscCall(MatAXPY(B, 1.0, A, SUBSET_NONZERO_PATTERN));
  PetscCall(MatEqual(A, B, &same));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "DMCreateMatrix pattern + A equals A: %s\n", same ? "yes" : "no"));
  PetscCall(MatDestroy(&B));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  DM             dm, sdm;
  TwinfeSpace    space;
  Mat            A;
  Vec            U, F;
  PetscInt       n = 20, degree = 1, ncells, N;
  PetscInt       nn[3];
  PetscReal      lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1};
  PetscLogDouble t0, t1, t2, t3, t4, t5, mem;
  PetscBool      solve = PETSC_FALSE, dmmat = PETSC_FALSE;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n", &n, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-degree", &degree, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-solve", &solve, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-dm_matrix", &dmmat, NULL));
  nn[0] = nn[1] = nn[2] = n;
  PetscCall(PetscTime(&t0));
  PetscCall(TwinfeCreateBoxTetMesh(PETSC_COMM_WORLD, nn, lo, hi, &dm));
  PetscCall(PetscTime(&t1));
  {
    PetscInt deg[1] = {degree}, comp[1] = {3};
    PetscCall(TwinfeSpaceCreate(dm, 1, deg, comp, &space));
  }
  PetscCall(PetscTime(&t2));
  PetscCall(TwinfeSpaceCreateMatrix(space, &A));
  PetscCall(PetscTime(&t3));
  PetscCall(TwinfeSpaceAssembleMatrix(space, 2 * (degree - 1), NULL, Stiffness, NULL, A));
  PetscCall(PetscTime(&t4));
  PetscCall(TwinfeSpaceGetDM(space, &sdm));
  PetscCall(DMCreateGlobalVector(sdm, &U));
  PetscCall(VecDuplicate(U, &F));
  PetscCall(VecSet(U, 1e-3));
  PetscCall(VecZeroEntries(F));
  PetscCall(TwinfeSpaceAssembleVector(space, 2 * (degree - 1), U, Residual, NULL, F));
  PetscCall(PetscTime(&t5));
  PetscCall(TwinfeSpaceGetSizes(space, &ncells, NULL));
  PetscCall(VecGetSize(U, &N));
  PetscCall(PetscMemoryGetCurrentUsage(&mem));
  PetscCall(PetscPrintf(
      PETSC_COMM_WORLD,
      "P%d, %d tets (rank 0), %d unknowns: mesh %.2f s, space %.2f s, matrix pattern %.2f s, matrix %.2f s, "
      "residual %.2f s; per 1M tets: space %.2f s, preallocation %.2f s, matrix %.2f s, residual %.2f s; RSS %.0f MB\n",
      (int)degree, (int)ncells, (int)N, t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, (t2 - t1) * 1e6 / ncells,
      (t3 - t2) * 1e6 / ncells, (t4 - t3) * 1e6 / ncells, (t5 - t4) * 1e6 / ncells, mem / 1048576));
  PetscCall(ReportNonzeros(A, ncells, "TwinfeSpaceCreateMatrix"));
  if (dmmat) PetscCall(CompareDMCreateMatrix(sdm, A, ncells));
  if (solve) {
    TwinfeElasticity el;
    PetscInt         its;
    PetscLogDouble   s0, s1;
    PetscReal        g[3] = {0, 0, -9810};
    PetscCall(TwinfeElasticityCreate(dm, &el));
    PetscCall(TwinfeElasticitySetMaterial(el, 1, 5000, 0.45, 1e-3));
    PetscCall(TwinfeElasticitySetGravity(el, g));
    PetscCall(TwinfeElasticityAddClamp(el, 5, NULL));
    PetscCall(TwinfeElasticitySetFromOptions(el));
    PetscCall(PetscTime(&s0));
    PetscCall(TwinfeElasticitySolve(el));
    PetscCall(PetscTime(&s1));
    PetscCall(TwinfeElasticityGetSolverInfo(el, &its, NULL, NULL));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "elasticity setup + solve %.2f s, %d CG/GAMG iterations\n", s1 - s0, (int)its));
    PetscCall(TwinfeElasticityDestroy(&el));
  }
  PetscCall(VecDestroy(&U));
  PetscCall(VecDestroy(&F));
  PetscCall(MatDestroy(&A));
  PetscCall(TwinfeSpaceDestroy(&space));
  PetscCall(DMDestroy(&dm));
  PetscCall(PetscFinalize());
  return 0;
}
