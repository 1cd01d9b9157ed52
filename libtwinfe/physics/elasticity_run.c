/* Linear elasticity as a physics the case drives: materials per region from the options, the
 * clamps (clamp.c), gravity, the solve, and two states in the results series.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "physics_impl.h"
#include "core/core_impl.h"

#include <stdio.h>
#include <string.h>

typedef struct {
  TwinfeElasticity elasticity;
  TwinfeClampSet   clamp;
} Elastic;

/* Material of region i: -<name>_E, -<name>_nu, -<name>_density, else -E, -nu, -density. */
static PetscErrorCode ReadMaterial(TwinfePhysics c, PetscInt i, PetscReal *E, PetscReal *nu, PetscReal *density)
{
  char prefix[PETSC_MAX_PATH_LEN];
  PetscFunctionBegin;
  *E       = 5000.0; /* Pa: soft parenchyma such as liver is 2-10 kPa */
  *nu      = 0.45;   /* nearly incompressible tissue, kept below 0.5 for the pure displacement form */
  *density = 1.06e-3;
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-E", E, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-nu", nu, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-density", density, NULL));
  snprintf(prefix, sizeof prefix, "%s_", c->names[i]);
  PetscCall(PetscOptionsGetReal(NULL, prefix, "-E", E, NULL));
  PetscCall(PetscOptionsGetReal(NULL, prefix, "-nu", nu, NULL));
  PetscCall(PetscOptionsGetReal(NULL, prefix, "-density", density, NULL));
  PetscCheck(*E > 0, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Young's modulus of region '%s' (-%s_E) is %g Pa: it must be positive (soft tissue: 1e3 to 1e5 Pa)", c->names[i],
             c->names[i], (double)*E);
  PetscCheck(*nu > -1.0 && *nu < 0.5, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Poisson ratio of region '%s' (-%s_nu) is %g: it must lie in (-1, 0.5) (soft tissue: 0.40 to 0.49)", c->names[i],
             c->names[i], (double)*nu);
  PetscCheck(*density >= 0, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Density of region '%s' (-%s_density) is %g g/mm^3: it must not be negative (tissue: about 1.06e-3)", c->names[i],
             c->names[i], (double)*density);
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckOptions(TwinfePhysics c)
{
  PetscReal E, nu, density;
  PetscFunctionBegin;
  for (PetscInt i = 0; i < c->nregions; ++i)
    PetscCall(ReadMaterial(c, i, &E, &nu, &density));
  PetscFunctionReturn(0);
}

static PetscErrorCode Create(TwinfePhysics c)
{
  Elastic *e;
  PetscFunctionBegin;
  PetscCall(PetscNew(&e));
  c->data = e;
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy(TwinfePhysics c)
{
  Elastic *e = (Elastic *)c->data;
  PetscFunctionBegin;
  PetscCall(TwinfeElasticityDestroy(&e->elasticity));
  PetscCall(TwinfeClampSetDestroy_Private(&e->clamp));
  PetscCall(PetscFree(c->data));
  PetscFunctionReturn(0);
}

/* Clamps that cannot hold are refused here, on the serial mesh, before any work is spent. */
static PetscErrorCode Prepare(TwinfePhysics c, TwinfeMesh mesh)
{
  Elastic *e = (Elastic *)c->data;
  PetscFunctionBegin;
  PetscCall(TwinfeClampSetDestroy_Private(&e->clamp));
  PetscCall(TwinfeClampSetCreate_Private(c, mesh, &e->clamp));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp(TwinfePhysics c)
{
  Elastic              *e     = (Elastic *)c->data;
  const TwinfeClampSet *clamp = &e->clamp;
  PetscReal             g[3]  = {0.0, 9810.0, 0.0};
  PetscInt              ng    = 3;
  char                  key[256];
  PetscFunctionBegin;
  PetscCall(TwinfeElasticityCreate(c->dm, &e->elasticity));
  for (PetscInt i = 0; i < c->nregions; ++i) {
    PetscReal E, nu, density;
    PetscCall(ReadMaterial(c, i, &E, &nu, &density));
    PetscCall(TwinfeElasticitySetMaterial(e->elasticity, c->labels[i], E, nu, density));
    if (c->report) {
      snprintf(key, sizeof key, "materials.%s.E_Pa", c->names[i]);
      PetscCall(TwinfeReportSetReal(c->report, key, E));
      snprintf(key, sizeof key, "materials.%s.nu", c->names[i]);
      PetscCall(TwinfeReportSetReal(c->report, key, nu));
      snprintf(key, sizeof key, "materials.%s.density_g_per_mm3", c->names[i]);
      PetscCall(TwinfeReportSetReal(c->report, key, density));
    }
  }
  PetscCall(PetscOptionsGetRealArray(NULL, NULL, "-gravity", g, &ng, NULL));
  PetscCall(TwinfeElasticitySetGravity(e->elasticity, g));
  if (c->report) PetscCall(TwinfeReportSetRealArray(c->report, "boundary.gravity_mm_per_s2", 3, g));
  for (PetscInt b = 0; b < clamp->nboxes; ++b)
    PetscCall(TwinfeElasticityAddClamp(e->elasticity, clamp->box_tag[b], &clamp->boxes[6 * b]));
  PetscCall(TwinfeElasticitySetFromOptions(e->elasticity));
  PetscFunctionReturn(0);
}

static PetscErrorCode Solve(TwinfePhysics c)
{
  Elastic    *e        = (Elastic *)c->data;
  PetscReal   diagonal = e->clamp.mesh_diagonal_mm;
  PetscInt    iterations, unknowns;
  PetscReal   residual, max_mm;
  const char *reason;
  Vec         u;
  PetscFunctionBegin;
  PetscCall(TwinfeElasticitySolve(e->elasticity));
  PetscCall(TwinfeElasticityGetSolverInfo(e->elasticity, &iterations, &residual, &reason));
  PetscCall(TwinfeElasticityGetMaxDisplacement(e->elasticity, &max_mm));
  PetscCall(TwinfeElasticityGetSolution(e->elasticity, &u)); /* all unknowns, P2 edge dofs included */
  PetscCall(VecGetSize(u, &unknowns));
  if (c->report) {
    PetscCall(TwinfeReportSetInt(c->report, "solve.unknowns", unknowns));
    PetscCall(TwinfeReportSetInt(c->report, "solve.iterations", iterations));
    PetscCall(TwinfeReportSetReal(c->report, "solve.residual_norm", residual));
    PetscCall(TwinfeReportSetString(c->report, "solve.converged_reason", reason));
    PetscCall(TwinfeReportSetReal(c->report, "solve.max_displacement_mm", max_mm));
    PetscCall(TwinfeReportSetReal(c->report, "solve.max_displacement_over_mesh_diagonal", diagonal > 0 ? max_mm / diagonal : 0));
  }
  PetscCall(PetscPrintf(
      c->comm, "solve     linear elasticity: %" PetscInt_FMT " unknowns, %" PetscInt_FMT " iterations (%s), residual %.3e\n",
      unknowns, iterations, reason, (double)residual));
  PetscCall(PetscPrintf(c->comm, "          max displacement %.6g mm\n", (double)max_mm));
  /* Small-strain elasticity is only trustworthy while displacements stay small against the
     body: past 10% of its size, say so rather than let a planner read it as a prediction. */
  if (diagonal > 0 && max_mm > 0.1 * diagonal) {
    PetscCall(
        PetscPrintf(c->comm,
                    "          WARNING: the max displacement is %.0f%% of the mesh's size (%.4g mm): beyond what small-strain\n"
                    "          linear elasticity describes; hold more of the organ (-clamp_fraction) or stiffen it\n",
                    (double)(100 * max_mm / diagonal), (double)diagonal));
  }
  PetscFunctionReturn(0);
}

/* Two states: the unloaded organ at t = 0 (zero fields) and the solution at t = 1, so that
   ParaView's time slider and "Warp By Vector" show the deformation. */
static PetscErrorCode WriteStates(TwinfePhysics c, TwinfeResults results, Vec u, Vec vm, Vec stress, Vec u0, Vec vm0, Vec stress0)
{
  const char *pnames[] = {"displacement"}, *cnames[] = {"von_mises", "stress"};
  const Vec   p0[] = {u0}, c0[] = {vm0, stress0}, p1[] = {u}, c1[] = {vm, stress};
  PetscFunctionBegin;
  PetscCall(TwinfeResultsWriteState(results, 0.0, c->dm, 1, pnames, p0, 2, cnames, c0));
  PetscCall(TwinfeResultsWriteState(results, 1.0, c->dm, 1, pnames, p1, 2, cnames, c1));
  PetscFunctionReturn(0);
}

static PetscErrorCode Write(TwinfePhysics c, TwinfeResults results)
{
  Elastic       *e = (Elastic *)c->data;
  DM             udm;
  Vec            u, u0 = NULL, vm = NULL, stress = NULL, vm0 = NULL, stress0 = NULL;
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(TwinfeElasticityGetDisplacement(e->elasticity, &udm, &u));
  PetscCall(TwinfeElasticityComputeStress(e->elasticity, &vm, &stress));
  ierr = VecDuplicate(u, &u0);
  if (!ierr) ierr = VecDuplicate(vm, &vm0);
  if (!ierr) ierr = VecDuplicate(stress, &stress0);
  if (!ierr) ierr = VecZeroEntries(u0);
  if (!ierr) ierr = VecZeroEntries(vm0);
  if (!ierr) ierr = VecZeroEntries(stress0);
  if (!ierr) ierr = WriteStates(c, results, u, vm, stress, u0, vm0, stress0);
  PetscCall(VecDestroy(&u0));
  PetscCall(VecDestroy(&vm0));
  PetscCall(VecDestroy(&stress0));
  PetscCall(VecDestroy(&vm));
  PetscCall(VecDestroy(&stress));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

const TwinfePhysicsOps TwinfePhysicsOps_Elasticity = {
    .name          = "elasticity",
    .fields        = "displacement and von Mises stress",
    .create        = Create,
    .check_options = CheckOptions,
    .prepare       = Prepare,
    .set_up        = SetUp,
    .solve         = Solve,
    .write         = Write,
    .destroy       = Destroy,
};
