/* What TwinfeSpace keeps and allocates for its matrices, measured with PETSc's malloc tracing
 * (ctest runs every test with -malloc_debug -malloc_dump), on a Taylor-Hood space:
 * - the space keeps no copy of its matrices' column indices once they exist;
 * - on one rank, assembly sums into the matrix's own value array: no nonzero-sized temporary;
 * - a later matrix of the same space gets the same pattern and its own values;
 * - a matrix whose nonzero pattern changed is refused, not filled in the wrong order (one rank).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_test.h"

#include <twinfe/fem.h>
#include <twinfe/partition.h>

/* A non-symmetric coupling of every dof pair; ctx (may be NULL) scales it. */
static PetscErrorCode Kernel(const TwinfeElement *e, PetscScalar K[], void *ctx)
{
  const PetscReal s = ctx ? *(const PetscReal *)ctx : 1.0;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < e->nq; ++q)
    for (PetscInt f = 0; f < e->nfields; ++f)
      for (PetscInt a = 0; a < e->nbasis[f]; ++a)
        for (PetscInt g = 0; g < e->nfields; ++g)
          for (PetscInt b = 0; b < e->nbasis[g]; ++b) {
            const PetscReal *da = &e->D[f][(q * e->nbasis[f] + a) * 3], *db = &e->D[g][(q * e->nbasis[g] + b) * 3];
            const PetscReal  v =
                e->B[f][q * e->nbasis[f] + a] * e->B[g][q * e->nbasis[g] + b] + da[0] * db[1] + 0.1 * da[2] * db[2];
            for (PetscInt i = 0; i < e->ncomp[f]; ++i)
              for (PetscInt j = 0; j < e->ncomp[g]; ++j)
                K[(e->offset[f] + a * e->ncomp[f] + i) * e->ndof + e->offset[g] + b * e->ncomp[g] + j] +=
                    s * e->w[q] * v * (1 + i + 2 * j);
          }
  PetscFunctionReturn(0);
}

static PetscLogDouble Usage(void)
{
  PetscLogDouble u;
  TWINFE_CK(PetscMallocGetCurrentUsage(&u));
  return u;
}

static TwinfeSpace TaylorHood(DM *dm)
{
  const PetscInt  n[3] = {4, 4, 4}, degree[2] = {2, 1}, ncomp[2] = {3, 1};
  const PetscReal lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1};
  TwinfeSpace     space;
  TWINFE_CK(TwinfeCreateBoxTetMesh(PETSC_COMM_WORLD, n, lo, hi, dm));
  TWINFE_CK(TwinfeSpaceCreate(*dm, 2, degree, ncomp, &space));
  return space;
}

static PetscReal LocalNonzeros(Mat A)
{
  MatInfo info;
  TWINFE_CK(MatGetInfo(A, MAT_LOCAL, &info));
  return info.nz_used;
}

START_TEST(test_no_copy_of_the_columns)
{
  DM             dm;
  TwinfeSpace    s = TaylorHood(&dm);
  Mat            A, B, C;
  PetscLogDouble u0, u1, u2, u3, nnz, matrix, kept;
  PetscMPIInt    size;

  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  ck_assert_msg(Usage() > 0, "this test reads PETSc's malloc tracing: run it with -malloc_debug");
  u0 = Usage();
  TWINFE_CK(TwinfeSpaceCreateMatrix(s, &A));
  u1 = Usage();
  TWINFE_CK(MatDuplicate(A, MAT_DO_NOT_COPY_VALUES, &B));
  u2     = Usage();
  nnz    = LocalNonzeros(A);
  matrix = u2 - u1; /* the matrix's own arrays: what a duplicate costs */
  kept   = (u1 - u0) - matrix;
  /* The space keeps its row starts and the 14 x 14 node pairs of every cell (0.54 index per
     nonzero on this box, 0.46 at 549k unknowns); its columns would add one index per nonzero. */
  if (size == 1) { /* several ranks' matrices also hold PETSc's COO maps, which a duplicate lacks */
    ck_assert_msg(kept < 0.9 * nnz * sizeof(PetscInt), "the space keeps %.0f bytes for %.0f nonzeros", kept, nnz);
    ck_assert_double_gt(kept, 0.1 * nnz * sizeof(PetscInt)); /* the measure sees the pattern at all */
  }
  /* A second matrix: the columns are made again for it and dropped, so it costs what its
     duplicate does plus PETSc's objects around a new matrix (10 kB measured: its layouts and
     the space's mark), far below the columns' one index per nonzero. */
  TWINFE_CK(TwinfeSpaceCreateMatrix(s, &C));
  u3 = Usage();
  if (size == 1)
    ck_assert_msg(PetscAbsReal((u3 - u2) - matrix) < 0.05 * nnz * sizeof(PetscInt),
                  "a second matrix cost %.0f bytes, its duplicate %.0f", u3 - u2, matrix);
  TWINFE_CK(MatDestroy(&B));
  TWINFE_CK(MatDestroy(&C));
  TWINFE_CK(MatDestroy(&A));
  TWINFE_CK(TwinfeSpaceDestroy(&s));
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

/* Bytes allocated during one assembly of A above what was allocated before it. PETSc's tracing
   keeps only the high-water mark since the start, so a ballast first lifts the current use to
   that mark: then any block the assembly allocates raises it. */
static PetscLogDouble PeakDuringAssembly(TwinfeSpace s, Mat A)
{
  PetscLogDouble high, start, end;
  char          *ballast;
  TWINFE_CK(PetscMallocGetMaximumUsage(&high));
  TWINFE_CK(PetscMalloc1((size_t)(high - Usage()) + 1, &ballast));
  TWINFE_CK(PetscMallocGetMaximumUsage(&start));
  TWINFE_CK(TwinfeSpaceAssembleMatrix(s, 4, NULL, Kernel, NULL, A));
  TWINFE_CK(PetscMallocGetMaximumUsage(&end));
  TWINFE_CK(PetscFree(ballast));
  return end - start;
}

START_TEST(test_assembly_in_place)
{
  DM             dm;
  TwinfeSpace    s = TaylorHood(&dm);
  Mat            A, A0, C;
  PetscLogDouble before, peak, after;
  PetscReal      two = 2, nnz;
  PetscBool      same;
  PetscMPIInt    size;

  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  TWINFE_CK(TwinfeSpaceCreateMatrix(s, &A));
  TWINFE_CK(TwinfeSpaceAssembleMatrix(s, 4, NULL, Kernel, NULL, A)); /* makes the quadrature rule */
  TWINFE_CK(MatDuplicate(A, MAT_COPY_VALUES, &A0));
  nnz    = LocalNonzeros(A);
  before = Usage();
  peak   = PeakDuringAssembly(s, A);
  after  = Usage();
  /* One rank: element work arrays only (a few kB); a value array in pattern order would be
     8 bytes per nonzero (several ranks hand MatSetValuesCOO exactly that array). Checked on one
     rank only: a check failing on one rank of several would leave the others in a collective. */
  if (size == 1) {
    ck_assert_double_eq(after, before); /* nothing kept per assembly */
    ck_assert_msg(peak < 0.25 * nnz * sizeof(PetscScalar), "assembly took %.0f bytes more", peak);
  }
  /* Assembly replaces the values (not adds to them): bit for bit the same matrix again. */
  TWINFE_CK(MatEqual(A, A0, &same));
  ck_assert(same);
  /* A later matrix of the space: same pattern, its own values. */
  TWINFE_CK(TwinfeSpaceCreateMatrix(s, &C));
  TWINFE_CK(TwinfeSpaceAssembleMatrix(s, 4, NULL, Kernel, &two, C));
  TWINFE_CK(MatEqual(A, A0, &same));
  ck_assert(same); /* A untouched */
  TWINFE_CK(MatAXPY(C, -2.0, A, SAME_NONZERO_PATTERN));
  {
    PetscReal diff;
    TWINFE_CK(MatNorm(C, NORM_INFINITY, &diff));
    ck_assert_double_eq(diff, 0); /* 2 v - 2 v: the same sums in the same order, scaled exactly by 2 */
  }
  TWINFE_CK(MatDestroy(&C));
  TWINFE_CK(MatDestroy(&A0));
  TWINFE_CK(MatDestroy(&A));
  TWINFE_CK(TwinfeSpaceDestroy(&s));
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

/* A column of row r (global) that the matrix does not hold: the smallest one missing. */
static PetscInt MissingColumn(Mat A, PetscInt r)
{
  PetscInt        n, col = 0;
  const PetscInt *cols;
  TWINFE_CK(MatGetRow(A, r, &n, &cols, NULL));
  for (PetscInt k = 0; k < n && cols[k] == col; ++k)
    col++;
  TWINFE_CK(MatRestoreRow(A, r, &n, &cols, NULL));
  return col;
}

/* One rank only: the space checks the pattern before it writes A's value array in pattern
   order. (Several ranks go through MatSetValuesCOO; and there PETSc 3.18 corrupts its heap when
   a new nonzero is inserted into a COO-preallocated MPIAIJ: MatSetValues_MPIAIJ frees the
   off-diagonal block's arrays as if it had allocated them, measured on 3 ranks.) */
START_TEST(test_changed_pattern_refused)
{
  DM          dm;
  TwinfeSpace s = TaylorHood(&dm);
  Mat         A;
  PetscInt    N;
  PetscMPIInt size;

  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  if (size == 1) {
    PetscInt col;
    TWINFE_CK(TwinfeSpaceCreateMatrix(s, &A));
    TWINFE_CK(TwinfeSpaceAssembleMatrix(s, 4, NULL, Kernel, NULL, A));
    TWINFE_CK(MatGetSize(A, &N, NULL));
    col = MissingColumn(A, 0);
    ck_assert_int_lt(col, N);
    TWINFE_CK(MatSetOption(A, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_FALSE));
    TWINFE_CK(MatSetValue(A, 0, col, 1.0, INSERT_VALUES));
    TWINFE_CK(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
    TWINFE_CK(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
    TWINFE_CK_FAILS(TwinfeSpaceAssembleMatrix(s, 4, NULL, Kernel, NULL, A));
    TWINFE_CK(MatDestroy(&A));
  }
  TWINFE_CK(TwinfeSpaceDestroy(&s));
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("assembly_memory");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_no_copy_of_the_columns);
  tcase_add_test(tc, test_assembly_in_place);
  tcase_add_test(tc, test_changed_pattern_refused);
  suite_add_tcase(s, tc);
  return s;
}
