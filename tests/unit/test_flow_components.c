/* The PC "twinfe_components" (libtwinfe/physics/flow_components.c) solves with the lower block
 * triangle of a matrix in its interleaved components, and nothing else.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A nonsymmetric matrix of NODES nodes per rank, 3 components each, coupling every component of
 * a node with every component of its neighbours (across ranks too). Its lower block triangle L
 * (A_ij for component j <= i) and upper U are made alongside; the PC's answer y must satisfy
 * L y = x to the component solvers' tolerance, and U y = x must fail (the test can tell the two
 * triangles apart). Run on 1 rank and (tests/CMakeLists.txt) on 2 and 3. */
#include "twinfe_test.h"

#include <petscksp.h>
#include <twinfe/flow.h>

#define NODES 40
#define NC 3

typedef enum { WHOLE, LOWER, UPPER } Part;

/* A deterministic, nonsymmetric entry; diagonal dominance keeps each A_ii well conditioned. */
static PetscScalar Entry(PetscInt row, PetscInt col)
{
  if (row == col) return 20.0 + (row % 7);
  return PetscSinReal(0.37 * (PetscReal)row + 1.3 * (PetscReal)col);
}

static PetscBool Kept(Part part, PetscInt row, PetscInt col)
{
  if (part == LOWER) return col % NC <= row % NC;
  if (part == UPPER) return col % NC >= row % NC;
  return PETSC_TRUE;
}

static Mat Matrix(Part part, PetscInt bs)
{
  Mat      A;
  PetscInt nodes, start, end;

  TWINFE_CK(MatCreateAIJ(PETSC_COMM_WORLD, NC * NODES, NC * NODES, PETSC_DETERMINE, PETSC_DETERMINE, 9, NULL, 6, NULL, &A));
  TWINFE_CK(MatSetBlockSize(A, bs));
  TWINFE_CK(MatGetSize(A, &nodes, NULL));
  nodes /= NC;
  TWINFE_CK(MatGetOwnershipRange(A, &start, &end));
  for (PetscInt row = start; row < end; ++row) {
    const PetscInt node = row / NC;
    for (PetscInt d = -1; d <= 1; ++d)
      for (PetscInt c = 0; c < NC; ++c) {
        const PetscInt col = NC * ((node + d + nodes) % nodes) + c;
        if (Kept(part, row, col)) TWINFE_CK(MatSetValue(A, row, col, Entry(row, col), INSERT_VALUES));
      }
  }
  TWINFE_CK(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  TWINFE_CK(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  return A;
}

static PC ComponentsPC(Mat A)
{
  PC pc;
  TWINFE_CK(TwinfePCRegisterComponents());
  TWINFE_CK(PetscOptionsSetValue(NULL, "-t_component_ksp_type", "gmres"));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-t_component_ksp_rtol", "1e-13"));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-t_component_pc_type", "jacobi"));
  TWINFE_CK(PCCreate(PETSC_COMM_WORLD, &pc));
  TWINFE_CK(PCSetOptionsPrefix(pc, "t_"));
  TWINFE_CK(PCSetType(pc, TWINFE_PC_COMPONENTS));
  TWINFE_CK(PCSetOperators(pc, A, A));
  return pc;
}

/* |M y - x| / |x| */
static PetscReal Residual(Mat M, Vec y, Vec x)
{
  Vec       r;
  PetscReal rn, xn;
  TWINFE_CK(VecDuplicate(x, &r));
  TWINFE_CK(MatMult(M, y, r));
  TWINFE_CK(VecAXPY(r, -1.0, x));
  TWINFE_CK(VecNorm(r, NORM_2, &rn));
  TWINFE_CK(VecNorm(x, NORM_2, &xn));
  TWINFE_CK(VecDestroy(&r));
  return rn / xn;
}

START_TEST(test_solves_the_lower_block_triangle)
{
  Mat A = Matrix(WHOLE, NC), L = Matrix(LOWER, NC), U = Matrix(UPPER, NC);
  PC  pc = ComponentsPC(A);
  Vec x, y;

  TWINFE_CK(MatCreateVecs(A, &y, &x));
  TWINFE_CK(VecSetRandom(x, NULL));
  TWINFE_CK(PCSetUp(pc));
  TWINFE_CK(PCApply(pc, x, y));
  ck_assert_msg(Residual(L, y, x) < 1e-10, "|L y - x| / |x| = %g", (double)Residual(L, y, x));
  ck_assert_msg(Residual(U, y, x) > 1e-3, "|U y - x| / |x| = %g: the test cannot tell the triangles apart",
                (double)Residual(U, y, x));

  /* new values in the same pattern: the set-up refills its blocks (A and L both doubled) */
  TWINFE_CK(MatScale(A, 2.0));
  TWINFE_CK(MatScale(L, 2.0));
  TWINFE_CK(PCSetUp(pc));
  TWINFE_CK(PCApply(pc, x, y));
  ck_assert_msg(Residual(L, y, x) < 1e-10, "after new values: |L y - x| / |x| = %g", (double)Residual(L, y, x));

  TWINFE_CK(VecDestroy(&x));
  TWINFE_CK(VecDestroy(&y));
  TWINFE_CK(PCDestroy(&pc));
  TWINFE_CK(MatDestroy(&A));
  TWINFE_CK(MatDestroy(&L));
  TWINFE_CK(MatDestroy(&U));
}
END_TEST

START_TEST(test_refuses_a_matrix_without_components)
{
  Mat A  = Matrix(WHOLE, 1);
  PC  pc = ComponentsPC(A);
  TWINFE_CK_FAILS(PCSetUp(pc));
  TWINFE_CK(PCDestroy(&pc));
  TWINFE_CK(MatDestroy(&A));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("flow_components");
  TCase *tc = tcase_create("components");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_solves_the_lower_block_triangle);
  tcase_add_test(tc, test_refuses_a_matrix_without_components);
  suite_add_tcase(s, tc);
  return s;
}
