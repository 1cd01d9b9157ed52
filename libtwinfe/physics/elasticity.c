/* Soft-tissue mechanics on a TwinfeSpace (P1 or P2 tets): the object, its materials, loads and
 * set-up. The kernels are in elasticity_kernels.c, the solve over load steps in
 * elasticity_steps.c, the material laws in elasticity_materials.c.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Small strain (every region's law linear): the stiffness is assembled once per set-up and each
 * load step is one linear solve (CG + GAMG). Finite strain: Newton's method per load step. */
#include "elasticity_impl.h"
#include "core/core_impl.h"
/* PetscObjectStateGet (a documented, exported call) is declared only here in PETSc 3.18 */
#include <petsc/private/petscimpl.h>

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
  {
    PetscInt formulation = TWINFE_ELASTICITY_DISPLACEMENT;
    PetscCall(PetscOptionsGetEList(NULL, "elasticity_", "-formulation", TwinfeElasticityFormulations, 2, &formulation, NULL));
    e->formulation = (TwinfeElasticityFormulation)formulation;
  }
  *elasticity = e;
  PetscFunctionReturn(0);
}

/* Destroying a SNES resets its KSP (operators and preconditioner dropped) whoever else holds
   it: a KSP offered to a store of solvers is handed over whole, the SNES given an empty one to
   reset instead, and without the hooks the SNES put on it (its Eisenstat-Walker pre- and
   post-solve read the SNES). */
static PetscErrorCode DestroySNES(TwinfeElasticity e)
{
  KSP ksp, fresh;

  PetscFunctionBeginUser;
  if (!e->snes) PetscFunctionReturn(0);
  if (e->offered) {
    PetscCall(SNESGetKSP(e->snes, &ksp));
    PetscCall(KSPSetPreSolve(ksp, NULL, NULL));
    PetscCall(KSPSetPostSolve(ksp, NULL, NULL));
    PetscCall(KSPCreate(e->comm, &fresh));
    PetscCall(SNESSetKSP(e->snes, fresh));
    PetscCall(KSPDestroy(&fresh));
    e->offered = PETSC_FALSE;
  }
  PetscCall(SNESDestroy(&e->snes));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityDestroy(TwinfeElasticity *elasticity)
{
  TwinfeElasticity e;

  PetscFunctionBeginUser;
  if (!elasticity || !*elasticity) PetscFunctionReturn(0);
  e = *elasticity;
  PetscCall(PetscFree(e->materials));
  PetscCall(PetscFree(e->residual_history));
  PetscCall(PetscFree(e->displacements));
  PetscCall(PetscFree(e->tractions));
  PetscCall(PetscFree(e->springs));
  PetscCall(PetscFree(e->pressures));
  PetscCall(PetscFree(e->face_terms));
  PetscCall(TwinfeElasticityMixedDestroy_Private(e));
  PetscCall(PetscFree(e->row_component));
  PetscCall(PetscFree(e->laws));
  PetscCall(PetscFree(e->cell_law));
  for (PetscInt i = 0; i < e->nsets; ++i)
    PetscCall(PetscFree(e->set_rows[i]));
  PetscCall(PetscFree2(e->set_rows, e->set_nrows));
  PetscCall(KSPDestroy(&e->kept));
  PetscCall(DestroySNES(e));
  PetscCall(TwinfeMultigridDestroy(&e->mg));
  PetscCall(MatDestroy(&e->J));
  PetscCall(VecDestroy(&e->u));
  PetscCall(VecDestroy(&e->resume.u));
  PetscCall(VecDestroy(&e->r));
  PetscCall(VecDestroy(&e->vertex_u));
  PetscCall(DMDestroy(&e->vertex_dm));
  PetscCall(VecDestroy(&e->pressure));
  PetscCall(DMDestroy(&e->pressure_dm));
  PetscCall(VecDestroy(&e->reaction));
  PetscCall(VecDestroy(&e->node_u));
  PetscCall(DMDestroy(&e->node_dm));
  PetscCall(VecDestroy(&e->held_residual));
  PetscCall(DMDestroy(&e->reaction_dm));
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

PetscErrorCode TwinfeElasticitySetFormulation(TwinfeElasticity e, TwinfeElasticityFormulation formulation)
{
  PetscFunctionBeginUser;
  PetscCheck(formulation == TWINFE_ELASTICITY_DISPLACEMENT || formulation == TWINFE_ELASTICITY_MIXED, e->comm,
             PETSC_ERR_ARG_OUTOFRANGE, "elasticity formulation %d is not known: give displacement or mixed", (int)formulation);
  PetscCheck(!e->space || formulation == e->formulation, e->comm, PETSC_ERR_ORDER,
             "the elasticity formulation must be set before the first set-up");
  e->formulation = formulation;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetFormulation(TwinfeElasticity e, TwinfeElasticityFormulation *formulation)
{
  PetscFunctionBeginUser;
  *formulation = e->formulation;
  PetscFunctionReturn(0);
}

/* Room for one more item at the end of a list of n items of the given size (the list may be
   NULL while n is 0): materials, held sets, tractions and supports all grow this way. */
static PetscErrorCode GrowList(void *list, PetscInt n, size_t size)
{
  PetscFunctionBeginUser;
  PetscCall(PetscRealloc((size_t)(n + 1) * size, (void **)list));
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
    PetscCall(GrowList(&e->materials, e->nmaterials, sizeof *e->materials));
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
  PetscFunctionBeginUser;
  PetscCheck(d->mask >= 1 && d->mask <= 7, e->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "displacement on tag %" PetscInt_FMT ": component mask %" PetscInt_FMT " must be 1..7 (bit c = component c)", d->tag,
             d->mask);
  PetscCall(GrowList(&e->displacements, e->ndisplacements, sizeof *e->displacements));
  e->displacements[e->ndisplacements++] = *d;
  e->dirty                              = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityAddClamp(TwinfeElasticity e, PetscInt tag, const PetscReal box[6])
{
  TwinfeElasticityDisplacement d = {.tag = tag, .mask = 7};

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
  TwinfeElasticityDisplacement d = {.tag = tag, .mask = mask, .fn = fn, .ctx = ctx};

  PetscFunctionBeginUser;
  PetscCall(AppendDisplacement(e, &d));
  PetscFunctionReturn(0);
}

const char *const TwinfeToolShapes[] = {"plane", "cylinder", "spatula", NULL};

PetscErrorCode TwinfeToolShapeGetName(TwinfeToolShape shape, const char **name)
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeListGetName_Private("TwinfeToolShapeGetName", TwinfeToolShapes, 0, (PetscInt)shape, name));
  PetscFunctionReturn(0);
}

static PetscReal Dot(const PetscReal a[3], const PetscReal b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void Normalized(const PetscReal a[3], PetscReal n[3])
{
  PetscReal len = PetscSqrtReal(Dot(a, a));
  for (PetscInt k = 0; k < 3; ++k)
    n[k] = a[k] / len;
}

PetscBool TwinfeToolContains(const TwinfeTool *tool, const PetscReal x[3])
{
  PetscReal d[3], n[3], along;

  for (PetscInt k = 0; k < 3; ++k)
    d[k] = x[k] - tool->center[k];
  Normalized(tool->axis, n);
  along = Dot(d, n);
  switch (tool->shape) {
  case TWINFE_TOOL_PLANE:
    return PetscAbsReal(along) <= 0.5 * tool->thickness ? PETSC_TRUE : PETSC_FALSE;
  case TWINFE_TOOL_CYLINDER: {
    PetscReal r2 = Dot(d, d) - along * along;
    if (tool->length > 0 && PetscAbsReal(along) > 0.5 * tool->length) return PETSC_FALSE;
    return r2 <= tool->radius * tool->radius ? PETSC_TRUE : PETSC_FALSE;
  }
  case TWINFE_TOOL_SPATULA: {
    PetscReal l[3], w[3], bn = Dot(tool->blade, n);
    for (PetscInt k = 0; k < 3; ++k) /* the blade's direction made normal to the axis */
      l[k] = tool->blade[k] - bn * n[k];
    Normalized(l, l);
    w[0] = n[1] * l[2] - n[2] * l[1], w[1] = n[2] * l[0] - n[0] * l[2], w[2] = n[0] * l[1] - n[1] * l[0];
    return PetscAbsReal(along) <= 0.5 * tool->thickness && PetscAbsReal(Dot(d, l)) <= 0.5 * tool->length &&
                   PetscAbsReal(Dot(d, w)) <= 0.5 * tool->width
               ? PETSC_TRUE
               : PETSC_FALSE;
  }
  }
  return PETSC_FALSE;
}

PetscErrorCode TwinfeToolCheck(MPI_Comm comm, const TwinfeTool *t)
{
  PetscReal axis = PetscSqrtReal(Dot(t->axis, t->axis)), blade = PetscSqrtReal(Dot(t->blade, t->blade));

  PetscFunctionBeginUser;
  PetscCheck(t->shape >= TWINFE_TOOL_PLANE && t->shape <= TWINFE_TOOL_SPATULA, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "tool shape %d is not known: give plane, cylinder or spatula", (int)t->shape);
  PetscCheck(PetscIsNormalReal(axis), comm, PETSC_ERR_ARG_WRONG, "tool (%s): its axis (%g, %g, %g) has no direction",
             TwinfeToolShapes[t->shape], (double)t->axis[0], (double)t->axis[1], (double)t->axis[2]);
  for (PetscInt k = 0; k < 3; ++k)
    PetscCheck(!PetscIsInfOrNanReal(t->center[k]) && !PetscIsInfOrNanReal(t->motion[k]), comm, PETSC_ERR_ARG_WRONG,
               "tool (%s): its center and motion must be numbers", TwinfeToolShapes[t->shape]);
  PetscCheck(t->npath >= 0 && t->npath <= TWINFE_TOOL_MAX_WAYPOINTS, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "tool (%s): %" PetscInt_FMT " waypoints: give 0 (a straight motion) to %d", TwinfeToolShapes[t->shape], t->npath,
             TWINFE_TOOL_MAX_WAYPOINTS);
  for (PetscInt w = 0; w < t->npath; ++w)
    for (PetscInt k = 0; k < 3; ++k)
      PetscCheck(!PetscIsInfOrNanReal(t->path[w][k]), comm, PETSC_ERR_ARG_WRONG,
                 "tool (%s): waypoint %" PetscInt_FMT " is not a number", TwinfeToolShapes[t->shape], w + 1);
  if (t->shape == TWINFE_TOOL_CYLINDER)
    PetscCheck(t->radius > 0 && t->length >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "cylinder tool: radius %g mm must be > 0 and length %g mm >= 0 (0: unbounded)", (double)t->radius,
               (double)t->length);
  else
    PetscCheck(t->thickness > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "%s tool: thickness %g mm must be > 0",
               TwinfeToolShapes[t->shape], (double)t->thickness);
  if (t->shape == TWINFE_TOOL_SPATULA) {
    PetscCheck(t->length > 0 && t->width > 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "spatula tool: length %g mm and width %g mm must be > 0", (double)t->length, (double)t->width);
    PetscCheck(PetscIsNormalReal(blade) && PetscAbsReal(Dot(t->axis, t->blade)) < 0.999 * axis * blade, comm, PETSC_ERR_ARG_WRONG,
               "spatula tool: its blade direction (%g, %g, %g) must not be parallel to its axis", (double)t->blade[0],
               (double)t->blade[1], (double)t->blade[2]);
  }
  PetscFunctionReturn(0);
}

void TwinfeToolDisplacement(const TwinfeTool *tool, PetscReal t, PetscReal u[3])
{
  PetscReal s, from[3] = {0, 0, 0};
  PetscInt  k;

  t = PetscMin(PetscMax(t, 0), 1);
  if (!tool->npath) {
    for (PetscInt i = 0; i < 3; ++i)
      u[i] = t * tool->motion[i];
    return;
  }
  s = t * tool->npath; /* waypoint k - 1 at s = k */
  k = PetscMin((PetscInt)s, tool->npath - 1);
  if (k > 0)
    for (PetscInt i = 0; i < 3; ++i)
      from[i] = tool->path[k - 1][i];
  for (PetscInt i = 0; i < 3; ++i)
    u[i] = from[i] + (s - k) * (tool->path[k][i] - from[i]);
}

PetscErrorCode TwinfeElasticityAddTool(TwinfeElasticity e, PetscInt tag, const TwinfeTool *tool)
{
  TwinfeElasticityDisplacement d = {.tag = tag, .mask = 7, .has_tool = PETSC_TRUE, .tool = *tool};

  PetscFunctionBeginUser;
  PetscCall(TwinfeToolCheck(e->comm, tool));
  PetscCall(AppendDisplacement(e, &d));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityAddSpring(TwinfeElasticity e, PetscInt tag, PetscReal stiffness)
{
  PetscFunctionBeginUser;
  PetscCheck(PetscIsNormalReal(stiffness) && stiffness > 0, e->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "elastic support on tag %" PetscInt_FMT ": stiffness %g Pa/mm must be > 0", tag, (double)stiffness);
  PetscCall(GrowList(&e->springs, e->nsprings, sizeof *e->springs));
  e->springs[e->nsprings].tag       = tag;
  e->springs[e->nsprings].stiffness = stiffness;
  e->nsprings++;
  e->dirty = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetSpringForces(TwinfeElasticity e, PetscInt *nsprings, PetscReal forces[])
{
  PetscFunctionBeginUser;
  PetscCheck(e->space && !e->dirty, e->comm, PETSC_ERR_ARG_WRONGSTATE,
             "TwinfeElasticityGetSpringForces: call TwinfeElasticitySolve first");
  *nsprings = e->nsprings;
  for (PetscInt i = 0; forces && i < e->nsprings; ++i) {
    PetscCall(TwinfeSpaceIntegrateFaces(e->space, e->springs[i].tag, 2 * e->degree, e->u,
                                        TwinfeElasticitySpringForceKernel_Private, &e->springs[i], 3, &forces[3 * i]));
    for (PetscInt k = 0; k < 3; ++k)
      forces[3 * i + k] = -forces[3 * i + k]; /* on the tissue: -k u */
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityAddTraction(TwinfeElasticity e, PetscInt tag, const PetscReal t[3])
{
  PetscFunctionBeginUser;
  PetscCall(GrowList(&e->tractions, e->ntractions, sizeof *e->tractions));
  e->tractions[e->ntractions].tag  = tag;
  e->tractions[e->ntractions].load = 1;
  for (PetscInt k = 0; k < 3; ++k)
    e->tractions[e->ntractions].t[k] = t[k];
  e->ntractions++;
  e->dirty = PETSC_TRUE; /* the setup checks that the tag exists */
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityAddPressure(TwinfeElasticity e, PetscInt tag, PetscReal pressure)
{
  PetscFunctionBeginUser;
  PetscCheck(PetscIsNormalReal(pressure) || pressure == 0, e->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "pressure on tag %" PetscInt_FMT ": %g Pa is not a number", tag, (double)pressure);
  PetscCall(GrowList(&e->pressures, e->npressures, sizeof *e->pressures));
  e->pressures[e->npressures].tag      = tag;
  e->pressures[e->npressures].pressure = pressure;
  e->pressures[e->npressures].load     = 1;
  e->npressures++;
  e->dirty = PETSC_TRUE; /* the setup checks that the tag exists */
  PetscFunctionReturn(0);
}

/* ---- setup and solve ---------------------------------------------------------------------- */

/* Per owned row, the displacement component it carries (-1: a pressure dof): a node's three
   displacement dofs are consecutive in field 0's index set, whatever else the node carries. */
static PetscErrorCode FindRowComponents(TwinfeElasticity e)
{
  IS              is;
  const PetscInt *idx;
  PetscInt        n, nlocal, rstart;

  PetscFunctionBeginUser;
  PetscCall(VecGetLocalSize(e->u, &nlocal));
  PetscCall(VecGetOwnershipRange(e->u, &rstart, NULL));
  PetscCall(PetscMalloc1(nlocal, &e->row_component));
  for (PetscInt r = 0; r < nlocal; ++r)
    e->row_component[r] = -1;
  PetscCall(TwinfeSpaceCreateFieldIS(e->space, 0, &is));
  PetscCall(ISGetLocalSize(is, &n));
  PetscCall(ISGetIndices(is, &idx));
  for (PetscInt k = 0; k < n; ++k)
    e->row_component[idx[k] - rstart] = k % 3;
  PetscCall(ISRestoreIndices(is, &idx));
  PetscCall(ISDestroy(&is));
  PetscFunctionReturn(0);
}

static PetscLogEvent space_event = -1, stiffness_event = -1, boundary_event = -1, cell_fields_event = -1;

static PetscErrorCode EnsureSpace(TwinfeElasticity e)
{
  PetscInt  degree[2] = {e->degree, 1}, ncomp[2] = {3, 1}, ncells;
  PetscBool mixed = TwinfeElasticityMixed(e);
  DM        sdm;

  PetscFunctionBeginUser;
  if (e->space) PetscFunctionReturn(0);
  PetscCall(TwinfeLogBegin_Private("TwinfeElaSpace", &space_event));
  PetscCheck(!mixed || e->degree == 2, e->comm, PETSC_ERR_ARG_INCOMP,
             "the mixed formulation (-elasticity_formulation mixed) needs -elasticity_degree 2: its pressure is P1 beside a "
             "P2 displacement (Taylor-Hood); P1 with P1 is not stable");
  PetscCall(TwinfeSpaceCreate(e->dm, mixed ? 2 : 1, degree, ncomp, &e->space));
  PetscCall(TwinfeSpaceSetFieldName(e->space, 0, "displacement"));
  if (mixed) PetscCall(TwinfeSpaceSetFieldName(e->space, 1, "pressure"));
  PetscCall(TwinfeSpaceGetDM(e->space, &sdm));
  PetscCall(DMCreateGlobalVector(sdm, &e->u));
  PetscCall(PetscObjectSetName((PetscObject)e->u, mixed ? "displacement_pressure" : "displacement"));
  PetscCall(VecDuplicate(e->u, &e->r));
  PetscCall(FindRowComponents(e));
  PetscCall(TwinfeSpaceGetSizes(e->space, &ncells, NULL));
  PetscCall(PetscMalloc1(ncells, &e->cell_law));
  PetscCall(PetscLogEventEnd(space_event, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* The stiffness matrix, made at set-up when the laws are known: the small-strain stiffness under
   a geometric multigrid is symmetric and assembled once, so only its upper triangle is kept
   (SBAIJ, on one rank or several: 200 MB instead of 540 MB at 1M P1 unknowns, the multigrid
   forming its coarse levels from it); Newton's tangents (a follower pressure's is not symmetric), the mixed
   form and GAMG (which reads AIJ) get the AIJ. */
static PetscErrorCode EnsureOperator(TwinfeElasticity e)
{
  PetscBool symmetric = (PetscBool)(!e->nonlinear && !TwinfeElasticityMixed(e) && e->mg && !e->nfollower_terms);

  PetscFunctionBeginUser;
  if (e->J && symmetric == e->J_symmetric) PetscFunctionReturn(0);
  PetscCall(MatDestroy(&e->J));
  if (symmetric)
    PetscCall(TwinfeSpaceCreateSymmetricMatrix(e->space, &e->J));
  else
    PetscCall(TwinfeSpaceCreateMatrix(e->space, &e->J));
  e->J_symmetric = symmetric;
  PetscCall(SNESSetJacobian(e->snes, e->J, e->J, TwinfeElasticityFormJacobian_Private, e));
  PetscFunctionReturn(0);
}

/* Rigid-body modes from the node coordinates in the solution layout: the near null space of an
   algebraic multigrid (GAMG, also on a refined mesh's coarsest level, which makes its own). Six
   vectors of the solution's size (49 MB at 1M unknowns): made only for a matrix that a GAMG
   of the whole problem will see, not beside a geometric multigrid. */
static PetscErrorCode AttachRigidBodyModes(TwinfeElasticity e)
{
  Vec          coords;
  MatNullSpace nullsp;

  PetscFunctionBeginUser;
  PetscCall(MatGetNearNullSpace(e->J, &nullsp));
  if (nullsp || TwinfeElasticityMixed(e) || e->mg) PetscFunctionReturn(0);
  PetscCall(TwinfeSpaceCreateNodeCoordinates(e->space, 0, &coords));
  PetscCall(MatNullSpaceCreateRigidBody(coords, &nullsp));
  PetscCall(MatSetNearNullSpace(e->J, nullsp));
  PetscCall(MatNullSpaceDestroy(&nullsp));
  PetscCall(VecDestroy(&coords));
  PetscFunctionReturn(0);
}

/* P1 on a refined mesh: geometric multigrid over its levels (the levels are known, and GAMG's
   set-up of the same hierarchy from the matrix was most of a 1M-unknown run:
   docs/mechanics.md). Otherwise GAMG. */
static PetscErrorCode ChoosePreconditioner(TwinfeElasticity e, PC pc)
{
  PetscInt nlevels = 1;

  PetscFunctionBeginUser;
  if (e->degree == 1) {
    PetscCall(TwinfeMultigridCreate(e->space, e->dm, &e->mg));
    PetscCall(TwinfeMultigridGetLevels(e->mg, &nlevels));
    if (nlevels == 1) PetscCall(TwinfeMultigridDestroy(&e->mg));
  }
  if (e->mg) {
    PetscCall(TwinfeMultigridSetUpPC(e->mg, pc));
    PetscFunctionReturn(0);
  }
  PetscCall(PCSetType(pc, PCGAMG));
  /* Newton's matrices keep their pattern: GAMG keeps its prolongation from one to the next
     (the smoothers' eigenvalue estimates are then redone per matrix: SetUp) */
  PetscCall(PCGAMGSetReuseInterpolation(pc, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* The PC when it is the refined mesh's multigrid; NULL otherwise, and then, if options chose
   another preconditioner, the levels are dropped. pc may be NULL (only the dropping wanted). */
static PetscErrorCode MultigridPC(TwinfeElasticity e, PC *pc)
{
  KSP       ksp;
  PC        mg_pc;
  PetscBool is_mg;

  PetscFunctionBeginUser;
  if (pc) *pc = NULL;
  if (!e->mg) PetscFunctionReturn(0);
  PetscCall(SNESGetKSP(e->snes, &ksp));
  PetscCall(KSPGetPC(ksp, &mg_pc));
  PetscCall(PetscObjectTypeCompare((PetscObject)mg_pc, PCMG, &is_mg));
  if (!is_mg)
    PetscCall(TwinfeMultigridDestroy(&e->mg));
  else if (pc)
    *pc = mg_pc;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityOperatorChanged_Private(TwinfeElasticity e)
{
  PC pc;

  PetscFunctionBeginUser;
  PetscCall(MultigridPC(e, &pc));
  if (pc) PetscCall(TwinfeMultigridSetOperator(e->mg, e->J, pc));
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
  PetscCall(SNESGetKSP(e->snes, &ksp));
  PetscCall(KSPSetDMActive(ksp, PETSC_FALSE));
  PetscCall(KSPSetTolerances(ksp, 1e-8, PETSC_DEFAULT, PETSC_DEFAULT, 1000));
  if (TwinfeElasticityMixed(e))
    PetscCall(TwinfeElasticityMixedCreateSolver_Private(e, ksp));
  else {
    PetscCall(KSPSetType(ksp, KSPCG));
    PetscCall(KSPGetPC(ksp, &pc));
    PetscCall(ChoosePreconditioner(e, pc));
  }
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
  if (d->has_tool)
    TwinfeToolDisplacement(&d->tool, d->absolute ? d->t : 1, u);
  else if (d->absolute)
    for (PetscInt k = 0; k < 3; ++k)
      u[k] *= d->t;
  for (PetscInt k = 0; k < 3; ++k)
    value[k] = u[k];
  PetscFunctionReturn(0);
}

static PetscBool ToolHolds(const PetscReal x[3], void *ctx)
{
  return TwinfeToolContains(&((const TwinfeElasticityDisplacement *)ctx)->tool, x);
}

static PetscErrorCode AddDisplacementSet(TwinfeElasticity e, PetscInt i)
{
  TwinfeElasticityDisplacement *d = &e->displacements[i];

  PetscFunctionBeginUser;
  if (d->has_tool)
    PetscCall(TwinfeSpaceAddDirichletWhere(e->space, d->tag, 0, d->mask, ToolHolds, d, DisplacementValue, d));
  else
    PetscCall(TwinfeSpaceAddDirichlet(e->space, d->tag, 0, d->mask, d->has_box ? d->box : NULL, DisplacementValue, d));
  PetscFunctionReturn(0);
}

/* The owned rows each held set constrains, for its reaction force: a row two sets hold
   belongs to the later one, as its value does (TwinfeSpaceAddDirichlet). */
static PetscErrorCode FindSetRows(TwinfeElasticity e)
{
  PetscInt       nlocal, rstart, *owner;
  PetscErrorCode ierr = 0;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < e->nsets; ++i)
    PetscCall(PetscFree(e->set_rows[i]));
  PetscCall(PetscFree2(e->set_rows, e->set_nrows));
  e->nsets = e->ndisplacements;
  PetscCall(PetscCalloc2(e->nsets, &e->set_rows, e->nsets, &e->set_nrows));
  PetscCall(VecGetLocalSize(e->u, &nlocal));
  PetscCall(VecGetOwnershipRange(e->u, &rstart, NULL));
  PetscCall(PetscMalloc1(nlocal, &owner));
  for (PetscInt r = 0; r < nlocal; ++r)
    owner[r] = -1;
  for (PetscInt i = 0; i < e->nsets && !ierr; ++i) {
    PetscInt        n;
    const PetscInt *rows;
    ierr = TwinfeSpaceClearDirichlet(e->space);
    if (!ierr) ierr = AddDisplacementSet(e, i); /* a tag no face carries: refused, collectively */
    if (!ierr) ierr = TwinfeSpaceGetDirichlet(e->space, &n, &rows, NULL);
    for (PetscInt k = 0; !ierr && k < n; ++k)
      owner[rows[k] - rstart] = i;
  }
  if (ierr) PetscCall(PetscFree(owner));
  PetscCall(ierr);
  for (PetscInt r = 0; r < nlocal; ++r)
    if (owner[r] >= 0) e->set_nrows[owner[r]]++;
  for (PetscInt i = 0; i < e->nsets; ++i) {
    PetscCall(PetscMalloc1(e->set_nrows[i], &e->set_rows[i]));
    e->set_nrows[i] = 0;
  }
  for (PetscInt r = 0; r < nlocal; ++r)
    if (owner[r] >= 0) e->set_rows[owner[r]][e->set_nrows[owner[r]]++] = r;
  PetscCall(PetscFree(owner));
  for (PetscInt i = 0; i < e->nsets; ++i) {
    PetscInt held;
    PetscCall(MPIU_Allreduce(&e->set_nrows[i], &held, 1, MPIU_INT, MPI_SUM, e->comm));
    PetscCheck(held > 0 || !e->displacements[i].has_tool, e->comm, PETSC_ERR_ARG_WRONG,
               "the %s tool at (%g, %g, %g) mm touches no node of the faces tagged %" PetscInt_FMT
               ": place it on the tissue's surface (LPS mm, the mesh's coordinates)",
               TwinfeToolShapes[e->displacements[i].tool.shape], (double)e->displacements[i].tool.center[0],
               (double)e->displacements[i].tool.center[1], (double)e->displacements[i].tool.center[2], e->displacements[i].tag);
  }
  PetscFunctionReturn(0);
}

/* The prescribed values at load factor t: scaled by the space (proportional loading), or, when a
   tool follows waypoints, evaluated at t set by set (the same rows, other values). */
PetscErrorCode TwinfeElasticitySetDisplacementLoad_Private(TwinfeElasticity e, PetscReal t)
{
  PetscFunctionBeginUser;
  if (!e->follows_path) {
    PetscCall(TwinfeSpaceSetDirichletScale(e->space, t));
    PetscFunctionReturn(0);
  }
  PetscCall(TwinfeSpaceClearDirichlet(e->space));
  for (PetscInt i = 0; i < e->ndisplacements; ++i) {
    e->displacements[i].absolute = PETSC_TRUE;
    e->displacements[i].t        = t;
    PetscCall(AddDisplacementSet(e, i));
  }
  PetscCall(TwinfeSpaceSetDirichletScale(e->space, 1));
  PetscFunctionReturn(0);
}

static PetscErrorCode ApplyBoundaryConditions(TwinfeElasticity e)
{
  PetscFunctionBeginUser;
  e->follows_path = PETSC_FALSE;
  for (PetscInt i = 0; i < e->ndisplacements; ++i) {
    e->displacements[i].absolute = PETSC_FALSE;
    if (e->displacements[i].has_tool && e->displacements[i].tool.npath > 0) e->follows_path = PETSC_TRUE;
  }
  PetscCall(FindSetRows(e));
  PetscCall(TwinfeSpaceClearDirichlet(e->space));
  for (PetscInt i = 0; i < e->ndisplacements; ++i)
    PetscCall(AddDisplacementSet(e, i));
  /* the matrices' boundary terms: the springs' always, the follower pressures' in Newton's */
  PetscCall(PetscFree(e->face_terms));
  PetscCall(PetscCalloc1(e->nsprings + e->npressures + 1, &e->face_terms));
  e->nface_terms = e->nfollower_terms = 0;
  for (PetscInt i = 0; i < e->nsprings; ++i) {
    PetscInt              count;
    TwinfeFaceMatrixTerm *t = &e->face_terms[e->nface_terms++];
    PetscCall(TwinfeSpaceGetFaceCount(e->space, e->springs[i].tag, &count));
    PetscCheck(count > 0, e->comm, PETSC_ERR_ARG_WRONG,
               "elastic support on \"Face Sets\" tag %" PetscInt_FMT ": no boundary face carries this tag", e->springs[i].tag);
    t->tag    = e->springs[i].tag;
    t->qorder = 2 * e->degree;
    t->kernel = TwinfeElasticitySpringMatrixKernel_Private;
    t->ctx    = &e->springs[i];
  }
  for (PetscInt i = 0; i < e->npressures; ++i) {
    PetscInt                  count;
    TwinfeElasticityPressure *pr = &e->pressures[i];
    PetscCall(TwinfeSpaceGetFaceCount(e->space, pr->tag, &count));
    PetscCheck(count > 0, e->comm, PETSC_ERR_ARG_WRONG,
               "pressure on \"Face Sets\" tag %" PetscInt_FMT ": no boundary face carries this tag", pr->tag);
    pr->follower = e->nonlinear;
    if (!pr->follower) continue;
    e->face_terms[e->nface_terms + e->nfollower_terms].tag    = pr->tag;
    e->face_terms[e->nface_terms + e->nfollower_terms].qorder = 3 * e->degree - 2; /* N_a (grad N_b) F: degree 3p - 2 */
    e->face_terms[e->nface_terms + e->nfollower_terms].kernel = TwinfeElasticityPressureMatrixKernel_Private;
    e->face_terms[e->nface_terms + e->nfollower_terms].ctx    = pr;
    e->nfollower_terms++;
  }
  for (PetscInt i = 0; i < e->ntractions; ++i) {
    PetscInt count;
    PetscCall(TwinfeSpaceGetFaceCount(e->space, e->tractions[i].tag, &count));
    PetscCheck(count > 0, e->comm, PETSC_ERR_ARG_WRONG,
               "traction on \"Face Sets\" tag %" PetscInt_FMT ": no boundary face carries this tag", e->tractions[i].tag);
  }
  PetscFunctionReturn(0);
}

/* R(u) with the held rows' entries (the forces the constraints exert), assembled only when u or
   the load factor changed since the last call: forces.csv and the reaction field of one state
   share one assembly. */
static PetscErrorCode HeldResidual(TwinfeElasticity e, Vec *R)
{
  PetscObjectState state;

  PetscFunctionBeginUser;
  PetscCall(PetscObjectStateGet((PetscObject)e->u, &state));
  if (!e->held_residual) {
    PetscCall(VecDuplicate(e->u, &e->held_residual));
    e->held_state = -1;
  }
  if (state != e->held_state || e->load != e->held_load) {
    PetscCall(TwinfeElasticityAssembleForces_Private(e, e->u, e->held_residual));
    e->held_state = state;
    e->held_load  = e->load;
  }
  *R = e->held_residual;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetReactionForces(TwinfeElasticity e, PetscInt *nsets, PetscReal forces[])
{
  Vec                R;
  const PetscScalar *r;
  PetscReal         *local;

  PetscFunctionBeginUser;
  PetscCheck(e->space && !e->dirty, e->comm, PETSC_ERR_ARG_WRONGSTATE,
             "TwinfeElasticityGetReactionForces: call TwinfeElasticitySolve first");
  *nsets = e->nsets;
  if (!forces) PetscFunctionReturn(0);
  PetscCall(PetscCalloc1(3 * e->nsets + 1, &local));
  PetscCall(HeldResidual(e, &R));
  PetscCall(VecGetArrayRead(R, &r));
  for (PetscInt i = 0; i < e->nsets; ++i)
    for (PetscInt k = 0; k < e->set_nrows[i]; ++k)
      local[3 * i + e->row_component[e->set_rows[i][k]]] += PetscRealPart(r[e->set_rows[i][k]]);
  PetscCall(VecRestoreArrayRead(R, &r));
  PetscCall(MPIU_Allreduce(local, forces, 3 * e->nsets, MPIU_REAL, MPIU_SUM, e->comm));
  PetscCall(PetscFree(local));
  PetscFunctionReturn(0);
}

/* A displacement-node field (the displacement's nodes, 3 components) named `name`, made on
   first use in *dm and *v. */
static PetscErrorCode EnsureNodeVec(TwinfeElasticity e, const char name[], DM *dm, Vec *v)
{
  PetscFunctionBeginUser;
  if (*dm) PetscFunctionReturn(0);
  PetscCall(TwinfeSpaceCreateNodeVector(e->space, 0, dm, v));
  PetscCall(PetscObjectSetName((PetscObject)*v, name));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetResidualHistory_Private(TwinfeElasticity e, PetscInt *n, const PetscReal **norms)
{
  PetscFunctionBegin;
  *n     = e->nresidual_history;
  *norms = e->residual_history;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetReactionVec_Private(TwinfeElasticity e, Vec *reaction)
{
  PetscFunctionBeginUser;
  PetscCall(EnsureNodeVec(e, "reaction_force", &e->reaction_dm, &e->reaction));
  *reaction = e->reaction;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetReactionField(TwinfeElasticity e, DM *dm, Vec *reaction)
{
  Vec          R, held_R;
  PetscScalar *r;
  PetscInt     nlocal;
  PetscBool   *held;

  PetscFunctionBeginUser;
  PetscCheck(e->space && !e->dirty, e->comm, PETSC_ERR_ARG_WRONGSTATE,
             "TwinfeElasticityGetReactionField: call TwinfeElasticitySolve first");
  PetscCall(EnsureNodeVec(e, "reaction_force", &e->reaction_dm, &e->reaction));
  PetscCall(HeldResidual(e, &held_R));
  PetscCall(VecDuplicate(held_R, &R));
  PetscCall(VecCopy(held_R, R));
  PetscCall(VecGetLocalSize(R, &nlocal));
  PetscCall(PetscCalloc1(nlocal + 1, &held));
  for (PetscInt i = 0; i < e->nsets; ++i)
    for (PetscInt k = 0; k < e->set_nrows[i]; ++k)
      held[e->set_rows[i][k]] = PETSC_TRUE;
  PetscCall(VecGetArray(R, &r));
  for (PetscInt k = 0; k < nlocal; ++k) /* free dofs carry no reaction (their residual is the solver's) */
    if (!held[k]) r[k] = 0;
  PetscCall(VecRestoreArray(R, &r));
  PetscCall(PetscFree(held));
  PetscCall(TwinfeSpaceCopyNodeValues(e->space, 0, R, e->reaction_dm, e->reaction));
  PetscCall(VecDestroy(&R));
  if (dm) *dm = e->reaction_dm;
  if (reaction) *reaction = e->reaction;
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
  PetscCall(TwinfeLogBegin_Private("TwinfeElaStiffness", &stiffness_event));
  /* small strain, whatever the laws: the constraint rows' scale and the stiffness kept */
  PetscCall(TwinfeElasticityAssembleMatrix_Private(e, NULL, e->J));
  PetscCall(MatCreateVecs(e->J, &diag, NULL));
  PetscCall(MatGetDiagonal(e->J, diag));
  PetscCall(VecNorm(diag, NORM_1, &e->bc_scale));
  PetscCall(VecGetSize(diag, &n));
  e->bc_scale /= n;
  PetscCall(VecDestroy(&diag));
  PetscCall(TwinfeSpaceApplyDirichletToMatrix(e->space, e->bc_scale, e->J));
  PetscCall(PetscLogEventEnd(stiffness_event, 0, 0, 0, 0));
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
  PetscBool is_gamg;

  PetscFunctionBeginUser;
  PetscCall(SNESGetKSP(e->snes, &ksp));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCGAMG, &is_gamg));
  if (!is_gamg) PetscFunctionReturn(0);
  /* also when options chose GAMG over a refined mesh's multigrid (ChoosePreconditioner set
     this only on its own GAMG) */
  PetscCall(PCGAMGSetReuseInterpolation(pc, PETSC_TRUE));
  PetscCall(PCGAMGSetUseSAEstEig(pc, PETSC_FALSE));
  PetscCall(PCSetFromOptions(pc)); /* -elasticity_pc_gamg_use_sa_esteig still has the last word */
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp(TwinfeElasticity e)
{
  PetscFunctionBeginUser;
  PetscCall(EnsureSNES(e));
  if (!e->dirty && !e->released) PetscFunctionReturn(0);
  PetscCall(AssignMaterials(e));
  if (TwinfeElasticityMixed(e))
    PetscCall(TwinfeElasticityMixedSetUp_Private(e));
  else if (e->nonlinear)
    PetscCall(ConfigureNewtonSolver(e));
  PetscCall(MultigridPC(e, NULL)); /* options may have chosen another preconditioner than the multigrid */
  PetscCall(EnsureOperator(e));
  TwinfeReturnFreedMemory_Private(); /* the pattern's work arrays (190 MB at 1M P1 unknowns) */
  PetscCall(AttachRigidBodyModes(e));
  PetscCall(TwinfeLogBegin_Private("TwinfeElaBoundary", &boundary_event));
  PetscCall(ApplyBoundaryConditions(e));
  PetscCall(PetscLogEventEnd(boundary_event, 0, 0, 0, 0));
  if (!TwinfeElasticityMixed(e) && e->nfollower_terms) {
    /* a follower pressure's tangent is not symmetric: CG would not do (options keep the last word) */
    KSP ksp;
    PetscCall(SNESGetKSP(e->snes, &ksp));
    PetscCall(KSPSetType(ksp, KSPGMRES));
    PetscCall(KSPSetFromOptions(ksp));
  }
  PetscCall(AssembleStiffness(e));
  /* small strain keeps this one matrix: its pattern map (163 MB at 2.5M P1 tets) would only sit
     beside GAMG's set-up, where the run's memory peaks */
  if (!e->nonlinear) PetscCall(TwinfeSpaceReleasePattern(e->space));
  TwinfeReturnFreedMemory_Private();
  /* after the release: a multigrid's Galerkin products hold 340 MB while they run at 1M P1
     unknowns, and need not sit beside the pattern map. With a store of solvers, only once the
     stiffness is known not to be a kept solver's (TwinfeElasticityLinearSolver_Private). */
  PetscCall(KSPDestroy(&e->kept));
  e->linear_ready     = PETSC_FALSE;
  e->operator_pending = e->store && !e->nonlinear ? PETSC_TRUE : PETSC_FALSE;
  if (!e->operator_pending) PetscCall(TwinfeElasticityOperatorChanged_Private(e));
  e->dirty    = PETSC_FALSE;
  e->released = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticitySetUp(TwinfeElasticity e)
{
  PetscFunctionBeginUser;
  PetscCall(SetUp(e));
  /* a small-strain solve uses the KSP alone: the SNES's work vectors (5 of the solution's
     size) would only take memory */
  if (e->nonlinear) PetscCall(SNESSetUp(e->snes));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticitySolve(TwinfeElasticity e)
{
  PetscFunctionBeginUser;
  PetscCall(SetUp(e));
  PetscCall(TwinfeElasticitySolveSteps_Private(e));
  PetscFunctionReturn(0);
}

/* What the solve leaves to read (solution, reactions, fields) is kept; the stiffness, its
   preconditioner and the Krylov work vectors go: at 1M P1 unknowns about 0.9 GB, which the
   results writer would otherwise need on top. The next solve sets them up again. */
PetscErrorCode TwinfeElasticityReleaseSolver(TwinfeElasticity e)
{
  PetscFunctionBeginUser;
  if (!e->snes) PetscFunctionReturn(0);
  PetscCall(TwinfeElasticityGetSolverInfo(e, NULL, NULL, NULL)); /* kept for later readers */
  PetscCall(KSPDestroy(&e->kept));                               /* the store's reference stays */
  e->linear_ready = PETSC_FALSE;
  PetscCall(DestroySNES(e));
  PetscCall(TwinfeMultigridDestroy(&e->mg));
  PetscCall(MatDestroy(&e->J));
  PetscCall(MatDestroy(&e->schur_pre));
  for (PetscInt f = 0; f < 2; ++f)
    PetscCall(ISDestroy(&e->field_is[f]));
  e->blocks_configured = PETSC_FALSE;
  e->released          = PETSC_TRUE; /* the next set-up builds them again */
  TwinfeReturnFreedMemory_Private();
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

PetscErrorCode TwinfeElasticityGetNodeDisplacement(TwinfeElasticity e, DM *dm, Vec *u)
{
  PetscFunctionBeginUser;
  PetscCheck(e->space, e->comm, PETSC_ERR_ARG_WRONGSTATE,
             "TwinfeElasticityGetNodeDisplacement: call TwinfeElasticitySolve first");
  if (e->degree == 1) {
    PetscCall(TwinfeElasticityGetDisplacement(e, dm, u));
    PetscFunctionReturn(0);
  }
  PetscCall(EnsureNodeVec(e, "displacement", &e->node_dm, &e->node_u));
  PetscCall(TwinfeSpaceCopyNodeValues(e->space, 0, e->u, e->node_dm, e->node_u));
  if (dm) *dm = e->node_dm;
  if (u) *u = e->node_u;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetPressure(TwinfeElasticity e, DM *dm, Vec *pressure)
{
  PetscFunctionBeginUser;
  PetscCheck(e->space && TwinfeElasticityMixed(e), e->comm, PETSC_ERR_ARG_WRONGSTATE,
             "TwinfeElasticityGetPressure: only the mixed formulation has a pressure, after TwinfeElasticitySolve");
  if (!e->pressure_dm) {
    PetscCall(TwinfeSpaceCreateVertexVector(e->space, 1, &e->pressure_dm, &e->pressure));
    PetscCall(PetscObjectSetName((PetscObject)e->pressure, "pressure"));
  }
  PetscCall(TwinfeSpaceCopyVertexValues(e->space, 1, e->u, e->pressure_dm, e->pressure));
  if (dm) *dm = e->pressure_dm;
  if (pressure) *pressure = e->pressure;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetSolverInfo(TwinfeElasticity e, PetscInt *iterations, PetscReal *residual_norm,
                                             const char **reason)
{
  KSP                ksp;
  KSPConvergedReason r;

  PetscFunctionBeginUser;
  PetscCheck(e->snes || e->released, e->comm, PETSC_ERR_ARG_WRONGSTATE,
             "TwinfeElasticityGetSolverInfo: call TwinfeElasticitySolve first");
  if (e->snes) {
    if (e->kept)
      ksp = e->kept;
    else
      PetscCall(SNESGetKSP(e->snes, &ksp));
    PetscCall(KSPGetIterationNumber(ksp, &e->last_its));
    PetscCall(KSPGetResidualNorm(ksp, &e->last_rnorm));
    PetscCall(KSPGetConvergedReason(ksp, &r));
    e->last_reason = (PetscInt)r;
  }
  if (iterations) *iterations = e->last_its;
  if (residual_norm) *residual_norm = e->last_rnorm;
  if (reason) *reason = KSPConvergedReasons[e->last_reason];
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

/* Eigenvalues of the symmetric 3x3 matrix (xx yy zz xy yz xz), largest first: the closed form
   through the trigonometric solution of the characteristic cubic. */
static void SymmetricEigenvalues(const PetscScalar t[6], PetscReal eig[3])
{
  PetscReal a00 = PetscRealPart(t[0]), a11 = PetscRealPart(t[1]), a22 = PetscRealPart(t[2]);
  PetscReal a01 = PetscRealPart(t[3]), a12 = PetscRealPart(t[4]), a02 = PetscRealPart(t[5]);
  PetscReal off = a01 * a01 + a12 * a12 + a02 * a02, q = (a00 + a11 + a22) / 3, p, r, phi, b[6];

  p = PetscSqrtReal((PetscSqr(a00 - q) + PetscSqr(a11 - q) + PetscSqr(a22 - q) + 2 * off) / 6);
  if (p <= 1e-300) {
    eig[0] = eig[1] = eig[2] = q;
    return;
  }
  b[0] = (a00 - q) / p, b[1] = (a11 - q) / p, b[2] = (a22 - q) / p, b[3] = a01 / p, b[4] = a12 / p, b[5] = a02 / p;
  r      = 0.5 * (b[0] * (b[1] * b[2] - b[4] * b[4]) - b[3] * (b[3] * b[2] - b[4] * b[5]) + b[5] * (b[3] * b[4] - b[1] * b[5]));
  r      = PetscMax(-1.0, PetscMin(1.0, r));
  phi    = PetscAcosReal(r) / 3;
  eig[0] = q + 2 * p * PetscCosReal(phi);
  eig[2] = q + 2 * p * PetscCosReal(phi + 2 * PETSC_PI / 3);
  eig[1] = 3 * q - eig[0] - eig[2];
}

static PetscErrorCode CreateCellVec(TwinfeElasticity e, PetscInt ncells, PetscInt bs, const char name[], Vec *v)
{
  PetscFunctionBeginUser;
  PetscCall(VecCreate(e->comm, v));
  PetscCall(VecSetSizes(*v, bs * ncells, PETSC_DETERMINE));
  if (bs > 1) PetscCall(VecSetBlockSize(*v, bs));
  PetscCall(VecSetType(*v, VECSTANDARD));
  PetscCall(PetscObjectSetName((PetscObject)*v, name));
  PetscFunctionReturn(0);
}

/* The cell fields' arrays, filled a block of cells at a time (CellFieldsFromMeans). */
typedef struct {
  PetscScalar *out[TWINFE_ELASTICITY_NFIELDS];
} CellFieldArrays;

/* Von Mises stress, stress, strain, principal strains and J of cells cstart..cend-1 from their
   TWINFE_ELASTICITY_CELL_FIELDS means (Cauchy stress, Green-Lagrange strain, J). */
static PetscErrorCode CellFieldsFromMeans(PetscInt cstart, PetscInt cend, const PetscScalar means[], void *ctx)
{
  CellFieldArrays *a = (CellFieldArrays *)ctx;

  for (PetscInt c = cstart; c < cend; ++c) {
    const PetscScalar *t = &means[TWINFE_ELASTICITY_CELL_FIELDS * (c - cstart)];
    PetscReal          d = PetscSqr(t[0] - t[1]) + PetscSqr(t[1] - t[2]) + PetscSqr(t[2] - t[0]), eig[3];
    a->out[0][c]         = PetscSqrtReal(0.5 * d + 3 * (PetscSqr(t[3]) + PetscSqr(t[4]) + PetscSqr(t[5])));
    SymmetricEigenvalues(&t[6], eig);
    for (PetscInt k = 0; k < 6; ++k) {
      a->out[1][6 * c + k] = t[k];
      a->out[2][6 * c + k] = t[6 + k];
    }
    for (PetscInt k = 0; k < 3; ++k)
      a->out[3][3 * c + k] = eig[k];
    a->out[4][c] = t[12];
  }
  return 0;
}

/* Cells per block of the means: 64k cells hold 6.8 MB of means, where the whole mesh's had
   held 264 MB at 2.5M tets beside the fields themselves (the run's peak memory). */
#define CELL_FIELDS_BLOCK 65536

/* The cell fields' Vecs, named and sized (values not set). */
static PetscErrorCode CreateCellFields(TwinfeElasticity e, Vec fields[])
{
  static const char *const names[TWINFE_ELASTICITY_NFIELDS] = {"von_mises", "stress", "strain", "principal_strain", "J"};
  static const PetscInt    sizes[TWINFE_ELASTICITY_NFIELDS] = {1, 6, 6, 3, 1};
  PetscInt                 ncells;

  PetscFunctionBeginUser;
  PetscCheck(e->space, e->comm, PETSC_ERR_ARG_WRONGSTATE,
             "TwinfeElasticityComputeCellFields: call TwinfeElasticitySetUp or TwinfeElasticitySolve first");
  PetscCall(TwinfeSpaceGetSizes(e->space, &ncells, NULL));
  for (PetscInt k = 0; k < TWINFE_ELASTICITY_NFIELDS; ++k)
    PetscCall(CreateCellVec(e, ncells, sizes[k], names[k], &fields[k]));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityCreateUnloadedCellFields_Private(TwinfeElasticity e, Vec fields[])
{
  PetscFunctionBeginUser;
  PetscCall(CreateCellFields(e, fields));
  /* J is the last field: every cell keeps its volume */
  for (PetscInt k = 0; k < TWINFE_ELASTICITY_NFIELDS; ++k)
    PetscCall(VecSet(fields[k], k == TWINFE_ELASTICITY_NFIELDS - 1 ? 1.0 : 0.0));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityComputeCellFields(TwinfeElasticity e, Vec fields[])
{
  PetscInt        inverted;
  CellFieldArrays arrays;
  PetscErrorCode  ierr;

  PetscFunctionBeginUser;
  PetscCheck(e->space && !e->dirty, e->comm, PETSC_ERR_ARG_WRONGSTATE,
             "TwinfeElasticityComputeCellFields: call TwinfeElasticitySetUp or TwinfeElasticitySolve first");
  PetscCall(CreateCellFields(e, fields));
  PetscCall(TwinfeLogBegin_Private("TwinfeElaCellFields", &cell_fields_event));
  for (PetscInt k = 0; k < TWINFE_ELASTICITY_NFIELDS; ++k)
    PetscCall(VecGetArray(fields[k], &arrays.out[k]));
  /* the cell mean over the stiffness rule (the exact mean for P1) */
  e->inverted = 0;
  ierr        = TwinfeSpaceEvaluateCellBlocks(e->space, TwinfeElasticityStiffnessOrder_Private(e), e->u,
                                              TwinfeElasticityCellFieldsKernel_Private, e, TWINFE_ELASTICITY_CELL_FIELDS,
                                              CELL_FIELDS_BLOCK, CellFieldsFromMeans, &arrays);
  for (PetscInt k = 0; k < TWINFE_ELASTICITY_NFIELDS; ++k)
    PetscCall(VecRestoreArray(fields[k], &arrays.out[k]));
  PetscCall(ierr);
  PetscCall(MPIU_Allreduce(&e->inverted, &inverted, 1, MPIU_INT, MPI_SUM, e->comm));
  PetscCheck(!inverted, e->comm, PETSC_ERR_NOT_CONVERGED,
             "elasticity: %" PetscInt_FMT " quadrature points have det F <= 0 (inverted cells): the state has no stress there",
             inverted);
  PetscCall(PetscLogEventEnd(cell_fields_event, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityComputeFaceStress(TwinfeElasticity e, PetscInt tag, PetscReal mean[6])
{
  PetscReal sum[7];
  PetscInt  inverted;

  PetscFunctionBeginUser;
  PetscCheck(e->space && !e->dirty, e->comm, PETSC_ERR_ARG_WRONGSTATE,
             "TwinfeElasticityComputeFaceStress: call TwinfeElasticitySolve first");
  e->inverted = 0;
  PetscCall(TwinfeSpaceIntegrateFaces(e->space, tag, TwinfeElasticityStiffnessOrder_Private(e) + 1, e->u,
                                      TwinfeElasticityFaceStressKernel_Private, e, 7, sum));
  PetscCall(MPIU_Allreduce(&e->inverted, &inverted, 1, MPIU_INT, MPI_SUM, e->comm));
  PetscCheck(!inverted, e->comm, PETSC_ERR_NOT_CONVERGED,
             "elasticity: %" PetscInt_FMT " points of the faces tagged %" PetscInt_FMT " have det F <= 0", inverted, tag);
  for (PetscInt k = 0; k < 6; ++k)
    mean[k] = sum[k] / sum[6];
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityComputeStress(TwinfeElasticity e, Vec *von_mises, Vec *stress)
{
  Vec fields[TWINFE_ELASTICITY_NFIELDS];

  PetscFunctionBeginUser;
  PetscCall(TwinfeElasticityComputeCellFields(e, fields));
  *von_mises = fields[0];
  *stress    = fields[1];
  for (PetscInt k = 2; k < TWINFE_ELASTICITY_NFIELDS; ++k)
    PetscCall(VecDestroy(&fields[k]));
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

PetscErrorCode TwinfeElasticitySetSolverStore(TwinfeElasticity e, TwinfeSolverStore store)
{
  PetscFunctionBeginUser;
  e->store = store;
  e->dirty = PETSC_TRUE; /* the next set-up decides when the multigrid's products are made */
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetSolverReused(TwinfeElasticity e, PetscBool *reused)
{
  PetscFunctionBeginUser;
  *reused = e->reused;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetSNES(TwinfeElasticity e, SNES *snes)
{
  PetscFunctionBeginUser;
  PetscCall(EnsureSNES(e));
  *snes = e->snes;
  PetscFunctionReturn(0);
}
