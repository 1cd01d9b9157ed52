/* Solve, release the solver (TwinfeElasticityReleaseSolver, as a case does before writing its
 * results), solve again: shared by the tests of the release on plain and refined meshes.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include "twinfe_test.h"

#include <twinfe/physics.h>

/* Two solves of el with its solver released after each. its: the iterations of each solve;
   after and reason: the iterations and converged reason the solver info reports after each
   release; diff and size: max |u_second - u_first| and max |u_first|. rtol > 0
   sets the Krylov tolerance of each solve's SNES (a new one after the release). */
static inline void SolveReleaseSolveTwice(TwinfeElasticity el, PetscReal rtol, PetscInt its[2], PetscInt after[2],
                                          const char *reason[2], PetscReal *diff, PetscReal *size)
{
  Vec u, first = NULL;

  for (PetscInt k = 0; k < 2; ++k) {
    if (rtol > 0) {
      SNES snes;
      KSP  ksp;
      TWINFE_CK(TwinfeElasticityGetSNES(el, &snes));
      TWINFE_CK(SNESGetKSP(snes, &ksp));
      TWINFE_CK(KSPSetTolerances(ksp, rtol, 1e-30, PETSC_DEFAULT, 1000));
    }
    TWINFE_CK(TwinfeElasticitySolve(el));
    TWINFE_CK(TwinfeElasticityGetSolverInfo(el, &its[k], NULL, NULL));
    TWINFE_CK(TwinfeElasticityGetSolution(el, &u));
    if (k == 0) TWINFE_CK(VecDuplicate(u, &first));
    if (k == 0) TWINFE_CK(VecCopy(u, first));
    TWINFE_CK(TwinfeElasticityReleaseSolver(el));
    TWINFE_CK(TwinfeElasticityGetSolverInfo(el, &after[k], NULL, &reason[k]));
  }
  TWINFE_CK(VecNorm(first, NORM_INFINITY, size));
  TWINFE_CK(VecAXPY(first, -1, u));
  TWINFE_CK(VecNorm(first, NORM_INFINITY, diff));
  TWINFE_CK(VecDestroy(&first));
}
