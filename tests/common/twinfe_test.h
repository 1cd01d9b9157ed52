/* Shared harness for libtwinfe's Check tests.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Each test file defines twinfe_test_suite(); the harness's main() initialises PETSc (and
 * MPI) once, runs the suite without forking (fork and MPI do not mix), and fails the program
 * on every rank if any rank failed. PETSc options given on the command line reach the code
 * under test. */
#pragma once
#include <check.h>
#include <petscsys.h>

Suite *twinfe_test_suite(void);

/* A PETSc call that must succeed. */
#define TWINFE_CK(call)                                                                                                          \
  do {                                                                                                                           \
    PetscErrorCode ck_ierr_ = (call);                                                                                            \
    ck_assert_msg(ck_ierr_ == 0, "%s failed with PETSc error %d", #call, (int)ck_ierr_);                                         \
  } while (0)

/* A PETSc call that must fail (its error message is silenced). */
#define TWINFE_CK_FAILS(call)                                                                                                    \
  do {                                                                                                                           \
    PetscErrorCode ck_ierr_;                                                                                                     \
    PetscPushErrorHandler(PetscReturnErrorHandler, NULL);                                                                        \
    ck_ierr_ = (call);                                                                                                           \
    PetscPopErrorHandler();                                                                                                      \
    ck_assert_msg(ck_ierr_ != 0, "%s succeeded but should have failed", #call);                                                  \
  } while (0)

/* A fresh, empty folder for this test program's files (removed first if it exists), one per
   rank count. */
const char *twinfe_test_work_dir(void);

/* Path of a file in tests/data (the real label maps, with their license). */
const char *twinfe_test_shared_data(const char *relative);
const char *twinfe_test_source_file(const char *relative);

#include <twinfe/mesh.h>
/* The unit cube split into n^3 cubes of 6 tets each (n even): region 1 for x < 0.5 and
   region 2 for x > 0.5; outer facets tagged 1 and 2, the interface x = 0.5 tagged 1002. */
PetscErrorCode twinfe_test_box_mesh(PetscInt n, TwinfeMesh *mesh);

#include <twinfe/fem.h>
/* norms[k] = sqrt(sum over every rank's cells of out[k]) for a kernel that ADDs nout (<= 4)
   integrals per cell (squared errors), with a rule exact for degree qorder: L2 and H1 error
   norms of a manufactured solution. Collective. */
void twinfe_test_cell_norms(TwinfeSpace space, PetscInt qorder, Vec u, TwinfeElementVectorKernel kernel, void *ctx, PetscInt nout,
                            PetscReal norms[]);

/* How many of the first nlevels levels of a multigrid pc (PCMG or PCGAMG) have an operator that
   keeps a product's data (what PETSc keeps to redo P^T A P). */
PetscInt twinfe_test_levels_keeping_products(PC pc, PetscInt nlevels);

#include <twinfe/physics.h>
/* The mean over every rank's mesh vertices where value(x, u, &v) is true of v, from the
   displacement u at vertex x; *count = how many vertices counted. Collective. */
PetscReal twinfe_test_vertex_mean(TwinfeElasticity el,
                                  PetscBool (*value)(const PetscReal x[3], const PetscReal u[3], PetscReal *v), PetscInt *count);
