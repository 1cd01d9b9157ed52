/* PCFIELDSPLIT from the options alone, on a Taylor-Hood space (P2 velocity, P1 pressure): the
 * space's DM gives each field's dofs and name, a KSP given that DM splits by field.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The box [0,1]^3 of 2^3 hexes (6 tets each): 27 vertices, so the P1 pressure has 27 dofs and
 * the P2 velocity 3 x 125 (every node of the 5^3 lattice of vertices and edge midpoints). Run
 * on 1 rank and (tests/CMakeLists.txt) on 2. */
#include "twinfe_test.h"

#include <petscksp.h>
#include <twinfe/fem.h>
#include <twinfe/partition.h>

#define NV 27   /* vertices */
#define NP2 125 /* P2 nodes: vertices and edges */

static TwinfeSpace TaylorHood(DM *mesh)
{
  const PetscInt  n[3] = {2, 2, 2}, degree[2] = {2, 1}, ncomp[2] = {3, 1};
  const PetscReal lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1};
  TwinfeSpace     space;
  TWINFE_CK(TwinfeCreateBoxTetMesh(PETSC_COMM_WORLD, n, lo, hi, mesh));
  TWINFE_CK(TwinfeSpaceCreate(*mesh, 2, degree, ncomp, &space));
  TWINFE_CK(TwinfeSpaceSetFieldName(space, 0, "velocity"));
  TWINFE_CK(TwinfeSpaceSetFieldName(space, 1, "pressure"));
  return space;
}

/* A mass matrix per field, no coupling: block diagonal, SPD. */
static PetscErrorCode MassKernel(const TwinfeElement *e, PetscScalar K[], void *ctx)
{
  (void)ctx;
  for (PetscInt f = 0; f < e->nfields; ++f)
    for (PetscInt q = 0; q < e->nq; ++q)
      for (PetscInt a = 0; a < e->nbasis[f]; ++a)
        for (PetscInt b = 0; b < e->nbasis[f]; ++b)
          for (PetscInt c = 0; c < e->ncomp[f]; ++c) {
            const PetscInt i = e->offset[f] + a * e->ncomp[f] + c, j = e->offset[f] + b * e->ncomp[f] + c;
            K[i * e->ndof + j] += e->w[q] * e->B[f][q * e->nbasis[f] + a] * e->B[f][q * e->nbasis[f] + b];
          }
  return 0;
}

START_TEST(test_field_decomposition)
{
  DM          mesh, sdm;
  TwinfeSpace space = TaylorHood(&mesh);
  PetscInt    nf, size[2], total, n;
  char      **names;
  IS         *is, all;
  DM         *dms;
  Vec         U;

  TWINFE_CK(TwinfeSpaceGetDM(space, &sdm));
  TWINFE_CK(DMCreateFieldDecomposition(sdm, &nf, &names, &is, &dms));
  ck_assert_int_eq(nf, 2);
  ck_assert_str_eq(names[0], "velocity");
  ck_assert_str_eq(names[1], "pressure");
  for (PetscInt f = 0; f < 2; ++f)
    TWINFE_CK(ISGetSize(is[f], &size[f]));
  ck_assert_int_eq(size[0], 3 * NP2);
  ck_assert_int_eq(size[1], NV);
  /* together they are every dof, each once */
  TWINFE_CK(DMCreateGlobalVector(sdm, &U));
  TWINFE_CK(VecGetSize(U, &total));
  ck_assert_int_eq(size[0] + size[1], total);
  TWINFE_CK(ISConcatenate(PETSC_COMM_WORLD, 2, is, &all));
  TWINFE_CK(ISSortRemoveDups(all));
  TWINFE_CK(ISGetSize(all, &n));
  ck_assert_int_eq(n, total);
  TWINFE_CK(ISDestroy(&all));
  for (PetscInt f = 0; f < 2; ++f) {
    TWINFE_CK(PetscFree(names[f]));
    TWINFE_CK(ISDestroy(&is[f]));
    if (dms) TWINFE_CK(DMDestroy(&dms[f]));
  }
  TWINFE_CK(PetscFree(names));
  TWINFE_CK(PetscFree(is));
  TWINFE_CK(PetscFree(dms));
  TWINFE_CK(VecDestroy(&U));
  TWINFE_CK(TwinfeSpaceDestroy(&space));
  TWINFE_CK(DMDestroy(&mesh));
}
END_TEST

/* -pc_type fieldsplit from options, the splits named by the fields; the block-diagonal system
   is solved (u = 1 everywhere). */
START_TEST(test_fieldsplit_from_options)
{
  DM                 mesh, sdm;
  TwinfeSpace        space = TaylorHood(&mesh);
  Mat                A;
  Vec                U, B, one;
  KSP                ksp, *sub;
  PC                 pc;
  PetscInt           nsub, its, rows[2];
  PetscReal          err;
  const char        *prefix;
  KSPConvergedReason reason;

  TWINFE_CK(TwinfeSpaceGetDM(space, &sdm));
  TWINFE_CK(TwinfeSpaceCreateMatrix(space, &A));
  TWINFE_CK(TwinfeSpaceAssembleMatrix(space, 4, NULL, MassKernel, NULL, A));
  TWINFE_CK(DMCreateGlobalVector(sdm, &U));
  TWINFE_CK(VecDuplicate(U, &B));
  TWINFE_CK(VecDuplicate(U, &one));
  TWINFE_CK(VecSet(one, 1.0));
  TWINFE_CK(MatMult(A, one, B));
  TWINFE_CK(KSPCreate(PETSC_COMM_WORLD, &ksp));
  TWINFE_CK(KSPSetOptionsPrefix(ksp, "ths_"));
  TWINFE_CK(KSPSetDM(ksp, sdm));
  TWINFE_CK(KSPSetDMActive(ksp, PETSC_FALSE));
  TWINFE_CK(KSPSetOperators(ksp, A, A));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-ths_ksp_type", "cg"));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-ths_ksp_rtol", "1e-12"));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-ths_pc_type", "fieldsplit"));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-ths_pc_fieldsplit_type", "additive"));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-ths_fieldsplit_velocity_pc_type", "jacobi"));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-ths_fieldsplit_pressure_pc_type", "jacobi"));
  TWINFE_CK(KSPSetFromOptions(ksp));
  TWINFE_CK(KSPSolve(ksp, B, U));
  TWINFE_CK(KSPGetConvergedReason(ksp, &reason));
  TWINFE_CK(KSPGetIterationNumber(ksp, &its));
  TWINFE_CK(VecAXPY(U, -1.0, one));
  TWINFE_CK(VecNorm(U, NORM_INFINITY, &err));
  PetscPrintf(PETSC_COMM_WORLD, "fieldsplit (additive, jacobi per field): %d CG iterations, max error %.2e\n", (int)its,
              (double)err);
  ck_assert_msg(reason > 0 && err < 1e-8, "fieldsplit solve: reason %d, error %g", (int)reason, (double)err);
  TWINFE_CK(KSPGetPC(ksp, &pc));
  TWINFE_CK(PCFieldSplitGetSubKSP(pc, &nsub, &sub));
  ck_assert_int_eq(nsub, 2);
  for (PetscInt f = 0; f < 2; ++f) {
    Mat Af;
    TWINFE_CK(KSPGetOptionsPrefix(sub[f], &prefix));
    ck_assert_str_eq(prefix, f == 0 ? "ths_fieldsplit_velocity_" : "ths_fieldsplit_pressure_");
    TWINFE_CK(KSPGetOperators(sub[f], &Af, NULL));
    TWINFE_CK(MatGetSize(Af, &rows[f], NULL));
  }
  ck_assert_int_eq(rows[0], 3 * NP2);
  ck_assert_int_eq(rows[1], NV);
  TWINFE_CK(PetscFree(sub));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-ths_ksp_type"));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-ths_ksp_rtol"));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-ths_pc_type"));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-ths_pc_fieldsplit_type"));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-ths_fieldsplit_velocity_pc_type"));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-ths_fieldsplit_pressure_pc_type"));
  TWINFE_CK(KSPDestroy(&ksp));
  TWINFE_CK(VecDestroy(&U));
  TWINFE_CK(VecDestroy(&B));
  TWINFE_CK(VecDestroy(&one));
  TWINFE_CK(MatDestroy(&A));
  TWINFE_CK(TwinfeSpaceDestroy(&space));
  TWINFE_CK(DMDestroy(&mesh));
}
END_TEST

START_TEST(test_bad_field_names)
{
  DM          mesh;
  TwinfeSpace space = TaylorHood(&mesh);
  TWINFE_CK_FAILS(TwinfeSpaceSetFieldName(space, 2, "temperature"));
  TWINFE_CK_FAILS(TwinfeSpaceSetFieldName(space, 0, "wall shear"));
  TWINFE_CK_FAILS(TwinfeSpaceSetFieldName(space, 0, ""));
  TWINFE_CK(TwinfeSpaceDestroy(&space));
  TWINFE_CK(DMDestroy(&mesh));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("fem_fieldsplit");
  TCase *tc = tcase_create("fieldsplit");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_field_decomposition);
  tcase_add_test(tc, test_fieldsplit_from_options);
  tcase_add_test(tc, test_bad_field_names);
  suite_add_tcase(s, tc);
  return s;
}
