/* Soft-tissue mechanics on a TwinfeSpace (P1 or P2 tets): the object, its materials, loads and
 * set-up. The kernels are in elasticity_kernels.c, the solve over load steps in
 * elasticity_steps.c, the material laws in elasticity_materials.c.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Small strain (every region's law linear): the stiffness is assembled once per set-up and each
 * load step is one linear solve (CG + GAMG). Finite strain: Newton's method per load step. */
#include "elasticity_impl.h"

PetscErrorCode TwinfeElasticityCreate(DM dm, TwinfeElasticity *elasticity)
{
  TwinfeElasticity e;
  PetscInt         dim;

  PetscFunctionBeginUser;
  PetscCall(DMGetDimension(dm, &dim));
  PetscCheck(dim == 3, PetscObjectComm((PetscObject)dm), PETSC_ERR_ARG_WRONG,
             "TwinfeElasticityCreate needs a 3D mesh, got dimension %" PetscInt_FMT, dim);
  PetscCall(PetscNew(&e));
  e->comm   = PetscObjectComm((PetscObject)dm);
  e->degree = 1;
  e->nsteps = 1;
  e->load   = 1;
  e->dirty  = PETSC_TRUE;
  PetscCall(PetscObjectReference((PetscObject)dm));
  e->dm = dm;
  PetscCall(PetscOptionsGetInt(NULL, "elasticity_", "-degree", &e->degree, NULL));
  PetscCheck(e->degree == 1 || e->degree == 2, e->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-elasticity_degree %" PetscInt_FMT " is not supported: use 1 (P1) or 2 (P2)", e->degree);
  *elasticity = e;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityDestroy(TwinfeElasticity *elasticity)
{
  TwinfeElasticity e;

  PetscFunctionBeginUser;
  if (!elasticity || !*elasticity) PetscFunctionReturn(0);
  e = *elasticity;
  PetscCall(PetscFree(e->materials));
  PetscCall(PetscFree(e->displacements));
  PetscCall(PetscFree(e->tractions));
  PetscCall(PetscFree(e->laws));
  PetscCall(PetscFree(e->cell_law));
  PetscCall(SNESDestroy(&e->snes));
  PetscCall(MatDestroy(&e->J));
  PetscCall(VecDestroy(&e->u));
  PetscCall(VecDestroy(&e->r));
  PetscCall(VecDestroy(&e->vertex_u));
  PetscCall(DMDestroy(&e->vertex_dm));
  PetscCall(TwinfeSpaceDestroy(&e->space));
  PetscCall(DMDestroy(&e->dm));
  PetscCall(PetscFree(e));
  *elasticity = NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticitySetDegree(TwinfeElasticity e, PetscInt degree)
{
  PetscFunctionBeginUser;
  PetscCheck(degree == 1 || degree == 2, e->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "elasticity degree %" PetscInt_FMT " is not supported: use 1 (P1) or 2 (P2)", degree);
  PetscCheck(!e->space || degree == e->degree, e->comm, PETSC_ERR_ORDER, "elasticity degree must be set before the first solve");
  e->degree = degree;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticitySetMaterial(TwinfeElasticity e, PetscInt region, PetscReal E, PetscReal nu, PetscReal density)
{
  TwinfeMaterial m;
  char           who[64];

  PetscFunctionBeginUser;
  snprintf(who, sizeof who, "region %" PetscInt_FMT, region);
  PetscCheck(PetscIsNormalReal(E) && E > 0, e->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: Young's modulus E = %g Pa is not allowed, it must be > 0", who, (double)E);
  PetscCheck(!PetscIsInfOrNanReal(nu) && nu > -1 && nu < 0.5, e->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: Poisson ratio nu = %g is not allowed, it must lie in (-1, 0.5)", who, (double)nu);
  PetscCheck(!PetscIsInfOrNanReal(density) && density >= 0, e->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: density %g g/mm^3 is not allowed, it must be >= 0", who, (double)density);
  PetscCall(TwinfeMaterialFromYoung(TWINFE_MATERIAL_LINEAR, E, nu, density, &m));
  PetscCall(TwinfeElasticitySetRegionMaterial(e, region, &m));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticitySetRegionMaterial(TwinfeElasticity e, PetscInt region, const TwinfeMaterial *m)
{
  char     who[64];
  PetscInt i;

  PetscFunctionBeginUser;
  snprintf(who, sizeof who, "region %" PetscInt_FMT, region);
  PetscCall(TwinfeMaterialCheck(m, who));
  for (i = 0; i < e->nmaterials; ++i)
    if (e->materials[i].region == region) break;
  if (i == e->nmaterials) {
    TwinfeRegionMaterial *list;
    PetscCall(PetscMalloc1(e->nmaterials + 1, &list));
    PetscCall(PetscArraycpy(list, e->materials, e->nmaterials));
    PetscCall(PetscFree(e->materials));
    e->materials = list;
    e->nmaterials++;
  }
  e->materials[i].region   = region;
  e->materials[i].material = *m;
  e->dirty                 = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticitySetLoadSteps(TwinfeElasticity e, PetscInt nsteps)
{
  PetscFunctionBeginUser;
  PetscCheck(nsteps >= 1 && nsteps <= 100000, e->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "elasticity load steps %" PetscInt_FMT " is out of range: give 1 to 100000", nsteps);
  e->nsteps = nsteps;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticitySetStepMonitor(TwinfeElasticity e, TwinfeElasticityStepMonitor monitor, void *ctx)
{
  PetscFunctionBeginUser;
  e->monitor     = monitor;
  e->monitor_ctx = ctx;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetNewtonInfo(TwinfeElasticity e, PetscInt *steps, PetscInt *newton, PetscInt *linear,
                                             PetscInt *cutbacks)
{
  PetscFunctionBeginUser;
  if (steps) *steps = e->steps_taken;
  if (newton) *newton = e->newton_its;
  if (linear) *linear = e->linear_its;
  if (cutbacks) *cutbacks = e->cutbacks;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityIsNonlinear(TwinfeElasticity e, PetscBool *nonlinear)
{
  PetscFunctionBeginUser;
  *nonlinear = PETSC_FALSE;
  for (PetscInt i = 0; i < e->nmaterials; ++i)
    if (e->materials[i].material.model != TWINFE_MATERIAL_LINEAR) *nonlinear = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticitySetGravity(TwinfeElasticity e, const PetscReal g[3])
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < 3; ++k)
    e->gravity[k] = g[k];
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticitySetBodyForce(TwinfeElasticity e, TwinfeVectorFunction fn, void *ctx)
{
  PetscFunctionBeginUser;
  e->body     = fn;
  e->body_ctx = ctx;
  PetscFunctionReturn(0);
}

static PetscErrorCode AppendDisplacement(TwinfeElasticity e, const TwinfeElasticityDisplacement *d)
{
  TwinfeElasticityDisplacement *list;

  PetscFunctionBeginUser;
  PetscCheck(d->mask >= 1 && d->mask <= 7, e->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "displacement on tag %" PetscInt_FMT ": component mask %" PetscInt_FMT " must be 1..7 (bit c = component c)", d->tag,
             d->mask);
  PetscCall(PetscMalloc1(e->ndisplacements + 1, &list));
  PetscCall(PetscArraycpy(list, e->displacements, e->ndisplacements));
  list[e->ndisplacements++] = *d;
  PetscCall(PetscFree(e->displacements));
  e->displacements = list;
  e->dirty         = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityAddClamp(TwinfeElasticity e, PetscInt tag, const PetscReal box[6])
{
  TwinfeElasticityDisplacement d = {tag, 7, PETSC_FALSE, {0, 0, 0, 0, 0, 0}, NULL, NULL};

  PetscFunctionBeginUser;
  if (box) {
    d.has_box = PETSC_TRUE;
    for (PetscInt k = 0; k < 6; ++k)
      d.box[k] = box[k];
  }
  PetscCall(AppendDisplacement(e, &d));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityAddDisplacement(TwinfeElasticity e, PetscInt tag, PetscInt mask, TwinfeVectorFunction fn,
                                               void *ctx)
{
  TwinfeElasticityDisplacement d = {tag, mask, PETSC_FALSE, {0, 0, 0, 0, 0, 0}, fn, ctx};

  PetscFunctionBeginUser;
  PetscCall(AppendDisplacement(e, &d));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityAddTraction(TwinfeElasticity e, PetscInt tag, const PetscReal t[3])
{
  TwinfeElasticityTraction *list;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(e->ntractions + 1, &list));
  PetscCall(PetscArraycpy(list, e->tractions, e->ntractions));
  list[e->ntractions].tag  = tag;
  list[e->ntractions].load = 1;
  for (PetscInt k = 0; k < 3; ++k)
    list[e->ntractions].t[k] = t[k];
  e->ntractions++;
  PetscCall(PetscFree(e->tractions));
  e->tractions = list;
  e->dirty     = PETSC_TRUE; /* the setup checks that the tag exists */
  PetscFunctionReturn(0);
}

/* ---- setup and solve ---------------------------------------------------------------------- */

static PetscErrorCode EnsureSpace(TwinfeElasticity e)
{
  PetscInt     degree[1] = {e->degree}, ncomp[1] = {3}, ncells;
  DM           sdm;
  Vec          coords;
  MatNullSpace nullsp;

  PetscFunctionBeginUser;
  if (e->space) PetscFunctionReturn(0);
  PetscCall(TwinfeSpaceCreate(e->dm, 1, degree, ncomp, &e->space));
  PetscCall(TwinfeSpaceGetDM(e->space, &sdm));
  PetscCall(DMCreateGlobalVector(sdm, &e->u));
  PetscCall(PetscObjectSetName((PetscObject)e->u, "displacement"));
  PetscCall(VecDuplicate(e->u, &e->r));
  PetscCall(TwinfeSpaceCreateMatrix(e->space, &e->J));
  /* Rigid-body modes from node coordinates in the solution layout: GAMG's near null space. */
  PetscCall(TwinfeSpaceCreateNodeCoordinates(e->space, 0, &coords));
  PetscCall(MatNullSpaceCreateRigidBody(coords, &nullsp));
  PetscCall(MatSetNearNullSpace(e->J, nullsp));
  PetscCall(MatNullSpaceDestroy(&nullsp));
  PetscCall(VecDestroy(&coords));
  PetscCall(TwinfeSpaceGetSizes(e->space, &ncells, NULL));
  PetscCall(PetscMalloc1(ncells, &e->cell_law));
  PetscFunctionReturn(0);
}

static PetscErrorCode EnsureSNES(TwinfeElasticity e)
{
  KSP ksp;
  PC  pc;
  DM  sdm;

  PetscFunctionBeginUser;
  if (e->snes) PetscFunctionReturn(0);
  PetscCall(EnsureSpace(e));
  PetscCall(SNESCreate(e->comm, &e->snes));
  PetscCall(SNESSetOptionsPrefix(e->snes, "elasticity_"));
  /* the space's DM gives the SNES its vectors (finite-difference Jacobians need them); the
     space assembles, so the KSP does not ask the DM for operators */
  PetscCall(TwinfeSpaceGetDM(e->space, &sdm));
  PetscCall(SNESSetDM(e->snes, sdm));
  /* Newton with a line search for finite strain; a small-strain solve uses only the KSP. */
  PetscCall(SNESSetType(e->snes, SNESNEWTONLS));
  PetscCall(SNESSetTolerances(e->snes, PETSC_DEFAULT, 1e-8, PETSC_DEFAULT, 25, PETSC_DEFAULT));
  PetscCall(SNESSetFunction(e->snes, e->r, TwinfeElasticityFormFunction_Private, e));
  PetscCall(SNESSetJacobian(e->snes, e->J, e->J, TwinfeElasticityFormJacobian_Private, e));
  PetscCall(SNESGetKSP(e->snes, &ksp));
  PetscCall(KSPSetDMActive(ksp, PETSC_FALSE));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPSetTolerances(ksp, 1e-8, PETSC_DEFAULT, PETSC_DEFAULT, 1000));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCGAMG));
  /* Newton's matrices keep their pattern: GAMG keeps its prolongation from one to the next
     (the smoothers' eigenvalue estimates are then redone per matrix: SetUp) */
  PetscCall(PCGAMGSetReuseInterpolation(pc, PETSC_TRUE));
  PetscCall(SNESSetFromOptions(e->snes));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticitySetFromOptions(TwinfeElasticity e)
{
  PetscFunctionBeginUser;
  PetscCall(EnsureSNES(e));
  PetscCall(SNESSetFromOptions(e->snes));
  PetscFunctionReturn(0);
}

/* Every region present on any rank needs a material; all ranks fail together. */
static PetscErrorCode AssignMaterials(TwinfeElasticity e)
{
  PetscInt        ncells, missing = PETSC_MIN_INT, first_missing;
  const PetscInt *region;

  PetscFunctionBeginUser;
  PetscCall(PetscFree(e->laws));
  PetscCall(PetscMalloc1(PetscMax(e->nmaterials, 1), &e->laws));
  for (PetscInt i = 0; i < e->nmaterials; ++i)
    TwinfeElasticLawFromMaterial_Private(&e->materials[i].material, &e->laws[i]);
  PetscCall(TwinfeElasticityIsNonlinear(e, &e->nonlinear));
  PetscCall(TwinfeSpaceGetSizes(e->space, &ncells, NULL));
  PetscCall(TwinfeSpaceGetCellRegions(e->space, &region));
  for (PetscInt c = 0; c < ncells; ++c) {
    e->cell_law[c] = -1;
    for (PetscInt i = 0; i < e->nmaterials; ++i)
      if (e->materials[i].region == region[c]) e->cell_law[c] = i;
    if (e->cell_law[c] < 0) {
      missing        = PetscMax(missing, region[c]);
      e->cell_law[c] = 0;
    }
  }
  PetscCall(MPIU_Allreduce(&missing, &first_missing, 1, MPIU_INT, MPI_MAX, e->comm));
  PetscCheck(first_missing == PETSC_MIN_INT, e->comm, PETSC_ERR_ARG_WRONGSTATE,
             "region %" PetscInt_FMT
             " (\"Cell Sets\" value; 0 = cells without one) has no material: call TwinfeElasticitySetMaterial for it",
             first_missing);
  PetscFunctionReturn(0);
}

static PetscErrorCode DisplacementValue(const PetscReal x[3], PetscInt ncomp, PetscScalar value[], void *ctx)
{
  const TwinfeElasticityDisplacement *d    = (const TwinfeElasticityDisplacement *)ctx;
  PetscReal                           u[3] = {0, 0, 0};

  PetscFunctionBeginUser;
  (void)ncomp;
  if (d->fn) PetscCall(d->fn(x, u, d->ctx));
  for (PetscInt k = 0; k < 3; ++k)
    value[k] = u[k];
  PetscFunctionReturn(0);
}

static PetscErrorCode ApplyBoundaryConditions(TwinfeElasticity e)
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceClearDirichlet(e->space));
  for (PetscInt i = 0; i < e->ndisplacements; ++i) {
    TwinfeElasticityDisplacement *d = &e->displacements[i];
    PetscCall(TwinfeSpaceAddDirichlet(e->space, d->tag, 0, d->mask, d->has_box ? d->box : NULL, DisplacementValue, d));
  }
  for (PetscInt i = 0; i < e->ntractions; ++i) {
    PetscInt count;
    PetscCall(TwinfeSpaceGetFaceCount(e->space, e->tractions[i].tag, &count));
    PetscCheck(count > 0, e->comm, PETSC_ERR_ARG_WRONG,
               "traction on \"Face Sets\" tag %" PetscInt_FMT ": no boundary face carries this tag", e->tractions[i].tag);
  }
  PetscFunctionReturn(0);
}

/* Constraint rows get the mean small-strain stiffness diagonal instead of 1, so that they
   neither dominate nor vanish in GAMG's strength graph and the residual (scaled alike) stays
   consistent. A small-strain solve keeps this matrix; Newton assembles its own. */
static PetscErrorCode AssembleStiffness(TwinfeElasticity e)
{
  Vec      diag;
  PetscInt n;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceAssembleMatrix(e->space, TwinfeElasticityStiffnessOrder_Private(e), NULL,
                                      TwinfeElasticityLinearStiffnessKernel_Private, e, e->J));
  PetscCall(MatCreateVecs(e->J, &diag, NULL));
  PetscCall(MatGetDiagonal(e->J, diag));
  PetscCall(VecNorm(diag, NORM_1, &e->bc_scale));
  PetscCall(VecGetSize(diag, &n));
  e->bc_scale /= n;
  PetscCall(VecDestroy(&diag));
  PetscCall(TwinfeSpaceApplyDirichletToMatrix(e->space, e->bc_scale, e->J));
  PetscFunctionReturn(0);
}

/* Finite strain: GAMG keeps its prolongation across Newton's matrices, so the Chebyshev
   smoothers must not keep the eigenvalue bound the smoothed aggregation estimated on the first
   one: a tangent stiffer than it makes the preconditioner indefinite and CG stops
   (DIVERGED_INDEFINITE_PC, seen on the manufactured solution at 24.6k tets). */
static PetscErrorCode ConfigureNewtonSolver(TwinfeElasticity e)
{
  KSP       ksp;
  PC        pc;
  PetscBool given, is_gamg;

  PetscFunctionBeginUser;
  PetscCall(SNESGetKSP(e->snes, &ksp));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCGAMG, &is_gamg));
  PetscCall(PetscOptionsHasName(NULL, "elasticity_", "-pc_gamg_use_sa_esteig", &given));
  if (is_gamg && !given) PetscCall(PCGAMGSetUseSAEstEig(pc, PETSC_FALSE));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp(TwinfeElasticity e)
{
  PetscFunctionBeginUser;
  PetscCall(EnsureSNES(e));
  if (!e->dirty) PetscFunctionReturn(0);
  PetscCall(AssignMaterials(e));
  if (e->nonlinear) PetscCall(ConfigureNewtonSolver(e));
  PetscCall(ApplyBoundaryConditions(e));
  PetscCall(AssembleStiffness(e));
  e->dirty = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticitySetUp(TwinfeElasticity e)
{
  PetscFunctionBeginUser;
  PetscCall(SetUp(e));
  PetscCall(SNESSetUp(e->snes));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticitySolve(TwinfeElasticity e)
{
  PetscFunctionBeginUser;
  PetscCall(SetUp(e));
  PetscCall(TwinfeElasticitySolveSteps_Private(e));
  PetscFunctionReturn(0);
}

/* Vertex dofs copied out of the P2 layout, for writers that read vertex data only. */
static PetscErrorCode UpdateVertexDisplacement(TwinfeElasticity e)
{
  PetscFunctionBeginUser;
  if (!e->vertex_dm) {
    PetscCall(TwinfeSpaceCreateVertexVector(e->space, 0, &e->vertex_dm, &e->vertex_u));
    PetscCall(PetscObjectSetName((PetscObject)e->vertex_u, "displacement"));
  }
  PetscCall(TwinfeSpaceCopyVertexValues(e->space, 0, e->u, e->vertex_dm, e->vertex_u));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetDisplacement(TwinfeElasticity e, DM *dm, Vec *u)
{
  PetscFunctionBeginUser;
  PetscCheck(e->space, e->comm, PETSC_ERR_ARG_WRONGSTATE, "TwinfeElasticityGetDisplacement: call TwinfeElasticitySolve first");
  if (e->degree == 1) {
    if (dm) PetscCall(TwinfeSpaceGetDM(e->space, dm));
    if (u) *u = e->u;
    PetscFunctionReturn(0);
  }
  PetscCall(UpdateVertexDisplacement(e));
  if (dm) *dm = e->vertex_dm;
  if (u) *u = e->vertex_u;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetSolverInfo(TwinfeElasticity e, PetscInt *iterations, PetscReal *residual_norm,
                                             const char **reason)
{
  KSP                ksp;
  KSPConvergedReason r;

  PetscFunctionBeginUser;
  PetscCheck(e->snes, e->comm, PETSC_ERR_ARG_WRONGSTATE, "TwinfeElasticityGetSolverInfo: call TwinfeElasticitySolve first");
  PetscCall(SNESGetKSP(e->snes, &ksp));
  if (iterations) PetscCall(KSPGetIterationNumber(ksp, iterations));
  if (residual_norm) PetscCall(KSPGetResidualNorm(ksp, residual_norm));
  PetscCall(KSPGetConvergedReason(ksp, &r));
  if (reason) *reason = KSPConvergedReasons[r];
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetMaxDisplacement(TwinfeElasticity e, PetscReal *max_mm)
{
  Vec                u;
  const PetscScalar *a;
  PetscInt           n;
  PetscReal          local = 0;

  PetscFunctionBeginUser;
  PetscCall(TwinfeElasticityGetDisplacement(e, NULL, &u));
  PetscCall(VecGetLocalSize(u, &n));
  PetscCall(VecGetArrayRead(u, &a));
  for (PetscInt i = 0; i + 2 < n; i += 3)
    local = PetscMax(local, PetscSqrtReal(PetscSqr(PetscRealPart(a[i])) + PetscSqr(PetscRealPart(a[i + 1])) +
                                          PetscSqr(PetscRealPart(a[i + 2]))));
  PetscCall(VecRestoreArrayRead(u, &a));
  PetscCall(MPIU_Allreduce(&local, max_mm, 1, MPIU_REAL, MPIU_MAX, e->comm));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityComputeStress(TwinfeElasticity e, Vec *von_mises, Vec *stress)
{
  PetscInt     ncells;
  PetscScalar *s, *vm, *fields;

  PetscFunctionBeginUser;
  PetscCheck(e->space && !e->dirty, e->comm, PETSC_ERR_ARG_WRONGSTATE,
             "TwinfeElasticityComputeStress: call TwinfeElasticitySolve first");
  PetscCall(TwinfeSpaceGetSizes(e->space, &ncells, NULL));
  PetscCall(VecCreate(e->comm, stress));
  PetscCall(VecSetSizes(*stress, 6 * ncells, PETSC_DETERMINE));
  PetscCall(VecSetBlockSize(*stress, 6));
  PetscCall(VecSetType(*stress, VECSTANDARD));
  PetscCall(PetscObjectSetName((PetscObject)*stress, "stress"));
  PetscCall(VecCreate(e->comm, von_mises));
  PetscCall(VecSetSizes(*von_mises, ncells, PETSC_DETERMINE));
  PetscCall(VecSetType(*von_mises, VECSTANDARD));
  PetscCall(PetscObjectSetName((PetscObject)*von_mises, "von_mises"));
  PetscCall(VecGetArray(*stress, &s));
  PetscCall(VecGetArray(*von_mises, &vm));
  /* the cell mean over the stiffness rule (the exact mean for P1) */
  PetscCall(PetscMalloc1(TWINFE_ELASTICITY_CELL_FIELDS * ncells, &fields));
  PetscCall(PetscArrayzero(fields, TWINFE_ELASTICITY_CELL_FIELDS * ncells));
  PetscCall(TwinfeSpaceEvaluateCells(e->space, TwinfeElasticityStiffnessOrder_Private(e), e->u,
                                     TwinfeElasticityCellFieldsKernel_Private, e, TWINFE_ELASTICITY_CELL_FIELDS, fields));
  for (PetscInt c = 0; c < ncells; ++c) {
    const PetscScalar *t = &s[6 * c];
    for (PetscInt k = 0; k < 6; ++k)
      s[6 * c + k] = fields[TWINFE_ELASTICITY_CELL_FIELDS * c + k];
    PetscReal d = PetscSqr(t[0] - t[1]) + PetscSqr(t[1] - t[2]) + PetscSqr(t[2] - t[0]);
    vm[c]       = PetscSqrtReal(0.5 * d + 3 * (PetscSqr(t[3]) + PetscSqr(t[4]) + PetscSqr(t[5])));
  }
  PetscCall(PetscFree(fields));
  PetscCall(VecRestoreArray(*stress, &s));
  PetscCall(VecRestoreArray(*von_mises, &vm));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetSpace(TwinfeElasticity e, TwinfeSpace *space)
{
  PetscFunctionBeginUser;
  PetscCall(EnsureSpace(e));
  *space = e->space;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetSolution(TwinfeElasticity e, Vec *u)
{
  PetscFunctionBeginUser;
  PetscCall(EnsureSpace(e));
  *u = e->u;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetSNES(TwinfeElasticity e, SNES *snes)
{
  PetscFunctionBeginUser;
  PetscCall(EnsureSNES(e));
  *snes = e->snes;
  PetscFunctionReturn(0);
}
