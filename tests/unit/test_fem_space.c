/* TwinfeSpace: layout sizes, geometry, quadrature, and the COO assembly against a naive one.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_checks.h"

#include <string.h>

#include <twinfe/fem.h>
#include <twinfe/partition.h>

static DM Box(PetscInt nx, PetscInt ny, PetscInt nz, PetscReal X, PetscReal Y, PetscReal Z)
{
  DM        dm    = NULL;
  PetscInt  n[3]  = {nx, ny, nz};
  PetscReal lo[3] = {0, 0, 0}, hi[3] = {X, Y, Z};
  TWINFE_CK(TwinfeCreateBoxTetMesh(PETSC_COMM_WORLD, n, lo, hi, &dm));
  return dm;
}

static PetscInt GlobalSize(TwinfeSpace space)
{
  DM       dm;
  Vec      v;
  PetscInt n;
  TWINFE_CK(TwinfeSpaceGetDM(space, &dm));
  TWINFE_CK(DMCreateGlobalVector(dm, &v));
  TWINFE_CK(VecGetSize(v, &n));
  TWINFE_CK(VecDestroy(&v));
  return n;
}

START_TEST(test_dof_counts)
{
  /* 2x2x2 hexes, Kuhn split: 27 vertices; edges = 54 along the axes + 36 face diagonals + 8 body diagonals. */
  DM          dm = Box(2, 2, 2, 1, 1, 1);
  TwinfeSpace p1, p2, th;
  PetscInt    deg1[1] = {1}, deg2[1] = {2}, three[1] = {3}, one[1] = {1}, degth[2] = {2, 1}, compth[2] = {3, 1};
  PetscInt    ncells, ndof;

  TWINFE_CK(TwinfeSpaceCreate(dm, 1, deg1, three, &p1));
  TWINFE_CK(TwinfeSpaceCreate(dm, 1, deg2, one, &p2));
  TWINFE_CK(TwinfeSpaceCreate(dm, 2, degth, compth, &th));
  ck_assert_int_eq(GlobalSize(p1), 3 * 27);
  ck_assert_int_eq(GlobalSize(p2), 27 + 98);
  ck_assert_int_eq(GlobalSize(th), 3 * (27 + 98) + 27);
  TWINFE_CK(TwinfeSpaceGetSizes(th, &ncells, &ndof));
  MPI_Allreduce(MPI_IN_PLACE, &ncells, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD);
  ck_assert_int_eq(ncells, 48);
  ck_assert_int_eq(ndof, 3 * 10 + 4);
  TWINFE_CK(TwinfeSpaceDestroy(&p1));
  TWINFE_CK(TwinfeSpaceDestroy(&p2));
  TWINFE_CK(TwinfeSpaceDestroy(&th));
  ck_assert_ptr_null(p1);
  TWINFE_CK(TwinfeSpaceDestroy(&p1)); /* NULL is a no-op */
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

START_TEST(test_volume)
{
  DM          dm = Box(3, 2, 4, 2.0, 1.0, 3.0);
  TwinfeSpace s;
  PetscInt    deg[1] = {1}, comp[1] = {1};
  PetscReal   v;

  TWINFE_CK(TwinfeSpaceCreate(dm, 1, deg, comp, &s));
  TWINFE_CK(TwinfeSpaceGetLocalVolume(s, &v));
  MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPIU_REAL, MPIU_SUM, PETSC_COMM_WORLD);
  /* affine tets on a box: the sum is exact up to round-off over 144 cells */
  ck_assert_double_eq_tol(v, 6.0, 1e-12);
  TWINFE_CK(TwinfeSpaceDestroy(&s));
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

/* Spaces on one DM share the cells' geometry and regions; moving the DM's coordinates gives a
   later space new ones and leaves the earlier space its own. */
START_TEST(test_spaces_share_cells)
{
  DM              dm = Box(3, 2, 4, 2.0, 1.0, 3.0);
  TwinfeSpace     a, b, moved;
  PetscInt        deg1[1] = {1}, deg2[1] = {2}, one[1] = {1}, three[1] = {3};
  const PetscInt *ra, *rb, *rm;
  PetscReal       v[3];
  Vec             x;

  TWINFE_CK(TwinfeSpaceCreate(dm, 1, deg1, one, &a));
  TWINFE_CK(TwinfeSpaceCreate(dm, 1, deg2, three, &b));
  TWINFE_CK(TwinfeSpaceGetCellRegions(a, &ra));
  TWINFE_CK(TwinfeSpaceGetCellRegions(b, &rb));
  ck_assert_ptr_eq(ra, rb);
  TWINFE_CK(DMGetCoordinates(dm, &x));
  TWINFE_CK(VecScale(x, 2.0));
  TWINFE_CK(DMSetCoordinates(dm, x)); /* refreshes the local coordinates */
  TWINFE_CK(TwinfeSpaceCreate(dm, 1, deg1, one, &moved));
  TWINFE_CK(TwinfeSpaceGetCellRegions(moved, &rm));
  ck_assert_ptr_ne(rm, ra);
  TWINFE_CK(TwinfeSpaceDestroy(&a)); /* b still holds the first cells */
  TWINFE_CK(TwinfeSpaceGetLocalVolume(b, &v[0]));
  TWINFE_CK(TwinfeSpaceGetLocalVolume(moved, &v[1]));
  MPI_Allreduce(MPI_IN_PLACE, v, 2, MPIU_REAL, MPIU_SUM, PETSC_COMM_WORLD);
  ck_assert_double_eq_tol(v[0], 6.0, 1e-12);
  ck_assert_double_eq_tol(v[1], 48.0, 1e-11);
  TWINFE_CK(TwinfeSpaceDestroy(&b));
  TWINFE_CK(TwinfeSpaceDestroy(&moved));
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

START_TEST(test_quadrature_and_basis)
{
  PetscInt   n;
  PetscReal *xi, *w, sum = 0, x2 = 0, B[10], D[30], pu = 0, xi1[3] = {0.2, 0.3, 0.1};

  TWINFE_CK(TwinfeQuadratureCreate(3, 4, &n, &xi, &w));
  for (PetscInt q = 0; q < n; ++q) {
    sum += w[q];
    x2 += w[q] * xi[3 * q] * xi[3 * q] * xi[3 * q + 1] * xi[3 * q + 1];
  }
  /* exact: volume 1/6 and int x^2 y^2 = 2!2!/7! = 1/1260 over the unit tet; round-off only */
  ck_assert_double_eq_tol(sum, 1.0 / 6, 1e-14);
  ck_assert_double_eq_tol(x2, 1.0 / 1260, 1e-14);
  TWINFE_CK(PetscFree2(xi, w));
  /* P2 basis: partition of unity and gradients summing to zero */
  TWINFE_CK(TwinfeTabulateLagrange(2, 1, xi1, B, D));
  for (PetscInt a = 0; a < 10; ++a)
    pu += B[a];
  ck_assert_double_eq_tol(pu, 1.0, 1e-14);
  for (PetscInt k = 0; k < 3; ++k) {
    PetscReal g = 0;
    for (PetscInt a = 0; a < 10; ++a)
      g += D[3 * a + k];
    ck_assert_double_eq_tol(g, 0.0, 1e-13);
  }
  TWINFE_CK_FAILS(TwinfeTabulateLagrange(3, 1, xi1, B, D));
}
END_TEST

/* A non-symmetric coupling of every dof pair (values and gradients, all fields): any mistake in
   the COO ordering or the cell-to-dof map shows up as a different matrix. */
static PetscErrorCode TestKernel(const TwinfeElement *e, PetscScalar K[], void *ctx)
{
  PetscFunctionBeginUser;
  (void)ctx;
  for (PetscInt q = 0; q < e->nq; ++q)
    for (PetscInt f = 0; f < e->nfields; ++f)
      for (PetscInt a = 0; a < e->nbasis[f]; ++a)
        for (PetscInt i = 0; i < e->ncomp[f]; ++i)
          for (PetscInt g = 0; g < e->nfields; ++g)
            for (PetscInt b = 0; b < e->nbasis[g]; ++b)
              for (PetscInt j = 0; j < e->ncomp[g]; ++j) {
                PetscInt         row = e->offset[f] + a * e->ncomp[f] + i, col = e->offset[g] + b * e->ncomp[g] + j;
                const PetscReal *da = &e->D[f][(q * e->nbasis[f] + a) * 3], *db = &e->D[g][(q * e->nbasis[g] + b) * 3];
                K[row * e->ndof + col] +=
                    e->w[q] * (e->B[f][q * e->nbasis[f] + a] * e->B[g][q * e->nbasis[g] + b] * (1 + i + 2 * j) +
                               da[i % 3] * db[(j + 1) % 3] + 0.5 * e->x[3 * q] * da[0] * db[0]);
              }
  PetscFunctionReturn(0);
}

/* A and B hold the same columns in every owned row: exactly, not only up to round-off. */
static void CheckSamePattern(Mat A, Mat B)
{
  PetscInt rStart, rEnd;

  TWINFE_CK(MatGetOwnershipRange(A, &rStart, &rEnd));
  for (PetscInt r = rStart; r < rEnd; ++r) {
    PetscInt        na, nb;
    const PetscInt *ca, *cb;
    TWINFE_CK(MatGetRow(A, r, &na, &ca, NULL));
    TWINFE_CK(MatGetRow(B, r, &nb, &cb, NULL));
    ck_assert_int_eq(na, nb);
    for (PetscInt k = 0; k < na; ++k)
      ck_assert_int_eq(ca[k], cb[k]);
    TWINFE_CK(MatRestoreRow(B, r, &nb, &cb, NULL));
    TWINFE_CK(MatRestoreRow(A, r, &na, &ca, NULL));
  }
}

/* The space's matrix has DMCreateMatrix's pattern on the space's DM (its PetscSection couples
   the closure of each point's star: the same dof pairs as the element pattern), and
   assembling it twice gives the same values bit for bit. */
static void CheckAgainstDMCreateMatrix(TwinfeSpace s, Mat A)
{
  DM        sdm;
  Mat       D, A1;
  PetscBool same;

  TWINFE_CK(TwinfeSpaceGetDM(s, &sdm));
  TWINFE_CK(DMSetMatType(sdm, MATAIJ));
  TWINFE_CK(DMCreateMatrix(sdm, &D));
  TWINFE_CK(MatAssemblyBegin(D, MAT_FINAL_ASSEMBLY));
  TWINFE_CK(MatAssemblyEnd(D, MAT_FINAL_ASSEMBLY));
  CheckSamePattern(A, D);
  TWINFE_CK(TwinfeSpaceCreateMatrix(s, &A1));
  TWINFE_CK(TwinfeSpaceAssembleMatrix(s, 4, NULL, TestKernel, NULL, A1));
  CheckSamePattern(A, A1);
  TWINFE_CK(MatEqual(A, A1, &same));
  ck_assert(same);
  TWINFE_CK(MatDestroy(&A1));
  TWINFE_CK(MatDestroy(&D));
}

/* The assembled matrix of a space equals element blocks added one by one by MatSetValuesLocal. */
static void CheckAgainstNaive(PetscInt nfields, const PetscInt deg[], const PetscInt comp[])
{
  DM                     dm = Box(2, 2, 1, 1, 1, 0.5), sdm;
  TwinfeSpace            s;
  PetscInt               ncells, nd, nlocal;
  PetscInt               dofs[64];
  PetscScalar           *blocks;
  Mat                    A, N, A0;
  PetscReal              diff, ref;
  Vec                    g;
  ISLocalToGlobalMapping ltog;

  TWINFE_CK(TwinfeSpaceCreate(dm, nfields, deg, comp, &s));
  TWINFE_CK(TwinfeSpaceCreateMatrix(s, &A));
  TWINFE_CK(TwinfeSpaceAssembleMatrix(s, 4, NULL, TestKernel, NULL, A));
  CheckAgainstDMCreateMatrix(s, A);
  TWINFE_CK(TwinfeSpaceGetSizes(s, &ncells, &nd));
  ck_assert_int_le(nd, 64);
  TWINFE_CK(PetscMalloc1(ncells * nd * nd, &blocks));
  TWINFE_CK(TwinfeSpaceEvaluateCells(s, 4, NULL, TestKernel, NULL, nd * nd, blocks));
  TWINFE_CK(TwinfeSpaceGetDM(s, &sdm));
  TWINFE_CK(DMCreateGlobalVector(sdm, &g));
  TWINFE_CK(VecGetLocalSize(g, &nlocal));
  TWINFE_CK(MatCreateAIJ(PETSC_COMM_WORLD, nlocal, nlocal, PETSC_DETERMINE, PETSC_DETERMINE, 200, NULL, 200, NULL, &N));
  TWINFE_CK(DMGetLocalToGlobalMapping(sdm, &ltog));
  TWINFE_CK(MatSetLocalToGlobalMapping(N, ltog, ltog));
  for (PetscInt c = 0; c < ncells; ++c) {
    TWINFE_CK(TwinfeSpaceGetCellDofs(s, c, dofs));
    TWINFE_CK(MatSetValuesLocal(N, nd, dofs, nd, dofs, &blocks[c * nd * nd], ADD_VALUES));
  }
  TWINFE_CK(MatAssemblyBegin(N, MAT_FINAL_ASSEMBLY));
  TWINFE_CK(MatAssemblyEnd(N, MAT_FINAL_ASSEMBLY));
  CheckSamePattern(A, N); /* no entry more or less than the element blocks touch */
  TWINFE_CK(MatNorm(N, NORM_FROBENIUS, &ref));
  TWINFE_CK(MatAXPY(N, -1.0, A, DIFFERENT_NONZERO_PATTERN));
  TWINFE_CK(MatNorm(N, NORM_FROBENIUS, &diff));
  /* same sums in a different order: round-off only */
  ck_assert_double_le(diff, 1e-13 * ref);
  ck_assert_double_gt(ref, 1e-3);
  /* re-assembly after zeroing constrained rows restores the same values (pattern kept) */
  TWINFE_CK(MatDuplicate(A, MAT_COPY_VALUES, &A0));
  TWINFE_CK(TwinfeSpaceAddDirichlet(s, 1, 0, (1 << comp[0]) - 1, NULL, NULL, NULL));
  TWINFE_CK(TwinfeSpaceApplyDirichletToMatrix(s, 1.0, A));
  TWINFE_CK(MatAXPY(A0, -1.0, A, SAME_NONZERO_PATTERN));
  TWINFE_CK(MatNorm(A0, NORM_FROBENIUS, &diff));
  ck_assert_double_gt(diff, 1e-3 * ref);                /* the zeroing changed the matrix */
  TWINFE_CK(MatAXPY(A0, 1.0, A, SAME_NONZERO_PATTERN)); /* A0 is the original again */
  TWINFE_CK(TwinfeSpaceAssembleMatrix(s, 4, NULL, TestKernel, NULL, A));
  TWINFE_CK(MatAXPY(A0, -1.0, A, SAME_NONZERO_PATTERN));
  TWINFE_CK(MatNorm(A0, NORM_FROBENIUS, &diff));
  ck_assert_double_le(diff, 1e-13 * ref);
  TWINFE_CK(MatDestroy(&A0));
  TWINFE_CK_FAILS(TwinfeSpaceAddDirichlet(s, 77, 0, 7, NULL, NULL, NULL)); /* no face has tag 77 */
  TWINFE_CK(PetscFree(blocks));
  TWINFE_CK(VecDestroy(&g));
  TWINFE_CK(MatDestroy(&A));
  TWINFE_CK(MatDestroy(&N));
  TWINFE_CK(TwinfeSpaceDestroy(&s));
  TWINFE_CK(DMDestroy(&dm));
}

START_TEST(test_coo_matches_naive)
{
  const PetscInt taylor_hood_deg[2] = {2, 1}, taylor_hood_comp[2] = {3, 1}, one[1] = {1}, two[1] = {2}, three[1] = {3};
  CheckAgainstNaive(2, taylor_hood_deg, taylor_hood_comp); /* two fields, nodes of 3 and 1 dofs */
  CheckAgainstNaive(1, one, three);                        /* elasticity P1: the unrolled path */
  CheckAgainstNaive(1, two, three);                        /* elasticity P2 */
  CheckAgainstNaive(1, two, one);                          /* scalar P2 */
}
END_TEST

static PetscErrorCode UnitTraction(const TwinfeFaceElement *f, PetscScalar r[], void *ctx)
{
  PetscFunctionBeginUser;
  (void)ctx;
  for (PetscInt q = 0; q < f->nq; ++q)
    for (PetscInt a = 0; a < f->nbasis[0]; ++a)
      r[a] += f->w[q] * f->B[0][q * f->nbasis[0] + a] * f->normal[2];
  PetscFunctionReturn(0);
}

START_TEST(test_face_integral)
{
  /* int over z = 1 (tag 6) of n_z * sum of basis = area = X*Y, outward normal +z; on z = 0 it is -area. */
  DM          dm = Box(2, 3, 2, 2.0, 1.5, 1.0), sdm;
  TwinfeSpace s;
  PetscInt    deg[1] = {2}, comp[1] = {1}, count;
  Vec         F;
  PetscScalar total;

  TWINFE_CK(TwinfeSpaceCreate(dm, 1, deg, comp, &s));
  TWINFE_CK(TwinfeSpaceGetDM(s, &sdm));
  TWINFE_CK(DMCreateGlobalVector(sdm, &F));
  TWINFE_CK(VecZeroEntries(F));
  TWINFE_CK(TwinfeSpaceAssembleFaceVector(s, 6, 2, NULL, UnitTraction, NULL, F));
  TWINFE_CK(VecSum(F, &total));
  ck_assert_double_eq_tol(total, 3.0, 1e-12);
  TWINFE_CK(VecZeroEntries(F));
  TWINFE_CK(TwinfeSpaceAssembleFaceVector(s, 5, 2, NULL, UnitTraction, NULL, F));
  TWINFE_CK(VecSum(F, &total));
  ck_assert_double_eq_tol(total, -3.0, 1e-12);
  TWINFE_CK(TwinfeSpaceGetFaceCount(s, 6, &count));
  ck_assert_int_eq(count, 2 * 2 * 3);
  TWINFE_CK(VecDestroy(&F));
  TWINFE_CK(TwinfeSpaceDestroy(&s));
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

START_TEST(test_bad_input)
{
  DM          dm     = Box(1, 1, 1, 1, 1, 1);
  TwinfeSpace s      = NULL;
  PetscInt    deg[1] = {3}, comp[1] = {1};
  TWINFE_CK_FAILS(TwinfeSpaceCreate(dm, 1, deg, comp, &s));
  ck_assert_ptr_null(s);
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

/* Kernels that fail on the third cell or face they see (ctx counts them). */
static PetscErrorCode FailingCellKernel(const TwinfeElement *e, PetscScalar r[], void *ctx)
{
  PetscInt *seen = (PetscInt *)ctx;
  PetscFunctionBeginUser;
  (void)e, (void)r;
  PetscCheck(++*seen < 3, PETSC_COMM_SELF, PETSC_ERR_USER, "kernel refused element %" PetscInt_FMT " on purpose", *seen);
  PetscFunctionReturn(0);
}

static PetscErrorCode FailingFaceKernel(const TwinfeFaceElement *f, PetscScalar r[], void *ctx)
{
  PetscFunctionBeginUser;
  PetscCall(FailingCellKernel((const TwinfeElement *)NULL, r, ctx));
  (void)f;
  PetscFunctionReturn(0);
}

/* call (a loop running a failing kernel with ctx &seen) gives back the kernel's error and message. */
#define CK_KERNEL_ERROR(call)                                                                                                    \
  do {                                                                                                                           \
    PetscErrorCode ck_e_;                                                                                                        \
    const char    *ck_m_;                                                                                                        \
    seen = 0;                                                                                                                    \
    twinfe_test_capture_errors_begin();                                                                                          \
    ck_e_ = (call);                                                                                                              \
    ck_m_ = twinfe_test_capture_errors_end();                                                                                    \
    ck_assert_msg(ck_e_ == PETSC_ERR_USER, "%s returned %d, not the kernel's error", #call, (int)ck_e_);                         \
    ck_assert_msg(strstr(ck_m_, "refused element 3 on purpose"), "%s: message \"%s\"", #call, ck_m_);                            \
    ck_assert_int_eq(seen, 3);                                                                                                   \
  } while (0)

/* Every element loop stops at a kernel's error and returns it having released what it holds:
   a leak fails the test under -malloc_dump, and a state vector left checked out would make the
   assembly after it fail. The box is whole on every rank (PETSC_COMM_SELF), so every rank fails
   at the same cell. */
START_TEST(test_kernel_error_releases)
{
  DM           dm   = NULL, sdm;
  PetscInt     n[3] = {2, 2, 2}, deg = 2, comp = 3, seen, ncells, nd, nfaces = -1, *faces = NULL;
  PetscReal    lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1}, sum, *values = NULL;
  PetscScalar *cells;
  TwinfeSpace  s;
  Mat          A, D;
  Vec          U, F;

  TWINFE_CK(TwinfeCreateBoxTetMesh(PETSC_COMM_SELF, n, lo, hi, &dm));
  TWINFE_CK(TwinfeSpaceCreate(dm, 1, &deg, &comp, &s));
  TWINFE_CK(TwinfeSpaceGetDM(s, &sdm));
  TWINFE_CK(TwinfeSpaceGetSizes(s, &ncells, &nd));
  TWINFE_CK(DMCreateGlobalVector(sdm, &U));
  TWINFE_CK(VecDuplicate(U, &F));
  TWINFE_CK(VecSet(U, 1.0));
  TWINFE_CK(TwinfeSpaceCreateMatrix(s, &A));
  TWINFE_CK(DMSetMatType(sdm, MATAIJ));
  TWINFE_CK(DMCreateMatrix(sdm, &D)); /* not the space's matrix: refused before any cell */
  TWINFE_CK(PetscMalloc1(ncells * nd * nd, &cells));
  CK_KERNEL_ERROR(TwinfeSpaceAssembleMatrix(s, 2, U, FailingCellKernel, &seen, A));
  {
    PetscErrorCode refused;
    const char    *message;
    seen = 0;
    twinfe_test_capture_errors_begin();
    refused = TwinfeSpaceAssembleMatrix(s, 2, U, FailingCellKernel, &seen, D);
    message = twinfe_test_capture_errors_end();
    ck_assert_int_eq(refused, PETSC_ERR_ARG_WRONG);
    ck_assert_int_eq(seen, 0);
    ck_assert_msg(strstr(message, "not made by TwinfeSpaceCreateMatrix"), "message: %s", message);
  }
  CK_KERNEL_ERROR(TwinfeSpaceAssembleVector(s, 2, U, FailingCellKernel, &seen, F));
  CK_KERNEL_ERROR(TwinfeSpaceEvaluateCells(s, 2, U, FailingCellKernel, &seen, nd, cells));
  CK_KERNEL_ERROR(TwinfeSpaceAssembleFaceVector(s, 6, 2, U, FailingFaceKernel, &seen, F));
  CK_KERNEL_ERROR(TwinfeSpaceIntegrateFaces(s, 6, 2, U, FailingFaceKernel, &seen, 1, &sum));
  CK_KERNEL_ERROR(TwinfeSpaceEvaluateFaces(s, 6, 2, U, FailingFaceKernel, &seen, 1, &nfaces, &faces, &values));
  ck_assert_int_eq(nfaces, 0);
  ck_assert_ptr_null(faces);
  ck_assert_ptr_null(values);
  /* the space works on: its state vector and matrix arrays were given back */
  TWINFE_CK(TwinfeSpaceAssembleMatrix(s, 4, U, TestKernel, NULL, A));
  TWINFE_CK(TwinfeSpaceEvaluateCells(s, 4, U, TestKernel, NULL, nd * nd, cells));
  TWINFE_CK(TwinfeSpaceAssembleFaceVector(s, 6, 2, U, UnitTraction, NULL, F));
  TWINFE_CK(PetscFree(cells));
  TWINFE_CK(MatDestroy(&A));
  TWINFE_CK(MatDestroy(&D));
  TWINFE_CK(VecDestroy(&U));
  TWINFE_CK(VecDestroy(&F));
  TWINFE_CK(TwinfeSpaceDestroy(&s));
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

/* Small-strain elasticity with a mass term (lambda 2, mu 1): symmetric as a whole, though a
   block coupling two nodes is not (lambda g_a g_b^T + mu g_b g_a^T). */
static PetscErrorCode SymmetricKernel(const TwinfeElement *e, PetscScalar K[], void *ctx)
{
  const PetscReal lambda = 2, mu = 1;

  PetscFunctionBeginUser;
  (void)ctx;
  for (PetscInt q = 0; q < e->nq; ++q)
    for (PetscInt a = 0; a < e->nbasis[0]; ++a)
      for (PetscInt b = 0; b < e->nbasis[0]; ++b) {
        const PetscReal *da = &e->D[0][(q * e->nbasis[0] + a) * 3], *db = &e->D[0][(q * e->nbasis[0] + b) * 3];
        const PetscReal  dot  = da[0] * db[0] + da[1] * db[1] + da[2] * db[2];
        const PetscReal  mass = e->B[0][q * e->nbasis[0] + a] * e->B[0][q * e->nbasis[0] + b];
        for (PetscInt i = 0; i < 3; ++i)
          for (PetscInt j = 0; j < 3; ++j)
            K[(3 * a + i) * e->ndof + 3 * b + j] +=
                e->w[q] * (lambda * da[i] * db[j] + mu * (da[j] * db[i] + (i == j) * dot) + (i == j) * mass);
      }
  PetscFunctionReturn(0);
}

/* ||S - A|| / ||A|| for S the symmetric matrix converted to AIJ, and the same for S x - A x. */
static void SymmetricAgainstFull(Mat S, Mat A, PetscReal *mat_diff, PetscReal *mult_diff)
{
  Mat       C;
  Vec       x, ya, ys;
  PetscReal ref;

  TWINFE_CK(MatConvert(S, MATAIJ, MAT_INITIAL_MATRIX, &C));
  TWINFE_CK(MatNorm(A, NORM_FROBENIUS, &ref));
  TWINFE_CK(MatAXPY(C, -1.0, A, DIFFERENT_NONZERO_PATTERN));
  TWINFE_CK(MatNorm(C, NORM_FROBENIUS, mat_diff));
  *mat_diff /= ref;
  TWINFE_CK(MatDestroy(&C));
  TWINFE_CK(MatCreateVecs(A, &x, &ya));
  TWINFE_CK(VecDuplicate(ya, &ys));
  {
    PetscInt     lo, hi;
    PetscScalar *v;
    TWINFE_CK(VecGetOwnershipRange(x, &lo, &hi));
    TWINFE_CK(VecGetArray(x, &v));
    for (PetscInt k = lo; k < hi; ++k)
      v[k - lo] = PetscSinReal(0.37 * (PetscReal)k) + 0.1 * (PetscReal)(k % 7);
    TWINFE_CK(VecRestoreArray(x, &v));
  }
  TWINFE_CK(MatMult(A, x, ya));
  TWINFE_CK(MatMult(S, x, ys));
  TWINFE_CK(VecNorm(ya, NORM_2, &ref));
  TWINFE_CK(VecAXPY(ys, -1.0, ya));
  TWINFE_CK(VecNorm(ys, NORM_2, mult_diff));
  *mult_diff /= ref;
  TWINFE_CK(VecDestroy(&x));
  TWINFE_CK(VecDestroy(&ya));
  TWINFE_CK(VecDestroy(&ys));
}

/* The symmetric matrix (its upper triangle in 3x3 blocks: SeqSBAIJ on one rank, MPISBAIJ on
   several) holds the full AIJ's values, multiplies alike, takes the Dirichlet rows and columns
   as MatZeroRowsColumns does, is filled again alike, and is usable after a failed kernel; on
   several ranks, values changed outside its assembly (MatScale) are refused, not zeroed stale. */
START_TEST(test_symmetric_matrix)
{
  DM          dm  = Box(3, 2, 2, 1, 0.8, 0.6);
  PetscInt    deg = 1, comp = 3, seen;
  TwinfeSpace s;
  Mat         A, S, S0;
  PetscReal   mat_diff, mult_diff;
  PetscMPIInt size;
  PetscBool   upper;

  TWINFE_CK(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  TWINFE_CK(TwinfeSpaceCreate(dm, 1, &deg, &comp, &s));
  TWINFE_CK(TwinfeSpaceCreateMatrix(s, &A));
  TWINFE_CK(TwinfeSpaceCreateSymmetricMatrix(s, &S));
  TWINFE_CK(PetscObjectTypeCompare((PetscObject)S, size == 1 ? MATSEQSBAIJ : MATMPISBAIJ, &upper));
  ck_assert_msg(upper, "a P1 vector space's symmetric matrix is SBAIJ on %d ranks", (int)size);
  TWINFE_CK(TwinfeSpaceAssembleMatrix(s, 2, NULL, SymmetricKernel, NULL, A));
  TWINFE_CK(TwinfeSpaceAssembleMatrix(s, 2, NULL, SymmetricKernel, NULL, S));
  SymmetricAgainstFull(S, A, &mat_diff, &mult_diff);
  PetscPrintf(PETSC_COMM_WORLD, "symmetric matrix on %d ranks: off the full one by %.1e, its product by %.1e\n", (int)size,
              (double)mat_diff, (double)mult_diff);
  ck_assert_double_le(mat_diff, 1e-14);
  ck_assert_double_le(mult_diff, 1e-14);
  TWINFE_CK(MatDuplicate(S, MAT_COPY_VALUES, &S0));
  TWINFE_CK(TwinfeSpaceAddDirichlet(s, 1, 0, 5, NULL, NULL, NULL)); /* x and z held on face 1 */
  TWINFE_CK(TwinfeSpaceApplyDirichletToMatrix(s, 3.0, A));
  TWINFE_CK(TwinfeSpaceApplyDirichletToMatrix(s, 3.0, S));
  SymmetricAgainstFull(S, A, &mat_diff, &mult_diff);
  ck_assert_double_le(mat_diff, 1e-14);
  ck_assert_double_le(mult_diff, 1e-14);
  SymmetricAgainstFull(S0, A, &mat_diff, &mult_diff);
  ck_assert_double_gt(mat_diff, 1e-2); /* the rows and columns were zeroed */
  seen = 0;
  twinfe_test_capture_errors_begin();
  ck_assert_int_eq(TwinfeSpaceAssembleMatrix(s, 2, NULL, FailingCellKernel, &seen, S), PETSC_ERR_USER);
  (void)twinfe_test_capture_errors_end();
  TWINFE_CK(TwinfeSpaceAssembleMatrix(s, 2, NULL, SymmetricKernel, NULL, S));
  TWINFE_CK(MatEqual(S, S0, &upper));
  ck_assert_msg(upper, "filled again, the symmetric matrix has the same values bit for bit");
  if (size > 1) { /* the off-diagonal block is a copy of PETSc's: values changed behind it are refused */
    PetscErrorCode ierr;
    TWINFE_CK(MatScale(S, 2.0));
    twinfe_test_capture_errors_begin();
    ierr = TwinfeSpaceApplyDirichletToMatrix(s, 3.0, S);
    (void)twinfe_test_capture_errors_end();
    ck_assert_int_eq(ierr, PETSC_ERR_ARG_WRONGSTATE);
    TWINFE_CK(TwinfeSpaceAssembleMatrix(s, 2, NULL, SymmetricKernel, NULL, S));
    TWINFE_CK(TwinfeSpaceApplyDirichletToMatrix(s, 3.0, S));
  }
  TWINFE_CK(MatDestroy(&S0));
  TWINFE_CK(MatDestroy(&S));
  TWINFE_CK(MatDestroy(&A));
  TWINFE_CK(TwinfeSpaceDestroy(&s));
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

/* The Frobenius norm of the coarsest operator of a PCMG. */
static PetscReal CoarsestNorm(PC pc)
{
  KSP       smoother;
  Mat       A;
  PetscReal norm;
  TWINFE_CK(PCMGGetSmoother(pc, 0, &smoother));
  TWINFE_CK(KSPGetOperators(smoother, &A, NULL));
  TWINFE_CK(MatNorm(A, NORM_FROBENIUS, &norm));
  return norm;
}

/* A multigrid over an AIJ operator (one rank: PETSc's products, which keep their data to redo the
   numeric phase; several: ours) has its product data released, and is then given the operator
   again with new values: the levels are made afresh (without it, redoing a product whose data
   is gone fails), and the coarsest is twice the old one for twice the operator. */
START_TEST(test_multigrid_products_released)
{
  DM              coarse = Box(3, 2, 2, 1, 0.8, 0.6), fine;
  PetscInt        deg = 1, comp = 3, nlevels;
  TwinfeSpace     s;
  TwinfeMultigrid mg;
  Mat             A;
  PC              pc;
  PetscReal       before, after;

  TWINFE_CK(TwinfePartitionRefine(coarse, 2, &fine));
  TWINFE_CK(TwinfeSpaceCreate(fine, 1, &deg, &comp, &s));
  TWINFE_CK(TwinfeMultigridCreate(s, fine, &mg));
  TWINFE_CK(TwinfeMultigridGetLevels(mg, &nlevels));
  ck_assert_int_eq(nlevels, 3);
  TWINFE_CK(TwinfeSpaceCreateMatrix(s, &A));
  TWINFE_CK(TwinfeSpaceAssembleMatrix(s, 2, NULL, SymmetricKernel, NULL, A));
  TWINFE_CK(PCCreate(PETSC_COMM_WORLD, &pc));
  TWINFE_CK(TwinfeMultigridSetUpPC(mg, pc));
  TWINFE_CK(TwinfeMultigridSetOperator(mg, A, pc));
  before = CoarsestNorm(pc);
  TWINFE_CK(TwinfeMultigridReleaseProducts(pc));
  ck_assert_int_eq(twinfe_test_levels_keeping_products(pc, nlevels), 0);
  TWINFE_CK(MatScale(A, 2.0));
  TWINFE_CK(TwinfeMultigridSetOperator(mg, A, pc));
  after = CoarsestNorm(pc);
  PetscPrintf(PETSC_COMM_WORLD, "multigrid set again after its products were released: coarsest operator times %.15f\n",
              (double)(after / before));
  ck_assert_double_eq_tol(after / before, 2.0, 1e-12);
  TWINFE_CK(PCDestroy(&pc));
  TWINFE_CK(MatDestroy(&A));
  TWINFE_CK(TwinfeMultigridDestroy(&mg));
  TWINFE_CK(TwinfeSpaceDestroy(&s));
  TWINFE_CK(DMDestroy(&fine));
  TWINFE_CK(DMDestroy(&coarse));
}
END_TEST

/* 1 + x + 2y + 3z + k: a value per vertex and component that no other vertex shares. */
static PetscScalar VertexValue(const PetscScalar *x, PetscInt k)
{
  return 1 + x[0] + 2 * x[1] + 3 * x[2] + 10 * k;
}

/* The vertex values of field 0 of a P2 (and P1) space land at their vertices in the vertex
   vector, and no edge value does: edge dofs hold -1 and a stray one would show. */
static void CheckVertexCopy(PetscInt degree)
{
  DM                 dm = Box(2, 2, 1, 1, 1, 0.5), sdm, vdm, cdm;
  TwinfeSpace        s;
  PetscInt           deg[2] = {degree, 1}, comp[2] = {3, 1}, vStart, vEnd;
  PetscSection       ssec, vsec, csec;
  Vec                U, Ul, V, Vl, X;
  PetscScalar       *u;
  const PetscScalar *v, *x;

  TWINFE_CK(TwinfeSpaceCreate(dm, 2, deg, comp, &s));
  TWINFE_CK(TwinfeSpaceGetDM(s, &sdm));
  TWINFE_CK(DMGetCoordinatesLocal(dm, &X));
  TWINFE_CK(DMGetCoordinateDM(dm, &cdm));
  TWINFE_CK(DMGetLocalSection(cdm, &csec));
  TWINFE_CK(DMGetLocalSection(sdm, &ssec));
  TWINFE_CK(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  TWINFE_CK(DMCreateGlobalVector(sdm, &U));
  TWINFE_CK(DMCreateLocalVector(sdm, &Ul));
  TWINFE_CK(VecSet(Ul, -1.0));
  TWINFE_CK(VecGetArray(Ul, &u));
  TWINFE_CK(VecGetArrayRead(X, &x));
  for (PetscInt p = vStart; p < vEnd; ++p) {
    PetscInt so, co;
    TWINFE_CK(PetscSectionGetFieldOffset(ssec, p, 0, &so));
    TWINFE_CK(PetscSectionGetOffset(csec, p, &co));
    for (PetscInt k = 0; k < 3; ++k)
      u[so + k] = VertexValue(&x[co], k);
  }
  TWINFE_CK(VecRestoreArray(Ul, &u));
  TWINFE_CK(DMLocalToGlobal(sdm, Ul, INSERT_VALUES, U));
  TWINFE_CK(TwinfeSpaceCreateVertexVector(s, 0, &vdm, &V));
  TWINFE_CK(TwinfeSpaceCopyVertexValues(s, 0, U, vdm, V));
  TWINFE_CK(DMGetLocalSection(vdm, &vsec));
  TWINFE_CK(DMCreateLocalVector(vdm, &Vl));
  TWINFE_CK(DMGlobalToLocal(vdm, V, INSERT_VALUES, Vl));
  TWINFE_CK(VecGetArrayRead(Vl, &v));
  for (PetscInt p = vStart; p < vEnd; ++p) {
    PetscInt vo, co, nd;
    TWINFE_CK(PetscSectionGetDof(vsec, p, &nd));
    ck_assert_int_eq(nd, 3);
    TWINFE_CK(PetscSectionGetOffset(vsec, p, &vo));
    TWINFE_CK(PetscSectionGetOffset(csec, p, &co));
    for (PetscInt k = 0; k < 3; ++k) /* a copy: exact */
      ck_assert_double_eq(PetscRealPart(v[vo + k]), PetscRealPart(VertexValue(&x[co], k)));
  }
  TWINFE_CK(VecRestoreArrayRead(Vl, &v));
  TWINFE_CK(VecRestoreArrayRead(X, &x));
  TWINFE_CK_FAILS(TwinfeSpaceCreateVertexVector(s, 2, &vdm, &V)); /* the space has fields 0 and 1 */
  TWINFE_CK(VecDestroy(&Vl));
  TWINFE_CK(VecDestroy(&V));
  TWINFE_CK(DMDestroy(&vdm));
  TWINFE_CK(VecDestroy(&Ul));
  TWINFE_CK(VecDestroy(&U));
  TWINFE_CK(TwinfeSpaceDestroy(&s));
  TWINFE_CK(DMDestroy(&dm));
}

START_TEST(test_vertex_copy)
{
  CheckVertexCopy(2);
  CheckVertexCopy(1);
}
END_TEST

/* int grad phi_a . grad phi_b, one component, any degree. */
static PetscErrorCode LaplaceKernel(const TwinfeElement *e, PetscScalar K[], void *ctx)
{
  const PetscInt nb = e->nbasis[0];
  (void)ctx;
  for (PetscInt q = 0; q < e->nq; ++q) {
    const PetscReal *D = &e->D[0][q * nb * 3];
    for (PetscInt a = 0; a < nb; ++a)
      for (PetscInt b = 0; b < nb; ++b)
        K[a * nb + b] += e->w[q] * (D[3 * a] * D[3 * b] + D[3 * a + 1] * D[3 * b + 1] + D[3 * a + 2] * D[3 * b + 2]);
  }
  return 0;
}

/* The P1-in-P2 embedding. (1) It carries the P1 nodal values of a linear field (the
   coordinates, three components) to its P2 nodal values exactly. (2) P1 lies in P2, so the
   Galerkin product P^T K2 P of the P2 Laplacian is the P1 Laplacian. Measured on 1-3 ranks:
   differences of 1e-16 and 1e-15 relative; a wrong edge node or a column of the wrong rank
   gives differences of order 1. */
START_TEST(test_prolongation)
{
  DM          dm = Box(3, 2, 2, 1.0, 0.7, 0.9);
  TwinfeSpace p1, p2, s1, s2;
  PetscInt    one = 1, two = 2, three = 3;
  Mat         P, P3, K1, K2, G;
  Vec         x1, x2, y2;
  PetscReal   diff, size;

  TWINFE_CK(TwinfeSpaceCreate(dm, 1, &one, &three, &p1));
  TWINFE_CK(TwinfeSpaceCreate(dm, 1, &two, &three, &p2));
  TWINFE_CK(TwinfeSpaceCreateProlongation(p1, p2, &P3));
  TWINFE_CK(TwinfeSpaceCreateNodeCoordinates(p1, 0, &x1));
  TWINFE_CK(TwinfeSpaceCreateNodeCoordinates(p2, 0, &x2));
  TWINFE_CK(VecDuplicate(x2, &y2));
  TWINFE_CK(MatMult(P3, x1, y2));
  TWINFE_CK(VecNorm(x2, NORM_INFINITY, &size));
  TWINFE_CK(VecAXPY(y2, -1.0, x2));
  TWINFE_CK(VecNorm(y2, NORM_INFINITY, &diff));
  PetscPrintf(PETSC_COMM_WORLD, "P x1 against x2: %.2e of %.3g\n", (double)diff, (double)size);
  ck_assert_double_lt(diff, 1e-14 * size);

  TWINFE_CK(TwinfeSpaceCreate(dm, 1, &one, &one, &s1));
  TWINFE_CK(TwinfeSpaceCreate(dm, 1, &two, &one, &s2));
  TWINFE_CK(TwinfeSpaceCreateProlongation(s1, s2, &P));
  TWINFE_CK(TwinfeSpaceCreateMatrix(s1, &K1));
  TWINFE_CK(TwinfeSpaceCreateMatrix(s2, &K2));
  TWINFE_CK(TwinfeSpaceAssembleMatrix(s1, 0, NULL, LaplaceKernel, NULL, K1));
  TWINFE_CK(TwinfeSpaceAssembleMatrix(s2, 2, NULL, LaplaceKernel, NULL, K2));
  TWINFE_CK(MatPtAP(K2, P, MAT_INITIAL_MATRIX, PETSC_DEFAULT, &G));
  TWINFE_CK(MatNorm(K1, NORM_FROBENIUS, &size));
  TWINFE_CK(MatAXPY(G, -1.0, K1, DIFFERENT_NONZERO_PATTERN));
  TWINFE_CK(MatNorm(G, NORM_FROBENIUS, &diff));
  PetscPrintf(PETSC_COMM_WORLD, "P^T K2 P against K1: %.2e of %.3g\n", (double)diff, (double)size);
  ck_assert_double_lt(diff, 1e-13 * size);

  /* a P2 space cannot be the coarse one */
  twinfe_test_capture_errors_begin();
  ck_assert_int_ne(TwinfeSpaceCreateProlongation(s2, s1, &G), 0);
  ck_assert_ptr_nonnull(strstr(twinfe_test_capture_errors_end(), "must be below"));

  TWINFE_CK(MatDestroy(&G));
  TWINFE_CK(MatDestroy(&K1));
  TWINFE_CK(MatDestroy(&K2));
  TWINFE_CK(MatDestroy(&P));
  TWINFE_CK(MatDestroy(&P3));
  TWINFE_CK(VecDestroy(&x1));
  TWINFE_CK(VecDestroy(&x2));
  TWINFE_CK(VecDestroy(&y2));
  TWINFE_CK(TwinfeSpaceDestroy(&p1));
  TWINFE_CK(TwinfeSpaceDestroy(&p2));
  TWINFE_CK(TwinfeSpaceDestroy(&s1));
  TWINFE_CK(TwinfeSpaceDestroy(&s2));
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

/* v = (x y, y z + 1, x^2 - z) from the node coordinates in v (three per node). */
static void MakeQuadratic(Vec v)
{
  PetscScalar *a;
  PetscInt     n;
  TWINFE_CK(VecGetLocalSize(v, &n));
  TWINFE_CK(VecGetArray(v, &a));
  for (PetscInt i = 0; i < n; i += 3) {
    const PetscScalar x = a[i], y = a[i + 1], z = a[i + 2];
    a[i] = x * y, a[i + 1] = y * z + 1, a[i + 2] = x * x - z;
  }
  TWINFE_CK(VecRestoreArray(v, &a));
}

/* |a - b|_inf relative to |b|_inf. */
static PetscReal RelativeDifference(Vec a, Vec b)
{
  Vec       d;
  PetscReal diff, size;
  TWINFE_CK(VecDuplicate(a, &d));
  TWINFE_CK(VecWAXPY(d, -1.0, b, a));
  TWINFE_CK(VecNorm(d, NORM_INFINITY, &diff));
  TWINFE_CK(VecNorm(b, NORM_INFINITY, &size));
  TWINFE_CK(VecDestroy(&d));
  return diff / size;
}

/* A field carried between two meshes of one box that are not nested (3x2x2 and 5x4x3 cells):
   a quadratic velocity in P2 arrives exactly (every fine node lies in a coarse cell), and the
   Taylor-Hood pair (P2 velocity, P1 pressure) carries linear fields exactly, on 1-3 ranks.
   Measured: 1e-16-1e-15 relative; a wrong cell, reference point or node order gives order 1.
   Onto a box 2% larger, nodes outside take the nearest point's value: a linear field of slope
   1 is then off by at most the distance outside (0.02 x 1.0 here, the largest side). */
START_TEST(test_interpolate_between_meshes)
{
  DM          coarse = Box(3, 2, 2, 1.0, 0.7, 0.9), fine = Box(5, 4, 3, 1.0, 0.7, 0.9), larger = Box(4, 3, 3, 1.02, 0.714, 0.918);
  PetscInt    two = 2, three = 3, th_degree[2] = {2, 1}, th_comp[2] = {3, 1};
  TwinfeSpace pc, pf, thc, thf, thl;
  Vec         xc, xf, got, xc_th, xf_th, xl_th, p_c, p_f;
  PetscReal   diff;

  TWINFE_CK(TwinfeSpaceCreate(coarse, 1, &two, &three, &pc));
  TWINFE_CK(TwinfeSpaceCreate(fine, 1, &two, &three, &pf));
  TWINFE_CK(TwinfeSpaceCreateNodeCoordinates(pc, 0, &xc));
  TWINFE_CK(TwinfeSpaceCreateNodeCoordinates(pf, 0, &xf));
  MakeQuadratic(xc);
  MakeQuadratic(xf);
  {
    DM dmf;
    TWINFE_CK(TwinfeSpaceGetDM(pf, &dmf));
    TWINFE_CK(DMCreateGlobalVector(dmf, &got));
  }
  TWINFE_CK(TwinfeSpaceInterpolate(pc, xc, pf, got));
  diff = RelativeDifference(got, xf);
  PetscPrintf(PETSC_COMM_WORLD, "quadratic P2 field, coarse to fine mesh: %.2e\n", (double)diff);
  ck_assert_double_lt(diff, 1e-13);

  /* Taylor-Hood: velocity = the coordinates, pressure = x (what CreateNodeCoordinates puts in
     each field's slots), both fields at once */
  TWINFE_CK(TwinfeSpaceCreate(coarse, 2, th_degree, th_comp, &thc));
  TWINFE_CK(TwinfeSpaceCreate(fine, 2, th_degree, th_comp, &thf));
  TWINFE_CK(TwinfeSpaceCreate(larger, 2, th_degree, th_comp, &thl));
  TWINFE_CK(TwinfeSpaceCreateNodeCoordinates(thc, 0, &xc_th));
  TWINFE_CK(TwinfeSpaceCreateNodeCoordinates(thc, 1, &p_c));
  TWINFE_CK(VecAXPY(xc_th, 1.0, p_c));
  TWINFE_CK(TwinfeSpaceCreateNodeCoordinates(thf, 0, &xf_th));
  TWINFE_CK(TwinfeSpaceCreateNodeCoordinates(thf, 1, &p_f));
  TWINFE_CK(VecAXPY(xf_th, 1.0, p_f));
  TWINFE_CK(VecZeroEntries(p_f));
  TWINFE_CK(TwinfeSpaceInterpolate(thc, xc_th, thf, p_f));
  diff = RelativeDifference(p_f, xf_th);
  PetscPrintf(PETSC_COMM_WORLD, "Taylor-Hood linear fields, coarse to fine mesh: %.2e\n", (double)diff);
  ck_assert_double_lt(diff, 1e-13);

  TWINFE_CK(TwinfeSpaceCreateNodeCoordinates(thl, 0, &xl_th));
  {
    Vec p_l;
    TWINFE_CK(TwinfeSpaceCreateNodeCoordinates(thl, 1, &p_l));
    TWINFE_CK(VecAXPY(xl_th, 1.0, p_l));
    TWINFE_CK(VecZeroEntries(p_l));
    TWINFE_CK(TwinfeSpaceInterpolate(thc, xc_th, thl, p_l));
    TWINFE_CK(VecAXPY(p_l, -1.0, xl_th));
    TWINFE_CK(VecNorm(p_l, NORM_INFINITY, &diff));
    PetscPrintf(PETSC_COMM_WORLD, "onto a box 2%% larger: largest difference %.4f mm\n", (double)diff);
    ck_assert_double_le(diff, 0.02 * 1.0 + 1e-12);
    ck_assert_double_gt(diff, 0.005); /* the nodes outside did not get exact (extrapolated) values */
    TWINFE_CK(VecDestroy(&p_l));
  }

  /* fields that do not match are refused */
  twinfe_test_capture_errors_begin();
  ck_assert_int_ne(TwinfeSpaceInterpolate(pc, xc, thf, p_f), 0);
  ck_assert_ptr_nonnull(strstr(twinfe_test_capture_errors_end(), "same fields"));

  TWINFE_CK(VecDestroy(&xc));
  TWINFE_CK(VecDestroy(&xf));
  TWINFE_CK(VecDestroy(&got));
  TWINFE_CK(VecDestroy(&xc_th));
  TWINFE_CK(VecDestroy(&xf_th));
  TWINFE_CK(VecDestroy(&xl_th));
  TWINFE_CK(VecDestroy(&p_c));
  TWINFE_CK(VecDestroy(&p_f));
  TWINFE_CK(TwinfeSpaceDestroy(&pc));
  TWINFE_CK(TwinfeSpaceDestroy(&pf));
  TWINFE_CK(TwinfeSpaceDestroy(&thc));
  TWINFE_CK(TwinfeSpaceDestroy(&thf));
  TWINFE_CK(TwinfeSpaceDestroy(&thl));
  TWINFE_CK(DMDestroy(&coarse));
  TWINFE_CK(DMDestroy(&fine));
  TWINFE_CK(DMDestroy(&larger));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("fem_space");
  TCase *tc = tcase_create("space");
  tcase_add_test(tc, test_dof_counts);
  tcase_add_test(tc, test_volume);
  tcase_add_test(tc, test_spaces_share_cells);
  tcase_add_test(tc, test_quadrature_and_basis);
  tcase_add_test(tc, test_coo_matches_naive);
  tcase_add_test(tc, test_face_integral);
  tcase_add_test(tc, test_bad_input);
  tcase_add_test(tc, test_vertex_copy);
  tcase_add_test(tc, test_kernel_error_releases);
  tcase_add_test(tc, test_symmetric_matrix);
  tcase_add_test(tc, test_prolongation);
  tcase_add_test(tc, test_multigrid_products_released);
  tcase_add_test(tc, test_interpolate_between_meshes);
  suite_add_tcase(s, tc);
  return s;
}
